"""Forget: a confirmation modal, then every row of the lead deleted in one transaction."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from bot.services import forget
from bot.slack.blocks.forget import MODAL_CALLBACK, forgotten_view, not_deleted_view
from bot.slack.deps import AppDeps
from bot.slack.handling import friendly_message
from bot.slack.homes import refresh_home
from bot.slack.payloads import actor


def register(app: App, deps: AppDeps) -> None:
    """Register the confirmation's submission."""

    def confirm(ack: Ack, context: BoltContext) -> None:
        # Whose record goes is read from who submitted, never from the view: nobody can forget someone else.
        team_id, user_id = actor(context)
        try:
            with deps.session_factory.begin() as session:
                deleted = forget.forget(session, team_id, user_id)
        except Exception as error:  # nothing was deleted: say why in the modal
            ack(response_action="update", view=not_deleted_view(friendly_message(error)))
            return
        context["forgotten"] = True
        ack(response_action="update", view=forgotten_view(deleted))

    def republish(context: BoltContext) -> None:
        if context.get("forgotten"):  # Home may still show their words from before: always redrawn, empty
            refresh_home(deps, *actor(context), looking=True)

    app.view_submission(MODAL_CALLBACK)(ack=confirm, lazy=[republish])
