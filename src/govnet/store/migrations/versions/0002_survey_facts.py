"""survey facts: decoding of raw outputs, the device's own name, neighbour details, run owner

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("survey_runs") as batch:
        batch.add_column(sa.Column("machine", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("pid", sa.Integer(), nullable=True))
    with op.batch_alter_table("raw_outputs") as batch:
        batch.add_column(sa.Column("encoding", sa.String(length=16), nullable=True))
    with op.batch_alter_table("device_facts") as batch:
        batch.add_column(sa.Column("hostname", sa.String(length=128), nullable=True))
    with op.batch_alter_table("vpn_instances") as batch:
        batch.add_column(sa.Column("description", sa.String(length=500), nullable=True))
    with op.batch_alter_table("neighbours") as batch:
        batch.add_column(sa.Column("remote_interface", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("router_id", sa.String(length=45), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("neighbours") as batch:
        batch.drop_column("router_id")
        batch.drop_column("remote_interface")
    with op.batch_alter_table("vpn_instances") as batch:
        batch.drop_column("description")
    with op.batch_alter_table("device_facts") as batch:
        batch.drop_column("hostname")
    with op.batch_alter_table("raw_outputs") as batch:
        batch.drop_column("encoding")
    with op.batch_alter_table("survey_runs") as batch:
        batch.drop_column("pid")
        batch.drop_column("machine")
