"""From stored settings to the domain's schedule, and the next instants that follow from it."""

from __future__ import annotations

from datetime import datetime

from bot.coaching.schedule import Schedule, is_valid_timezone, next_occurrence
from bot.store.models import Lead, Workspace


def lead_timezone(lead: Lead, workspace: Workspace) -> str:
    """The lead's own timezone, else the workspace's."""
    return lead.timezone or workspace.timezone


def prompt_schedule(lead: Lead, workspace_timezone: str) -> Schedule:
    """When this lead's daily prompts are due."""
    return Schedule(
        timezone=lead.timezone or workspace_timezone,
        at=lead.prompt_time,
        workdays=frozenset(int(day) for day in lead.workdays),
    )


def refresh_next_prompt(lead: Lead, workspace: Workspace, now: datetime) -> None:
    """Recompute when the lead's next prompt is due (None when prompts are off)."""
    if not (lead.enrolled and lead.active and workspace.active):
        lead.next_prompt_at = None
        return
    lead.next_prompt_at = next_occurrence(prompt_schedule(lead, workspace.timezone), now, lead.paused_until)


def usable_timezone(name: str | None) -> str | None:
    """A Slack profile's tz if it is a zone we know, else None."""
    return name if name and is_valid_timezone(name) else None
