"""MP-BGP VPNv4 between PEs' loopbacks (RFC 4364), as far as a district needs it.

A session between loopbacks (``peer X connect-interface LoopBack0``) is Established while
each side's loopback reaches the other's through the global table, both ways, and the far
side peers back to our loopback with the ASes as each names them; an eBGP one (the county
PE, AS 65001, to the city's route reflector, AS 65000) also needs ``ebgp-max-hop`` on both
sides: "By default, a direct physical link must be available between EBGP peers" (Huawei,
Configuring MP-EBGP between PE and CE, ``peer ebgp-max-hop``: "mandatory if the PE and the
CE are not directly connected"), and Cisco's "MPLS VPN Inter-AS, IPv4 BGP Label
Distribution" has the route reflectors of two ASes exchange VPNv4 routes over multihop
MP-EBGP with the next hop kept, as here.

Over a session both sides enabled in the VPNv4 family (``ipv4-family vpnv4`` / ``peer X
enable``; Comware ``address-family vpnv4``; IOS ``address-family vpnv4`` / ``neighbor X
activate``), a PE sends what each of its VPN instances originates or learned from its CEs,
tagged with the instance's export targets; the receiver puts a route into each of its
instances whose import targets meet them (RFC 4364 section 4.3.1), next hop the sender's
loopback, and the packet goes there and is looked up in the sender's instance (section 5).

Abstracted: MPLS and LDP. A label-switched path to a loopback is taken to exist while the
global table reaches it and every router on the way has ``mpls``/``mpls ldp``
(``Device.mpls``); without it the VPNv4 route is not used (VRP recurses VPN routes to LSP
tunnels only, its default tunnel policy). Not modelled: route reflection between clients
(the city core is the only route reflector and a PE itself), labels, RD-based best-path
between two PEs advertising one prefix (the lowest next hop wins, as for any BGP route).
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address

from govnet_lab.dataplane.forward import Forwarding
from govnet_lab.model import BgpPeer, Device


@dataclass(frozen=True)
class Vpnv4Session:
    """One direction of an Established VPNv4 session: ``sender`` advertises to ``receiver``."""

    receiver: str
    sender: str
    next_hop: IPv4Address  # the sender's loopback, as the receiver names the peer
    ebgp: bool


def source_address(device: Device, peer: BgpPeer) -> IPv4Address | None:
    """The address a loopback session is sourced from, while its interface is up."""
    if peer.connect_interface is None:
        return None
    iface = device.get_interface(peer.connect_interface)
    if iface is None or iface.address is None or not iface.oper_up:
        return None
    return iface.address.ip


def get_far_peer(
    forwarding: Forwarding, device: Device, peer: BgpPeer
) -> tuple[Device, BgpPeer] | None:
    """The router at the far end of a loopback session and its peer back to us, while the
    session can be Established (see the module's docstring)."""
    source = source_address(device, peer)
    if source is None or device.bgp_as is None or peer.vpn_instance is not None:
        return None
    there = forwarding.walk(device.hostname, None, source, peer.address)
    if not there.delivered or not there.arrivals:
        return None
    other = forwarding.devices[there.arrivals[-1].host]
    back = next(
        (
            p
            for p in other.bgp_peers
            if p.address == source and p.vpn_instance is None and p.remote_as == device.bgp_as
        ),
        None,
    )
    if back is None or other.bgp_as != peer.remote_as or source_address(other, back) is None:
        return None
    if source_address(other, back) != peer.address:
        return None
    if peer.remote_as != device.bgp_as and (peer.ebgp_max_hop is None or back.ebgp_max_hop is None):
        return None
    home = forwarding.walk(other.hostname, None, peer.address, source)
    return (other, back) if home.delivered else None


def get_vpnv4_sessions(forwarding: Forwarding, speakers: dict[str, Device]) -> list[Vpnv4Session]:
    """Each Established session both sides enabled in the VPNv4 family, once per direction."""
    found: list[Vpnv4Session] = []
    for host, device in sorted(speakers.items()):
        for peer in device.bgp_peers:
            if not (peer.established and peer.vpnv4 and peer.connect_interface):
                continue
            far = get_far_peer(forwarding, device, peer)
            if far is None or not far[1].vpnv4 or far[0].hostname not in speakers:
                continue
            found.append(
                Vpnv4Session(host, far[0].hostname, peer.address, peer.remote_as != device.bgp_as)
            )
    return found


def get_imports(receiver: Device, sender: Device) -> list[tuple[str, str]]:
    """(sender's instance, receiver's instance) whose export and import targets meet."""
    return [
        (source.name, target.name)
        for source in sender.vpn_instances
        for target in receiver.vpn_instances
        if set(source.export_targets) & set(target.import_targets)
    ]


def reaches_by_lsp(forwarding: Forwarding, device: Device, loopback: IPv4Address) -> str | None:
    """The global interface a label-switched path to ``loopback`` leaves ``device`` by:
    while the global table reaches it and the routers on the way have MPLS; else None."""
    route = forwarding.lookup(device, None, loopback)
    if route is None or route.interface is None or route.remote_vpn is not None:
        return None
    walk = forwarding.walk(device.hostname, None, loopback, loopback)
    if not walk.delivered or not device.mpls:
        return None
    if not all(forwarding.devices[a.host].mpls for a in walk.arrivals):
        return None
    return route.interface
