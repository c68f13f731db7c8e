"""The project inventory: Nornir hosts, groups and defaults, units and the line ledger.

Everything a user edits is loaded through frozen pydantic models with ``extra="forbid"``
and then checked across files (a unit named but not defined, an unknown division code,
a duplicate circuit id). Nornir is initialised only from files that passed these checks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from govnet.divisions import DivisionTree, Level, get_level, get_parent_code
from govnet.problems import (
    Problem,
    ProblemsError,
    YamlDoc,
    has_errors,
    load_yaml,
    validation_to_problems,
)

if TYPE_CHECKING:
    from nornir.core import Nornir

NORNIR_CONFIG = "nornir_config.yaml"
UNITS_FILE = "inventory/units.yaml"
LINES_FILE = "inventory/lines.yaml"

# Netmiko device types govnet knows; which of them have collectors is the survey's business.
KNOWN_PLATFORMS = frozenset(
    {"huawei", "huawei_vrpv8", "hp_comware", "cisco_ios", "cisco_xe", "ruijie_os", "zte_zxros"}
)

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # C0, DEL, C1, line breaks
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_HOSTNAME_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_DNS_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def _check_text(value: str) -> str:
    """Text that may reach a device config or a report: one line, no control characters."""
    value = value.strip()
    if CONTROL_CHARS.search(value):
        raise ValueError("must be one line with no control characters")
    return value


def _check_key(value: str) -> str:
    if not _KEY.match(value):
        raise ValueError("must be lowercase letters, digits, '-' or '_' (at most 64)")
    return value


def _check_division_code(value: str) -> str:
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        raise ValueError("must be a 12-digit statistical division code (quote it in YAML)")
    return value


def _int_to_str(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def is_valid_address(value: str) -> bool:
    """True for an IPv4/IPv6 address or a DNS name a host can be reached by.

    >>> is_valid_address("10.50.1.1"), is_valid_address("r1.jlp.gov.cn")
    (True, True)
    >>> is_valid_address("10.50.1.300"), is_valid_address("r1 jlp")
    (False, False)
    """
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        pass
    labels = value.rstrip(".").split(".")
    if len(value) > 253 or all(label.isdigit() for label in labels):
        return False
    return all(_DNS_LABEL.match(label) for label in labels)


def _check_address(value: str) -> str:
    if not is_valid_address(value):
        raise ValueError("not an IP address or DNS name")
    return value


Text = Annotated[str, AfterValidator(_check_text), Field(min_length=1, max_length=200)]
LongText = Annotated[str, AfterValidator(_check_text), Field(min_length=1, max_length=500)]
Key = Annotated[str, AfterValidator(_check_key)]
DivisionCode = Annotated[str, BeforeValidator(_int_to_str), AfterValidator(_check_division_code)]
Address = Annotated[str, AfterValidator(_check_address)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# --- units ----------------------------------------------------------------------------


class UnitKind(StrEnum):
    COUNTY = "county"
    DEPARTMENT = "department"
    TOWN = "town"
    VILLAGE = "village"


# The division level each kind of unit must sit at.
UNIT_LEVELS: dict[UnitKind, frozenset[Level]] = {
    UnitKind.COUNTY: frozenset({Level.COUNTY}),
    UnitKind.DEPARTMENT: frozenset({Level.PROVINCE, Level.CITY, Level.COUNTY}),
    UnitKind.TOWN: frozenset({Level.TOWN}),
    UnitKind.VILLAGE: frozenset({Level.VILLAGE}),
}


class Unit(Frozen):
    """A department, the county government, a town government or a village committee."""

    id: Key
    name: Text
    kind: UnitKind
    division_code: DivisionCode
    parent: Key | None = None
    classified: bool = False
    note: Text | None = None


class UnitsFile(Frozen):
    units: list[Unit]


# --- lines (the ledger, 台账) --------------------------------------------------------------


class Carrier(StrEnum):
    TELECOM = "telecom"
    UNICOM = "unicom"
    MOBILE = "mobile"
    BROADCAST = "broadcast"
    OTHER = "other"


class LineKind(StrEnum):
    MSTP = "mstp"
    SDH = "sdh"
    MPLS_VPN = "mpls_vpn"
    DARK_FIBRE = "dark_fibre"
    INTERNET = "internet"
    BROADBAND = "broadband"
    CELLULAR = "cellular"
    OTHER = "other"


CircuitId = Annotated[
    str,
    BeforeValidator(_int_to_str),
    Field(min_length=1, max_length=100, pattern=r"^[^\s\x00-\x1f\x7f]+$"),
]


class Line(Frozen):
    """One leased line of the ledger: who pays for it, what it carries, where it ends."""

    circuit_id: CircuitId
    unit: Key
    network: Text
    carrier: Carrier
    kind: LineKind
    bandwidth_mbps: Annotated[float, Field(gt=0, le=1_000_000)] | None = None
    monthly_fee: Money | None = None
    annual_fee: Money | None = None
    contract_start: dt.date | None = None
    contract_end: dt.date | None = None
    classified: bool | None = None
    a_device: Annotated[str, Field(pattern=_HOSTNAME_KEY.pattern)] | None = None
    a_interface: Annotated[Text, Field(max_length=100)] | None = None
    z_end: Text
    note: LongText | None = None

    @field_validator("contract_end")
    @classmethod
    def _ends_after_start(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("contract_start")
        if start is not None and end is not None and end < start:
            raise ValueError(f"{end} is before contract_start {start}")
        return end

    def get_annual_fee(self) -> Decimal | None:
        """The yearly cost: the annual fee if given, else twelve months."""
        if self.annual_fee is not None:
            return self.annual_fee
        return None if self.monthly_fee is None else self.monthly_fee * 12


# --- Nornir hosts, groups, defaults ------------------------------------------------------


class Role(StrEnum):
    CORE = "core"
    EDGE = "edge"
    ACCESS = "access"
    INTERNET = "internet"
    FIREWALL = "firewall"


class HostData(Frozen):
    unit: Key
    division_code: DivisionCode
    site: Text
    role: Role


class ConnectionOptions(Frozen):
    hostname: Address | None = None
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    platform: str | None = None
    extras: dict[str, Any] = Field(default_factory=dict)


def _no_credentials(value: Any) -> Any:
    if value is not None:
        raise ValueError(
            "credentials never go in inventory files: set GOVNET_USERNAME and GOVNET_PASSWORD"
        )
    return value


Credential = Annotated[None, BeforeValidator(_no_credentials)]


class _NornirEntry(Frozen):
    hostname: Address | None = None
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    platform: str | None = None
    groups: list[str] = Field(default_factory=list)
    connection_options: dict[str, ConnectionOptions] = Field(default_factory=dict)
    username: Credential = None
    password: Credential = None


class Host(_NornirEntry):
    data: HostData


class Group(_NornirEntry):
    data: dict[str, Any] = Field(default_factory=dict)


class Defaults(Frozen):
    hostname: Address | None = None
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    platform: str | None = None
    connection_options: dict[str, ConnectionOptions] = Field(default_factory=dict)
    data: dict[str, Any] = Field(default_factory=dict)
    username: Credential = None
    password: Credential = None


class InventoryOptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")
    host_file: str = "inventory/hosts.yaml"
    group_file: str = "inventory/groups.yaml"
    defaults_file: str = "inventory/defaults.yaml"


class NornirInventoryConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")
    plugin: Literal["SimpleInventory"] = "SimpleInventory"
    options: InventoryOptions = Field(default_factory=InventoryOptions)


class NornirConfig(BaseModel):
    """The part of nornir_config.yaml govnet reads; Nornir validates the rest itself."""

    model_config = ConfigDict(frozen=True, extra="allow")
    inventory: NornirInventoryConfig = Field(default_factory=NornirInventoryConfig)


# --- the loaded inventory ------------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedHost:
    """A host with what it inherits from its groups and the defaults already applied."""

    name: str
    address: str
    port: int
    platform: str
    unit: str
    division_code: str
    site: str
    role: Role


@dataclass(frozen=True)
class Inventory:
    root: Path
    units: tuple[Unit, ...]
    hosts: tuple[ResolvedHost, ...]
    lines: tuple[Line, ...]
    files: tuple[Path, ...] = field(default=())

    def get_unit(self, key: str) -> Unit | None:
        return next((u for u in self.units if u.id == key), None)

    def get_digest(self) -> str:
        """SHA-256 over the inventory files, so a store knows whether anything changed."""
        digest = hashlib.sha256()
        for path in self.files:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        return digest.hexdigest()

    def to_store_rows(self) -> dict[str, list[dict[str, Any]]]:
        return {
            "units": [
                {
                    "key": u.id,
                    "name": u.name,
                    "kind": u.kind.value,
                    "division_code": u.division_code,
                    "parent_key": u.parent,
                    "classified": u.classified,
                }
                for u in self.units
            ],
            "devices": [
                {
                    "hostname": h.name,
                    "address": h.address,
                    "port": h.port,
                    "platform": h.platform,
                    "unit_key": h.unit,
                    "division_code": h.division_code,
                    "site": h.site,
                    "role": h.role.value,
                }
                for h in self.hosts
            ],
            "lines": [
                {
                    "circuit_id": ln.circuit_id,
                    "unit_key": ln.unit,
                    "network": ln.network,
                    "carrier": ln.carrier.value,
                    "kind": ln.kind.value,
                    "bandwidth_mbps": ln.bandwidth_mbps,
                    "monthly_fee": ln.monthly_fee,
                    "annual_fee": ln.annual_fee,
                    "contract_start": ln.contract_start,
                    "contract_end": ln.contract_end,
                    "classified": ln.classified,
                    "a_device": ln.a_device,
                    "a_interface": ln.a_interface,
                    "z_end": ln.z_end,
                    "note": ln.note,
                }
                for ln in self.lines
            ],
        }


def _load_list(
    doc: YamlDoc, top: str, model: type[Frozen], id_field: str
) -> tuple[list[Any], list[Problem]]:
    """Validate each item of ``top:`` on its own, so one bad entry hides no other."""
    problems: list[Problem] = []
    data = doc.data
    if not isinstance(data, dict) or set(data) != {top}:
        return [], [Problem(doc.label, f"must be a mapping with the one key '{top}:'", 1)]
    items = data[top] or []
    if not isinstance(items, list):
        return [], [Problem(doc.label, f"'{top}' must be a list", doc.line_of((top,)))]
    loaded: list[Any] = []
    for index, item in enumerate(items):
        label = f"{top}[{index}]"
        if isinstance(item, dict) and item.get(id_field) is not None:
            label = f"{top}[{index}] {item[id_field]!s}"
        if not isinstance(item, dict):
            problems.append(
                Problem(doc.label, "must be a mapping", doc.line_of((top, index)), label)
            )
            continue
        try:
            loaded.append(model.model_validate(item))
        except ValidationError as exc:
            problems += validation_to_problems(exc, doc, (top, index), label)
    return loaded, problems


def _load_mapping(doc: YamlDoc | None, model: type[Frozen]) -> tuple[dict[str, Any], list[Problem]]:
    if doc is None or doc.data is None:
        return {}, []
    if not isinstance(doc.data, dict):
        return {}, [Problem(doc.label, "must be a mapping of name to entry", 1)]
    loaded: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, item in doc.data.items():
        name = str(name)
        if not _HOSTNAME_KEY.match(name):
            problems.append(
                Problem(
                    doc.label,
                    "name must be letters, digits, '.', '-' or '_'",
                    doc.line_of((name,)),
                    name,
                )
            )
            continue
        try:
            loaded[name] = model.model_validate(item if item is not None else {})
        except ValidationError as exc:
            problems += validation_to_problems(exc, doc, (name,), name)
    return loaded, problems


def load_nornir_config(root: Path) -> tuple[NornirConfig | None, list[Problem]]:
    doc, problems = load_yaml(root / NORNIR_CONFIG, NORNIR_CONFIG)
    if doc is None:
        return None, problems
    try:
        return NornirConfig.model_validate(doc.data or {}), []
    except ValidationError as exc:
        return None, validation_to_problems(exc, doc, (), None)


def load_inventory(root: Path, tree: DivisionTree) -> tuple[Inventory | None, list[Problem]]:
    """Load and check every inventory file; the inventory is None when any has an error."""
    config, problems = load_nornir_config(root)
    if config is None:
        return None, problems
    opts = config.inventory.options
    labels = {
        "hosts": opts.host_file,
        "groups": opts.group_file,
        "defaults": opts.defaults_file,
        "units": UNITS_FILE,
        "lines": LINES_FILE,
    }
    docs: dict[str, YamlDoc | None] = {}
    for key, label in labels.items():
        optional = key in ("groups", "defaults") and not (root / label).exists()
        if optional:
            docs[key] = None
            continue
        doc, found = load_yaml(root / label, label)
        docs[key], problems = doc, problems + found

    units: list[Unit] = []
    lines: list[Line] = []
    if docs["units"] is not None:
        units, found = _load_list(docs["units"], "units", Unit, "id")
        problems += found
    if docs["lines"] is not None:
        lines, found = _load_list(docs["lines"], "lines", Line, "circuit_id")
        problems += found
    groups, found = _load_mapping(docs["groups"], Group)
    problems += found
    hosts, found = _load_mapping(docs["hosts"], Host)
    problems += found
    defaults = Defaults()
    defaults_doc = docs["defaults"]
    if defaults_doc is not None and defaults_doc.data is not None:
        try:
            defaults = Defaults.model_validate(defaults_doc.data)
        except ValidationError as exc:
            problems += validation_to_problems(exc, defaults_doc, (), None)

    # Cross-references are checked against every name a file declares, valid or not, so
    # one bad entry is reported once and not again by every entry that names it.
    unit_ids = _get_declared(docs["units"], "units", "id")
    host_names = _get_declared(docs["hosts"], None, None)
    problems += _check_units(units, docs["units"], tree, unit_ids)
    resolved, found = _resolve_hosts(hosts, groups, defaults, docs["hosts"], docs["groups"])
    problems += found
    problems += _check_hosts(resolved, units, docs["hosts"], tree, unit_ids)
    problems += check_lines(lines, units, resolved, docs["lines"], unit_ids, host_names)

    problems.sort(key=lambda p: (p.file, p.line or 0))
    if has_errors(problems):
        return None, problems
    files = tuple(root / label for key, label in labels.items() if docs[key] is not None)
    inventory = Inventory(root, tuple(units), tuple(resolved), tuple(lines), files)
    return inventory, problems


def _get_declared(doc: YamlDoc | None, top: str | None, key: str | None) -> set[str] | None:
    """Names a file declares (None when the file could not be read: then nothing is known)."""
    if doc is None:
        return None
    data = doc.data
    if top is None:
        return {str(name) for name in data} if isinstance(data, dict) else set()
    items = data.get(top) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return set()
    return {str(item[key]) for item in items if isinstance(item, dict) and key in item}


def get_inventory(root: Path, tree: DivisionTree) -> Inventory:
    """The validated inventory, or ProblemsError listing every problem."""
    inventory, problems = load_inventory(root, tree)
    if inventory is None:
        raise ProblemsError(problems)
    return inventory


def _index_line(doc: YamlDoc | None, top: str, index: int, name: str) -> int | None:
    return None if doc is None else doc.line_of((top, index, name))


def _check_units(
    units: list[Unit], doc: YamlDoc | None, tree: DivisionTree, declared: set[str] | None
) -> list[Problem]:
    problems: list[Problem] = []
    label = doc.label if doc else UNITS_FILE
    ids = {u.id for u in units} | (declared or set())
    seen: dict[str, int] = {}
    for index, unit in enumerate(units):
        entry = f"units[{index}] {unit.id}"
        if unit.id in seen:
            problems.append(
                Problem(
                    label,
                    f"duplicate unit id (also units[{seen[unit.id]}])",
                    _index_line(doc, "units", index, "id"),
                    entry,
                    "id",
                )
            )
        seen.setdefault(unit.id, index)
        if unit.parent is not None and unit.parent not in ids:
            problems.append(
                Problem(
                    label,
                    f"unit {unit.parent!r} is not defined in {UNITS_FILE}",
                    _index_line(doc, "units", index, "parent"),
                    entry,
                    "parent",
                )
            )
        if unit.parent == unit.id:
            problems.append(
                Problem(
                    label,
                    "a unit cannot be its own parent",
                    _index_line(doc, "units", index, "parent"),
                    entry,
                    "parent",
                )
            )
        line = _index_line(doc, "units", index, "division_code")
        division = tree.get(unit.division_code)
        if division is None:
            problems.append(
                Problem(
                    label,
                    _unknown_code_message(unit.division_code, tree),
                    line,
                    entry,
                    "division_code",
                )
            )
            continue
        allowed = UNIT_LEVELS[unit.kind]
        if division.level not in allowed:
            want = " or ".join(sorted(level.value for level in allowed))
            problems.append(
                Problem(
                    label,
                    f"a {unit.kind.value} unit needs a {want}-level code; "
                    f"{unit.division_code} is {division.name} ({division.level.value})",
                    line,
                    entry,
                    "division_code",
                )
            )
    return problems


def _unknown_code_message(code: str, tree: DivisionTree) -> str:
    try:
        level = get_level(code)
    except ValueError:
        return f"{code!r} is not a division code"
    if level is Level.VILLAGE and tree.get(get_parent_code(code) or "") is not None:
        return (
            f"unknown village code {code}: villages are not bundled, "
            "import them with `govnet divisions import`"
        )
    return f"unknown division code {code} (not in the NBS 2023 data)"


def _resolve_hosts(
    hosts: Mapping[str, Host],
    groups: Mapping[str, Group],
    defaults: Defaults,
    hosts_doc: YamlDoc | None,
    groups_doc: YamlDoc | None,
) -> tuple[list[ResolvedHost], list[Problem]]:
    """Apply Nornir's inheritance (host, then groups in order, then defaults)."""
    problems: list[Problem] = []
    label = hosts_doc.label if hosts_doc else "inventory/hosts.yaml"
    for name, group in groups.items():
        for parent in group.groups:
            if parent not in groups:
                glabel = groups_doc.label if groups_doc else "inventory/groups.yaml"
                line = groups_doc.line_of((name, "groups")) if groups_doc else None
                problems.append(
                    Problem(glabel, f"group {parent!r} is not defined", line, name, "groups")
                )
    resolved: list[ResolvedHost] = []
    for name, host in hosts.items():

        def line_of(*path: str | int, _name: str = name) -> int | None:
            return hosts_doc.line_of((_name, *path)) if hosts_doc else None

        chain: list[_NornirEntry] = [host]
        missing = [g for g in host.groups if g not in groups]
        for g in missing:
            problems.append(
                Problem(label, f"group {g!r} is not defined", line_of("groups"), name, "groups")
            )
        chain += _group_chain(host.groups, groups)
        platform = next((e.platform for e in chain if e.platform), defaults.platform)
        address = next((e.hostname for e in chain if e.hostname), defaults.hostname)
        port = next((e.port for e in chain if e.port), defaults.port) or 22
        if platform is None:
            problems.append(
                Problem(
                    label,
                    "no platform (set it on the host or one of its groups)",
                    line_of(),
                    name,
                    "platform",
                )
            )
            continue
        if platform not in KNOWN_PLATFORMS:
            problems.append(
                Problem(
                    label,
                    f"unknown platform {platform!r} (known: {', '.join(sorted(KNOWN_PLATFORMS))})",
                    line_of("platform") if host.platform else line_of("groups"),
                    name,
                    "platform",
                )
            )
            continue
        if address is None:
            problems.append(
                Problem(
                    label, "no hostname (the address to reach it by)", line_of(), name, "hostname"
                )
            )
            continue
        data = host.data
        resolved.append(
            ResolvedHost(
                name, address, port, platform, data.unit, data.division_code, data.site, data.role
            )
        )
    return resolved, problems


