"""A district whose dedicated zone reaches the city over MP-BGP VPNv4 (``handoff="vpnv4"``):
its flows work as the ground truth says, over the VPNv4 routes; taking away the session, a
route target, MPLS or the multihop setting breaks exactly the flows that need them; each
vendor's configuration mode takes the lines that build the PE's side and the lab then
carries the flows again. Option A stays the default, byte for byte.
"""

from __future__ import annotations

import tempfile
from ipaddress import IPv4Address
from pathlib import Path

import pytest
import yaml

from govnet.model.facts import HostFacts, Neighbour
from govnet.platforms import load_platforms
from govnet_lab.configure import apply_lines
from govnet_lab.dataplane import Network
from govnet_lab.district import District, load_district
from govnet_lab.facts import get_device_facts
from govnet_lab.generate import as_platform, generate_lab
from govnet_lab.generate.upstream import CITY
from govnet_lab.generate.vpnv4 import get_loopback
from govnet_lab.model import BgpPeer, Device
from govnet_lab.render import render
from govnet_lab.vendors import get_vendor
from test_lab_dataplane import DISTRICTS, affected, answer, baseline
from test_normalise import survey_outputs

PLATFORMS = ("huawei", "hp_comware", "cisco_ios")
OPTION_A_VLANS = 2001  # the first VLAN of an Option A district's sub-interfaces to the city


def build(county: str, seed: int, routers: int, handoff: str = "vpnv4") -> District:
    with tempfile.TemporaryDirectory() as root:
        path = generate_lab(Path(root), county, seed, routers, None, handoff=handoff)  # type: ignore[arg-type]
        return load_district(path)


def pe_peer(district: District, host: str) -> tuple[Device, BgpPeer]:
    device = district.get_device(host)
    assert device is not None
    return device, next(p for p in device.bgp_peers if p.vpnv4)


def dedicated_over(district: District, pe: str) -> set[str]:
    """The working dedicated-zone flows whose path crosses county PE ``pe``."""
    return {
        f.id
        for f in district.truth.flows
        if f.kind == "extranet_dedicated" and f.works and pe in f.path
    }


@pytest.fixture(scope="module")
def vpnv4() -> District:
    return build(*DISTRICTS[0])


def test_option_a_stays_the_default_byte_for_byte() -> None:
    texts = []
    for handoff in (None, "option_a", "vpnv4"):
        with tempfile.TemporaryDirectory() as root:
            extra = {} if handoff is None else {"handoff": handoff}
            path = generate_lab(Path(root), *DISTRICTS[0], None, **extra)  # type: ignore[arg-type]
            truth = (Path(root) / "lab" / "ground_truth.yaml").read_text(encoding="utf-8")
            texts.append((path.read_text(encoding="utf-8"), truth))
    assert texts[0] == texts[1]
    for word in ("vpnv4", "mpls", "connect_interface", "ebgp_max_hop", "remote_vpn"):
        assert f'"{word}"' not in texts[0][0]
        assert f'"{word}"' in texts[2][0]
    # The same flows, working or not as before (the lines differ: no Option A sub-interfaces)
    flows = [yaml.safe_load(t[1])["flows"] for t in texts]
    assert flows[2] == flows[0]
    with tempfile.TemporaryDirectory() as root, pytest.raises(ValueError, match="handoff"):
        generate_lab(Path(root), *DISTRICTS[0], None, handoff="option_b")  # type: ignore[arg-type]


@pytest.mark.parametrize("params", DISTRICTS, ids=[d[0] for d in DISTRICTS])
def test_every_flow_is_answered_as_the_truth_says_over_vpnv4(params: tuple[str, int, int]) -> None:
    district = build(*params)
    network = Network(district)
    for flow in district.truth.flows:
        assert answer(network, flow)[0] == flow.works, flow.id
    dedicated = [f for f in district.truth.flows if f.kind == "extranet_dedicated" and f.works]
    assert dedicated
    city = network.get_device(CITY)
    for flow in dedicated:
        pe = network.get_device(flow.path[1])
        # No Option A sub-interface: the VPN's routes to the city come over VPNv4, next hop
        # the city's loopback, and the packet reaches the city's server through the PE.
        assert not any((i.dot1q or 0) >= OPTION_A_VLANS for i in pe.interfaces)
        route = network.forwarding.lookup(pe, flow.vpn_instance, IPv4Address(flow.destination))
        assert route is not None and route.remote_vpn == flow.vpn_instance
        assert route.next_hop == get_loopback(city).address.ip  # type: ignore[union-attr]
        assert answer(network, flow)[1] == flow.path


