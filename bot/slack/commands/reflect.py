"""/reflect: a prompt right now, outside the schedule."""

from __future__ import annotations

from slack_bolt import BoltContext
from slack_bolt.context.respond import Respond

from bot.slack.deps import deps_of
from bot.slack.flows import reflect_now
from bot.slack.handling import guarded
from bot.slack.homes import refresh_home
from bot.slack.payloads import actor


def send_prompt(context: BoltContext, respond: Respond) -> None:
    """Queue a prompt for the DM, and say where it will be."""
    deps = deps_of(context)

    def work() -> str:
        reflect_now(deps, *actor(context))
        refresh_home(deps, *actor(context))
        return "Here's one to think about: it's in our DM."

    guarded(respond, context, work)
