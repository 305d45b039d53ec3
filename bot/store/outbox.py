"""Queries behind the delivery queue: what waits, who holds it, where each acknowledgement is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session, aliased

from bot.store.models import Delivery, ImpactEntry, Kind, Lead, Status

MESSAGE_KINDS = (Kind.ACK, Kind.MESSAGE, Kind.UPDATE, Kind.EXPORT, Kind.REFLECT, Kind.SUMMARY, Kind.FOLLOWUP)
QUEUED_KINDS = (*MESSAGE_KINDS, Kind.HOME)


def latest_ack(session: Session, entry_id: int) -> Delivery | None:
    """The entry's current acknowledgement (earlier ones were superseded when an answer moved on)."""
    query = (
        select(Delivery)
        .where(Delivery.kind == Kind.ACK, Delivery.subject_id == entry_id)
        .order_by(Delivery.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def acks_of(session: Session, entry_id: int) -> list[Delivery]:
    """Every acknowledgement of the entry, current and superseded, locked for the rest of the transaction."""
    query = select(Delivery).where(Delivery.kind == Kind.ACK, Delivery.subject_id == entry_id).order_by(Delivery.id)
    return list(session.scalars(query.with_for_update()))


def ack_at(session: Session, entry_id: int, channel: str, ts: str) -> Delivery | None:
    """The acknowledgement of this entry posted at (channel, ts)."""
    query = select(Delivery).where(
        Delivery.kind == Kind.ACK, Delivery.subject_id == entry_id, Delivery.channel == channel, Delivery.ts == ts
    )
    return session.scalars(query).first()


def by_key(session: Session, team_id: str, recipient: str, kind: str, period_key: str) -> Delivery | None:
    """The delivery with this unique key, locked for the rest of the transaction."""
    query = select(Delivery).where(
        Delivery.team_id == team_id,
        Delivery.recipient == recipient,
        Delivery.kind == kind,
        Delivery.period_key == period_key,
    )
    return session.scalars(query.with_for_update()).first()


def claim_queued(session: Session, now: datetime, limit: int) -> list[Delivery]:
    """Take up to `limit` queued deliveries that are due, oldest first; another worker's locked rows are skipped. A
    Home view waits until the messages queued before it for its lead are sent, so it shows them."""
    query = (
        select(Delivery)
        .where(Delivery.status == Status.QUEUED, Delivery.next_attempt_at <= now, Delivery.kind.in_(QUEUED_KINDS))
        .where(or_(Delivery.kind != Kind.HOME, ~_messages_in_flight()))
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.scalars(query))
    for row in rows:
        row.status, row.claimed_at, row.attempts, row.redraw = Status.CLAIMED, now, row.attempts + 1, False
    return rows


def _messages_in_flight() -> ColumnElement[bool]:
    """The Home row's lead has messages still waiting or being sent: Home is drawn after them, to show them."""
    other = aliased(Delivery)
    return (
        select(other.id)
        .where(
            other.lead_id == Delivery.lead_id,
            other.kind.in_(MESSAGE_KINDS),
            other.status.in_((Status.QUEUED, Status.CLAIMED)),
            other.next_attempt_at <= Delivery.next_attempt_at,
        )
        .exists()
    )


def release_stale(session: Session, claimed_before: datetime, now: datetime, limit: int) -> int:
    """Queued kinds claimed by a worker that died (its lease ran out) wait in the queue again."""
    query = (
        select(Delivery.id)
        .where(
            Delivery.status == Status.CLAIMED,
            Delivery.kind.in_(QUEUED_KINDS),
            Delivery.next_attempt_at.is_not(None),  # went through the queue (the tick's own claims do not)
            Delivery.claimed_at < claimed_before,
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(query))
    if ids:
        session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(status=Status.QUEUED, next_attempt_at=now))
    return len(ids)


def lock_for_recording(session: Session, delivery_id: int) -> Delivery | None:
    """The delivery, locked to record how its send ended. Its lead (when the send may teach us their DM channel)
    and an acknowledgement's entry are locked first, in the order listeners lock them (lead, entry, delivery), so
    neither side waits for the other."""
    row = session.execute(
        select(Delivery.lead_id, Delivery.kind, Delivery.subject_id, Delivery.recipient).where(
            Delivery.id == delivery_id
        )
    )
    found = row.first()
    if found is None:
        return None
    lead_id, kind, subject, recipient = found
    if lead_id is not None and to_a_person(recipient):
        session.execute(select(Lead.id).where(Lead.id == lead_id).with_for_update())
    if kind == Kind.ACK and subject is not None:
        session.execute(select(ImpactEntry.id).where(ImpactEntry.id == subject).with_for_update())
    return session.get(Delivery, delivery_id, with_for_update=True)


def finish(delivery: Delivery, channel: str | None, ts: str | None, now: datetime) -> None:
    """Sent. If what it shows changed while it was being sent, it waits to be drawn again."""
    if channel is not None and ts is not None:
        delivery.channel, delivery.ts = channel, ts
    delivery.sent_at = now
    delivery.status = Status.QUEUED if delivery.redraw else Status.SENT
    delivery.next_attempt_at, delivery.redraw = now, False


def to_a_person(recipient: str) -> bool:
    """A user id (posted in the app's DM with them, whose channel id we learn from the answer), not a channel id."""
    return recipient[:1] in ("U", "W")


def point_entry_at(session: Session, ack: Delivery) -> None:
    """The entry's acknowledgement is this one, unless a newer one superseded it meanwhile."""
    newer = select(Delivery.id).where(Delivery.kind == Kind.ACK, Delivery.subject_id == ack.subject_id)
    session.execute(
        update(ImpactEntry)
        .where(ImpactEntry.id == ack.subject_id, ~newer.where(Delivery.id > ack.id).exists())
        .values(ack_channel=ack.channel, ack_ts=ack.ts)
    )


def requeue(delivery: Delivery, now: datetime, **values: Any) -> None:
    """Draw it again: now if it is waiting or done; after the current send if a worker holds it."""
    for name, value in values.items():
        setattr(delivery, name, value)
    if delivery.status == Status.CLAIMED:
        delivery.redraw = True
    elif delivery.status != Status.QUEUED:
        delivery.status, delivery.next_attempt_at = Status.QUEUED, now
