"""real life

Whether a lead chose their timezone (else it follows Slack's profile), the country whose public holidays they keep,
and absences that come from a Slack status rather than a pause.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild on SQLite), so the ids the AUTOINCREMENT rebuild of 0004 protects stay.
    op.add_column("leads", sa.Column("timezone_chosen", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("leads", sa.Column("holiday_country", sa.String(length=8), nullable=True))
    op.add_column("absences", sa.Column("source", sa.String(length=16), server_default="pause", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("absences", recreate="never") as batch_op:
        batch_op.drop_column("source")
    with op.batch_alter_table("leads", recreate="never") as batch_op:
        batch_op.drop_column("holiday_country")
        batch_op.drop_column("timezone_chosen")
