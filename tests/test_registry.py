"""The district registry: plans take RDs, RTs, VLANs and link subnets from one register of
what every surveyed device and every live plan holds, so two departments never meet by
accident. Tested on a synthesized lab district (its truth known) with clashes planted."""

from __future__ import annotations

import re
from ipaddress import ip_network
from pathlib import Path

import pytest

from govnet.model.plans import Plan, Step
from govnet.model.registry import Holding, Kind
from govnet.model.snapshot import Snapshot
from govnet.plan import PlanInput, make_plan
from govnet.plan.registry import Registry
from govnet.push import PushError, get_host_part
from govnet.store import open_store
from govnet_lab.configure import apply_lines
from govnet_lab.generate import generate_lab
from govnet_lab.model import Device
from test_plan import COUNTY, SEED, SIZE, District, to_push_lines

PLATFORM = "huawei"  # the planted VPN is typed in its syntax
SUB = re.compile(r"子接口 (\S+) VLAN (\d+)")


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    root: Path = tmp_path_factory.mktemp("registry")
    generate_lab(root, COUNTY, SEED, SIZE, None)
    return District(root)


def plan_all(inp: PlanInput, snapshot: Snapshot, registry: Registry) -> dict[str, Plan]:
    """Every unit's plan in one run, as `govnet plan --all` makes them."""
    return {u.key: make_plan(inp, u.key, registry) for u in snapshot.units}


def vpn_steps(plan: Plan) -> list[Step]:
    return [s for s in plan.steps if s.approach == "dedicated_vpn"]


def first_vpn(district: District, devices: list[Device]) -> tuple[Plan, str, str]:
    """The first plan that builds a dedicated-zone VPN: the plan, the VPN's name, its RD/RT."""
    inp, _, snapshot = district.plan_input(devices)
    for plan in plan_all(inp, snapshot, Registry.from_snapshot(snapshot)).values():
        for step in vpn_steps(plan):
            rd = next(ln.split()[-1] for ln in step.config if "route-distinguisher" in ln)
            return plan, step.config[0].split()[-1], rd
    raise AssertionError("the district builds no dedicated-zone VPN")


@pytest.mark.parametrize("kind", ["rd", "rt"])
def test_a_clash_planted_in_another_departments_vpn_blocks_the_plan_naming_both(
    district: District, kind: str
) -> None:
    devices = district.served_as(PLATFORM)
    plan, name, value = first_vpn(district, devices)
    # Another department's router, neither the plan's PE nor its CE: district-wide.
    other = next(d for d in devices if d.unit != plan.unit and d.hostname not in plan.hosts)
    rd, rt = (value, "65000:9999") if kind == "rd" else ("65000:9998", value)
    lines = [
        "ip vpn-instance planted-video",
        " ipv4-family",
        f"  route-distinguisher {rd}",
        f"  vpn-target {rt} import-extcommunity",
    ]
    assert apply_lines(other, to_push_lines(lines, PLATFORM)) == []
    inp, _, snapshot = district.plan_input(devices)
    again = make_plan(inp, plan.unit, Registry.from_snapshot(snapshot))
    network = next(s.subjects[0] for s in vpn_steps(plan))
    assert not any(network in s.subjects for s in vpn_steps(again))
    refusal = [b for b in again.blocked if network in b]
    assert len(refusal) == 1, again.blocked
    assert f"{kind.upper()} {value}" in refusal[0]  # the value, the new plan's VPN, the holder
    assert f"VPN {name}" in refusal[0]
    assert f"设备 {other.hostname}（单位 {other.unit}）上的 VPN planted-video" in refusal[0]


def test_plans_made_together_never_share_a_vlan_a_link_or_a_target(district: District) -> None:
    inp, _, snapshot = district.plan_input(district.devices)
    plans = plan_all(inp, snapshot, Registry.from_snapshot(snapshot))
    surveyed = Registry.from_snapshot(snapshot).held
    vlans: dict[tuple[str, str], str] = {}  # (host:port, vlan) -> unit
    rts: dict[str, str] = {}  # RT -> the system whose VPN it is
    system = {v.key: v.system or v.key for v in inp.classification.networks}
    links: dict[str, str] = {}
    built = 0
    for unit, plan in plans.items():
        for step in vpn_steps(plan):
            if "核验已有" in step.title:  # the VPN already runs between CE and PE: not built
                continue
            found = SUB.search(step.title)
            assert found is not None, step.title
            built += 1
            sub, vlan = found.groups()
            end = (f"{step.host}:{sub.rsplit('.', 1)[0]}", vlan)
            assert vlans.setdefault(end, unit) == unit, f"{unit} and {vlans[end]} share {end}"
            assert not any(h.kind is Kind.VLAN and (h.scope, h.value) == end for h in surveyed), (
                f"{unit}: VLAN {vlan} is already on {end[0]}"
            )
            meaning = system[step.subjects[0]]
            for line in step.config:
                if "vpn-target" in line or "route-target" in line:
                    rt = line.split()[-2] if "extcommunity" in line else line.split()[-1]
                    assert rts.setdefault(rt, meaning) == meaning, f"{unit}: RT {rt}"
        for link in plan.links:
            assert str(link) not in links, f"{unit} and {links[str(link)]} share {link}"
            links[str(link)] = unit
            assert not any(
                h.kind is Kind.LINK and link.overlaps(ip_network(h.value)) for h in surveyed
            )
        for request in plan.requests:  # the PE's hand-off to the city: a VLAN on its uplink
            if request.new_subinterface:
                end = (f"{request.pe}:{request.uplink}", str(request.vlan))
                assert vlans.setdefault(end, unit) == unit, f"{unit} and {vlans[end]} share {end}"
                assert not any(h.kind is Kind.VLAN and (h.scope, h.value) == end for h in surveyed)
    handoffs = sum(r.new_subinterface for p in plans.values() for r in p.requests)
    # one /30 per VPN between CE and PE, two ends each, and one per new hand-off to the city
    assert built >= 4 and len(links) == built // 2 + handoffs


