import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.store import migrate
from bot.store.db import make_engine
from bot.store.models import Base
from tests.conftest import POSTGRES_URL, postgres_schema_url

OUR_TABLES = set(Base.metadata.tables)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A database with nothing in it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    schema = f"lc_mig_{uuid.uuid4().hex[:10]}"
    admin = make_engine(postgres_schema_url("public"))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield postgres_schema_url(schema)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_round_trip(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url)
    assert table_names(empty_database_url) == OUR_TABLES
    migrate.downgrade(empty_database_url)
    assert table_names(empty_database_url) == set()
    migrate.upgrade(empty_database_url)
    assert table_names(empty_database_url) == OUR_TABLES
    engine = make_engine(empty_database_url)
    try:
        assert migrate.is_current(engine)
    finally:
        engine.dispose()


def test_migrations_match_the_models(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_an_empty_database_is_not_current(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        assert migrate.current_revision(engine) is None
        assert not migrate.is_current(engine)
    finally:
        engine.dispose()


def test_upgrading_sqlite_to_0004_keeps_every_row_and_never_reuses_a_deleted_id(tmp_path: Path) -> None:
    """0004 rebuilds three SQLite tables (AUTOINCREMENT): rows referring to them must survive the rebuild."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(migrate.alembic_config(url), "0003")
    with closing(sqlite3.connect(tmp_path / "old.db")) as db:
        db.executescript(
            """
            INSERT INTO workspaces (team_id, timezone, digest_weekday, digest_time, active, created_at, updated_at,
                digest_set_by) VALUES ('T1', 'UTC', 5, '16:00:00', 0, '2026-01-01', '2026-01-01', 'U1');
            INSERT INTO leads (id, team_id, user_id, prompt_time, workdays, summary_weekday, share_by_default, enrolled,
                active, created_at, updated_at) VALUES (1, 'T1', 'U1', '16:30:00', '12345', 5, 0, 1, 1, '2026-01-01',
                '2026-01-01');
            INSERT INTO deliveries (id, team_id, lead_id, kind, period_key, recipient, status, attempts, created_at)
                VALUES (1, 'T1', 1, 'prompt', '2026-01-01', 'U1', 'sent', 1, '2026-01-01');
            INSERT INTO impact_entries (id, lead_id, text, source, shareable, categories_by_lead, created_at,
                delivery_id) VALUES (1, 1, 'hello', 'dm', 1, 0, '2026-01-01', 1);
            INSERT INTO replies (id, entry_id, lead_id, text, source, channel, message_ts, created_at)
                VALUES (1, 1, 1, 'hello', 'dm', 'D1', '1.1', '2026-01-01');
            INSERT INTO entry_categories (entry_id, category) VALUES (1, 'mentoring');
            INSERT INTO diagnostics (id, lead_id, task, ownership, pull, verdict, created_at)
                VALUES (1, 1, 'x', 'yes', 'strategic', 'go', '2026-01-01');
            """
        )
    migrate.upgrade(url)
    with closing(sqlite3.connect(tmp_path / "old.db")) as db:
        counts = [db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in MIGRATED_TABLES]
        assert counts == [1] * len(MIGRATED_TABLES)
        assert db.execute("SELECT delivery_id, revision, shareable FROM impact_entries").fetchall() == [(1, 1, 1)]
        assert db.execute("SELECT digest_chosen, uninstalled_at IS NOT NULL FROM workspaces").fetchall() == [(1, 1)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        db.execute("DELETE FROM replies")
        db.execute("DELETE FROM entry_categories")
        db.execute("DELETE FROM impact_entries")
        db.execute(
            "INSERT INTO impact_entries (lead_id, text, source, shareable, categories_by_lead, created_at, revision) "
            "VALUES (1, 'new', 'dm', 0, 0, '2026-01-02', 1)"
        )
        assert db.execute("SELECT id FROM impact_entries").fetchall() == [(2,)]


MIGRATED_TABLES = ("impact_entries", "replies", "entry_categories", "deliveries", "diagnostics")
