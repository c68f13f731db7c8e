"""Interface counters that grow with the traffic crossing them, as the lab's live state.

Every ground-truth flow that works now carries steady traffic both ways along the path it
takes now (the data plane's forward walk, and the answer's walk back), at a rate decided by
its id; a router port's input and output counters are the integral of the rates of the flows
crossing it, since the router booted, plus the probes typed on the routers. So "the old line
carries nothing" is a reading an engineer (and a test) can take before and after a cutover.

Rates are piecewise constant between changes of the model, so the work is lazy: a change on
a router first brings every counter up to now (with the paths of before the change) and
marks the flows it can affect stale; those are walked again at the next change or reading,
not at every packet. The flows a change on router R can affect are those whose walks touched
R or a router linked to R: a router's forwarding reads only its own state and, through
``Forwarding.across``, its link neighbours' ports, and the routing sessions a change moves
(govnet_lab.dataplane.sessions) are R's with its link neighbours, so a flow that touched
neither cannot take another path. The clock is injectable, so tests read counters without waiting.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address

from govnet_lab.dataplane.forward import Forwarding, Walk
from govnet_lab.district import FlowTruth
from govnet_lab.model import InterfaceKind, link_host
from govnet_lab.render.common import InterfaceCounts

Clock = Callable[[], float]

# A flow's packet rate, each way: 20 to 200 packets/s, from its id (a county's business
# systems are light: a few hundred kbit/s each). The lab has no packet mix, so a fixed mean
# size stands for one: requests and answers of a business application average a few hundred
# bytes on the wire.
MIN_PPS = 20
PPS_SPREAD = 181
MEAN_PACKET_BYTES = 512
# What one echo or traceroute probe adds on the wire to the data bytes the vendor counts:
# the IPv4 header (20), the ICMP/UDP header (8) and the Ethernet header (14). (IOS's size is
# the whole datagram already, so its probes count 28 bytes more each than they carry.)
PROBE_OVERHEAD_BYTES = 42

IN, OUT = 0, 1
Port = tuple[str, str]  # (host, interface)


def get_flow_pps(flow_id: str) -> int:
    """The flow's packets per second each way, fixed by its id (the same on every run)."""
    return MIN_PPS + zlib.crc32(flow_id.encode()) % PPS_SPREAD


def get_crossings(walk: Walk, first: int | None = None) -> list[tuple[Port, int]]:
    """The ports a walk's packet crossed, in order, each with IN or OUT; only the first
    ``first`` links when given (a traceroute probe of that TTL)."""
    out: list[tuple[Port, int]] = []
    for index, port in enumerate(walk.departures[:first]):
        out.append((port, OUT))
        if index < len(walk.arrivals):
            arrival = walk.arrivals[index]
            if arrival.interface is not None:
                out.append(((arrival.host, arrival.interface), IN))
    return out


@dataclass
class _FlowState:
    """One flow's share of the rates: the ports it crosses now, and the routers it touched."""

    pps: int
    crossings: list[tuple[Port, int]] = field(default_factory=list)  # empty: it does not work
    touched: set[str] = field(default_factory=set)
    counted_since_boot: bool = False


