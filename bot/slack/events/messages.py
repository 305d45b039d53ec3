"""message.im: a lead's DMs become entries; edits and deletions follow. Stored before Slack is answered."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from sqlalchemy.orm import Session

from bot.delivery import outbox
from bot.services import entries
from bot.services.entries import Filed, Notice, Removed
from bot.slack.blocks.entries import notice_text
from bot.slack.blocks.kit import section
from bot.slack.deps import AppDeps, deps_of
from bot.slack.payloads import actor, text_of
from bot.store.events import first_time

CAPTURED_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


def store_message(ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    """Store what the message says and queue its acknowledgement, in one unit of work, before Slack is answered:
    if the database fails, nothing is committed (the event id included) and the error handler answers 503, so
    Slack's retry stores it exactly once. The courier posts the acknowledgement after."""
    deps, (team_id, user_id) = deps_of(context), actor(context)
    if _is_tombstone(event):  # Slack names itself as the tombstone's author: the lead wrote what it replaced
        user_id = text_of(event.get("previous_message"), "user")
    event_id = text_of(body, "event_id")
    channel = text_of(event, "channel")
    if event.get("channel_type") == "im" and channel and user_id and not _from_a_bot(event):
        with deps.session_factory.begin() as session:
            if not event_id or first_time(session, event_id, team_id, deps.clock()):
                outcome = _apply(deps, session, team_id, user_id, event)
                _acknowledge(deps, session, team_id, user_id, channel, outcome)
        deps.courier.wake()
    ack()


def _acknowledge(
    deps: AppDeps, session: Session, team_id: str, user_id: str, channel: str, outcome: Filed | Notice | Removed | None
) -> None:
    """Queue what the lead sees about this message: a notice, the entry's acknowledgement, and Home."""
    now = deps.clock()
    if isinstance(outcome, Notice):
        text = notice_text(outcome.kind)
        outbox.message(session, team_id, outcome.channel, text, [section(text)], now, thread_ts=outcome.thread_ts)
        return
    if isinstance(outcome, Filed):
        outbox.acknowledge(session, team_id, outcome, channel, now)
    elif isinstance(outcome, Removed):
        outbox.acknowledge_removed(session, team_id, outcome, now)
    if outcome is not None:
        outbox.home(session, team_id, user_id, now)


def _apply(
    deps: AppDeps, session: Session, team_id: str, user_id: str, event: dict[str, Any]
) -> Filed | Notice | Removed | None:
    """Store what one message event by `user_id` says; None when there is nothing to store or acknowledge.

    Edits and deletions name the message's author (Bolt reads it from the message): only their own messages move."""
    subtype, channel, now = event.get("subtype"), text_of(event, "channel"), deps.clock()
    message, ts = event.get("message"), text_of(event, "ts")
    if subtype in CAPTURED_SUBTYPES and text_of(event, "user") == user_id and ts:
        thread_ts = text_of(event, "thread_ts")
        return entries.capture_message(
            session,
            deps.filing,
            team_id=team_id,
            user_id=user_id,
            channel=channel,
            ts=ts,
            thread_ts=thread_ts if thread_ts and thread_ts != ts else None,
            text=text_of(event, "text"),
            default_timezone=deps.settings.timezone,
            now=now,
        )
    changed = text_of(message, "ts")
    if subtype == "message_changed" and changed:
        if _is_tombstone(event):  # a deleted message that has a thread stays as a tombstone
            return entries.delete_message(session, deps.filing, team_id, user_id, channel, changed, now)
        text = text_of(message, "text")
        return entries.edit_message(session, deps.filing, team_id, user_id, channel, changed, text, now)
    if subtype == "message_deleted" and text_of(event, "deleted_ts"):
        return entries.delete_message(
            session, deps.filing, team_id, user_id, channel, text_of(event, "deleted_ts"), now
        )
    return None


def _is_tombstone(event: dict[str, Any]) -> bool:
    return event.get("subtype") == "message_changed" and text_of(event.get("message"), "subtype") == "tombstone"


def _from_a_bot(event: dict[str, Any]) -> bool:
    """Messages from bots (ourselves included), in the shapes Slack sends them."""
    inner = event.get("message") or event.get("previous_message") or {}
    return bool(event.get("bot_id") or (isinstance(inner, dict) and inner.get("bot_id")))
