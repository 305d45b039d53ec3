"""Home opened, and the workspace uninstalling the app or revoking its tokens."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.services import workspaces
from bot.slack.deps import deps_of
from bot.slack.homes import publish_home
from bot.slack.payloads import actor


def home_opened(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
    """Queue their Home view before Slack is answered; the courier publishes it."""
    team_id, user_id = actor(context)
    if event.get("tab", "home") == "home" and user_id:
        publish_home(deps_of(context), team_id, user_id)
    ack()


def workspace_gone(context: BoltContext) -> None:
    """Nothing more is sent there. Runs before Slack is answered: if the database is down, Slack retries."""
    deps = deps_of(context)
    with deps.session_factory.begin() as session:
        workspaces.deactivate(session, str(context.team_id), deps.clock())
