"""Packets through the district, hop by hop, from the routers' live state.

Each router forwards by longest-prefix match in the table of the VPN instance the packet came
in on (the same table ``display ip routing-table`` prints, govnet_lab.model), preferring the
lowest preference among equally long prefixes. A packet crosses a link only when the link
exists, passes its VLAN and direction, and an up interface with the next hop's address is at
the other end in the same VLAN; a router with no route answers unreachable; a NULL0 route, a
dead far end or an address nobody has loses it without a word. NAT rewrites the source on the
way out and back on the way in. Nothing here is cached: a configuration line typed into a
lab router changes the next packet.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from ipaddress import IPv4Address

from govnet_lab.model import (
    Device,
    Interface,
    Link,
    NatKind,
    RouteEntry,
    Server,
    get_routing_table,
    link_end,
    link_host,
)

MAX_HOPS = 64  # a packet still travelling after this many routers is in a loop


@dataclass(frozen=True)
class Arrival:
    """A packet at a router (or a server): where it came in, and in which table it goes on."""

    host: str
    interface: str | None  # None: the packet starts here
    address: IPv4Address | None  # the address of the interface it came in on
    vpn: str | None
    server: Server | None = None


@dataclass
class Walk:
    """One packet's journey: the routers it reached, and how it ended."""

    source: IPv4Address  # its source address, as NAT on the way has left it
    arrivals: list[Arrival] = field(default_factory=list)
    delivered: bool = False  # reached its destination (a router's own address or a server)
    unreachable: bool = False  # the last router had no route and said so
    reason: str = ""
    seen: list[IPv4Address] = field(default_factory=list)  # the source each arrival saw
    # The router ports it left by, (host, interface), in order: the i-th led to the i-th
    # arrival (or to the server), a last one beyond the arrivals to where it was lost.
    departures: list[tuple[str, str]] = field(default_factory=list)
    translations: list[tuple[str, IPv4Address, IPv4Address]] = field(default_factory=list)


