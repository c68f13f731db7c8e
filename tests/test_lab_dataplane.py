"""The lab as a network: every business flow of the ground truth works or fails as the truth
says, by the data plane's own answer and by pinging over SSH from the flow's router in its
vendor's syntax; traceroute shows the truth's path; a change that breaks a flow (a return
route removed, a line shut, a carrier dropping the dedicated zone's VLAN) fails exactly the
flows it should.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest
from netmiko import ConnectHandler

from govnet_lab.configure import apply_lines
from govnet_lab.dataplane import Network, Outcome, ProbeRequest, Probes, get_flow_request
from govnet_lab.district import District, FlowTruth, load_district
from govnet_lab.generate import generate_lab
from govnet_lab.model import Device, InterfaceKind, StaticRoute, get_routing_table
from govnet_lab.render import render
from govnet_lab.vendors import get_vendor
from lab_served import serve_district

# Three districts: different counties, seeds and sizes, so every vendor is a unit's router,
# a county core and a PE somewhere (checked below, not assumed).
DISTRICTS = [("370702", 1, 30), ("500112", 4, 80), ("510104", 5, 60)]


def build(county: str, seed: int, routers: int) -> District:
    with tempfile.TemporaryDirectory() as root:
        return load_district(generate_lab(Path(root), county, seed, routers, None))


@pytest.fixture(scope="module", params=DISTRICTS, ids=[d[0] for d in DISTRICTS])
def district(request: pytest.FixtureRequest) -> District:
    return build(*request.param)


def answer(network: Network, flow: FlowTruth) -> tuple[bool, list[str]]:
    probe = network.check_flow(flow)
    return probe.outcome is Outcome.REPLY, list(probe.path)


def test_every_flow_works_or_fails_as_the_truth_says(district: District) -> None:
    network = Network(district)
    assert len({f.id for f in district.truth.flows}) == len(district.truth.flows)
    kinds = {f.kind for f in district.truth.flows}
    assert {"extranet_public", "extranet_dedicated", "internet", "vertical"} <= kinds
    assert any(not f.must_work for f in district.truth.flows)  # isolation is in the truth
    wrong = []
    for flow in district.truth.flows:
        works, path = answer(network, flow)
        if works != flow.works or (works and path != flow.path):
            reason = network.check_flow(flow).reason
            wrong.append(f"{flow.id}: truth {flow.works} {flow.path}, lab {works} {path} {reason}")
    assert wrong == []


def test_the_districts_use_every_vendor() -> None:
    platforms = set()
    for args in DISTRICTS:
        d = build(*args)
        platforms |= {d.get_device(f.host).platform for f in d.truth.flows}  # type: ignore[union-attr]
    assert platforms == {"huawei", "hp_comware", "cisco_ios"}


def test_the_breach_is_the_one_flow_that_works_against_policy(district: District) -> None:
    against = [f for f in district.truth.flows if f.works != f.must_work]
    assert [f.kind for f in against] == ["isolation"]
    assert Network(district).check_flow(against[0]).outcome is Outcome.REPLY


def test_a_police_network_is_a_flow_that_must_never_work() -> None:
    district = build(*DISTRICTS[1])
    (police,) = [f for f in district.truth.flows if f.reason.startswith("police network")]
    assert police.kind == "isolation" and not police.must_work and not police.works
    assert police.unit.endswith("-gongan") and "电子政务外网" in police.destination_name
    assert Network(district).check_flow(police).outcome is not Outcome.REPLY


def affected(district: District, before: dict[str, bool]) -> set[str]:
    network = Network(district)
    return {f.id for f in district.truth.flows if answer(network, f)[0] != before[f.id]}


def baseline(district: District) -> dict[str, bool]:
    network = Network(district)
    return {f.id: answer(network, f)[0] for f in district.truth.flows}


def static_undo(device: Device, prefix: str, mask: str, length: int, hop: str) -> str:
    return static_line(device, IPv4Network(f"{prefix}/{length}"), hop, add=False)


def static_line(device: Device, prefix: IPv4Network, hop: str, add: bool = True) -> str:
    """A static route in the device's vendor's words, to add or to remove."""
    address, mask, length = prefix.network_address, prefix.netmask, prefix.prefixlen
    if device.platform == "cisco_ios":
        return f"{'' if add else 'no '}ip route {address} {mask} {hop}"
    undo = "" if add else "undo "
    if device.platform == "hp_comware":
        return f"{undo}ip route-static {address} {length} {hop}"
    return f"{undo}ip route-static {address} {mask} {hop}"


def find_static_return(district: District) -> tuple[FlowTruth, Device, StaticRoute]:
    """A unit routed statically by its county core: a flow of it, the core, and the core's
    route back to the unit's LAN."""
    for flow in district.truth.flows:
        if flow.kind != "extranet_public" or len(flow.path) != 3 or not flow.works:
            continue
        core = district.get_device(flow.path[1])
        assert core is not None
        lan = next(
            (
                r
                for r in core.static_routes
                if r.vpn_instance is None
                and r.prefix.prefixlen > 0  # the unit's own LAN, not the default route
                and IPv4Address(flow.source) in r.prefix
            ),
            None,
        )
        if lan is not None:
            return flow, core, lan
    pytest.fail("no unit is routed statically by its core")


