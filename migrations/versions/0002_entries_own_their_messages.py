"""entries own their messages

An impact entry is what a lead sees and counts; the DM messages that make it up are replies under it (so an edit
or a deletion of one message lands), and it remembers the prompt it answers and our acknowledgement message.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 19:13:57.741469
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nothing wrote replies before this revision; clearing makes the NOT NULL entry_id safe on any database.
    op.execute("DELETE FROM replies")
    with op.batch_alter_table("impact_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ack_channel", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("ack_ts", sa.String(length=32), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_impact_entries_reply_id"), type_="unique")
        batch_op.create_index(batch_op.f("ix_impact_entries_delivery_id"), ["delivery_id"], unique=False)
        batch_op.drop_constraint(batch_op.f("fk_impact_entries_reply_id_replies"), type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_impact_entries_delivery_id_deliveries"),
            "deliveries",
            ["delivery_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.drop_column("reply_id")

    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entry_id", sa.Integer(), nullable=False))
        batch_op.alter_column("channel", existing_type=sa.VARCHAR(length=32), nullable=False)
        batch_op.alter_column("message_ts", existing_type=sa.VARCHAR(length=32), nullable=False)
        batch_op.drop_index(batch_op.f("ix_replies_delivery_id"))
        batch_op.drop_index(batch_op.f("ix_replies_lead_id_created_at"))
        batch_op.create_index(batch_op.f("ix_replies_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_replies_lead_id"), ["lead_id"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_replies_channel_message_ts"), ["channel", "message_ts"])
        batch_op.drop_constraint(batch_op.f("fk_replies_delivery_id_deliveries"), type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_replies_entry_id_impact_entries"), "impact_entries", ["entry_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.drop_column("shareable")
        batch_op.drop_column("delivery_id")


def downgrade() -> None:
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_id", sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column("shareable", sa.BOOLEAN(), nullable=False, server_default=sa.false()))
        batch_op.drop_constraint(batch_op.f("fk_replies_entry_id_impact_entries"), type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_replies_delivery_id_deliveries"), "deliveries", ["delivery_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.drop_constraint(batch_op.f("uq_replies_channel_message_ts"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_replies_lead_id"))
        batch_op.drop_index(batch_op.f("ix_replies_entry_id"))
        batch_op.create_index(batch_op.f("ix_replies_lead_id_created_at"), ["lead_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_replies_delivery_id"), ["delivery_id"], unique=False)
        batch_op.alter_column("message_ts", existing_type=sa.VARCHAR(length=32), nullable=True)
        batch_op.alter_column("channel", existing_type=sa.VARCHAR(length=32), nullable=True)
        batch_op.drop_column("entry_id")

    with op.batch_alter_table("impact_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_id", sa.INTEGER(), nullable=True))
        batch_op.drop_constraint(batch_op.f("fk_impact_entries_delivery_id_deliveries"), type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_impact_entries_reply_id_replies"), "replies", ["reply_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.drop_index(batch_op.f("ix_impact_entries_delivery_id"))
        batch_op.create_unique_constraint(batch_op.f("uq_impact_entries_reply_id"), ["reply_id"])
        batch_op.drop_column("ack_ts")
        batch_op.drop_column("ack_channel")
        batch_op.drop_column("delivery_id")
