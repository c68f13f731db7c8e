"""The store's tables, as SQLAlchemy 2 typed models.

Inventory tables (units, devices, lines) hold the latest validated inventory; a row that
leaves the inventory is marked retired, never deleted, so history that names it still
resolves. Survey runs and everything under them are append-only snapshots.
Every change here needs an Alembic migration (``store/migrations/versions``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        dt.datetime: DateTime(timezone=True),
        Decimal: Numeric(14, 2),
    }


# --- reference data -----------------------------------------------------------------


class DivisionRow(Base):
    """Imported divisions (villages/communities); the bundled levels are not copied here."""

    __tablename__ = "divisions"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(String(12), index=True)
    source: Mapped[str] = mapped_column(String(200))


# --- inventory (latest validated state) ------------------------------------------------


class InventoryLoad(Base):
    __tablename__ = "inventory_loads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64))
    units: Mapped[int] = mapped_column(Integer)
    devices: Mapped[int] = mapped_column(Integer)
    lines: Mapped[int] = mapped_column(Integer)


class InventoryRow:
    """Columns every inventory table has: when it last changed, and when it left."""

    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[dt.datetime | None]


class UnitRow(InventoryRow, Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    division_code: Mapped[str] = mapped_column(String(12), index=True)
    parent_key: Mapped[str | None] = mapped_column(String(64))
    classified: Mapped[bool] = mapped_column(Boolean)
    # [{"role": "leader", "name": ..., "phone": ...}]: the people the unit names (None: none)
    contacts: Mapped[list[Any] | None]


class DeviceRow(InventoryRow, Base):
    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hostname: Mapped[str] = mapped_column(String(128), unique=True)
    address: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    platform: Mapped[str] = mapped_column(String(32))
    unit_key: Mapped[str] = mapped_column(String(64), index=True)
    division_code: Mapped[str] = mapped_column(String(12))
    site: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))


class LineRow(InventoryRow, Base):
    """A dedicated line from the ledger (台账)."""

    __tablename__ = "lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circuit_id: Mapped[str] = mapped_column(String(100), unique=True)
    unit_key: Mapped[str] = mapped_column(String(64), index=True)
    network: Mapped[str] = mapped_column(String(200))
    carrier: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    bandwidth_mbps: Mapped[float | None] = mapped_column(Float)
    monthly_fee: Mapped[Decimal | None]
    annual_fee: Mapped[Decimal | None]
    contract_start: Mapped[dt.date | None] = mapped_column(Date)
    contract_end: Mapped[dt.date | None] = mapped_column(Date)
    notice_days: Mapped[int | None] = mapped_column(Integer)
    termination_terms: Mapped[str | None] = mapped_column(Text)
    classified: Mapped[bool | None] = mapped_column(Boolean)
    security_grade: Mapped[str | None] = mapped_column(String(16))
    funding_source: Mapped[str | None] = mapped_column(String(200))
    payer: Mapped[str | None] = mapped_column(String(200))
    a_device: Mapped[str | None] = mapped_column(String(128))
    a_interface: Mapped[str | None] = mapped_column(String(100))
    z_end: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)


# --- survey snapshots (append-only) ----------------------------------------------------


class SurveyRun(Base):
    __tablename__ = "survey_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign: Mapped[str | None] = mapped_column(String(100), index=True)
    shard: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(500))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_by: Mapped[str] = mapped_column(String(100))
    inventory_load_id: Mapped[int | None] = mapped_column(ForeignKey("inventory_loads.id"))
    # who runs it, so a run whose process died (kill -9) can be found and marked incomplete
    machine: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)
    hosts: Mapped[list[HostResult]] = relationship(back_populates="run")


class HostResult(Base):
    __tablename__ = "host_results"
    __table_args__ = (UniqueConstraint("run_id", "hostname"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("survey_runs.id"), index=True)
    hostname: Mapped[str] = mapped_column(String(128))
    platform: Mapped[str | None] = mapped_column(String(32))
    unit_key: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    error_category: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    duration_s: Mapped[float | None] = mapped_column(Float)
    # lines of the outputs the parsers did not understand; None: not counted
    unparsed_lines: Mapped[int | None] = mapped_column(Integer)
    run: Mapped[SurveyRun] = relationship(back_populates="hosts")


class RawOutput(Base):
    __tablename__ = "raw_outputs"
    __table_args__ = (UniqueConstraint("host_result_id", "command"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host_result_id: Mapped[int] = mapped_column(ForeignKey("host_results.id"), index=True)
    command: Mapped[str] = mapped_column(String(255))
    output: Mapped[str] = mapped_column(Text)
    encoding: Mapped[str | None] = mapped_column(String(16))  # how the bytes were decoded
    collected_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class _FactMixin:
    """Every fact names the host result it belongs to and the raw output it came from."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host_result_id: Mapped[int] = mapped_column(ForeignKey("host_results.id"), index=True)
    raw_output_id: Mapped[int | None] = mapped_column(ForeignKey("raw_outputs.id"))