def test_a_static_route_resolves_through_another_route_but_not_the_default() -> None:
    """A return route whose next hop is the unit router's LAN address, carried by a host route
    to it: the flow still works, through the same routers; without the host route the static
    route resolves through something else, or nothing (never the default route, on VRP), so the
    unit's flows fail."""
    district = build(*DISTRICTS[1])
    flow, core, lan = find_static_return(district)
    before = baseline(district)
    network = Network(district)
    assert lan.next_hop is not None
    gateway = IPv4Network(f"{flow.source}/32")
    lines = [
        static_line(core, gateway, str(lan.next_hop)),
        static_line(core, lan.prefix, flow.source),
        static_line(core, lan.prefix, str(lan.next_hop), add=False),
    ]
    assert apply_lines(core, lines) == []
    (recursive,) = [r for r in core.static_routes if r.prefix == lan.prefix]
    assert recursive.next_hop == IPv4Address(flow.source)
    assert affected(district, before) == set()
    assert answer(network, flow) == (True, flow.path)
    table = "show ip route" if core.platform == "cisco_ios" else "display ip routing-table"
    assert str(recursive.prefix.network_address) in render(core, table)
    assert apply_lines(core, [static_line(core, gateway, str(lan.next_hop), add=False)]) == []
    routes = get_routing_table(core)
    (default,) = [r for r in routes if r.prefix == IPv4Network("0.0.0.0/0")]
    # Whatever else the next hop now falls in (or nothing), never the default route.
    assert all(r.via != default.next_hop for r in routes if r.prefix == lan.prefix)
    assert flow.id in affected(district, before)
    assert answer(network, flow)[0] is False


def test_removing_a_return_route_fails_exactly_that_units_flows() -> None:
    district = build(*DISTRICTS[1])
    before = baseline(district)
    flow, core, lan = find_static_return(district)
    line = static_undo(
        core,
        str(lan.prefix.network_address),
        str(lan.prefix.netmask),
        lan.prefix.prefixlen,
        str(lan.next_hop),
    )
    assert apply_lines(core, [line]) == []
    unit_flows = {
        f.id
        for f in district.truth.flows
        if f.works and f.source == flow.source and core.hostname in f.path
    }
    assert flow.id in unit_flows
    assert affected(district, before) == unit_flows


def test_a_carrier_dropping_the_dedicated_vlan_fails_only_the_dedicated_flow() -> None:
    district = build(*DISTRICTS[1])
    before = baseline(district)
    flow = next(f for f in district.truth.flows if f.kind == "extranet_dedicated" and f.works)
    device = district.get_device(flow.host)
    assert device is not None
    sub = next(i for i in device.interfaces if i.vpn_instance == flow.vpn_instance and i.dot1q)
    port = f"{device.hostname}:{sub.name.split('.')[0]}"
    link = next(ln for ln in district.links if port in (ln.a, ln.b))
    link.dropped_vlans.append(sub.dot1q)  # type: ignore[arg-type]
    assert sub.oper_up  # the sub-interface stays up, as real ones do: only traffic tells
    assert affected(district, before) == {flow.id}


