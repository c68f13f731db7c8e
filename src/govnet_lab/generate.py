"""Generate a district for the lab: inventory files, every router's state, ground truth, faults.

Two stages. ``synthesize_inventory`` invents a plausible inventory for any real county (its
NBS towns, departments, routers, ledger), and ``build_district`` turns any validated
inventory, invented or a user's, into routers whose state agrees with the ledger except
where it deliberately does not. Every choice comes from ``random.Random`` seeded with text
built from the seed, so the same inputs give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path
from typing import Any

import yaml

from govnet.model.divisions import DivisionTree, Level, get_bundled_tree, to_full_code
from govnet.model.files import write_atomically
from govnet.model.inventory import NORNIR_CONFIG, Inventory, Line, ResolvedHost, Role, UnitKind
from govnet.model.inventory_files import get_inventory
from govnet_lab.district import (
    BreachTruth,
    Disagreement,
    District,
    ExitTruth,
    GroundTruth,
    LineTruth,
    NetworkTruth,
    TownTruth,
    UnitExitsTruth,
    load_district,
    save_district,
    to_jsonable,
)
from govnet_lab.model import (
    Acl,
    ArpEntry,
    BgpPeer,
    Device,
    Fault,
    Interface,
    InterfaceKind,
    LearnedRoute,
    LldpNeighbour,
    NatKind,
    NatRule,
    OspfNeighbour,
    StaticRoute,
    VpnInstance,
)
from govnet_lab.vendors import get_platforms, get_vendor, get_vendors

__all__ = [
    "District",
    "FaultSpecError",
    "GroundTruth",
    "LabMismatchError",
    "build_district",
    "generate_lab",
    "load_district",
    "parse_fault_spec",
    "save_district",
    "synthesize_inventory",
]

DEFAULT_COUNTY = "500107"
DEFAULT_DEVICES = 30
FIRST_PORT = 20001
DISTRICT_FILE = Path(".govnet/lab/district.json")
TRUTH_FILE = Path("lab/ground_truth.yaml")

# Address blocks (DOMAIN.md: blocks are configuration, *verify* 59.255/16 for the extranet).
EXTRANET_PUBLIC = IPv4Network("59.255.0.0/16")
INTRANET_BLOCK = IPv4Network("172.31.0.0/16")
LOOPBACK_BLOCK = IPv4Network("10.254.0.0/16")  # router IDs
ISP_BLOCKS = {  # carrier → public block its WAN /30s come from (Chongqing telecom/unicom/mobile)
    "telecom": IPv4Network("202.98.0.0/16"),
    "unicom": IPv4Network("113.204.0.0/16"),
    "mobile": IPv4Network("117.59.0.0/16"),
    "broadcast": IPv4Network("106.80.0.0/16"),
    "other": IPv4Network("106.80.0.0/16"),
}
COUNTY_AS = 65001
CITY_AS = 65000


@dataclass(frozen=True)
class System:
    """A kind of network the generator recognises by the ledger's network name."""

    key: str  # VPN instance / VRF name and id part
    name: str  # vertical catalogue name, as surveys write it
    keywords: tuple[str, ...]
    category: str  # intranet, extranet, internet, vertical, local
    national: bool = False
    prefixes: tuple[str, ...] = ()
    upstream_as: int | None = None


SYSTEMS: tuple[System, ...] = (
    System(
        "neiwang",
        "电子政务内网",
        ("电子政务内网", "内网", "涉密"),
        "intranet",
        prefixes=("172.30.0.0/15",),
    ),
    System("waiwang", "电子政务外网", ("电子政务外网", "外网"), "extranet"),
    System("internet", "互联网", ("互联网", "宽带"), "internet"),
    System("jinshui", "金税", ("金税", "税务"), "vertical", True, ("10.144.0.0/13",), 64601),
    System("gongan", "公安信息网", ("公安", "金盾"), "vertical", True, ("10.160.0.0/12",), 64602),
    System("fayuan", "法院", ("法院",), "vertical", True, ("10.192.0.0/16",), 64603),
    System("jiancha", "检察", ("检察",), "vertical", True, ("10.193.0.0/16",), 64604),
    System(
        "jinbao", "金保", ("金保", "人社", "社保"), "vertical", False, ("10.176.0.0/16",), 64611
    ),
    System("yibao", "医保", ("医保",), "vertical", False, ("10.177.0.0/16",), 64612),
    System(
        "weijian", "卫健", ("卫生", "卫健", "健康"), "vertical", False, ("10.178.0.0/16",), 64613
    ),
    System("minzheng", "民政", ("民政",), "vertical", False, ("10.179.0.0/16",), 64614),
    System("zrzy", "自然资源", ("自然资源", "国土"), "vertical", False, ("10.180.0.0/16",), 64615),
    System("scjg", "市场监管", ("市场监管", "工商"), "vertical", False, ("10.181.0.0/16",), 64616),
    System("yingji", "应急", ("应急",), "vertical", False, ("10.182.0.0/16",), 64617),
    System("jincai", "金财", ("金财", "财政"), "vertical", False, ("10.183.0.0/16",), 64618),
    System("tongji", "统计", ("统计",), "vertical", False, ("10.184.0.0/16",), 64619),
    System("jinnong", "金农", ("金农", "农业"), "vertical", False, ("10.185.0.0/16",), 64620),
    System("shipin", "视频会议", ("视频会议",), "vertical", False, ("10.186.0.0/16",), 64621),
    System("jiaoyu", "教育城域网", ("教育",), "local", False, ("10.188.0.0/16",), None),
)
UNKNOWN_SYSTEM = System("other", "其他", (), "other", prefixes=("172.18.0.0/16",))


def get_system(line: Line) -> System:
    """The kind of network a ledger line carries: a classified line is intranet whatever it says."""
    if line.classified:
        return SYSTEMS[0]
    return next((s for s in SYSTEMS if any(k in line.network for k in s.keywords)), UNKNOWN_SYSTEM)


# --- platforms ---------------------------------------------------------------------------

_PEER_OUIS = ("00e0-fc", "4c1f-cc", "3891-d5", "7c1e-06", "a0e0-af", "0019-c6")


def _iter_p2p(block: IPv4Network, offset: int) -> Iterator[IPv4Network]:
    """The /30s of ``block`` from ``offset`` addresses in, wrapping round once; a county's
    salt picks the start so neighbouring labs differ, and big labs never run out early."""
    start = int(block.network_address)
    count = block.num_addresses // 4
    first = (offset % block.num_addresses) // 4
    for n in range(count):
        yield IPv4Network((start + 4 * ((first + n) % count), 30))


def _private_as(index: int) -> int:
    """A private AS per unit: 2-byte (64512-65534) while they last, then 4-byte (RFC 6996)."""
    return 65100 + index if index < 400 else 4_200_000_000 + index


def _acl_number(platform: str, index: int) -> str:
    return str(get_vendor(platform).first_acl + index)


def as_platform(device: Device, platform: str) -> Device:
    """A copy of a router served by another vendor (same design, that vendor's ACL numbers).

    Template tests use it to put every approach on every platform, whatever mix a seed gave.
    """
    copy = deepcopy(device)
    copy.platform = platform
    numbers = {acl.number: _acl_number(platform, i) for i, acl in enumerate(copy.acls)}
    for acl in copy.acls:
        acl.number = numbers[acl.number]
    for nat in copy.nat_rules:
        if nat.acl is not None:
            nat.acl = numbers.get(nat.acl, nat.acl)
    return copy


# --- descriptions as engineers write them ------------------------------------------------

_EXTRANET_DESC = ("至区电子政务外网", "To-ZWWW-QuJiJieDian", "电子政务外网上联")
_ZONE_DESC = {100: "至区电子政务外网-公用网络区", 200: "至区电子政务外网-专用网络区"}
_INTERNET_DESC = ("互联网专线-{carrier}", "Internet-{carrier_en}", "自租互联网出口({carrier})")
_CARRIER_CN = {
    "telecom": "电信",
    "unicom": "联通",
    "mobile": "移动",
    "broadcast": "广电",
    "other": "其他",
}


