"""The generated district (devices + ground truth) and its JSON form.

The lab server, the tests and later features all read the district from one JSON file, so
its form must round-trip exactly: IPv4 values are written as strings, enums as their
values, sets as sorted lists, and every dataclass field is written (no defaults implied).
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from enum import Enum
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path
from typing import Any

from govnet.model.files import write_atomically
from govnet_lab.model import Device, Link, Server

FORMAT_VERSION = 1

# Targets a network or line can have (DOMAIN.md §3).
TARGETS = (
    "intranet",
    "extranet_dedicated_vpn",
    "extranet_public",
    "extranet_internet",
    "retain_national",
    "retain_exception",
    "decommission",
    "review",
)
EXIT_KINDS = ("nat_outbound", "easy_ip", "default_route", "public_address", "cellular", "broadband")
CATEGORIES = ("A", "B", "C", "D", "E", "F")


@dataclass
class NetworkTruth:
    """One business network of one unit and where it must go."""

    id: str
    unit: str
    name: str
    system: str | None  # vertical catalogue name (金税, 公安信息网, ...) or None
    devices: list[str]
    interfaces: list[str]  # "host:interface"
    vpn_instance: str | None
    circuits: list[str]
    target: str
    reason: str


@dataclass
class LineTruth:
    """One ledger line or one device-only line, and whether ledger and devices agree."""

    circuit_id: str | None
    unit: str
    network: str
    host: str | None
    interface: str | None
    target: str
    in_ledger: bool
    on_device: bool
    zombie: bool
    reason: str


@dataclass
class ExitTruth:
    host: str | None
    interface: str | None
    kind: str  # one of EXIT_KINDS: the strongest sign (NAT kind on a device)
    own_exit: bool  # True when the path bypasses the extranet internet zone
    evidence: list[str]  # every sign: nat_outbound/easy_ip, default_route, public_address...
    circuit_id: str | None


@dataclass
class UnitExitsTruth:
    unit: str
    category: str | None  # A-F (DB34/T 3607-2020); None when the unit reaches no extranet
    own_exit: bool
    exits: list[ExitTruth]


@dataclass
class BreachTruth:
    host: str
    unit: str
    touches: list[str]  # network names the device reaches
    interfaces: list[str]
    severity: str = "critical"


@dataclass
class TownTruth:
    code: str
    name: str
    covered: bool
    units: list[str]


@dataclass
class Disagreement:
    """A deliberate ledger/device mismatch the survey should find."""

    kind: str  # "ledger_only" (no device shows it) or "device_only" (not in the ledger)
    circuit_id: str | None
    unit: str
    host: str | None
    interface: str | None


@dataclass
class FlowTruth:
    """Traffic a unit's business needs (or must never have), and whether it works now.

    ``works`` is what the generator built: it differs from ``must_work`` only where the
    district has a deliberate fault of design (the isolation breach) or a fault of the data
    plane breaks it (``--faults``, :class:`DataplaneFaultTruth`). The flow is the terminals
    behind gateway address ``source`` (on ``host``, the unit's router, in its
    ``vpn_instance``) reaching ``destination``; ``path`` is the routers it crosses as built,
    ``host`` first. The lab sends it from whichever router owns ``source`` on an up interface
    now, in that interface's table (``host`` while it still does: both up is the moment
    before a move, on two VLANs of the LAN), so a cutover that moves the gateway into a VPN
    on another router of the LAN and shuts the old one moves the flow with it.
    """

    id: str
    unit: str
    kind: str  # extranet_public | extranet_dedicated | internet | vertical | isolation
    host: str
    vpn_instance: str | None
    source: str  # address
    destination: str  # address
    destination_name: str
    must_work: bool
    works: bool
    path: list[str]
    reason: str


@dataclass
class DataplaneFaultTruth:
    """A fault of the data plane the lab was given (``--faults``), and the flows it breaks.

    A carrier's circuit (``drop_vlan``: it stops passing ``vlan``; ``one_way``: it passes
    ``ends[0]`` to ``ends[1]`` only), or an upstream ``router``'s table ``vpn_instance``
    (``blackhole``: a static route for ``prefix`` to NULL0; ``no_return``: its route back to
    ``prefix`` via ``next_hop`` removed).
    """

    fault: str  # drop_vlan | one_way | blackhole | no_return
    host: str  # the county router whose line or LAN it hits
    circuit: str | None
    ends: list[str]  # the circuit's ends, "host:port"
    vlan: int | None
    router: str | None
    vpn_instance: str | None
    prefix: str | None
    next_hop: str | None
    flows: list[str]  # ids of the flows it breaks (works false, path empty)


@dataclass
class GroundTruth:
    networks: list[NetworkTruth] = field(default_factory=list)
    lines: list[LineTruth] = field(default_factory=list)
    exits: list[UnitExitsTruth] = field(default_factory=list)
    breaches: list[BreachTruth] = field(default_factory=list)
    towns: list[TownTruth] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    flows: list[FlowTruth] = field(default_factory=list)
    dataplane_faults: list[DataplaneFaultTruth] = field(default_factory=list)


@dataclass
class District:
    county: str  # 12-digit code
    seed: int
    devices: list[Device]
    truth: GroundTruth
    # What the district's lines reach beyond the county (the city's extranet core, the
    # internet, each vertical system's upstream node, the intranet node): lab-only routers,
    # in no inventory. Links join ports of every router; servers answer ping on their LANs.
    upstream: list[Device] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    servers: list[Server] = field(default_factory=list)

    def get_device(self, hostname: str) -> Device | None:
        """A county router or an upstream one, by hostname."""
        return next((d for d in (*self.devices, *self.upstream) if d.hostname == hostname), None)


class DistrictFileError(ValueError):
    """A district.json that cannot be read back."""


def to_jsonable(value: Any) -> Any:
    """Plain JSON data for a dataclass tree: IPv4 as strings, enums as values, sets sorted."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not (f.metadata.get("omit_default") and getattr(value, f.name) == f.default)
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, IPv4Address | IPv4Interface | IPv4Network):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(to_jsonable(v) for v in value)
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