def _group_chain(names: Iterable[str], groups: Mapping[str, Group]) -> list[Group]:
    chain: list[Group] = []
    seen: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop(0)
        if name in seen or name not in groups:
            continue
        seen.add(name)
        chain.append(groups[name])
        stack = list(groups[name].groups) + stack
    return chain


def _check_hosts(
    hosts: list[ResolvedHost],
    units: list[Unit],
    doc: YamlDoc | None,
    tree: DivisionTree,
    unit_ids: set[str] | None,
) -> list[Problem]:
    problems: list[Problem] = []
    label = doc.label if doc else "inventory/hosts.yaml"
    by_id = {u.id: u for u in units}
    endpoints: dict[tuple[str, int], str] = {}
    for host in hosts:

        def line_of(*path: str, _name: str = host.name) -> int | None:
            return doc.line_of((_name, *path)) if doc else None

        unit = by_id.get(host.unit)
        if unit is None and unit_ids is not None and host.unit not in unit_ids:
            problems.append(
                Problem(
                    label,
                    f"unit {host.unit!r} is not defined in {UNITS_FILE}",
                    line_of("data", "unit"),
                    host.name,
                    "data.unit",
                )
            )
        division = tree.get(host.division_code)
        if division is None:
            problems.append(
                Problem(
                    label,
                    _unknown_code_message(host.division_code, tree),
                    line_of("data", "division_code"),
                    host.name,
                    "data.division_code",
                )
            )
        elif unit is not None and host.division_code[:6] != unit.division_code[:6]:
            problems.append(
                Problem(
                    label,
                    f"{host.division_code} ({division.name}) is outside the county of unit "
                    f"{unit.id} ({unit.division_code})",
                    line_of("data", "division_code"),
                    host.name,
                    "data.division_code",
                    "warning",
                )
            )
        endpoint = (host.address, host.port)
        if endpoint in endpoints:
            problems.append(
                Problem(
                    label,
                    f"{host.address}:{host.port} is also the address of {endpoints[endpoint]}",
                    line_of("port"),
                    host.name,
                    "hostname",
                    "warning",
                )
            )
        endpoints.setdefault(endpoint, host.name)
    return problems


