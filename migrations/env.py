"""Alembic environment: the URL from our settings, the metadata from our models."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context

from bot.config import load_settings
from bot.store.db import make_engine
from bot.store.models import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """Leave alone tables that are not ours (e.g. a scheduler's or an OAuth store's)."""
    if type_ == "table":
        return name in target_metadata.tables
    return True


def render_item(type_: str, obj: Any, _autogen_context: Any) -> str | Literal[False]:
    """Write our UTC timestamp type as a plain timezone-aware DateTime, so revisions do not import bot."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def database_url() -> str:
    """The URL `coach db upgrade` set, else the one in settings."""
    return config.get_main_option("sqlalchemy.url") or load_settings().database_url


def run_migrations_offline() -> None:
    """Emit SQL to stdout without a connection."""
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against a live connection; SQLite needs batch mode for ALTERs."""
    engine = make_engine(database_url())
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                # Batch mode copies a table and drops the old one; with foreign keys on, that drop would cascade to
                # every row referring to it. The pragma only works outside a transaction, so on the raw connection.
                driver = connection.connection.driver_connection
                assert driver is not None
                driver.execute("PRAGMA foreign_keys=OFF")
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                include_name=include_name,
                render_item=render_item,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


mode: Literal["offline", "online"] = "offline" if context.is_offline_mode() else "online"
if mode == "offline":
    run_migrations_offline()
else:
    run_migrations_online()
