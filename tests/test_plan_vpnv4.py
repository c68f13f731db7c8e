"""The PE's hand-off over MP-BGP VPNv4 (policy ``migration.upstream.handoff: vpnv4``): the
PE step redistributes the VPN into BGP and reuses the surveyed session to the route
reflector (or builds one, with MPLS, when the survey has none), with no sub-interface or
static route upstream; its checks (session Established, the system's prefixes learned in the
VPN, a ping to the system) fail until the city has done its request, which names every value;
the plan's document says so in Chinese."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from cutover import Player
from govnet.model.files import search_path
from govnet.model.plans import Plan
from govnet.model.policy import Upstream
from govnet.plan import RUNBOOKS, make_plan, plan_to_markdown
from govnet.plan.registry import Registry
from govnet_lab.city import get_city_lines
from govnet_lab.district import load_district
from govnet_lab.generate import generate_lab
from govnet_lab.generate.upstream import CITY
from test_plan import DIALECTS, District

COUNTY, SEED, SIZE = "370702", 1, 30
RR = "10.253.0.1"  # the lab's city core's loopback: the route reflector


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plan-vpnv4")
    generate_lab(path, COUNTY, SEED, SIZE, None, handoff="vpnv4")
    return path


def make_plans(root: Path, upstream: Upstream | None = None) -> list[Plan]:
    district = District(root)
    inp, _, snapshot = district.plan_input(district.devices)
    if upstream is not None:
        migration = inp.policy.migration
        assert migration is not None
        policy = inp.policy.model_copy(
            update={"migration": migration.model_copy(update={"upstream": upstream})}
        )
        inp = replace(inp, policy=policy)
    registry = Registry.from_snapshot(snapshot)
    return [make_plan(inp, u.key, registry) for u in snapshot.units]


def pe_steps(plans: list[Plan]) -> list[tuple[Plan, int]]:
    return [
        (p, i)
        for p in plans
        for i, s in enumerate(p.steps)
        if s.approach == "dedicated_vpn" and any(r.before_step == s.number for r in p.requests)
    ]


def test_each_vpn_goes_to_the_reflector_over_the_surveyed_session(root: Path) -> None:
    plans = make_plans(root)
    assert not any("尚不支持" in b or "handoff" in b for p in plans for b in p.blocked)
    found = pe_steps(plans)
    assert found
    for plan, index in found:
        step = plan.steps[index]
        (request,) = [r for r in plan.requests if r.before_step == step.number]
        vpn = request.vpn
        assert request.handoff == "vpnv4" and request.reflector == RR and not request.new_peer
        assert (request.pe_asn, request.reflector_asn) == (65001, 65000)
        assert request.pe_address.startswith("10.254.0.")  # the PE's loopback, surveyed
        assert request.route_target == request.route_distinguisher != ""
        config = "\n".join(step.config)
        assert f"ipv4-family vpn-instance {vpn}\n  import-route static\n  import-route direct" in (
            config
        )
        assert "peer" not in config and "mpls" not in config  # the session is reused
        assert f"{request.uplink}." not in config and "To-City" not in config  # no Option A
        assert "undo import-route static" in "\n".join(step.rollback)
        kinds = {(c.kind, c.next_hop or c.destination) for c in step.checks}
        assert ("bgp", RR) in kinds
        assert any(c.kind == "route" and c.vpn == vpn and c.next_hop is None for c in step.checks)
        assert any(c.kind == "ping" and c.vpn == vpn for c in step.checks)
        text = plan_to_markdown(plan, "t", "now", search_path(None, RUNBOOKS), DIALECTS)
        assert "MP-BGP VPNv4" in text and RR in text and request.pe_address in text


@pytest.mark.parametrize("asn", [None, 65000])
def test_a_session_the_survey_did_not_see_is_built_and_rolled_back(
    root: Path, asn: int | None
) -> None:
    other = "10.253.0.99"
    upstream = Upstream.model_validate(
        {"handoff": "vpnv4", "route_reflectors": [other], "reflector_asn": asn}
    )
    plans = make_plans(root, upstream)
    plan, index = pe_steps(plans)[0]
    step = plan.steps[index]
    config, rollback = "\n".join(step.config), "\n".join(step.rollback)
    for line in ("mpls lsr-id", "mpls ldp", f"peer {other} connect-interface LoopBack0"):
        assert line in config
    assert f"peer {other} as-number {asn or 65001}" in config
    assert (f"peer {other} ebgp-max-hop 255" in config) is (asn is not None)
    assert f"ipv4-family vpnv4\n  peer {other} enable" in config
    assert f"undo peer {other}" in rollback
    (request,) = [r for r in plan.requests if r.before_step == step.number]
    assert request.new_peer and request.reflector == other
    assert any("MP-BGP VPNv4" in r.text and other in r.text for r in plan.risks)


def test_the_pe_step_fails_its_checks_until_the_city_has_done_its_side(root: Path) -> None:
    plans = make_plans(root)
    plan, index = pe_steps(plans)[0]
    step = plan.steps[index]
    (request,) = [r for r in plan.requests if r.before_step == step.number]
    lab = load_district(root / ".govnet/lab/district.json")
    player = Player(lab, DIALECTS)
    window = player.step(replace(plan, requests=[]), step)  # the city has not done it
    assert window.rejected == []
    failed = "\n".join(window.failed_checks)
    assert "ping" in failed and "存在 present" in failed  # no route to the system, no reply
    city = lab.get_device(CITY)
    assert city is not None
    lines = get_city_lines(lab, request)
    assert f"  vpn-target {request.route_target} import-extcommunity" in lines or (
        request.route_target in city.get_vpn_instance(request.vpn).import_targets  # type: ignore[union-attr]
    )
    assert player.type_lines(CITY, lines) == []
    assert player.check(step.checks) == []
    pe = player.net.get_device(step.host)
    assert any(
        r.remote_vpn == request.vpn and r.next_hop == IPv4Address(RR) for r in pe.learned_routes
    )
