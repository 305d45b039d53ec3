"""The record of Events API deliveries we have processed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.store.models import ProcessedEvent


def first_time(session: Session, event_id: str, team_id: str, now: datetime) -> bool:
    """Record this event id; False if it was already recorded (a retry, or a second delivery of the same event).

    The record commits with whatever the event changed, so a failed attempt leaves no trace and its retry counts."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(ProcessedEvent)
        .values(event_id=event_id, team_id=team_id, received_at=now)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(ProcessedEvent.event_id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def prune_processed_events(session: Session, before: datetime) -> int:
    """Forget event ids older than `before` (Slack stops retrying after minutes); return how many."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
