"""classification: campaign and summary of a classify run, verdict details, unit access
classes, findings (breaches and ledger/device mismatches)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("classify_runs") as batch:
        batch.add_column(sa.Column("campaign", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("created_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("summary", sa.JSON(), nullable=True))
    with op.batch_alter_table("classifications") as batch:
        batch.add_column(sa.Column("name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("detail", sa.JSON(), nullable=True))
    with op.batch_alter_table("internet_exits") as batch:
        batch.add_column(sa.Column("circuit_id", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("detail", sa.JSON(), nullable=True))
    op.create_table(
        "unit_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("classify_run_id", sa.Integer(), nullable=False),
        sa.Column("unit_key", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=1), nullable=True),
        sa.Column("own_exit", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["classify_run_id"],
            ["classify_runs.id"],
            name=op.f("fk_unit_access_classify_run_id_classify_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_access")),
        sa.UniqueConstraint(
            "classify_run_id", "unit_key", name=op.f("uq_unit_access_classify_run_id_unit_key")
        ),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("classify_run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("unit_key", sa.String(length=64), nullable=True),
        sa.Column("hostname", sa.String(length=128), nullable=True),
        sa.Column("interface", sa.String(length=100), nullable=True),
        sa.Column("circuit_id", sa.String(length=100), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["classify_run_id"],
            ["classify_runs.id"],
            name=op.f("fk_findings_classify_run_id_classify_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    with op.batch_alter_table("findings") as batch:
        batch.create_index(batch.f("ix_findings_classify_run_id"), ["classify_run_id"])


def downgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.drop_index(batch.f("ix_findings_classify_run_id"))
    op.drop_table("findings")
    op.drop_table("unit_access")
    with op.batch_alter_table("internet_exits") as batch:
        batch.drop_column("detail")
        batch.drop_column("circuit_id")
    with op.batch_alter_table("classifications") as batch:
        batch.drop_column("detail")
        batch.drop_column("name")
    with op.batch_alter_table("classify_runs") as batch:
        batch.drop_column("summary")
        batch.drop_column("created_by")
        batch.drop_column("campaign")
