"""What the App Home shows a lead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.services.schedules import lead_timezone
from bot.store.leads import get_lead, workspace_of


@dataclass(frozen=True)
class HomeState:
    """The figures the Home tab is built from."""

    enrolled: bool
    timezone: str | None = None
    next_prompt_local: str | None = None  # e.g. "Monday 23 Nov, 16:30"


def home_state(session: Session, team_id: str, user_id: str) -> HomeState:
    """Read the lead's state for their Home tab."""
    lead = get_lead(session, team_id, user_id)
    if lead is None or not lead.enrolled:
        return HomeState(enrolled=False)
    timezone = lead_timezone(lead, workspace_of(session, lead))
    next_local = format_local(lead.next_prompt_at, timezone) if lead.next_prompt_at else None
    return HomeState(enrolled=True, timezone=timezone, next_prompt_local=next_local)


def format_local(instant: datetime, timezone: str) -> str:
    """An instant in a timezone as 'Monday 23 Nov, 16:30'."""
    moment = instant.astimezone(ZoneInfo(timezone))
    return f"{moment:%A} {moment.day} {moment:%b}, {moment:%H:%M}"
