"""The lab's oracle: what a perfect survey of a simulated router reads.

A lab router is a model (:class:`govnet_lab.model.Device`) from which every CLI output is
rendered; :func:`get_device_facts` states that model directly as the normalised facts
(:class:`govnet.model.facts.HostFacts`) a survey without faults must parse out of those outputs,
in the order ``govnet.platforms`` documents. Where vendors show less than the model holds
(uptime in minutes, the router ID in place of an OSPF peer's address on Huawei, one global
NAT interface on Comware/IOS), the facts show what the vendor shows (its module in
govnet_lab.vendors says so). Tests compare real
surveys to it; benchmarks use it to fill big stores without SSH or parsing.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import TYPE_CHECKING, Any

from govnet.model.facts import (
    ArpEntry,
    DeviceInfo,
    HostFacts,
    Interface,
    NatRule,
    Neighbour,
    OspfArea,
    Route,
    VpnInstance,
    arp_order,
    nat_order,
    natural_key,
    neighbour_order,
    ospf_order,
)
from govnet_lab.model import Device, Fault, InterfaceKind, NatKind, get_routing_table
from govnet_lab.render import render
from govnet_lab.vendors import get_vendor

if TYPE_CHECKING:
    from govnet.model.inventory import Inventory
    from govnet.model.snapshot import Snapshot

__all__ = ["get_device_facts", "get_lab_snapshot", "get_running_config"]


def get_device_facts(device: Device) -> HostFacts:
    """The model as HostFacts, in the documented order (govnet.platforms)."""
    return HostFacts(
        _device(device),
        tuple(sorted(_interfaces(device), key=lambda i: natural_key(i.name))),
        tuple(sorted(_vpn_instances(device), key=lambda v: v.name)),
        tuple(sorted(_routes(device), key=_route_order)),
        tuple(sorted(_neighbours(device), key=neighbour_order)),
        tuple(sorted(_nat(device), key=nat_order)),
        tuple(sorted(_arp(device), key=arp_order)),
        tuple(sorted(_ospf(device), key=ospf_order)),
    )


def get_running_config(device: Device) -> str:
    """The running configuration as the router prints it (what a survey stores)."""
    return render(device, get_vendor(device.platform).running_config)


def get_lab_snapshot(inventory: Inventory, devices: list[Device]) -> Snapshot:
    """What a perfect survey of these routers gives classification, without SSH."""
    from govnet.model.snapshot import HostRecord, LedgerLine, Snapshot, UnitRecord

    hosts = {h.name: h for h in inventory.hosts}
    return Snapshot(
        [
            UnitRecord(u.id, u.name, u.kind.value, u.division_code, u.classified)
            for u in inventory.units
        ],
        [
            HostRecord(
                d.hostname,
                hosts[d.hostname].unit,
                hosts[d.hostname].role.value,
                d.platform,
                "ok",
                get_device_facts(d),
            )
            for d in devices
        ],
        [
            LedgerLine(
                ln.circuit_id,
                ln.unit,
                ln.network,
                ln.carrier.value,
                ln.kind.value,
                ln.classified,
                ln.a_device,
                ln.a_interface,
                ln.bandwidth_mbps,
                float(ln.monthly_fee) if ln.monthly_fee is not None else None,
                float(ln.annual_fee) if ln.annual_fee is not None else None,
                ln.contract_start,
                ln.contract_end,
                ln.notice_days,
                ln.termination_terms,
                ln.z_end,
            )
            for ln in inventory.lines
        ],
    )


def _device(device: Device) -> DeviceInfo:
    return DeviceInfo(
        vendor=get_vendor(device.platform).name,
        model=device.model,
        os_version=device.os_version,
        serial=device.serial,
        uptime_s=device.uptime_s // 60 * 60,  # every vendor prints minutes at best
        hostname=device.sysname,
        local_as=device.bgp_as,
        router_id=str(device.router_id) if device.router_id and device.bgp_as is not None else None,
    )


def _interfaces(device: Device) -> tuple[Interface, ...]:
    return tuple(
        Interface(
            i.name,
            description=i.description,
            admin_up=i.admin_up,
            oper_up=i.oper_up,
            kind=i.kind.value,
            vpn_instance=i.vpn_instance,
            addresses=(str(i.address),) if i.address else (),
            vlan=i.dot1q,
        )
        for i in device.interfaces
    )


def _vpn_instances(device: Device) -> tuple[VpnInstance, ...]:
    return tuple(
        VpnInstance(
            v.name,
            v.route_distinguisher,
            tuple(v.import_targets),
            tuple(v.export_targets),
            v.description,
        )
        for v in device.vpn_instances
    )


def _routes(device: Device) -> tuple[Route, ...]:
    """Every route of every table, and each configured static route the table lacks (its
    next hop unreachable, its interface down) as configured and inactive."""
    printed = get_vendor(device.platform).shown_preference
    routes: list[Route] = []
    for vpn in [None, *(v.name for v in device.vpn_instances)]:
        statics = [s for s in device.static_routes if s.vpn_instance == vpn]
        shown: set[int] = set()
        for r in get_routing_table(device, vpn):
            connected = r.protocol == "direct"
            static = None
            if r.protocol == "static":
                static = next(
                    (
                        i
                        for i, s in enumerate(statics)
                        if s.prefix == r.prefix
                        and s.next_hop == r.next_hop
                        and (s.interface is None or s.interface == r.interface)
                    ),
                    None,
                )
            if static is not None:
                shown.add(static)
            routes.append(
                Route(
                    str(r.prefix),
                    "local" if r.local else r.protocol,
                    () if connected or r.next_hop is None else (str(r.next_hop),),
                    r.interface,
                    vpn,
                    preference=r.preference if printed is None else printed(r, device),
                    configured=True if static is not None else None,
                    active=True,
                )
            )
        for i, s in enumerate(statics):  # configured, not in the table: inactive
            if i not in shown:
                hops = (str(s.next_hop),) if s.next_hop else ()
                pref = s.preference if s.preference != 60 else None  # printed only when not 60
                routes.append(
                    Route(str(s.prefix), "static", hops, s.interface, vpn, pref, True, False)
                )
    return tuple(routes)


def _neighbours(device: Device) -> tuple[Neighbour, ...]:
    found = [
        Neighbour(
            "bgp",
            str(p.address),
            p.remote_as,
            "established" if p.established else "idle",
            vpn_instance=p.vpn_instance,
        )
        for p in device.bgp_peers
    ]
    vendor = get_vendor(device.platform)
    for n in device.ospf_neighbours:
        peer = n.router_id if vendor.ospf_peer_is_router_id else n.address
        state = "full" if n.full else "init"
        found.append(
            Neighbour("ospf", str(peer), None, state, n.interface, router_id=str(n.router_id))
        )
    if Fault.UNSUPPORTED not in device.faults:
        protocol = vendor.neighbour_protocol
        found += [
            Neighbour(protocol, n.system_name, interface=n.local_interface, remote_interface=n.port)
            for n in device.lldp_neighbours
        ]
    return tuple(found)


def _ospf(device: Device) -> set[OspfArea]:
    """What every vendor's configuration prints (``_ospf_config`` and Comware's
    ``config_text``): per process, a network statement for each neighbour's interface
    subnet (wildcard mask), in the neighbour's area; IOS spells area 0 as ``0``."""
    found: set[OspfArea] = set()
    for n in device.ospf_neighbours:
        iface = device.get_interface(n.interface)
        if iface is not None and iface.address is not None:
            net = iface.address.network
            area = str(IPv4Address(int(n.area))) if n.area.isdigit() else n.area
            prefix = f"{net.network_address}/{net.prefixlen}"
            found.add(OspfArea(area, n.process, prefix))
    return found