def test_withdrawing_the_session_a_target_mpls_or_the_multihop_breaks_exactly_its_flows(
    vpnv4: District,
) -> None:
    before = baseline(vpnv4)
    assert all(before[f.id] == f.works for f in vpnv4.truth.flows)
    first = next(f for f in vpnv4.truth.flows if f.kind == "extranet_dedicated" and f.works)
    pe, peer = pe_peer(vpnv4, first.path[1])
    over_pe = dedicated_over(vpnv4, pe.hostname)
    assert over_pe
    assert pe.platform == "huawei"  # the synthesized county cores: the lines below are VRP's
    for off, on in (
        (
            ["ipv4-family vpnv4", f"undo peer {peer.address} enable"],
            ["ipv4-family vpnv4", f"peer {peer.address} enable"],
        ),
        ([f"undo peer {peer.address} ebgp-max-hop"], [f"peer {peer.address} ebgp-max-hop 255"]),
    ):
        assert apply_lines(pe, ["system-view", f"bgp {pe.bgp_as}", *off, "return"]) == []
        assert affected(vpnv4, before) == over_pe
        assert apply_lines(pe, ["system-view", f"bgp {pe.bgp_as}", *on, "return"]) == []
        assert affected(vpnv4, before) == set()
    assert apply_lines(pe, ["system-view", "undo mpls", "return"]) == []
    assert affected(vpnv4, before) == over_pe
    assert apply_lines(pe, ["system-view", "mpls", "return"]) == []
    assert affected(vpnv4, before) == set()
    # The city stops importing one VPN's target: that VPN's flows lose their way back.
    flow = next(f for f in vpnv4.truth.flows if f.id in over_pe)
    city = vpnv4.get_device(CITY)
    assert city is not None and flow.vpn_instance is not None
    instance = city.get_vpn_instance(flow.vpn_instance)
    assert instance is not None
    kept, instance.import_targets = instance.import_targets, []
    same_vpn = {
        f.id
        for f in vpnv4.truth.flows
        if f.kind == "extranet_dedicated" and f.works and f.vpn_instance == flow.vpn_instance
    }
    assert affected(vpnv4, before) == same_vpn
    instance.import_targets = kept
    assert affected(vpnv4, before) == set()


def handoff_lines(platform: str, pe: Device, city: IPv4Address, vpns: list[str]) -> list[str]:
    """The PE's side of the hand-off in the vendor's words, as govnet's plans type it."""
    lo, rid, asn = get_loopback(pe).name, pe.router_id, pe.bgp_as
    if platform == "cisco_ios":
        lines = [
            "configure terminal",
            "mpls label protocol ldp",
            f"router bgp {asn}",
            f" neighbor {city} remote-as 65000",
            f" neighbor {city} ebgp-multihop 255",
            f" neighbor {city} update-source {lo}",
            " address-family vpnv4",
            f"  neighbor {city} activate",
            f"  neighbor {city} send-community extended",
            " exit-address-family",
        ]
        for vpn in vpns:
            lines += [f" address-family ipv4 vrf {vpn}", "  redistribute static"]
            lines += ["  redistribute connected", " exit-address-family"]
        return [*lines, "end"]
    if platform == "hp_comware":
        lines = ["system-view", f"mpls lsr-id {rid}", "mpls ldp", "quit", f"bgp {asn}"]
        lines += [f" peer {city} as-number 65000", f" peer {city} connect-interface {lo}"]
        lines += [f" peer {city} ebgp-max-hop 255", " address-family vpnv4"]
        lines += [f"  peer {city} enable", "  quit"]
        for vpn in vpns:
            lines += [f" ip vpn-instance {vpn}", "  address-family ipv4 unicast"]
            lines += ["   import-route static", "   import-route direct", "   quit", "  quit"]
        return [*lines, "return"]
    lines = ["system-view", f"mpls lsr-id {rid}", "mpls", "quit", "mpls ldp", "quit"]
    lines += [f"bgp {asn}", f" peer {city} as-number 65000"]
    lines += [f" peer {city} ebgp-max-hop 255", f" peer {city} connect-interface {lo}"]
    lines += [" ipv4-family vpnv4", f"  peer {city} enable", "  quit"]
    for vpn in vpns:
        lines += [f" ipv4-family vpn-instance {vpn}", "  import-route static"]
        lines += ["  import-route direct", "  quit"]
    return [*lines, "return"]