def check_lines(
    lines: list[Line],
    units: list[Unit],
    hosts: list[ResolvedHost],
    doc: YamlDoc | None,
    unit_ids: set[str] | None = None,
    host_names: set[str] | None = None,
) -> list[Problem]:
    """Cross-file checks of the ledger: ids unique, units and devices defined.

    ``unit_ids``/``host_names`` are every name the other files declare, valid or not;
    None means that file could not be read, so references to it are not judged.
    """
    problems: list[Problem] = []
    label = doc.label if doc else LINES_FILE
    by_id = {u.id: u for u in units}
    known_units = {u.id for u in units} if unit_ids is None and units else unit_ids
    known_hosts = {h.name for h in hosts} if host_names is None and hosts else host_names
    seen: dict[str, int] = {}
    for index, line in enumerate(lines):
        entry = f"lines[{index}] {line.circuit_id}"

        def at(name: str, _index: int = index) -> int | None:
            return _index_line(doc, "lines", _index, name)

        if line.circuit_id in seen:
            problems.append(
                Problem(
                    label,
                    f"duplicate circuit id (also lines[{seen[line.circuit_id]}])",
                    at("circuit_id"),
                    entry,
                    "circuit_id",
                )
            )
        seen.setdefault(line.circuit_id, index)
        unit = by_id.get(line.unit)
        if unit is None and known_units is not None and line.unit not in known_units:
            problems.append(
                Problem(
                    label,
                    f"unit {line.unit!r} is not defined in {UNITS_FILE}",
                    at("unit"),
                    entry,
                    "unit",
                )
            )
        elif unit is not None and line.classified and not unit.classified:
            problems.append(
                Problem(
                    label,
                    f"a classified line at unit {unit.id}, which units.yaml says "
                    "carries no classified business",
                    at("classified"),
                    entry,
                    "classified",
                    "warning",
                )
            )
        if (
            line.a_device is not None
            and known_hosts is not None
            and line.a_device not in known_hosts
        ):
            problems.append(
                Problem(
                    label,
                    f"device {line.a_device!r} is not in the hosts file",
                    at("a_device"),
                    entry,
                    "a_device",
                )
            )
        if line.monthly_fee is None and line.annual_fee is None:
            problems.append(
                Problem(
                    label,
                    "no fee: give monthly_fee or annual_fee",
                    at("circuit_id"),
                    entry,
                    "monthly_fee",
                    "warning",
                )
            )
        elif (
            line.monthly_fee is not None
            and line.annual_fee is not None
            and line.monthly_fee * 12 != line.annual_fee
        ):
            problems.append(
                Problem(
                    label,
                    f"annual_fee {line.annual_fee} is not 12 × monthly_fee {line.monthly_fee}",
                    at("annual_fee"),
                    entry,
                    "annual_fee",
                    "warning",
                )
            )
    return problems