def _nat(device: Device) -> tuple[NatRule, ...]:
    rules: list[NatRule] = []
    vendor = get_vendor(device.platform)
    for r in device.nat_rules:
        pool, interface = vendor.nat_as_shown(device, r)
        if r.kind is NatKind.OUTBOUND:
            addresses = (str(r.pool_start), str(r.pool_end)) if r.pool_start else ()
        elif r.kind in (NatKind.STATIC, NatKind.SERVER):
            addresses = (str(r.inside_address), str(r.global_address))
        else:
            addresses = ()
        rules.append(NatRule(r.kind.value, interface, r.acl, pool, addresses))
    return tuple(rules)


def _arp(device: Device) -> list[ArpEntry]:
    """The ARP table as the vendor prints it: learnt entries, and the router's own
    addresses on interfaces that are up (not loopbacks) where the vendor lists them."""
    vendor = get_vendor(device.platform)
    found: dict[tuple[str | None, str], ArpEntry] = {}
    if vendor.arp_shows_own:
        for i in device.interfaces:
            if i.address is not None and i.oper_up and i.kind is not InterfaceKind.LOOPBACK:
                vpn = i.vpn_instance
                found[(vpn, str(i.address.ip))] = ArpEntry(
                    str(i.address.ip), i.mac, i.name, vpn, "interface"
                )
    for e in device.arp:
        vpn = e.vpn_instance if vendor.arp_shows_vpn else None
        found[(vpn, str(e.address))] = ArpEntry(str(e.address), e.mac, e.interface, vpn, "dynamic")
    return list(found.values())


def _route_order(r: Route) -> tuple[Any, ...]:
    net = IPv4Network(r.prefix)
    return (
        r.vpn_instance is not None,
        r.vpn_instance or "",
        int(net.network_address),
        net.prefixlen,
        r.protocol,
        r.next_hops,
        r.interface or "",
    )
