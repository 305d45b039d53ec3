"""/impact <text> logs an entry at once; /impact alone opens the modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond

from bot.delivery import outbox
from bot.services import entries
from bot.slack.blocks.entries import ModalContext, logged_message
from bot.slack.deps import deps_of
from bot.slack.flows import new_entry_modal
from bot.slack.handling import guarded
from bot.slack.payloads import actor, text_of


def has_text(command: dict[str, Any]) -> bool:
    """`/impact <text>` rather than `/impact` alone."""
    return bool(text_of(command, "text").strip())


def log(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    """Store the entry (and queue Home) before Slack is answered, so "Logged: …" is only shown for a saved entry."""
    deps, (team_id, user_id) = deps_of(context), actor(context)
    with deps.session_factory.begin() as session:
        filed = entries.log_entry(
            session,
            deps.filing,
            team_id=team_id,
            user_id=user_id,
            text=text_of(command, "text"),
            source="command",
            default_timezone=deps.settings.timezone,
            now=deps.clock(),
        )
        outbox.home(session, team_id, user_id, deps.clock())
    deps.courier.wake()
    reply, blocks = logged_message(filed)
    ack(text=reply, blocks=blocks, response_type="ephemeral")


def open_modal(command: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """The modal for a new entry, inside the trigger's 3 seconds."""
    deps, modal = deps_of(context), ModalContext(response_url=command.get("response_url"))

    def work() -> None:
        deps.gateway.open_view(command["trigger_id"], new_entry_modal(deps, *actor(context), modal))

    guarded(respond, context, work)
