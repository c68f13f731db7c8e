"""The PE's hand-off of a dedicated-zone VPN to the city (policy ``migration.upstream``,
Option A): the PE's sub-interface and routes both ways, the city's side as a request with
every value filled in, allocated from the district registry, and proved by traffic on the
lab's data plane (the test plays the city's operator on the lab's city router)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from ipaddress import IPv4Interface, IPv4Network
from pathlib import Path

import pytest

from govnet.model.files import get_bundled_root, search_path
from govnet.model.plans import Check, Plan
from govnet.model.policy import POLICY_FILE, Upstream, load_policy
from govnet.model.problems import ProblemsError
from govnet.plan import RUNBOOKS, make_plan, plan_to_markdown
from govnet.plan.registry import Registry
from govnet_lab.city import get_city_lines
from govnet_lab.configure import apply_lines
from govnet_lab.dataplane import Network, Outcome, ProbeRequest
from govnet_lab.district import load_district
from govnet_lab.generate import generate_lab
from govnet_lab.generate.upstream import CITY
from govnet_lab.model import Device
from test_plan import DIALECTS, District

COUNTY, SEED, SIZE = "370702", 1, 30  # the README's lab: 卫健 is new on its PE and the city


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    root = tmp_path_factory.mktemp("upstream-district")
    generate_lab(root, COUNTY, SEED, SIZE, None)
    return District(root)


def plans_together(district: District, policy_migration: Upstream | None = None) -> list[Plan]:
    """Every unit's plan made from one registry, as `govnet plan --all` makes them."""
    inp, _, snapshot = district.plan_input(district.devices)
    if policy_migration is not None:
        migration = inp.policy.migration
        assert migration is not None
        policy = inp.policy.model_copy(
            update={"migration": migration.model_copy(update={"upstream": policy_migration})}
        )
        inp = replace(inp, policy=policy)
    registry = Registry.from_snapshot(snapshot)
    return [make_plan(inp, u.key, registry) for u in snapshot.units]


@pytest.fixture(scope="module")
def plans(district: District) -> list[Plan]:
    return plans_together(district)


def test_every_new_dedicated_vpn_is_handed_to_the_city(
    district: District, plans: list[Plan]
) -> None:
    """Each PE step has its city request just before it, every value filled in, allocated
    from the registry: VLANs from the policy's pool free on the uplink, /30s overlapping
    nothing surveyed or planned; the step checks the hand-off up and pings the city."""
    inp, _, snapshot = district.plan_input(district.devices)
    upstream = inp.policy.migration.upstream  # type: ignore[union-attr]
    assert upstream is not None and upstream.handoff == "option_a"
    surveyed = Registry.from_snapshot(snapshot).held
    requests = [(p, r) for p in plans for r in p.requests]
    assert len(requests) >= 3
    taken: dict[tuple[str, str], list[int]] = {}
    links: list[IPv4Network] = []
    for plan, r in requests:
        step = plan.steps[r.before_step - 1]
        assert step.host == r.pe and step.approach == "dedicated_vpn" and "PE" in step.title
        assert all(v not in (None, "") for v in r.to_dict().values()), r
        city = IPv4Interface(r.city_address)
        assert IPv4Interface(f"{r.pe_address}/{city.network.prefixlen}").network == city.network
        sub = f"{r.uplink}.{r.vlan}"
        typed = "\n".join(step.config)
        if r.new_subinterface:
            assert r.vlan in upstream.vlan_pool
            scope = f"{r.pe}:{r.uplink}"
            assert not any(h.scope == scope and h.value == str(r.vlan) for h in surveyed), r
            taken.setdefault((r.pe, r.uplink), []).append(r.vlan)
            assert not any(
                h.kind == "link" and city.network.overlaps(IPv4Network(h.value)) for h in surveyed
            ), r
            links.append(city.network)
            assert f"interface {sub}" in typed
        else:  # the surveyed hand-off is reused: no second sub-interface
            assert f"interface {sub}" not in typed
        checks = {(c.kind, c.interface, c.destination) for c in step.checks}
        assert ("interface", sub, None) in checks
        assert ("ping", None, str(city.ip)) in checks
        if not r.routes:  # nothing to route back: said, never silent
            assert any("回程路由" in risk.text and r.pe in risk.text for risk in plan.risks)
        connected = [
            IPv4Interface(c.address).network
            for c in step.checks
            if c.kind == "interface" and c.address
        ]
        for prefix in r.routes:  # the PE routes the CE's business prefixes back to the CE
            if IPv4Network(prefix) in connected:  # the CE-PE link: the PE's own subnet
                continue
            assert any(c.kind == "route" and c.prefix == prefix for c in step.checks), prefix
    for vlans in taken.values():
        assert len(vlans) == len(set(vlans)), "two plans took one VLAN on one uplink"
    assert len(links) == len(set(links)), "two plans took one hand-off /30"


