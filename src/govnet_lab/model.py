"""The simulated district: routers as data, from which every CLI output is rendered.

One model serves every vendor: renderers turn it into each vendor's text, and
configuration lines change it, so a later ``display``/``show`` sees the change. Values a
real device would not show are not here; values it would show are never left to chance
at render time (the generator decides them from its seed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from govnet.model.facts import physical_port

# Marks a field district.json leaves out while it holds its default (govnet_lab.district):
# fields added for the VPNv4 hand-off, so a district without one is saved byte for byte as
# before they existed.
OMIT_DEFAULT = {"omit_default": True}


class InterfaceKind(StrEnum):
    PHYSICAL = "physical"
    SUBINTERFACE = "subinterface"
    VLAN = "vlan"
    LOOPBACK = "loopback"
    TUNNEL = "tunnel"
    DIALER = "dialer"
    CELLULAR = "cellular"


class Fault(StrEnum):
    """Misbehaviours the lab can inject, per device."""

    BAD_PASSWORD = "bad_password"  # every login is refused
    SILENT = "silent"  # TCP accepted, then nothing, ever
    SLOW = "slow"  # each command answers after a delay
    DROP = "drop"  # the connection drops halfway through a long output
    GBK = "gbk"  # output bytes are GBK, as on many Chinese-language devices
    ODD_PROMPT = "odd_prompt"  # the prompt is not the inventory hostname
    UNSUPPORTED = "unsupported"  # some display/show commands are unknown on this model
    # its carrier circuits pass only the VLANs configured when the district was made: a new
    # dot1q sub-interface comes up, but nothing crosses the circuit in its VLAN
    CLOSED_VLANS = "closed_vlans"
    STALL = "stall"  # logs in, shows its prompt, then never answers anything
    TRICKLE = "trickle"  # answers a byte at a time, and never finishes


@dataclass
class Interface:
    name: str  # the full name as this vendor writes it, e.g. GigabitEthernet0/0/1.100
    kind: InterfaceKind = InterfaceKind.PHYSICAL
    description: str | None = None
    admin_up: bool = True
    link_up: bool = True  # the physical link / carrier; protocol is up when both are
    # A sub-interface's port is up (admin and link): a shut or dark port takes its
    # sub-interfaces down with it (see Device.follow_port). Always True on a port.
    port_up: bool = True
    address: IPv4Interface | None = None
    vpn_instance: str | None = None  # VPN instance (Huawei/H3C) or VRF (Cisco) name
    dot1q: int | None = None  # VLAN of a sub-interface
    mac: str = "0000-0000-0000"  # Huawei/H3C dotted form; renderers convert for Cisco
    bandwidth_mbps: int = 1000

    @property
    def oper_up(self) -> bool:
        return self.admin_up and self.link_up and self.port_up

    @property
    def parent(self) -> str | None:
        return self.name.split(".", 1)[0] if "." in self.name else None


@dataclass
class VpnInstance:
    name: str
    route_distinguisher: str | None = None
    import_targets: list[str] = field(default_factory=list)
    export_targets: list[str] = field(default_factory=list)
    description: str | None = None


@dataclass
class StaticRoute:
    prefix: IPv4Network
    next_hop: IPv4Address | None = None
    interface: str | None = None  # outgoing interface when given (or a null interface)
    vpn_instance: str | None = None
    preference: int = 60


@dataclass
class LearnedRoute:
    """A route a neighbour gave us (BGP or OSPF); shown while that neighbour is up.

    BGP routes are not data of their own: the data plane computes them from what each
    speaker originates (``BgpOrigin``) over the sessions that are up (govnet_lab.dataplane.bgp).
    """

    prefix: IPv4Network
    protocol: str  # "bgp" or "ospf"
    next_hop: IPv4Address
    interface: str
    vpn_instance: str | None = None
    as_path: list[int] = field(default_factory=list)  # BGP: the ASes it crossed, nearest first
    # BGP: imported from another VPN instance of the same router whose export target this
    # one imports (its interface and next hop are in that instance); None: learned here.
    vpn_from: str | None = None
    # BGP: learned over VPNv4 from the PE at ``next_hop`` (its loopback), where the packet is
    # looked up in this VPN instance (``interface``: the global one towards the loopback).
    remote_vpn: str | None = field(default=None, metadata=OMIT_DEFAULT)


@dataclass
class BgpOrigin:
    """What a BGP speaker advertises of its own in one table: a ``network`` statement's
    prefix (advertised while exactly that prefix is in the routing table), or every route of
    a protocol (``import-route direct|static``; IOS ``redistribute connected|static``)."""

    vpn_instance: str | None
    prefix: IPv4Network | None = None
    protocol: str | None = None  # "direct" or "static"


@dataclass
class BgpPeer:
    address: IPv4Address
    remote_as: int
    vpn_instance: str | None = None
    established: bool = True
    uptime_s: int = 86_400
    description: str | None = None
    # The prefixes it may be sent (an export prefix list: ``peer X ip-prefix N export``,
    # Comware ``prefix-list``, IOS ``neighbor X prefix-list N out``); None: everything.
    export: list[IPv4Network] | None = None
    # A session between loopbacks (``peer X connect-interface LoopBack0``; IOS
    # ``update-source``): the interface its source address is taken from.
    connect_interface: str | None = field(default=None, metadata=OMIT_DEFAULT)
    # ``peer X ebgp-max-hop N`` (IOS ``ebgp-multihop``): an eBGP session whose peer is not
    # on a connected network comes up only with it.
    ebgp_max_hop: int | None = field(default=None, metadata=OMIT_DEFAULT)
    # Enabled in the VPNv4 address family (``ipv4-family vpnv4`` / ``peer X enable``; IOS
    # ``address-family vpnv4`` / ``neighbor X activate``): VPN routes go over it.
    vpnv4: bool = field(default=False, metadata=OMIT_DEFAULT)

    @property
    def export_list(self) -> str:
        """The export prefix list's name."""
        return f"EXPORT-{self.address}"


