"""digest remembers who set the channel

Who to tell when the digest channel cannot be posted to (the bot was removed, or never invited).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 19:46:33.899089
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest_set_by", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("digest_set_by")