def _vertical_desc(system: System, rng: random.Random) -> str:
    options = (f"{system.name}专网上联", f"To-{system.key}-ShiJi", f"至市{system.name}汇聚")
    return rng.choice(options)


# --- the builder --------------------------------------------------------------------------


@dataclass
class _LinePlan:
    """What the generator decided for one ledger or device-only line."""

    line: Line | None
    unit: str
    network: str
    system: System
    host: str | None
    interface: str | None
    circuit_id: str | None
    zombie: bool = False
    ledger_only: bool = False  # deliberately missing on the device
    device_only: bool = False
    on_device: bool = False
    vpn_instance: str | None = None
    zoned: bool = False  # extranet: sub-interfaces per zone, dedicated-zone VPN
    own_exit: bool = False
    nat_kind: NatKind | None = None
    interfaces: list[str] = field(default_factory=list)  # "host:interface" it uses
    extra_hosts: list[str] = field(default_factory=list)  # lab peers (the county core)


class _Builder:
    """Holds the allocators while one district is generated."""

    def __init__(self, inventory: Inventory, seed: int) -> None:
        self.inventory = inventory
        self.seed = seed
        self.county = _get_county_code(inventory)
        self.devices: dict[str, Device] = {}
        self.free_ports: dict[str, Iterator[str]] = {}
        self.mac_count: dict[str, int] = {}
        self.mac_base: dict[str, str] = {}
        salt = int(self.county[:6]) % 200
        self.extranet_p2p = _iter_p2p(EXTRANET_PUBLIC, salt * 1024)
        self.dedicated_p2p = _iter_p2p(IPv4Network("172.16.0.0/15"), salt * 256)
        self.internal_p2p = _iter_p2p(IPv4Network("10.255.0.0/16"), salt * 256)
        self.isp_p2p = {
            carrier: _iter_p2p(block, salt * 256) for carrier, block in ISP_BLOCKS.items()
        }
        self.system_p2p: dict[str, Iterator[IPv4Network]] = {}
        self.unit_index = {u.id: i for i, u in enumerate(inventory.units)}
        # one /24 per unit (LAN and business /25s) from 10.<32..95>.0.0 on: a /16 per 256 units
        lan_base = 32 + salt % 64
        self.lan_summary = [
            IPv4Network(f"10.{lan_base + i}.0.0/16")
            for i in range((len(inventory.units) + 255) // 256)
        ]
        self.unit_as = {u.id: _private_as(i) for i, u in enumerate(inventory.units)}
        self.plans: list[_LinePlan] = []
        self.breaches: list[BreachTruth] = []
        self.core_unit: str | None = None
        self.unified_units: set[str] = set()
        self.zoned_units: set[str] = set()
        self.breach_plan: _LinePlan | None = None

    def rng(self, *parts: object) -> random.Random:
        """A generator of its own per decision, so adding one choice moves no other."""
        return random.Random(":".join([str(self.seed), *map(str, parts)]))

    # --- devices ---------------------------------------------------------------------

    def build(self) -> District:
        hosts = sorted(self.inventory.hosts, key=lambda h: h.port)
        cores = [h for h in hosts if h.role is Role.CORE]
        self.core_unit = cores[0].unit if cores else None
        used: dict[str, set[str]] = {}
        for line in self.inventory.lines:
            if line.a_device and line.a_interface:
                used.setdefault(line.a_device, set()).update(
                    {line.a_interface, line.a_interface.split(".")[0]}
                )
        for host in hosts:
            self.devices[host.name] = self._new_device(host, used.get(host.name, set()))
        self._plan_lines()
        self._add_internal_links(cores)
        for plan in self.plans:
            self._build_line(plan, cores)
        self._add_breach(cores)
        truth = self._get_truth()
        return District(
            to_full_code(self.county), self.seed, [self.devices[h.name] for h in hosts], truth
        )

    def _new_device(self, host: ResolvedHost, used: set[str]) -> Device:
        platforms = get_platforms()
        if host.platform not in platforms:
            served = ", ".join(platforms)
            raise ValueError(
                f"{host.name}: the lab cannot serve platform {host.platform!r} (only {served})"
            )
        platform = host.platform
        vendor = get_vendor(platform)
        rng = self.rng("device", host.name)
        legacy = vendor.is_legacy(used)
        model, versions = rng.choice(vendor.legacy_models if legacy else vendor.models)
        # Every vendor's serial is drawn, in the vendors' order, and this one's kept: so the
        # draws were first written (one dict of f-strings), and so a seed's district stays
        # the same. A vendor added later moves the draws after it: its districts change.
        serial = {v.platform: v.make_serial(rng) for v in get_vendors()}[platform]
        self.mac_base[host.name] = (
            f"{vendor.mac_prefix}{rng.randrange(256):02x}-{rng.randrange(65536):04x}"
        )
        self.mac_count[host.name] = 0
        ports = (n for n in vendor.port_names(legacy) if n not in used)
        self.free_ports[host.name] = ports
        index = len(self.devices) + 1
        router_id = LOOPBACK_BLOCK.network_address + index
        device = Device(
            hostname=host.name,
            platform=platform,
            port=host.port,
            model=model,
            serial=serial,
            os_version=rng.choice(versions),
            uptime_s=rng.randrange(3 * 86_400, 700 * 86_400),
            unit=host.unit,
            division_code=host.division_code,
            site=host.site,
            role=host.role.value,
            router_id=router_id,
        )
        device.interfaces.append(
            Interface(
                vendor.loopback,
                InterfaceKind.LOOPBACK,
                "Router-ID",
                address=IPv4Interface(f"{router_id}/32"),
                mac=self._next_mac(host.name),
                bandwidth_mbps=8000,
            )
        )
        if host.role is not Role.FIREWALL:
            lan = self._get_lan(host.unit)
            position = sum(1 for d in self.devices.values() if d.unit == host.unit) + 1
            device.interfaces.append(
                Interface(
                    next(ports),
                    description=rng.choice(("内网LAN", "To-LAN-Core-SW", "至单位内网核心交换机")),
                    address=IPv4Interface(f"{lan.network_address + position}/{lan.prefixlen}"),
                    mac=self._next_mac(host.name),
                )
            )
        return device

    def _get_lan(self, unit: str) -> IPv4Network:
        index = self.unit_index.get(unit, 0)
        return IPv4Network(f"{self.lan_summary[0].network_address + index * 256}/25")

    def _next_mac(self, host: str) -> str:
        self.mac_count[host] += 1
        base = self.mac_base[host]
        return f"{base[:-2]}{(int(base[-2:], 16) + self.mac_count[host]) % 256:02x}"

    def _ensure_interface(self, device: Device, name: str, **kwargs: Any) -> Interface:
        existing = device.get_interface(name)
        if existing is not None:
            return existing
        parent = name.split(".")[0]
        if "." in name and device.get_interface(parent) is None:
            self._ensure_interface(device, parent)
        iface = Interface(name, mac=self._next_mac(device.hostname), **kwargs)
        if "." in name:
            iface.kind = InterfaceKind.SUBINTERFACE
            iface.dot1q = iface.dot1q or int(name.split(".")[1])
            iface.mac = device.get_interface(parent).mac  # type: ignore[union-attr]
        device.interfaces.append(iface)
        return iface

    def _p2p(
        self,
        device: Device,
        name: str,
        subnet: IPv4Network,
        description: str,
        *,
        vpn: str | None = None,
        up: bool = True,
        bandwidth: int = 1000,
        peer: Device | None = None,
        peer_name: str | None = None,
        peer_description: str | None = None,
        peer_is_first: bool = True,
    ) -> tuple[IPv4Address, IPv4Address]:
        """One point-to-point link; with a lab peer, both ends (LLDP, ARP) agree."""
        first, second = list(subnet.hosts())[:2]
        mine, theirs = (second, first) if peer_is_first else (first, second)
        iface = self._ensure_interface(device, name)
        iface.description = description
        iface.address = IPv4Interface(f"{mine}/{subnet.prefixlen}")
        iface.vpn_instance = vpn
        iface.link_up = up
        iface.bandwidth_mbps = bandwidth
        if "." in name:
            parent = device.get_interface(name.split(".")[0])
            if parent is not None:
                parent.link_up = up
                parent.bandwidth_mbps = bandwidth
        if peer is not None and peer_name is not None:
            other = self._ensure_interface(peer, peer_name)
            other.description = peer_description or f"To-{device.hostname}"
            other.address = IPv4Interface(f"{theirs}/{subnet.prefixlen}")
            other.vpn_instance = vpn
            other.link_up = up
            other.bandwidth_mbps = bandwidth
            if up:
                local_port, peer_port = name.split(".")[0], peer_name.split(".")[0]
                if not any(n.local_interface == local_port for n in device.lldp_neighbours):
                    device.lldp_neighbours.append(
                        LldpNeighbour(local_port, peer.sysname, peer_port)
                    )
                    peer.lldp_neighbours.append(
                        LldpNeighbour(peer_port, device.sysname, local_port)
                    )
                device.arp.append(ArpEntry(theirs, other.mac, name, vpn))
                peer.arp.append(ArpEntry(mine, iface.mac, peer_name, vpn))
        elif up:
            rng = self.rng("arp", device.hostname, name)
            oui = rng.choice(_PEER_OUIS)  # a real vendor's unicast prefix, not random bits
            mac = f"{oui}{rng.randrange(256):02x}-{rng.randrange(65536):04x}"
            device.arp.append(ArpEntry(theirs, mac, name, vpn))
        return mine, theirs

    # --- the plan: which line is what, and the deliberate mistakes -----------------------

    def _plan_lines(self) -> None:
        for line in self.inventory.lines:
            system = get_system(line)
            self.plans.append(
                _LinePlan(
                    line,
                    line.unit,
                    line.network,
                    system,
                    line.a_device if line.a_device in self.devices else None,
                    line.a_interface,
                    line.circuit_id,
                    zombie="停用" in (line.note or ""),
                )
            )
        on_devices = [p for p in self.plans if p.host is not None]
        if not any(p.zombie for p in on_devices):
            candidates = [p for p in on_devices if p.system.category in ("vertical", "internet")]
            if candidates and self.core_unit is not None:
                candidates = [p for p in candidates if p.unit != self.core_unit] or candidates
            if candidates:
                self.rng("zombie").choice(candidates).zombie = True
        # A ledger line no device shows: the interface it names is simply not there.
        candidates = [
            p
            for p in on_devices
            if not p.zombie
            and p.unit != self.core_unit
            and p.system.category in ("vertical", "local", "other")
        ] or [p for p in on_devices if not p.zombie and p.system.category == "extranet"]
        if candidates:
            self.rng("ledger_only").choice(candidates).ledger_only = True
        # A device line the ledger lacks: a self-rented internet line on an edge router.
        internet_units = {p.unit for p in self.plans if p.system.category == "internet"}
        hosts = [
            h
            for h in sorted(self.inventory.hosts, key=lambda h: h.port)
            if h.role is Role.EDGE
            and h.unit != self.core_unit
            and h.unit not in internet_units
            and not self._is_classified_unit(h.unit)
        ]
        lineless = [h for h in hosts if not any(p.host == h.name for p in self.plans)]
        if hosts:
            host = self.rng("device_only").choice(lineless or hosts)
            self.plans.append(
                _LinePlan(
                    None, host.unit, "互联网", SYSTEMS[2], host.name, None, None, device_only=True
                )
            )
        for plan in self.plans:
            if plan.system.category == "internet" and plan.host and not plan.zombie:
                plan.own_exit = plan.unit != self.core_unit
        own = {p.unit for p in self.plans if p.own_exit}
        zonable: list[str] = []
        for unit in sorted({p.unit for p in self.plans if p.system.category == "extranet"}):
            rng = self.rng("unit", unit)
            kind = self.inventory.get_unit(unit)
            department = kind is not None and kind.kind is UnitKind.DEPARTMENT
            if department and unit != self.core_unit:
                zonable.append(unit)
                if rng.random() < 0.5:
                    self.zoned_units.add(unit)
            # Only a device shows a default route toward the extranet: a unit whose access
            # no inventory device carries (a 4G router) cannot be known to use the unified exit.
            on_device = any(
                p.host for p in self.plans if p.unit == unit and p.system.category == "extranet"
            )
            if unit == self.core_unit or (unit not in own and on_device and rng.random() < 0.8):
                self.unified_units.add(unit)
        if zonable and not self.zoned_units:  # every district has a department already zoned
            self.zoned_units.add(self.rng("zoned").choice(zonable))
        for unit in self.zoned_units - own:
            self.unified_units.add(unit)

    def _is_classified_unit(self, unit: str) -> bool:
        found = self.inventory.get_unit(unit)
        return found is not None and found.classified

    # --- building each line ---------------------------------------------------------------

    def _build_line(self, plan: _LinePlan, cores: list[ResolvedHost]) -> None:
        if plan.host is None or plan.ledger_only:
            return
        device = self.devices[plan.host]
        if plan.interface is None:
            plan.interface = next(self.free_ports[plan.host])
        plan.on_device = True
        plan.interfaces.append(f"{plan.host}:{plan.interface}")
        bandwidth = int(plan.line.bandwidth_mbps or 100) if plan.line else 100
        category = plan.system.category
        if category == "extranet":
            if plan.unit == self.core_unit:
                self._build_uplink(plan, device, bandwidth)
            else:
                self._build_extranet(plan, device, bandwidth, cores)
        elif category == "internet":
            self._build_internet(plan, device, bandwidth)
        else:
            self._build_vertical(plan, device, bandwidth)

    def _build_uplink(self, plan: _LinePlan, device: Device, bandwidth: int) -> None:
        """The county node's uplink to the city node: BGP to a router outside the lab."""
        assert plan.interface is not None
        subnet = next(self.extranet_p2p)
        desc = "至市电子政务外网市级节点" + ("（主用）" if "core1" in device.hostname else "")
        _, city = self._p2p(
            device, plan.interface, subnet, desc, up=not plan.zombie, bandwidth=bandwidth
        )
        device.bgp_as = COUNTY_AS
        device.bgp_peers.append(BgpPeer(city, CITY_AS, description="City-ZWWW-Node"))
        for prefix in ("59.255.0.0/16", "10.0.0.0/8"):
            device.learned_routes.append(
                LearnedRoute(IPv4Network(prefix), "bgp", city, plan.interface)
            )

    def _get_core(self, plan: _LinePlan, cores: list[ResolvedHost]) -> Device | None:
        if not cores:
            return None
        index = self.unit_index.get(plan.unit, 0)
        return self.devices[cores[index % len(cores)].name]

    def _build_extranet(
        self, plan: _LinePlan, device: Device, bandwidth: int, cores: list[ResolvedHost]
    ) -> None:
        """A unit's access to the county node: flat in global or one sub-interface per zone."""
        assert plan.interface is not None
        rng = self.rng("extranet", plan.host, plan.interface)
        core = self._get_core(plan, cores)
        core_port = next(self.free_ports[core.hostname]) if core is not None else None
        up = not plan.zombie
        zoned = plan.unit in self.zoned_units and "." not in plan.interface
        use_bgp = rng.random() < 0.4
        unified = plan.unit in self.unified_units
        public_if = f"{plan.interface}.100" if zoned else plan.interface
        core_public = None if core_port is None else (f"{core_port}.100" if zoned else core_port)
        if "." in plan.interface and core_port is not None:
            core_public = f"{core_port}.{plan.interface.split('.')[1]}"
        desc = _ZONE_DESC[100] if zoned else rng.choice(_EXTRANET_DESC)
        mine, pe = self._p2p(
            device,
            public_if,
            next(self.extranet_p2p),
            desc,
            up=up,
            bandwidth=bandwidth,
            peer=core,
            peer_name=core_public,
            peer_description=f"To-{device.hostname}",
        )
        if zoned:
            self._ensure_interface(device, plan.interface).description = rng.choice(
                ("至区电子政务外网（主干）", "To-ZWWW-Trunk")
            )
            plan.interfaces.append(f"{plan.host}:{public_if}")
        if core is not None:
            plan.extra_hosts.append(core.hostname)
            if core_public is not None:
                plan.interfaces.append(f"{core.hostname}:{core_public}")
        lan = self._get_lan(plan.unit)
        prefixes = [EXTRANET_PUBLIC] + ([IPv4Network("0.0.0.0/0")] if unified else [])
        self._route_pair(
            device,
            core,
            plan.interface if not zoned else public_if,
            core_public,
            mine,
            pe,
            None,
            prefixes,
            [lan],
            use_bgp,
            plan.unit,
        )
        if not zoned:
            return
        # The dedicated zone: one VPN instance per business system (named as the planner
        # names it), or the department's own when it has none; addresses kept.
        system = self._unit_system(plan.unit)
        vpn = f"zw-{system.key if self._is_carrier_of(system) else plan.unit.split('-', 1)[-1]}"
        plan.vpn_instance = vpn
        number = 100 + self.unit_index.get(plan.unit, 0)
        for dev in (device, core):
            if dev is not None and dev.get_vpn_instance(vpn) is None:
                target = f"{COUNTY_AS}:{number}"
                dev.vpn_instances.append(
                    VpnInstance(vpn, target, [target], [target], f"{plan.unit} 专用网络区")
                )
        dedicated_if = f"{plan.interface}.200"
        core_dedicated = None if core_port is None else f"{core_port}.200"
        mine2, pe2 = self._p2p(
            device,
            dedicated_if,
            next(self.dedicated_p2p),
            _ZONE_DESC[200],
            vpn=vpn,
            up=up,
            bandwidth=bandwidth,
            peer=core,
            peer_name=core_dedicated,
            peer_description=f"To-{device.hostname}-{vpn}",
        )
        plan.interfaces.append(f"{plan.host}:{dedicated_if}")
        if core is not None and core_dedicated is not None:
            plan.interfaces.append(f"{core.hostname}:{core_dedicated}")
        business = IPv4Network(f"{lan.network_address + 128}/25")
        self._ensure_interface(
            device,
            next(self.free_ports[device.hostname]),
            description="业务专网终端接入",
            address=IPv4Interface(f"{business.network_address + 1}/25"),
            vpn_instance=vpn,
        )
        remote = [IPv4Network(p) for p in system.prefixes] or [IPv4Network("10.250.0.0/16")]
        self._route_pair(
            device,
            core,
            dedicated_if,
            core_dedicated,
            mine2,
            pe2,
            vpn,
            remote,
            [business],
            use_bgp,
            plan.unit,
        )

    @staticmethod
    def _is_carrier_of(system: System) -> bool:
        """Whether a unit's dedicated-zone VPN is named for (and carries) this system."""
        return system.category in ("vertical", "local") and not system.national

    def _unit_system(self, unit: str) -> System:
        for plan in self.plans:
            if plan.unit == unit and plan.system.category in ("vertical", "local"):
                return plan.system
        return System("zw", "专用网络区", (), "extranet")

    def _route_pair(
        self,
        device: Device,
        core: Device | None,
        iface: str,
        core_iface: str | None,
        mine: IPv4Address,
        pe: IPv4Address,
        vpn: str | None,
        remote: list[IPv4Network],
        local: list[IPv4Network],
        use_bgp: bool,
        unit: str,
    ) -> None:
        """Routing over one CE–PE link, the same on both ends: static, or BGP both ways."""
        if use_bgp:
            device.bgp_as = self.unit_as[unit]
            device.bgp_peers.append(BgpPeer(pe, COUNTY_AS, vpn, description="To-ZWWW-PE"))
            for prefix in remote:
                device.learned_routes.append(LearnedRoute(prefix, "bgp", pe, iface, vpn))
            if core is not None and core_iface is not None:
                core.bgp_as = COUNTY_AS
                core.bgp_peers.append(
                    BgpPeer(mine, self.unit_as[unit], vpn, description=device.hostname)
                )
                for prefix in local:
                    core.learned_routes.append(LearnedRoute(prefix, "bgp", mine, core_iface, vpn))
            return
        for prefix in remote:
            device.static_routes.append(StaticRoute(prefix, pe, vpn_instance=vpn))
        if core is not None:
            for prefix in local:
                core.static_routes.append(StaticRoute(prefix, mine, vpn_instance=vpn))

    def _build_internet(self, plan: _LinePlan, device: Device, bandwidth: int) -> None:
        """A self-rented internet line: public WAN address, NAT of the LAN, default to the ISP."""
        assert plan.interface is not None
        rng = self.rng("internet", plan.host, plan.interface)
        carrier = plan.line.carrier.value if plan.line else rng.choice(("telecom", "unicom"))
        subnet = next(self.isp_p2p[carrier])
        template = rng.choice(_INTERNET_DESC)
        desc = template.format(carrier=_CARRIER_CN[carrier], carrier_en=carrier.title())
        if plan.device_only:
            desc = rng.choice(("自租宽带", "Internet-Backup", "临时互联网出口"))
        _, isp = self._p2p(
            device, plan.interface, subnet, desc, up=not plan.zombie, bandwidth=bandwidth
        )
        device.static_routes.append(StaticRoute(IPv4Network("0.0.0.0/0"), isp))
        acl = _acl_number(device.platform, len(device.acls))
        permit = [self._get_lan(plan.unit)]
        if plan.unit == self.core_unit:
            permit = list(self.lan_summary)
        device.acls.append(Acl(acl, permit))
        if plan.unit == self.core_unit and get_vendor(device.platform).pooled_county_exit:
            pool_start = subnet.broadcast_address + 2
            device.nat_rules.append(
                NatRule(
                    NatKind.OUTBOUND,
                    plan.interface,
                    acl,
                    "1",
                    pool_start=pool_start,
                    pool_end=pool_start + 5,
                )
            )
        else:
            device.nat_rules.append(NatRule(NatKind.EASY_IP, plan.interface, acl))
        plan.nat_kind = device.nat_rules[-1].kind

    def _build_vertical(self, plan: _LinePlan, device: Device, bandwidth: int) -> None:
        """A vertical (or classified, or unknown) network: its own VRF, routes to the ministry."""
        assert plan.interface is not None
        system = plan.system
        rng = self.rng("vertical", plan.host, plan.interface)
        vpn: str | None = None
        if system.category == "vertical" and rng.random() < 0.7:
            vpn = system.key
            if device.get_vpn_instance(vpn) is None:
                rd = f"{rng.randrange(100, 999)}:{rng.randrange(1, 99)}"
                device.vpn_instances.append(VpnInstance(vpn, rd, [rd], [rd], system.name))
        plan.vpn_instance = vpn
        block = IPv4Network(system.prefixes[0] if system.prefixes else "172.18.0.0/16")
        if system.category == "intranet":
            block = INTRANET_BLOCK
        if system.key not in self.system_p2p:
            offset = block.num_addresses - 256 * (1 + int(self.county[:6]) % 16)
            self.system_p2p[system.key] = _iter_p2p(block, offset)
        subnet = next(self.system_p2p[system.key])
        if system.category == "intranet":
            desc = rng.choice(("至市委机要局电子政务内网", "DZZW-NeiWang-ShangLian"))
        elif system.category == "other":
            desc = f"至{plan.network[:30]}"
        else:
            desc = _vertical_desc(system, rng)
        _, upstream = self._p2p(
            device, plan.interface, subnet, desc, vpn=vpn, up=not plan.zombie, bandwidth=bandwidth
        )
        prefixes = [IPv4Network(p) for p in system.prefixes] or [IPv4Network("172.18.0.0/16")]
        if system.upstream_as is not None and not plan.zombie and rng.random() < 0.4:
            device.bgp_as = device.bgp_as or self.unit_as.get(plan.unit, 65100)
            device.bgp_peers.append(
                BgpPeer(upstream, system.upstream_as, vpn, description=f"{system.key}-upstream")
            )
            for prefix in prefixes:
                device.learned_routes.append(
                    LearnedRoute(prefix, "bgp", upstream, plan.interface, vpn)
                )
        else:
            for prefix in prefixes:  # a zombie keeps its stale static route in the config
                device.static_routes.append(StaticRoute(prefix, upstream, vpn_instance=vpn))

    # --- inside the county node, and the breach -------------------------------------------

    def _add_internal_links(self, cores: list[ResolvedHost]) -> None:
        """Core pair with OSPF, core → firewall → internet router with default routes."""
        if not cores:
            return
        node = [
            self.devices[h.name]
            for h in sorted(self.inventory.hosts, key=lambda h: h.port)
            if h.unit == cores[0].unit
        ]
        core_devices = [d for d in node if d.role == Role.CORE.value]
        for a, b in itertools.pairwise(core_devices):
            a_if, b_if = next(self.free_ports[a.hostname]), next(self.free_ports[b.hostname])
            mine, theirs = self._p2p(
                a, a_if, next(self.internal_p2p), f"To-{b.hostname}", peer=b, peer_name=b_if
            )
            a.ospf_neighbours.append(OspfNeighbour(b.router_id or theirs, theirs, a_if))
            b.ospf_neighbours.append(OspfNeighbour(a.router_id or mine, mine, b_if))
        chain = (
            core_devices[:1]
            + [d for d in node if d.role == Role.FIREWALL.value][:1]
            + [d for d in node if d.role == Role.INTERNET.value][:1]
        )
        for a, b in itertools.pairwise(chain):
            a_if, b_if = next(self.free_ports[a.hostname]), next(self.free_ports[b.hostname])
            mine, theirs = self._p2p(
                a,
                a_if,
                next(self.internal_p2p),
                f"To-{b.hostname}",
                peer=b,
                peer_name=b_if,
                peer_is_first=False,
            )
            a.static_routes.append(StaticRoute(IPv4Network("0.0.0.0/0"), theirs))
            b.static_routes.extend(StaticRoute(block, mine) for block in self.lan_summary)

    def _add_breach(self, cores: list[ResolvedHost]) -> None:
        """Exactly one device that touches the classified network and the extranet."""
        classified = [p for p in self.plans if p.system.category == "intranet" and p.on_device]
        if not classified or classified[0].host is None:
            return
        plan = classified[0]
        assert plan.host is not None
        device = self.devices[plan.host]
        core = self._get_core(plan, cores)
        port = next(self.free_ports[device.hostname])
        core_port = next(self.free_ports[core.hostname]) if core is not None else None
        _mine, pe = self._p2p(
            device,
            port,
            next(self.extranet_p2p),
            "临时接入电子政务外网",
            peer=core,
            peer_name=core_port,
        )
        device.static_routes.append(StaticRoute(EXTRANET_PUBLIC, pe))
        self.breaches.append(
            BreachTruth(
                plan.host,
                plan.unit,
                [plan.network, "电子政务外网"],
                [f"{plan.host}:{plan.interface}", f"{plan.host}:{port}"],
            )
        )
        self.plans.append(
            _LinePlan(
                None,
                plan.unit,
                "电子政务外网",
                SYSTEMS[1],
                plan.host,
                port,
                None,
                device_only=True,
                on_device=True,
                interfaces=[f"{plan.host}:{port}"],
            )
        )
        self.breach_plan = self.plans[-1]

    # --- ground truth --------------------------------------------------------------------

    def _get_truth(self) -> GroundTruth:
        truth = GroundTruth(breaches=self.breaches)
        breach = self.breach_plan
        for plan in self.plans:
            target, reason = self._line_target(plan, plan is breach)
            truth.lines.append(
                LineTruth(
                    plan.circuit_id,
                    plan.unit,
                    plan.network,
                    plan.host,
                    plan.interface,
                    target,
                    plan.line is not None,
                    plan.on_device,
                    plan.zombie,
                    reason,
                )
            )
            if plan.ledger_only:
                truth.disagreements.append(
                    Disagreement(
                        "ledger_only", plan.circuit_id, plan.unit, plan.host, plan.interface
                    )
                )
            elif plan.device_only:
                truth.disagreements.append(
                    Disagreement("device_only", None, plan.unit, plan.host, plan.interface)
                )
        groups: dict[tuple[str, str], list[_LinePlan]] = {}
        for plan in self.plans:
            if plan is not breach:
                groups.setdefault((plan.unit, plan.system.key), []).append(plan)
        for (unit, key), plans in groups.items():
            target, reason = self._network_target(unit, plans)
            system = plans[0].system
            names = sorted({p.network for p in plans})
            truth.networks.append(
                NetworkTruth(
                    f"{unit}:{key}",
                    unit,
                    names[0],
                    system.name if system.category == "vertical" else None,
                    sorted(
                        {p.host for p in plans if p.on_device and p.host}
                        | {h for p in plans if p.on_device for h in p.extra_hosts}
                    ),
                    sorted({i for p in plans if p.on_device for i in p.interfaces}),
                    next((p.vpn_instance for p in plans if p.vpn_instance), None),
                    sorted(p.circuit_id for p in plans if p.circuit_id),
                    target,
                    reason,
                )
            )
        truth.exits = self._get_exits()
        truth.towns = self._get_towns()
        return truth

    def _line_target(self, plan: _LinePlan, is_breach: bool) -> tuple[str, str]:
        if is_breach:
            return "decommission", "classified device linked to the extranet: disconnect"
        if plan.zombie:
            return "decommission", "zombie: interface down, no routes, no ARP"
        if plan.ledger_only:
            return "review", "in the ledger on a named device, but no device shows it"
        if plan.system.category == "internet":
            if plan.unit == self.core_unit:
                return "extranet_internet", "the county's unified internet exit"
            return "decommission", "self-rented internet line: replaced by the internet zone"
        return self._network_target(plan.unit, [plan])

    def _network_target(self, unit: str, plans: list[_LinePlan]) -> tuple[str, str]:
        system = plans[0].system
        if (
            unit in self.zoned_units
            and self._unit_system(unit) is system
            and self._is_carrier_of(system)
            and not any(p.on_device and not p.zombie for p in plans)
        ):
            return "extranet_dedicated_vpn", "migrated: carried in the dedicated zone"
        if all(p.zombie for p in plans):
            return "decommission", "every line of it is a zombie"
        if system.category == "intranet":
            return "intranet", "classified business: e-government intranet"
        if system.category == "extranet":
            if unit in self.zoned_units:
                return "extranet_dedicated_vpn", "already on a dedicated-zone VPN instance"
            return "extranet_public", "extranet access in the public zone"
        if system.category == "internet":
            return "extranet_internet", "internet access moves to the extranet internet zone"
        if not any(p.on_device for p in plans):
            return "review", "the ledger names it but no device shows it"
        if system.category == "local":
            return "extranet_public", "local network with no vertical link"
        if system.category == "vertical":
            if system.national:
                return "retain_national", f"{system.name}: nationally planned vertical network"
            return "extranet_dedicated_vpn", f"{system.name}: vertical network, needs isolation"
        return "review", "network not in the vertical catalogue"

    def _get_exits(self) -> list[UnitExitsTruth]:
        result: list[UnitExitsTruth] = []
        for unit in self.inventory.units:
            exits: list[ExitTruth] = []
            for plan in self.plans:
                if plan.unit != unit.id or plan.system.category != "internet" or plan.zombie:
                    continue
                own = unit.id != self.core_unit
                line_kind = plan.line.kind.value if plan.line else None
                if plan.on_device and plan.nat_kind is not None:
                    kind = "nat_outbound" if plan.nat_kind is NatKind.OUTBOUND else "easy_ip"
                    exits.append(
                        ExitTruth(
                            plan.host,
                            plan.interface,
                            kind,
                            own,
                            [kind, "default_route", "public_address"],
                            plan.circuit_id,
                        )
                    )
                elif plan.line is not None and not plan.ledger_only:
                    kind = line_kind if line_kind in ("broadband", "cellular") else "public_address"
                    exits.append(ExitTruth(None, None, kind, own, ["ledger"], plan.circuit_id))
            own_exit = any(e.own_exit for e in exits)
            public = any(
                p.unit == unit.id
                and p.system.category == "extranet"
                and not p.zombie
                and not p.ledger_only
                and p is not self.breach_plan
                for p in self.plans
            )
            dedicated = unit.id in self.zoned_units
            category: str | None = None
            if public:
                if own_exit:
                    category = "E" if dedicated else "C"
                elif unit.id in self.unified_units:
                    category = "D" if dedicated else "B"
                else:
                    category = "A"
            result.append(UnitExitsTruth(unit.id, category, own_exit, exits))
        return result

    def _get_towns(self) -> list[TownTruth]:
        tree = get_bundled_tree()
        categories = {e.unit: e.category for e in self._get_exits()}
        towns: list[TownTruth] = []
        for division in tree.get_descendants(self.county[:6], Level.TOWN):
            units = sorted(u.id for u in self.inventory.units if u.division_code == division.code)
            covered = any(categories.get(u) is not None for u in units)
            towns.append(TownTruth(division.code, division.name, covered, units))
        return towns


def _get_county_code(inventory: Inventory) -> str:
    """The county the inventory describes: its county unit, else the most common county."""
    county = next((u for u in inventory.units if u.kind is UnitKind.COUNTY), None)
    if county is not None:
        return county.division_code[:6].ljust(12, "0")
    codes = sorted(u.division_code[:6] for u in inventory.units)
    if not codes:
        raise ValueError("the inventory has no units: cannot tell its county")
    return max(codes, key=codes.count).ljust(12, "0")


def build_district(inventory: Inventory, seed: int) -> District:
    """Every router's state, consistent with the inventory except where truth records it."""
    return _Builder(inventory, seed).build()


# --- stage 1: an inventory for any real county --------------------------------------------

# (id part, name after the county prefix, the vertical network its ledger names, extras)
_DEPARTMENTS: tuple[tuple[str, str, str | None, str], ...] = (
    ("gongan", "公安局{county}分局", "公安信息网", "inet"),
    ("shuiwu", "税务局", "金税三期专网", ""),
    ("renshe", "人力资源和社会保障局", "金保工程专网", ""),
    ("yibao", "医疗保障局", "医保专网", ""),
    ("weijian", "卫生健康委员会", "卫生健康专网", "inet,ce2"),
    ("jiaowei", "教育委员会", "教育城域网", "inet"),
    ("minzheng", "民政局", "民政业务专网", ""),
    ("ziranziyuan", "自然资源局", "自然资源业务网", "inet"),
    ("shichang", "市场监督管理局", "市场监管专网", ""),
    ("yingji", "应急管理局", "应急指挥专网", "inet,ce2"),
    ("caizheng", "财政局", "金财工程专网", ""),
    ("tongji", "统计局", "统计专网", "zombie"),
    ("fayuan", "人民法院", "法院专网", ""),
    ("jiancha", "人民检察院", "检察专网", ""),
    ("nongye", "农业农村委员会", "金农工程专网", ""),
    ("sifa", "司法局", None, ""),
    ("fagai", "发展和改革委员会", None, "inet"),
    ("zhujian", "住房和城乡建设委员会", None, ""),
)
_PROVINCE_ABBR = {
    "11": "BJ",
    "12": "TJ",
    "13": "HE",
    "14": "SX",
    "21": "LN",
    "31": "SH",
    "32": "JS",
    "33": "ZJ",
    "34": "AH",
    "35": "FJ",
    "36": "JX",
    "37": "SD",
    "41": "HA",
    "42": "HB",
    "43": "HN",
    "44": "GD",
    "50": "CQ",
    "51": "SC",
    "52": "GZ",
    "53": "YN",
    "61": "SN",
}
_CARRIER_CODE = {"telecom": "DX", "unicom": "LT", "mobile": "YD", "broadcast": "GD"}
_KIND_CODE = {
    "mstp": "MSTP",
    "sdh": "SDH",
    "mpls_vpn": "MPLS",
    "dark_fibre": "DF",
    "internet": "INT",
    "broadband": "KD",
    "cellular": "WLW",
}


def _get_county_names(county: str, tree: DivisionTree) -> tuple[str, str]:
    """(prefix as unit names start, e.g. 潍坊市潍城区 / 重庆市九龙坡区; the county's own name)."""
    path = [d.name for d in tree.get_path(county)]
    city = path[0] if len(path) < 3 or path[1] in ("市辖区", "县") else path[1]
    return city + path[-1], path[-1]


def _check_county(county: str, tree: DivisionTree) -> str:
    try:
        code = to_full_code(county)
    except ValueError as exc:
        raise LabMismatchError(str(exc)) from exc
    division = tree.get(code)
    if division is None or division.level is not Level.COUNTY:
        raise LabMismatchError(f"{county} is not a county-level division in the bundled data")
    return code


def _dump_yaml(header: str, data: Any) -> str:
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    return header + "\n" + body


def synthesize_inventory(
    county: str, seed: int, devices: int, tree: DivisionTree, first_port: int = FIRST_PORT
) -> tuple[str, str, str]:
    """units.yaml, hosts.yaml and lines.yaml texts for a plausible district of ~``devices``."""
    code = _check_county(county, tree)
    if devices < 6:
        raise ValueError(f"a district needs at least 6 routers, not {devices}")
    if not 1024 <= first_port <= 65536 - devices:
        raise ValueError(f"ports {first_port}..{first_port + devices - 1} are not all usable")
    prefix, county_name = _get_county_names(code, tree)
    short = "jlp" if code[:6] == DEFAULT_COUNTY else f"c{code[:6]}"
    province = _PROVINCE_ABBR.get(code[:2], f"P{code[:2]}")
    rng = random.Random(f"{seed}:synthesize:{code}")
    towns = tree.get_descendants(code[:6], Level.TOWN)
    units: list[dict[str, Any]] = [
        {
            "id": short,
            "name": f"{prefix}人民政府",
            "kind": "county",
            "division_code": code,
            "classified": False,
        },
        {
            "id": f"{short}-dsj",
            "name": f"{prefix}大数据应用发展管理局",
            "kind": "department",
            "division_code": code,
            "parent": short,
            "classified": False,
            "note": "区电子政务外网运维单位，区级节点所在地",
        },
        {
            "id": f"{short}-jiyao",
            "name": f"中共{prefix}委机要局",
            "kind": "department",
            "division_code": code,
            "parent": short,
            "classified": True,
            "note": "电子政务内网（涉密）运维单位",
        },
    ]
    hosts: list[tuple[str, str, str, str, str]] = [  # name, unit, division, site, role
        (f"{short}-dsj-core1", f"{short}-dsj", code, f"{county_name}大数据局区级节点机房A", "core"),
        (f"{short}-dsj-core2", f"{short}-dsj", code, f"{county_name}大数据局区级节点机房B", "core"),
        (
            f"{short}-dsj-inet1",
            f"{short}-dsj",
            code,
            f"{county_name}大数据局互联网接入区",
            "internet",
        ),
        (
            f"{short}-dsj-fw1",
            f"{short}-dsj",
            code,
            f"{county_name}大数据局互联网接入区",
            "firewall",
        ),
        (f"{short}-jiyao-ce1", f"{short}-jiyao", code, f"{county_name}委机要局机房", "edge"),
    ]
    extras: dict[str, set[str]] = {}
    budget = devices - len(hosts)
    departments = list(_DEPARTMENTS)
    town_list = list(towns)
    slots: list[tuple[str, int]] = []  # ("d", index) or ("t", index), interleaved
    for i in range(max(len(departments), len(town_list))):
        if i < len(departments):
            slots.append(("d", i))
        if i < len(town_list) and i % 3 != 2:  # about a third of the towns get no router
            slots.append(("t", i))
    for kind, index in slots:
        if budget <= 0:
            break
        if kind == "d":
            key, name, _, flags = departments[index]
            unit = f"{short}-{key}"
            city = prefix[: -len(county_name)]
            full_name = (
                city + name.format(county=county_name) if "{county}" in name else prefix + name
            )
            units.append(
                {
                    "id": unit,
                    "name": full_name,
                    "kind": "department",
                    "division_code": code,
                    "parent": short,
                    "classified": False,
                }
            )
            hosts.append((f"{unit}-ce1", unit, code, f"{units[-1]['name']}机房", "edge"))
            budget -= 1
            extras[unit] = set(flags.split(",")) - {""}
            for flag, role in (("ce2", "edge"), ("inet", "internet")):
                if flag in extras[unit] and budget > 0:
                    suffix = "ce2" if flag == "ce2" else "inet1"
                    hosts.append((f"{unit}-{suffix}", unit, code, f"{units[-1]['name']}机房", role))
                    budget -= 1
        else:
            town = town_list[index]
            unit = f"town-{town.code[6:9]}"
            hosts.append((f"{unit}-ce1", unit, town.code, f"{town.name}党政办机房", "edge"))
            budget -= 1
    # Still routers to place: first the towns left out, then more routers at departments.
    placed = {h[1] for h in hosts}
    for town in town_list:
        unit = f"town-{town.code[6:9]}"
        if budget > 0 and unit not in placed:
            hosts.append((f"{unit}-ce1", unit, town.code, f"{town.name}党政办机房", "edge"))
            budget -= 1
    departments_placed = [u["id"] for u in units if u["kind"] == "department"][2:]
    number = 3
    while budget > 0 and departments_placed:
        for unit in departments_placed:
            if budget > 0:
                hosts.append((f"{unit}-ce{number}", unit, code, f"{unit}机房", "edge"))
                budget -= 1
        number += 1
    for town in town_list:
        units.append(
            {
                "id": f"town-{town.code[6:9]}",
                "name": f"{prefix}{town.name}"
                + ("办事处" if town.name.endswith("街道") else "人民政府"),
                "kind": "town",
                "division_code": town.code,
                "parent": short,
                "classified": False,
            }
        )
    platforms = _get_platform_mix(len(hosts), rng)
    host_names = {h[0] for h in hosts}
    lines: list[dict[str, Any]] = []
    seen_ids: set[str] = set()

    def add_line(
        unit: str,
        network: str,
        carrier: str,
        kind: str,
        host: str | None,
        port: int | None,
        z_end: str,
        note: str | None = None,
        classified: bool = False,
    ) -> None:
        year = rng.randrange(2015, 2024)
        while True:
            cid = (
                f"{province}-{_CARRIER_CODE[carrier]}-{_KIND_CODE[kind]}-{year}-"
                f"{rng.randrange(1, 2000):04d}"
            )
            if cid not in seen_ids:
                seen_ids.add(cid)
                break
        bandwidth = rng.choice((20, 50, 100, 200) if kind != "dark_fibre" else (1000,))
        start = dt.date(rng.randrange(2022, 2026), rng.choice((1, 4, 7, 10)), 1)
        entry: dict[str, Any] = {
            "circuit_id": cid,
            "unit": unit,
            "network": network,
            "carrier": carrier,
            "kind": kind,
            "bandwidth_mbps": bandwidth,
            "monthly_fee": bandwidth * rng.choice((20, 30, 40)) + rng.choice((300, 600, 800)),
            "contract_start": start,
            "contract_end": dt.date(start.year + 3, start.month, 1) - dt.timedelta(days=1),
            "classified": classified,
        }
        if host is not None and port is not None:
            platform = platforms[[h[0] for h in hosts].index(host)]
            entry["a_device"] = host
            entry["a_interface"] = _nth_port(platform, port)
        entry["z_end"] = z_end
        if note:
            entry["note"] = note
        lines.append(entry)

    node = f"{county_name}大数据局电子政务外网区级节点"
    city_node = "市电子政务外网市级节点"
    add_line(
        f"{short}-dsj",
        "电子政务外网",
        "telecom",
        "dark_fibre",
        f"{short}-dsj-core1",
        9,
        city_node,
        "区级节点至市级节点主用上联",
    )
    add_line(
        f"{short}-dsj",
        "电子政务外网",
        "unicom",
        "mpls_vpn",
        f"{short}-dsj-core2",
        9,
        city_node,
        "区级节点至市级节点备用上联",
    )
    add_line(
        f"{short}-dsj",
        "互联网",
        "telecom",
        "internet",
        f"{short}-dsj-inet1",
        1,
        "电信城域网",
        "电子政务外网统一互联网出口",
    )
    add_line(
        f"{short}-jiyao",
        "电子政务内网",
        "telecom",
        "dark_fibre",
        f"{short}-jiyao-ce1",
        1,
        "市委机要局电子政务内网节点",
        "涉密线路，物理隔离",
        classified=True,
    )
    for key, _, network, flags in departments:
        unit = f"{short}-{key}"
        ce1 = f"{unit}-ce1"
        if ce1 not in host_names:
            continue
        ce2 = f"{unit}-ce2" if f"{unit}-ce2" in host_names else ce1
        if rng.random() < 0.85:
            add_line(
                unit,
                "电子政务外网",
                rng.choice(("telecom", "unicom", "mobile")),
                "mstp",
                ce1,
                1,
                node,
            )
        if network is not None:
            zombie = "zombie" in flags
            add_line(
                unit,
                network,
                rng.choice(("telecom", "unicom")),
                rng.choice(("mstp", "sdh")) if zombie else "mstp",
                ce2,
                2,
                f"市{network}汇聚节点",
                "疑似停用：合同到期未续签，待核实是否仍在计费" if zombie else None,
            )
        if "inet" in flags:
            inet = f"{unit}-inet1" if f"{unit}-inet1" in host_names else ce1
            add_line(
                unit,
                "互联网",
                rng.choice(("telecom", "unicom")),
                "internet",
                inet,
                3,
                "运营商城域网",
                "自租互联网专线",
            )
    for index, town in enumerate(town_list):
        unit = f"town-{town.code[6:9]}"
        host = f"{unit}-ce1" if f"{unit}-ce1" in host_names else None
        roll = rng.random()
        if host is not None and roll < 0.75:
            add_line(
                unit,
                "电子政务外网",
                rng.choice(("telecom", "unicom", "mobile")),
                "mstp",
                host,
                1,
                node,
            )
        elif host is None and roll < 0.3:
            add_line(
                unit,
                "电子政务外网",
                "mobile",
                "cellular",
                None,
                None,
                node,
                "4G路由器（物联网卡），设备未纳入清单",
            )
        if rng.random() < 0.35:
            zombie = index % 5 == 4
            add_line(
                unit,
                "互联网",
                rng.choice(("telecom", "unicom")),
                "broadband",
                host,
                2 if host else None,
                "运营商宽带",
                "疑似停用：账单仍按月扣费，待核实" if zombie else "镇街办公宽带",
            )
    header = "# {what} of {name} ({code}), synthesized by `govnet lab` (seed {seed}).\n"
    full = tree.get_full_name(code)
    units_text = _dump_yaml(
        header.format(what="Units", name=full, code=code[:6], seed=seed)
        + "# division_code is a quoted 12-digit NBS code; one unit is classified (机要局).",
        {"units": units},
    )
    hosts_doc = {
        name: {
            "hostname": "127.0.0.1",
            "port": first_port + i,
            "groups": [platforms[i]],
            "data": {"unit": unit, "division_code": division, "site": site, "role": role},
        }
        for i, (name, unit, division, site, role) in enumerate(hosts)
    }
    hosts_text = _dump_yaml(
        header.format(what="Routers", name=full, code=code[:6], seed=seed)
        + "# All on 127.0.0.1, one port each, served by the lab. Credentials never go here.",
        hosts_doc,
    )
    lines_text = _dump_yaml(
        header.format(what="Line ledger (台账)", name=full, code=code[:6], seed=seed)
        + "# Fees in CNY; a_device/a_interface name the router end when the ledger knows it.",
        {"lines": lines},
    )
    return units_text, hosts_text, lines_text


def _nth_port(platform: str, n: int) -> str:
    """The name of a router's port number ``n`` (from 0), as its vendor numbers them."""
    return next(itertools.islice(get_vendor(platform).port_names(False), n, None))


# The vendors of a synthesized district (a choice of this generator: an inventory may name
# any vendor the lab has): shares of the routers; the main vendor takes the rest and the
# county core routers.
MAIN_PLATFORM = "huawei"
PLATFORM_SHARES = (("hp_comware", 0.3), ("cisco_ios", 0.2))


def _get_platform_mix(count: int, rng: random.Random) -> list[str]:
    """About half Huawei, 30% H3C, 20% Cisco; the county core routers are Huawei."""
    mix: list[str] = []
    for platform, share in PLATFORM_SHARES:
        mix += [platform] * round(count * share)
    mix += [MAIN_PLATFORM] * (count - len(mix))
    rng.shuffle(mix)
    for i in range(2):  # core1, core2
        if mix[i] != MAIN_PLATFORM:
            j = mix.index(MAIN_PLATFORM, 2)
            mix[i], mix[j] = mix[j], mix[i]
    return mix


# --- faults ---------------------------------------------------------------------------------


class FaultSpecError(ValueError):
    """A --faults value that cannot be read; the message says which part and why."""


class LabMismatchError(ValueError):
    """The county or device count asked for does not match the project's inventory."""


def parse_fault_spec(spec: str, hostnames: list[str], seed: int) -> dict[str, set[Fault]]:
    """Hosts per fault from e.g. ``bad_password=1,slow=0.05,gbk=r1+r2``, chosen from the seed.

    Each value is a count, a share (0 < x < 1, at least one host) or hostnames joined with
    '+'. Hosts are drawn in a fixed order from those without a fault yet, so faults spread.
    """
    chosen: dict[str, set[Fault]] = {}
    names = sorted(hostnames)
    known = set(names)
    valid = ", ".join(f.value for f in Fault)
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value:
            raise FaultSpecError(f"{part!r}: expected FAULT=COUNT, FAULT=SHARE or FAULT=HOST+HOST")
        try:
            fault = Fault(key)
        except ValueError:
            raise FaultSpecError(f"{key!r} is not a fault (one of: {valid})") from None
        picked: list[str]
        if re.fullmatch(r"\d+", value):
            count = int(value)
            if count > len(names):
                raise FaultSpecError(f"{part!r}: only {len(names)} devices")
            picked = _pick_hosts(names, chosen, count, f"{seed}:fault:{fault.value}")
        elif re.fullmatch(r"\d*\.\d+", value):
            share = float(value)
            if not 0 < share < 1:
                raise FaultSpecError(f"{part!r}: a share must be between 0 and 1")
            count = max(1, round(share * len(names)))
            picked = _pick_hosts(names, chosen, count, f"{seed}:fault:{fault.value}")
        else:
            picked = [h.strip() for h in value.split("+")]
            unknown = [h for h in picked if h not in known]
            if unknown:
                raise FaultSpecError(f"{part!r}: no such device: {', '.join(unknown)}")
        for host in picked:
            chosen.setdefault(host, set()).add(fault)
    return chosen


def _pick_hosts(
    names: list[str], chosen: dict[str, set[Fault]], count: int, salt: str
) -> list[str]:
    rng = random.Random(salt)
    fresh = [n for n in names if n not in chosen]
    used = [n for n in names if n in chosen]
    rng.shuffle(fresh)
    rng.shuffle(used)
    return (fresh + used)[:count]


def apply_faults(district: District, faults: dict[str, set[Fault]]) -> None:
    """Mark devices; an odd prompt is the vendor's factory sysname instead of the hostname."""
    for device in district.devices:
        device.faults = set(faults.get(device.hostname, set()))
        if Fault.ODD_PROMPT in device.faults:
            device.prompt_name = get_vendor(device.platform).factory_sysname


# --- the lab's files ----------------------------------------------------------------------

TRUTH_HEADER = """\
# Ground truth of the generated lab district: what a perfect survey and classification find.
# Written by `govnet lab`; tests of survey/classify/exits compare their results to it.
#
# county, seed      the 12-digit county code and the seed the district came from.
# networks          one business network of one unit (grouped by unit and kind of network):
#   id              "<unit>:<system key>", stable across seeds
#   system          vertical catalogue name (金税, 公安信息网, 金保, ...) or null
#   devices         lab hosts carrying it (a county core router included when it is the PE)
#   interfaces      "host:interface" on those devices; vpn_instance: its VPN/VRF, or null
#   circuits        ledger circuit ids; target: intranet | extranet_dedicated_vpn |
#                   extranet_public | extranet_internet | retain_national | retain_exception |
#                   decommission | review; reason: one line why
# lines             every ledger line and every device-only line: circuit_id (null when not in
#                   the ledger), unit, network, host/interface (where it ends on a device),
#                   target, in_ledger, on_device, zombie (link down, no routes, no ARP), reason.
#                   A line's target is its network's, except zombies and self-rented internet
#                   lines (decommission) and a ledger line no device shows (review).
#                   Links inside the county node (core/firewall/internet router) are patch
#                   cables, not lines, and are not listed.
# exits             per unit: category A-F (DB34/T 3607-2020; null = reaches no extranet),
#                   own_exit, and each exit: host, interface (null when only the ledger knows
#                   it), kind (nat_outbound | easy_ip | broadband | cellular | public_address),
#                   own_exit (false only for the county's unified exit), evidence, circuit_id.
# breaches          devices touching the classified network and anything else (critical).
# towns             every NBS town of the county: covered = a unit there reaches the extranet.
# disagreements     deliberate ledger/device mismatches: ledger_only (the ledger names a
#                   device interface that does not exist) and device_only (a live line the
#                   ledger lacks).
# faults            hosts the lab makes misbehave (`--faults`): host -> faults, e.g. silent,
#                   bad_password; a survey must record each with the matching error.
"""


def truth_to_yaml(district: District) -> str:
    data = {"county": district.county, "seed": district.seed, **to_jsonable(district.truth)}
    data["faults"] = {
        d.hostname: sorted(f.value for f in d.faults) for d in district.devices if d.faults
    }
    return TRUTH_HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


_NORNIR_CONFIG_TEXT = """\
# Nornir configuration for this govnet project (written by `govnet lab`).
inventory:
  plugin: SimpleInventory
  options:
    host_file: inventory/hosts.yaml
    group_file: inventory/groups.yaml
    defaults_file: inventory/defaults.yaml
runner:
  plugin: threaded
  options:
    num_workers: 20
logging:
  enabled: false
"""
_GROUPS_HEADER = (
    "# Nornir groups: one per platform (the netmiko device type). Hosts take their platform here.\n"
)
_DEFAULTS_TEXT = """\
# Nornir defaults. Credentials never go here: GOVNET_USERNAME / GOVNET_PASSWORD.
port: 22
"""


def _write_project(root: Path, units: str, hosts: str, lines: str) -> None:
    files = {
        NORNIR_CONFIG: _NORNIR_CONFIG_TEXT,
        "inventory/hosts.yaml": hosts,
        "inventory/groups.yaml": _GROUPS_HEADER
        + "".join(f"{p}:\n  platform: {p}\n" for p in get_platforms()),
        "inventory/defaults.yaml": _DEFAULTS_TEXT,
        "inventory/units.yaml": units,
        "inventory/lines.yaml": lines,
    }
    for name, text in files.items():
        write_atomically(root / name, text)


def generate_lab(
    project_root: Path,
    county: str | None,
    seed: int,
    devices: int | None,
    faults: str | None,
    first_port: int | None = None,
) -> Path:
    """Build (or first synthesize) the district of a project; returns district.json's path.

    Every check (county, size, ports, fault spec) runs before any file is written.
    """
    tree = get_bundled_tree()
    if (project_root / NORNIR_CONFIG).exists():
        inventory = get_inventory(project_root, tree)
        actual = _get_county_code(inventory)
        if county is not None and _check_county(county, tree) != actual:
            raise LabMismatchError(
                f"the project's inventory is for county {actual[:6]}, not {county}"
            )
        if devices is not None and devices != len(inventory.hosts):
            raise LabMismatchError(
                f"the project's inventory has {len(inventory.hosts)} routers, not {devices}"
            )
        if first_port is not None:
            raise LabMismatchError("the project's inventory already sets every router's port")
        chosen = parse_fault_spec(faults or "", [h.name for h in inventory.hosts], seed)
    else:
        code = county or DEFAULT_COUNTY
        texts = synthesize_inventory(
            code, seed, devices or DEFAULT_DEVICES, tree, first_port or FIRST_PORT
        )
        chosen = parse_fault_spec(faults or "", list(yaml.safe_load(texts[1])), seed)
        _write_project(project_root, *texts)
        inventory = get_inventory(project_root, tree)
    district = build_district(inventory, seed)
    apply_faults(district, chosen)
    path = project_root / DISTRICT_FILE
    save_district(district, path)
    write_atomically(project_root / TRUTH_FILE, truth_to_yaml(district))
    return path
