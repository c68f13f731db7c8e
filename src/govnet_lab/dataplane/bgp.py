"""BGP as the routers' configuration makes it: each speaker advertises what it originates
(``network`` statements whose prefix is in its routing table, ``import-route``d protocols) and
what it learned, over every session that is up, and each keeps the best route per prefix.

The rules are the ones every BGP speaker follows (RFC 4271): a route goes out to an eBGP peer
with the sender's AS put in front of its AS path and is refused by a router that finds its own
AS in the path (section 9.1.2); a route learned over iBGP is not passed to another iBGP peer
(section 9.2); among the routes for one prefix the shortest AS path wins, then eBGP over iBGP,
then the lowest neighbour address (VRP's, Comware's and IOS's best-path order has these steps
in this order, after weight, local preference and origination, which the lab does not set:
Huawei "BGP route selection rules", Cisco "BGP Best Path Selection Algorithm" 13753).
No export or import policy is modelled: a speaker advertises everything it has, so the lab's
county routers configure what they originate and nothing else.

Everything is computed again from nothing after each change, so a route whose origin or
session went away is withdrawn everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from govnet_lab.dataplane.forward import Forwarding
from govnet_lab.dataplane.sessions import facing_interface
from govnet_lab.dataplane.vpnv4 import (
    Vpnv4Session,
    get_imports,
    get_vpnv4_sessions,
    reaches_by_lsp,
)
from govnet_lab.model import Device, LearnedRoute, get_routing_table

ROUNDS = 32  # a path longer than this many ASes does not occur in a district


@dataclass(frozen=True)
class Session:
    """One direction of an Established session: ``sender`` advertises to ``receiver``."""

    receiver: str
    interface: str  # the receiver's interface facing the sender
    vpn: str | None  # the receiver's table
    sender: str
    sender_vpn: str | None
    next_hop: IPv4Address  # the sender's address, as the receiver names the peer
    ebgp: bool
    export: tuple[IPv4Network, ...] | None  # the sender's export prefix list for it

    def sends(self, prefix: IPv4Network) -> bool:
        return self.export is None or prefix in self.export


@dataclass(frozen=True)
class Best:
    prefix: IPv4Network
    as_path: tuple[int, ...]
    ebgp: bool
    next_hop: IPv4Address
    interface: str
    sender: str
    vpn_from: str | None = None  # imported from this VPN instance of the same router
    remote_vpn: str | None = None  # learned over VPNv4: the sender's VPN instance

    def rank(self) -> tuple[int, int, int, int]:
        imported = 0 if self.vpn_from is None else 1
        return (len(self.as_path), imported, 0 if self.ebgp else 1, int(self.next_hop))


Table = tuple[str, str | None]  # (router, VPN instance)


def compute_bgp(forwarding: Forwarding) -> bool:
    """Every router's BGP routes from origins and live sessions; whether any changed."""
    speakers = {h: d for h, d in forwarding.devices.items() if d.bgp_as is not None}
    before = {h: _bgp_routes(d) for h, d in speakers.items()}
    for device in speakers.values():
        device.learned_routes = [r for r in device.learned_routes if r.protocol != "bgp"]
    sessions = _sessions(forwarding, speakers)
    vpnv4 = [
        (v, interface, get_imports(speakers[v.receiver], speakers[v.sender]))
        for v in get_vpnv4_sessions(forwarding, speakers)
        if (interface := reaches_by_lsp(forwarding, speakers[v.receiver], v.next_hop))
    ]
    leaks = _leaks(speakers)
    origins = {table: _originated(speakers[table[0]], table[1]) for table in _tables(speakers)}
    best: dict[Table, dict[IPv4Network, Best]] = {}
    for _ in range(ROUNDS):
        changed = False
        for s in sessions:
            receiver = speakers[s.receiver]
            sender = speakers[s.sender]
            assert receiver.bgp_as is not None and sender.bgp_as is not None
            offers: list[tuple[IPv4Network, tuple[int, ...]]] = [
                (p, ()) for p in origins.get((s.sender, s.sender_vpn), ())
            ]
            offers += [
                (b.prefix, b.as_path)
                for b in best.get((s.sender, s.sender_vpn), {}).values()
                if b.sender != s.receiver and (b.ebgp or s.ebgp)
            ]
            mine = best.setdefault((s.receiver, s.vpn), {})
            for prefix, path in offers:
                if not s.sends(prefix):
                    continue
                as_path = (sender.bgp_as, *path) if s.ebgp else tuple(path)
                if s.ebgp and receiver.bgp_as in as_path:
                    continue  # its own AS in the path: a loop
                offer = Best(prefix, as_path, s.ebgp, s.next_hop, s.interface, s.sender)
                held = mine.get(prefix)
                if held is None or offer.rank() < held.rank():
                    mine[prefix] = offer
                    changed = True
        for v, interface, imports in vpnv4:
            changed |= _offer_vpnv4(speakers, v, interface, imports, origins, best)
        for host, source, target in leaks:
            originated = origins.get((host, target), ())
            mine = best.setdefault((host, target), {})
            for offer in _imported(speakers[host], source, origins, best):
                held = mine.get(offer.prefix)
                if offer.prefix in originated or (held is not None and held.rank() <= offer.rank()):
                    continue
                mine[offer.prefix] = offer
                changed = True
        if not changed:
            break
    for (host, vpn), routes in best.items():
        own = set(origins.get((host, vpn), ()))
        speakers[host].learned_routes += [
            LearnedRoute(
                b.prefix,
                "bgp",
                b.next_hop,
                b.interface,
                vpn,
                list(b.as_path),
                b.vpn_from,
                b.remote_vpn,
            )
            for b in sorted(
                routes.values(), key=lambda b: (int(b.prefix.network_address), b.prefix.prefixlen)
            )
            if b.prefix not in own
        ]
    return any(_bgp_routes(d) != before[h] for h, d in speakers.items())


