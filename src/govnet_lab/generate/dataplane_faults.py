"""Faults of the data plane (``--faults drop_vlan|one_way|blackhole|no_return=...``): each
breaks one line or return route of a county router, chosen from the seed, and the ground
truth marks the flows it breaks.

- ``drop_vlan``: the carrier's circuit under one of the host's sub-interfaces stops passing
  that VLAN; both sub-interfaces stay up, as real ones do.
- ``one_way``: one of the host's circuits passes traffic in one direction only.
- ``blackhole``: the upstream router one of the host's lines reaches gets a static route to
  NULL0 for the half of the host's LAN its own LAN address is in (more specific than the
  route back, so it wins).
- ``no_return``: that upstream router loses its route(s) back to the host's LAN.

Which flows break is decided from what the generator built: the truth's path of each flow
and the links joining two routers of it in the flow's table (a flow breaks when it crosses
the faulted circuit, in the dropped VLAN), or the upstream router's routes back to the host
(a flow breaks when it passes that router and its source is in the affected prefix). Never
by asking the data plane: its answer is checked against the truth (see generate.flows).
Only a line or route that carries a flow that works can be chosen, so every fault shows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from govnet_lab.district import DataplaneFaultTruth, District, FlowTruth
from govnet_lab.generate.faults import (
    DATAPLANE_FAULTS,
    FaultSpecError,
    iter_fault_parts,
    pick_hosts,
    read_fault_value,
)
from govnet_lab.generate.upstream import LAN_PREFIX
from govnet_lab.model import Device, Interface, LearnedRoute, Link, StaticRoute, link_end

NULL = "NULL0"  # the null interface as VRP names it (the upstream routers are Huawei)


@dataclass(frozen=True)
class DataplaneRequest:
    """One part of a --faults spec for the data plane: its hosts, or how many to draw."""

    fault: str  # one of DATAPLANE_FAULTS
    part: str  # as written, for messages
    amount: int | float | tuple[str, ...]  # a count, a share, or the hosts named


def parse_dataplane_faults(spec: str, hostnames: list[str]) -> list[DataplaneRequest]:
    """The data-plane parts of a --faults spec, checked (before anything is built)."""
    requests: list[DataplaneRequest] = []
    names = sorted(hostnames)
    for part, key, value in iter_fault_parts(spec):
        if key in DATAPLANE_FAULTS:
            amount = read_fault_value(part, value, names)
            requests.append(
                DataplaneRequest(key, part, tuple(amount) if isinstance(amount, list) else amount)
            )
    return requests


@dataclass
class _Candidate:
    """One way a fault can hit a host: the truth to record and what to change."""

    truth: DataplaneFaultTruth
    link: Link | None = None
    router: Device | None = None
    removed: list[StaticRoute | LearnedRoute] = field(default_factory=list)


class _Faulter:
    """The district's topology as the generator built it, and each flow's circuits."""

    def __init__(self, district: District) -> None:
        self.district = district
        self.devices = {d.hostname: d for d in (*district.devices, *district.upstream)}
        self.upstream = {d.hostname for d in district.upstream}
        self.at: dict[str, list[int]] = {}  # link indices by end
        for index, link in enumerate(district.links):
            self.at.setdefault(link.a, []).append(index)
            self.at.setdefault(link.b, []).append(index)
        self.working = [f for f in district.truth.flows if f.works]
        self.crossed: dict[str, set[tuple[int, int | None, str]]] = {}
        self.uncertain: set[int] = set()  # links some flow may or may not cross
        for flow in self.working:
            self.crossed[flow.id] = self._crossings(flow)
        self.sessions = self._sessions()

    # --- topology ------------------------------------------------------------------------

    def _joins(self, a: str, b: str, table: str | None) -> list[tuple[int, Interface, Interface]]:
        """The links joining router ``a`` (in ``table``) to router ``b``, directly or through
        a LAN switch: the link's index, a's interface and b's, in one subnet and VLAN."""
        found: list[tuple[int, Interface, Interface]] = []
        for mine in self.devices[a].interfaces:
            if mine.vpn_instance != table or mine.address is None:
                continue
            here = link_end(a, mine.name)
            for index, far in self._far_ends(here):
                for theirs in self.devices[b].interfaces:
                    if (
                        link_end(b, theirs.name) == far
                        and theirs.dot1q == mine.dot1q
                        and theirs.address is not None
                        and theirs.address.network == mine.address.network
                    ):
                        found.append((index, mine, theirs))
        return found

    def _far_ends(self, here: str) -> Iterator[tuple[int, str]]:
        for index in self.at.get(here, ()):
            far = self.district.links[index].get_peer(here)
            assert far is not None
            if not far.startswith(LAN_PREFIX):
                yield index, far
                continue
            for other in self.at.get(far, ()):
                end = self.district.links[other].get_peer(far)
                if end is not None and end != here:
                    yield index, end

    def _crossings(self, flow: FlowTruth) -> set[tuple[int, int | None, str]]:
        """(link, VLAN, the end it enters at) of each hop of a working flow's path, in the
        table the flow is in there."""
        crossed: set[tuple[int, int | None, str]] = set()
        table = flow.vpn_instance
        for a, b in zip(flow.path, flow.path[1:], strict=False):
            joins = self._joins(a, b, table)
            if len(joins) != 1:  # parallel links: routing, not the truth, picks one
                self.uncertain |= {index for index, _, _ in joins}
                if not joins:
                    return crossed
                table = joins[0][2].vpn_instance
                continue
            index, mine, theirs = joins[0]
            crossed.add((index, mine.dot1q, link_end(a, mine.name)))
            table = theirs.vpn_instance
        return crossed

    def _sessions(self) -> set[tuple[int, int | None]]:
        """(link, VLAN) that carry a BGP or OSPF session: a fault there lets routing find
        another way where there is one, which is routing's choice, not the truth's."""
        found: set[tuple[int, int | None]] = set()
        for device in self.devices.values():
            peers = [(p.address, p.vpn_instance) for p in device.bgp_peers]
            peers += [
                (n.address, i.vpn_instance)
                for n in device.ospf_neighbours
                if (i := device.get_interface(n.interface)) is not None
            ]
            for address, table in peers:
                for iface in device.interfaces:
                    if (
                        iface.address is not None
                        and iface.vpn_instance == table
                        and address in iface.address.network
                    ):
                        here = link_end(device.hostname, iface.name)
                        found |= {(i, iface.dot1q) for i in self.at.get(here, ())}
        return found

    def _lan(self, device: Device) -> Interface | None:
        """The router's interface on its unit's LAN switch."""
        for iface in device.interfaces:
            here = link_end(device.hostname, iface.name)
            peers = (self.district.links[i].get_peer(here) for i in self.at.get(here, ()))
            if iface.address is not None and any(p and p.startswith(LAN_PREFIX) for p in peers):
                return iface
        return None

    # --- candidates ----------------------------------------------------------------------

    def candidates(self, fault: str, host: str) -> list[_Candidate]:
        """Every line or route of ``host`` the fault fits that carries a working flow."""
        if fault in ("drop_vlan", "one_way"):
            return self._circuit_candidates(fault, host)
        return self._route_candidates(fault, host)

    def _circuit_candidates(self, fault: str, host: str) -> list[_Candidate]:
        """drop_vlan: a circuit and one of the host's VLANs on it; one_way: a circuit, made to
        pass only against the way its flows cross it (so their packets are lost going out,
        whichever way the answers would come back)."""
        found: dict[tuple[int, int | None], _Candidate] = {}
        for iface in self.devices[host].interfaces:
            if fault == "drop_vlan" and iface.dot1q is None:
                continue
            vlan = iface.dot1q if fault == "drop_vlan" else None
            for index in self.at.get(link_end(host, iface.name), ()):
                link = self.district.links[index]
                if link.circuit is None or index in self.uncertain or (index, vlan) in found:
                    continue
                if any(i == index and vlan in (None, v) for i, v in self.sessions):
                    continue
                crossing = {
                    f.id: end
                    for f in self.working
                    for i, v, end in self.crossed[f.id]
                    if i == index and vlan in (None, v)
                }
                entered = set(crossing.values())
                if not crossing or (fault == "one_way" and len(entered) != 1):
                    continue
                ends = [link.a, link.b]
                if fault == "one_way" and ends[0] in entered:
                    ends.reverse()  # passes ends[0] to ends[1] only: the flows enter at [1]
                truth = DataplaneFaultTruth(
                    fault, host, link.circuit, ends, vlan, None, None, None, None, sorted(crossing)
                )
                found[(index, vlan)] = _Candidate(truth, link=link)
        return [found[key] for key in sorted(found, key=lambda k: (k[0], k[1] or 0))]

    def _route_candidates(self, fault: str, host: str) -> list[_Candidate]:
        device = self.devices[host]
        lan_iface = self._lan(device)
        if lan_iface is None or lan_iface.address is None:
            return []
        lan = lan_iface.address.network
        found: list[_Candidate] = []
        for router in sorted(self.upstream):
            for _, mine, theirs in self._joins_any_table(host, router):
                assert mine.address is not None
                table, hop = theirs.vpn_instance, mine.address.ip
                upstream = self.devices[router]
                back = _routes_back(upstream, table, lan, hop)
                if not back:
                    continue
                if fault == "blackhole":
                    length = min(32, lan.prefixlen + 1)
                    prefix = IPv4Network(f"{lan_iface.address.ip}/{length}", strict=False)
                else:
                    back = [r for r in back if r.prefix == lan]
                    others = [r for r in _routes_over(upstream, table, lan) if r not in back]
                    if not back or others:
                        continue  # none for the LAN itself, or another would carry (part of) it
                    prefix = lan
                broken = sorted(
                    f.id
                    for f in self.working
                    if router in f.path
                    and f.vpn_instance == table
                    and IPv4Address(f.source) in prefix
                )
                if broken:
                    truth = DataplaneFaultTruth(
                        fault, host, None, [], None, router, table, str(prefix), str(hop), broken
                    )
                    removed = back if fault == "no_return" else []
                    found.append(_Candidate(truth, router=upstream, removed=removed))
        return found

    def _joins_any_table(self, host: str, router: str) -> list[tuple[int, Interface, Interface]]:
        tables = dict.fromkeys(i.vpn_instance for i in self.devices[host].interfaces)
        return [join for table in tables for join in self._joins(host, router, table)]


