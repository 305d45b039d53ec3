"""Engine and session factory: the only way the process talks to its database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine: SQLite gets WAL, foreign keys, a busy timeout and one connection; PostgreSQL pre-pings."""
    if url.startswith("sqlite"):
        # SQLite has one writer at a time. With one pooled connection, this process's transactions queue for it
        # and are woken at once, rather than each sleeping and retrying in SQLite's busy handler (which backs off
        # up to 100 ms a try, and made acks slow under load). Other processes still meet the busy timeout.
        timeout = SQLITE_BUSY_TIMEOUT_MS / 1000
        engine = create_engine(
            url, connect_args={"timeout": timeout}, pool_size=1, max_overflow=0, pool_timeout=timeout, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin_as_the_writer)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    dbapi_connection.isolation_level = None  # the driver's own BEGIN comes only before a write: see below


def _begin_as_the_writer(connection: Connection) -> None:
    # pysqlite begins a transaction only at the first write, so a read-then-write ran its read outside any
    # transaction and lost concurrent updates. Every transaction starts as the writer instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def database_answers(engine: Engine) -> bool:
    """True when a trivial query succeeds (the health check)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
