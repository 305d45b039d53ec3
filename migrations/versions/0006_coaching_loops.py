"""coaching loops

Hand-offs, decisions, absences and the quarter's single-owner areas: what the coach asks about later, and the answers.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 16:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("expected", sa.Text(), nullable=True),
        sa.Column("asked_on", sa.Date(), nullable=True),
        sa.Column("waited", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name=op.f("fk_absences_lead_id_leads"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absences")),
        sa.UniqueConstraint("lead_id", "first_day", name=op.f("uq_absences_lead_id_first_day")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_absences_lead_id"), "absences", ["lead_id"], unique=False)

    op.create_table(
        "area_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=8), nullable=False),
        sa.Column("asked_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_area_reviews_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area_reviews")),
        sa.UniqueConstraint("lead_id", "quarter", name=op.f("uq_area_reviews_lead_id_quarter")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_area_reviews_lead_id"), "area_reviews", ["lead_id"], unique=False)

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=True),
        sa.Column("owner_name", sa.String(length=255), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("assumption", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=16), nullable=True),
        sa.Column("disagreed", sa.Boolean(), nullable=False),
        sa.Column("asks", sa.Integer(), nullable=False),
        sa.Column("next_ask_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("check_on", sa.Date(), nullable=True),
        sa.Column("assumption_held", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name=op.f("fk_decisions_lead_id_leads"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_decisions_check_on"), "decisions", ["check_on"], unique=False)
    op.create_index(op.f("ix_decisions_lead_id"), "decisions", ["lead_id"], unique=False)
    op.create_index(op.f("ix_decisions_next_ask_on"), "decisions", ["next_ask_on"], unique=False)

    op.create_table(
        "solo_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("shared_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_solo_areas_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["review_id"], ["area_reviews.id"], name=op.f("fk_solo_areas_review_id_area_reviews"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_solo_areas")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_solo_areas_lead_id"), "solo_areas", ["lead_id"], unique=False)
    op.create_index(op.f("ix_solo_areas_review_id"), "solo_areas", ["review_id"], unique=False)

    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("delegate", sa.String(length=32), nullable=False),
        sa.Column("delegate_name", sa.String(length=255), nullable=True),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("done_when", sa.Text(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("diagnostic_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("asks", sa.Integer(), nullable=False),
        sa.Column("next_ask_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["diagnostic_id"],
            ["diagnostics.id"],
            name=op.f("fk_handoffs_diagnostic_id_diagnostics"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["impact_entries.id"], name=op.f("fk_handoffs_entry_id_impact_entries"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name=op.f("fk_handoffs_lead_id_leads"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
        sa.UniqueConstraint("diagnostic_id", name=op.f("uq_handoffs_diagnostic_id")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_handoffs_entry_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_handoffs_lead_id"), "handoffs", ["lead_id"], unique=False)
    op.create_index(op.f("ix_handoffs_next_ask_on"), "handoffs", ["next_ask_on"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_handoffs_next_ask_on"), table_name="handoffs")
    op.drop_index(op.f("ix_handoffs_lead_id"), table_name="handoffs")

    op.drop_table("handoffs")
    op.drop_index(op.f("ix_solo_areas_review_id"), table_name="solo_areas")
    op.drop_index(op.f("ix_solo_areas_lead_id"), table_name="solo_areas")

    op.drop_table("solo_areas")
    op.drop_index(op.f("ix_decisions_next_ask_on"), table_name="decisions")
    op.drop_index(op.f("ix_decisions_lead_id"), table_name="decisions")
    op.drop_index(op.f("ix_decisions_check_on"), table_name="decisions")

    op.drop_table("decisions")
    op.drop_index(op.f("ix_area_reviews_lead_id"), table_name="area_reviews")

    op.drop_table("area_reviews")
    op.drop_index(op.f("ix_absences_lead_id"), table_name="absences")

    op.drop_table("absences")
