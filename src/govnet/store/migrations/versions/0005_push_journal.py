"""push journal: who holds each push (holder, lines typed so far) and the per-device lease

Revision ID: 0005_push_journal
Revises: 0004
Create Date: 2026-12-03 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_push_journal"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pushes") as batch:
        batch.add_column(sa.Column("holder", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("typed", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "device_locks",
        sa.Column("hostname", sa.String(length=128), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("machine", sa.String(length=128), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("push_id", sa.Integer(), nullable=True),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("hostname", name=op.f("pk_device_locks")),
    )


def downgrade() -> None:
    op.drop_table("device_locks")
    with op.batch_alter_table("pushes") as batch:
        batch.drop_column("typed")
        batch.drop_column("holder")
