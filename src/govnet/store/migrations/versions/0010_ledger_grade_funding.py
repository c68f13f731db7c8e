"""ledger lines: security grade (等保/分保), funding source (经费来源) and payer (付费单位); the
far end (对端) may be empty, as many ledgers leave it

Revision ID: 0010_ledger_grade_funding
Revises: 0009_county_unit_contacts
Create Date: 2026-12-04 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_ledger_grade_funding"
down_revision = "0009_county_unit_contacts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lines") as batch:
        batch.add_column(sa.Column("security_grade", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("funding_source", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("payer", sa.String(length=200), nullable=True))
        batch.alter_column("z_end", existing_type=sa.String(length=200), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("lines") as batch:
        batch.alter_column("z_end", existing_type=sa.String(length=200), nullable=False)
        batch.drop_column("payer")
        batch.drop_column("funding_source")
        batch.drop_column("security_grade")
