"""Queries behind forgetting a lead: what is theirs, and deleting it table by table."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.store.models import (
    Absence,
    AreaReview,
    Decision,
    Delivery,
    Diagnostic,
    EntryCategory,
    FilingMemory,
    Handoff,
    ImpactEntry,
    Lead,
    PaceSlot,
    Reply,
    SoloArea,
    Workspace,
)

Owned = type[ImpactEntry] | type[Reply] | type[Diagnostic] | type[Delivery]


def counts_of(session: Session, lead_id: int) -> dict[Owned, int]:
    """How many rows of each table carry the lead's id."""
    return {
        model: int(session.scalar(select(func.count()).select_from(model).where(model.lead_id == lead_id)) or 0)
        for model in (ImpactEntry, Reply, Diagnostic, Delivery)
    }


def delete_lead(session: Session, lead: Lead) -> None:
    """Delete the lead and every row of theirs; the workspace forgets that they chose its digest channel."""
    their_entries = select(ImpactEntry.id).where(ImpactEntry.lead_id == lead.id).scalar_subquery()
    session.execute(delete(EntryCategory).where(EntryCategory.entry_id.in_(their_entries)))
    session.execute(delete(Reply).where(Reply.lead_id == lead.id))
    session.execute(delete(ImpactEntry).where(ImpactEntry.lead_id == lead.id))
    for loop in (
        FilingMemory,
        SoloArea,
        AreaReview,
        Absence,
        Decision,
        Handoff,
    ):  # Handoff before the diagnostics it may name
        session.execute(delete(loop).where(loop.lead_id == lead.id))
    session.execute(delete(Diagnostic).where(Diagnostic.lead_id == lead.id))
    session.execute(delete(Delivery).where(Delivery.lead_id == lead.id))
    session.execute(delete(Delivery).where(Delivery.team_id == lead.team_id, Delivery.recipient == lead.user_id))
    # The per-channel pace of their DM names the channel.
    channels = [f"{lead.team_id}/{where}" for where in (lead.dm_channel, lead.user_id) if where]
    session.execute(delete(PaceSlot).where(PaceSlot.key.in_(channels)))
    session.execute(
        update(Workspace)
        .where(Workspace.team_id == lead.team_id, Workspace.digest_set_by == lead.user_id)
        .values(digest_set_by=None)
    )
    session.execute(delete(Lead).where(Lead.id == lead.id))
