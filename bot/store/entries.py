"""Queries behind the impact log (entries, the DM messages under them, their categories) and the diagnostics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.store.deliveries import PROMPT_KINDS
from bot.store.models import Delivery, Diagnostic, EntryCategory, FilingMemory, ImpactEntry, Reply


def reply_at(session: Session, channel: str, ts: str, lead_id: int | None = None) -> Reply | None:
    """The stored DM message at (channel, ts), optionally only if it is this lead's."""
    query = select(Reply).where(Reply.channel == channel, Reply.message_ts == ts)
    if lead_id is not None:
        query = query.where(Reply.lead_id == lead_id)
    return session.scalars(query).one_or_none()


def reply_count(session: Session, entry_id: int) -> int:
    """How many DM messages an entry still holds."""
    return int(session.scalar(select(func.count()).select_from(Reply).where(Reply.entry_id == entry_id)) or 0)


def reply_texts(session: Session, entry_id: int) -> list[str]:
    """The texts of an entry's DM messages, in the order they were sent."""
    return list(session.scalars(select(Reply.text).where(Reply.entry_id == entry_id).order_by(Reply.message_ts)))


def prompt_at(session: Session, lead_id: int, ts: str) -> Delivery | None:
    """The lead's prompt whose message has this ts (a thread's parent)."""
    query = select(Delivery).where(Delivery.lead_id == lead_id, Delivery.kind.in_(PROMPT_KINDS), Delivery.ts == ts)
    return session.scalars(query).one_or_none()


def latest_prompt(session: Session, lead_id: int) -> Delivery | None:
    """The prompt most recently sent to the lead."""
    query = (
        select(Delivery)
        .where(Delivery.lead_id == lead_id, Delivery.kind.in_(PROMPT_KINDS), Delivery.sent_at.is_not(None))
        .order_by(Delivery.sent_at.desc(), Delivery.id.desc())
        .limit(1)
    )
    return session.scalars(query).one_or_none()


def dm_answer_to(session: Session, delivery_id: int) -> ImpactEntry | None:
    """The entry made of DM messages that answers this prompt, if any."""
    query = (
        select(ImpactEntry)
        .where(ImpactEntry.delivery_id == delivery_id, ImpactEntry.source == "dm")
        .order_by(ImpactEntry.id)
        .limit(1)
    )
    return session.scalars(query).one_or_none()


def categories_of(session: Session, entry_id: int) -> set[str]:
    """The categories an entry is filed under."""
    return set(session.scalars(select(EntryCategory.category).where(EntryCategory.entry_id == entry_id)))


def set_categories(session: Session, entry_id: int, categories: Sequence[str], *, new: bool = False) -> None:
    """File an entry under exactly these categories (`new`: it has none yet)."""
    session.flush()  # the entry's row first
    if not new:
        session.execute(delete(EntryCategory).where(EntryCategory.entry_id == entry_id))
    if categories:
        rows = [{"entry_id": entry_id, "category": category} for category in categories]
        session.execute(insert(EntryCategory), rows)


def diagnostics_since(session: Session, lead_id: int, since: datetime) -> list[Diagnostic]:
    """The lead's coding diagnostics from `since` on."""
    query = select(Diagnostic).where(Diagnostic.lead_id == lead_id, Diagnostic.created_at >= since)
    return list(session.scalars(query))


def latest_entries(session: Session, lead_id: int, limit: int) -> list[tuple[ImpactEntry, frozenset[str]]]:
    """The lead's most recent entries, newest first, with their categories."""
    newest = list(
        session.scalars(
            select(ImpactEntry)
            .where(ImpactEntry.lead_id == lead_id)
            .order_by(ImpactEntry.created_at.desc(), ImpactEntry.id.desc())
            .limit(limit)
        )
    )
    filed: dict[int, set[str]] = {entry.id: set() for entry in newest}
    rows = session.execute(
        select(EntryCategory.entry_id, EntryCategory.category).where(EntryCategory.entry_id.in_(list(filed)))
    )
    for entry_id, category in rows:
        filed[entry_id].add(category)
    return [(entry, frozenset(filed[entry.id])) for entry in newest]


def entry_total(session: Session, lead_id: int) -> int:
    """How many entries the lead has logged, ever."""
    query = select(func.count()).select_from(ImpactEntry).where(ImpactEntry.lead_id == lead_id)
    return int(session.scalar(query) or 0)


def memory_of(session: Session, lead_id: int, words: Sequence[str]) -> dict[tuple[str, str], int]:
    """What the lead's corrections taught about these words: (word, category) -> weight."""
    if not words:
        return {}
    query = select(FilingMemory.word, FilingMemory.category, FilingMemory.weight).where(
        FilingMemory.lead_id == lead_id, FilingMemory.word.in_(words), FilingMemory.weight != 0
    )
    return {(word, category): weight for word, category, weight in session.execute(query)}


def remember(session: Session, lead_id: int, taught: dict[tuple[str, str], int]) -> None:
    """Add a correction's lessons to the lead's filing memory, in one statement."""
    if not taught:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(FilingMemory)
    statement = statement.on_conflict_do_update(
        index_elements=["lead_id", "word", "category"],
        set_={"weight": FilingMemory.weight + statement.excluded.weight},
    )
    rows = [{"lead_id": lead_id, "word": w, "category": c, "weight": n} for (w, c), n in sorted(taught.items())]
    session.execute(statement, rows)
