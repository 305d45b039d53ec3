"""Skip today and Not a good prompt: recorded before Slack is answered, then the message is updated in place."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond

from bot.delivery import outbox
from bot.services import prompts
from bot.slack.blocks.prompt import REJECT_ACTION, SKIP_ACTION, responded_message
from bot.slack.deps import AppDeps
from bot.slack.handling import on_failure_tell
from bot.slack.homes import refresh_home
from bot.slack.payloads import actor, parse_id, text_of

RESPONSE_BY_ACTION = {SKIP_ACTION: "skip", REJECT_ACTION: "reject"}


def register(app: App, deps: AppDeps) -> None:
    """Register the prompt's response buttons."""

    def record(ack: Ack, action: dict[str, Any], context: BoltContext) -> None:
        delivery_id = parse_id(action.get("value")) or 0
        with deps.session_factory.begin() as session:
            prompts.respond_to_prompt(
                session,
                *actor(context),
                delivery_id,
                RESPONSE_BY_ACTION[action["action_id"]],
            )
        context["recorded"] = True
        ack()

    def update_in_place(body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        if not context.get("recorded"):  # refused (not their prompt): the message they clicked stays as it was
            return
        container = body.get("container")
        channel, ts = text_of(container, "channel_id"), text_of(container, "message_ts")
        status = prompts.RESPONSES[RESPONSE_BY_ACTION[action["action_id"]]]
        text, blocks = responded_message(text_of(body.get("message"), "text"), status)
        if channel and ts:  # the response is recorded either way; this only redraws the message clicked
            team_id = actor(context)[0]

            def redraw() -> None:
                with deps.session_factory.begin() as session:
                    outbox.redraw(session, team_id, channel, ts, text, blocks, deps.clock())
                deps.courier.wake()

            on_failure_tell(respond, redraw)
        refresh_home(deps, *actor(context))

    for action_id in RESPONSE_BY_ACTION:
        app.action(action_id)(ack=record, lazy=[update_in_place])