def test_leaving_the_business_lan_in_the_global_table_fails_the_dedicated_flow() -> None:
    district = build(*DISTRICTS[1])
    flow = next(f for f in district.truth.flows if f.kind == "extranet_dedicated" and f.works)
    network = Network(district)
    moved = ProbeRequest(IPv4Address(flow.destination), None, IPv4Address(flow.source))
    device = district.get_device(flow.host)
    assert device is not None
    terminal = next(i for i in device.interfaces if i.address and str(i.address.ip) == flow.source)
    terminal.vpn_instance = None  # the LAN never bound to the VPN: the old, global table
    assert network.probe(flow.host, moved).outcome is not Outcome.REPLY
    # The flow follows its gateway address into the global table, where it fails too.
    sent = network.check_flow(flow)
    assert sent.request.vpn is None and sent.outcome is not Outcome.REPLY


def test_shutting_a_units_line_fails_its_flows_over_that_line() -> None:
    district = build(*DISTRICTS[0])
    before = baseline(district)
    flow = next(f for f in district.truth.flows if f.kind == "vertical" and f.works)
    device = district.get_device(flow.host)
    assert device is not None
    upstream = district.get_device(flow.path[1])
    assert upstream is not None
    iface = next(
        i
        for i in device.interfaces
        if i.kind is InterfaceKind.PHYSICAL
        and i.address
        and any(u.address and u.address.network == i.address.network for u in upstream.interfaces)
    )
    iface.admin_up = False
    over = {f.id for f in district.truth.flows if f.works and f.path[:2] == flow.path[:2]}
    assert affected(district, before) == over


def find_sub_lines(district: District) -> dict[str, tuple[FlowTruth, str]]:
    """Per platform, a working flow in a VPN that leaves its router by an 802.1Q
    sub-interface of that VPN (the dedicated zone's VLAN on the CE's line), and that
    sub-interface."""
    found: dict[str, tuple[FlowTruth, str]] = {}
    for flow in district.truth.flows:
        device = district.get_device(flow.host)
        if not flow.works or flow.vpn_instance is None or device is None:
            continue
        if device.platform in found:
            continue
        for sub in device.interfaces:
            if sub.dot1q and sub.parent and sub.vpn_instance == flow.vpn_instance:
                found[device.platform] = (flow, sub.name)
                break
    return found


BRIEF = {
    "huawei": "display ip interface brief",
    "hp_comware": "display ip interface brief",
    "cisco_ios": "show ip interface brief",
}


def test_shutting_a_port_takes_its_sub_interfaces_down_with_it() -> None:
    """A port shut in configuration takes its sub-interfaces down, as on the devices: the
    flow over the sub-interface stops, its routes go, its counters and its port's stop, and
    the brief listings show it down (its own configuration is not shut); undone, it works."""
    district = build(*DISTRICTS[1])
    lines = find_sub_lines(district)
    assert set(lines) == {"huawei", "hp_comware", "cisco_ios"}, lines
    network = Network(district)
    for platform, (flow, name) in lines.items():
        device = district.get_device(flow.host)
        assert device is not None
        sub = device.get_interface(name)
        assert sub is not None and sub.parent is not None and sub.oper_up
        assert answer(network, flow)[0] and min(network.counters.get_pps(flow.host, name)) > 0
        network.before_change(flow.host)
        assert apply_lines(device, [f"interface {sub.parent}", "shutdown"]) == []
        network.note_change()
        assert sub.admin_up and not sub.oper_up, platform
        routes = get_routing_table(device, sub.vpn_instance)
        assert not [r for r in routes if r.interface == name], platform
        assert network.check_flow(flow).outcome is not Outcome.REPLY, platform
        assert network.counters.get_pps(flow.host, name) == (0.0, 0.0), platform
        assert network.counters.get_pps(flow.host, sub.parent) == (0.0, 0.0), platform
        number = re.sub("^[A-Za-z-]+", "", name)  # Comware lists GE1/0/1.200
        listed = render(device, BRIEF[platform]).splitlines()
        (row,) = [r for r in listed if r and re.sub("^[A-Za-z-]+", "", r.split()[0]) == number]
        assert "up" not in row.lower().split()[1:] and "*down" not in row, row
        undo = "no shutdown" if platform == "cisco_ios" else "undo shutdown"
        network.before_change(flow.host)
        assert apply_lines(device, [f"interface {sub.parent}", undo]) == []
        network.note_change()
        assert sub.oper_up and answer(network, flow)[0], platform


# --- over SSH ---------------------------------------------------------------------------


# Over SSH, the first district in the default run; the two larger ones with the slow suites.
SERVED = [
    pytest.param(d, id=d[0], marks=[pytest.mark.slow] if i else []) for i, d in enumerate(DISTRICTS)
]


