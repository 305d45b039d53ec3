"""Home: published through the courier when the lead opens it, and after a change while they may be looking."""

from __future__ import annotations

import logging
from typing import Any

from bot.delivery import outbox
from bot.slack.deps import AppDeps
from bot.slack.handling import friendly_message
from bot.slack.payloads import text_of

logger = logging.getLogger(__name__)


def in_home(body: dict[str, Any]) -> bool:
    """Whether an interaction came from the Home tab (so the lead is looking at it)."""
    container = body.get("container")
    return (
        isinstance(container, dict) and container.get("type") == "view" and text_of(body.get("view"), "type") == "home"
    )


def publish_home(deps: AppDeps, team_id: str, user_id: str) -> None:
    """The lead opened Home: it shows the present."""
    with deps.session_factory.begin() as session:
        outbox.home_opened(session, team_id, user_id, deps.settings.timezone, deps.clock())
    deps.courier.wake()


def refresh_home(deps: AppDeps, team_id: str, user_id: str, *, looking: bool = False) -> None:
    """Redraw Home after a change if the lead may be looking at it (`looking`: they clicked something in it); the
    change is saved, so a failure is only logged (their next visit to Home shows it). Changes in a burst are drawn
    once: the queue holds one Home per lead."""
    try:
        with deps.session_factory.begin() as session:
            if looking:
                outbox.home_opened(session, team_id, user_id, deps.settings.timezone, deps.clock())
            else:
                outbox.home(session, team_id, user_id, deps.clock())
    except Exception as error:  # the lead's next visit to Home publishes it again
        logger.warning("could not queue Home: %s", friendly_message(error))
        return
    deps.courier.wake()
