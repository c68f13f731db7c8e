"""Routing sessions that follow the links: a BGP peer is Established, an OSPF neighbour Full,
only while packets can pass both ways between the two routers and, for BGP, the router at the
other end is configured to peer back (its AS and ours as each side names them, in the same VPN
instance). So a peer typed into one side stays Idle until the far side has it too, as on a
real router (RFC 4271 section 8: a session reaches Established only after both sides' OPEN
messages, each naming its AS, are accepted), and a shut or one-way line takes its sessions and
their routes down with it.
"""

from __future__ import annotations

from ipaddress import IPv4Address

from govnet_lab.dataplane.forward import Arrival, Forwarding
from govnet_lab.dataplane.vpnv4 import get_far_peer
from govnet_lab.model import BgpPeer, Device, Interface


def refresh_sessions(forwarding: Forwarding) -> list[str]:
    """Set every peer's and neighbour's state from the live links; the ones that changed."""
    changed: list[str] = []
    for device in forwarding.devices.values():
        for peer in device.bgp_peers:
            up = is_bgp_up(forwarding, device, peer)
            if up != peer.established:
                peer.established = up
                changed.append(f"{device.hostname} BGP {peer.address}")
        for neighbour in device.ospf_neighbours:
            iface = device.get_interface(neighbour.interface)
            up = (
                iface is not None
                and _both_ways(forwarding, device, iface, neighbour.address) is not None
            )
            if up != neighbour.full:
                neighbour.full = up
                changed.append(f"{device.hostname} OSPF {neighbour.address}")
    return changed


def is_bgp_up(forwarding: Forwarding, device: Device, peer: BgpPeer) -> bool:
    """Whether a BGP session can be Established now: a directly connected one, or one
    between loopbacks (govnet_lab.dataplane.vpnv4)."""
    if peer.connect_interface is not None:
        return get_far_peer(forwarding, device, peer) is not None
    iface = facing_interface(device, peer.address, peer.vpn_instance)
    if iface is None or device.bgp_as is None:
        return False
    far = _both_ways(forwarding, device, iface, peer.address)
    if far is None:
        return False
    other = forwarding.devices[far.host]
    assert iface.address is not None
    return other.bgp_as == peer.remote_as and any(
        back.address == iface.address.ip
        and back.vpn_instance == far.vpn
        and back.remote_as == device.bgp_as
        for back in other.bgp_peers
    )


def facing_interface(device: Device, address: IPv4Address, vpn: str | None) -> Interface | None:
    """The up interface of ``vpn`` whose subnet holds ``address``."""
    return next(
        (
            i
            for i in device.interfaces
            if i.oper_up
            and i.vpn_instance == vpn
            and i.address is not None
            and address in i.address.network
            and address != i.address.ip
        ),
        None,
    )


def _both_ways(
    forwarding: Forwarding, device: Device, iface: Interface, address: IPv4Address
) -> Arrival | None:
    """The far end when a packet to ``address`` gets there and its answer gets back."""
    far, _why = forwarding.across(device, iface, address)
    if far is None or iface.address is None:
        return None
    other = forwarding.devices[far.host]
    back = other.get_interface(far.interface) if far.interface else None
    if back is None:
        return None
    home, _why = forwarding.across(other, back, iface.address.ip)
    return far if home is not None and home.host == device.hostname else None
