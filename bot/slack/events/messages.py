"""message.im: a lead's DMs become entries; edits and deletions follow. Stored before Slack is answered."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from sqlalchemy.orm import Session

from bot.services import entries
from bot.services.entries import Filed, Notice, Removed
from bot.slack.blocks.entries import notice_text
from bot.slack.blocks.kit import section
from bot.slack.deps import AppDeps
from bot.slack.homes import refresh_home
from bot.slack.logged import show_filed, show_removed
from bot.store.events import first_time

CAPTURED_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


def register(app: App, deps: AppDeps) -> None:
    """Register the DM listener."""

    def store(ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        # Runs before Slack is answered: if the database fails, nothing is committed (the event id included)
        # and the error handler answers 503, so Slack's retry stores it exactly once.
        team_id, event_id = str(body.get("team_id") or ""), body.get("event_id")
        if event.get("channel_type") == "im" and event.get("channel") and team_id and not _from_a_bot(event):
            with deps.session_factory.begin() as session:
                if event_id is None or first_time(session, str(event_id), team_id, deps.clock()):
                    context["outcome"] = _apply(deps, session, team_id, event)
        ack()

    def acknowledge(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        outcome = context.get("outcome")
        if isinstance(outcome, Notice):
            text = notice_text(outcome.kind)
            deps.sender.post_message(outcome.channel, text, [section(text)], thread_ts=outcome.thread_ts)
        elif isinstance(outcome, Filed):
            show_filed(deps, outcome, event["channel"])
        elif isinstance(outcome, Removed):
            show_removed(deps, outcome)
        if isinstance(outcome, Filed | Removed) and event.get("user"):
            refresh_home(deps, str(body["team_id"]), str(event["user"]))

    app.event("message")(ack=store, lazy=[acknowledge])


def _apply(deps: AppDeps, session: Session, team_id: str, event: dict[str, Any]) -> Filed | Notice | Removed | None:
    """Store what one message event says; None when there is nothing to store or acknowledge."""
    subtype, channel, now = event.get("subtype"), str(event["channel"]), deps.clock()
    inner = event.get("message")
    message: dict[str, Any] = inner if isinstance(inner, dict) else {}
    if subtype in CAPTURED_SUBTYPES and event.get("user") and event.get("ts"):
        thread_ts = event.get("thread_ts")
        return entries.capture_message(
            session,
            deps.rules,
            team_id=team_id,
            user_id=str(event["user"]),
            channel=channel,
            ts=str(event["ts"]),
            thread_ts=str(thread_ts) if thread_ts and thread_ts != event["ts"] else None,
            text=str(event.get("text") or ""),
            default_timezone=deps.settings.timezone,
            now=now,
        )
    if subtype == "message_changed" and message.get("ts"):
        if message.get("subtype") == "tombstone":  # a deleted message that has a thread stays as a tombstone
            return entries.delete_message(session, deps.rules, channel, str(message["ts"]), now)
        text = str(message.get("text") or "")
        return entries.edit_message(session, deps.rules, channel, str(message["ts"]), text, now)
    if subtype == "message_deleted" and event.get("deleted_ts"):
        return entries.delete_message(session, deps.rules, channel, str(event["deleted_ts"]), now)
    return None


def _from_a_bot(event: dict[str, Any]) -> bool:
    """Messages from bots (ourselves included), in the shapes Slack sends them."""
    inner = event.get("message") or event.get("previous_message") or {}
    return bool(event.get("bot_id") or (isinstance(inner, dict) and inner.get("bot_id")))
