"""/impact <text> logs an entry at once; /impact alone opens the modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context.respond import Respond

from bot.services import entries
from bot.slack.blocks.entries import ModalContext, logged_message
from bot.slack.deps import AppDeps
from bot.slack.flows import new_entry_modal
from bot.slack.handling import on_failure_tell
from bot.slack.homes import refresh_home


def register(app: App, deps: AppDeps) -> None:
    """Register /impact."""

    def log_or_open(ack: Ack, command: dict[str, Any]) -> None:
        text = str(command.get("text") or "")
        if not text.strip():
            ack()  # the modal opens from the lazy listener, inside the trigger's 3 seconds
            return
        # Stored before Slack is answered, so the ephemeral "Logged: …" is only ever shown for a saved entry.
        with deps.session_factory.begin() as session:
            filed = entries.log_entry(
                session,
                deps.rules,
                team_id=command["team_id"],
                user_id=command["user_id"],
                text=text,
                source="command",
                default_timezone=deps.settings.timezone,
                now=deps.clock(),
            )
        reply, blocks = logged_message(filed)
        ack(text=reply, blocks=blocks, response_type="ephemeral")

    def open_modal_or_refresh(command: dict[str, Any], respond: Respond) -> None:
        if not str(command.get("text") or "").strip():
            modal = ModalContext(response_url=command.get("response_url"))

            def work() -> None:
                view = new_entry_modal(deps, command["team_id"], command["user_id"], modal)
                deps.sender.open_view(command["trigger_id"], view)

            on_failure_tell(respond, work)
        else:
            refresh_home(deps, command["team_id"], command["user_id"])

    app.command("/impact")(ack=log_or_open, lazy=[open_modal_or_refresh])
