"""Each line built on the routers (the third step of building a district): extranet access
flat or zoned with its routing, self-rented internet lines with NAT, vertical networks,
the links inside the county node, and the one isolation breach."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from govnet.model.inventory import Inventory, ResolvedHost, Role
from govnet.model.policy import load_policy
from govnet_lab.district import BreachTruth
from govnet_lab.generate.devices import acl_number, iter_p2p
from govnet_lab.generate.networks import (
    CARRIER_CN,
    CITY_AS,
    COUNTY_AS,
    EXTRANET_DESC,
    EXTRANET_PUBLIC,
    INTERNET_DESC,
    INTRANET_BLOCK,
    SYSTEMS,
    ZONE_DESC,
    vertical_desc,
)
from govnet_lab.generate.plans import LinePlan, LinePlanner
from govnet_lab.model import (
    Acl,
    BgpOrigin,
    BgpPeer,
    Device,
    NatKind,
    NatRule,
    OspfNeighbour,
    StaticRoute,
    VpnInstance,
)
from govnet_lab.vendors import get_vendor


@functools.cache
def get_catalogue_targets() -> dict[str, str]:
    """Each catalogue system's route target as the bundled policy designs it."""
    policy = load_policy(None)
    if policy.migration is None:
        return {}
    asn = policy.migration.extranet_asn
    return {s.key: f"{asn}:{s.vpn_id}" for s in policy.catalogue if s.vpn_id is not None}


@functools.cache
def get_extranet_systems() -> dict[str, str]:
    """The catalogue's systems whose platform the city's dedicated zone carries, each with
    its route target: those with a vpn_id, except the nationally planned ones (they keep
    their own lines) and the isolated or classified ones (never on the extranet)."""
    targets = get_catalogue_targets()
    return {
        s.key: targets[s.key]
        for s in load_policy(None).catalogue
        if s.key in targets and not (s.national_plan or s.isolated or s.classified)
    }


@dataclass(frozen=True)
class Dedicated:
    """A unit's dedicated-zone VPN as built: where its business subnet is and what it reaches;
    the upstream step carries the VPN from the county PE to the city (Option A)."""

    unit: str
    ce: str
    pe: Device | None
    vpn: str
    business: IPv4Network
    remote: list[IPv4Network]


