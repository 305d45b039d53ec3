"""The engine's concurrency: many threads reading then writing the same row, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import Workspace

THREADS = 8
INCREMENTS = 25


def test_concurrent_read_then_write_transactions_all_succeed_and_none_is_lost(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        session.add(Workspace(team_id="T0COUNT", name="0"))
    failures: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def increment() -> None:
        barrier.wait()
        for _ in range(INCREMENTS):
            try:
                with session_factory.begin() as session:
                    # Read first, then write: on SQLite a transaction that began as a reader cannot become the
                    # writer once another has committed, so every transaction must start as the writer.
                    workspace = session.scalars(
                        select(Workspace).where(Workspace.team_id == "T0COUNT").with_for_update()
                    ).one()
                    workspace.name = str(int(workspace.name or "0") + 1)
            except Exception as error:
                failures.append(error)

    threads = [threading.Thread(target=increment) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "deadlocked"
    assert failures == []
    with session_factory() as session:
        assert session.get(Workspace, "T0COUNT").name == str(THREADS * INCREMENTS)  # type: ignore[union-attr]
