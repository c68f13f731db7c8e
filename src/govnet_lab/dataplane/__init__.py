"""The lab's data plane: the district as a network that carries packets.

``Network(district)`` answers what a ping or traceroute from a router would see, from the
routers' live state (govnet_lab.dataplane.forward), so a configuration pushed to the lab
changes the answer at once. The SSH session prints it in the router's vendor's words
(govnet_lab.dataplane.probe holds the words both sides share); tests ask it directly whether
a flow of the ground truth works and along which path.
"""

from __future__ import annotations

import time
from dataclasses import replace
from ipaddress import IPv4Address

from govnet_lab.dataplane.bgp import compute_bgp
from govnet_lab.dataplane.counters import PROBE_OVERHEAD_BYTES, Clock, Counters, get_crossings
from govnet_lab.dataplane.forward import Forwarding, Walk
from govnet_lab.dataplane.probe import Hop, Outcome, Probe, ProbeRequest, Probes, ProbeSyntaxError
from govnet_lab.dataplane.sessions import refresh_sessions
from govnet_lab.district import District, FlowTruth
from govnet_lab.model import Device
from govnet_lab.render.common import CounterReader

__all__ = [
    "Hop",
    "Network",
    "Outcome",
    "Probe",
    "ProbeRequest",
    "ProbeSyntaxError",
    "Probes",
    "get_flow_request",
    "settle_sessions",
]

ROUTER_TTL = 255  # the TTL VRP, Comware and IOS send an echo reply with
HOST_TTL = 64  # a Linux server's
# The least time between two ICMP unreachables a router sends: IOS rate-limits them to one
# per 500 ms by default ("ip icmp rate-limit unreachable", Cisco IOS IP Addressing Services
# command reference), hence a real IOS ping's "U.U.U".
UNREACHABLE_INTERVAL_MS = {"cisco_ios": 500}


