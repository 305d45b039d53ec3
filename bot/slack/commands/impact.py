"""/impact <text> logs an entry at once; /impact alone opens the modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond

from bot.services import entries
from bot.slack.blocks.entries import ModalContext, logged_message
from bot.slack.deps import AppDeps
from bot.slack.flows import new_entry_modal
from bot.slack.handling import on_failure_tell
from bot.slack.homes import refresh_home
from bot.slack.payloads import actor, text_of


def register(app: App, deps: AppDeps) -> None:
    """Register /impact."""

    def log_or_open(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        text = text_of(command, "text")
        if not text.strip():
            ack()  # the modal opens from the lazy listener, inside the trigger's 3 seconds
            return
        team_id, user_id = actor(context)
        # Stored before Slack is answered, so the ephemeral "Logged: …" is only ever shown for a saved entry.
        with deps.session_factory.begin() as session:
            filed = entries.log_entry(
                session,
                deps.rules,
                team_id=team_id,
                user_id=user_id,
                text=text,
                source="command",
                default_timezone=deps.settings.timezone,
                now=deps.clock(),
            )
        reply, blocks = logged_message(filed)
        ack(text=reply, blocks=blocks, response_type="ephemeral")

    def open_modal_or_refresh(command: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        if not text_of(command, "text").strip():
            modal = ModalContext(response_url=command.get("response_url"))

            def work() -> None:
                view = new_entry_modal(deps, *actor(context), modal)
                deps.gateway.open_view(command["trigger_id"], view)

            on_failure_tell(respond, work)
        else:
            refresh_home(deps, *actor(context))

    app.command("/impact")(ack=log_or_open, lazy=[open_modal_or_refresh])
