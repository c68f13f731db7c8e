"""The project inventory: Nornir hosts, groups and defaults, units and the line ledger.

Everything a user edits is a frozen pydantic model with ``extra="forbid"``; reading the
files and checking them across each other is :mod:`govnet.model.inventory_files`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from govnet.model.access import Access
from govnet.model.divisions import DivisionTree, Level
from govnet.model.problems import SECRET_ERROR
from govnet.model.text import CONTROL_CHARS, find_hidden_char, get_hidden_char_problem

NORNIR_CONFIG = "nornir_config.yaml"
UNITS_FILE = "inventory/units.yaml"
LINES_FILE = "inventory/lines.yaml"

# Netmiko device types an inventory may name without a collectors/ folder of the project's own
# (the bundled platforms, and types surveyed as unsupported until one comes).
KNOWN_PLATFORMS = frozenset(
    {"huawei", "huawei_vrpv8", "hp_comware", "cisco_ios", "cisco_xe", "ruijie_os", "zte_zxros"}
)

_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
HOSTNAME_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_DNS_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
HOSTNAME_RULE = "1-128 letters, digits, '.', '-' or '_', starting with a letter or digit"


def get_hostname_problem(name: str) -> str | None:
    """Why ``name`` cannot name a host (it becomes a file name, a Nornir key, a line of a
    report), or None when it can: the whole name must match :data:`HOSTNAME_KEY`.

    >>> get_hostname_problem("jlp-dsj-core1") is None
    True
    >>> get_hostname_problem("r1\\n").split(";")[0]
    'has a control character (U+000A)'
    >>> get_hostname_problem("r1\\u202egpj").split(";")[0]
    'has a bidi control character (U+202E)'
    """
    if HOSTNAME_KEY.fullmatch(name):
        return None
    rule = f"names are {HOSTNAME_RULE}"
    if found := find_hidden_char(name):
        return f"has a {found[0]} ({found[1]}); {rule}"
    if "[" in name or "]" in name:
        return f"has a bracket (markup on a terminal); {rule}"
    return f"is not {rule}" if name else "is empty"


def _check_text(value: str) -> str:
    """Text that may reach a device config or a report: one line, no control characters, and
    nothing that reorders or hides what a reader sees (bidi controls, zero-width characters)
    in a cell of an official's workbook.

    >>> _check_text("人社局\u202e")
    Traceback (most recent call last):
    ...
    ValueError: has a bidi control character (U+202E), which reorders what a reader sees
    """
    value = value.strip()
    if CONTROL_CHARS.search(value):
        raise ValueError("must be one line with no control characters")
    if problem := get_hidden_char_problem(value):
        raise ValueError(problem)
    return value


def _check_lines_text(value: str) -> str:
    """Free text kept as written over several lines (a ledger's 备注): each line as
    :func:`_check_text` asks, joined by a plain line feed (Excel writes CR LF or LF).

    >>> _check_lines_text("2019年扩容\\r\\n原带宽2M ")
    '2019年扩容\\n原带宽2M'
    """
    return "\n".join(_check_text(part) for part in value.strip().splitlines())


def _check_key(value: str) -> str:
    if not _KEY.match(value):
        raise ValueError("must be lowercase letters, digits, '-' or '_' (at most 64)")
    return value


def _check_division_code(value: str) -> str:
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        raise ValueError("must be a 12-digit statistical division code (quote it in YAML)")
    return value


def _no_bool_days(value: Any) -> Any:
    """YAML reads ``yes``/``on`` as a boolean, which int() would take as 1 day."""
    if isinstance(value, bool):
        raise ValueError(f"must be a number of days, not {str(value).lower()}")
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
# Several lines of free text; never reaches a device configuration.
NoteText = Annotated[str, AfterValidator(_check_lines_text), Field(min_length=1, max_length=1000)]
Key = Annotated[str, AfterValidator(_check_key)]
DivisionCode = Annotated[str, BeforeValidator(_int_to_str), AfterValidator(_check_division_code)]
Address = Annotated[str, AfterValidator(_check_address)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
NoticeDays = Annotated[int, BeforeValidator(_no_bool_days), Field(ge=0, le=3650)]


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


class ContactRole(StrEnum):
    """Who a unit names for the consolidation, as the policy texts ask for them."""

    LEADER = "leader"  # 分管负责人: signs for the unit
    CONTACT = "contact"  # 联系人: the day-to-day contact
    TECHNICAL = "technical"  # 技术负责人: who knows the unit's network


# A phone as offices write it: 0536-8888888, (0536)8888888, +86 138 0000 0000, 0536-8888888转123.
_PHONE = re.compile(r"^\+?[0-9(（][0-9()（）\- ]{3,28}[0-9](?:(?:转|ext\.?|#)[0-9]{1,6})?$")


def _check_phone(value: str) -> str:
    """
    >>> _check_phone("0536-8888888转123"), _check_phone("13800000000")
    ('0536-8888888转123', '13800000000')
    >>> _check_phone("张三")
    Traceback (most recent call last):
    ...
    ValueError: not a phone number (digits, '-', '+', brackets, spaces; an extension after 转)
    """
    if not _PHONE.match(value) or sum(ch.isdigit() for ch in value) < 5:
        raise ValueError(
            "not a phone number (digits, '-', '+', brackets, spaces; an extension after 转)"
        )
    return value


Phone = Annotated[str, BeforeValidator(_int_to_str), AfterValidator(_check_phone)]


class Contact(Frozen):
    """A person a unit names for the consolidation (the 分管负责人/联系人 lists)."""

    role: ContactRole
    name: Annotated[Text, Field(max_length=50)]
    phone: Phone | None = None


class Unit(Frozen):
    """A department, the county government, a town government or a village committee."""

    id: Key
    name: Text
    kind: UnitKind
    division_code: DivisionCode
    parent: Key | None = None
    classified: bool = False
    note: Text | None = None
    contacts: tuple[Contact, ...] = ()


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


class SecurityGrade(StrEnum):
    """A line's protection grade: 等级保护 level 1-4 for a non-classified system (GB/T
    22239-2019), or 分级保护 by the highest secrecy level it carries for a classified one
    (BMB17: 秘密/机密/绝密). The codes are pinyin for the Chinese terms engineers use."""

    DENGBAO_1 = "dengbao_1"
    DENGBAO_2 = "dengbao_2"
    DENGBAO_3 = "dengbao_3"
    DENGBAO_4 = "dengbao_4"
    FENBAO_MIMI = "fenbao_mimi"
    FENBAO_JIMI = "fenbao_jimi"
    FENBAO_JUEMI = "fenbao_juemi"

    @property
    def is_classified(self) -> bool:
        return self.value.startswith("fenbao")


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
    # Days before the cancellation date the carrier must be told in writing (提前通知天数).
    notice_days: NoticeDays | None = None
    # What ending the contract early costs, as the contract words it (违约/解约条款).
    termination_terms: LongText | None = None
    classified: bool | None = None
    # 等保 level or 分保 secrecy level (SecurityGrade), 经费来源, 付费单位 as the ledger has them.
    security_grade: SecurityGrade | None = None
    funding_source: Text | None = None
    payer: Text | None = None
    a_device: Annotated[str, Field(pattern=HOSTNAME_KEY.pattern)] | None = None
    a_interface: Annotated[Text, Field(max_length=100)] | None = None
    z_end: Text | None = None  # many ledgers leave the far end empty
    note: NoteText | None = None

    @field_validator("contract_end")
    @classmethod
    def _ends_after_start(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("contract_start")
        if start is not None and end is not None and end < start:
            raise ValueError(f"{end} is before contract_start {start}")
        return end

    @field_validator("security_grade")
    @classmethod
    def _grade_fits_secrecy(
        cls, grade: SecurityGrade | None, info: ValidationInfo
    ) -> SecurityGrade | None:
        classified = info.data.get("classified")
        if grade is not None and classified is not None and grade.is_classified != classified:
            need = "分保 (秘密/机密/绝密)" if classified else "等保 (level 1-4)"
            side = "classified" if classified else "not classified"
            raise ValueError(f"the line is {side}: its grade must be {need}")
        return grade

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
    access: Access | None = None  # how govnet logs in (govnet.model.access)


class SharedData(BaseModel):
    """A group's or the defaults' ``data:``: anything, and ``access:`` checked."""

    model_config = ConfigDict(frozen=True, extra="allow")
    access: Access | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, value: Any) -> Any:
        if isinstance(value, dict):
            _no_secret_extras({k: v for k, v in value.items() if k != "access"})
        return value


def _no_bool_port(value: Any) -> Any:
    """YAML reads ``true``/``yes``/``on`` as a boolean, which int() would take as port 1."""
    if isinstance(value, bool):
        raise ValueError(f"must be a port number (1-65535), not {str(value).lower()}")
    return value


Port = Annotated[int, BeforeValidator(_no_bool_port), Field(ge=1, le=65535)]
_CREDENTIALS = "credentials never go in inventory files: set GOVNET_USERNAME and GOVNET_PASSWORD"
# Connection arguments that carry a secret (netmiko's, paramiko's, any driver's), however
# spelled: password, passwd, secret, passphrase, token, api_key, private_key, pkey...
_SECRET_KEY = re.compile(
    r"(?:^|_)(?:pass(?:word|wd|phrase)?|secret|token|api_?key|private_?key|pkey|credentials?)$"
)


def _no_credentials(value: Any) -> Any:
    if value is not None:
        raise PydanticCustomError(SECRET_ERROR, _CREDENTIALS)  # the value is not repeated
    return value


def _no_secret_extras(value: dict[str, Any], path: str = "") -> dict[str, Any]:
    """Connection ``extras`` hold no secret, at any depth.

    >>> _no_secret_extras({"conn_timeout": 20, "key_file": "~/.ssh/id_ed25519"})
    {'conn_timeout': 20, 'key_file': '~/.ssh/id_ed25519'}
    >>> _no_secret_extras({"ssh": {"enable-Secret": "x"}})
    Traceback (most recent call last):
    ...
    ValueError: ssh.enable-Secret: credentials never go in inventory files: set ...
    """
    for key, item in value.items():
        where = f"{path}{key}"
        if _SECRET_KEY.search(str(key).lower().replace("-", "_")):
            raise ValueError(f"{where}: {_CREDENTIALS} (GOVNET_SECRET for an enable secret)")
        if isinstance(item, dict):
            _no_secret_extras(item, f"{where}.")
    return value


Credential = Annotated[None, BeforeValidator(_no_credentials)]


class ConnectionOptions(Frozen):
    hostname: Address | None = None
    port: Port | None = None
    platform: str | None = None
    extras: Annotated[dict[str, Any], AfterValidator(_no_secret_extras)] = Field(
        default_factory=dict
    )
    username: Credential = None
    password: Credential = None


class NornirEntry(Frozen):
    hostname: Address | None = None
    port: Port | None = None
    platform: str | None = None
    groups: list[str] = Field(default_factory=list)
    connection_options: dict[str, ConnectionOptions] = Field(default_factory=dict)
    username: Credential = None
    password: Credential = None


class Host(NornirEntry):
    data: HostData


class Group(NornirEntry):
    data: SharedData = Field(default_factory=SharedData)


class Defaults(Frozen):
    hostname: Address | None = None
    port: Port | None = None
    platform: str | None = None
    connection_options: dict[str, ConnectionOptions] = Field(default_factory=dict)
    data: SharedData = Field(default_factory=SharedData)
    username: Credential = None
    password: Credential = None


class InventoryOptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")
    host_file: str = "inventory/hosts.yaml"
    group_file: str = "inventory/groups.yaml"
    defaults_file: str = "inventory/defaults.yaml"

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, value: Any) -> Any:
        """A plugin's token or password (nornir_netbox's nb_token) stays in the environment:
        the plugins read it there (NB_TOKEN) when the option is not given."""
        if isinstance(value, dict):
            for key in value:
                if _SECRET_KEY.search(str(key).lower().replace("-", "_")):
                    raise PydanticCustomError(
                        SECRET_ERROR,
                        "{key}: secrets never go in project files: leave it out and set it"
                        " in the environment the inventory plugin reads (NB_TOKEN for"
                        " nornir_netbox)",
                        {"key": str(key)},
                    )
        return value


class NornirInventoryConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")
    # SimpleInventory: govnet reads the files itself; any other is loaded through Nornir.
    plugin: Annotated[str, Field(min_length=1, max_length=200)] = "SimpleInventory"
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
    access: Access | None = None  # merged from the host, its groups and the defaults
    groups: tuple[str, ...] = ()  # its Nornir groups, then theirs (inheritance order)


@dataclass(frozen=True)
class Inventory:
    root: Path
    units: tuple[Unit, ...]
    hosts: tuple[ResolvedHost, ...]
    lines: tuple[Line, ...]
    files: tuple[Path, ...] = field(default=())
    source_digest: str = ""  # of what an inventory plugin returned (no file to hash)

    def get_unit(self, key: str) -> Unit | None:
        return next((u for u in self.units if u.id == key), None)

    def get_digest(self) -> str:
        """SHA-256 over the inventory files, so a store knows whether anything changed."""
        digest = hashlib.sha256()
        for path in self.files:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        digest.update(self.source_digest.encode())
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
                    "contacts": [c.model_dump(mode="json", exclude_none=True) for c in u.contacts]
                    or None,
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
                    "notice_days": ln.notice_days,
                    "termination_terms": ln.termination_terms,
                    "classified": ln.classified,
                    "security_grade": ln.security_grade.value if ln.security_grade else None,
                    "funding_source": ln.funding_source,
                    "payer": ln.payer,
                    "a_device": ln.a_device,
                    "a_interface": ln.a_interface,
                    "z_end": ln.z_end,
                    "note": ln.note,
                }
                for ln in self.lines
            ],
        }


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
