"""Queueing sends inside a unit of work: the row commits with the change it reports, and the courier sends it after.

Listeners and services call these while their transaction is open; nothing here calls Slack."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.services.entries import Filed, Removed
from bot.slack.blocks.entries import deleted_message, moved_message
from bot.store import outbox as store
from bot.store.deliveries import queue_once
from bot.store.leads import get_lead, get_or_create_workspace
from bot.store.models import Delivery, Kind, Status

HOME = "home"  # the period key of a person's one Home delivery
HOME_WATCH = timedelta(minutes=15)  # after opening Home, a lead may still be looking at it for this long
Blocks = list[dict[str, Any]]


def acknowledge(session: Session, team_id: str, filed: Filed, channel: str, now: datetime) -> None:
    """Show the entry as it now stands: its acknowledgement is posted (in `channel`, in the entry's thread) or
    redrawn; one that an answer moved on from is redrawn to say so."""
    flags = json.dumps({"appended": filed.appended, "unshared": filed.unshared})
    latest = None if filed.fresh else store.latest_ack(session, filed.entry_id)
    if filed.moved_from is not None:
        earlier = store.ack_at(session, filed.entry_id, *filed.moved_from)
        if earlier is not None:
            store.requeue(earlier, now)  # no longer the latest once the new one exists: it draws "continues below"
        else:  # posted before acknowledgements were queued: its buttons are taken away the old way
            redraw(session, team_id, *filed.moved_from, *moved_message(), now)
    if latest is not None and filed.moved_from is None:
        store.requeue(latest, now, payload=flags)
        return
    key = f"{filed.entry_id}r{filed.revision}"  # a new acknowledgement for each answer that moved on
    values = {"thread_ts": filed.thread_ts, "subject_id": filed.entry_id, "payload": flags}
    if _queue(session, team_id, filed.lead_id, Kind.ACK, channel, key, now, **values) is None:
        existing = store.by_key(session, team_id, channel, Kind.ACK, key)  # the same message again
        if existing is not None:
            store.requeue(existing, now, payload=flags)


def acknowledge_removed(session: Session, team_id: str, removed: Removed, now: datetime) -> None:
    """The entry is gone: each of its acknowledgements says so (one never posted is simply not sent)."""
    flags = json.dumps({"source": removed.source, "by_slack": removed.by_slack})
    acks = store.acks_of(session, removed.entry_id)
    for ack in acks:
        store.requeue(ack, now, payload=flags)
    if not acks and removed.ack_channel and removed.ack_ts:  # posted before acknowledgements were queued
        redraw(session, team_id, removed.ack_channel, removed.ack_ts, *deleted_message(removed), now)


def message(
    session: Session,
    team_id: str,
    recipient: str,
    text: str,
    blocks: Blocks,
    now: datetime,
    *,
    thread_ts: str | None = None,
) -> None:
    """Post this message (to a user id: in the app's DM, and it is theirs: forgetting them deletes it)."""
    payload = json.dumps({"text": text, "blocks": blocks})
    lead = get_lead(session, team_id, recipient) if store.to_a_person(recipient) else None
    values = {"thread_ts": thread_ts, "payload": payload}
    _queue(session, team_id, lead.id if lead else None, Kind.MESSAGE, recipient, _one_off(), now, **values)


def redraw(
    session: Session,
    team_id: str,
    channel: str,
    ts: str,
    text: str,
    blocks: Blocks,
    now: datetime,
    *,
    user_id: str | None = None,
) -> None:
    """Replace a message we posted earlier (in `user_id`'s DM: it is theirs, and forgetting them deletes it)."""
    payload = json.dumps({"ts": ts, "text": text, "blocks": blocks})
    lead = get_lead(session, team_id, user_id) if user_id else None
    _queue(session, team_id, lead.id if lead else None, Kind.UPDATE, channel, _one_off(), now, payload=payload)


def home_opened(session: Session, team_id: str, user_id: str, default_timezone: str, now: datetime) -> None:
    """They opened Home: it shows the present, and changes in the next while redraw it too."""
    get_or_create_workspace(session, team_id, default_timezone)
    lead = get_lead(session, team_id, user_id)
    existing = store.by_key(session, team_id, user_id, Kind.HOME, HOME)
    if existing is None:  # its due_at remembers when they last opened Home
        _queue(session, team_id, lead.id if lead else None, Kind.HOME, user_id, HOME, now)
        return
    existing.due_at, existing.lead_id = now, lead.id if lead else None
    store.requeue(existing, now)


def home(session: Session, team_id: str, user_id: str, now: datetime) -> None:
    """After a change: redraw their Home if they opened it in the last while (they may be looking at it)."""
    existing = store.by_key(session, team_id, user_id, Kind.HOME, HOME)
    if existing is not None and existing.due_at is not None and existing.due_at >= now - HOME_WATCH:
        lead = get_lead(session, team_id, user_id)
        existing.lead_id = lead.id if lead else None  # so forgetting everything removes it with the lead
        store.requeue(existing, now)


def export(session: Session, team_id: str, user_id: str, now: datetime) -> bool:
    """Send the lead their brag document, drawn from what is stored when it goes; False if nothing is stored."""
    lead = get_lead(session, team_id, user_id)
    if lead is not None:
        _queue(session, team_id, lead.id, Kind.EXPORT, user_id, _one_off(), now)
    return lead is not None


def claimed_now(
    session: Session, delivery_id: int, now: datetime, *, text: str = "", blocks: Blocks | None = None
) -> None:
    """A delivery just claimed on a request (/reflect, a scorecard now) waits for the courier instead, with the
    message drawn for it (if it is drawn now rather than when sent)."""
    delivery = session.get_one(Delivery, delivery_id)
    delivery.status, delivery.attempts, delivery.next_attempt_at = Status.QUEUED, 0, now
    if blocks is not None:
        delivery.payload = json.dumps({"text": text, "blocks": blocks})


def _queue(
    session: Session,
    team_id: str,
    lead_id: int | None,
    kind: Kind,
    recipient: str,
    period_key: str,
    now: datetime,
    **values: Any,
) -> int | None:
    return queue_once(
        session,
        team_id=team_id,
        lead_id=lead_id,
        kind=kind,
        period_key=period_key,
        recipient=recipient,
        now=now,
        **values,
    )


def _one_off() -> str:
    return uuid.uuid4().hex
