"""line contract terms: the notice a carrier must be given before a line is cancelled, and
the contract's early-termination terms, as the ledger (台账) records them

Revision ID: 0008_line_contract_terms
Revises: 0007_plan_allocations
Create Date: 2026-12-04 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_line_contract_terms"
down_revision = "0007_plan_allocations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lines") as batch:
        batch.add_column(sa.Column("notice_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("termination_terms", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lines") as batch:
        batch.drop_column("termination_terms")
        batch.drop_column("notice_days")
