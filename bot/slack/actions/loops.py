"""The loops' buttons: an answer to a follow-up (stored, and the message redrawn, before Slack is answered), the
disagree-and-commit mark, ticking off shared areas, and the buttons that open a modal (a note, the quarter's list,
a hand-off from a verdict or an entry)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond
from sqlalchemy.orm import Session

from bot.coaching.loops import DEFAULT_DUE
from bot.services import loops
from bot.services.errors import UserFacingError
from bot.services.schedules import lead_timezone
from bot.slack.blocks.diagnostic import HANDOFF_ACTION
from bot.slack.blocks.loops import (
    ANSWER_PREFIX,
    areas_modal,
    areas_of,
    handoff_modal,
    note_label,
    note_modal,
)
from bot.slack.deps import AppDeps, deps_of
from bot.slack.handling import friendly_message, guarded
from bot.slack.homes import refresh_home
from bot.slack.payloads import actor, parse_id, text_of
from bot.store.leads import workspace_of

WHAT_FROM_ENTRY = 200  # an entry's words, cut to start the hand-off's "what"


Change = Callable[[Session, str, str, int, datetime], None]  # (session, team, user, delivery id, now)


def answer(ack: Ack, action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Owned and done, still going, the team decided…: stored for the lead it was asked of."""
    choice = str(action["action_id"]).removeprefix(ANSWER_PREFIX)
    _change(ack, context, respond, parse_id(action.get("value")), partial(_answer, choice=choice))


def disagreed(ack: Ack, action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """I disagreed and committed."""
    _change(ack, context, respond, parse_id(action.get("value")), loops.disagreed)


def shared(ack: Ack, action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Last quarter's areas ticked as shared now (the checkboxes carry their delivery in the block id)."""
    ticked = {parse_id(o.get("value")) for o in action.get("selected_options") or [] if isinstance(o, dict)}
    delivery_id = parse_id(text_of(action, "block_id").removeprefix("shared_"))
    _change(ack, context, respond, delivery_id, partial(_mark_shared, ticked={i for i in ticked if i}))


def _answer(session: Session, team_id: str, user_id: str, delivery_id: int, now: datetime, *, choice: str) -> None:
    loops.answer(session, team_id, user_id, delivery_id, choice, now)


def _mark_shared(
    session: Session, team_id: str, user_id: str, delivery_id: int, now: datetime, *, ticked: set[int]
) -> None:
    loops.mark_shared(session, team_id, user_id, delivery_id, ticked, now)


def _change(ack: Ack, context: BoltContext, respond: Respond, delivery_id: int | None, change: Change) -> None:
    """Store the change and queue the message's redraw in one unit of work, then answer Slack; a refusal is told
    ephemerally and stores nothing."""
    deps, (team_id, user_id) = deps_of(context), actor(context)
    try:
        with deps.session_factory.begin() as session:
            change(session, team_id, user_id, delivery_id or 0, deps.clock())
    except Exception as error:  # every failure becomes a message; nothing was stored
        ack()
        respond(text=friendly_message(error), response_type="ephemeral", replace_original=False)
        return
    ack()
    deps.courier.wake()
    refresh_home(deps, team_id, user_id)


def open_note(body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """The note modal, with the note as it stands."""
    deps, (team_id, user_id) = deps_of(context), actor(context)
    delivery_id = parse_id(action.get("value")) or 0

    def work() -> None:
        shown = _shown(deps, team_id, user_id, delivery_id)
        deps.gateway.open_view(body["trigger_id"], note_modal(delivery_id, note_label(shown.loop), shown.note))

    guarded(respond, context, work)


def open_areas(body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """The quarter's list, starting from what is listed (or last quarter's areas not yet shared)."""
    deps, (team_id, user_id) = deps_of(context), actor(context)
    delivery_id = parse_id(action.get("value")) or 0

    def work() -> None:
        shown = _shown(deps, team_id, user_id, delivery_id)
        deps.gateway.open_view(body["trigger_id"], areas_modal(delivery_id, areas_of(shown)))

    guarded(respond, context, work)


def open_handoff(body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """ "Record this hand-off" on a Delegate verdict or a delegation entry: the modal, its "what" filled in."""
    deps, (team_id, user_id) = deps_of(context), actor(context)
    source = "diagnostic" if action["action_id"] == HANDOFF_ACTION else "entry"
    source_id = parse_id(action.get("value")) or 0

    def work() -> None:
        with deps.session_factory.begin() as session:
            today = loops.local_today(session, team_id, user_id, deps.settings.timezone, deps.clock())
            what = loops.handoff_source(session, team_id, user_id, source, source_id)
        view = handoff_modal(_unescaped(what)[:WHAT_FROM_ENTRY], today + DEFAULT_DUE, source, source_id)
        deps.gateway.open_view(body["trigger_id"], view)

    guarded(respond, context, work)


def _shown(deps: AppDeps, team_id: str, user_id: str, delivery_id: int) -> loops.FollowUp:
    with deps.session_factory() as session:
        question = loops.asked(session, team_id, user_id, delivery_id, deps.clock())
        timezone = lead_timezone(question.lead, workspace_of(session, question.lead))
        shown = loops.followup(session, question.delivery, timezone)
    if shown is None:
        raise UserFacingError(loops.NOT_YOURS)
    return shown


def _unescaped(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