def get_nornir(root: Path, tree: DivisionTree, num_workers: int = 20) -> Nornir:
    """Nornir over the project's checked inventory, with the threaded runner.

    The hosts are built from the inventory govnet has already read and validated, not read
    again by Nornir's SimpleInventory (ruamel.yaml: seconds at 10,000 hosts).
    """
    return inventory_to_nornir(get_inventory(root, tree), num_workers)


def inventory_to_nornir(inventory: Inventory, num_workers: int = 20) -> Nornir:
    from nornir.core import Nornir
    from nornir.core.inventory import Groups, Host, Hosts
    from nornir.core.inventory import Inventory as NornirInventory
    from nornir.plugins.runners import ThreadedRunner

    hosts = Hosts(
        {
            h.name: Host(
                h.name,
                hostname=h.address,
                port=h.port,
                platform=h.platform,
                data={
                    "unit": h.unit,
                    "division_code": h.division_code,
                    "site": h.site,
                    "role": h.role.value,
                },
            )
            for h in inventory.hosts
        }
    )
    return Nornir(NornirInventory(hosts, Groups()), runner=ThreadedRunner(num_workers))


def get_inventory_summary(inventory: Inventory, tree: DivisionTree) -> dict[str, Any]:
    """Counts an engineer wants first: units by kind, devices by platform, lines and fees."""
    counties = sorted({u.division_code[:6] for u in inventory.units})
    towns_total = sum(len(tree.get_descendants(c, Level.TOWN)) for c in counties)
    town_units = {u.division_code for u in inventory.units if u.kind is UnitKind.TOWN}
    annual = sum((ln.get_annual_fee() or Decimal(0) for ln in inventory.lines), Decimal(0))
    return {
        "divisions": [{"code": c.ljust(12, "0"), "name": tree.get_full_name(c)} for c in counties],
        "units": dict(Counter(u.kind.value for u in inventory.units)),
        "classified_units": sum(u.classified for u in inventory.units),
        "devices": dict(Counter(h.platform for h in inventory.hosts)),
        "lines": dict(Counter(ln.kind.value for ln in inventory.lines)),
        "annual_fees": annual,
        "towns_with_unit": len(town_units),
        "towns_total": towns_total,
    }


def find_project(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds nornir_config.yaml."""
    for folder in (start.resolve(), *start.resolve().parents):
        if (folder / NORNIR_CONFIG).is_file():
            return folder
    return None
