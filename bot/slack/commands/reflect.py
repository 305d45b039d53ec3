"""/reflect: a prompt right now, outside the schedule."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context.respond import Respond

from bot.slack.deps import AppDeps
from bot.slack.flows import reflect_now
from bot.slack.handling import respond_with
from bot.slack.homes import refresh_home


def register(app: App, deps: AppDeps) -> None:
    """Register /reflect."""

    def ack_now(ack: Ack) -> None:
        ack()

    def send_prompt(command: dict[str, Any], respond: Respond) -> None:
        def work() -> str:
            reflect_now(deps, command["team_id"], command["user_id"])
            return "Here's one to think about: it's in our DM."

        respond_with(respond, work)
        refresh_home(deps, command["team_id"], command["user_id"])

    app.command("/reflect")(ack=ack_now, lazy=[send_prompt])
