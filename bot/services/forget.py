"""Forgetting a lead: every row that is theirs, deleted in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.services.errors import UserFacingError
from bot.store import forget as store
from bot.store.leads import get_lead
from bot.store.models import Delivery, Diagnostic, ImpactEntry, Reply

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

    counts = store.counts_of(session, lead.id)
    return Holdings(counts[ImpactEntry], counts[Reply], counts[Diagnostic], counts[Delivery])


def forget(session: Session, team_id: str, user_id: str) -> Holdings:
    """Delete the lead and everything of theirs, table by table; return what was deleted."""
    # Locking the lead first makes a DM arriving meanwhile wait, then find no lead (and start afresh).
    lead = get_lead(session, team_id, user_id, for_update=True)
    if lead is None:
        raise UserFacingError(NOTHING_STORED)
    deleted = holdings(session, team_id, user_id)
    store.delete_lead(session, lead)
    session.expunge(lead)
    return deleted
