"""Forget: a confirmation modal, then every row of the lead deleted in one transaction."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.services import forget
from bot.slack.blocks.forget import MODAL_CALLBACK, forget_modal, forgotten_view, not_deleted_view
from bot.slack.deps import AppDeps
from bot.slack.handling import friendly_message
from bot.slack.homes import refresh_home
from bot.slack.payloads import actor


def forget_view(deps: AppDeps, team_id: str, user_id: str) -> dict[str, Any]:
    """The confirmation, saying how much would be deleted."""
    with deps.session_factory() as session:
        return forget_modal(forget.holdings(session, team_id, user_id))


def register(app: App, deps: AppDeps) -> None:
    """Register the confirmation's submission."""

    def confirm(ack: Ack, body: dict[str, Any]) -> None:
        # Whose record goes is read from who submitted, never from the view: nobody can forget someone else.
        team_id, user_id = actor(body)
        try:
            with deps.session_factory.begin() as session:
                deleted = forget.forget(session, team_id, user_id)
        except Exception as error:  # nothing was deleted: say why in the modal
            ack(response_action="update", view=not_deleted_view(friendly_message(error)))
            return
        ack(response_action="update", view=forgotten_view(deleted))

    def republish(body: dict[str, Any]) -> None:
        refresh_home(deps, *actor(body))

    app.view_submission(MODAL_CALLBACK)(ack=confirm, lazy=[republish])
