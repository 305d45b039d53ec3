"""Turning failures into friendly answers; the one place listeners' errors are mapped."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_bolt.context.respond import Respond
from sqlalchemy.exc import DataError, SQLAlchemyError

from bot.delivery import outbox
from bot.services.errors import UserFacingError
from bot.services.ports import SlackError
from bot.slack.blocks.kit import section
from bot.slack.deps import AppDeps, deps_of
from bot.slack.payloads import actor

logger = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = "Sorry, something went wrong on my side and nothing was changed. Please try again."
DATABASE_DOWN = "I can't reach my database right now, so nothing was saved. Please try again in a minute."
SLACK_DOWN = "Slack didn't answer me just now. Please try again in a minute."
CANNOT_STORE = "I couldn't store that (a hidden character or an overlong id in it), so nothing was saved."


def friendly_message(error: Exception) -> str:
    """The message a person sees for this error; unexpected ones are logged with their traceback."""
    if isinstance(error, UserFacingError):
        return str(error)
    if isinstance(error, DataError):  # the database refused these values (PostgreSQL: a NUL, an overlong id)
        logger.warning("database refused the data: %s", type(error.orig).__name__)
        return CANNOT_STORE
    if isinstance(error, SQLAlchemyError):
        logger.error("database error: %s", type(error).__name__)
        return DATABASE_DOWN
    if isinstance(error, SlackError):
        logger.warning("slack error: %s", error.code)
        return SLACK_DOWN
    logger.exception("unexpected error in a listener", exc_info=error)
    return SOMETHING_WENT_WRONG


def guarded(respond: Respond, context: BoltContext, work: Callable[[], str | None]) -> None:
    """The one wrapper of lazy work: run it, and tell the person its answer (if any) or what went wrong, never a
    traceback: ephemerally where Slack gave a response_url, else in the app's DM (a click in Home has nowhere
    else to answer)."""
    try:
        text = work()
    except Exception as error:  # every failure becomes a message; unexpected ones are logged
        text = friendly_message(error)
    if text is None:
        return
    if respond.response_url is not None:
        respond(text=text, response_type="ephemeral", replace_original=False)
    else:
        tell_in_dm(deps_of(context), *actor(context), text)


def tell_in_dm(deps: AppDeps, team_id: str, user_id: str, text: str) -> None:
    """Say something to a person in the app's DM (through the courier); if even queueing it fails, log it."""
    try:
        with deps.session_factory.begin() as session:
            outbox.message(session, team_id, user_id, text, [section(text)], deps.clock())
    except Exception as error:  # the last resort: nothing more can be done
        logger.warning("could not tell %s in the DM: %s", user_id, friendly_message(error))
        return
    deps.courier.wake()


def handle_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
    """Bolt's error handler for acknowledging listeners (they run before the HTTP response)."""
    message = friendly_message(error)
    if body.get("type") == "event_callback":
        # 503 makes Slack retry the event (our event-id record keeps the retry from counting twice); only a
        # database failure is worth a retry: a malformed event, or data the database refuses, fails the same way
        # every time.
        outage = isinstance(error, SQLAlchemyError) and not isinstance(error, DataError)
        return BoltResponse(status=503 if outage else 200, body="")
    if "command" in body:
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": message})
    return BoltResponse(status=200, body="")