def test_two_plans_that_would_take_the_same_target_cannot_both_be_made(
    district: District,
) -> None:
    """A catalogue edit gives a second system the first one's vpn_id: in one run, the first
    plan takes the target and the second is blocked naming the first."""
    inp, _, snapshot = district.plan_input(district.devices)
    plans = plan_all(inp, snapshot, Registry.from_snapshot(snapshot))
    first, second = [p for p in plans.values() if vpn_steps(p)][:2]
    systems = {s.key: s for s in district.policy.catalogue}
    net = {v.key: v for v in inp.classification.networks}
    a, b = (net[vpn_steps(p)[0].subjects[0]].system for p in (first, second))
    catalogue = [
        s.model_copy(update={"vpn_id": systems[a or ""].vpn_id}) if s.key == b else s
        for s in district.policy.catalogue
    ]
    policy = district.policy.model_copy(update={"catalogue": catalogue})
    inp = PlanInput(inp.classification, snapshot, inp.configs, policy, inp.dialects, inp.templates)
    registry = Registry.from_snapshot(snapshot)
    again = plan_all(inp, snapshot, registry)
    assert vpn_steps(again[first.unit])
    assert not vpn_steps(again[second.unit])
    assert any(f"本批次方案（单位 {first.unit}）的 VPN" in x for x in again[second.unit].blocked)


def test_a_stored_plan_holds_its_values_until_it_is_cancelled(
    district: District, db_url: str
) -> None:
    """Another department's stored plan holding the target blocks the new plan, naming the
    plan; once that plan is cancelled the value is free and the plan is made."""
    inp, _, snapshot = district.plan_input(district.devices)
    plan, name, rt = first_vpn(district, district.devices)
    store = open_store(db_url)
    try:
        held = [Holding(Kind.RT, rt, None, "zw-other", "c370702-other")]
        plan_id = store.add_plan("c370702-other", None, "p", "d", {}, held)
        store.add_plan(plan.unit, None, "p", "d", {}, [Holding(Kind.VLAN, "200", "x:y", None)])
        holdings = store.get_plan_holdings()
        assert {(h.plan_id, h.kind, h.value, h.meaning) for h in holdings} >= {
            (plan_id, Kind.RT, rt, "zw-other")
        }
        blocked = make_plan(inp, plan.unit, Registry.from_snapshot(snapshot, holdings))
        assert not vpn_steps(blocked)
        assert any(
            f"方案 {plan_id}（单位 c370702-other）的 VPN zw-other" in b for b in blocked.blocked
        )
        store.cancel_plan(plan_id)
        holdings = store.get_plan_holdings()
        assert all(h.plan_id != plan_id for h in holdings)
        made = make_plan(inp, plan.unit, Registry.from_snapshot(snapshot, holdings))
        assert vpn_steps(made) and not any(name in b for b in made.blocked)
        # A cancelled plan is never pushed: its values may be another plan's by now.
        with pytest.raises(PushError, match=f"plan {plan_id} is cancelled"):
            get_host_part(store, str(plan_id), "c370702-dsj-core1")
    finally:
        store.dispose()


def test_vlans_on_one_circuit_are_never_shared_and_a_replan_takes_its_own_again() -> None:
    """Two units on one circuit get two VLANs; a stored plan of the same unit does not hold
    against its replacement (made from the same survey, it takes the same values)."""
    ends = [("ce1", "GE0/0/1"), ("pe1", "GE0/0/3")]
    held = [Holding(Kind.VLAN, "200", "pe1:GE0/0/3", None, None, "pe1", "GE0/0/3.200")]
    registry = Registry(held)
    assert registry.allocate_vlan("a", ends, (200, 201, 202)) == 201
    assert registry.allocate_vlan("b", ends, (200, 201, 202)) == 202
    assert registry.allocate_vlan("c", ends, (200, 201, 202)) == 203  # past the pool
    stored = [Holding(Kind.VLAN, "201", "ce1:GE0/0/1", None, "a", plan_id=7), *held]
    assert Registry(stored).allocate_vlan("a", ends, (200, 201)) == 201
    assert Registry(stored).allocate_vlan("b", ends, (200, 201)) == 202
