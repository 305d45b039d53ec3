"""Forgetting a lead: every row that is theirs, deleted in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.services.errors import UserFacingError
from bot.store.leads import get_lead
from bot.store.models import Delivery, Diagnostic, EntryCategory, ImpactEntry, Lead, PaceSlot, Reply, Workspace

NOTHING_STORED = "I don't store anything about you: there is nothing to delete."


@dataclass(frozen=True)
class Holdings:
    """How much the coach stores about a lead."""

    entries: int
    replies: int
    diagnostics: int
    deliveries: int


def holdings(session: Session, team_id: str, user_id: str) -> Holdings:
    """Count what forgetting this lead would delete."""
    lead = get_lead(session, team_id, user_id)
    if lead is None:
        raise UserFacingError(NOTHING_STORED)

    def count(model: type[ImpactEntry | Reply | Diagnostic | Delivery]) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(model.lead_id == lead.id)) or 0)

    return Holdings(count(ImpactEntry), count(Reply), count(Diagnostic), count(Delivery))


def forget(session: Session, team_id: str, user_id: str) -> Holdings:
    """Delete the lead and everything of theirs, table by table; return what was deleted."""
    # Locking the lead first makes a DM arriving meanwhile wait, then find no lead (and start afresh).
    lead = get_lead(session, team_id, user_id, for_update=True)
    if lead is None:
        raise UserFacingError(NOTHING_STORED)
    deleted = holdings(session, team_id, user_id)
    their_entries = select(ImpactEntry.id).where(ImpactEntry.lead_id == lead.id).scalar_subquery()
    session.execute(delete(EntryCategory).where(EntryCategory.entry_id.in_(their_entries)))
    session.execute(delete(Reply).where(Reply.lead_id == lead.id))
    session.execute(delete(ImpactEntry).where(ImpactEntry.lead_id == lead.id))
    session.execute(delete(Diagnostic).where(Diagnostic.lead_id == lead.id))
    session.execute(delete(Delivery).where(Delivery.lead_id == lead.id))
    session.execute(delete(Delivery).where(Delivery.team_id == team_id, Delivery.recipient == user_id))
    # Per-channel pace of their DM (it names the channel).
    channels = [f"{team_id}/{where}" for where in (lead.dm_channel, user_id) if where]
    session.execute(delete(PaceSlot).where(PaceSlot.key.in_(channels)))
    # The workspace remembers who chose the digest channel (to tell them if posting fails): not them any more.
    session.execute(
        update(Workspace)
        .where(Workspace.team_id == team_id, Workspace.digest_set_by == user_id)
        .values(digest_set_by=None)
    )
    session.execute(delete(Lead).where(Lead.id == lead.id))
    session.expunge(lead)
    return deleted
