"""A lead's own settings: read them for the modal, check and save them; the next tick follows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy.orm import Session

from bot.coaching.calendar import country_of, holiday_country, known_country
from bot.coaching.schedule import ScheduleError, local_date_of, parse_timezone
from bot.services import loops
from bot.services.errors import UserFacingError
from bot.services.schedules import lead_timezone, refresh_next_prompt
from bot.store.leads import get_lead, workspace_of
from bot.store.models import Lead

NOT_KNOWN = "I don't have you as a lead yet: `/coach start` turns on daily prompts, then settings are yours."
MAX_PAUSE_DAYS = 366


@dataclass(frozen=True)
class LeadSettings:
    """What a lead may change about their coach."""

    prompt_time: time
    workdays: frozenset[int]  # ISO weekdays
    timezone: str
    summary_weekday: int  # ISO weekday
    summary_time: time
    share_by_default: bool
    paused_until: date | None  # the last paused local date; None: not paused
    audiences: frozenset[str] = frozenset()  # AUDIENCES keys the lead said hold for them
    holidays: str | None = None  # whose public holidays: a country code, "" for none, None for the timezone's


class InvalidSettings(Exception):
    """Some values can't be saved; `errors` maps each LeadSettings field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def current(session: Session, team_id: str, user_id: str, now: datetime) -> LeadSettings:
    """The lead's settings as they stand (defaults filled in; a pause that has ended shows as none)."""
    lead = _known(session, team_id, user_id)
    timezone = lead_timezone(lead, workspace_of(session, lead))
    paused = lead.paused_until
    return LeadSettings(
        prompt_time=lead.prompt_time,
        workdays=frozenset(int(day) for day in lead.workdays),
        timezone=timezone,
        summary_weekday=lead.summary_weekday,
        summary_time=lead.summary_time or lead.prompt_time,
        share_by_default=lead.share_by_default,
        paused_until=paused if paused is not None and paused >= local_date_of(now, timezone) else None,
        audiences=frozenset(a for a in lead.audiences.split(",") if a),
        holidays=holiday_country(lead.holiday_country, timezone) if lead.holiday_country != "" else "",
    )


def save(session: Session, team_id: str, user_id: str, chosen: LeadSettings, now: datetime) -> Lead:
    """Check and store the lead's settings, and reschedule their prompt and scorecard from them."""
    lead = _known(session, team_id, user_id)
    timezone = _checked(chosen, now)
    workspace = workspace_of(session, lead)
    shown_summary_time = lead.summary_time or lead.prompt_time
    lead.prompt_time = chosen.prompt_time
    lead.workdays = "".join(str(day) for day in sorted(chosen.workdays))
    # A value left as it was shown keeps following its default: the workspace's zone, the prompt time.
    if timezone != lead_timezone(lead, workspace):
        lead.timezone, lead.timezone_chosen = timezone, True  # from now on their profile's no longer moves it
    lead.summary_weekday = chosen.summary_weekday
    if lead.summary_time is not None or chosen.summary_time != shown_summary_time:
        lead.summary_time = chosen.summary_time
    lead.share_by_default = chosen.share_by_default
    lead.audiences = ",".join(sorted(chosen.audiences))
    # A country left as the timezone gives it keeps following the timezone.
    following = chosen.holidays is None or chosen.holidays == country_of(lead_timezone(lead, workspace))
    lead.holiday_country = None if following else chosen.holidays
    lead.paused_until = chosen.paused_until
    refresh_next_prompt(lead, workspace, now)
    loops.pause_changed(session, lead, local_date_of(now, lead_timezone(lead, workspace)), now)
    return lead


def _checked(chosen: LeadSettings, now: datetime) -> str:
    """The canonical timezone name, or InvalidSettings naming every field that is wrong."""
    errors: dict[str, str] = {}
    timezone = chosen.timezone
    try:
        timezone = parse_timezone(chosen.timezone).key
    except ScheduleError as error:
        errors["timezone"] = str(error)
    if not chosen.workdays or not chosen.workdays <= set(range(1, 8)):
        errors["workdays"] = "Pick at least one day for your prompts."
    if not 1 <= chosen.summary_weekday <= 7:
        errors["summary_weekday"] = "Pick a day of the week for your scorecard."
    if chosen.paused_until is not None and "timezone" not in errors:
        # The pause is in the lead's local dates, so "today" is read in the zone they are choosing now.
        today = local_date_of(now, timezone)
        if chosen.paused_until < today:
            errors["paused_until"] = "That date has passed: pick today or later, or clear it to resume now."
        elif (chosen.paused_until - today).days > MAX_PAUSE_DAYS:
            errors["paused_until"] = "I can pause for at most a year: pick an earlier date."
    if chosen.holidays and not known_country(chosen.holidays):
        errors["holidays"] = (
            f"I have no holiday calendar for {chosen.holidays!r}: try a code like DE, US or FR, or none."
        )
    if errors:
        raise InvalidSettings(errors)
    return timezone


def _known(session: Session, team_id: str, user_id: str) -> Lead:
    lead = get_lead(session, team_id, user_id)
    if lead is None:
        raise UserFacingError(NOT_KNOWN)
    return lead