class DeviceFact(_FactMixin, Base):
    __tablename__ = "device_facts"
    vendor: Mapped[str | None] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(100))
    os_version: Mapped[str | None] = mapped_column(String(200))
    serial: Mapped[str | None] = mapped_column(String(100))
    uptime_s: Mapped[int | None] = mapped_column(BigInteger)
    hostname: Mapped[str | None] = mapped_column(String(128))  # the device's own sysname
    local_as: Mapped[int | None] = mapped_column(BigInteger)  # 4-byte AS numbers
    router_id: Mapped[str | None] = mapped_column(String(45))
    # topics the collector could not read, comma-separated (HostFacts.not_collected)
    not_collected: Mapped[str | None] = mapped_column(String(200))


class InterfaceFact(_FactMixin, Base):
    __tablename__ = "interfaces"
    name: Mapped[str] = mapped_column(String(100))
    canonical_name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500))
    admin_up: Mapped[bool | None] = mapped_column(Boolean)
    oper_up: Mapped[bool | None] = mapped_column(Boolean)
    kind: Mapped[str | None] = mapped_column(String(16))
    parent: Mapped[str | None] = mapped_column(String(100))
    vpn_instance: Mapped[str | None] = mapped_column(String(100))
    vlan: Mapped[int | None] = mapped_column(Integer)  # the dot1q VLAN a sub-interface ends
    addresses: Mapped[list[AddressFact]] = relationship(back_populates="interface")


class AddressFact(Base):
    __tablename__ = "interface_addresses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    interface_id: Mapped[int] = mapped_column(ForeignKey("interfaces.id"), index=True)
    family: Mapped[int] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(String(45))
    prefix_length: Mapped[int | None] = mapped_column(Integer)  # None: the text gave no mask
    interface: Mapped[InterfaceFact] = relationship(back_populates="addresses")


class VpnInstanceFact(_FactMixin, Base):
    __tablename__ = "vpn_instances"
    name: Mapped[str] = mapped_column(String(100))
    route_distinguisher: Mapped[str | None] = mapped_column(String(64))
    import_targets: Mapped[list[Any]] = mapped_column(default=list)
    export_targets: Mapped[list[Any]] = mapped_column(default=list)
    description: Mapped[str | None] = mapped_column(String(500))


class RouteFact(_FactMixin, Base):
    __tablename__ = "routes"
    vpn_instance: Mapped[str | None] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(49))
    protocol: Mapped[str] = mapped_column(String(16))
    next_hops: Mapped[list[Any]] = mapped_column(default=list)
    interface: Mapped[str | None] = mapped_column(String(100))
    preference: Mapped[int | None] = mapped_column(Integer)
    configured: Mapped[bool | None] = mapped_column(Boolean)  # a configuration line states it
    active: Mapped[bool | None] = mapped_column(Boolean)  # a routing table shows it
    next_hop_vpn: Mapped[str | None] = mapped_column(String(100))  # "_public_": global table


class NeighbourFact(_FactMixin, Base):
    __tablename__ = "neighbours"
    protocol: Mapped[str] = mapped_column(String(8))
    peer: Mapped[str] = mapped_column(String(255))
    remote_as: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str | None] = mapped_column(String(32))
    interface: Mapped[str | None] = mapped_column(String(100))
    vpn_instance: Mapped[str | None] = mapped_column(String(100))
    remote_interface: Mapped[str | None] = mapped_column(String(100))
    router_id: Mapped[str | None] = mapped_column(String(45))


class NatFact(_FactMixin, Base):
    __tablename__ = "nat_rules"
    kind: Mapped[str] = mapped_column(String(16))
    interface: Mapped[str | None] = mapped_column(String(100))
    acl: Mapped[str | None] = mapped_column(String(64))
    pool: Mapped[str | None] = mapped_column(String(64))
    addresses: Mapped[list[Any]] = mapped_column(default=list)


class ArpFact(_FactMixin, Base):
    __tablename__ = "arp_entries"
    address: Mapped[str] = mapped_column(String(45))
    mac: Mapped[str | None] = mapped_column(String(32))  # "00e0-fc12-3456"
    interface: Mapped[str | None] = mapped_column(String(100))
    vpn_instance: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str | None] = mapped_column(String(16))  # dynamic, static, interface


