"""the file a county submission was imported from (`govnet submission list` names it)

Revision ID: 0012_province_submission_file
Revises: 0011_sub_submissions
Create Date: 2026-12-04 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_province_submission_file"
down_revision = "0011_sub_submissions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("file_name", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("file_name")