class LineBuilder(LinePlanner):
    """Builds every planned line on its routers."""

    def __init__(self, inventory: Inventory, seed: int) -> None:
        super().__init__(inventory, seed)
        self.uplinks: dict[str, str] = {}  # county core → its first uplink to the city
        self.attached: dict[str, str] = {}  # unit → the county core its extranet line ends on
        self.dedicated: list[Dedicated] = []
        self.exit_chain: list[str] = []  # county core → firewall → internet router

    def _build_line(self, plan: LinePlan, cores: list[ResolvedHost]) -> None:
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

    def _build_uplink(self, plan: LinePlan, device: Device, bandwidth: int) -> None:
        """The county node's uplink to the city node: BGP to a router outside the lab."""
        assert plan.interface is not None
        subnet = next(self.extranet_p2p)
        desc = "至市电子政务外网市级节点" + ("（主用）" if "core1" in device.hostname else "")
        _, city = self._p2p(
            device,
            plan.interface,
            subnet,
            desc,
            up=not plan.zombie,
            bandwidth=bandwidth,
            reach="city",
            circuit=plan.circuit_id,
        )
        if not plan.zombie:
            self.uplinks.setdefault(device.hostname, plan.interface)
        device.bgp_as = COUNTY_AS
        device.bgp_peers.append(BgpPeer(city, CITY_AS, description="City-ZWWW-Node"))

    def _get_core(self, plan: LinePlan, cores: list[ResolvedHost]) -> Device | None:
        if not cores:
            return None
        index = self.unit_index.get(plan.unit, 0)
        return self.devices[cores[index % len(cores)].name]

    def _build_extranet(
        self, plan: LinePlan, device: Device, bandwidth: int, cores: list[ResolvedHost]
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
        desc = ZONE_DESC[100] if zoned else rng.choice(EXTRANET_DESC)
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
            reach="city",
            circuit=plan.circuit_id,
        )
        if core is not None:
            self.attached.setdefault(plan.unit, core.hostname)
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
        # A system's VPN has the provincial design's RD and targets (<extranet AS>:<vpn_id> of
        # the catalogue, policy.yaml `migration`); a department's own, one of the county's.
        target = get_catalogue_targets().get(vpn.removeprefix("zw-"), "") or (
            f"{COUNTY_AS}:{100 + self.unit_index.get(plan.unit, 0)}"
        )
        for dev in (device, core):
            if dev is not None and dev.get_vpn_instance(vpn) is None:
                dev.vpn_instances.append(
                    VpnInstance(vpn, target, [target], [target], f"{plan.unit} 专用网络区")
                )
        dedicated_if = f"{plan.interface}.200"
        core_dedicated = None if core_port is None else f"{core_port}.200"
        mine2, pe2 = self._p2p(
            device,
            dedicated_if,
            next(self.dedicated_p2p),
            ZONE_DESC[200],
            vpn=vpn,
            up=up,
            bandwidth=bandwidth,
            peer=core,
            peer_name=core_dedicated,
            peer_description=f"To-{device.hostname}-{vpn}",
            reach="city",
            circuit=plan.circuit_id,
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
        self.dedicated.append(Dedicated(plan.unit, device.hostname, core, vpn, business, remote))
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
            # Each end sends the other only what it should (export prefix lists): the CE its
            # LAN, the PE the extranet's routes; without them a CE would pass the county its
            # other lines' routes.
            device.bgp_peers.append(
                BgpPeer(pe, COUNTY_AS, vpn, description="To-ZWWW-PE", export=list(local))
            )
            _originate(device, local, vpn)
            if core is not None and core_iface is not None:
                core.bgp_as = COUNTY_AS
                core.bgp_peers.append(
                    BgpPeer(
                        mine,
                        self.unit_as[unit],
                        vpn,
                        description=device.hostname,
                        export=list(remote),
                    )
                )
                _originate(core, remote, vpn)
            return
        for prefix in remote:
            device.static_routes.append(StaticRoute(prefix, pe, vpn_instance=vpn))
        if core is not None:
            for prefix in local:
                core.static_routes.append(StaticRoute(prefix, mine, vpn_instance=vpn))

    def _build_internet(self, plan: LinePlan, device: Device, bandwidth: int) -> None:
        """A self-rented internet line: public WAN address, NAT of the LAN, default to the ISP."""
        assert plan.interface is not None
        rng = self.rng("internet", plan.host, plan.interface)
        carrier = plan.line.carrier.value if plan.line else rng.choice(("telecom", "unicom"))
        subnet = next(self.isp_p2p[carrier])
        template = rng.choice(INTERNET_DESC)
        desc = template.format(carrier=CARRIER_CN[carrier], carrier_en=carrier.title())
        if plan.device_only:
            desc = rng.choice(("自租宽带", "Internet-Backup", "临时互联网出口"))
        _, isp = self._p2p(
            device,
            plan.interface,
            subnet,
            desc,
            up=not plan.zombie,
            bandwidth=bandwidth,
            reach=f"isp:{carrier}",
            circuit=plan.circuit_id,
        )
        device.static_routes.append(StaticRoute(IPv4Network("0.0.0.0/0"), isp))
        acl = acl_number(device.platform, len(device.acls))
        permit = [self._get_lan(plan.unit)]
        if plan.unit == self.core_unit:  # the county's exit translates what the extranet
            permit = [*self.lan_summary, EXTRANET_PUBLIC]  # sends, public-zone addresses too
        device.acls.append(Acl(acl, permit))
        if plan.unit == self.core_unit and get_vendor(device.platform).pooled_county_exit:
            # The pool is the carrier's block after the line's own /30: two /30s taken from
            # the carrier's allocator, so no later line of that carrier is given them too.
            pool = next(self.isp_p2p[carrier])
            next(self.isp_p2p[carrier])
            pool_start = pool.network_address + 1
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

    def _build_vertical(self, plan: LinePlan, device: Device, bandwidth: int) -> None:
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
            self.system_p2p[system.key] = iter_p2p(block, offset)
        subnet = next(self.system_p2p[system.key])
        if system.category == "intranet":
            desc = rng.choice(("至市委机要局电子政务内网", "DZZW-NeiWang-ShangLian"))
        elif system.category == "other":
            desc = f"至{plan.network[:30]}"
        else:
            desc = vertical_desc(system, rng)
        _, upstream = self._p2p(
            device,
            plan.interface,
            subnet,
            desc,
            vpn=vpn,
            up=not plan.zombie,
            bandwidth=bandwidth,
            reach=f"system:{system.key}",
            circuit=plan.circuit_id,
        )
        prefixes = [IPv4Network(p) for p in system.prefixes] or [IPv4Network("172.18.0.0/16")]
        if system.upstream_as is not None and not plan.zombie and rng.random() < 0.4:
            device.bgp_as = device.bgp_as or self.unit_as.get(plan.unit, 65100)
            # It advertises nothing upstream (the system's node routes back statically).
            device.bgp_peers.append(
                BgpPeer(
                    upstream,
                    system.upstream_as,
                    vpn,
                    description=f"{system.key}-upstream",
                    export=[],
                )
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
        self.exit_chain = [d.hostname for d in chain]
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
            back = [*self.lan_summary, EXTRANET_PUBLIC]  # as the city's exit routes them back
            b.static_routes.extend(StaticRoute(block, mine) for block in back)

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
            reach="city",
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
            LinePlan(
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


def _originate(device: Device, prefixes: list[IPv4Network], vpn: str | None) -> None:
    """``network`` statements for prefixes, once each (advertised while in the table)."""
    for prefix in prefixes:
        origin = BgpOrigin(vpn, prefix)
        if origin not in device.bgp_origins:
            device.bgp_origins.append(origin)
