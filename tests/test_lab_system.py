"""The lab's upstream side of a vertical business moving onto the dedicated zone: each
carried system's node on the city's dedicated zone in its VPN, flows that follow their
gateway address when a cutover moves it, and the system's operator (played by the lab)
moving the unit's return route from the old line to the extranet. In-process, on the data
plane, as tests/test_plan_upstream.py."""

from __future__ import annotations

import json
from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from govnet.app.project import init_project
from govnet.model.plans import Plan, SystemRequest
from govnet.model.policy import POLICY_FILE, load_policy
from govnet_lab.city import SystemRequestError, get_city_lines, get_system_lines
from govnet_lab.dataplane import Network, Outcome, ProbeRequest
from govnet_lab.district import District as Lab
from govnet_lab.district import load_district
from govnet_lab.generate import generate_lab
from govnet_lab.generate.lines import get_extranet_systems
from govnet_lab.generate.upstream import CITY, get_system_node
from govnet_lab.server import apply_requests
from test_plan import DIALECTS, District
from test_plan_upstream import apply, plans_together

COUNTY, SEED, SIZE = "370702", 1, 30  # the README's lab: 卫健 on its own line from ce2
UNIT, VPN = "c370702-weijian", "zw-weijian"
CE1, CE2, NODE = "c370702-weijian-ce1", "c370702-weijian-ce2", get_system_node("weijian")
SERVER = IPv4Address("10.178.0.10")
SECONDS = 60.0


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    root = tmp_path_factory.mktemp("system-district")
    generate_lab(root, COUNTY, SEED, SIZE, None)
    return District(root)


@pytest.fixture(scope="module")
def plan(district: District) -> Plan:
    return next(p for p in plans_together(district) if p.unit == UNIT)


def load(district: District) -> Lab:
    return load_district(district.root / ".govnet/lab/district.json")


def test_carried_systems_sit_on_the_citys_dedicated_zone(district: District) -> None:
    """Each carried system's node has a link to the city, whose port is in the system's VPN
    with the catalogue's RD and routes to the system's prefixes; national and isolated
    systems keep their own lines only."""
    lab = load(district)
    city = lab.get_device(CITY)
    assert city is not None
    carried = get_extranet_systems()
    assert "weijian" in carried and "gongan" not in carried and "jinshui" not in carried
    nodes = [d for d in lab.upstream if d.hostname.startswith("up-")]
    attached = 0
    for node in nodes:
        key = node.hostname.removeprefix("up-")
        to_city = [i for i in node.interfaces if i.description == f"To-{CITY}"]
        if key not in carried:
            assert not to_city, node.hostname
            continue
        attached += 1
        (port,) = to_city
        assert port.vpn_instance is None and port.address is not None
        vpn = city.get_vpn_instance(f"zw-{key}")
        assert vpn is not None and vpn.route_distinguisher == carried[key]
        back = [r for r in city.static_routes if r.next_hop == port.address.ip]
        assert back and all(r.vpn_instance == f"zw-{key}" for r in back)
        summaries = {r.prefix for r in node.static_routes if r.prefix.prefixlen <= 16}
        assert IPv4Network("172.16.0.0/12") in summaries
    assert attached >= 3


def test_the_pe_reaches_the_system_in_its_vpn_once_the_city_has_its_side(
    district: District, plan: Plan
) -> None:
    """The PE's hand-off address pings the system's server in the VPN: the city routes it
    to the node, the node's summary brings the answer back."""
    (r,) = plan.requests
    lab = load(district)
    net = Network(lab)
    city, pe = lab.get_device(CITY), lab.get_device(r.pe)
    assert city is not None and pe is not None
    apply(net, city, get_city_lines(lab, r))
    apply(net, pe, DIALECTS[pe.platform].to_push_lines(plan.steps[r.before_step - 1].config))
    probe = net.probe(r.pe, ProbeRequest(SERVER, VPN, IPv4Address(r.pe_address)))
    assert probe.outcome is Outcome.REPLY, probe.reason
    assert probe.path == (r.pe, CITY, NODE)


def rates(net: Network, host: str, port: str) -> int:
    counts = net.counters.read(host).get(port)
    return 0 if counts is None else counts.in_pps + counts.out_pps


