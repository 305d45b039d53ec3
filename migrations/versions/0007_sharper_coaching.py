"""sharper coaching

An entry's "about how long?", the audiences a lead said prompts may assume (former peers, AI tools), the focus of
their last scorecard (prompt choice leans to it), and the filing memory a lead's corrections teach.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 16:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "filing_memory",
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_filing_memory_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("lead_id", "word", "category", name=op.f("pk_filing_memory")),
    )
    # Plain ADD COLUMN (no table rebuild on SQLite), so the ids the AUTOINCREMENT rebuild of 0004 protects stay.
    op.add_column("impact_entries", sa.Column("minutes", sa.Integer(), nullable=True))
    op.add_column("leads", sa.Column("audiences", sa.String(length=64), server_default="", nullable=False))
    op.add_column("leads", sa.Column("focus", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("leads", recreate="never") as batch_op:
        batch_op.drop_column("focus")
        batch_op.drop_column("audiences")
    with op.batch_alter_table("impact_entries", recreate="never") as batch_op:
        batch_op.drop_column("minutes")
    op.drop_table("filing_memory")