@dataclass
class OspfNeighbour:
    router_id: IPv4Address
    address: IPv4Address
    interface: str
    area: str = "0.0.0.0"
    process: int = 1
    full: bool = True


class NatKind(StrEnum):
    OUTBOUND = "outbound"  # NAT outbound with an address pool (Huawei/H3C), overload (IOS)
    EASY_IP = "easy_ip"  # NAT outbound using the interface address
    STATIC = "static"
    SERVER = "server"  # port mapping / nat server


@dataclass
class NatRule:
    kind: NatKind
    interface: str
    acl: str | None = None
    pool: str | None = None
    global_address: IPv4Address | None = None  # static/server: the public side
    inside_address: IPv4Address | None = None  # static/server: the private side
    pool_start: IPv4Address | None = None
    pool_end: IPv4Address | None = None


@dataclass
class Acl:
    number: str
    permit: list[IPv4Network] = field(default_factory=list)  # source networks permitted


@dataclass
class LldpNeighbour:
    local_interface: str
    system_name: str
    port: str


@dataclass
class ArpEntry:
    address: IPv4Address
    mac: str
    interface: str
    vpn_instance: str | None = None


@dataclass
class Device:
    hostname: str
    platform: str  # a vendor's platform, the netmiko device type (govnet_lab.vendors)
    port: int
    model: str  # e.g. AR2240, MSR3620, ISR4331
    serial: str
    os_version: str  # e.g. V200R010C10SPC700 / 7.1.064, Release 0821P16 / 15.9(3)M4
    uptime_s: int
    unit: str
    division_code: str
    site: str
    role: str
    router_id: IPv4Address | None = None
    interfaces: list[Interface] = field(default_factory=list)
    vpn_instances: list[VpnInstance] = field(default_factory=list)
    static_routes: list[StaticRoute] = field(default_factory=list)
    learned_routes: list[LearnedRoute] = field(default_factory=list)
    bgp_as: int | None = None
    bgp_peers: list[BgpPeer] = field(default_factory=list)
    bgp_origins: list[BgpOrigin] = field(default_factory=list)
    ospf_neighbours: list[OspfNeighbour] = field(default_factory=list)
    acls: list[Acl] = field(default_factory=list)
    nat_rules: list[NatRule] = field(default_factory=list)
    lldp_neighbours: list[LldpNeighbour] = field(default_factory=list)
    arp: list[ArpEntry] = field(default_factory=list)
    faults: set[Fault] = field(default_factory=set)
    prompt_name: str | None = None  # the sysname when it differs from the hostname
    # MPLS and LDP enabled (``mpls lsr-id``, ``mpls``, ``mpls ldp``, and on the interfaces):
    # the lab abstracts LDP to "a label-switched path exists to every loopback the global
    # table reaches while every router on the way has MPLS" (govnet_lab.dataplane.vpnv4).
    mpls: bool = field(default=False, metadata=OMIT_DEFAULT)
    # The running configuration's text (as its show command printed it) when last saved:
    # what the saved-configuration / startup-config commands show (govnet_lab.vendors._saved).
    # None until a shell first opens on the router, which records the running configuration
    # then, since a router boots from what it saved.
    saved_config: str | None = field(default=None, metadata=OMIT_DEFAULT)
    # The interface the collector reaches the router through (its management address is
    # there, or its route to the collector's network leaves there); None: always reachable.
    # While it is down the lab refuses logins and cuts open shells (govnet_lab.revert).
    management: str | None = field(default=None, metadata=OMIT_DEFAULT)

    @property
    def sysname(self) -> str:
        return self.prompt_name or self.hostname

    def get_interface(self, name: str) -> Interface | None:
        return next((i for i in self.interfaces if i.name == name), None)

    def follow_port(self, port: Interface) -> None:
        """Its 802.1Q sub-interfaces follow ``port``'s state, as on the devices (without it
        a shut port's sub-interfaces kept forwarding in the lab): routes via them go, BGP
        sessions over them drop, their counters stop. Comware's command reference says it
        of a layer-3 port: "Shutting down or bringing up a Layer 3 aggregate interface shuts
        down or brings up its subinterfaces" (HPE 7500 Layer 2 LAN command reference,
        shutdown: support.hpe.com/techhub/eginfolib/networking/docs/switches/7500/
        5200-1937a_l2-lan_cr/content/495503927.htm); IOS and VRP take a port's
        sub-interfaces down with it likewise. The lab lists them down, not administratively
        down, since their own configuration is not shut: as VRP does; for IOS no source was
        found here (an SNMP poll in a devmon thread shows one "admin down"), so the IOS
        listing may differ from a real one in that word."""
        if port.kind is not InterfaceKind.PHYSICAL:
            return
        for sub in self.interfaces:
            if sub.parent == port.name:
                sub.port_up = port.oper_up

    def get_vpn_instance(self, name: str) -> VpnInstance | None:
        return next((v for v in self.vpn_instances if v.name == name), None)


