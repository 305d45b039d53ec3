"""Deleting an uninstalled workspace's data once its retention window has passed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select
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
    ProcessedEvent,
    Reply,
    SoloArea,
    Workspace,
)


def uninstalled_before(session: Session, before: datetime) -> list[str]:
    """Team ids of the workspaces uninstalled before `before` and not reinstalled since."""
    query = select(Workspace.team_id).where(Workspace.active.is_(False), Workspace.uninstalled_at < before)
    return list(session.scalars(query))


def delete_workspace(session: Session, team_id: str) -> None:
    """Delete every row of a workspace, table by table."""
    leads = select(Lead.id).where(Lead.team_id == team_id).scalar_subquery()
    entries = select(ImpactEntry.id).where(ImpactEntry.lead_id.in_(leads)).scalar_subquery()
    session.execute(delete(EntryCategory).where(EntryCategory.entry_id.in_(entries)))
    session.execute(delete(Reply).where(Reply.lead_id.in_(leads)))
    session.execute(delete(ImpactEntry).where(ImpactEntry.lead_id.in_(leads)))
    for loop in (FilingMemory, SoloArea, AreaReview, Absence, Decision, Handoff):
        session.execute(delete(loop).where(loop.lead_id.in_(leads)))
    session.execute(delete(Diagnostic).where(Diagnostic.lead_id.in_(leads)))
    session.execute(delete(Delivery).where(Delivery.team_id == team_id))
    session.execute(delete(Lead).where(Lead.team_id == team_id))
    session.execute(delete(ProcessedEvent).where(ProcessedEvent.team_id == team_id))
    session.execute(delete(PaceSlot).where(or_(PaceSlot.key == team_id, PaceSlot.key.startswith(f"{team_id}/"))))
    session.execute(delete(Workspace).where(Workspace.team_id == team_id))
