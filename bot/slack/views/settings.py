"""The settings modal: the timezone search, and saving (Home is queued in the same unit of work)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.delivery import outbox
from bot.services import settings
from bot.services.home import format_local
from bot.services.schedules import lead_timezone
from bot.slack.blocks.settings import (
    read_settings,
    saved_view,
    timezone_options,
)
from bot.slack.deps import deps_of
from bot.slack.handling import friendly_message
from bot.slack.payloads import actor, text_of
from bot.store.leads import workspace_of

FIRST_FIELD = "prompt_time"  # where an error that belongs to no one field is shown


def timezones(ack: Ack, payload: dict[str, Any]) -> None:
    """The timezone menu's search."""
    ack(options=timezone_options(text_of(payload, "value")))


def submit(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    """Save the settings, or keep the modal open with the fields to fix."""
    chosen = read_settings((view.get("state") or {}).get("values") or {})
    if isinstance(chosen, dict):
        ack(response_action="errors", errors=chosen)
        return
    deps, (team_id, user_id) = deps_of(context), actor(context)
    try:
        with deps.session_factory.begin() as session:
            lead = settings.save(session, team_id, user_id, chosen, deps.clock())
            timezone = lead_timezone(lead, workspace_of(session, lead))
            when = format_local(lead.next_prompt_at, timezone) if lead.next_prompt_at else None
            scorecard = format_local(lead.next_summary_at, timezone) if lead.next_summary_at else None
            outbox.home(session, team_id, user_id, deps.clock())
    except settings.InvalidSettings as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except Exception as error:  # the modal stays open with the reason, and nothing was saved
        ack(response_action="errors", errors={FIRST_FIELD: friendly_message(error)})
        return
    deps.courier.wake()
    ack(response_action="update", view=saved_view(when, scorecard, timezone))