def _from_jsonable(kind: Any, data: Any) -> Any:
    """The inverse of to_jsonable, driven by the dataclasses' type hints."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        if data is None:
            return None
        return _from_jsonable(options[0], data)
    if origin is list:
        (item,) = typing.get_args(kind)
        return [_from_jsonable(item, v) for v in data]
    if origin is set:
        (item,) = typing.get_args(kind)
        return {_from_jsonable(item, v) for v in data}
    if origin is dict:
        _key, item = typing.get_args(kind)
        return {k: _from_jsonable(item, v) for k, v in data.items()}
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        if not isinstance(data, dict):
            raise DistrictFileError(f"expected an object for {kind.__name__}, got {data!r}")
        hints = typing.get_type_hints(kind)
        names = {f.name for f in dataclasses.fields(kind) if f.init}
        unknown = set(data) - names
        if unknown:
            raise DistrictFileError(f"unknown fields for {kind.__name__}: {sorted(unknown)}")
        return kind(**{n: _from_jsonable(hints[n], data[n]) for n in names if n in data})
    if isinstance(kind, type) and issubclass(kind, Enum | IPv4Address | IPv4Interface):
        return kind(data)
    if kind is IPv4Network:
        return IPv4Network(data)
    return data


def district_to_json(district: District) -> str:
    """The district as deterministic JSON text (same district → same bytes)."""
    payload = {"format": FORMAT_VERSION, **to_jsonable(district)}
    return json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def district_from_json(text: str) -> District:
    data = json.loads(text)
    if not isinstance(data, dict) or data.pop("format", None) != FORMAT_VERSION:
        raise DistrictFileError(f"not a district file of format {FORMAT_VERSION}")
    district: District = _from_jsonable(District, data)
    return district


def save_district(district: District, path: Path) -> None:
    """Write district.json atomically."""
    write_atomically(path, district_to_json(district))


def load_district(path: Path) -> District:
    try:
        return district_from_json(path.read_text(encoding="utf-8"))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, DistrictFileError):
            raise
        raise DistrictFileError(f"{path}: {exc}") from exc
