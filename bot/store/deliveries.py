"""Queries behind claiming and sending deliveries exactly once."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.store.models import Delivery, Diagnostic, EntryCategory, ImpactEntry, Kind, Lead, Status, Workspace

PROMPT_KINDS = (Kind.PROMPT, Kind.REFLECT)
DELIVERED = (Status.SENT, Status.ANSWERED, Status.SKIPPED, Status.REJECTED)  # prompt statuses once it reached the lead


def due_leads(session: Session, now: datetime, limit: int) -> list[tuple[Lead, str]]:
    """Enrolled, reachable leads whose next prompt is due, with their workspace timezone.

    On PostgreSQL the rows are locked and rows another worker holds are skipped, so concurrent ticks split
    the work instead of racing for it (the unique delivery key is the final guard either way)."""
    query = (
        select(Lead, Workspace.timezone)
        .join(Workspace, Workspace.team_id == Lead.team_id)
        .where(Lead.next_prompt_at <= now, Lead.enrolled, Lead.active, Workspace.active)
        .order_by(Lead.next_prompt_at, Lead.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Lead)
    )
    return [(lead, timezone) for lead, timezone in session.execute(query)]


def insert_once(session: Session, **values: Any) -> int | None:
    """Insert a delivery unless one exists for the same (team, recipient, kind, period); return its id or None."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Delivery)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["team_id", "recipient", "kind", "period_key"])
        .returning(Delivery.id)
    )
    return session.execute(statement).scalar_one_or_none()


def claim_once(
    session: Session,
    *,
    team_id: str,
    lead_id: int | None,
    kind: str,
    period_key: str,
    recipient: str,
    due: datetime,
    now: datetime,
    **values: Any,
) -> int | None:
    """Claim a delivery for this worker to send now (first attempt), unless its key is taken; its id or None."""
    return insert_once(
        session,
        team_id=team_id,
        lead_id=lead_id,
        kind=kind,
        period_key=period_key,
        recipient=recipient,
        status=Status.CLAIMED,
        attempts=1,
        due_at=due,
        claimed_at=now,
        created_at=now,
        **values,
    )


def queue_once(
    session: Session,
    *,
    team_id: str,
    lead_id: int | None,
    kind: str,
    period_key: str,
    recipient: str,
    now: datetime,
    **values: Any,
) -> int | None:
    """Queue a delivery for the courier, due now, unless its key is taken; its id or None."""
    return insert_once(
        session,
        team_id=team_id,
        lead_id=lead_id,
        kind=kind,
        period_key=period_key,
        recipient=recipient,
        status=Status.QUEUED,
        attempts=0,
        due_at=now,
        next_attempt_at=now,
        created_at=now,
        **values,
    )


