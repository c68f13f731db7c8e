"""The consolidation policy as data: ``playbooks/policy.yaml``, validated before anything uses it.

The policy says what the target network looks like (extranet zones and how they appear on
devices, address blocks, which level's internet zone serves whom), which vertical business
networks exist (a catalogue matched against ledger names, descriptions and VPN names), the
ordered rules that give every network and line its target, and the exceptions approved by a
document. Officials change it, not code: a typo fails at load time naming file, line and field.

Rules test *signals*, facts the classifier derives for a network or a line (DOMAIN.md §3):

>>> Condition.model_validate({"system_category": "vertical", "national_plan": True}).signals()
['national_plan', 'system_category']
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from govnet.model.files import resolve
from govnet.model.problems import Problem, ProblemsError, load_yaml, validation_to_problems

POLICY_FILE = "playbooks/policy.yaml"


class Target(StrEnum):
    """Where a network or line goes (DOMAIN.md §3)."""

    INTRANET = "intranet"
    EXTRANET_DEDICATED_VPN = "extranet_dedicated_vpn"
    EXTRANET_PUBLIC = "extranet_public"
    EXTRANET_INTERNET = "extranet_internet"
    RETAIN_NATIONAL = "retain_national"
    RETAIN_EXCEPTION = "retain_exception"
    DECOMMISSION = "decommission"
    REVIEW = "review"


class Zone(StrEnum):
    PUBLIC = "public"  # 公用网络区
    DEDICATED = "dedicated"  # 专用网络区
    INTERNET = "internet"  # 互联网接入区


class Category(StrEnum):
    """What kind of network a catalogue entry is."""

    INTRANET = "intranet"  # the classified e-government intranet
    EXTRANET = "extranet"  # the e-government extranet itself
    INTERNET = "internet"  # internet access
    VERTICAL = "vertical"  # a ministry's vertical business network
    LOCAL = "local"  # a local network with no vertical link (e.g. an education metro network)


class SubjectKind(StrEnum):
    """What a verdict is about."""

    LINE = "line"  # one leased line (ledger) or one device link the ledger lacks
    NETWORK = "network"  # one business network of one unit: its lines together


class Level(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWN = "town"


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from None
    return value


Regex = Annotated[str, AfterValidator(_regex)]
Text = Annotated[str, Field(min_length=1, max_length=500)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ZoneSpec(_Frozen):
    name: Text  # as this city calls it: 公用网络区, 行政服务域, ...
    vpn_patterns: tuple[Regex, ...] = ()  # VPN instance / VRF names of the zone on devices
    vlans: tuple[Annotated[int, Field(ge=1, le=4094)], ...] = ()  # dot1q of its sub-interfaces


class AddressBlocks(_Frozen):
    extranet_public: tuple[IPv4Network, ...]  # national public block(s), e.g. 59.255.0.0/16
    extranet_local: tuple[IPv4Network, ...] = ()  # the province's or city's own public blocks
    intranet: tuple[IPv4Network, ...] = ()  # classified network blocks, where known


class System(_Frozen):
    """One vertical (or other) network of the catalogue."""

    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")]
    name: Text  # 金税, 公安信息网, ...
    category: Category
    patterns: tuple[Regex, ...]  # Chinese, pinyin or English, matched case-insensitively
    ministry: Text | None = None
    classified: bool = False
    # Kept apart from the extranet and the internet as classified business is (the police
    # network): a device carrying it and either of those is an isolation breach.
    isolated: bool = False
    national_plan: bool = False  # nationally planned above city level: retained pending the plan
    prefixes: tuple[IPv4Network, ...] = ()  # the network's own address blocks, where known
    vpn_id: Annotated[int, Field(ge=1, le=65535)] | None = None  # its dedicated-zone VPN's RD/RT
    # A server of the system that answers ping, agreed with its operator: cutover plans
    # prove the business moved by pinging it from the unit's gateway address in the VPN.
    probe: IPv4Address | None = None


class Condition(_Frozen):
    """Signals that must all hold; a list means any of its values."""

    subject: tuple[SubjectKind, ...] | None = None  # a line or a business network
    breach: bool | None = None  # classified (or police) network and extranet or internet
    surveyed: bool | None = None  # false: a device it depends on gave no complete answer
    zombie: bool | None = None  # interfaces down and no route through them
    in_ledger: bool | None = None
    on_device: bool | None = None  # a surveyed device shows it
    missing_on_device: bool | None = None  # the ledger names a device interface that is not there
    conflict: bool | None = None  # the ledger and the device name different networks
    classified: bool | None = None  # ledger flag, classified unit, or a classified system
    system: tuple[str, ...] | None = None  # catalogue keys
    system_category: tuple[Category, ...] | None = None  # None matches no catalogue entry
    national_plan: bool | None = None
    known_system: bool | None = None  # the catalogue recognised it
    line_kind: tuple[str, ...] | None = None  # ledger kinds: internet, mpls_vpn, mstp, ...
    zone: tuple[Zone, ...] | None = None  # the zone its VPN instance / VLAN shows
    own_exit: bool | None = None  # an internet path bypassing the extranet internet zone
    unified_exit: bool | None = None  # the level platform's own internet exit
    next_hop_in: tuple[str, ...] | None = None  # address block names (AddressBlocks fields)
    carried: bool | None = None  # its system runs in a dedicated-zone VPN on the unit's extranet

    @field_validator(
        "subject", "system", "system_category", "line_kind", "zone", "next_hop_in", mode="before"
    )
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("next_hop_in")
    @classmethod
    def _blocks(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for name in value or ():
            if name not in AddressBlocks.model_fields:
                known = ", ".join(AddressBlocks.model_fields)
                raise ValueError(f"unknown address block {name!r} (known: {known})")
        return value

    def signals(self) -> list[str]:
        """The signals this condition tests."""
        return sorted(k for k, v in self if v is not None)


class Rule(_Frozen):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
    when: Condition = Field(default_factory=Condition)  # empty: always (a last, catch-all rule)
    target: Target
    reason: Text  # one line an auditor reads, Chinese or English
    confidence: Annotated[float, Field(gt=0, le=1)] = 0.9


class Exception_(_Frozen):
    """An approved exception: the document that lets a network or line stay as it is."""

    subject: Text  # a network id ("<unit>:<system>") or a ledger circuit id
    document: Text  # the approving document's number, e.g. 九府办函〔2024〕12号
    date: dt.date
    target: Target = Target.RETAIN_EXCEPTION
    note: Text | None = None


# What a deadline can measure (govnet.reports.progress works each out).
DEADLINE_MEASURES = (
    "town_coverage",  # towns covered of all towns
    "village_coverage",  # villages covered of all villages
    "unit_coverage",  # units connected of all units that should connect
    "own_exits_closed",  # own internet exits closed of those found
    "networks_done",  # business networks migrated, retained or closed of those found
)


class Deadline(_Frozen):
    what: Text  # e.g. 乡镇电子政务外网覆盖率 100%
    measure: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]  # e.g. town_coverage
    level: Level | None = None
    value: Annotated[float, Field(ge=0, le=1)] | None = None
    by: dt.date
    document: Text | None = None

    @field_validator("measure")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in DEADLINE_MEASURES:
            raise ValueError(f"unknown measure {value!r} (known: {', '.join(DEADLINE_MEASURES)})")
        return value


PublicAccess = Literal["nat", "renumber"]


class Upstream(_Frozen):
    """How a district's dedicated zone reaches the city (DOMAIN.md section 5): one dot1q
    sub-interface per VPN on the PE's uplink (Option A), static routes both ways; or MP-BGP
    VPNv4 from the PE's loopback to the city's route reflectors, each VPN's routes carried
    by its route target (the catalogue's ``<extranet_asn>:<vpn_id>``, the city's too)."""

    handoff: Literal["option_a", "vpnv4"]
    vlans: str = "2001-2099"  # Option A: the VLAN pool on the PE's uplink, "first-last"
    link_pool: IPv4Network | None = None  # the hand-off /30s; default migration.link_pool
    route_reflectors: tuple[IPv4Address, ...] = ()  # VPNv4: the city's route reflectors
    # VPNv4: the route reflectors' AS; None: the PEs' own (migration.extranet_asn), iBGP.
    # Another AS makes the sessions multihop eBGP between loopbacks (ebgp-max-hop).
    reflector_asn: Annotated[int, Field(ge=1, le=4294967295)] | None = None

    @field_validator("vlans")
    @classmethod
    def _pool(cls, value: str) -> str:
        first, dash, last = value.partition("-")
        if not (first.strip().isdigit() and (not dash or last.strip().isdigit())):
            raise ValueError(f"{value!r} is not a VLAN range such as 2001-2099")
        low, high = int(first), int(last if dash else first)
        if not 1 <= low <= high <= 4094:
            raise ValueError(f"{value!r}: VLANs are 1 to 4094, the first not above the last")
        return value

    @model_validator(mode="after")
    def _reflectors(self) -> Upstream:
        if self.handoff == "vpnv4" and not self.route_reflectors:
            raise ValueError("handoff vpnv4 needs route_reflectors (the city's, by address)")
        return self

    @property
    def vlan_pool(self) -> list[int]:
        first, _, last = self.vlans.partition("-")
        return list(range(int(first), int(last or first) + 1))


class Migration(_Frozen):
    """How cutover plans build the extranet side (DOMAIN.md section 2)."""

    extranet_asn: Annotated[int, Field(ge=1, le=4294967295)]  # the PEs' AS: RD/RT, BGP peering
    dedicated_vpn: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]*\{key\}[A-Za-z0-9_.-]*$")] = (
        "zw-{key}"  # a business network's VPN instance in the dedicated zone
    )
    link_pool: IPv4Network  # /30s for new zone sub-interfaces between CE and PE
    routing: Literal["static", "bgp"] = "static"  # CE-PE routing in a new zone VPN
    upstream: Upstream | None = None  # the PE's hand-off of the dedicated zone to the city
    # How a local network's private LAN reaches the public zone, which carries only the
    # extranet's public blocks: the CE translates it to its public-zone link address (nat),
    # or the LAN takes a new subnet from public_pool (renumber); never a static route for a
    # private block the zone does not carry. public_access_of: per network "<unit>:<system>".
    public_access: PublicAccess = "nat"
    public_access_of: dict[Annotated[str, Field(pattern=r"^[^:\s]+:[^:\s]+$")], PublicAccess] = {}
    public_pool: IPv4Network | None = None  # renumbered LANs come from here (public blocks)
    public_probe: IPv4Address | None = None  # answers ping in the public zone (the portal)
    # Answers ping on the internet (a carrier's DNS server, say): an own exit is closed only
    # with the LAN shown to reach the internet through the extranet's internet zone.
    internet_probe: IPv4Address | None = None
    # An old line is shut only once it has gone quiet: at most quiet_rate packets per second
    # (in and out together: keepalives, not business) over quiet_seconds of its counters.
    quiet_seconds: Annotated[int, Field(ge=1, le=3600)] = 30
    quiet_rate: Annotated[float, Field(ge=0)] = 1.0
    # The plan document: the change window plans are made for unless `plan --window` names
    # one ("2026-12-20 22:00-02:00"), and the days the business is watched after the cutover
    # before the old lines are cancelled.
    window: str | None = None
    observation_days: Annotated[int, Field(ge=0, le=90)] = 7

    def get_public_access(self, network: str) -> PublicAccess:
        return self.public_access_of.get(network, self.public_access)


class Policy(_Frozen):
    zones: dict[Zone, ZoneSpec]
    address_blocks: AddressBlocks
    internet_zone_of: dict[Level, Level]  # which level's internet zone serves each level
    catalogue: tuple[System, ...]
    rules: tuple[Rule, ...]
    exceptions: tuple[Exception_, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    migration: Migration | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        keys = [s.key for s in self.catalogue]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"catalogue keys used twice: {', '.join(duplicates)}")
        ids = [r.id for r in self.rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"rule ids used twice: {', '.join(duplicates)}")
        for rule in self.rules:
            unknown = sorted(set(rule.when.system or ()) - set(keys))
            if unknown:
                raise ValueError(f"rule {rule.id}: not in the catalogue: {', '.join(unknown)}")
        if not self.rules or self.rules[-1].when.signals():
            raise ValueError("the last rule must have no `when`: every subject gets a target")
        missing = sorted(set(Zone) - set(self.zones))
        if missing:
            raise ValueError(f"zones missing: {', '.join(missing)}")
        if self.migration is not None:
            self._check_public(self.migration)
        return self

    def _check_public(self, m: Migration) -> None:
        """The public zone carries only the extranet's public blocks: a renumbering pool or
        a probe address outside them would route nowhere."""
        blocks = [*self.address_blocks.extranet_public, *self.address_blocks.extranet_local]
        named = ", ".join(map(str, blocks)) or "none"
        if m.public_pool is not None and not any(m.public_pool.subnet_of(b) for b in blocks):
            raise ValueError(
                f"migration.public_pool {m.public_pool} is not inside the extranet's public"
                f" blocks (address_blocks: {named})"
            )
        if m.public_probe is not None and not any(m.public_probe in b for b in blocks):
            raise ValueError(
                f"migration.public_probe {m.public_probe} is not inside the extranet's public"
                f" blocks (address_blocks: {named})"
            )
        renumbered = [k for k, v in m.public_access_of.items() if v == "renumber"]
        if m.public_pool is None and (m.public_access == "renumber" or renumbered):
            who = "public_access" if m.public_access == "renumber" else renumbered[0]
            raise ValueError(
                f"migration: {who} renumbers into the public zone but public_pool is not set"
                " (a block of the extranet's public range to take new subnets from)"
            )


def load_policy(project_root: Path | None = None) -> Policy:
    """The project's playbooks/policy.yaml, else the bundled one; ProblemsError naming file,
    line and field of every problem."""
    doc, problems = load_yaml(resolve(project_root, POLICY_FILE), POLICY_FILE)
    if doc is None:
        raise ProblemsError(problems)
    if not isinstance(doc.data, dict):
        raise ProblemsError([Problem(POLICY_FILE, "must be a mapping", 1)])
    try:
        return Policy.model_validate(doc.data)
    except ValidationError as exc:
        raise ProblemsError(validation_to_problems(exc, doc, (), None)) from None
