"""The record of Events API deliveries we have processed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.store.models import ProcessedEvent


def prune_processed_events(session: Session, before: datetime) -> int:
    """Forget event ids older than `before` (Slack stops retrying after minutes); return how many."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