def _routes_back(
    device: Device, table: str | None, lan: IPv4Network, hop: IPv4Address
) -> list[StaticRoute | LearnedRoute]:
    """The routes of a table (not the default) that carry all of ``lan`` to ``hop``."""
    return [
        r for r in _routes_over(device, table, lan) if lan.subnet_of(r.prefix) and r.next_hop == hop
    ]


def _routes_over(
    device: Device, table: str | None, lan: IPv4Network
) -> list[StaticRoute | LearnedRoute]:
    """The routes of a table (not the default) for any part of ``lan``."""
    routes: list[StaticRoute | LearnedRoute] = [*device.static_routes, *device.learned_routes]
    return [
        r
        for r in routes
        if r.vpn_instance == table and r.prefix.prefixlen > 0 and r.prefix.overlaps(lan)
    ]


def apply_dataplane_faults(district: District, requests: list[DataplaneRequest], seed: int) -> None:
    """Make each fault in the district and mark the flows it breaks in its ground truth.

    A host named for a fault it has no line for is an error; a count or share draws only
    from the hosts that have one. Each host's line is drawn from the seed.
    """
    if not requests:
        return
    faulter = _Faulter(district)
    names = sorted(d.hostname for d in district.devices)
    faulted: set[str] = set()
    for request in requests:
        fits = {h: c for h in names if (c := faulter.candidates(request.fault, h))}
        amount = request.amount
        if isinstance(amount, tuple):
            missing = [h for h in amount if h not in fits]
            if missing:
                raise FaultSpecError(
                    f"{request.part!r}: {request.fault} fits no line of {', '.join(missing)}"
                    " (it needs one that a working flow crosses)"
                )
            hosts = list(amount)
        else:
            eligible = sorted(fits)
            count = amount if isinstance(amount, int) else max(1, round(amount * len(eligible)))
            if count > len(eligible):
                raise FaultSpecError(
                    f"{request.part!r}: {request.fault} fits a line of only {len(eligible)} devices"
                )
            hosts = pick_hosts(eligible, faulted, count, f"{seed}:fault:{request.fault}")
        for host in hosts:
            rng = random.Random(f"{seed}:fault:{request.fault}:{host}")
            _make(district, rng.choice(fits[host]))
            faulted.add(host)


