"""real text facts: local AS and router ID, sub-interface VLAN, addresses without a mask,
route preference / configured / active / next hop VPN, ARP entries, OSPF areas, and each
host's lines not understood

Revision ID: 0006_real_text_facts
Revises: 0005_push_journal
Create Date: 2026-12-03 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_real_text_facts"
down_revision = "0005_push_journal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("host_results") as batch:
        batch.add_column(sa.Column("unparsed_lines", sa.Integer(), nullable=True))
    with op.batch_alter_table("device_facts") as batch:
        batch.add_column(sa.Column("local_as", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("router_id", sa.String(length=45), nullable=True))
    with op.batch_alter_table("interfaces") as batch:
        batch.add_column(sa.Column("vlan", sa.Integer(), nullable=True))
    with op.batch_alter_table("interface_addresses") as batch:
        batch.alter_column("prefix_length", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("routes") as batch:
        batch.add_column(sa.Column("preference", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("configured", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("next_hop_vpn", sa.String(length=100), nullable=True))
    op.create_table(
        "arp_entries",
        sa.Column("address", sa.String(length=45), nullable=False),
        sa.Column("mac", sa.String(length=32), nullable=True),
        sa.Column("interface", sa.String(length=100), nullable=True),
        sa.Column("vpn_instance", sa.String(length=100), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host_result_id", sa.Integer(), nullable=False),
        sa.Column("raw_output_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["host_result_id"],
            ["host_results.id"],
            name=op.f("fk_arp_entries_host_result_id_host_results"),
        ),
        sa.ForeignKeyConstraint(
            ["raw_output_id"],
            ["raw_outputs.id"],
            name=op.f("fk_arp_entries_raw_output_id_raw_outputs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arp_entries")),
    )
    with op.batch_alter_table("arp_entries") as batch:
        batch.create_index(
            batch.f("ix_arp_entries_host_result_id"), ["host_result_id"], unique=False
        )
    op.create_table(
        "ospf_areas",
        sa.Column("area", sa.String(length=15), nullable=False),
        sa.Column("process", sa.Integer(), nullable=True),
        sa.Column("prefix", sa.String(length=49), nullable=True),
        sa.Column("interface", sa.String(length=100), nullable=True),
        sa.Column("vpn_instance", sa.String(length=100), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host_result_id", sa.Integer(), nullable=False),
        sa.Column("raw_output_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["host_result_id"],
            ["host_results.id"],
            name=op.f("fk_ospf_areas_host_result_id_host_results"),
        ),
        sa.ForeignKeyConstraint(
            ["raw_output_id"],
            ["raw_outputs.id"],
            name=op.f("fk_ospf_areas_raw_output_id_raw_outputs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ospf_areas")),
    )
    with op.batch_alter_table("ospf_areas") as batch:
        batch.create_index(
            batch.f("ix_ospf_areas_host_result_id"), ["host_result_id"], unique=False
        )


def downgrade() -> None:
    """Back to 0005. What that schema cannot hold is lost: the ARP entries, the OSPF areas,
    the new columns,
    and the addresses stored without a mask (0005 requires a prefix length; inventing one
    would be a fact no device stated)."""
    with op.batch_alter_table("ospf_areas") as batch:
        batch.drop_index(batch.f("ix_ospf_areas_host_result_id"))
    op.drop_table("ospf_areas")
    with op.batch_alter_table("arp_entries") as batch:
        batch.drop_index(batch.f("ix_arp_entries_host_result_id"))
    op.drop_table("arp_entries")
    with op.batch_alter_table("routes") as batch:
        batch.drop_column("next_hop_vpn")
        batch.drop_column("active")
        batch.drop_column("configured")
        batch.drop_column("preference")
    op.execute(sa.text("DELETE FROM interface_addresses WHERE prefix_length IS NULL"))
    with op.batch_alter_table("interface_addresses") as batch:
        batch.alter_column("prefix_length", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("interfaces") as batch:
        batch.drop_column("vlan")
    with op.batch_alter_table("device_facts") as batch:
        batch.drop_column("router_id")
        batch.drop_column("local_as")
    with op.batch_alter_table("host_results") as batch:
        batch.drop_column("unparsed_lines")
