"""The model operations of configuration mode: one set for all vendors.

Each checks first and changes last, so a rejected command leaves the device exactly as it
was; a refusal is raised as :class:`Refused` with the code of the vendor's error text.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from govnet_lab.configure.patterns import Refused
from govnet_lab.model import (
    Acl,
    BgpPeer,
    Device,
    Interface,
    InterfaceKind,
    NatKind,
    NatRule,
    StaticRoute,
    VpnInstance,
)


def find_vpn(device: Device, name: str) -> VpnInstance:
    vpn = device.get_vpn_instance(name)
    if vpn is None:
        raise Refused("no_vpn", vpn=name)
    return vpn


def create_vpn(device: Device, name: str) -> VpnInstance:
    vpn = device.get_vpn_instance(name)
    if vpn is None:
        vpn = VpnInstance(name)
        device.vpn_instances.append(vpn)
    return vpn


def delete_vpn(device: Device, name: str) -> list[Interface]:
    """Remove a VPN instance and everything in it; returns the interfaces it unbound."""
    find_vpn(device, name)
    unbound = [i for i in device.interfaces if i.vpn_instance == name]
    for iface in unbound:
        iface.vpn_instance = None
        iface.address = None
    device.vpn_instances = [v for v in device.vpn_instances if v.name != name]
    device.static_routes = [r for r in device.static_routes if r.vpn_instance != name]
    device.bgp_peers = [p for p in device.bgp_peers if p.vpn_instance != name]
    return unbound


def set_rd(vpn: VpnInstance, rd: str) -> None:
    if vpn.route_distinguisher not in (None, rd):
        raise Refused("rd_set", vpn=vpn.name, rd=vpn.route_distinguisher)
    vpn.route_distinguisher = rd


def add_target(vpn: VpnInstance, target: str, direction: str, need_rd: bool) -> None:
    if need_rd and vpn.route_distinguisher is None:
        raise Refused("rd_first", vpn=vpn.name)
    if direction in ("import", "both") and target not in vpn.import_targets:
        vpn.import_targets.append(target)
    if direction in ("export", "both") and target not in vpn.export_targets:
        vpn.export_targets.append(target)


def _check_address(device: Device, iface: Interface, address: IPv4Interface) -> None:
    network = address.network
    if network.prefixlen < 31 and address.ip in (
        network.network_address,
        network.broadcast_address,
    ):
        raise Refused("bad_host", ip=address.ip, length=network.prefixlen)
    if network.prefixlen == 32 and iface.kind != InterfaceKind.LOOPBACK:
        raise Refused("bad_host", ip=address.ip, length=32)
    for other in device.interfaces:
        if other is iface or other.address is None or other.vpn_instance != iface.vpn_instance:
            continue
        if other.address.network.overlaps(network):
            raise Refused(
                "overlap", network=network.network_address, other=other.name, ip=address.ip
            )


def set_address(device: Device, iface: Interface, address: IPv4Interface) -> None:
    _check_address(device, iface, address)
    iface.address = address


def bind_vpn(device: Device, iface: Interface, name: str) -> bool:
    """Bind; like the real devices, this removes the interface's IPv4 configuration.

    Returns whether anything changed (binding the VPN it is already in is a no-op)."""
    find_vpn(device, name)
    if iface.vpn_instance == name:
        return False
    iface.vpn_instance = name
    iface.address = None
    return True


def unbind_vpn(device: Device, iface: Interface, name: str) -> None:
    find_vpn(device, name)
    if iface.vpn_instance != name:
        raise Refused("not_bound", vpn=name, interface=iface.name)
    iface.vpn_instance = None
    iface.address = None


def set_dot1q(device: Device, iface: Interface, vid: int) -> None:
    for other in device.interfaces:
        if other is not iface and other.parent == iface.parent and other.dot1q == vid:
            raise Refused("vlan_in_use", vid=vid, other=other.name)
    iface.dot1q = vid


def delete_interface(device: Device, iface: Interface) -> None:
    device.interfaces = [i for i in device.interfaces if i is not iface]
    device.nat_rules = [n for n in device.nat_rules if n.interface != iface.name]


def add_static(device: Device, route: StaticRoute) -> None:
    for existing in device.static_routes:
        if (existing.prefix, existing.vpn_instance, existing.next_hop, existing.interface) == (
            route.prefix,
            route.vpn_instance,
            route.next_hop,
            route.interface,
        ):
            existing.preference = route.preference
            return
    device.static_routes.append(route)


def delete_static(
    device: Device,
    prefix: IPv4Network,
    vpn: str | None,
    next_hop: IPv4Address | None,
    interface: str | None,
) -> None:
    def doomed(r: StaticRoute) -> bool:
        return (
            r.prefix == prefix
            and r.vpn_instance == vpn
            and (next_hop is None or r.next_hop == next_hop)
            and (interface is None or r.interface == interface)
        )

    if not any(doomed(r) for r in device.static_routes):
        raise Refused("no_route")
    device.static_routes = [r for r in device.static_routes if not doomed(r)]


def start_bgp(device: Device, asn: int) -> None:
    if device.bgp_as not in (None, asn):
        raise Refused("bgp_as", asn=device.bgp_as)
    device.bgp_as = asn


def find_peer(device: Device, address: IPv4Address, vpn: str | None) -> BgpPeer:
    for peer in device.bgp_peers:
        if peer.address == address and peer.vpn_instance == vpn:
            return peer
    raise Refused("no_peer", peer=address)


def add_peer(device: Device, address: IPv4Address, remote_as: int, vpn: str | None) -> None:
    """A new peer comes up established: the lab plays the far end (the PE or ISP) too."""
    try:
        find_peer(device, address, vpn).remote_as = remote_as
    except Refused:
        device.bgp_peers.append(BgpPeer(address, remote_as, vpn, established=True, uptime_s=0))


def delete_peer(device: Device, address: IPv4Address, vpn: str | None) -> None:
    peer = find_peer(device, address, vpn)
    device.bgp_peers = [p for p in device.bgp_peers if p is not peer]


def create_acl(device: Device, number: str) -> Acl:
    acl = next((a for a in device.acls if a.number == number), None)
    if acl is None:
        acl = Acl(number)
        device.acls.append(acl)
    return acl


def add_nat(device: Device, rule: NatRule) -> None:
    if rule not in device.nat_rules:
        device.nat_rules.append(rule)


def delete_nat(device: Device, interface: str, acl: str, pool: str | None) -> None:
    def doomed(n: NatRule) -> bool:
        return (
            n.interface == interface
            and n.acl == acl
            and n.kind in (NatKind.EASY_IP, NatKind.OUTBOUND)
            and (pool is None or n.pool == pool)
        )

    if not any(doomed(n) for n in device.nat_rules):
        raise Refused("no_nat", acl=acl, interface=interface)
    device.nat_rules = [n for n in device.nat_rules if not doomed(n)]
