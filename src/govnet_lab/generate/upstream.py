"""What the county's lines reach (the fourth step of building a district): the city's
e-government extranet core with its public zone and the dedicated zone's VPNs, the city's
unified internet exit, the carriers and an internet beyond them, each vertical system's
upstream node and the intranet node, each with servers that answer ping.

These routers are in no inventory (nobody surveys them) but they forward, so the lab can say
whether a unit's business still reaches its servers. Each far end of a county line becomes a
port here, joined to the county port by a link; the county side is left exactly as the line
builder made it, except the county core's per-VPN sub-interfaces to the city (Option A) that
carry the dedicated zone upstream, and the routes that go with them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from govnet.model.facts import physical_port
from govnet.model.inventory import Inventory, Role
from govnet_lab.generate.devices import FarEnd, iter_p2p
from govnet_lab.generate.lines import LineBuilder, get_extranet_systems
from govnet_lab.generate.networks import (
    CITY_AS,
    COUNTY_AS,
    EXTRANET_PUBLIC,
    ISP_BLOCKS,
    SYSTEMS,
    UNKNOWN_SYSTEM,
)
from govnet_lab.generate.vpnv4 import Handoff, announce_remote, carry_vpn, connect_pe
from govnet_lab.model import (
    Acl,
    ArpEntry,
    BgpOrigin,
    BgpPeer,
    Device,
    Interface,
    InterfaceKind,
    LearnedRoute,
    NatKind,
    NatRule,
    Server,
    StaticRoute,
    VpnInstance,
    link_end,
)

CITY = "city-zwww-core"  # the city's e-government extranet core (PE of the dedicated zone)
CITY_EXIT = "city-zwww-exit"  # the city's unified internet exit (the extranet internet zone)
INTERNET = "internet"
INTERNET_SITE = IPv4Network("198.51.100.0/24")  # TEST-NET-2 (RFC 5737): a site on the internet
TRANSIT = IPv4Network("203.0.113.0/24")  # TEST-NET-3: links between carriers and the internet
CITY_EXIT_WAN = IPv4Network("202.98.255.248/30")  # the city exit's telecom line
UPSTREAM_PLATFORM = "huawei"
DEFAULT = IPv4Network("0.0.0.0/0")
LAN_PREFIX = "lan:"  # a link end that is a unit's LAN switch, not a router port
# The links between the city core and the systems' nodes: a block no county router uses.
SYSTEM_LINKS = IPv4Network("10.252.0.0/24")
DEDICATED_LINKS = IPv4Network("172.16.0.0/12")  # the dedicated zone's CE-PE and PE-city /30s


@dataclass(frozen=True)
class Reached:
    """A server a flow can be sent to: which router it sits behind, in which VPN there."""

    server: Server
    vpn_instance: str | None


def get_system_node(key: str) -> str:
    return f"up-{key}"


def get_carrier_node(carrier: str) -> str:
    return f"isp-{carrier}"


CITY_BLOCKS = (EXTRANET_PUBLIC, IPv4Network("10.0.0.0/8"))  # what the city node announces


class UpstreamBuilder(LineBuilder):
    """Builds the routers beyond the county and joins every far end to one."""

    def __init__(self, inventory: Inventory, seed: int, handoff: Handoff = "option_a") -> None:
        super().__init__(inventory, seed)
        self.handoff = handoff  # how the dedicated zone goes to the city: _carry_dedicated
        self.upstream: dict[str, Device] = {}
        self.servers: dict[str, Reached] = {}  # "city", "city:<vpn>", "internet", "system:<key>"
        self._ports: dict[str, Iterator[str]] = {}
        self._far_ports: dict[str, str] = {}  # county "host:port" → upstream "host:port"
        self._transit = iter_p2p(TRANSIT, 0)

    # --- routers and ports ------------------------------------------------------------------

    def _router(self, name: str, description: str) -> Device:
        if name in self.upstream:
            return self.upstream[name]
        index = len(self.upstream) + 1
        rng = self.rng("upstream", name)
        router_id = IPv4Address(f"10.253.0.{index}")
        device = Device(
            hostname=name,
            platform=UPSTREAM_PLATFORM,
            port=0,  # not served: nobody in the county logs in to it
            model="NE40E-X8",
            serial="",
            os_version="V800R011C10SPC100",
            uptime_s=rng.randrange(30 * 86_400, 900 * 86_400),
            unit="",
            division_code=self.county[:4] + "00000000",
            site=description,
            role="upstream",
            router_id=router_id,
        )
        self.mac_base[name] = f"00e0-fc{rng.randrange(256):02x}-{rng.randrange(65536):04x}"
        self.mac_count[name] = 0
        self._ports[name] = (
            f"GigabitEthernet{slot}/0/{n}" for slot in range(1, 9) for n in range(48)
        )
        device.interfaces.append(
            Interface(
                "LoopBack0",
                InterfaceKind.LOOPBACK,
                "Router-ID",
                address=IPv4Interface(f"{router_id}/32"),
                mac=self._next_mac(name),
            )
        )
        self.upstream[name] = device
        return device

    def _lan(self, device: Device, subnet: IPv4Network, name: str, vpn: str | None = None) -> str:
        """A server LAN on ``device`` with one server at .10; returns its key's server name."""
        port = next(self._ports[device.hostname])
        device.interfaces.append(
            Interface(
                port,
                description=f"Server-LAN {name}",
                address=IPv4Interface(f"{subnet.network_address + 1}/{subnet.prefixlen}"),
                vpn_instance=vpn,
                mac=self._next_mac(device.hostname),
            )
        )
        return port

    def _add_server(
        self, key: str, device: Device, subnet: IPv4Network, name: str, vpn: str | None = None
    ) -> Reached:
        port = self._lan(device, subnet, name, vpn)
        reached = Reached(Server(name, subnet.network_address + 10, device.hostname, port), vpn)
        self.servers[key] = reached
        return reached

    def _far_port(self, router: Device, far: FarEnd, vpn: str | None) -> Interface:
        """The upstream port facing a county line's far end (a sub-interface when tagged)."""
        physical = link_end(far.host, far.interface)
        if physical not in self._far_ports:
            port = next(self._ports[router.hostname])
            router.interfaces.append(
                Interface(port, description=f"To-{far.host}", mac=self._next_mac(router.hostname))
            )
            self._far_ports[physical] = f"{router.hostname}:{port}"
            self._add_link(physical, self._far_ports[physical], far.circuit)
        port = self._far_ports[physical].split(":", 1)[1]
        mac = far.mac or router.get_interface(port).mac  # type: ignore[union-attr]
        if "." not in far.interface:
            iface = router.get_interface(port)
            assert iface is not None
            iface.address, iface.vpn_instance, iface.mac = far.address, vpn, mac
            return iface
        vlan = int(far.interface.split(".", 1)[1])
        iface = Interface(
            f"{port}.{vlan}",
            InterfaceKind.SUBINTERFACE,
            f"To-{far.host}",
            address=far.address,
            vpn_instance=vpn,
            dot1q=vlan,
            mac=mac,
        )
        router.interfaces.append(iface)
        return iface

    def _county_address(self, far: FarEnd) -> IPv4Address:
        iface = self.devices[far.host].get_interface(far.interface)
        assert iface is not None and iface.address is not None
        return iface.address.ip

    # --- the whole step -----------------------------------------------------------------------

    def _build_upstream(self) -> None:
        self._join_lans()
        self._share_between_cores()
        city = self._router(CITY, "市电子政务外网核心")
        city.bgp_as = CITY_AS
        # The city node announces the extranet's public block and the private 10/8 to the
        # county cores as summaries held up by routes to NULL0, as a summary is usually held.
        for block in CITY_BLOCKS:
            city.static_routes.append(StaticRoute(block, interface="NULL0"))
            city.bgp_origins.append(BgpOrigin(None, block))
        self._build_internet_side(city)
        salt = int(self.county[:6]) % 200
        first = (salt * 1024) % EXTRANET_PUBLIC.num_addresses  # where county /30s start
        portal = IPv4Network(
            (
                int(EXTRANET_PUBLIC.network_address)
                + (first - 256) % EXTRANET_PUBLIC.num_addresses,
                24,
            )
        )
        self._add_server("city", city, portal, "电子政务外网门户（公用网络区）")
        for far in self.far_ends:
            if far.reach == "city":
                self._join_city(city, far)
            elif far.reach.startswith("isp:"):
                self._join_carrier(far.reach.split(":", 1)[1], far)
            else:
                self._join_system(far.reach.split(":", 1)[1], far)
        self._carry_dedicated(city)
        self._attach_systems(city)
        for d in self.dedicated if self.handoff == "vpnv4" else ():
            if d.pe is not None and d.pe.mpls:  # carried over VPNv4: the city announces
                announce_remote(city, d.vpn, d.remote)  # what the PE had routes to

    def _join_lans(self) -> None:
        """The routers of one unit share its LAN: each LAN port is linked to the unit's
        switch (an end that is no router, "lan:<unit>")."""
        for host, port in self.lan_ports.items():
            self._add_link(f"{host}:{port}", f"{LAN_PREFIX}{self.devices[host].unit}", None)

    def _share_between_cores(self) -> None:
        """County cores tell each other over OSPF what they have behind them: the LANs of
        the units attached to each, and the default route of the core that has one."""
        cores = {
            d.hostname: d
            for d in self.devices.values()
            if d.role == Role.CORE.value and d.unit == self.core_unit
        }
        defaults = {
            name
            for name, core in cores.items()
            if any(r.prefix == DEFAULT and r.vpn_instance is None for r in core.static_routes)
        }
        for core in cores.values():
            for neighbour in core.ospf_neighbours:
                other = next(
                    (
                        name
                        for name, d in cores.items()
                        if any(
                            i.address and i.address.ip == neighbour.address for i in d.interfaces
                        )
                    ),
                    None,
                )
                if other is None:
                    continue
                learned = self._behind_core(other)[1:]
                if other in defaults and core.hostname not in defaults:
                    learned.append(DEFAULT)
                core.learned_routes.extend(
                    LearnedRoute(p, "ospf", neighbour.address, neighbour.interface) for p in learned
                )

    def _join_city(self, city: Device, far: FarEnd) -> None:
        self._far_port(city, far, far.vpn_instance)
        county = self._county_address(far)
        device = self.devices[far.host]
        if not device.get_interface(far.interface).oper_up:  # type: ignore[union-attr]
            return  # a zombie line: nothing is routed over it
        if far.vpn_instance is not None:
            vpn = device.get_vpn_instance(far.vpn_instance)
            if vpn is not None:
                _ensure_vpn(city, vpn)
            return  # routes in the VPN: _carry_dedicated
        if far.host in self.uplinks and self.uplinks[far.host] == far.interface:
            # The county core's uplink: eBGP, the city learns what the core has behind it.
            # The city sends its summaries; the core the LANs it has behind it, each originated
            # where it is not learned over BGP already.
            city.bgp_peers.append(
                BgpPeer(county, COUNTY_AS, description=far.host, export=list(CITY_BLOCKS))
            )
            behind = self._behind_core(far.host)
            (to_city,) = [p for p in device.bgp_peers if p.address == far.address.ip]
            to_city.export = list(behind)
            for lan in behind:
                origin = BgpOrigin(None, lan)
                if origin not in device.bgp_origins:
                    device.bgp_origins.append(origin)
            return
        lan = self._get_lan(device.unit)
        city.static_routes.append(StaticRoute(lan, county))

    def _behind_core(self, core: str) -> list[IPv4Network]:
        """The LANs a county core routes to: its own unit's and those of units attached to it."""
        units = [self.devices[core].unit, *sorted(u for u, c in self.attached.items() if c == core)]
        links = [  # its links to the units in the extranet block (import-route direct)
            i.address.network
            for i in self.devices[core].interfaces
            if i.address is not None
            and i.vpn_instance is None
            and i.address.network.subnet_of(EXTRANET_PUBLIC)
            and i.oper_up
        ]
        return list(dict.fromkeys([*(self._get_lan(u) for u in units), *links]))

    def _build_internet_side(self, city: Device) -> None:
        """The internet (one site), a router per carrier joined to it, and the city's exit."""
        internet = self._router(INTERNET, "互联网")
        self._add_server("internet", internet, INTERNET_SITE, "互联网站点")
        for carrier in sorted(set(ISP_BLOCKS)):
            isp = self._router(get_carrier_node(carrier), f"运营商{carrier}")
            mine, theirs = self._join(isp, internet, next(self._transit))
            isp.static_routes.append(StaticRoute(DEFAULT, theirs))
            internet.static_routes.append(StaticRoute(ISP_BLOCKS[carrier], mine))
        exit_ = self._router(CITY_EXIT, "市电子政务外网统一互联网出口")
        telecom = self.upstream[get_carrier_node("telecom")]
        wan, isp_side = self._join(exit_, telecom, CITY_EXIT_WAN)
        exit_.static_routes.append(StaticRoute(DEFAULT, isp_side))
        exit_.acls.append(Acl("3000", [IPv4Network("10.0.0.0/8"), EXTRANET_PUBLIC]))
        exit_.nat_rules.append(NatRule(NatKind.EASY_IP, self._port_of(exit_, wan), "3000"))
        inside, outside = self._join(city, exit_, next(self._transit))
        city.static_routes.append(StaticRoute(DEFAULT, outside))
        exit_.static_routes.extend(
            StaticRoute(block, inside) for block in (IPv4Network("10.0.0.0/8"), EXTRANET_PUBLIC)
        )

    def _port_of(self, device: Device, address: IPv4Address) -> str:
        return next(i.name for i in device.interfaces if i.address and i.address.ip == address)

    def _join(self, a: Device, b: Device, subnet: IPv4Network) -> tuple[IPv4Address, IPv4Address]:
        """A cable between two upstream routers: (a's address, b's address)."""
        first, second = list(subnet.hosts())[:2]
        ends = []
        for device, address, other in ((a, first, b), (b, second, a)):
            port = next(self._ports[device.hostname])
            device.interfaces.append(
                Interface(
                    port,
                    description=f"To-{other.hostname}",
                    address=IPv4Interface(f"{address}/{subnet.prefixlen}"),
                    mac=self._next_mac(device.hostname),
                )
            )
            ends.append(f"{device.hostname}:{port}")
        self._add_link(ends[0], ends[1], None)
        return first, second

    def _join_carrier(self, carrier: str, far: FarEnd) -> None:
        isp = self._router(get_carrier_node(carrier), f"运营商{carrier}")
        self._far_port(isp, far, None)
        device = self.devices[far.host]
        for nat in device.nat_rules:  # an address pool outside the line's /30: routed to it
            if nat.interface == far.interface and nat.pool_start and nat.pool_end:
                county = self._county_address(far)
                for n in range(int(nat.pool_start), int(nat.pool_end) + 1):
                    isp.static_routes.append(
                        StaticRoute(IPv4Network(f"{IPv4Address(n)}/32"), county)
                    )

    def _join_system(self, key: str, far: FarEnd) -> None:
        system = next((s for s in SYSTEMS if s.key == key), UNKNOWN_SYSTEM)
        name = get_system_node(key)
        node = self.upstream.get(name)
        if node is None:
            node = self._router(name, f"{system.name}上级节点")
            prefix = IPv4Network(system.prefixes[0] if system.prefixes else "172.18.0.0/16")
            servers = IPv4Network(f"{prefix.network_address}/24")
            self._add_server(f"system:{key}", node, servers, f"{system.name}业务服务器")
        port = self._far_port(node, far, None)
        self._peer_back(node, far, port, system.upstream_as)
        ends = (far.host, far.interface)
        plan = next((p for p in self.plans if (p.host, p.interface) == ends), None)
        back = [IPv4Interface(plan.terminal).network] if plan and plan.terminal else []
        if far.vpn_instance is None:  # the unit's LAN is in the same table as the line
            back.append(self._get_lan(self.devices[far.host].unit))
        node.static_routes.extend(StaticRoute(n, self._county_address(far)) for n in back)

    def _peer_back(
        self, node: Device, far: FarEnd, port: Interface, upstream_as: int | None
    ) -> None:
        """A system node peers back with a county router that runs BGP to it over this line,
        so the session is Established from both sides (govnet_lab.dataplane.sessions)."""
        device = self.devices[far.host]
        if upstream_as is None or device.bgp_as is None:
            return
        wanted = (far.address.ip, far.vpn_instance)
        if not any((p.address, p.vpn_instance) == wanted for p in device.bgp_peers):
            return
        node.bgp_as = upstream_as
        system = next(s for s in SYSTEMS if s.upstream_as == upstream_as)
        for prefix in (IPv4Network(p) for p in system.prefixes):  # a summary, as the city's
            if BgpOrigin(None, prefix) not in node.bgp_origins:
                node.static_routes.append(StaticRoute(prefix, interface="NULL0"))
                node.bgp_origins.append(BgpOrigin(None, prefix))
        node.bgp_peers.append(
            BgpPeer(
                self._county_address(far),
                device.bgp_as,
                port.vpn_instance,
                description=far.host,
                export=[IPv4Network(p) for p in system.prefixes],
            )
        )

    def _attach_systems(self, city: Device) -> None:
        """Each carried system's node on the city's dedicated zone, as its platform is in
        the real extranet: the city's port in the system's VPN, the node's in its global
        table. The city routes the system's prefixes to the node; the node routes the
        extranet's private space (the county LANs, the dedicated zone's links) back as
        summaries, less specific than its routes per unit over the old lines, so no flow of
        today moves until a cutover moves it (and the operator moves that unit's route)."""
        links = iter_p2p(SYSTEM_LINKS, 0)
        carried = get_extranet_systems()
        for key in sorted(k for k in carried if get_system_node(k) in self.upstream):
            node = self.upstream[get_system_node(key)]
            system = next(s for s in SYSTEMS if s.key == key)
            vpn, target = f"zw-{key}", carried[key]
            _ensure_vpn(city, VpnInstance(vpn, target, [target], [target], system.name))
            mine, theirs = self._join(city, node, next(links))
            port = city.get_interface(self._port_of(city, mine))
            assert port is not None
            port.vpn_instance = vpn
            city.static_routes.extend(
                StaticRoute(IPv4Network(p), theirs, vpn_instance=vpn) for p in system.prefixes
            )
            node.static_routes.extend(
                StaticRoute(block, mine) for block in (*self.lan_summary, DEDICATED_LINKS)
            )

    def _carry_dedicated(self, city: Device) -> None:
        """Each dedicated-zone VPN from the county PE to the city core, on a sub-interface per
        VPN of the PE's uplink (Option A) or over VPNv4 (govnet_lab.generate.vpnv4), with the
        zone's servers in the VPN at the city."""
        vlans: dict[str, int] = {}
        done: set[tuple[str, str]] = set()
        for host, line in self.uplinks.items() if self.handoff == "vpnv4" else ():
            port = self._far_ports.get(link_end(host, line), ":").split(":", 1)[1]
            ends = self.devices[host].get_interface(line), city.get_interface(port)
            if ends[0] is not None and ends[1] is not None and ends[0].address is not None:
                connect_pe(city, self.devices[host], ends[0], ends[1])
        for d in self.dedicated:
            vlan = vlans.setdefault(d.vpn, 2001 + len(vlans))
            key = f"city:{d.vpn}"
            if key not in self.servers:
                source = (d.pe or self.devices[d.ce]).get_vpn_instance(d.vpn)
                assert source is not None
                _ensure_vpn(city, source)
                servers = IPv4Network(f"{d.remote[0].network_address + 256}/24")
                self._add_server(key, city, servers, f"{d.vpn}业务服务器（专用网络区）", d.vpn)
            if d.pe is None:  # the unit's line ends on the city core itself
                far = next(f for f in self.far_ends if f.host == d.ce and f.vpn_instance == d.vpn)
                city.static_routes.append(
                    StaticRoute(d.business, self._county_address(far), vpn_instance=d.vpn)
                )
                continue
            uplink = self.uplinks.get(d.pe.hostname)
            if uplink is None:
                continue  # a core without an uplink carries nothing upstream
            if self.handoff == "vpnv4":  # its session to the city: connect_pe above
                carry_vpn(city, d.pe, d.vpn)
                continue
            pe_address, city_address = self._option_a(city, d.pe, uplink, d.vpn, vlan, done)
            city.static_routes.append(StaticRoute(d.business, pe_address, vpn_instance=d.vpn))
            for prefix in d.remote:
                route = StaticRoute(prefix, city_address, vpn_instance=d.vpn)
                if route not in d.pe.static_routes:
                    d.pe.static_routes.append(route)

    def _option_a(
        self, city: Device, pe: Device, uplink: str, vpn: str, vlan: int, done: set[tuple[str, str]]
    ) -> tuple[IPv4Address, IPv4Address]:
        """The PE's sub-interface for one VPN on its uplink, and the city's (addresses)."""
        name = f"{physical_port(uplink)}.{vlan}"
        if (pe.hostname, vpn) in done:
            mine = pe.get_interface(name)
            assert mine is not None and mine.address is not None
            return mine.address.ip, next(mine.address.network.hosts())
        done.add((pe.hostname, vpn))
        subnet = next(self.dedicated_p2p)
        city_address, pe_address = list(subnet.hosts())[:2]
        for plan in self.plans:  # the uplink line now carries this sub-interface too
            if plan.host == pe.hostname and plan.interface == uplink:
                plan.interfaces.append(f"{pe.hostname}:{name}")
        iface = self._ensure_interface(pe, name)
        iface.description = f"To-City-{vpn}"
        iface.address = IPv4Interface(f"{pe_address}/{subnet.prefixlen}")
        iface.vpn_instance = vpn
        iface.dot1q = vlan
        far = FarEnd(
            "city", pe.hostname, name, IPv4Interface(f"{city_address}/30"), vpn, None, None
        )
        other = self._far_port(city, far, vpn)
        pe_iface = pe.get_interface(physical_port(uplink))
        if pe_iface is not None:
            iface.link_up = pe_iface.link_up
        pe.arp.append(ArpEntry(city_address, other.mac, name, vpn))
        return pe_address, city_address


def _ensure_vpn(device: Device, like: VpnInstance) -> None:
    """The same VPN instance (name, RD, targets) on ``device``, once: the city's end of a
    dedicated-zone VPN matches the county's."""
    if device.get_vpn_instance(like.name) is None:
        device.vpn_instances.append(
            VpnInstance(
                like.name,
                like.route_distinguisher,
                list(like.import_targets),
                list(like.export_targets),
                like.description,
            )
        )
