"""Enrolling a lead in daily prompts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.services.errors import UserFacingError
from bot.services.ports import Sender
from bot.services.schedules import lead_timezone, refresh_next_prompt, usable_timezone
from bot.store.leads import get_or_create_lead, get_or_create_workspace
from bot.store.models import Lead


@dataclass(frozen=True)
class Enrollment:
    """What `start` did."""

    lead: Lead
    timezone: str
    already_enrolled: bool


def start(
    session: Session, sender: Sender, team_id: str, user_id: str, default_timezone: str, now: datetime
) -> Enrollment:
    """Turn daily prompts on for a user, taking their timezone from their Slack profile."""
    profile = sender.user_profile(user_id)
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
