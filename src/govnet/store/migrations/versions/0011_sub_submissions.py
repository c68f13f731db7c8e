"""county submissions to a province store: one row per county and month, the file's content
whole

Revision ID: 0011_sub_submissions
Revises: 0010_ledger_grade_funding
Create Date: 2026-12-04 14:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_sub_submissions"
down_revision = "0010_ledger_grade_funding"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("county_name", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("checksum", sa.String(length=80), nullable=False),
        sa.Column("made_at", sa.String(length=40), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint("county", "period", name=op.f("uq_submissions_county_period")),
    )
    op.create_index(op.f("ix_submissions_county"), "submissions", ["county"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_submissions_county"), table_name="submissions")
    op.drop_table("submissions")
