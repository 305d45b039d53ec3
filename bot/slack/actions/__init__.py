"""Block action listeners."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.services import enrollment
from bot.slack.actions import entries, prompt_buttons
from bot.slack.blocks.home import START_ACTION
from bot.slack.deps import AppDeps
from bot.slack.handling import friendly_message
from bot.slack.homes import publish_home

logger = logging.getLogger(__name__)


def register(app: App, deps: AppDeps) -> None:
    """Register every button listener."""

    def ack_now(ack: Ack) -> None:
        ack()

    def start_from_home(body: dict[str, Any]) -> None:
        team_id, user_id = body["user"]["team_id"], body["user"]["id"]
        try:
            with deps.session_factory.begin() as session:
                enrollment.start(session, deps.sender, team_id, user_id, deps.settings.timezone, deps.clock())
        except Exception as error:  # the Home tab has nowhere to show it; the lead sees Start again
            logger.warning("start from Home failed: %s", friendly_message(error))
        publish_home(deps, team_id, user_id)

    app.action(START_ACTION)(ack=ack_now, lazy=[start_from_home])
    prompt_buttons.register(app, deps)
    entries.register(app, deps)