@pytest.fixture(scope="module", params=SERVED)
def served(request: pytest.FixtureRequest) -> Iterator[tuple[District, str, str]]:
    with serve_district(*request.param) as served:
        yield served


def get_probes(device: Device) -> Probes:
    probes = get_vendor(device.platform).probes
    assert probes is not None
    return probes


def replied(output: str) -> bool:
    """Whether every echo came back, as the vendor's own summary line says."""
    ios = re.search(r"Success rate is (\d+) percent", output)
    if ios:
        return ios.group(1) == "100"
    loss = re.search(r"([\d.]+)% packet loss", output)
    assert loss, output
    return float(loss.group(1)) == 0.0


def test_pinging_over_ssh_from_each_flows_router_agrees_with_the_truth(
    served: tuple[District, str, str],
) -> None:
    district, username, password = served
    network = Network(district)
    by_host: dict[str, list[FlowTruth]] = {}
    for flow in district.truth.flows:
        by_host.setdefault(flow.host, []).append(flow)
    wrong = []
    traced = 0
    for host, flows in by_host.items():
        device = district.get_device(host)
        assert device is not None
        conn = ConnectHandler(
            device_type=device.platform,
            host="127.0.0.1",
            port=device.port,
            username=username,
            password=password,
            secret=password,
            fast_cli=True,
        )
        try:
            for flow in flows:
                ping = get_probes(device).type_ping(get_flow_request(flow))
                output = str(conn.send_command(ping, read_timeout=30))
                if replied(output) != flow.works:
                    wrong.append(f"{flow.id}: truth {flow.works}, ping said:\n{output}")
                if flow.works and traced < 6:  # traceroute shows the truth's path
                    traced += 1
                    trace = get_probes(device).type_trace(get_flow_request(flow))
                    text = str(conn.send_command(trace, read_timeout=60))
                    hops = network.check_flow(flow).hops
                    shown = re.findall(r"^\s*\d+\s+(\d+\.\d+\.\d+\.\d+)", text, re.MULTILINE)
                    if shown != [str(h.address) for h in hops]:
                        wrong.append(f"{flow.id}: traceroute {shown}, path {flow.path}:\n{text}")
        finally:
            conn.disconnect()
    assert traced > 0
    assert wrong == []


def bgp_peers_command(device: Device, vpn: str) -> str:
    """The command that lists a router's BGP peers in a VPN instance / VRF."""
    if device.platform == "cisco_ios":
        return "show ip bgp vpnv4 all summary"
    if device.platform == "hp_comware":
        return f"display bgp peer ipv4 vpn-instance {vpn}"
    return "display bgp vpnv4 all peer"


def test_bgp_sessions_follow_the_line_and_both_ends_configuration() -> None:
    """A CE–PE BGP session in a VPN: a peer on one side only is Idle on both; shutting the
    CE's port takes the session down on the PE too, and the routes learned over it."""
    district = build(*DISTRICTS[2])
    network = Network(district)
    ce, pe, peer = next(
        (d, core, p)
        for d in district.devices
        for p in d.bgp_peers
        if p.vpn_instance is not None
        for core in district.devices
        if any(i.address and i.address.ip == p.address for i in core.interfaces)
    )
    mine = next(i for i in ce.interfaces if i.address and peer.address in i.address.network)
    assert mine.address is not None
    (back,) = [p for p in pe.bgp_peers if p.address == mine.address.ip]
    vpn = back.vpn_instance
    assert vpn is not None and peer.established and back.established
    assert any(r.next_hop == back.address for r in get_routing_table(pe, vpn))

    pe.bgp_peers.remove(back)  # the PE forgets the CE: the CE's peer cannot come up
    assert network.note_change() == [f"{ce.hostname} BGP {peer.address}"]
    assert not peer.established
    pe.bgp_peers.append(back)
    assert network.note_change() == [f"{ce.hostname} BGP {peer.address}"]
    assert peer.established

    assert apply_lines(ce, [f"interface {mine.name}", "shutdown"]) == []
    assert sorted(network.note_change()) == sorted(
        [f"{ce.hostname} BGP {peer.address}", f"{pe.hostname} BGP {back.address}"]
    )
    assert not peer.established and not back.established
    assert not any(r.next_hop == back.address for r in get_routing_table(pe, vpn))
    assert "Idle" in render(pe, bgp_peers_command(pe, vpn))
