"""/reflect: a prompt right now, outside the schedule."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond

from bot.slack.deps import AppDeps
from bot.slack.flows import reflect_now
from bot.slack.handling import respond_with
from bot.slack.homes import refresh_home
from bot.slack.payloads import actor


def register(app: App, deps: AppDeps) -> None:
    """Register /reflect."""

    def ack_now(ack: Ack) -> None:
        ack()

    def send_prompt(context: BoltContext, respond: Respond) -> None:
        def work() -> str:
            reflect_now(deps, *actor(context))
            return "Here's one to think about: it's in our DM."

        respond_with(respond, work)
        refresh_home(deps, *actor(context))

    app.command("/reflect")(ack=ack_now, lazy=[send_prompt])