class Counters:
    """Packets and bytes in and out of every router port of a network, as time passes."""

    def __init__(
        self,
        forwarding: Forwarding,
        flows: Sequence[FlowTruth],
        clock: Clock = time.monotonic,
    ) -> None:
        self.forwarding = forwarding
        self.clock = clock
        self._flows = {f.id: f for f in flows}
        self._states = {f.id: _FlowState(get_flow_pps(f.id)) for f in flows}
        for flow in flows:
            self._states[flow.id].touched = {flow.host, *flow.path}
        self._stale: set[str] = set(self._flows)  # walked at the first reading or change
        self._totals: dict[Port, list[float]] = {}  # in packets, in bytes, out packets, out bytes
        self._rates: dict[Port, list[float]] = {}  # the same per second, now
        self._since = clock()
        self._neighbours = _get_neighbours(forwarding)
        self.walked = 0  # flows walked so far (what a recomputation cost; for the benchmark)
        self._pending: tuple[str, str] | None = None  # a router about to change, as it was

    # --- what changes them -----------------------------------------------------------------

    def before_change(self, host: str | None = None) -> None:
        """Call before the model changes on router ``host`` (None: anywhere, e.g. a link):
        the time until now is counted with today's paths, then the flows the change can
        move are walked again when next needed."""
        self._advance()
        if host is None:
            self._stale = set(self._flows)
            return
        # Most lines (entering a view, a description) change nothing a packet meets: the
        # flows go stale only if the router's forwarding state differs at the next look.
        self._pending = host, self._fingerprint(host)

    def stale_everywhere(self) -> None:
        """Routes changed beyond one router (a routing session, BGP advertisements): every
        flow is walked again when next needed. Call after ``before_change``."""
        self._stale = set(self._flows)

    def add_packets(self, crossings: Iterable[tuple[Port, int]], packets: int, size: int) -> None:
        """Count ``packets`` of ``size`` bytes (a probe's) on each port they crossed."""
        for port, way in crossings:
            total = self._totals.setdefault(port, [0.0, 0.0, 0.0, 0.0])
            total[2 * way] += packets
            total[2 * way + 1] += packets * size

    # --- what is read ----------------------------------------------------------------------

    def read(self, host: str) -> dict[str, InterfaceCounts]:
        """Every counted port of router ``host`` as of now (ports with none are absent)."""
        self._advance()
        counts: dict[str, InterfaceCounts] = {}
        for (where, name), total in self._totals.items():
            if where != host:
                continue
            rate = self._rates.get((where, name), [0.0, 0.0, 0.0, 0.0])
            counts[name] = InterfaceCounts(
                int(total[0]),
                int(total[1]),
                int(total[2]),
                int(total[3]),
                int(rate[0]),
                int(rate[1] * 8),
                int(rate[2]),
                int(rate[3] * 8),
            )
        return counts

    def get_pps(self, host: str, name: str) -> tuple[float, float]:
        """The packets per second (in, out) router ``host``'s interface ``name`` carries now,
        from the flows that work now: what its counters grow by each second. A physical
        port's include its sub-interfaces', as ``display interface`` counts them."""
        self._advance()
        device = self.forwarding.devices[host]
        port = device.get_interface(name)
        names = {name}
        if port is not None and port.kind is InterfaceKind.PHYSICAL:
            names |= {i.name for i in device.interfaces if i.parent == name}
        rates = [self._rates.get((host, n), [0.0, 0.0, 0.0, 0.0]) for n in names]
        return sum(r[0] for r in rates), sum(r[2] for r in rates)

    # --- internals -------------------------------------------------------------------------

    def _advance(self) -> None:
        """Bring every counter up to now: walk the stale flows (the model has not changed
        since they went stale), then add rate x the time since the last change or reading."""
        if self._pending is not None:
            host, before = self._pending
            self._pending = None
            if self._fingerprint(host) != before:
                near = {host, *self._neighbours.get(host, ())}
                self._stale |= {i for i, s in self._states.items() if s.touched & near}
        for flow_id in sorted(self._stale):
            self._walk_again(flow_id)
        self._stale.clear()
        now = self.clock()
        elapsed = now - self._since
        if elapsed > 0:
            for port, rate in self._rates.items():
                total = self._totals.setdefault(port, [0.0, 0.0, 0.0, 0.0])
                for index in range(4):
                    total[index] += rate[index] * elapsed
        self._since = now

    def _fingerprint(self, host: str) -> str:
        """Everything of a router its forwarding reads (govnet_lab.dataplane.forward)."""
        d = self.forwarding.devices[host]
        return repr(
            (
                d.interfaces,
                d.vpn_instances,
                d.static_routes,
                d.learned_routes,
                d.bgp_peers,
                d.ospf_neighbours,
                d.acls,
                d.nat_rules,
            )
        )

    def _walk_again(self, flow_id: str) -> None:
        flow, state = self._flows[flow_id], self._states[flow_id]
        self._add_rates(state, -1)
        state.crossings, touched = self._get_path(flow)
        state.touched = touched | {flow.host, *flow.path}
        self._add_rates(state, +1)
        self.walked += 1
        if not state.counted_since_boot:
            # The traffic has run since each router booted, at the rates of the lab's start.
            state.counted_since_boot = True
            for (host, name), way in state.crossings:
                uptime = self.forwarding.devices[host].uptime_s
                total = self._totals.setdefault((host, name), [0.0, 0.0, 0.0, 0.0])
                total[2 * way] += state.pps * uptime
                total[2 * way + 1] += state.pps * MEAN_PACKET_BYTES * uptime

    def _add_rates(self, state: _FlowState, sign: int) -> None:
        for port, way in state.crossings:
            rate = self._rates.setdefault(port, [0.0, 0.0, 0.0, 0.0])
            rate[2 * way] += sign * state.pps
            rate[2 * way + 1] += sign * state.pps * MEAN_PACKET_BYTES

    def _get_path(self, flow: FlowTruth) -> tuple[list[tuple[Port, int]], set[str]]:
        """The ports a flow's packets cross, and every router its walks touched. A flow that
        fails still sends: its terminals keep retrying, so its requests cross the links they
        reach before they are dropped (and its answers, those they reach on the way back);
        a line that still carries them is not quiet, whatever the flow's fate. A flow that
        must never work (classified business to the extranet) is a rule, not a demand: it
        carries nothing unless it works."""
        source, destination = IPv4Address(flow.source), IPv4Address(flow.destination)
        host, vpn = self.forwarding.sender(flow.host, flow.vpn_instance, source)
        forward = self.forwarding.walk(host, vpn, source, destination)
        touched = {flow.host, host, *(a.host for a in forward.arrivals)}
        lan = self._lan_port(host, vpn, source)
        if forward.departures and lan == forward.departures[0]:  # its own address: no LAN
            lan = None
        if not self.forwarding.owns(self.forwarding.devices[host], source, vpn):
            return [], touched  # nobody sends it: its gateway is gone or down
        crossings = [(lan, IN)] if lan else []
        crossings += get_crossings(forward)
        if not forward.delivered or not forward.arrivals:
            return (crossings if flow.must_work else []), touched
        last = forward.arrivals[-1]
        assert last.address is not None
        back = self.forwarding.walk(
            last.host, last.vpn, last.address, forward.seen[-1], host, forward.translations
        )
        touched |= {a.host for a in back.arrivals}
        if last.server is not None:  # the server's answer comes in where its request went out
            crossings.append((forward.departures[-1], IN))
        crossings += get_crossings(back)
        if not back.delivered:
            return (crossings if flow.must_work else []), touched
        if lan:
            crossings.append((lan, OUT))
        return crossings, touched

    def _lan_port(self, host: str, vpn: str | None, source: IPv4Address) -> Port | None:
        """The port of the flow's source address on its sender: its LAN, where its hosts sit."""
        for iface in self.forwarding.devices[host].interfaces:
            if iface.address is not None and (iface.address.ip, iface.vpn_instance) == (
                source,
                vpn,
            ):
                return host, iface.name
        return None


def _get_neighbours(forwarding: Forwarding) -> dict[str, set[str]]:
    """The routers each router reaches over a link (through a LAN switch too)."""
    neighbours: dict[str, set[str]] = {}
    for end, links in forwarding.links.items():
        host = link_host(end)
        if host not in forwarding.devices:
            continue
        for _, far in forwarding.far_ends(end, links):
            neighbours.setdefault(host, set()).add(link_host(far))
    return neighbours