def _offer_vpnv4(
    speakers: dict[str, Device],
    v: Vpnv4Session,
    interface: str,
    imports: list[tuple[str, str]],
    origins: dict[Table, list[IPv4Network]],
    best: dict[Table, dict[IPv4Network, Best]],
) -> bool:
    """One round of a VPNv4 session: what each of the sender's instances originates or
    learned from its CEs, into each receiver instance that imports its targets, next hop
    the sender's loopback (govnet_lab.dataplane.vpnv4); whether a best route changed."""
    receiver, sender = speakers[v.receiver], speakers[v.sender]
    assert receiver.bgp_as is not None and sender.bgp_as is not None
    changed = False
    for source, target in imports:
        offers: list[tuple[IPv4Network, tuple[int, ...]]] = [
            (p, ()) for p in origins.get((v.sender, source), ())
        ]
        offers += [
            (b.prefix, b.as_path)
            for b in best.get((v.sender, source), {}).values()
            if b.remote_vpn is None and b.vpn_from is None and (b.ebgp or v.ebgp)
        ]
        mine = best.setdefault((v.receiver, target), {})
        for prefix, path in offers:
            as_path = (sender.bgp_as, *path) if v.ebgp else path
            if v.ebgp and receiver.bgp_as in as_path:
                continue
            offer = Best(prefix, as_path, v.ebgp, v.next_hop, interface, v.sender, None, source)
            held = mine.get(prefix)
            if held is None or offer.rank() < held.rank():
                mine[prefix] = offer
                changed = True
    return changed


def _leaks(speakers: dict[str, Device]) -> list[tuple[str, str, str]]:
    """(router, from VPN, into VPN) where one instance's export target is another's import
    target on the same router, both in BGP: the PE imports the routes locally, as it would
    from a remote PE (RFC 4364 section 4.3.1; Cisco "Route Leaking in MPLS/VPN Networks",
    47807: VRFs on one PE sharing a route target see each other's routes). This is how two
    departments given the same target end up in one network."""
    found: list[tuple[str, str, str]] = []
    for host, device in sorted(speakers.items()):
        in_bgp = {p.vpn_instance for p in device.bgp_peers} | {
            o.vpn_instance for o in device.bgp_origins
        }
        vpns = [v for v in device.vpn_instances if v.name in in_bgp]
        for source in vpns:
            for target in vpns:
                if source is not target and set(source.export_targets) & set(target.import_targets):
                    found.append((host, source.name, target.name))
    return found


def _imported(
    device: Device,
    source: str,
    origins: dict[Table, list[IPv4Network]],
    best: dict[Table, dict[IPv4Network, Best]],
) -> list[Best]:
    """What a VPN instance gives the instances that import its target: its BGP routes learned
    from peers, and what it originates through a next hop (a static route's; a connected
    network has no next hop to carry over and is left out)."""
    found = [
        b
        for b in best.get((device.hostname, source), {}).values()
        if b.vpn_from is None and b.remote_vpn is None
    ]
    table = {r.prefix: r for r in get_routing_table(device, source) if not r.local}
    for prefix in origins.get((device.hostname, source), ()):
        route = table.get(prefix)
        if route is None or route.next_hop is None or route.interface is None:
            continue
        if route.protocol == "direct" or route.interface.upper().startswith("NULL"):
            continue
        found.append(Best(prefix, (), True, route.next_hop, route.interface, device.hostname))
    return [
        Best(b.prefix, b.as_path, b.ebgp, b.next_hop, b.interface, b.sender, source) for b in found
    ]


def _bgp_routes(device: Device) -> list[LearnedRoute]:
    return [r for r in device.learned_routes if r.protocol == "bgp"]


def _tables(speakers: dict[str, Device]) -> set[Table]:
    return {(h, o.vpn_instance) for h, d in speakers.items() for o in d.bgp_origins}


def _originated(device: Device, vpn: str | None) -> list[IPv4Network]:
    """What a speaker advertises of its own in one table, from its routing table now (BGP
    routes are not in it yet: origins never come from BGP itself)."""
    table = [r for r in get_routing_table(device, vpn) if not r.local]
    found: list[IPv4Network] = []
    for origin in device.bgp_origins:
        if origin.vpn_instance != vpn:
            continue
        if origin.prefix is not None:
            if any(r.prefix == origin.prefix for r in table):
                found.append(origin.prefix)
        elif origin.protocol is not None:
            found += [r.prefix for r in table if r.protocol == origin.protocol]
    return sorted(set(found), key=lambda p: (int(p.network_address), p.prefixlen))


def _sessions(forwarding: Forwarding, speakers: dict[str, Device]) -> list[Session]:
    """Each Established session, once per direction."""
    found: list[Session] = []
    for host, device in sorted(speakers.items()):
        for peer in device.bgp_peers:
            if not peer.established:
                continue
            iface = facing_interface(device, peer.address, peer.vpn_instance)
            if iface is None:
                continue
            far, _why = forwarding.across(device, iface, peer.address)
            if far is None or far.host not in speakers or iface.address is None:
                continue
            sender = speakers[far.host]
            back = next(
                (
                    p
                    for p in sender.bgp_peers
                    if p.address == iface.address.ip and p.vpn_instance == far.vpn
                ),
                None,
            )
            if back is None:
                continue
            found.append(
                Session(
                    host,
                    iface.name,
                    peer.vpn_instance,
                    far.host,
                    far.vpn,
                    peer.address,
                    peer.remote_as != device.bgp_as,
                    None if back.export is None else tuple(back.export),
                )
            )
    return found