class OspfFact(_FactMixin, Base):
    __tablename__ = "ospf_areas"
    area: Mapped[str] = mapped_column(String(15))  # "0.0.0.0"
    process: Mapped[int | None] = mapped_column(Integer)
    prefix: Mapped[str | None] = mapped_column(String(49))  # network statement, a.b.c.d/len
    interface: Mapped[str | None] = mapped_column(String(100))
    vpn_instance: Mapped[str | None] = mapped_column(String(100))


# --- judgements (each tied to the snapshot it was computed from) -------------------------


class ClassifyRun(Base):
    __tablename__ = "classify_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_run_id: Mapped[int | None] = mapped_column(ForeignKey("survey_runs.id"), index=True)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    policy_digest: Mapped[str] = mapped_column(String(64))
    campaign: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[dict[str, Any] | None] = mapped_column()


class Classification(Base):
    __tablename__ = "classifications"
    __table_args__ = (UniqueConstraint("classify_run_id", "subject_kind", "subject_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    classify_run_id: Mapped[int] = mapped_column(ForeignKey("classify_runs.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_key: Mapped[str] = mapped_column(String(255))
    unit_key: Mapped[str | None] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str | None] = mapped_column(String(100))
    confidence: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    name: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any] | None] = mapped_column()


class InternetExit(Base):
    __tablename__ = "internet_exits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    classify_run_id: Mapped[int] = mapped_column(ForeignKey("classify_runs.id"), index=True)
    unit_key: Mapped[str | None] = mapped_column(String(64), index=True)
    hostname: Mapped[str | None] = mapped_column(String(128))
    interface: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    own_exit: Mapped[bool] = mapped_column(Boolean)
    access_category: Mapped[str | None] = mapped_column(String(1))
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    circuit_id: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[dict[str, Any] | None] = mapped_column()


class UnitAccessRow(Base):
    """A unit's access class (A-F) in one classification."""

    __tablename__ = "unit_access"
    __table_args__ = (UniqueConstraint("classify_run_id", "unit_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    classify_run_id: Mapped[int] = mapped_column(ForeignKey("classify_runs.id"))
    unit_key: Mapped[str] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(1))
    own_exit: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[dict[str, Any]] = mapped_column()


class FindingRow(Base):
    """A breach (critical) or a ledger/device mismatch found by one classification."""

    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    classify_run_id: Mapped[int] = mapped_column(ForeignKey("classify_runs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    unit_key: Mapped[str | None] = mapped_column(String(64))
    hostname: Mapped[str | None] = mapped_column(String(128))
    interface: Mapped[str | None] = mapped_column(String(100))
    circuit_id: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column()


class Plan(Base):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_key: Mapped[str] = mapped_column(String(64), index=True)
    classify_run_id: Mapped[int | None] = mapped_column(ForeignKey("classify_runs.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(500))
    digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PlanAllocation(Base):
    """One value a plan took from the district registry (RD, RT, VLAN on one end of a
    circuit, link subnet): held against every later plan until the plan is cancelled."""

    __tablename__ = "plan_allocations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # rd, rt, vlan, link, session
    value: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str | None] = mapped_column(String(300))  # VLAN: host:port; session: the PE
    meaning: Mapped[str | None] = mapped_column(String(128))  # RD/RT: the VPN; session: build/use


class Push(Base):
    """One ``govnet push --commit`` to one host: who, when, which plan, the running
    configuration before (the backup) and after, and how it ended. Written when the push
    starts (result ``running``), so an interrupted push still shows."""

    __tablename__ = "pushes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    hostname: Mapped[str] = mapped_column(String(128), index=True)
    action: Mapped[str] = mapped_column(String(16))  # apply, rollback, recover
    made_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    result: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text)
    backup: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    holder: Mapped[str | None] = mapped_column(String(200))  # user@machine pid N
    typed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # lines sent


class DeviceLock(Base):
    """The lease one push, rollback or recovery holds on a device while it runs: one writer
    per device, across processes and machines. Renewed while the push runs; a lease past
    ``expires_at``, or whose process is gone on its machine, is stale and may be taken."""

    __tablename__ = "device_locks"
    hostname: Mapped[str] = mapped_column(String(128), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    machine: Mapped[str] = mapped_column(String(128))
    pid: Mapped[int] = mapped_column(Integer)
    push_id: Mapped[int | None] = mapped_column(Integer)
    acquired_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()


# --- county submissions (a province store) ------------------------------------------------


class SubmissionRow(Base):
    """A county's submission for one month (``govnet submission import``): the file's content
    as it came, whole, so the province's roll-up reads what the county sent."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("county", "period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    county_name: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    version: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(80))
    made_at: Mapped[str] = mapped_column(String(40))  # as the file says (ISO, UTC)
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(100))
    content: Mapped[dict[str, Any]] = mapped_column()
    file_name: Mapped[str | None] = mapped_column(String(300))  # imported from (its name)