def test_the_city_request_is_in_the_plan_in_chinese(district: District, plans: list[Plan]) -> None:
    plan = next(p for p in plans if p.unit == "c370702-weijian")
    (r,) = plan.requests
    text = plan_to_markdown(plan, "t", "now", search_path(None, RUNBOOKS), DIALECTS)
    section = text.split(f"### 步骤 {r.before_step} 之前：市级外网运营方配合事项")[1].split("###")[
        0
    ]
    for value in (r.pe, r.uplink, str(r.vlan), r.city_address, r.pe_address, r.vpn):
        assert value in section, value
    assert r.route_distinguisher in section and r.routes[0] in section
    assert "option_a" not in text and "new_subinterface" not in section


def ping(net: Network, check: Check) -> bool:
    assert check.kind == "ping" and check.destination and check.source
    request = ProbeRequest(
        IPv4Interface(check.destination).ip, check.vpn, IPv4Interface(check.source).ip
    )
    return net.probe(check.host, request).outcome is Outcome.REPLY


def apply(net: Network, device: Device, lines: list[str]) -> None:
    net.before_change(device.hostname)
    assert apply_lines(device, lines) == []
    net.note_change()


def test_the_pe_ping_holds_only_once_the_city_has_done_its_side(
    district: District, plans: list[Plan]
) -> None:
    """On the lab's data plane: the PE step alone fails its ping to the city (the check
    catches a city that has not done the request); the city's lines, typed as asked, make
    it hold; the CE's step then reaches the PE in the VPN."""
    plan = next(p for p in plans if p.unit == "c370702-weijian")
    (r,) = plan.requests
    lab = load_district(district.root / ".govnet/lab/district.json")
    net = Network(lab)
    pe_step = plan.steps[r.before_step - 1]
    ce_step = next(s for s in plan.steps if s.approach == "dedicated_vpn" and s.host != r.pe)
    pe, city = lab.get_device(r.pe), lab.get_device(CITY)
    ce = lab.get_device(ce_step.host)
    assert pe is not None and city is not None and ce is not None
    (to_city,) = [c for c in pe_step.checks if c.kind == "ping"]
    apply(net, pe, DIALECTS[pe.platform].to_push_lines(pe_step.config))
    assert not ping(net, to_city), "the city has done nothing yet: the ping must fail"
    apply(net, city, get_city_lines(lab, r))
    assert ping(net, to_city)
    apply(net, ce, DIALECTS[ce.platform].to_push_lines(ce_step.config))
    assert all(ping(net, c) for c in ce_step.checks if c.kind == "ping")


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("    vlans: 2001-2099", "    vlans: 2099-2001", "migration.upstream.vlans", "first"),
        ("    vlans: 2001-2099", "    vlans: 2001-5000", "migration.upstream.vlans", "4094"),
        ("    vlans: 2001-2099", "    vlans: two", "migration.upstream.vlans", "VLAN range"),
        ("    handoff: option_a", "    handoff: option_b", "migration.upstream.handoff", ""),
        ("    handoff: option_a", "    handoff: vpnv4", "migration.upstream", "route_reflectors"),
    ],
)
def test_a_broken_upstream_names_its_field(
    tmp_path: Path, old: str, new: str, field: str, message: str
) -> None:
    (tmp_path / "playbooks").mkdir()
    path = tmp_path / POLICY_FILE
    shutil.copyfile(get_bundled_root() / POLICY_FILE, path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ProblemsError) as caught:
        load_policy(tmp_path)
    (problem,) = caught.value.problems
    assert problem.file == POLICY_FILE and problem.field == field, problem
    assert message in problem.message and problem.line is not None
