"""Events API listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.services import workspaces
from bot.slack.deps import AppDeps
from bot.slack.events import messages
from bot.slack.homes import publish_home


def register(app: App, deps: AppDeps) -> None:
    """Register every event listener."""

    def ack_now(ack: Ack) -> None:
        ack()

    def home_opened(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home":
            publish_home(deps, body["team_id"], event["user"])

    def workspace_gone(body: dict[str, Any]) -> None:
        # Runs before Slack is answered: if the database is down, Slack retries the event.
        with deps.session_factory.begin() as session:
            workspaces.deactivate(session, body["team_id"])

    app.event("app_home_opened")(ack=ack_now, lazy=[home_opened])
    app.event("app_uninstalled")(workspace_gone)
    app.event("tokens_revoked")(workspace_gone)
    messages.register(app, deps)
