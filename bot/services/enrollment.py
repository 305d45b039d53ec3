"""Enrolling a lead in daily prompts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.coaching.schedule import ScheduleError, local_date_of, parse_pause
from bot.services import loops
from bot.services.errors import UserFacingError
from bot.services.ports import SlackProfile
from bot.services.schedules import lead_timezone, refresh_next_prompt, usable_timezone
from bot.store.leads import get_lead, get_or_create_lead, get_or_create_workspace, get_workspace
from bot.store.models import Lead, Workspace


@dataclass(frozen=True)
class Enrollment:
    """What `start` did."""

    lead: Lead
    timezone: str
    already_enrolled: bool


def start(session: Session, profile: SlackProfile, team_id: str, default_timezone: str, now: datetime) -> Enrollment:
    """Turn daily prompts on for a user, taking their timezone from their Slack profile (read before this unit of
    work: no Slack call is made inside it)."""
    user_id = profile.user_id
    if profile.is_bot or profile.deleted:
        raise UserFacingError("Lead Coach is for people: bots and deactivated accounts can't be enrolled.")
    workspace = get_or_create_workspace(session, team_id, default_timezone)
    lead = get_or_create_lead(session, team_id, user_id)
    already_enrolled = lead.enrolled
    lead.display_name = profile.display_name
    lead.timezone = usable_timezone(profile.tz) or lead.timezone
    lead.enrolled = True
    lead.active = True
    refresh_next_prompt(lead, workspace, now)
    return Enrollment(lead=lead, timezone=lead_timezone(lead, workspace), already_enrolled=already_enrolled)


def _enrolled_lead(session: Session, team_id: str, user_id: str) -> tuple[Lead, Workspace]:
    workspace = get_workspace(session, team_id)
    lead = get_lead(session, team_id, user_id)
    if workspace is None or lead is None or not lead.enrolled:
        raise UserFacingError("You're not enrolled yet: `/coach start` turns on daily prompts.")
    return lead, workspace


def stop(session: Session, team_id: str, user_id: str) -> None:
    """Turn daily prompts off; everything logged is kept."""
    lead, _ = _enrolled_lead(session, team_id, user_id)
    lead.enrolled = False
    lead.next_prompt_at = lead.next_summary_at = None


def pause(session: Session, team_id: str, user_id: str, text: str, now: datetime) -> date:
    """Pause prompts for a span ("5d", "until 2026-12-24"); return the last paused local date."""
    lead, workspace = _enrolled_lead(session, team_id, user_id)
    today = local_date_of(now, lead_timezone(lead, workspace))
    try:
        lead.paused_until = parse_pause(text, today)
    except ScheduleError as error:
        raise UserFacingError(f"{error} Try `/coach pause 5d` or `/coach pause until 2026-12-24`.") from None
    refresh_next_prompt(lead, workspace, now)
    loops.pause_changed(session, lead, today, now)
    return lead.paused_until


def resume(session: Session, team_id: str, user_id: str, now: datetime) -> Lead:
    """End a pause now."""
    lead, workspace = _enrolled_lead(session, team_id, user_id)
    lead.paused_until = None
    lead.active = True
    refresh_next_prompt(lead, workspace, now)
    loops.pause_changed(session, lead, local_date_of(now, lead_timezone(lead, workspace)), now)
    return lead
