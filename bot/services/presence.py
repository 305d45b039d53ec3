"""A lead's Slack profile, kept current: their timezone (unless they chose one in settings) and whether their
status says they are away. Both move the next prompt, scorecard and follow-ups at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.coaching.calendar import is_away_status
from bot.coaching.loops import is_long_absence
from bot.coaching.schedule import local_date_of
from bot.services.schedules import lead_timezone, refresh_next_prompt, usable_timezone
from bot.store import loops as loop_store
from bot.store.leads import get_lead, workspace_of
from bot.store.models import Absence, Lead

UNTIL_CLEARED = timedelta(days=365)  # an away status with no expiry holds until it is cleared


@dataclass(frozen=True)
class Profile:
    """What a user_change event says about a person."""

    user_id: str
    tz: str | None
    status_emoji: str
    status_text: str
    status_expiration: int  # seconds since the epoch; 0: none


def profile_changed(session: Session, team_id: str, profile: Profile, now: datetime) -> bool:
    """Follow a lead's profile; False for someone who is not a lead here (nothing is stored for them)."""
    lead = get_lead(session, team_id, profile.user_id, for_update=True)
    if lead is None:
        return False
    workspace = workspace_of(session, lead)
    zone = usable_timezone(profile.tz)
    if zone is not None and not lead.timezone_chosen and zone != lead.timezone:
        lead.timezone = zone
        refresh_next_prompt(lead, workspace, now)
    today = local_date_of(now, lead_timezone(lead, workspace))
    if is_away_status(profile.status_emoji, profile.status_text):
        until = datetime.fromtimestamp(profile.status_expiration, UTC) if profile.status_expiration else None
        last_day = local_date_of(until, lead_timezone(lead, workspace)) if until else today + UNTIL_CLEARED
        away_from(session, lead, today, last_day, now)
    else:
        back(session, lead, today)
    return True


def away_from(session: Session, lead: Lead, today: date, last_day: date, now: datetime) -> None:
    """Away from today through `last_day`: the ongoing absence from a status stretches, or one begins."""
    ongoing = _status_absence(session, lead, today)
    if ongoing is not None:
        ongoing.last_day = max(last_day, today)
        return
    session.add(
        Absence(lead_id=lead.id, first_day=today, last_day=max(last_day, today), source="status", created_at=now)
    )


def back(session: Session, lead: Lead, today: date) -> None:
    """The status no longer says away: the absence ended yesterday (or never was, if it began today), and the
    first workday back asks what waited, if it lasted three workdays or more."""
    ongoing = _status_absence(session, lead, today)
    if ongoing is None:
        return
    if ongoing.first_day >= today:
        session.delete(ongoing)
        return
    ongoing.last_day = today - timedelta(days=1)
    if not is_long_absence(ongoing.first_day, ongoing.last_day, frozenset(int(d) for d in lead.workdays)):
        ongoing.asked_on = today  # too short to ask about


def _status_absence(session: Session, lead: Lead, today: date) -> Absence | None:
    found = loop_store.open_absence(session, lead.id, today)
    return found if found is not None and found.source == "status" else None
