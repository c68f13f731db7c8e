"""topics a collector could not read (a NAPALM driver without the getter): kept per host

Revision ID: 0013_napalmpath_not_collected
Revises: 0012_province_submission_file
Create Date: 2026-12-04 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_napalmpath_not_collected"
down_revision = "0012_province_submission_file"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("device_facts") as batch:
        batch.add_column(sa.Column("not_collected", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("device_facts") as batch:
        batch.drop_column("not_collected")
