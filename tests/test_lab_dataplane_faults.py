"""Faults of the data plane (--faults drop_vlan|one_way|blackhole|no_return): with each one
injected, every flow of the ground truth works or fails as the truth says by the lab's own
answer, the flows that stop working are exactly those the truth marks broken, and a ping
over SSH from a broken flow's router times out while traceroute stops where the fault is.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

import pytest
import yaml
from netmiko import ConnectHandler

from govnet_lab.dataplane import Network, Outcome, get_flow_request
from govnet_lab.district import DataplaneFaultTruth, District, FlowTruth, load_district
from govnet_lab.generate import TRUTH_FILE, FaultSpecError, generate_lab
from govnet_lab.model import Link, get_routing_table
from govnet_lab.vendors import get_vendor
from lab_served import serve_district

# Three districts (the same as tests/test_lab_dataplane.py): every vendor is a unit's router,
# a county core and a PE somewhere.
DISTRICTS = [("370702", 1, 30), ("500112", 4, 80), ("510104", 5, 60)]
FAULTS = ("drop_vlan", "one_way", "blackhole", "no_return")


def build(
    county: str, seed: int, routers: int, faults: str | None
) -> tuple[District, dict[str, Any]]:
    """The district as saved and loaded back, and its ground_truth.yaml."""
    with tempfile.TemporaryDirectory() as root:
        district = load_district(generate_lab(Path(root), county, seed, routers, faults))
        truth = yaml.safe_load((Path(root) / TRUTH_FILE).read_text(encoding="utf-8"))
    return district, truth


def lab_answers(district: District) -> dict[str, tuple[bool, list[str]]]:
    network = Network(district)
    answers = {}
    for flow in district.truth.flows:
        probe = network.check_flow(flow)
        works = probe.outcome is Outcome.REPLY
        answers[flow.id] = (works, list(probe.path) if works else [])
    return answers


def get_link(district: District, fault: DataplaneFaultTruth) -> Link:
    return next(ln for ln in district.links if ln.circuit == fault.circuit)


def check_made(district: District, fault: DataplaneFaultTruth) -> None:
    """The fault is in the district's state as its truth describes it."""
    if fault.fault in ("drop_vlan", "one_way"):
        link = get_link(district, fault)
        if fault.fault == "one_way":
            assert link.one_way and [link.a, link.b] == fault.ends
            return
        assert fault.vlan in link.dropped_vlans
        for end in (link.a, link.b):  # both sub-interfaces stay up, as real ones do
            host, port = end.split(":", 1)
            device = district.get_device(host)
            assert device is not None
            sub = next(i for i in device.interfaces if i.name == f"{port}.{fault.vlan}")
            assert sub.oper_up
        return
    assert fault.router is not None and fault.prefix is not None
    router = district.get_device(fault.router)
    assert router is not None
    table = get_routing_table(router, fault.vpn_instance)
    prefix = IPv4Network(fault.prefix)
    if fault.fault == "blackhole":
        assert any(r.prefix == prefix and r.interface == "NULL0" for r in table)
    else:
        assert not any(
            r.prefix.prefixlen > 0
            and prefix.subnet_of(r.prefix)
            and str(r.next_hop) == fault.next_hop
            for r in table
        )


@pytest.fixture(scope="module", params=DISTRICTS, ids=[d[0] for d in DISTRICTS])
def clean(request: pytest.FixtureRequest) -> tuple[tuple[str, int, int], District]:
    args: tuple[str, int, int] = request.param
    return args, build(*args, None)[0]


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_breaks_exactly_the_flows_the_truth_says(
    clean: tuple[tuple[str, int, int], District], fault: str
) -> None:
    args, before = clean
    district, truth = build(*args, f"{fault}=2")
    faults = district.truth.dataplane_faults
    assert [f.fault for f in faults] == [fault, fault]
    assert len({f.host for f in faults}) == 2
    for made in faults:
        check_made(district, made)
    # The truth: the flows each fault names, and only those, stopped working.
    was = {f.id: f for f in before.truth.flows}
    broken = {f.id for f in district.truth.flows if was[f.id].works and not f.works}
    assert broken == {i for f in faults for i in f.flows} and broken
    for flow in district.truth.flows:
        if flow.id in broken:
            assert flow.path == [] and f"broken by {fault}" in flow.reason
        else:
            assert (flow.works, flow.path, flow.reason) == (
                was[flow.id].works,
                was[flow.id].path,
                was[flow.id].reason,
            )
    # The lab's own answer, from the district as saved and loaded: every flow as the truth.
    answers = lab_answers(district)
    assert {i: a for i, a in answers.items()} == {
        f.id: (f.works, f.path) for f in district.truth.flows
    }
    assert {i for i, (works, _) in lab_answers(before).items() if works and not answers[i][0]} == (
        broken
    )
    # ground_truth.yaml lists the faults and the broken flows.
    assert [(f["fault"], f["host"], f["flows"]) for f in truth["dataplane_faults"]] == [
        (f.fault, f.host, f.flows) for f in faults
    ]


