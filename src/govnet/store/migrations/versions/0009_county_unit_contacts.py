"""unit contacts: the people a unit names for the consolidation (分管负责人, 联系人,
技术负责人, each with a phone), as the policy texts ask each unit to list them

Revision ID: 0009_county_unit_contacts
Revises: 0008_line_contract_terms
Create Date: 2026-12-04 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_county_unit_contacts"
down_revision = "0008_line_contract_terms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("contacts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.drop_column("contacts")
