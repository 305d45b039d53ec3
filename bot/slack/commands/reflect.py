"""/reflect: a prompt right now, outside the schedule."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context.respond import Respond

from bot.services import deliveries, prompts
from bot.slack.deps import AppDeps
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


def reflect_now(deps: AppDeps, team_id: str, user_id: str) -> None:
    """Send the lead a prompt in their DM right now, outside the schedule."""
    now = deps.clock()
    with deps.session_factory.begin() as session:
        outgoing = prompts.claim_reflection(
            session, deps.library, deps.prompt_env, team_id, user_id, deps.settings.timezone, now
        )
    posted = deps.sender.post_prompt(outgoing)
    with deps.session_factory.begin() as session:
        deliveries.record_sent(session, [(outgoing.delivery_id, outgoing.lead_id, posted)], now)
