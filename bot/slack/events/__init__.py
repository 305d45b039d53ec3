"""Events API listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.services import workspaces
from bot.slack.deps import AppDeps
from bot.slack.events import messages
from bot.slack.homes import publish_home
from bot.slack.payloads import actor


def register(app: App, deps: AppDeps) -> None:
    """Register every event listener."""

    def home_opened(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
        team_id, user_id = actor(context)
        if event.get("tab", "home") == "home" and user_id:
            publish_home(deps, team_id, user_id)  # queued before Slack is answered; the courier publishes it
        ack()

    def workspace_gone(context: BoltContext) -> None:
        # Runs before Slack is answered: if the database is down, Slack retries the event.
        with deps.session_factory.begin() as session:
            workspaces.deactivate(session, str(context.team_id), deps.clock())

    app.event("app_home_opened")(home_opened)
    app.event("app_uninstalled")(workspace_gone)
    app.event("tokens_revoked")(workspace_gone)
    messages.register(app, deps)
