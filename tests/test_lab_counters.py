"""Interface counters grow with the flows that cross them: a working flow's ports by its rate,
a router on no flow's path not at all; after a line is shut its counters stop (the old line
carries nothing); pings count their packets; and over SSH each vendor's `display interface` /
`show interfaces` reads back with govnet's parsers and the real samples' counter lines.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from netmiko import ConnectHandler

from govnet.platforms import load_platforms
from govnet_lab.configure import get_config_command
from govnet_lab.dataplane import Network, get_flow_request
from govnet_lab.dataplane.counters import MEAN_PACKET_BYTES, get_flow_pps
from govnet_lab.district import District, FlowTruth, load_district
from govnet_lab.generate import generate_lab
from govnet_lab.model import Device, InterfaceKind
from govnet_lab.render.common import InterfaceCounts
from govnet_lab.session import Session
from govnet_lab.vendors import get_vendor
from lab_served import serve_district

DISTRICTS = [("370702", 1, 30), ("500112", 4, 80), ("510104", 5, 60)]
SECONDS = 10


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def build(county: str, seed: int, routers: int) -> District:
    with tempfile.TemporaryDirectory() as root:
        return load_district(generate_lab(Path(root), county, seed, routers, None))


@pytest.fixture(scope="module", params=DISTRICTS, ids=[d[0] for d in DISTRICTS])
def district(request: pytest.FixtureRequest) -> District:
    return build(*request.param)


def lan_of(device: Device, flow: FlowTruth) -> str:
    return next(i.name for i in device.interfaces if i.address and str(i.address.ip) == flow.source)


Gain = tuple[int, int, int, int]


def growth(
    before: dict[str, InterfaceCounts], after: dict[str, InterfaceCounts]
) -> dict[str, Gain]:
    """Per port: (in packets, in bytes, out packets, out bytes) gained."""
    zero = InterfaceCounts()
    return {
        name: (
            after[name].in_packets - before.get(name, zero).in_packets,
            after[name].in_bytes - before.get(name, zero).in_bytes,
            after[name].out_packets - before.get(name, zero).out_packets,
            after[name].out_bytes - before.get(name, zero).out_bytes,
        )
        for name in after
    }


def test_a_units_lan_grows_by_its_flows_rates(district: District) -> None:
    clock = Clock()
    network = Network(district, clock)
    transit = {h for f in district.truth.flows for h in f.path[1:]}
    checked = 0
    for flow in district.truth.flows:
        if not flow.works or flow.host in transit:
            continue
        device = district.get_device(flow.host)
        assert device is not None
        lan = lan_of(device, flow)
        rate = sum(
            get_flow_pps(f.id)
            for f in district.truth.flows
            if f.works and f.host == flow.host and f.source == flow.source
        )
        before = network.counters.read(flow.host)
        clock.now += SECONDS
        gained = growth(before, network.counters.read(flow.host))[lan]
        packets = rate * SECONDS
        assert gained == (
            packets,
            packets * MEAN_PACKET_BYTES,
            packets,
            packets * MEAN_PACKET_BYTES,
        )
        checked += 1
    assert checked >= 5


def test_every_router_on_a_working_path_grows_by_at_least_the_flows_rate(
    district: District,
) -> None:
    clock = Clock()
    network = Network(district, clock)
    hosts = {h for f in district.truth.flows for h in f.path}
    before = {h: network.counters.read(h) for h in hosts}
    clock.now += SECONDS
    gained = {h: growth(before[h], network.counters.read(h)) for h in hosts}
    for flow in (f for f in district.truth.flows if f.works):
        least = get_flow_pps(flow.id) * SECONDS
        for sender, receiver in zip(flow.path, flow.path[1:], strict=False):
            assert max(g[2] for g in gained[sender].values()) >= least, (flow.id, sender)
            assert max(g[0] for g in gained[receiver].values()) >= least, (flow.id, receiver)


def test_a_router_on_no_flows_path_carries_nothing(district: District) -> None:
    clock = Clock()
    network = Network(district, clock)
    on_paths = {h for f in district.truth.flows for h in (f.host, *f.path)}
    idle = [d.hostname for d in district.devices if d.hostname not in on_paths]
    assert idle
    for host in idle:
        before = network.counters.read(host)
        clock.now += SECONDS
        assert all(g == (0, 0, 0, 0) for g in growth(before, network.counters.read(host)).values())


def login(device: Device, network: Network) -> Session:
    session = Session(device, "secret", page_lines=0, network=network)
    if device.platform == "cisco_ios":
        session.feed("enable\r")
        session.feed("secret\r")
    return session


def type_config(session: Session, lines: list[str]) -> None:
    leave = "end" if session.device.platform == "cisco_ios" else "return"
    for line in (get_config_command(session.device.platform), *lines, leave):
        session.feed(line + "\r")


def test_shutting_a_line_in_a_session_stops_its_counters() -> None:
    district = build(*DISTRICTS[0])
    clock = Clock()
    network = Network(district, clock)
    flow = next(f for f in district.truth.flows if f.kind == "vertical" and f.works)
    device, upstream = district.get_device(flow.host), district.get_device(flow.path[1])
    assert device is not None and upstream is not None
    line = next(
        i
        for i in device.interfaces
        if i.kind is InterfaceKind.PHYSICAL
        and i.address
        and any(u.address and u.address.network == i.address.network for u in upstream.interfaces)
    )
    far = next(
        u.name
        for u in upstream.interfaces
        if u.address and line.address and u.address.network == line.address.network
    )
    others = [f for f in district.truth.flows if f.works and f.path[:2] != flow.path[:2]]
    other = others[0]
    other_device = district.get_device(other.host)
    assert other_device is not None

    def read() -> tuple[InterfaceCounts, InterfaceCounts, InterfaceCounts]:
        return (
            network.counters.read(device.hostname)[line.name],
            network.counters.read(upstream.hostname)[far],
            network.counters.read(other.host)[lan_of(other_device, other)],
        )

    first = read()
    clock.now += SECONDS
    carrying = read()
    assert all(b.out_packets > a.out_packets for a, b in zip(first, carrying, strict=True))
    clock.now += SECONDS  # unread: the shutdown typed now must count these seconds first
    type_config(login(device, network), [f"interface {line.name}", "shutdown"])
    assert not line.admin_up
    clock.now += SECONDS
    after = read()
    clock.now += SECONDS
    later = read()
    # Until the shutdown the line carried its flows, as much as in the seconds before;
    # from then on nothing, at either end.
    assert after[0].out_packets - carrying[0].out_packets == (
        carrying[0].out_packets - first[0].out_packets
    )
    assert (later[0], later[1]) == (after[0], after[1])
    assert later[2].out_packets > after[2].out_packets  # the rest of the district goes on


def test_pings_add_their_packets_on_each_port_they_cross() -> None:
    district = build(*DISTRICTS[0])
    clock = Clock()  # never moves: only the pings count
    network = Network(district, clock)
    for platform in ("huawei", "hp_comware", "cisco_ios"):
        flow = next(
            f
            for f in district.truth.flows
            if f.works and district.get_device(f.host).platform == platform  # type: ignore[union-attr]
        )
        device = district.get_device(flow.host)
        assert device is not None
        probes = get_vendor(platform).probes
        assert probes is not None
        typed = probes.type_ping(get_flow_request(flow))
        request = probes.read_ping(typed.split())  # with the vendor's defaults
        before = network.counters.read(flow.host)
        login(device, network).run(typed)
        gained = growth(before, network.counters.read(flow.host))
        first_hop = network.probe(flow.host, request)
        assert first_hop.hops, flow.id
        sent = {n: g for n, g in gained.items() if g[2]}
        # Every echo went out one port and its reply came back in (the flow's path is
        # symmetric at its first router), and nothing else moved.
        assert len(sent) == 1, (platform, gained)
        ((_port, (in_packets, _, out_packets, out_bytes)),) = sent.items()
        assert (in_packets, out_packets) == (request.count, request.count), platform
        assert out_bytes == request.count * (request.size + 42)


# --- over SSH ---------------------------------------------------------------------------

# The counter lines of each vendor's real output (tests/real/): VRP "Input:  24 packets, 4936
# bytes" (vrp5-ar-interface-dhcp.txt), Comware 7 " Input (total):  0 packets, 0 bytes"
# (di-hge-xge.txt), IOS "     338297234 packets input, 728401053 bytes, 0 no buffer"
# (show-interfaces-dot1q.txt).
COUNTERS = {
    "huawei": (r"^Input:\s+(\d+) packets, (\d+) bytes", r"^Output:\s+(\d+) packets, (\d+) bytes"),
    "hp_comware": (
        r"^\s*Input \(total\):\s+(\d+) packets, (\d+) bytes",
        r"^\s*Output \(total\):\s+(\d+) packets, (\d+) bytes",
    ),
    "cisco_ios": (
        r"^\s+(\d+) packets input, (\d+) bytes",
        r"^\s+(\d+) packets output, (\d+) bytes",
    ),
}
SHOW = {
    "huawei": "display interface",
    "hp_comware": "display interface",
    "cisco_ios": "show interfaces",
}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[District, str, str]]:
    with serve_district(*DISTRICTS[0]) as served:
        yield served


def read_counters(text: str, platform: str) -> tuple[int, int]:
    """(input packets, output packets) from one interface's block."""
    found = [re.search(p, text, re.MULTILINE) for p in COUNTERS[platform]]
    assert all(found), text
    return int(found[0].group(1)), int(found[1].group(1))  # type: ignore[union-attr]


