"""The normalised facts a survey produces for one host, whatever its vendor.

Collector specs (``collectors/<platform>/<topic>.yaml``) map each vendor's parsed output onto
these types; the store keeps them per survey run; classification reads only them. Values are
as the device states them, normalised only where vendors differ in spelling: full interface
names (``GigabitEthernet0/0/1``, never ``GE0/0/1``), addresses with prefix length, protocols
and states in lower case, ``None`` for a VPN instance / VRF means the global table.

>>> Interface("GigabitEthernet0/0/1.100", addresses=("10.1.1.2/30",)).parent
'GigabitEthernet0/0/1'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from ipaddress import IPv4Interface
from typing import Any

_SUBINTERFACE = re.compile(r"(.*\d)\.(\d+)")


def split_subinterface(name: str) -> tuple[str, int] | None:
    """(parent, number) of a sub-interface name, or None: the dot is the one before the
    trailing number, never one inside the type (``2.5GE0/0/1`` is a port).

    >>> split_subinterface("GigabitEthernet0/0/1.100"), split_subinterface("2.5GE0/0/1.7")
    (('GigabitEthernet0/0/1', 100), ('2.5GE0/0/1', 7))
    >>> split_subinterface("2.5GE0/0/1") is None, split_subinterface("Dialer1:0") is None
    (True, True)
    """
    match = _SUBINTERFACE.fullmatch(name)
    return (match.group(1), int(match.group(2))) if match else None


def physical_port(name: str) -> str:
    """The port a name is on: a sub-interface's parent, else the name itself.

    >>> physical_port("GigabitEthernet0/0/1.100"), physical_port("2.5GE0/0/1")
    ('GigabitEthernet0/0/1', '2.5GE0/0/1')
    """
    parts = split_subinterface(name)
    return parts[0] if parts else name


class Topic(StrEnum):
    """What a collector spec is about; one YAML file per topic and platform."""

    DEVICE = "device"
    INTERFACES = "interfaces"
    VPN_INSTANCES = "vpn_instances"
    ROUTES = "routes"
    NEIGHBOURS = "neighbours"
    NAT = "nat"
    ARP = "arp"
    OSPF = "ospf"
    CONFIG = "config"


@dataclass(frozen=True)
class DeviceInfo:
    vendor: str | None = None  # huawei, h3c, cisco
    model: str | None = None
    os_version: str | None = None
    serial: str | None = None
    uptime_s: int | None = None
    hostname: str | None = None  # the sysname the device calls itself
    local_as: int | None = None  # the BGP process's own AS (``bgp 65001``, ``router bgp``)
    router_id: str | None = None  # BGP/global router ID as configured or shown


@dataclass(frozen=True)
class Interface:
    name: str  # full vendor name
    description: str | None = None
    admin_up: bool | None = None
    oper_up: bool | None = None
    kind: str | None = None  # physical, subinterface, loopback, vlan, tunnel, dialer, cellular
    vpn_instance: str | None = None
    addresses: tuple[str, ...] = ()  # "10.1.1.2/30", primary first; "10.1.1.2": mask unknown
    vlan: int | None = None  # the 802.1Q VLAN a sub-interface terminates (dot1q vid)

    @property
    def parent(self) -> str | None:
        parts = split_subinterface(self.name)
        return parts[0] if parts else None

    def get_ipv4(self) -> list[IPv4Interface]:
        """The addresses that read as IPv4 (with their prefix), skipping any that do not.

        >>> Interface("Vlanif10", addresses=("10.0.0.1/24", "fe80::1/64", "10.9.9.9")).get_ipv4()
        [IPv4Interface('10.0.0.1/24')]
        """
        found = []
        for text in self.addresses:
            if "/" not in text:
                continue  # an address whose mask the text did not give: not a /32
            try:
                found.append(IPv4Interface(text))
            except ValueError:
                continue
        return found


@dataclass(frozen=True)
class VpnInstance:
    name: str
    route_distinguisher: str | None = None
    import_targets: tuple[str, ...] = ()
    export_targets: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class Route:
    prefix: str  # "0.0.0.0/0"
    protocol: str  # static, direct, local, bgp, ospf, ...
    next_hops: tuple[str, ...] = ()
    interface: str | None = None  # NULL0 for a black hole
    vpn_instance: str | None = None
    preference: int | None = None  # the route's preference / administrative distance
    configured: bool | None = None  # True: the configuration states it (a static route)
    active: bool | None = None  # True: a routing table shows it; False: configured, not there
    # The VPN instance the next hop is in when it is not the route's own table (a leak
    # between tables); the global/public table is written ``_public_`` (VRP's own name).
    next_hop_vpn: str | None = None

    @property
    def forwards(self) -> bool:
        """Whether the router forwards by it: every route a table shows, or that nothing
        says is missing (``active`` False: configured, yet not in the table read)."""
        return self.active is not False


@dataclass(frozen=True)
class Neighbour:
    protocol: str  # bgp, ospf, lldp, cdp
    peer: str  # address (bgp/ospf) or system name (lldp/cdp)
    remote_as: int | None = None
    state: str | None = None  # bgp: established, idle, ...; ospf: full, ...
    interface: str | None = None  # local interface (ospf, lldp, cdp)
    remote_interface: str | None = None  # lldp/cdp
    router_id: str | None = None  # ospf
    vpn_instance: str | None = None


@dataclass(frozen=True)
class NatRule:
    kind: str  # outbound (pool), easy_ip (interface address), static, server
    interface: str | None = None
    acl: str | None = None
    pool: str | None = None
    addresses: tuple[str, ...] = ()  # pool range, or inside/global pair


@dataclass(frozen=True)
class ArpEntry:
    """One ARP table row: an address seen (or set) on an interface. No dynamic entry through
    an interface is evidence nothing answers behind it (a zombie line)."""

    address: str  # "10.1.1.2"
    mac: str | None = None  # "00e0-fc12-3456" as lower-case dotted groups of four
    interface: str | None = None
    vpn_instance: str | None = None
    kind: str | None = None  # dynamic, static, interface (the router's own address)


@dataclass(frozen=True)
class OspfArea:
    """What the configuration puts in one OSPF area: a network statement's prefix, or an
    interface enabled in it directly (IOS `ip ospf N area A`, VRP `ospf enable N area A`)."""

    area: str  # dotted decimal, "0.0.0.0" (IOS `area 0` normalised)
    process: int | None = None
    prefix: str | None = None  # network statement as a.b.c.d/len (wildcard -> length)
    interface: str | None = None
    # VRP/Comware `ospf 2 vpn-instance X`, IOS `router ospf 2 vrf X`
    vpn_instance: str | None = None


# --- the documented order of every tuple (govnet.platforms), so two reads compare equal ---

_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting ``GE0/0/2`` before ``GE0/0/10`` (numbers compared as numbers).

    >>> sorted(["GE0/0/10", "GE0/0/2"], key=natural_key)
    ['GE0/0/2', 'GE0/0/10']
    """
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(name) if part
    )


