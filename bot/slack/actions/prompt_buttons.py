"""Skip today and Not a good prompt: recorded before Slack is answered, then the message is updated in place."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.delivery import outbox
from bot.services import prompts
from bot.slack.blocks.prompt import REJECT_ACTION, SKIP_ACTION, responded_message
from bot.slack.deps import deps_of
from bot.slack.payloads import actor, parse_id, text_of

RESPONSE_BY_ACTION = {SKIP_ACTION: "skip", REJECT_ACTION: "reject"}


def record(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    """Record the response for the lead the prompt was sent to (no one else), and queue the message clicked to be
    redrawn and Home, in one unit of work before Slack is answered."""
    deps, (team_id, user_id) = deps_of(context), actor(context)
    delivery_id = parse_id(action.get("value")) or 0
    response = RESPONSE_BY_ACTION[action["action_id"]]
    container = body.get("container")
    channel, ts = text_of(container, "channel_id"), text_of(container, "message_ts")
    text, blocks = responded_message(text_of(body.get("message"), "text"), prompts.RESPONSES[response])
    with deps.session_factory.begin() as session:
        prompts.respond_to_prompt(session, team_id, user_id, delivery_id, response)
        if channel and ts:
            outbox.redraw(session, team_id, channel, ts, text, blocks, deps.clock(), user_id=user_id)
        outbox.home(session, team_id, user_id, deps.clock())
    deps.courier.wake()
    ack()
