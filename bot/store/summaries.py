"""Queries behind the weekly scorecards and the team digest: a batch of leads at a time, all on indexes."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Integer, Select, cast, distinct, func, literal, select
from sqlalchemy.orm import Session

from bot.store.deliveries import PROMPT_KINDS
from bot.store.models import Delivery, Diagnostic, EntryCategory, ImpactEntry, Lead, UTCDateTime, Workspace

EntryRow = tuple[int, datetime, str, frozenset[str], int | None]  # entry id, created, text, categories, minutes
DiagnosticRow = tuple[str, float | None, str | None]  # verdict, hours, outcome


def due_summaries(session: Session, now: datetime, limit: int) -> list[tuple[Lead, str]]:
    """Enrolled, reachable leads whose weekly scorecard is due, with their workspace timezone (locked, skipping
    rows another worker holds)."""
    query = (
        select(Lead, Workspace.timezone)
        .join(Workspace, Workspace.team_id == Lead.team_id)
        .where(Lead.next_summary_at <= now, Lead.enrolled, Lead.active, Workspace.active)
        .order_by(Lead.next_summary_at, Lead.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Lead)
    )
    return [(lead, timezone) for lead, timezone in session.execute(query)]


def unscheduled_leads(session: Session, limit: int) -> list[tuple[Lead, str]]:
    """Enrolled leads with prompts scheduled but no scorecard time yet (enrolled before scorecards existed)."""
    query = (
        select(Lead, Workspace.timezone)
        .join(Workspace, Workspace.team_id == Lead.team_id)
        .where(
            Lead.next_summary_at.is_(None),
            Lead.next_prompt_at.is_not(None),  # a schedule that can't be read has neither, and stays that way
            Lead.enrolled,
            Lead.active,
            Workspace.active,
        )
        .limit(limit)
        .with_for_update(skip_locked=True, of=Lead)
    )
    return [(lead, timezone) for lead, timezone in session.execute(query)]


def entries_between(
    session: Session, lead_ids: Sequence[int], since: datetime, until: datetime
) -> dict[int, list[EntryRow]]:
    """Per lead, their entries in [since, until) with categories, oldest first."""
    rows = session.execute(
        select(
            ImpactEntry.lead_id,
            ImpactEntry.id,
            ImpactEntry.created_at,
            ImpactEntry.text,
            ImpactEntry.minutes,
            EntryCategory.category,
        )
        .outerjoin(EntryCategory, EntryCategory.entry_id == ImpactEntry.id)
        .where(ImpactEntry.lead_id.in_(lead_ids), ImpactEntry.created_at >= since, ImpactEntry.created_at < until)
        .order_by(ImpactEntry.lead_id, ImpactEntry.created_at, ImpactEntry.id)
    )
    entries: dict[int, dict[int, tuple[datetime, str, int | None, set[str]]]] = defaultdict(dict)
    for lead_id, entry_id, created_at, text, minutes, category in rows:
        entry = entries[lead_id].setdefault(entry_id, (created_at, text, minutes, set()))
        if category is not None:
            entry[3].add(category)
    return {
        lead_id: [(i, created, text, frozenset(cats), minutes) for i, (created, text, minutes, cats) in by_id.items()]
        for lead_id, by_id in entries.items()
    }


def leadership_counts(session: Session, lead_ids: Sequence[int], since: datetime, until: datetime) -> dict[int, int]:
    """Per lead, entries in [since, until) filed under any leadership category."""
    rows = session.execute(
        select(ImpactEntry.lead_id, func.count(func.distinct(ImpactEntry.id)))
        .join(EntryCategory, EntryCategory.entry_id == ImpactEntry.id)
        .where(
            ImpactEntry.lead_id.in_(lead_ids),
            ImpactEntry.created_at >= since,
            ImpactEntry.created_at < until,
            EntryCategory.category != "hands_on",
        )
        .group_by(ImpactEntry.lead_id)
    )
    return {int(lead_id): int(count) for lead_id, count in rows}


def category_counts(
    session: Session, lead_ids: Sequence[int], since: datetime, until: datetime
) -> dict[int, Counter[str]]:
    """Per lead, entries in each category in [since, until)."""
    rows = session.execute(
        select(ImpactEntry.lead_id, EntryCategory.category, func.count())
        .join(EntryCategory, EntryCategory.entry_id == ImpactEntry.id)
        .where(ImpactEntry.lead_id.in_(lead_ids), ImpactEntry.created_at >= since, ImpactEntry.created_at < until)
        .group_by(ImpactEntry.lead_id, EntryCategory.category)
    )
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for lead_id, category, count in rows:
        counts[lead_id][category] = count
    return counts


def entry_weeks(session: Session, lead_ids: Sequence[int], since: datetime, until: datetime) -> dict[int, set[int]]:
    """Per lead, the weeks counted back from `until` (0 the last seven days) with an entry in [since, until).

    The week number is worked out by the database, so a year of history comes back as one row per week."""
    bound = literal(until, UTCDateTime())
    if session.get_bind().dialect.name == "postgresql":
        # An entry exactly k weeks before `until` opens week k-1 ([until - k weeks, ...) as the scorecard reads
        # it), hence the microsecond taken off before dividing.
        seconds = func.extract("epoch", bound - ImpactEntry.created_at) - 0.000_001
        week = cast(func.floor(seconds / 604_800), Integer)
    else:  # SQLite stores UTC text; the cast truncates, which is the floor for these positive numbers
        days = func.julianday(bound) - func.julianday(ImpactEntry.created_at) - 1e-8  # about a millisecond
        week = cast(days / 7, Integer)
    rows = session.execute(
        select(ImpactEntry.lead_id, week)
        .where(ImpactEntry.lead_id.in_(lead_ids), ImpactEntry.created_at >= since, ImpactEntry.created_at < until)
        .distinct()
    )
    weeks: dict[int, set[int]] = defaultdict(set)
    for lead_id, number in rows:
        weeks[lead_id].add(int(number))
    return weeks


def prompt_statuses(
    session: Session, lead_ids: Sequence[int], since: datetime, until: datetime
) -> dict[int, Counter[str]]:
    """Per lead, how the prompts sent in [since, until) ended (sent, answered, skipped, ...)."""
    rows = session.execute(
        select(Delivery.lead_id, Delivery.status, func.count())
        .where(
            Delivery.lead_id.in_(lead_ids),
            Delivery.created_at >= since,
            Delivery.created_at < until,
            Delivery.kind.in_(PROMPT_KINDS),
        )
        .group_by(Delivery.lead_id, Delivery.status)
    )
    statuses: dict[int, Counter[str]] = defaultdict(Counter)
    for lead_id, status, count in rows:
        statuses[lead_id or 0][status] = count
    return statuses


def diagnostics_between(
    session: Session, lead_ids: Sequence[int], since: datetime, until: datetime
) -> dict[int, list[tuple[datetime, DiagnosticRow]]]:
    """Per lead, coding diagnostics run in [since, until)."""
    rows = session.execute(
        select(Diagnostic.lead_id, Diagnostic.created_at, Diagnostic.verdict, Diagnostic.hours, Diagnostic.outcome)
        .where(Diagnostic.lead_id.in_(lead_ids), Diagnostic.created_at >= since, Diagnostic.created_at < until)
        .order_by(Diagnostic.lead_id, Diagnostic.created_at)
    )
    runs: dict[int, list[tuple[datetime, DiagnosticRow]]] = defaultdict(list)
    for lead_id, created_at, verdict, hours, outcome in rows:
        runs[lead_id].append((created_at, (verdict, hours, outcome)))
    return runs


def _team_entries(team_id: str, since: datetime, until: datetime) -> Select[int, int]:
    return (
        select(ImpactEntry.id, ImpactEntry.lead_id)
        .join(Lead, Lead.id == ImpactEntry.lead_id)
        .where(Lead.team_id == team_id, ImpactEntry.created_at >= since, ImpactEntry.created_at < until)
    )


def team_totals(session: Session, team_id: str, since: datetime, until: datetime) -> tuple[int, int]:
    """(leads who logged something, entries) for a workspace in [since, until)."""
    entries = _team_entries(team_id, since, until).subquery()
    row = session.execute(select(func.count(distinct(entries.c.lead_id)), func.count(entries.c.id))).one()
    return int(row[0]), int(row[1])


def team_categories(session: Session, team_id: str, since: datetime, until: datetime) -> Counter[str]:
    """Entries per category across a workspace in [since, until)."""
    entries = _team_entries(team_id, since, until).subquery()
    rows = session.execute(
        select(EntryCategory.category, func.count())
        .join(entries, entries.c.id == EntryCategory.entry_id)
        .group_by(EntryCategory.category)
    )
    return Counter({category: int(count) for category, count in rows})


def shared_entries(
    session: Session, team_id: str, since: datetime, until: datetime
) -> list[tuple[int, str, str, datetime, frozenset[str]]]:
    """Entries marked shareable in [since, until): (entry id, author user id, text, created, categories).

    Only shareable rows are read: the text of anything else never leaves the database for the digest."""
    rows = session.execute(
        select(ImpactEntry.id, Lead.user_id, ImpactEntry.text, ImpactEntry.created_at, EntryCategory.category)
        .join(Lead, Lead.id == ImpactEntry.lead_id)
        .outerjoin(EntryCategory, EntryCategory.entry_id == ImpactEntry.id)
        .where(
            Lead.team_id == team_id,
            ImpactEntry.shareable,
            ImpactEntry.created_at >= since,
            ImpactEntry.created_at < until,
        )
        .order_by(ImpactEntry.created_at, ImpactEntry.id)
    )
    found: dict[int, tuple[str, str, datetime, set[str]]] = {}
    for entry_id, user_id, text, created_at, category in rows:
        entry = found.setdefault(entry_id, (user_id, text, created_at, set()))
        if category is not None:
            entry[3].add(category)
    return [(entry_id, u, t, c, frozenset(cats)) for entry_id, (u, t, c, cats) in found.items()]


def due_digests(session: Session, now: datetime, limit: int) -> list[Workspace]:
    """Active workspaces with a digest channel whose weekly digest is due (locked, skipping held rows)."""
    query = (
        select(Workspace)
        .where(Workspace.next_digest_at <= now, Workspace.active, Workspace.digest_channel.is_not(None))
        .order_by(Workspace.next_digest_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def unscheduled_digests(session: Session, limit: int) -> list[Workspace]:
    """Active workspaces with a digest channel but no digest time yet."""
    query = (
        select(Workspace)
        .where(Workspace.next_digest_at.is_(None), Workspace.active, Workspace.digest_channel.is_not(None))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def display_names(session: Session, team_id: str, user_ids: Sequence[str]) -> dict[str, str]:
    """Names of the workspace's known leads among these user ids."""
    rows = session.execute(
        select(Lead.user_id, Lead.display_name).where(Lead.team_id == team_id, Lead.user_id.in_(user_ids))
    )
    return {user_id: name for user_id, name in rows if name}