def link_end(host: str, interface: str) -> str:
    """A link's end for a router's interface: "host:port", a sub-interface on its port.

    >>> link_end("r1", "GigabitEthernet0/0/1.200")
    'r1:GigabitEthernet0/0/1'
    """
    return f"{host}:{physical_port(interface)}"


def link_host(end: str) -> str:
    """The router (or LAN switch) name of a link end."""
    return end.split(":", 1)[0]


@dataclass
class Link:
    """A patch cable or a carrier's circuit between two router ports (physical port names).

    A carrier circuit (MSTP/SDH/MPLS) is a thing of its own: it can stop passing one VLAN
    while the sub-interfaces at both ends stay up, as real ones do, or pass traffic one way
    only. Ends are written "host:port".
    """

    a: str
    b: str
    circuit: str | None = None  # the carrier's circuit id, for a leased line
    dropped_vlans: list[int] = field(default_factory=list)  # VLANs the carrier does not pass
    # The only VLANs the carrier passes (untagged frames always pass); None: every VLAN. A
    # carrier provisions a circuit's VLANs one by one: a VLAN nobody ordered is dropped.
    allowed_vlans: list[int] | None = None
    one_way: bool = False  # passes a → b only

    def get_peer(self, end: str) -> str | None:
        """The other end of this link from ``end`` ("host:port"), or None if not an end."""
        return self.b if end == self.a else self.a if end == self.b else None

    def passes(self, from_end: str, vlan: int | None) -> bool:
        """Whether a frame sent at ``from_end`` with this VLAN tag reaches the other end."""
        if self.one_way and from_end != self.a:
            return False
        if vlan is None:
            return True
        allowed = self.allowed_vlans is None or vlan in self.allowed_vlans
        return allowed and vlan not in self.dropped_vlans


@dataclass
class Server:
    """A host on a router's LAN that answers ping: a business system's server, an internet
    site, a portal. Its gateway is the router interface whose subnet it sits in."""

    name: str
    address: IPv4Address
    host: str  # the router
    interface: str


@dataclass(frozen=True)
class RouteEntry:
    """One line of a routing table, as every vendor's renderer needs it."""

    prefix: IPv4Network
    protocol: str  # direct, static, bgp, ospf
    preference: int
    cost: int
    next_hop: IPv4Address | None
    interface: str | None
    local: bool = False  # the router's own address (/32), not a connected network
    via: IPv4Address | None = None  # a recursive static route: the neighbour it resolves to
    remote_vpn: str | None = None  # a VPNv4 route: the VPN instance at the PE ``next_hop``


