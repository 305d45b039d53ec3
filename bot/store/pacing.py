"""Pace slots: one row per workspace (and per channel) saying when its next Slack call may go.

Times are the database's clock, read inside the statement that books the slot, and what a booker gets back is how
long to wait from now: so two processes (or a process that waited for the lock) never book a slot in the past, and
the app's and the database's clocks never need to agree."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Float, cast, func, literal, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.store.models import PaceSlot


def book(session: Session, key: str, interval: float, after: float = 0.0) -> float:
    """Take the key's first free slot at least `after` seconds from now and move its next slot `interval` past it;
    the seconds to wait for it. One statement, so concurrent bookers each get their own slot."""
    postgres = session.get_bind().dialect.name == "postgresql"
    now = _now(postgres)
    greatest: Any = func.greatest if postgres else func.max
    earliest = now + literal(after, Float)
    statement = (postgresql if postgres else sqlite).insert(PaceSlot).values(key=key, next_at=earliest + interval)
    statement = statement.on_conflict_do_update(
        index_elements=["key"], set_={"next_at": greatest(PaceSlot.next_at, earliest) + interval}
    ).returning(PaceSlot.next_at - interval - now)
    return max(0.0, float(session.execute(statement).scalar_one()))


def hold(session: Session, key: str, seconds: float) -> None:
    """No slot for this key in the next `seconds` (Slack said 429)."""
    book(session, key, 0.0, seconds)


def _now(postgres: bool) -> ColumnElement[float]:
    """The database's clock in seconds since the epoch, read when the statement runs."""
    if postgres:
        return cast(func.extract("epoch", func.clock_timestamp()), Float)
    return cast(literal_column("(julianday('now') - 2440587.5) * 86400.0"), Float)