class Network:
    """Every router of a district (county and upstream), its links and servers, and the
    traffic of the ground truth's flows over them (its interface counters)."""

    def __init__(self, district: District, clock: Clock = time.monotonic) -> None:
        self.forwarding = get_forwarding(district)
        self.flows = list(district.truth.flows)  # the ground truth's, sent by check_flow
        self.counters = Counters(self.forwarding, district.truth.flows, clock)
        self.note_change()

    def note_change(self) -> list[str]:
        """A router's configuration changed: routing sessions follow (a shut line takes its
        BGP and OSPF sessions down, a peer configured on both ends comes up), and BGP routes
        are advertised and withdrawn over them. Returns the sessions whose state changed."""
        changed = refresh_sessions(self.forwarding)
        if compute_bgp(self.forwarding) or changed:
            self.counters.stale_everywhere()  # routes moved beyond the router that changed
        return changed

    def before_change(self, host: str | None = None) -> None:
        """Say the model is about to change on router ``host`` (None: anywhere, a link):
        the counters keep what the old paths carried until now."""
        self.counters.before_change(host)

    def get_counter_reader(self, host: str) -> CounterReader:
        """Router ``host``'s interface counters, read (brought up to now) when called."""
        return lambda: self.counters.read(host)

    def get_device(self, host: str) -> Device:
        return self.forwarding.devices[host]

    def send(self, host: str, request: ProbeRequest, *, trace: bool = False) -> Probe:
        """A ping (or traceroute) typed on router ``host``: answered as :meth:`probe`, and
        its packets counted on the ports they cross."""
        walks: list[Walk] = []
        probe = self._answer(host, request, walks)
        if not walks:  # it never left the router
            return probe
        forward, answers = walks[0], walks[1:]
        size = request.size + PROBE_OVERHEAD_BYTES
        if trace:  # each TTL's probes go as far as that hop; its answer comes back
            for ttl, answer in enumerate(answers, start=1):
                sent = get_crossings(forward, ttl)
                self.counters.add_packets(sent, request.probes_per_hop, size)
                if answer.delivered:
                    back = get_crossings(answer)
                    self.counters.add_packets(back, request.probes_per_hop, size)
            return probe
        self.counters.add_packets(get_crossings(forward), request.count, size)
        if answers and (forward.delivered or forward.unreachable):  # the reply, or the
            # unreachable, as far as it got (a lost answer still crossed the ports before)
            self.counters.add_packets(get_crossings(answers[-1]), request.count, size)
        return probe

    def probe(self, host: str, request: ProbeRequest) -> Probe:
        """What a ping or traceroute from router ``host`` meets."""
        return self._answer(host, request, [])

    def _answer(self, host: str, request: ProbeRequest, walks: list[Walk]) -> Probe:
        """The probe's answer; ``walks`` receives its packets' walks: the probe's, then the
        answer from each hop."""
        device = self.get_device(host)
        vpn, dst = request.vpn, request.destination
        if vpn is not None and device.get_vpn_instance(vpn) is None:
            return Probe(request, Outcome.TIMEOUT, None, reason=f"{host} has no VPN {vpn}")
        source = request.source
        if request.source_interface is not None:
            named = device.get_interface(request.source_interface)
            if named is None or named.address is None:
                reason = f"{host} has no addressed interface {request.source_interface}"
                return Probe(request, Outcome.TIMEOUT, None, reason=reason)
            source = named.address.ip
        if source is not None and not self.forwarding.owns(device, source, vpn):
            return Probe(request, Outcome.TIMEOUT, None, reason=f"{source} is not {host}'s")
        if source is None:
            source = self._choose_source(device, vpn, dst)
        if source is None:
            reason = f"{host} has no route to {dst}" + (f" in VPN {vpn}" if vpn else "")
            return Probe(request, Outcome.TIMEOUT, None, reason=reason, path=(host,))
        forward = self.forwarding.walk(host, vpn, source, dst)
        hops: list[Hop] = []
        last: Walk | None = None
        walks.append(forward)
        for arrival, seen in zip(forward.arrivals, forward.seen, strict=True):
            assert arrival.address is not None
            answer = self.forwarding.walk(
                arrival.host, arrival.vpn, arrival.address, seen, host, forward.translations
            )
            last = answer
            walks.append(answer)
            name = arrival.server.name if arrival.server is not None else arrival.host
            hops.append(Hop(arrival.address, answer.delivered, name))
        path = (host, *(a.host for a in forward.arrivals if a.server is None))
        rtt = 1 + 4 * len(hops)
        if forward.delivered:
            if not hops:  # the router's own address
                return Probe(request, Outcome.REPLY, source, (), 1, ROUTER_TTL, "", path)
            assert last is not None
            if not last.delivered:
                reason = f"{dst} answered, but the answer was lost: {last.reason}"
                return Probe(request, Outcome.TIMEOUT, source, tuple(hops), rtt, 0, reason, path)
            server = forward.arrivals[-1].server is not None
            initial = HOST_TTL if server else ROUTER_TTL
            ttl = initial - len(last.arrivals) + (0 if server else 1)
            return Probe(request, Outcome.REPLY, source, tuple(hops), rtt, ttl, "", path)
        if forward.unreachable and hops:
            reporter = self.get_device(forward.arrivals[-1].host)
            return Probe(
                request,
                Outcome.UNREACHABLE,
                source,
                tuple(hops),
                rtt,
                0,
                forward.reason,
                path,
                UNREACHABLE_INTERVAL_MS.get(reporter.platform, 0),
            )
        return Probe(request, Outcome.TIMEOUT, source, tuple(hops), rtt, 0, forward.reason, path)

    def _choose_source(
        self, device: Device, vpn: str | None, dst: IPv4Address
    ) -> IPv4Address | None:
        """The address a router sends from when none is given: its outgoing interface's."""
        if self.forwarding.owns(device, dst, vpn):
            return dst
        route = self.forwarding.lookup(device, vpn, dst)
        if route is None or route.interface is None:
            return None
        iface = device.get_interface(route.interface)
        return iface.address.ip if iface is not None and iface.address is not None else None

    def check_flow(self, flow: FlowTruth) -> Probe:
        """One ground-truth flow, sent as a ping from its source address, by the router that
        owns that address now (FlowTruth: a cutover may have moved the gateway)."""
        host, vpn = self.forwarding.sender(flow.host, flow.vpn_instance, IPv4Address(flow.source))
        request = get_flow_request(flow)
        return self.probe(host, replace(request, vpn=vpn))


def get_forwarding(district: District) -> Forwarding:
    """The forwarding engine over every router of a district (county and upstream)."""
    return Forwarding([*district.devices, *district.upstream], district.links, district.servers)


def settle_sessions(district: District) -> list[str]:
    """Every routing session of a district as its links allow (a faulted line takes its
    sessions down) and the BGP routes over them: what the generator saves, so a survey sees
    what the running lab shows. Returns the sessions whose state changed."""
    forwarding = get_forwarding(district)
    changed = refresh_sessions(forwarding)
    compute_bgp(forwarding)
    return changed


def get_flow_request(flow: FlowTruth) -> ProbeRequest:
    """The ping that checks a ground-truth flow: to its server, in its VPN, from its source."""
    return ProbeRequest(IPv4Address(flow.destination), flow.vpn_instance, IPv4Address(flow.source))
