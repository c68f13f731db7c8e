"""pushes: every `govnet push --commit` to a host, with its backup and result

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pushes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("hostname", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("made_by", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("backup", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_pushes_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pushes")),
    )
    with op.batch_alter_table("pushes") as batch:
        batch.create_index(batch.f("ix_pushes_plan_id"), ["plan_id"], unique=False)
        batch.create_index(batch.f("ix_pushes_hostname"), ["hostname"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pushes") as batch:
        batch.drop_index(batch.f("ix_pushes_hostname"))
        batch.drop_index(batch.f("ix_pushes_plan_id"))
    op.drop_table("pushes")
