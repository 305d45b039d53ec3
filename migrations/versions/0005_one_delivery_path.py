"""one delivery path

Deliveries become the queue every send goes through: acknowledgements, messages, redraws, Home views and exports
wait there (status `queued`) for the courier. Pace slots let every process share a workspace's rate. A person's Home
delivery remembers when they last opened it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 14:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild on SQLite), so the ids the AUTOINCREMENT rebuild of 0004 protects stay.
    op.add_column("deliveries", sa.Column("thread_ts", sa.String(length=32), nullable=True))
    op.add_column("deliveries", sa.Column("subject_id", sa.Integer(), nullable=True))
    op.add_column("deliveries", sa.Column("payload", sa.Text(), nullable=True))
    op.add_column("deliveries", sa.Column("redraw", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("deliveries", sa.Column("next_attempt_at", UTC_DATETIME, nullable=True))
    op.create_index("ix_deliveries_subject_id", "deliveries", ["subject_id"])
    op.create_table(
        "pace_slots",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_pace_slots")),
    )


def downgrade() -> None:
    op.drop_table("pace_slots")
    op.drop_index("ix_deliveries_subject_id", table_name="deliveries")
    with op.batch_alter_table("deliveries", recreate="never") as batch_op:
        for column in ("next_attempt_at", "redraw", "payload", "subject_id", "thread_ts"):
            batch_op.drop_column(column)