def neighbour_order(n: Neighbour) -> tuple[Any, ...]:
    return (
        n.protocol,
        n.vpn_instance or "",
        natural_key(n.peer),
        natural_key(n.interface or ""),
        n.remote_interface or "",
    )


def nat_order(n: NatRule) -> tuple[Any, ...]:
    return (n.kind, n.interface or "", n.acl or "", n.pool or "", n.addresses)


def arp_order(a: ArpEntry) -> tuple[Any, ...]:
    return (a.vpn_instance or "", natural_key(a.address))


def ospf_order(o: OspfArea) -> tuple[Any, ...]:
    return (
        o.vpn_instance or "",
        o.process if o.process is not None else -1,
        natural_key(o.area),
        natural_key(o.prefix or ""),
        natural_key(o.interface or ""),
    )


@dataclass(frozen=True)
class HostFacts:
    """Everything one survey learned about one host; empty topics stay empty, never guessed."""

    device: DeviceInfo = field(default_factory=DeviceInfo)
    interfaces: tuple[Interface, ...] = ()
    vpn_instances: tuple[VpnInstance, ...] = ()
    routes: tuple[Route, ...] = ()
    neighbours: tuple[Neighbour, ...] = ()
    nat: tuple[NatRule, ...] = ()
    arp: tuple[ArpEntry, ...] = ()
    ospf: tuple[OspfArea, ...] = ()
    # Topics the collector could not read (a NAPALM driver with no getter for them): unknown,
    # not "none", so a comparison or a classification never takes them for empty.
    not_collected: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (tuples become lists)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HostFacts:
        """The inverse of :meth:`to_dict`; a topic or field left out is empty or unknown.

        >>> HostFacts.from_dict({"interfaces": [{"name": "Gi0/1", "addresses": ["10.0.0.1/30"]}]})
        ... # doctest: +ELLIPSIS
        HostFacts(device=DeviceInfo(...), interfaces=(Interface(name='Gi0/1', ...),), ...)
        """

        def many(kind: type[Any], topic: str) -> tuple[Any, ...]:
            return tuple(
                kind(**{k: tuple(v) if isinstance(v, list) else v for k, v in item.items()})
                for item in data.get(topic) or ()
            )

        return cls(
            DeviceInfo(**(data.get("device") or {})),
            many(Interface, "interfaces"),
            many(VpnInstance, "vpn_instances"),
            many(Route, "routes"),
            many(Neighbour, "neighbours"),
            many(NatRule, "nat"),
            many(ArpEntry, "arp"),
            many(OspfArea, "ospf"),
            tuple(data.get("not_collected") or ()),
        )

    def get_interface(self, name: str) -> Interface | None:
        return next((i for i in self.interfaces if i.name == name), None)