def test_the_flow_follows_its_gateway_and_the_operator_brings_it_back(
    district: District, plan: Plan
) -> None:
    """The cutover by hand: the plan's city, PE and CE sides; the LAN's gateway address
    moved into the VPN on ce1 (both up a moment: the flow stays on ce2), ce2's LAN port
    shut; the operator's routes via the city: the vertical flow works from ce1 in the VPN,
    and ce2's old line carries nothing."""
    (r,) = plan.requests
    lab = load(district)
    clock = Clock()
    net = Network(lab, clock)
    (flow,) = [f for f in lab.truth.flows if f.unit == UNIT and f.kind == "vertical"]
    assert (flow.host, flow.source, flow.destination) == (CE2, "10.70.7.2", str(SERVER))
    old_line = "GigabitEthernet0/0/2"  # ce2's line to the node, as the generator built it
    assert net.check_flow(flow).path == (CE2, NODE)
    assert rates(net, CE2, old_line) > 0
    city = lab.get_device(CITY)
    assert city is not None
    apply(net, city, get_city_lines(lab, r))
    for step in plan.steps:
        if step.approach == "dedicated_vpn":
            device = lab.get_device(step.host)
            assert device is not None
            apply(net, device, DIALECTS[device.platform].to_push_lines(step.config))
    ce1, ce2 = lab.get_device(CE1), lab.get_device(CE2)
    assert ce1 is not None and ce2 is not None
    apply(
        net,
        ce1,
        [
            "interface GigabitEthernet0/0/0.3001",
            " dot1q termination vid 3001",
            f" ip binding vpn-instance {VPN}",
            " ip address 10.70.7.2 255.255.255.128",
        ],
    )
    assert net.check_flow(flow).path == (CE2, NODE), "both up: the flow stays on its host"
    apply(net, ce2, ["interface GigabitEthernet0/0/0", " shutdown"])
    moved = net.check_flow(flow)
    assert moved.path[0] == CE1 and moved.request.vpn == VPN
    assert moved.outcome is not Outcome.REPLY, "the node still routes the LAN to the old line"
    old_hop = next(i for i in ce2.interfaces if i.name == old_line).address
    assert old_hop is not None
    request = SystemRequest("卫生健康专网", "卫健", VPN, ["10.70.7.0/25"], None, str(old_hop.ip), 4)
    node = lab.get_device(NODE)
    assert node is not None
    host, lines = get_system_lines(lab, request)
    assert (
        host == NODE and lines[0] == f"undo ip route-static 10.70.7.0 255.255.255.128 {old_hop.ip}"
    )
    apply(net, node, lines)
    works = net.check_flow(flow)
    assert works.outcome is Outcome.REPLY, works.reason
    assert works.path[0] == CE1 and works.path[-2:] == (CITY, NODE)
    clock.now += SECONDS
    assert rates(net, CE2, old_line) == 0
    assert rates(net, CE1, "GigabitEthernet0/0/0.3001") > 0
    before = net.counters.read(CE2)[old_line]
    clock.now += SECONDS
    assert net.counters.read(CE2)[old_line] == before


def test_a_request_the_lab_cannot_carry_out_is_refused_clearly(district: District) -> None:
    lab = load(district)
    request = SystemRequest("无此系统", "无此系统", "zw-nothing", ["10.70.7.0/25"], None, None, 1)
    with pytest.raises(SystemRequestError, match="no node of the system 无此系统"):
        get_system_lines(lab, request)
    national = replace(request, system="金税", vpn="zw-jinshui")
    with pytest.raises(SystemRequestError, match="no link to city-zwww-core"):
        get_system_lines(lab, national)


def test_the_lab_project_names_each_systems_probe(district: District) -> None:
    """The synthesized project's policy: the bundled one, with each attached node's server
    as its system's probe address (none for national, police or local systems, which the
    extranet does not reach); the comments kept."""
    policy = load_policy(district.root)
    probes = {s.key: s.probe for s in policy.catalogue if s.probe is not None}
    assert probes["weijian"] == SERVER
    lab = load(district)
    built = {d.hostname.removeprefix("up-") for d in lab.upstream if d.hostname.startswith("up-")}
    assert set(probes) == built & set(get_extranet_systems())
    text = (district.root / POLICY_FILE).read_text(encoding="utf-8")
    assert "# catalogue" in text
    assert district.policy == policy


def test_the_bundled_policy_has_no_probes() -> None:
    assert not any(s.probe for s in load_policy(None).catalogue)


def test_the_running_lab_takes_lines_for_a_system_node(district: District, tmp_path: Path) -> None:
    """What `govnet lab apply --host up-weijian FILE` asks of the lab's server: the system's
    node is an upstream router, so its operator's lines are typed into it."""
    lab = load(district)
    net = Network(lab)
    line = "ip route-static 192.0.2.0 255.255.255.0 NULL0"
    request = tmp_path / "one.json"
    request.write_text(json.dumps({"host": NODE, "lines": [line]}), encoding="utf-8")
    apply_requests(tmp_path, net)
    answer = json.loads((tmp_path / "one.done").read_text(encoding="utf-8"))
    assert answer == {"rejected": []}
    assert any(r.prefix == IPv4Network("192.0.2.0/24") for r in net.get_device(NODE).static_routes)


def test_a_projects_own_policy_is_left_alone(tmp_path: Path) -> None:
    """The example project (`govnet init`, the demo's) keeps its policy: only a project the
    lab synthesizes gets the lab's probes."""
    init_project(tmp_path)
    before = (tmp_path / POLICY_FILE).read_bytes()
    generate_lab(tmp_path, None, SEED, None, None)
    assert (tmp_path / POLICY_FILE).read_bytes() == before
    assert not any(s.probe for s in load_policy(tmp_path).catalogue)