def _make(district: District, chosen: _Candidate) -> None:
    """The fault in the routers and links, and in the truth."""
    truth = chosen.truth
    if chosen.link is not None:
        if truth.fault == "drop_vlan":
            assert truth.vlan is not None
            chosen.link.dropped_vlans.append(truth.vlan)
            detail = f"the circuit {truth.circuit} does not pass VLAN {truth.vlan}"
        else:
            chosen.link.a, chosen.link.b = truth.ends
            chosen.link.one_way = True
            detail = f"the circuit {truth.circuit} passes {truth.ends[0]} to {truth.ends[1]} only"
    else:
        router = chosen.router
        assert router is not None and truth.prefix is not None
        if truth.fault == "blackhole":
            route = StaticRoute(IPv4Network(truth.prefix), None, NULL, truth.vpn_instance)
            router.static_routes.append(route)
            detail = f"{router.hostname} routes {truth.prefix} to {NULL}"
        else:
            router.static_routes = [r for r in router.static_routes if r not in chosen.removed]
            router.learned_routes = [r for r in router.learned_routes if r not in chosen.removed]
            detail = f"{router.hostname} has no route back to {truth.prefix}"
    by_id = {f.id: f for f in district.truth.flows}
    for flow_id in truth.flows:
        flow = by_id[flow_id]
        if flow.works:
            flow.works, flow.path = False, []
            flow.reason = f"broken by {truth.fault}: {detail}"
    district.truth.dataplane_faults.append(truth)
