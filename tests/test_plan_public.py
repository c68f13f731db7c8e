"""A local network into the extranet's public zone (issue 19 item 5): NAT at the CE or a new
subnet from the public pool, as the policy says, and never a static route for a private
block the zone does not carry. The synthesized district's 教育城域网 (a local network of the
education bureau) is the case; the lab's data plane says whether its public-zone flow still
works after the plan, and that it goes through the NAT."""

from __future__ import annotations

import dataclasses
import re
from ipaddress import IPv4Address, IPv4Network

import pytest
import yaml

from govnet.model.plans import Plan
from govnet.model.policy import Policy
from govnet.plan import make_plan
from govnet_lab.configure import apply_lines
from govnet_lab.dataplane import Network, Outcome
from govnet_lab.district import District as LabDistrict
from govnet_lab.district import FlowTruth, load_district
from govnet_lab.generate import generate_lab
from test_plan import COUNTY, SEED, SIZE, District, to_push_lines

PLATFORMS = ("huawei", "hp_comware", "cisco_ios")
ROUTE = re.compile(r"^(?:ip route-static|ip route) ([\d.]+) ([\d.]+)")


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    root = tmp_path_factory.mktemp("public-district")
    generate_lab(root, COUNTY, SEED, SIZE, None)
    return District(root)


def local_network(district: District) -> tuple[str, str]:
    """The truth's local network moving to the public zone: (network id, its unit)."""
    truth = yaml.safe_load((district.root / "lab" / "ground_truth.yaml").read_text())
    found = [
        (n["id"], n["unit"])
        for n in truth["networks"]
        if n["target"] == "extranet_public" and n["reason"].startswith("local network")
    ]
    assert found, "the district has no local network to move into the public zone"
    return found[0]


def public_flow(lab: LabDistrict, unit: str) -> FlowTruth:
    (flow,) = [f for f in lab.truth.flows if f.unit == unit and f.kind == "extranet_public"]
    return flow


def with_migration(policy: Policy, **update: object) -> Policy:
    assert policy.migration is not None
    return policy.model_copy(update={"migration": policy.migration.model_copy(update=update)})


def private_routes(plan: Plan) -> list[str]:
    """Static routes the plan's public-zone steps add for private blocks."""
    out = []
    for step in plan.steps:
        if step.approach != "public_zone":
            continue
        for line in step.config:
            m = ROUTE.match(line.strip())
            if m and IPv4Network(f"{m[1]}/{m[2]}").is_private:
                out.append(f"{step.host}: {line}")
    return out


@pytest.mark.parametrize("platform", PLATFORMS)
def test_nat_keeps_the_public_zone_flow_through_the_ce(district: District, platform: str) -> None:
    key, unit = local_network(district)
    lab = load_district(district.root / ".govnet/lab/district.json")
    lab = dataclasses.replace(lab, devices=district.served_as(platform))
    flow = public_flow(lab, unit)
    policy = with_migration(district.policy, public_probe=IPv4Address(flow.destination))
    inp, _, _ = district.plan_input(lab.devices)
    inp = dataclasses.replace(inp, policy=policy)
    plan = make_plan(inp, unit)
    (step,) = [s for s in plan.steps if s.approach == "public_zone"]
    assert step.host == flow.host and key in step.subjects
    assert "地址转换" in step.title
    assert private_routes(plan) == []
    kinds = {c.kind for c in step.checks}
    assert {"nat", "ping"} <= kinds
    (ping,) = [c for c in step.checks if c.kind == "ping"]
    assert (ping.source, ping.destination, ping.vpn) == (flow.source, flow.destination, None)
    pre = [c for c in plan.prechecks if c.host == flow.host and c.kind in ("ping", "nat")]
    assert {c.kind for c in pre} == {"ping", "nat"}  # the zone link answers, no NAT yet
    assert any("10.188.0.0/16" in r.text for r in plan.risks)  # the old line's far side

    network = Network(lab)
    assert network.check_flow(flow).outcome is Outcome.REPLY
    devices = {d.hostname: d for d in lab.devices}
    for host in plan.hosts:  # in the plan's order, as a push would
        rejected = apply_lines(devices[host], to_push_lines(plan.get_config(host), platform))
        assert not rejected, rejected
    network.note_change()
    assert network.check_flow(flow).outcome is Outcome.REPLY, network.check_flow(flow).reason
    walk = network.forwarding.walk(
        flow.host, None, IPv4Address(flow.source), IPv4Address(flow.destination)
    )
    (translated,) = walk.translations
    ce = devices[flow.host]
    zone = next(i for i in ce.interfaces if i.address is not None and i.address.ip == translated[1])
    assert translated[0] == flow.host and translated[2] == IPv4Address(flow.source)
    assert zone.address is not None and zone.address.network.subnet_of(IPv4Network("59.255.0.0/16"))


def test_renumbering_takes_a_public_subnet_and_tells_the_department(district: District) -> None:
    key, unit = local_network(district)
    pool = IPv4Network("59.255.240.0/20")
    policy = with_migration(district.policy, public_pool=pool, public_access_of={key: "renumber"})
    for platform in PLATFORMS:
        inp, _, _ = district.plan_input(district.served_as(platform))
        plan = make_plan(dataclasses.replace(inp, policy=policy), unit)
        ce_step, pe_step = [s for s in plan.steps if s.approach == "public_zone"]
        secondary = " sub" if platform != "cisco_ios" else " secondary"
        (added,) = [ln for ln in ce_step.config if ln.endswith(secondary)]
        gateway = IPv4Address(added.split()[2])
        assert gateway in pool and "重新编址" in ce_step.title
        (ping,) = [c for c in ce_step.checks if c.kind == "ping"]
        assert ping.source == str(gateway)
        (back,) = [c for c in pe_step.checks if c.kind == "route"]
        assert back.prefix is not None and IPv4Network(back.prefix).subnet_of(pool)
        assert gateway in IPv4Network(back.prefix)
        assert private_routes(plan) == []
        (note,) = [r for r in plan.risks if "DHCP" in r.text]
        assert str(IPv4Network(back.prefix)) in note.text and "固定地址" in note.text
        assert note.owner and re.search(r"renumber|nat\b|public|_", note.text) is None
        assert any(added in line for line in plan.get_config(ce_step.host))


def test_no_plan_routes_a_private_block_into_the_public_zone(district: District) -> None:
    inp, _, snapshot = district.plan_input(district.devices)
    wrong = [r for u in snapshot.units for r in private_routes(make_plan(inp, u.key))]
    assert wrong == []


def test_the_shipped_policy_translates_by_default(district: District) -> None:
    assert district.policy.migration is not None
    assert district.policy.migration.public_access == "nat"
    assert district.policy.migration.get_public_access("x:y") == "nat"