RENDERED = {
    "huawei": ("ipv4-family vpnv4", "connect-interface LoopBack0", "ebgp-max-hop 255", "mpls ldp"),
    "hp_comware": ("address-family vpnv4", "connect-interface LoopBack0", "ebgp-max-hop 255"),
    "cisco_ios": ("address-family vpnv4", "update-source LoopBack0", "ebgp-multihop 255"),
}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_vendor_takes_the_pes_lines_and_the_flows_come_back(platform: str) -> None:
    district = build(*DISTRICTS[0])
    before = baseline(district)
    first = next(f for f in district.truth.flows if f.kind == "extranet_dedicated" and f.works)
    host = first.path[1]
    index = next(i for i, d in enumerate(district.devices) if d.hostname == host)
    pe = as_platform(district.devices[index], platform)
    district.devices[index] = pe
    peer = next(p for p in pe.bgp_peers if p.vpnv4)
    vpns = sorted({o.vpn_instance for o in pe.bgp_origins if o.vpn_instance and o.protocol})
    # The PE as before the hand-off: no MPLS, no VPNv4 session, its VPNs not in BGP.
    pe.mpls = False
    pe.bgp_peers.remove(peer)
    pe.bgp_origins = [o for o in pe.bgp_origins if not (o.vpn_instance in vpns and o.protocol)]
    assert affected(district, before) == dedicated_over(district, host)
    assert apply_lines(pe, handoff_lines(platform, pe, peer.address, vpns)) == []
    assert affected(district, before) == set()
    config = render(pe, get_vendor(platform).running_config)
    for words in RENDERED[platform]:
        assert words in config, words


# The command each vendor lists its VPNv4 sessions in, as its manuals verify a PE's session:
# VRP and IOS also list the session in the IPv4 unicast table (the peer is enabled there by
# default); Comware 7 only once `peer X enable` is given in a family, so only here.
VPNV4_PEERS = {
    "huawei": "display bgp vpnv4 all peer",
    "hp_comware": "display bgp peer vpnv4",
    "cisco_ios": "show ip bgp vpnv4 all summary",
}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_survey_reads_each_pes_vpnv4_session_on_each_vendor(
    vpnv4: District, platform: str
) -> None:
    collectors = load_platforms()
    pes = [as_platform(d, platform) for d in vpnv4.devices if any(p.vpnv4 for p in d.bgp_peers)]
    assert pes
    command = VPNV4_PEERS[platform]
    for pe in pes:
        peer = next(p for p in pe.bgp_peers if p.vpnv4)
        outputs = survey_outputs(collectors, pe)
        assert command in outputs
        facts, problems = collectors.parse(platform, outputs)
        assert problems == []
        # Every session as the lab's model has it (as_platform keeps VRP's interface names,
        # which IOS would not print: only the neighbours are compared).
        assert facts.neighbours == get_device_facts(pe).neighbours
        session = [(n.vpn_instance, n.remote_as, n.state) for n in bgp(facts, peer.address)]
        assert session == [(None, peer.remote_as, "established")]
        # The VPNv4 table lists the VPNv4 session, not the IPv4-unicast-only peers.
        listed = outputs[command]
        assert str(peer.address) in listed
        assert not any(
            str(p.address) in listed for p in pe.bgp_peers if not p.vpnv4 and not p.vpn_instance
        )
        without = {c: t for c, t in outputs.items() if c != command}
        facts, _ = collectors.parse(platform, without)
        state = [n.state for n in bgp(facts, peer.address)]
        assert state == (["established"] if platform != "hp_comware" else [None])
        peer.established = False  # the session down: the survey says so
        facts, problems = collectors.parse(platform, survey_outputs(collectors, pe))
        assert problems == [] and [n.state for n in bgp(facts, peer.address)] == ["idle"]


def bgp(facts: HostFacts, peer: IPv4Address) -> list[Neighbour]:
    return [n for n in facts.neighbours if n.protocol == "bgp" and n.peer == str(peer)]
