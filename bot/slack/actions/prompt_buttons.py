"""A prompt's buttons: a quick answer, Skip today and Not a good prompt; each recorded before Slack is answered, then
the message is updated in place."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond

from bot.coaching.categories import THEME_CATEGORIES
from bot.delivery import outbox
from bot.services import entries, prompts
from bot.services.errors import UserFacingError
from bot.slack.blocks.prompt import REJECT_ACTION, SKIP_ACTION, chosen_message, responded_message
from bot.slack.deps import deps_of
from bot.slack.handling import friendly_message
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


def choose(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """A quick answer tapped: logged as the lead's answer, filed by the prompt's theme, acknowledged in the prompt's
    thread, and the prompt redrawn to invite a sentence more; all in one unit of work before Slack is answered."""
    deps, (team_id, user_id) = deps_of(context), actor(context)
    delivery_id, index = _choice_of(action)
    container = body.get("container")
    channel, ts = text_of(container, "channel_id"), text_of(container, "message_ts")
    try:
        with deps.session_factory.begin() as session:
            prompt_id = prompts.prompt_of(session, team_id, user_id, delivery_id)
            if prompt_id is None:
                raise UserFacingError("That prompt isn't yours, or it has been deleted.")
            prompt = deps.library.get(prompt_id)
            if prompt is None or not 0 <= index < len(prompt.choices):
                raise UserFacingError("That answer isn't on offer any more: reply in the thread instead.")
            choice, own = prompt.choices[index], prompt.choice_categories[index]
            categories = own if own is not None else tuple(sorted(THEME_CATEGORIES.get(prompt.theme, ())))
            filed = entries.log_choice(
                session, deps.filing, team_id, user_id, delivery_id, choice, categories, deps.clock()
            )
            outbox.acknowledge(session, team_id, filed, channel or user_id, deps.clock())
            if channel and ts:
                text, blocks = chosen_message(text_of(body.get("message"), "text"), choice)
                outbox.redraw(session, team_id, channel, ts, text, blocks, deps.clock(), user_id=user_id)
            outbox.home(session, team_id, user_id, deps.clock())
    except Exception as error:  # told ephemerally; nothing was stored
        ack()
        respond(text=friendly_message(error), response_type="ephemeral", replace_original=False)
        return
    ack()
    deps.courier.wake()


def _choice_of(action: dict[str, Any]) -> tuple[int, int]:
    delivery, _, index = text_of(action, "value").partition(":")
    return parse_id(delivery) or 0, int(index) if index.isdigit() else -1