def test_a_fault_is_drawn_from_the_seed() -> None:
    one = build(*DISTRICTS[0], "drop_vlan=1,blackhole=0.5")[0].truth.dataplane_faults
    assert one == build(*DISTRICTS[0], "drop_vlan=1,blackhole=0.5")[0].truth.dataplane_faults


def test_a_named_host_without_a_line_for_the_fault_is_a_clear_error(
    clean: tuple[tuple[str, int, int], District],
) -> None:
    args, district = clean
    firewall = next(d.hostname for d in district.devices if d.role == "firewall")
    for fault in FAULTS:
        with tempfile.TemporaryDirectory() as root:
            with pytest.raises(FaultSpecError, match=rf"{fault} fits no line of {firewall}"):
                generate_lab(Path(root), *args, f"{fault}={firewall}")
            assert list(Path(root).iterdir()) == []  # nothing written
    with (
        tempfile.TemporaryDirectory() as root,
        pytest.raises(FaultSpecError, match="fits a line of only"),
    ):
        generate_lab(Path(root), *args, f"no_return={args[2]}")


# --- over SSH ---------------------------------------------------------------------------

# Faults deep in a path, so traceroute has routers to show before the fault: the Option A
# VLAN of a dedicated-zone VPN on a county core's uplink to the city (a flow from a unit's
# router, through the core), the county exit's internet line; and a drawn black hole.
SERVED = "drop_vlan=c370702-dsj-core2,one_way=c370702-dsj-inet1,blackhole=1"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[District, str, str]]:
    with serve_district(*DISTRICTS[0], faults=SERVED) as served:
        yield served


def where_it_stops(fault: DataplaneFaultTruth, path: list[str]) -> int:
    """The index in a flow's path (before the fault) of the first router beyond it."""
    if fault.router is not None:
        return path.index(fault.router)
    hosts = [end.split(":", 1)[0] for end in fault.ends]
    return next(i for i in range(1, len(path)) if {path[i - 1], path[i]} == set(hosts))


def test_a_faulted_flow_times_out_over_ssh_and_traceroute_stops_at_the_fault(
    served: tuple[District, str, str],
) -> None:
    district, username, password = served
    before = {f.id: f for f in build(*DISTRICTS[0], None)[0].truth.flows}
    network = Network(district)
    faults = district.truth.dataplane_faults
    assert sorted(f.fault for f in faults) == ["blackhole", "drop_vlan", "one_way"]
    for fault in faults:
        others = {i for f in faults if f is not fault for i in f.flows}
        flow: FlowTruth = max(  # the flow broken furthest from its router
            (f for f in district.truth.flows if f.id in fault.flows and f.id not in others),
            key=lambda f: where_it_stops(fault, before[f.id].path),
        )
        device = district.get_device(flow.host)
        assert device is not None
        probes = get_vendor(device.platform).probes
        assert probes is not None
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
            ping = str(conn.send_command(probes.type_ping(get_flow_request(flow)), read_timeout=30))
            trace = str(
                conn.send_command(probes.type_trace(get_flow_request(flow)), read_timeout=60)
            )
        finally:
            conn.disconnect()
        # Every echo timed out, in the vendor's words (VRP and Comware print "Request time
        # out" per echo, IOS a "." per echo and a success rate of 0).
        if device.platform == "cisco_ios":
            assert "\n.....\n" in ping and "Success rate is 0 percent (0/5)" in ping, ping
        else:
            assert ping.count("Request time out") == 5 and "100.0" in ping, ping
        # Traceroute shows the routers before the fault, then nothing answers.
        path = before[flow.id].path
        stop = where_it_stops(fault, path)
        hops = [h for h in network.check_flow(flow).hops if h.answered]
        assert [h.host for h in hops] == path[1:stop], (fault, path)
        assert stop > 1 or fault.fault == "blackhole"  # the routers before it answer
        shown = re.findall(r"^\s*\d+\s+(\d+\.\d+\.\d+\.\d+)", trace, re.MULTILINE)
        assert shown == [str(h.address) for h in hops], trace
        assert re.search(r"^\s*\d+\s+\*\s+\*\s+\*\s*$", trace, re.MULTILINE), trace
        assert IPv4Address(flow.destination) not in {IPv4Address(a) for a in shown}