@pytest.mark.parametrize("platform", ["huawei", "hp_comware", "cisco_ios"])
def test_over_ssh_the_lan_grows_and_reads_back(
    served: tuple[District, str, str], platform: str
) -> None:
    district, username, password = served
    flow = next(
        f
        for f in district.truth.flows
        if f.works and district.get_device(f.host).platform == platform  # type: ignore[union-attr]
    )
    device = district.get_device(flow.host)
    assert device is not None
    lan = lan_of(device, flow)
    conn = ConnectHandler(
        device_type=platform,
        host="127.0.0.1",
        port=device.port,
        username=username,
        password=password,
        secret=password,
        fast_cli=True,
    )
    try:
        started = time.monotonic()
        first = str(conn.send_command(f"{SHOW[platform]} {lan}"))
        time.sleep(0.3)
        second = str(conn.send_command(f"{SHOW[platform]} {lan}"))
        elapsed = time.monotonic() - started
        whole = str(conn.send_command(SHOW[platform], read_timeout=30))
    finally:
        conn.disconnect()
    (in1, out1), (in2, out2) = read_counters(first, platform), read_counters(second, platform)
    least = get_flow_pps(flow.id) * 0.3
    assert in2 - in1 >= least - 1 and out2 - out1 >= least - 1, (first, second)
    assert in2 - in1 <= 10_000 * elapsed  # every flow of the district at most, not a jump
    # govnet's own parser reads the state back: every interface, as the model has it.
    facts, _ = load_platforms().parse(platform, {SHOW[platform]: whole})
    parsed = {i.name: i for i in facts.interfaces}
    for iface in device.interfaces:
        got = parsed[iface.name]
        assert (got.admin_up, got.oper_up) == (iface.admin_up, iface.oper_up), iface.name
        address = [str(iface.address.with_prefixlen)] if iface.address else []
        assert list(got.addresses) == address, iface.name
