"""What a classification reads: one snapshot of the inventory, the ledger and what the
survey read from each device (the store builds it; the lab builds one from its model)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from govnet.model.facts import HostFacts

CORE_ROLE = "core"  # a router of the unit that runs the level's extranet node (its PE)


@dataclass(frozen=True)
class UnitRecord:
    key: str
    name: str
    kind: str
    division_code: str
    classified: bool = False
    # (role, name, phone) of each person the unit names: leader, contact, technical
    contacts: tuple[tuple[str, str, str | None], ...] = ()


@dataclass(frozen=True)
class HostRecord:
    """One inventory device (or one surveyed host the inventory lacks) and what was read."""

    hostname: str
    unit: str | None
    role: str | None = None
    platform: str | None = None
    status: str | None = None  # ok, partial, failed; None: not in this snapshot
    facts: HostFacts | None = None
    message: str | None = None

    @property
    def has_facts(self) -> bool:
        return self.facts is not None and self.status in ("ok", "partial")


@dataclass(frozen=True)
class LedgerLine:
    circuit_id: str
    unit: str
    network: str
    carrier: str
    kind: str
    classified: bool | None = None
    a_device: str | None = None
    a_interface: str | None = None
    bandwidth_mbps: float | None = None
    monthly_fee: float | None = None
    annual_fee: float | None = None
    contract_start: dt.date | None = None
    contract_end: dt.date | None = None
    notice_days: int | None = None  # days before cancelling that the carrier must be told
    termination_terms: str | None = None  # what ending the contract early costs
    z_end: str | None = None  # the far end, as the ledger names it

    @property
    def yearly_fee(self) -> float | None:
        if self.annual_fee is not None:
            return self.annual_fee
        return None if self.monthly_fee is None else self.monthly_fee * 12


@dataclass(frozen=True)
class Snapshot:
    units: Sequence[UnitRecord]
    hosts: Sequence[HostRecord]
    lines: Sequence[LedgerLine]
    survey_run_id: int | None = None
    campaign: str | None = None
    interface_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
