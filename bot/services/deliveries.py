"""Recording what happened to a delivery (prompt, scorecard, digest) once Slack has answered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from bot.services.ports import Posted
from bot.store import deliveries as store
from bot.store.models import Lead


def record_sent(session: Session, sent: Sequence[tuple[int, int | None, Posted]], now: datetime) -> None:
    """These (delivery id, lead id or None, where it landed) are in Slack; one statement per table."""
    store.mark_sent(session, [(delivery_id, lead_id, p.channel, p.ts) for delivery_id, lead_id, p in sent], now)


def record_failed(session: Session, delivery_id: int, lead_id: int | None, code: str, *, unreachable: bool) -> None:
    """Slack refused for good; a lead it can't reach gets no more prompts or scorecards until they come back."""
    store.mark_failed(session, delivery_id, code)
    lead = session.get(Lead, lead_id) if unreachable and lead_id is not None else None
    if lead is not None:
        lead.active = False
        lead.next_prompt_at = None
        lead.next_summary_at = None
