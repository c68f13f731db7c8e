"""The dedicated zone carried upstream by MP-BGP VPNv4 instead of Option A (a district made
with ``handoff="vpnv4"``): the county PE and the city core reach each other's loopbacks in
the global table over the PE's uplink (a static /32 each way), both run MPLS, and a VPNv4
session between the loopbacks (the city core acting as the route reflector and PE) carries
each VPN's routes by route target (govnet_lab.dataplane.vpnv4 says what the lab abstracts).

The PE redistributes each VPN's static and connected routes (its routes to the CEs'
business subnets, its CE links); the city its server LANs and, held up by routes to NULL0
as its global summaries are, the prefixes the VPN reaches there (what the PE had static
routes to in Option A), so a CE that speaks BGP with the PE still gets exactly them.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import Literal

from govnet_lab.generate.networks import COUNTY_AS
from govnet_lab.model import BgpOrigin, BgpPeer, Device, Interface, InterfaceKind, StaticRoute

Handoff = Literal["option_a", "vpnv4"]
HANDOFFS: tuple[Handoff, ...] = ("option_a", "vpnv4")
EBGP_MAX_HOP = 255  # VRP's default when ``peer X ebgp-max-hop`` is typed without a count
HOST = 32


def get_loopback(device: Device) -> Interface:
    """The router-ID loopback (every lab router has one: LoopBack0, Loopback0)."""
    found = next(
        (
            i
            for i in device.interfaces
            if i.kind is InterfaceKind.LOOPBACK and i.address is not None
        ),
        None,
    )
    if found is None:
        raise ValueError(f"{device.hostname} has no loopback for a VPNv4 session")
    return found


def connect_pe(city: Device, pe: Device, pe_port: Interface, city_port: Interface) -> None:
    """The VPNv4 session of county PE ``pe`` with ``city`` (the provincial network's, there
    whether or not a VPN uses it yet), its loopbacks reached over the uplink whose two ends
    are ``pe_port`` and ``city_port``, MPLS on both (idempotent)."""
    assert pe_port.address is not None and city_port.address is not None
    pe_lo, city_lo = get_loopback(pe), get_loopback(city)
    assert pe_lo.address is not None and city_lo.address is not None
    for device, far_lo, next_hop in (
        (pe, city_lo.address.ip, city_port.address.ip),
        (city, pe_lo.address.ip, pe_port.address.ip),
    ):
        device.mpls = True
        route = StaticRoute(IPv4Network(f"{far_lo}/{HOST}"), next_hop)
        if route not in device.static_routes:
            device.static_routes.append(route)
    if pe.bgp_as is None:
        pe.bgp_as = COUNTY_AS
    assert city.bgp_as is not None
    _peer(pe, city_lo.address.ip, city.bgp_as, pe_lo.name, "City-RR")
    _peer(city, pe_lo.address.ip, pe.bgp_as, city_lo.name, pe.hostname)


def carry_vpn(city: Device, pe: Device, vpn: str) -> None:
    """VPN ``vpn`` of ``pe`` in BGP on both (the session: :func:`connect_pe`): its static and
    connected routes redistributed, ``import-route static`` / ``import-route direct``."""
    for protocol in ("static", "direct"):
        for device in (pe, city):
            origin = BgpOrigin(vpn, protocol=protocol)
            if origin not in device.bgp_origins:
                device.bgp_origins.append(origin)


def announce_remote(city: Device, vpn: str, remote: list[IPv4Network]) -> None:
    """The prefixes ``vpn`` reaches at the city, as summaries to NULL0 in the VPN (imported
    into BGP by its ``import-route static``); more specific routes (the server LANs, the
    systems' prefixes to their nodes) carry the packets."""
    for prefix in remote:
        held = [r for r in city.static_routes if r.vpn_instance == vpn and r.prefix == prefix]
        if not held:
            city.static_routes.append(StaticRoute(prefix, interface="NULL0", vpn_instance=vpn))


def _peer(device: Device, address: IPv4Address, remote_as: int, source: str, name: str) -> None:
    if any(p.address == address and p.vpn_instance is None for p in device.bgp_peers):
        return
    ebgp = remote_as != device.bgp_as
    device.bgp_peers.append(
        BgpPeer(
            address,
            remote_as,
            description=name,
            connect_interface=source,
            ebgp_max_hop=EBGP_MAX_HOP if ebgp else None,
            vpnv4=True,
        )
    )
