"""The loops' modals: a hand-off, a decision, a note on an answer, the quarter's areas. Each is checked and stored
(with its confirmation queued) before Slack is answered; a problem comes back as a field error and stores nothing."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.delivery import outbox
from bot.services import loops
from bot.slack.blocks.kit import section
from bot.slack.blocks.loops import read_modal
from bot.slack.commands.loops import decision_recorded, handoff_recorded, look_up
from bot.slack.deps import deps_of
from bot.slack.handling import friendly_message
from bot.slack.payloads import actor, parse_id

SOURCES = ("command", "diagnostic", "entry")


def submit_handoff(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    """Store the hand-off and tell the lead in the DM when they'll be asked about it."""
    deps, (team_id, user_id) = deps_of(context), actor(context)
    fields = read_modal(_values(view))
    metadata = _metadata(view)
    source = metadata.get("source") if metadata.get("source") in SOURCES else "command"
    source_id = parse_id(metadata.get("id"))
    if not fields.get("who"):
        ack(response_action="errors", errors={"who": "Pick the person who owns it now."})
        return
    try:
        delegate = look_up(deps, fields["who"])  # asked before the unit of work opens
        with deps.session_factory.begin() as session:
            recorded = loops.record_handoff(
                session,
                team_id,
                user_id,
                delegate,
                fields.get("what", ""),
                fields.get("done_when"),
                _date(fields.get("due", "")),
                deps.settings.timezone,
                deps.clock(),
                source=str(source),
                source_id=source_id,
            )
            _tell(session, team_id, user_id, handoff_recorded(recorded), deps.clock())
    except Exception as error:  # the modal stays open with the reason, and nothing was saved
        ack(response_action="errors", errors={_field_of(error): friendly_message(error)})
        return
    deps.courier.wake()
    ack()


def submit_decision(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    """Store the decision and tell the lead in the DM when they'll be asked who made it."""
    deps, (team_id, user_id) = deps_of(context), actor(context)
    fields = read_modal(_values(view))
    try:
        owner = look_up(deps, fields["who"]) if fields.get("who") else None
        with deps.session_factory.begin() as session:
            recorded = loops.record_decision(
                session,
                team_id,
                user_id,
                owner,
                fields.get("what", ""),
                _date(fields.get("due", "")),
                fields.get("assumption"),
                deps.settings.timezone,
                deps.clock(),
            )
            _tell(session, team_id, user_id, decision_recorded(recorded), deps.clock())
    except Exception as error:  # the modal stays open with the reason, and nothing was saved
        ack(response_action="errors", errors={_field_of(error): friendly_message(error)})
        return
    deps.courier.wake()
    ack()


def submit_note(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    """The note of an answer; the message it belongs to is redrawn with it."""
    deps, (team_id, user_id) = deps_of(context), actor(context)
    note = read_modal(_values(view)).get("note", "")
    _store(ack, context, "note", lambda s: loops.add_note(s, team_id, user_id, _delivery(view), note, deps.clock()))


def submit_areas(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    """This quarter's single-owner areas; the quarter's message is redrawn with them."""
    deps, (team_id, user_id) = deps_of(context), actor(context)
    text = read_modal(_values(view)).get("areas", "")
    _store(ack, context, "areas", lambda s: loops.list_areas(s, team_id, user_id, _delivery(view), text, deps.clock()))


def _store(ack: Ack, context: BoltContext, field: str, work: Any) -> None:
    deps = deps_of(context)
    try:
        with deps.session_factory.begin() as session:
            work(session)
    except Exception as error:
        ack(response_action="errors", errors={field: friendly_message(error)})
        return
    deps.courier.wake()
    ack()


def _tell(session: Any, team_id: str, user_id: str, text: str, now: Any) -> None:
    outbox.message(session, team_id, user_id, text, [section(text)], now)


def _values(view: dict[str, Any]) -> dict[str, Any]:
    values = (view.get("state") or {}).get("values")
    return values if isinstance(values, dict) else {}


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        metadata = json.loads(str(view.get("private_metadata") or "{}"))
    except ValueError:
        return {}
    return metadata if isinstance(metadata, dict) else {}


def _delivery(view: dict[str, Any]) -> int:
    return parse_id(view.get("private_metadata")) or 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise loops.WrongField("Pick a date from the calendar.", "due") from None


def _field_of(error: Exception) -> str:
    """The field a complaint belongs next to: a person Slack can't find is the `who`."""
    return error.field if isinstance(error, loops.WrongField) else "what"
