"""Pace slots: one row per workspace (and per channel) saying when its next Slack call may go."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.store.models import PaceSlot


def book(session: Session, key: str, earliest: float, interval: float) -> float:
    """Take the first free slot at or after `earliest` and move the key's next slot `interval` past it; one
    statement, so concurrent bookers (threads or processes) each get their own slot."""
    postgres = session.get_bind().dialect.name == "postgresql"
    greatest: Any = func.greatest if postgres else func.max
    statement = (postgresql if postgres else sqlite).insert(PaceSlot).values(key=key, next_at=earliest + interval)
    statement = statement.on_conflict_do_update(
        index_elements=["key"], set_={"next_at": greatest(PaceSlot.next_at, earliest) + interval}
    ).returning(PaceSlot.next_at)
    return float(session.execute(statement).scalar_one()) - interval


def hold(session: Session, key: str, until: float) -> None:
    """No slot for this key before `until` (Slack said 429)."""
    book(session, key, until, 0.0)