PREFERENCE = {"direct": 0, "static": 60, "ospf": 10, "bgp": 255}


def get_routing_table(device: Device, vpn_instance: str | None = None) -> list[RouteEntry]:
    """The active routes of one VPN instance (None = global), sorted by prefix.

    Connected routes exist only while their interface is up; a static route only while its
    next hop is on an up connected network (or its interface is up); a learned route only
    while the neighbour that gave it is up. So a zombie line shows no routes.
    """
    routes: list[RouteEntry] = []
    connected: list[tuple[IPv4Network, str]] = []
    for iface in device.interfaces:
        if iface.vpn_instance != vpn_instance or iface.address is None or not iface.oper_up:
            continue
        network = iface.address.network
        connected.append((network, iface.name))
        if network.prefixlen < 32:
            routes.append(RouteEntry(network, "direct", 0, 0, iface.address.ip, iface.name))
        routes.append(
            RouteEntry(
                IPv4Network(f"{iface.address.ip}/32"),
                "direct",
                0,
                0,
                IPv4Address("127.0.0.1"),
                iface.name,
                local=True,
            )
        )
    up = {i.name for i in device.interfaces if i.oper_up}
    recursive: list[StaticRoute] = []
    for static in device.static_routes:
        if static.vpn_instance != vpn_instance:
            continue
        interface = static.interface
        if static.next_hop is not None:
            via = next((name for net, name in connected if static.next_hop in net), None)
            if via is None:
                recursive.append(static)
                continue
            interface = interface or via
        elif interface is None or (
            interface not in up and not interface.upper().startswith("NULL")
        ):
            continue
        routes.append(
            RouteEntry(static.prefix, "static", static.preference, 0, static.next_hop, interface)
        )
    live_peers = {
        p.address for p in device.bgp_peers if p.established and p.vpn_instance == vpn_instance
    }
    live_ospf = {n.address for n in device.ospf_neighbours if n.full}
    live_vpnv4 = {
        p.address for p in device.bgp_peers if p.established and p.vpnv4 and p.vpn_instance is None
    }
    for learned in device.learned_routes:
        if learned.vpn_instance != vpn_instance or learned.interface not in up:
            continue
        live = live_peers if learned.protocol == "bgp" else live_ospf
        if learned.remote_vpn is not None:
            live = live_vpnv4
        if learned.next_hop in live or learned.vpn_from is not None:
            routes.append(
                RouteEntry(
                    learned.prefix,
                    learned.protocol,
                    PREFERENCE[learned.protocol],
                    1 if learned.protocol == "ospf" else 0,
                    learned.next_hop,
                    learned.interface,
                    remote_vpn=learned.remote_vpn,
                )
            )
    routes += _resolve_recursive(recursive, routes)
    return sorted(
        routes,
        key=lambda r: (
            int(r.prefix.network_address),
            r.prefix.prefixlen,
            PREFERENCE.get(r.protocol, 0),
        ),
    )


def _resolve_recursive(statics: list[StaticRoute], routes: list[RouteEntry]) -> list[RouteEntry]:
    """Static routes whose next hop is not on a connected network, resolved through the
    other routes of the table (longest prefix, never the default route: VRP iterates a static
    route to the default route only after ``ip route recursive-lookup default-route protocol
    static``, off by default, Huawei "Configuring Route Iteration to the Default Route",
    EDOC1100058916). The route keeps its configured next hop and takes the outgoing interface
    and neighbour of the route it resolves through; one that resolves through nothing is not in
    the table, as on a real router. Resolved routes can carry further ones (a few rounds)."""
    resolved: list[RouteEntry] = []
    pending = list(statics)
    for _ in range(4):
        progress = False
        for static in list(pending):
            assert static.next_hop is not None
            carriers = [
                r
                for r in (*routes, *resolved)
                if not r.local
                and r.prefix.prefixlen > 0
                and r.prefix != static.prefix
                and r.interface is not None
                and static.next_hop in r.prefix
            ]
            if not carriers:
                continue
            best = max(carriers, key=lambda r: (r.prefix.prefixlen, -r.preference))
            neighbour = static.next_hop if best.protocol == "direct" else best.via or best.next_hop
            resolved.append(
                RouteEntry(
                    static.prefix,
                    "static",
                    static.preference,
                    0,
                    static.next_hop,
                    best.interface,
                    via=neighbour,
                )
            )
            pending.remove(static)
            progress = True
        if not progress:
            break
    return resolved