def stale_claims(session: Session, kinds: Sequence[str], claimed_before: datetime, limit: int) -> list[Delivery]:
    """Deliveries claimed but never marked sent whose lease has run out (a worker died or gave up)."""
    query = (
        select(Delivery)
        .where(
            Delivery.status == Status.CLAIMED,
            Delivery.kind.in_(kinds),
            Delivery.claimed_at < claimed_before,
            Delivery.next_attempt_at.is_(None),  # what went through the queue is released by store.outbox
        )
        .order_by(Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def prompt_histories(session: Session, lead_ids: Sequence[int]) -> dict[int, list[tuple[str, str, str, datetime]]]:
    """Per lead, their prompt deliveries oldest first as (prompt id, kind, status, created)."""
    rows = session.execute(
        select(Delivery.lead_id, Delivery.prompt_id, Delivery.kind, Delivery.status, Delivery.created_at)
        .where(Delivery.lead_id.in_(lead_ids), Delivery.kind.in_(PROMPT_KINDS), Delivery.prompt_id.is_not(None))
        .order_by(Delivery.lead_id, Delivery.created_at, Delivery.id)
    )
    histories: dict[int, list[tuple[str, str, str, datetime]]] = defaultdict(list)
    for lead_id, prompt_id, kind, status, created in rows:
        histories[lead_id or 0].append((str(prompt_id), kind, status, created))
    return histories


def answer_lengths(session: Session, lead_ids: Sequence[int], since: datetime) -> dict[int, list[tuple[str, int]]]:
    """Per lead, (prompt id, length of the answer) for the prompts they answered since an instant."""
    rows = session.execute(
        select(ImpactEntry.lead_id, Delivery.prompt_id, func.length(ImpactEntry.text))
        .join(Delivery, Delivery.id == ImpactEntry.delivery_id)
        .where(ImpactEntry.lead_id.in_(lead_ids), ImpactEntry.created_at >= since, Delivery.prompt_id.is_not(None))
    )
    lengths: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for lead_id, prompt_id, length in rows:
        lengths[int(lead_id)].append((str(prompt_id), int(length or 0)))
    return lengths


def recent_verdicts(session: Session, lead_ids: Sequence[int], since: datetime) -> dict[int, set[str]]:
    """Per lead, the verdicts of their coding diagnostics since an instant."""
    rows = session.execute(
        select(Diagnostic.lead_id, Diagnostic.verdict).where(
            Diagnostic.lead_id.in_(lead_ids), Diagnostic.created_at >= since
        )
    )
    verdicts: dict[int, set[str]] = defaultdict(set)
    for lead_id, verdict in rows:
        verdicts[int(lead_id)].add(str(verdict))
    return verdicts


def categories_since(session: Session, lead_ids: Sequence[int], since: datetime) -> dict[int, Counter[str]]:
    """Per lead, how many entries in each category since an instant."""
    rows = session.execute(
        select(ImpactEntry.lead_id, EntryCategory.category, func.count())
        .join(EntryCategory, EntryCategory.entry_id == ImpactEntry.id)
        .where(ImpactEntry.lead_id.in_(lead_ids), ImpactEntry.created_at >= since)
        .group_by(ImpactEntry.lead_id, EntryCategory.category)
    )
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for lead_id, category, count in rows:
        counts[int(lead_id)][category] = int(count)
    return counts


def entry_counts(session: Session, lead_ids: Sequence[int], since: datetime, until: datetime) -> dict[int, int]:
    """Per lead, entries logged in [since, until)."""
    rows = session.execute(
        select(ImpactEntry.lead_id, func.count())
        .where(ImpactEntry.lead_id.in_(lead_ids), ImpactEntry.created_at >= since, ImpactEntry.created_at < until)
        .group_by(ImpactEntry.lead_id)
    )
    return {int(lead_id): int(count) for lead_id, count in rows}


def answered_counts(session: Session, lead_ids: Sequence[int], since: datetime, until: datetime) -> dict[int, int]:
    """Per lead, prompts answered among those sent in [since, until)."""
    rows = session.execute(
        select(Delivery.lead_id, func.count())
        .where(
            Delivery.lead_id.in_(lead_ids),
            Delivery.kind.in_(PROMPT_KINDS),
            Delivery.status == Status.ANSWERED,
            Delivery.created_at >= since,
            Delivery.created_at < until,
        )
        .group_by(Delivery.lead_id)
    )
    return {lead_id or 0: int(count) for lead_id, count in rows}


def mark_sent(session: Session, sent: Sequence[tuple[int, int | None, str, str]], now: datetime) -> None:
    """Mark (delivery id, lead id or None, channel, ts) rows sent and remember each lead's DM channel.

    One statement per table however many rows: the tick records its outcomes in batches."""
    if not sent:
        return
    deliveries, leads = cast(Table, Delivery.__table__), cast(Table, Lead.__table__)
    # Leads first: listeners lock a lead before its deliveries, and the same order here means no deadlock.
    learnt = sorted((lead_id, channel) for _, lead_id, channel, _ in sent if lead_id is not None)  # in id order
    dms = [{"lead_id": lead_id, "dm_channel": channel} for lead_id, channel in learnt]
    if dms:
        session.execute(update(leads).where(leads.c.id == bindparam("lead_id")), dms)
    session.execute(
        update(deliveries).where(deliveries.c.id == bindparam("delivery_id")),
        [
            {"delivery_id": delivery_id, "status": Status.SENT, "channel": channel, "ts": ts, "sent_at": now}
            for delivery_id, _, channel, ts in sent
        ],
    )


def mark_failed(session: Session, delivery_id: int, code: str) -> None:
    """Slack refused this delivery for good."""
    session.execute(update(Delivery).where(Delivery.id == delivery_id).values(status=Status.FAILED, error=code[:64]))
