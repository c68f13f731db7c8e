"""What a classification says: a verdict (target, rule, evidence) for every line and
business network, every unit's access class and exits, isolation breaches, and the
ledger/device mismatches found on the way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govnet.model.policy import SubjectKind, Target


@dataclass(frozen=True)
class Evidence:
    """One fact a verdict rests on, with where it came from."""

    source: str  # ledger, inventory, interfaces, routes, nat, neighbours, survey
    text: str
    host: str | None = None
    interface: str | None = None
    circuit_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Verdict:
    """The target of one line or one business network, and why."""

    kind: SubjectKind
    key: str
    unit: str
    name: str
    system: str | None
    target: Target
    rule: str
    reason: str
    confidence: float
    signals: dict[str, Any]
    evidence: list[Evidence]
    circuits: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    interfaces: list[str] = field(default_factory=list)
    vpn_instance: str | None = None
    document: str | None = None  # the approving document of an exception
    tried: list[tuple[str, str]] = field(default_factory=list)  # earlier rules, why not
    host: str | None = None  # lines: where it ends on a device
    interface: str | None = None
    network: str | None = None  # lines: the network id it belongs to (None: a breach)

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k not in ("evidence", "tried")}
        data["kind"], data["target"] = self.kind.value, self.target.value
        data["evidence"] = [e.to_dict() for e in self.evidence]
        data["tried"] = [list(t) for t in self.tried]
        return data


@dataclass
class Exit:
    """One internet path of a unit that does (own) or does not bypass the internet zone."""

    unit: str
    host: str | None
    interface: str | None
    kind: str  # the strongest sign: nat_outbound, easy_ip, default_route, public_address, ...
    own_exit: bool
    signs: list[str]  # every sign seen, or ["ledger"] when only the ledger knows it
    circuit_id: str | None = None
    carrier: str | None = None
    bandwidth_mbps: float | None = None
    monthly_fee: float | None = None
    annual_fee: float | None = None
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "evidence"}
        data["evidence"] = [e.to_dict() for e in self.evidence]
        return data


@dataclass
class UnitAccess:
    """A unit's access class A-F (DB34/T 3607-2020, DOMAIN.md §4) and its exits."""

    unit: str
    name: str
    category: str | None  # None: the unit reaches no extranet
    own_exit: bool
    public: bool
    dedicated: bool
    unified: bool
    exits: list[Exit]
    evidence: list[Evidence] = field(default_factory=list)
    # how its extranet access is known: "survey" (a surveyed device shows a live line),
    # "ledger" (only the ledger lists one), None (no access)
    connected_by: str | None = None

    @property
    def compliant(self) -> bool:
        return not self.own_exit

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k not in ("exits", "evidence")}
        data["compliant"] = self.compliant
        data["exits"] = [e.to_dict() for e in self.exits]
        data["evidence"] = [e.to_dict() for e in self.evidence]
        return data


@dataclass
class Breach:
    """A device touching the classified network and anything else: critical, listed first."""

    host: str
    unit: str
    touches: list[str]  # network names
    interfaces: list[str]  # "host:interface"
    evidence: list[Evidence]
    severity: str = "critical"

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "evidence"}
        data["evidence"] = [e.to_dict() for e in self.evidence]
        return data


@dataclass(frozen=True)
class Finding:
    """A ledger/device mismatch or a gap in the evidence, reported, never merged silently."""

    kind: str  # ledger_only, device_only, not_surveyed
    unit: str
    text: str
    circuit_id: str | None = None
    host: str | None = None
    interface: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Classification:
    breaches: list[Breach]
    lines: list[Verdict]
    networks: list[Verdict]
    units: list[UnitAccess]
    findings: list[Finding]
    survey_run_id: int | None = None
    campaign: str | None = None

    @property
    def exits(self) -> list[Exit]:
        return [e for u in self.units for e in u.exits]


@dataclass(frozen=True)
class StoredClassification:
    classify_run_id: int
    result: Classification

    @property
    def lines(self) -> list[Verdict]:
        return self.result.lines

    @property
    def networks(self) -> list[Verdict]:
        return self.result.networks

    @property
    def units(self) -> list[UnitAccess]:
        return self.result.units

    @property
    def breaches(self) -> list[Breach]:
        return self.result.breaches
