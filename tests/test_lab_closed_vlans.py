"""The lab's `closed_vlans` fault: a host's carrier circuits pass only the VLANs they had when
the district was made. A sub-interface added later comes up (real ones do) but no packet
crosses in its VLAN, so only a check that sends traffic can tell; the flows that exist keep
working exactly as the truth says, and the fault survives district.json."""

from __future__ import annotations

import tempfile
from ipaddress import IPv4Address, IPv4Interface
from pathlib import Path

import pytest

from govnet_lab.configure import apply_lines
from govnet_lab.dataplane import Network, Outcome, ProbeRequest
from govnet_lab.district import District, district_from_json, district_to_json, load_district
from govnet_lab.generate import generate_lab
from govnet_lab.model import Device, Fault, Link, link_end, link_host

COUNTY, SEED, SIZE = "500112", 4, 80
NEW_VLAN = 3999  # no generated sub-interface uses it
# The line that makes a sub-interface's VLAN, per vendor (playbooks/templates/*/dedicated_vpn.j2)
DOT1Q = {
    "huawei": "dot1q termination vid {}",
    "hp_comware": "vlan-type dot1q vid {}",
    "cisco_ios": "encapsulation dot1Q {}",
}


def build(faults: str | None) -> District:
    with tempfile.TemporaryDirectory() as root:
        return load_district(generate_lab(Path(root), COUNTY, SEED, SIZE, faults))


def test_link_passes_only_its_allowed_vlans_and_untagged_frames() -> None:
    link = Link("r1:GE0/0/1", "r2:GE0/0/1", "C-1", allowed_vlans=[100])
    assert [link.passes("r1:GE0/0/1", v) for v in (None, 100, 200)] == [True, True, False]
    assert Link("r1:GE0/0/1", "r2:GE0/0/1").passes("r2:GE0/0/1", 200)  # None: every VLAN


@pytest.fixture(scope="module")
def faulted() -> tuple[District, Device, Link]:
    clean = build(None)
    flow = next(f for f in clean.truth.flows if f.kind == "extranet_dedicated" and f.works)
    district = build(f"closed_vlans={flow.host}")
    device = district.get_device(flow.host)
    assert device is not None and Fault.CLOSED_VLANS in device.faults
    sub = next(i for i in device.interfaces if i.vpn_instance == flow.vpn_instance and i.dot1q)
    end = link_end(device.hostname, sub.name)
    link = next(ln for ln in district.links if end in (ln.a, ln.b))
    assert link.circuit is not None and link.allowed_vlans is not None
    assert sub.dot1q in link.allowed_vlans
    return district, device, link


def test_every_flow_still_works_as_the_truth_says(faulted: tuple[District, Device, Link]) -> None:
    district, _device, _link = faulted
    network = Network(district)
    wrong = []
    for flow in district.truth.flows:
        probe = network.check_flow(flow)
        works = probe.outcome is Outcome.REPLY
        if works != flow.works or (works and list(probe.path) != flow.path):
            wrong.append(f"{flow.id}: {probe.reason}")
    assert wrong == []


def test_a_new_vlan_is_up_at_both_ends_but_carries_nothing(
    faulted: tuple[District, Device, Link],
) -> None:
    district, device, link = faulted
    mine = link.a if link_host(link.a) == device.hostname else link.b
    far = link.get_peer(mine)
    assert far is not None
    peer = district.get_device(link_host(far))
    assert peer is not None
    addresses = {device.hostname: "10.255.254.1", peer.hostname: "10.255.254.2"}
    for router, end in ((device, mine), (peer, far)):
        name = f"{end.split(':', 1)[1]}.{NEW_VLAN}"
        lines = [
            f"interface {name}",
            " " + DOT1Q[router.platform].format(NEW_VLAN),
            f" ip address {addresses[router.hostname]} 255.255.255.252",
        ]
        assert apply_lines(router, lines) == []
        iface = router.get_interface(name)
        assert iface is not None and iface.oper_up and iface.dot1q == NEW_VLAN
        assert iface.address == IPv4Interface(f"{addresses[router.hostname]}/30")
    request = ProbeRequest(IPv4Address(addresses[peer.hostname]))
    probe = Network(district).probe(device.hostname, request)
    assert probe.outcome is Outcome.TIMEOUT
    assert f"does not pass VLAN {NEW_VLAN}" in probe.reason
    closed, link.allowed_vlans = link.allowed_vlans, None  # the carrier opens the VLAN...
    try:
        assert Network(district).probe(device.hostname, request).outcome is Outcome.REPLY
    finally:
        link.allowed_vlans = closed


def test_the_closed_circuits_survive_district_json(faulted: tuple[District, Device, Link]) -> None:
    district, _device, link = faulted  # itself read back from district.json
    again = district_from_json(district_to_json(district))
    (copy,) = [ln for ln in again.links if (ln.a, ln.b) == (link.a, link.b)]
    assert copy.allowed_vlans == link.allowed_vlans
