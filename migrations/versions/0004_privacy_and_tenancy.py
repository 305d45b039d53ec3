"""privacy and tenancy

- impact_entries.revision: bumped whenever an entry's words change, so sharing is tied to the words the lead saw.
- workspaces.digest_chosen: someone chose a digest channel, or none; COACH_DIGEST_CHANNEL never overrides it.
- workspaces.uninstalled_at: when the app was uninstalled; the workspace's data goes after the retention window.
- SQLite: entries, deliveries and diagnostics never reuse a deleted row's id (AUTOINCREMENT), since buttons in old
  messages carry those ids.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("impact_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest_chosen", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("uninstalled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_workspaces_uninstalled_at"), ["uninstalled_at"], unique=False)
    if op.get_bind().dialect.name == "sqlite":  # PostgreSQL's sequences never reuse an id already
        for table in ("impact_entries", "deliveries", "diagnostics"):
            with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
                pass
    # A workspace whose channel someone set (or turned off) before this revision has chosen.
    op.execute("UPDATE workspaces SET digest_chosen = true WHERE digest_set_by IS NOT NULL")
    # An inactive workspace was uninstalled at some point we never recorded: its window starts now.
    op.execute("UPDATE workspaces SET uninstalled_at = CURRENT_TIMESTAMP WHERE active = false")


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workspaces_uninstalled_at"))
        batch_op.drop_column("uninstalled_at")
        batch_op.drop_column("digest_chosen")
    with op.batch_alter_table("impact_entries", schema=None) as batch_op:
        batch_op.drop_column("revision")