@dataclass(frozen=True)
class HostSnapshot:
    """One host's record in a survey run: what happened, what it said, what that means."""

    hostname: str
    status: str  # ok, partial, failed
    platform: str | None = None
    unit_key: str | None = None
    error_category: str | None = None
    message: str | None = None
    duration_s: float | None = None
    outputs: dict[str, tuple[str, str]] = field(default_factory=dict)  # command: (text, encoding)
    facts: HostFacts | None = None
    unparsed_lines: int | None = None  # output lines no parser understood; None: not counted


@dataclass(frozen=True)
class FactChange:
    topic: str  # interfaces, addresses, vpn_instances, routes, nat, neighbours, arp, ospf
    key: str  # what changed: interface name, "vpn prefix", ...
    change: str  # added, removed, changed
    before: str | None = None
    after: str | None = None


def get_fact_changes(before: HostFacts, after: HostFacts) -> list[FactChange]:
    """What changed on one host between two snapshots, topic by topic.

    >>> a = HostFacts(interfaces=(Interface("Gi0/1", addresses=("10.0.0.1/30",)),))
    >>> b = HostFacts(interfaces=(Interface("Gi0/1", vpn_instance="zw"),))
    >>> [(c.topic, c.key, c.change) for c in get_fact_changes(a, b)]
    [('interfaces', 'Gi0/1', 'changed'), ('addresses', 'Gi0/1 10.0.0.1/30', 'removed')]

    A route's preference counts, and an ARP entry by VPN and address (its MAC, interface):

    >>> a = HostFacts(
    ...     routes=(Route("0.0.0.0/0", "static", ("10.0.0.2",), preference=60),),
    ...     arp=(ArpEntry("10.0.0.2", "00e0-fc12-3456", "Gi0/1"),),
    ... )
    >>> b = HostFacts(
    ...     routes=(Route("0.0.0.0/0", "static", ("10.0.0.2",), preference=1),),
    ...     arp=(ArpEntry("10.0.0.2", "00e0-fc12-9999", "Gi0/1", "zw"),),
    ... )
    >>> for c in get_fact_changes(a, b):
    ...     print(c.topic, c.key, c.change, c.before, "->", c.after)
    routes global 0.0.0.0/0 static changed via 10.0.0.2 preference 60 -> via 10.0.0.2 preference 1
    arp global 10.0.0.2 removed 00e0-fc12-3456 Gi0/1 -> None
    arp zw 10.0.0.2 added None -> 00e0-fc12-9999 Gi0/1

    A next hop moved to another table (a leak between a VPN and the public one) is a change:

    >>> a = HostFacts(routes=(Route("0.0.0.0/0", "static", ("10.0.0.2",), vpn_instance="zw"),))
    >>> from dataclasses import replace
    >>> b = HostFacts(routes=(replace(a.routes[0], next_hop_vpn="_public_"),))
    >>> [(c.key, c.before, c.after) for c in get_fact_changes(a, b)]
    [('zw 0.0.0.0/0 static', 'via 10.0.0.2', 'via 10.0.0.2 vpn _public_')]

    An OSPF network or interface counts by VPN, process and what it puts in; its area is
    the value:

    >>> a = HostFacts(ospf=(OspfArea("0.0.0.0", 1, "10.1.1.0/24"),))
    >>> b = HostFacts(ospf=(OspfArea("0.0.0.1", 1, "10.1.1.0/24"), OspfArea("0.0.0.0", 1,
    ...     interface="Gi0/1", vpn_instance="zw")))
    >>> for c in get_fact_changes(a, b):
    ...     print(c.topic, c.key, c.change, c.before, "->", c.after)
    ospf global 1 10.1.1.0/24 changed area 0.0.0.0 -> area 0.0.0.1
    ospf zw 1 Gi0/1 added None -> area 0.0.0.0

    A topic one side did not collect is named once, not listed as every entry removed (and
    not at all when neither side collected it):

    >>> c, = get_fact_changes(a, HostFacts(not_collected=("ospf",)))
    >>> c.topic, c.key, c.change, c.before, c.after
    ('ospf', 'every ospf', 'not compared', 'collected', 'not collected')
    """
    changes: list[FactChange] = []
    # a topic, or "neighbours:<protocol>" for one protocol's neighbours
    unknown = set(before.not_collected) | set(after.not_collected)
    for topic in sorted(set(before.not_collected) ^ set(after.not_collected)):
        changes.append(
            FactChange(
                topic.partition(":")[0],
                f"every {topic.replace(':', ' ')}",
                "not compared",
                "not collected" if topic in before.not_collected else "collected",
                "not collected" if topic in after.not_collected else "collected",
            )
        )

    def compare(topic: str, old: dict[str, str], new: dict[str, str]) -> None:
        if topic in unknown or (topic == "addresses" and "interfaces" in unknown):
            return
        for key in sorted(old.keys() | new.keys()):
            if key not in new:
                changes.append(FactChange(topic, key, "removed", old[key], None))
            elif key not in old:
                changes.append(FactChange(topic, key, "added", None, new[key]))
            elif old[key] != new[key]:
                changes.append(FactChange(topic, key, "changed", old[key], new[key]))

    def interface_state(i: Interface) -> str:
        state = "up" if i.oper_up else "admin down" if i.admin_up is False else "down"
        return f"{state}, vpn {i.vpn_instance or '-'}, {i.description or ''}".rstrip(", ")

    compare(
        "interfaces",
        {i.name: interface_state(i) for i in before.interfaces},
        {i.name: interface_state(i) for i in after.interfaces},
    )
    compare(
        "addresses",
        {f"{i.name} {a}": a for i in before.interfaces for a in i.addresses},
        {f"{i.name} {a}": a for i in after.interfaces for a in i.addresses},
    )
    compare(
        "vpn_instances",
        {v.name: f"rd {v.route_distinguisher}" for v in before.vpn_instances},
        {v.name: f"rd {v.route_distinguisher}" for v in after.vpn_instances},
    )

    def route_key(r: Route) -> str:
        key = f"{r.vpn_instance or 'global'} {r.prefix} {r.protocol}"
        if r.active is False:  # a configured route beside the active one: its own key
            key += f" inactive via {','.join(r.next_hops) or r.interface or '-'}"
        return key

    def route_value(r: Route) -> str:
        value = f"via {','.join(r.next_hops) or '-'} {r.interface or ''}".rstrip()
        if r.next_hop_vpn is not None:
            value += f" vpn {r.next_hop_vpn}"
        return value if r.preference is None else f"{value} preference {r.preference}"

    compare(
        "routes",
        {route_key(r): route_value(r) for r in before.routes},
        {route_key(r): route_value(r) for r in after.routes},
    )
    compare(
        "nat",
        {f"{n.kind} {n.interface or ''}".strip(): f"acl {n.acl}" for n in before.nat},
        {f"{n.kind} {n.interface or ''}".strip(): f"acl {n.acl}" for n in after.nat},
    )
    unread = {t.partition(":")[2] for t in unknown if t.startswith("neighbours:")}
    compare(
        "neighbours",
        {
            f"{n.protocol} {n.peer}": n.state or ""
            for n in before.neighbours
            if n.protocol not in unread
        },
        {
            f"{n.protocol} {n.peer}": n.state or ""
            for n in after.neighbours
            if n.protocol not in unread
        },
    )

    def arp_value(a: ArpEntry) -> str:
        return f"{a.mac or '-'} {a.interface or ''}".rstrip()

    compare(
        "arp",
        {f"{a.vpn_instance or 'global'} {a.address}": arp_value(a) for a in before.arp},
        {f"{a.vpn_instance or 'global'} {a.address}": arp_value(a) for a in after.arp},
    )

    def ospf_key(o: OspfArea) -> str:
        what = o.prefix or o.interface or "-"
        return f"{o.vpn_instance or 'global'} {o.process if o.process is not None else '-'} {what}"

    compare(
        "ospf",
        {ospf_key(o): f"area {o.area}" for o in before.ospf},
        {ospf_key(o): f"area {o.area}" for o in after.ospf},
    )
    return changes