class Forwarding:
    """The forwarding engine over a set of routers, links and servers."""

    def __init__(self, devices: Iterable[Device], links: Iterable[Link], servers: Iterable[Server]):
        self.devices = {d.hostname: d for d in devices}
        self.links: dict[str, list[Link]] = {}  # by each end: a LAN port has several
        for link in links:
            self.links.setdefault(link.a, []).append(link)
            self.links.setdefault(link.b, []).append(link)
        self.servers: dict[tuple[str, str, IPv4Address], Server] = {
            (s.host, s.interface, s.address): s for s in servers
        }

    # --- what a router has -------------------------------------------------------------------

    def owns(self, device: Device, address: IPv4Address, vpn: str | None) -> bool:
        """Whether ``address`` is the router's own, on an up interface in this table."""
        return any(
            i.address is not None
            and i.address.ip == address
            and i.vpn_instance == vpn
            and i.oper_up
            for i in device.interfaces
        )

    def sender(self, host: str, vpn: str | None, address: IPv4Address) -> tuple[str, str | None]:
        """The router, and its table, that terminals behind gateway ``address`` send through
        now: ``host`` while it owns the address on an up interface (in ``vpn`` first), else
        whichever router does (a cutover moved the gateway there, say into a VPN on another
        router of the LAN); ``host`` in ``vpn`` when nobody does (the send fails there)."""
        if self.owns(self.devices[host], address, vpn):
            return host, vpn  # the usual case, without looking at every router
        owners = [
            (name, i.vpn_instance)
            for name, device in self.devices.items()
            for i in device.interfaces
            if i.address is not None and i.address.ip == address and i.oper_up
        ]
        if not owners:
            return host, vpn
        return next((o for o in owners if o[0] == host), owners[0])

    def lookup(
        self, device: Device, vpn: str | None, destination: IPv4Address
    ) -> RouteEntry | None:
        """The route a router forwards ``destination`` by: longest prefix, then preference."""
        best: RouteEntry | None = None
        for route in get_routing_table(device, vpn):
            if route.local or destination not in route.prefix:
                continue
            if route.remote_vpn is not None:
                if route.next_hop is None or self.lookup(device, None, route.next_hop) is None:
                    continue  # a VPNv4 route whose PE the global table no longer reaches
            elif route.protocol in ("bgp", "ospf") and not self._neighbour_alive(device, route):
                continue  # the session to the neighbour that gave it cannot be up
            if best is None or (route.prefix.prefixlen, -route.preference) > (
                best.prefix.prefixlen,
                -best.preference,
            ):
                best = route
        return best

    def _neighbour_alive(self, device: Device, route: RouteEntry) -> bool:
        if route.interface is None or route.next_hop is None:
            return False
        iface = device.get_interface(route.interface)
        return iface is not None and self.across(device, iface, route.next_hop)[0] is not None

    # --- crossing a link -------------------------------------------------------------------

    def across(
        self, device: Device, iface: Interface, address: IPv4Address
    ) -> tuple[Arrival | None, str]:
        """Where a packet sent out ``iface`` to the neighbour ``address`` arrives, or why not."""
        here = link_end(device.hostname, iface.name)
        links = self.links.get(here)
        if not links:
            return None, f"nothing is connected to {here}"
        why = f"no router on {here}'s link has {address} (ARP gets no answer)"
        for link, far in self.far_ends(here, links):
            host = link_host(far)
            peer = self.devices.get(host)
            if peer is None:
                continue
            for other in peer.interfaces:
                if link_end(host, other.name) != far or other.dot1q != iface.dot1q:
                    continue
                if other.address is None or other.address.ip != address:
                    continue
                if not link.passes(here, iface.dot1q):
                    vlan = f"VLAN {iface.dot1q}" if iface.dot1q is not None else "traffic"
                    return None, f"the circuit {link.circuit or here} does not pass {vlan}"
                if not other.oper_up or not iface.oper_up:
                    return None, f"{far} ({other.name}) is down"
                return Arrival(host, other.name, other.address.ip, other.vpn_instance), ""
        return None, why

    def far_ends(self, here: str, links: list[Link]) -> Iterator[tuple[Link, str]]:
        """The router ports a frame sent at ``here`` can reach: the other end of each link,
        or, where that end is a LAN switch (no router), every other port on that switch."""
        for link in links:
            far = link.get_peer(here)
            assert far is not None
            if link_host(far) in self.devices:
                yield link, far
                continue
            for other in self.links.get(far, ()):
                end = other.get_peer(far)
                if end is not None and end != here:
                    yield link, end

    # --- a packet ----------------------------------------------------------------------------

    def walk(
        self,
        host: str,
        vpn: str | None,
        source: IPv4Address,
        destination: IPv4Address,
        deliver_to: str | None = None,
        translated: Iterable[tuple[str, IPv4Address, IPv4Address]] = (),
    ) -> Walk:
        """Send one packet from router ``host`` (in ``vpn``) and follow it until it ends.

        An answer: ``deliver_to`` is the router that sent the probe (the answer counts only
        there) and ``translated`` the NAT the probe met, undone on the way back."""
        walk = Walk(source)
        at = Arrival(host, None, None, vpn)
        dst = destination
        for _ in range(MAX_HOPS):
            device = self.devices[at.host]
            dst = _untranslate(translated, device, dst)
            if self.owns(device, dst, at.vpn) and deliver_to in (None, at.host):
                walk.delivered = True
                return walk
            route = self.lookup(device, at.vpn, dst)
            if route is None:
                walk.unreachable = True
                walk.reason = f"{at.host} has no route to {dst}" + _in(at.vpn)
                return walk
            if route.remote_vpn is not None:  # learned over VPNv4: to the PE that sent it
                tail = self._through_lsp(walk, at, route)
                if tail is None:
                    return walk
                at = tail
                continue
            if route.interface is None or route.interface.upper().startswith("NULL"):
                walk.reason = f"{at.host} discards {dst} (route {route.prefix} to NULL0)"
                return walk
            iface = device.get_interface(route.interface)
            assert iface is not None
            self._translate(walk, device, iface)
            walk.departures.append((at.host, iface.name))
            direct = route.protocol == "direct"
            hop = dst if direct else route.via or route.next_hop
            assert hop is not None
            server = self.servers.get((at.host, iface.name, dst)) if direct else None
            if server is not None and deliver_to is None:
                walk.arrivals.append(Arrival(at.host, None, dst, at.vpn, server))
                walk.seen.append(walk.source)
                walk.delivered = True
                return walk
            arrival = self._cross(walk, device, iface, hop)
            if arrival is None:
                return walk
            at = arrival
        walk.reason = f"still travelling after {MAX_HOPS} routers: a loop"
        return walk

    def _through_lsp(self, walk: Walk, at: Arrival, route: RouteEntry) -> Arrival | None:
        """A VPNv4 route's packet, label-switched through the global table to the PE at the
        route's next hop (its loopback) and looked up there in the route's VPN instance
        (RFC 4364 section 5; MPLS abstracted as govnet_lab.dataplane.vpnv4 says: every
        router on the way, both PEs included, must have MPLS)."""
        assert route.next_hop is not None and route.remote_vpn is not None
        here, end = at, route.next_hop
        for _ in range(MAX_HOPS):
            device = self.devices[here.host]
            if not device.mpls:
                walk.reason = f"{here.host} has no MPLS: no label-switched path to {end}"
                return None
            if self.owns(device, end, None):
                tail = Arrival(here.host, here.interface, here.address, route.remote_vpn)
                if walk.arrivals and walk.arrivals[-1] is here:
                    walk.arrivals[-1] = tail
                return tail
            hop_route = self.lookup(device, None, end)
            if hop_route is None or hop_route.interface is None or hop_route.remote_vpn:
                walk.reason = f"{here.host} has no route to {end} (the VPNv4 next hop)"
                return None
            iface = device.get_interface(hop_route.interface)
            if iface is None or hop_route.interface.upper().startswith("NULL"):
                walk.reason = f"{here.host} discards {end} (route {hop_route.prefix} to NULL0)"
                return None
            walk.departures.append((here.host, iface.name))
            hop = end if hop_route.protocol == "direct" else hop_route.via or hop_route.next_hop
            assert hop is not None
            arrival = self._cross(walk, device, iface, hop)
            if arrival is None:
                return None
            here = arrival
        walk.reason = f"still travelling after {MAX_HOPS} routers: a loop"
        return None

    def _cross(
        self, walk: Walk, device: Device, iface: Interface, hop: IPv4Address
    ) -> Arrival | None:
        """The packet sent out of ``iface`` toward ``hop``: where it arrives, recorded on
        the walk, or None with the walk saying where it was lost."""
        arrival, why = self.across(device, iface, hop)
        if arrival is None:
            walk.reason = f"lost after {device.hostname} {iface.name}: {why}"
            return None
        walk.arrivals.append(arrival)
        walk.seen.append(walk.source)
        return arrival

    def _translate(self, walk: Walk, device: Device, iface: Interface) -> None:
        """Source NAT on the way out of ``iface`` (easy IP, an address pool, static)."""
        source = walk.source
        for rule in device.nat_rules:
            if rule.interface != iface.name:
                continue
            if (
                rule.kind is NatKind.STATIC
                and rule.inside_address == source
                and rule.global_address
            ):
                walk.translations.append((device.hostname, rule.global_address, source))
                walk.source = rule.global_address
                return
            if rule.kind not in (NatKind.EASY_IP, NatKind.OUTBOUND) or not _permits(
                device, rule.acl, source
            ):
                continue
            if rule.kind is NatKind.OUTBOUND and rule.pool_start is not None:
                new = rule.pool_start
            elif iface.address is not None:
                new = iface.address.ip
            else:
                continue
            walk.translations.append((device.hostname, new, source))
            walk.source = new
            return


def _untranslate(
    translated: Iterable[tuple[str, IPv4Address, IPv4Address]], device: Device, dst: IPv4Address
) -> IPv4Address:
    """An answer to a translated address, back to the inside address it stands for."""
    for host, outside, inside in translated:
        if host == device.hostname and outside == dst:
            return inside
    return dst


def _permits(device: Device, acl: str | None, source: IPv4Address) -> bool:
    if acl is None:
        return True
    found = next((a for a in device.acls if a.number == acl), None)
    return found is not None and any(source in net for net in found.permit)


def _in(vpn: str | None) -> str:
    return f" in VPN {vpn}" if vpn else ""
