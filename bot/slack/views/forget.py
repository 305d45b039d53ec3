"""Forget: a confirmation modal, then every row of the lead deleted in one transaction."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext

from bot.services import forget
from bot.slack.blocks.forget import forgotten_view, not_deleted_view
from bot.slack.deps import deps_of
from bot.slack.handling import friendly_message
from bot.slack.homes import refresh_home
from bot.slack.payloads import actor


def confirm(ack: Ack, context: BoltContext) -> None:
    """Delete every row of theirs in one transaction, and say what went (or why nothing did)."""
    # Whose record goes is read from who submitted, never from the view: nobody can forget someone else.
    deps, (team_id, user_id) = deps_of(context), actor(context)
    try:
        with deps.session_factory.begin() as session:
            deleted = forget.forget(session, team_id, user_id)
    except Exception as error:  # nothing was deleted: say why in the modal
        ack(response_action="update", view=not_deleted_view(friendly_message(error)))
        return
    context["forgotten"] = True
    ack(response_action="update", view=forgotten_view(deleted))


def republish(context: BoltContext) -> None:
    """Home may still show their words from before: it is always redrawn, empty."""
    if context.get("forgotten"):
        refresh_home(deps_of(context), *actor(context), looking=True)
