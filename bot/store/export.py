"""Queries behind a lead's export: one query per table, every row of that lead."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import Delivery, Diagnostic, EntryCategory, FilingMemory, ImpactEntry, Reply


def entries_of(session: Session, lead_id: int) -> list[ImpactEntry]:
    """The lead's impact entries, by id."""
    return list(session.scalars(select(ImpactEntry).where(ImpactEntry.lead_id == lead_id).order_by(ImpactEntry.id)))


def categories_of(session: Session, lead_id: int) -> list[EntryCategory]:
    """The categories of the lead's entries, by entry and category."""
    query = (
        select(EntryCategory)
        .join(ImpactEntry, ImpactEntry.id == EntryCategory.entry_id)
        .where(ImpactEntry.lead_id == lead_id)
        .order_by(EntryCategory.entry_id, EntryCategory.category)
    )
    return list(session.scalars(query))


def replies_of(session: Session, lead_id: int) -> list[Reply]:
    """The replies that make up the lead's entries, by id."""
    query = (
        select(Reply)
        .join(ImpactEntry, ImpactEntry.id == Reply.entry_id)
        .where(ImpactEntry.lead_id == lead_id)
        .order_by(Reply.id)
    )
    return list(session.scalars(query))


def diagnostics_of(session: Session, lead_id: int) -> list[Diagnostic]:
    """The lead's coding diagnostics, by id."""
    return list(session.scalars(select(Diagnostic).where(Diagnostic.lead_id == lead_id).order_by(Diagnostic.id)))


def deliveries_of(session: Session, lead_id: int) -> list[Delivery]:
    """Every message we owed the lead (prompts, scorecards), by id; team digests belong to no lead."""
    return list(session.scalars(select(Delivery).where(Delivery.lead_id == lead_id).order_by(Delivery.id)))


def filing_memory_of(session: Session, lead_id: int) -> list[FilingMemory]:
    """What the lead's corrections taught the filing, by word and category."""
    query = select(FilingMemory).where(FilingMemory.lead_id == lead_id)
    return list(session.scalars(query.order_by(FilingMemory.word, FilingMemory.category)))
