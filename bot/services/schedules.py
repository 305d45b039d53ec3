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


def summary_schedule(lead: Lead, workspace_timezone: str) -> Schedule:
    """When the lead's scorecard is due: their summary day, at their summary time or else their prompt time."""
    return Schedule(
        timezone=lead.timezone or workspace_timezone,
        at=lead.summary_time or lead.prompt_time,
        workdays=frozenset({lead.summary_weekday}),
    )


def digest_schedule(workspace: Workspace) -> Schedule:
    """When the workspace's digest is due."""
    return Schedule(
        timezone=workspace.timezone, at=workspace.digest_time, workdays=frozenset({workspace.digest_weekday})
    )


def refresh_next_prompt(lead: Lead, workspace: Workspace, now: datetime) -> None:
    """Recompute when the lead's next prompt and scorecard are due (None when prompts are off)."""
    if not (lead.enrolled and lead.active and workspace.active):
        lead.next_prompt_at = lead.next_summary_at = None
        return
    lead.next_prompt_at = next_occurrence(prompt_schedule(lead, workspace.timezone), now, lead.paused_until)
    lead.next_summary_at = next_occurrence(summary_schedule(lead, workspace.timezone), now, lead.paused_until)


def usable_timezone(name: str | None) -> str | None:
    """A Slack profile's tz if it is a zone we know, else None."""
    return name if name and is_valid_timezone(name) else None
