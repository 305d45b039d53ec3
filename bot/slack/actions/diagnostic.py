"""The verdict's outcome buttons: what happened to the task, recorded and shown on the message clicked."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_bolt.context.respond import Respond

from bot.delivery import outbox
from bot.services import diagnostics
from bot.slack.blocks.diagnostic import OUTCOME_ACTIONS, outcome_recorded
from bot.slack.deps import deps_of
from bot.slack.handling import guarded
from bot.slack.homes import refresh_home
from bot.slack.payloads import actor, parse_id, text_of


def record_outcome(body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Delegated, paired or did it myself: for the diagnostic's own lead only."""
    deps, (team_id, user_id) = deps_of(context), actor(context)
    outcome = next(key for key, action_id in OUTCOME_ACTIONS.items() if action_id == action["action_id"])
    diagnostic_id = parse_id(action.get("value")) or 0

    def work() -> None:
        message, container = body.get("message") or {}, body.get("container")
        channel, ts = text_of(container, "channel_id"), text_of(container, "message_ts")
        with deps.session_factory.begin() as session:
            verdict = diagnostics.record_outcome(session, team_id, user_id, diagnostic_id, outcome, deps.clock())
            blocks = outcome_recorded([b for b in message.get("blocks") or [] if isinstance(b, dict)], verdict)
            if channel and ts:  # the message clicked is redrawn to show the outcome
                text = text_of(message, "text")
                outbox.redraw(session, team_id, channel, ts, text, blocks, deps.clock(), user_id=user_id)
        deps.courier.wake()
        refresh_home(deps, team_id, user_id)

    guarded(respond, context, work)
