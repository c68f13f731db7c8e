"""plan allocations: the values each plan took from the district registry (RD, RT, VLAN per
circuit end, link subnet), held until the plan is cancelled

Revision ID: 0007_plan_allocations
Revises: 0006_real_text_facts
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_plan_allocations"
down_revision = "0006_real_text_facts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=300), nullable=True),
        sa.Column("meaning", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_allocations_plan_id_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_allocations")),
    )
    op.create_index(
        op.f("ix_plan_allocations_plan_id"), "plan_allocations", ["plan_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_plan_allocations_plan_id"), table_name="plan_allocations")
    op.drop_table("plan_allocations")
