"""Cutover plans: every approach on every platform, applied to the simulated routers.

The lab is the judge of vendor syntax and semantics (binding a VPN instance clears the
address, a shut port takes its routes with it); hier_config is the judge of the textual
round trip. A synthesized district has every approach in it: vertical networks to carry as
dedicated-zone VPNs, local networks to move into the public zone, own internet exits,
zombie lines and a breach. Every router is served once as each vendor (``as_platform``).
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hier_config import HConfig

from govnet.classify import classify
from govnet.model.divisions import get_bundled_tree
from govnet.model.facts import Interface
from govnet.model.files import search_path
from govnet.model.inventory import Inventory
from govnet.model.inventory_files import get_inventory
from govnet.model.plans import KEEP_DISCONNECTED, Check, Plan
from govnet.model.policy import Policy, load_policy
from govnet.model.snapshot import Snapshot
from govnet.model.verdicts import Classification
from govnet.plan import (
    APPROACHES,
    PlanInput,
    evaluate_checks,
    get_host_parts,
    get_template_env,
    make_plan,
    render_approach,
    write_plan,
)
from govnet.plan import RUNBOOKS as RUNBOOK_FOLDER
from govnet.plan import TEMPLATES as TEMPLATE_FOLDER
from govnet.plan.configsafe import Safe, UnsafeValue
from govnet.platforms import Dialect, load_platforms
from govnet_lab.configure import apply_lines
from govnet_lab.district import load_district
from govnet_lab.facts import get_device_facts, get_lab_snapshot, get_running_config
from govnet_lab.generate import as_platform, generate_lab
from govnet_lab.model import Device
from govnet_lab.vendors import get_platforms

DIALECTS: dict[str, Dialect] = load_platforms().get_dialects()
TEMPLATES = search_path(None, TEMPLATE_FOLDER)
RUNBOOKS = search_path(None, RUNBOOK_FOLDER)


def to_push_lines(lines: list[str], platform: str) -> list[str]:
    return DIALECTS[platform].to_push_lines(lines)


COUNTY, SEED, SIZE = "370702", 3, 60


class District:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.inventory: Inventory = get_inventory(root, get_bundled_tree())
        self.devices: list[Device] = load_district(root / ".govnet/lab/district.json").devices
        self.policy: Policy = load_policy(root)  # the lab project's: its probes

    def served_as(self, platform: str) -> list[Device]:
        return [as_platform(d, platform) for d in self.devices]

    def plan_input(self, devices: list[Device]) -> tuple[PlanInput, Classification, Snapshot]:
        snapshot = get_lab_snapshot(self.inventory, devices)
        result = classify(snapshot, self.policy)
        configs = {d.hostname: get_running_config(d) for d in devices}
        inp = PlanInput(result, snapshot, configs, self.policy, DIALECTS, TEMPLATES)
        return inp, result, snapshot


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    root = tmp_path_factory.mktemp("plan-district")
    generate_lab(root, COUNTY, SEED, SIZE, None)
    return District(root)


@pytest.fixture(scope="module")
def every_district(tmp_path_factory: pytest.TempPathFactory) -> District:
    """A district with every approach in it: the README's county at 60 routers (a business
    gateway moved to the CE, one rebound in place, exits, zombies, the public zone)."""
    root = tmp_path_factory.mktemp("plan-every")
    generate_lab(root, COUNTY, 1, SIZE, None)
    return District(root)


def hier(platform: str, lines: list[str] | str) -> HConfig:
    return DIALECTS[platform].get_hconfig(lines)


def lab_view(platform: str, config: HConfig) -> HConfig:
    """What the lab can show: IOS ``ip nat inside/outside`` are derived from the NAT rules
    (the model has no per-interface flag), so they vanish with the last rule, where a real
    router keeps them. Only the change-vs-intended comparison leaves them out; the rollback
    must still give back the exact running text, those lines included."""
    if platform == "cisco_ios":
        for iface in config.get_children(startswith="interface "):
            for text in ("ip nat inside", "ip nat outside"):
                if iface.get_child(equals=text) is not None:
                    iface.children.delete(text)
    return config


def same(a: HConfig, b: HConfig) -> list[str]:
    """What tells two configurations apart, both ways ([] when equal)."""
    return [*a.config_to_get_to(b).dump_simple(), *b.config_to_get_to(a).dump_simple()]


def all_plans(inp: PlanInput, snapshot: Snapshot) -> Iterator[Plan]:
    for unit in snapshot.units:
        plan = make_plan(inp, unit.key)
        if plan.steps:
            yield plan


@pytest.mark.parametrize("platform", sorted(set(DIALECTS) & set(get_platforms())))
def test_every_approach_applies_checks_and_rolls_back_on_the_lab(
    every_district: District, platform: str
) -> None:
    district = every_district
    devices = district.served_as(platform)
    routers = {d.hostname: d for d in devices}
    inp, _, snapshot = district.plan_input(devices)
    used: set[str] = set()
    problems: list[str] = []
    for plan in all_plans(inp, snapshot):
        for host in plan.hosts:
            device, name = routers[host], platform
            running = get_running_config(device)
            original = copy.deepcopy(device)
            change, rollback = plan.get_config(host), plan.get_rollback(host)
            used |= {s.approach for s in plan.steps if s.host == host}
            rejected = apply_lines(device, to_push_lines(change, name))
            if rejected:
                problems.append(f"{host}: the lab rejects the change: {rejected}")
            intended = hier(name, running).future(hier(name, change))
            lab = hier(name, get_running_config(device))
            if diff := same(lab_view(name, lab), lab_view(name, intended.deep_copy())):
                problems.append(f"{host}: running + change != intended: {diff}")
            # State checks only: each host is changed and rolled back alone here, so the far
            # end of a new link is never built; test_push.py pings across it over SSH.
            checks = [  # state only: traffic (ping, quiet) is tests/test_cutover_flows.py's
                c
                for s in plan.steps
                if s.host == host
                for c in s.checks
                if c.kind not in ("ping", "quiet") and c.host == host
            ]
            failed = [
                f"{c.text} ({seen})"
                for c, held, seen in evaluate_checks(checks, {host: get_device_facts(device)})
                if not held
            ]
            if failed:
                problems.append(f"{host}: post-checks fail: {failed}")
            if host in plan.manual_hosts:  # done by hand on site: no rollback reconnects it
                if rollback:
                    problems.append(f"{host}: a classified/police device has a rollback")
                routers[host] = original
                continue
            rejected = apply_lines(device, to_push_lines(rollback, name))
            if rejected:
                problems.append(f"{host}: the lab rejects the rollback: {rejected}")
            if get_running_config(device) != running:
                problems.append(f"{host}: change + rollback is not the running config")
            if diff := same(intended.future(hier(name, rollback)), hier(name, running)):
                problems.append(f"{host}: intended + rollback != running: {diff}")
    assert problems == []
    assert used == set(APPROACHES), "approaches this district did not exercise"


def test_plans_match_the_district_truth(district: District) -> None:
    """Each vertical network with extranet access gets a dedicated-zone VPN; own exits close."""
    inp, _, snapshot = district.plan_input(district.devices)
    truth = yaml.safe_load((district.root / "lab" / "ground_truth.yaml").read_text())
    access = {u["unit"]: u for u in truth["exits"]}
    for unit in snapshot.units:
        plan = make_plan(inp, unit.key)
        approaches = [s.approach for s in plan.steps]
        u = access.get(unit.key, {})
        own_exits = [e for e in u.get("exits", []) if e["own_exit"] and e["host"]]
        connected = u.get("category") is not None
        if own_exits and connected:
            assert approaches.count("close_exit") == len(own_exits), unit.key
            # the CE's default toward the extranet, and each exit router's on the LAN toward
            # the CE (its LAN keeps reaching the internet), each before its exit closes
            hosts = [s.host for s in plan.steps if s.approach == "internet_zone"]
            ce_routes = [h for h in hosts if h not in {e["host"] for e in own_exits}]
            assert len(ce_routes) <= 1 and len(hosts) >= 1, unit.key
            closes = [s.number for s in plan.steps if s.approach == "close_exit"]
            makes = [s.number for s in plan.steps if s.approach == "internet_zone"]
            assert min(makes) < min(closes), f"{unit.key}: break before make"
        if own_exits and not connected:
            assert "close_exit" not in approaches, unit.key
            assert any("外网接入" in b for b in plan.blocked), unit.key
        for network in truth["networks"]:
            if network["unit"] != unit.key or network["target"] != "extranet_dedicated_vpn":
                continue
            if network["vpn_instance"] and network["vpn_instance"].startswith("zw-"):
                continue  # already there
            if network["reason"].startswith("migrated"):
                continue  # carried in the dedicated zone, its old lines dead
            steps = [s for s in plan.steps if network["id"] in s.subjects]
            shared = [  # its gateway is where it cannot be moved blindly: said, never guessed
                b
                for b in plan.blocked
                if network["id"] in b and ("同一网段" in b or "同一局域网" in b)
            ]
            if connected and not shared:  # built (PE, CE), then its business moved in
                kinds = [s.approach for s in steps]
                assert kinds[:2] == ["dedicated_vpn", "dedicated_vpn"], unit.key
                assert set(kinds[2:]) <= {"business_gateway", "retire_gateway", "rebind_business"}
            elif connected:  # the CE's office LAN, or a segment the CE is not on
                assert steps == [], unit.key
            else:
                assert steps == [] and any(network["id"] in b for b in plan.blocked)
    breaches = {b["host"] for b in truth["breaches"]}
    shut = {
        s.host
        for unit in snapshot.units
        for s in make_plan(inp, unit.key).steps
        if s.approach == "decommission_line" and "立即断开" in s.title
    }
    assert shut == breaches


def test_classified_and_police_devices_are_manual_and_never_reconnected(
    district: District, tmp_path: Path
) -> None:
    """The lab's breach devices (the classified router with its temporary extranet link, the
    police router carrying the extranet): every step on them is manual, on site, with the
    secrecy office's sign-off, and no rollback line would bring the link back."""
    inp, _, snapshot = district.plan_input(district.devices)
    truth = yaml.safe_load((district.root / "lab" / "ground_truth.yaml").read_text())
    breaches = {b["host"]: b for b in truth["breaches"]}
    assert any("公安信息网" in b["touches"] for b in breaches.values())
    assert any("电子政务内网" in b["touches"] for b in breaches.values())
    for host, breach in breaches.items():
        plan = make_plan(inp, breach["unit"])
        steps = [s for s in plan.steps if s.host == host]
        assert steps and plan.manual_hosts == [host], host
        for step in steps:
            assert step.manual is not None and "保密办" in step.manual and "现场" in step.manual
            assert re.search(r"[A-Za-z_]", step.manual) is None, step.manual  # no internal code
            assert step.rollback == [] and step.rollback_note == KEEP_DISCONNECTED
        assert plan.get_rollback(host) == []
        part = get_host_parts(plan, DIALECTS)[host]
        assert part["manual"] and part["rollback"] == []
        folder = write_plan(plan, tmp_path, "tester", "2026-01-01", RUNBOOKS, DIALECTS)
        text = (folder / "plan.md").read_text(encoding="utf-8")
        assert "现场手工操作" in text and "保密办签字" in text and KEEP_DISCONNECTED in text
        assert not (folder / "configs" / f"{host}.rollback.cfg").exists()
        assert (folder / "configs" / f"{host}.cfg").exists()  # typed by hand, from here
    for unit in snapshot.units:  # and no other device is taken for one
        assert set(make_plan(inp, unit.key).manual_hosts) <= set(breaches), unit.key


def test_each_host_part_keeps_its_steps_lines_for_a_push_step_by_step(district: District) -> None:
    """Push types a host's steps one by one, each checked before the next: the part keeps
    each step's lines and rollback, which add up to the whole files written to configs/; a
    baseline check on a router the plan does not change goes with the first host pushed."""
    inp, _, snapshot = district.plan_input(district.devices)
    stepped = baselines = 0
    for plan in all_plans(inp, snapshot):
        parts = get_host_parts(plan, DIALECTS)
        stepped += sum(len(part["steps"]) > 1 for part in parts.values())
        for host, part in parts.items():
            dialect = DIALECTS[part["platform"]]
            assert part["config"] == dialect.to_push_lines(plan.get_config(host))
            assert [n for n, _ in part["step_config"]] == part["steps"]
            assert [n for n, _ in part["step_rollback"]] == part["steps"]
            undo = [line for _n, lines in reversed(part["step_rollback"]) for line in lines]
            assert undo == part["rollback"], host
        if len(plan.hosts) < 2:
            continue
        elsewhere = Check(
            "router-not-in-plan", "ping", 0, source="10.0.0.1", destination="10.0.0.2"
        )
        with_baseline = copy.copy(plan)
        with_baseline.prechecks = [*plan.prechecks, elsewhere]
        parts = get_host_parts(with_baseline, DIALECTS)
        holding = [h for h, part in parts.items() if elsewhere.to_dict() in part["pre"]]
        assert holding == [plan.hosts[0]], plan.unit
        baselines += 1
    assert stepped and baselines  # hosts of several steps, plans of several hosts: both seen


def test_fees_saved_are_the_ledger_fees_of_the_lines_cancelled(district: District) -> None:
    inp, _, snapshot = district.plan_input(district.devices)
    ledger = {ln.circuit_id: ln for ln in district.inventory.lines}
    for unit in snapshot.units:
        plan = make_plan(inp, unit.key)
        circuits = [c.circuit_id for c in plan.cancel if c.circuit_id]
        expected = sum(float(ledger[c].get_annual_fee() or 0) for c in circuits)
        assert plan.annual_saving == pytest.approx(expected), unit.key


def test_written_plan_is_complete_and_self_contained(district: District, tmp_path: Path) -> None:
    inp, _, snapshot = district.plan_input(district.devices)
    plan = next(
        p
        for p in all_plans(inp, snapshot)
        if {"dedicated_vpn", "close_exit", "internet_zone"} <= {s.approach for s in p.steps}
    )
    folder = write_plan(plan, tmp_path, "tester", "2026-11-23 22:00 CST", RUNBOOKS, DIALECTS)
    assert folder.name == f"{plan.division_code}-{plan.unit}"
    md = (folder / "plan.md").read_text(encoding="utf-8")
    for heading in (
        "## 1. 范围",
        "## 2. 风险",
        "## 3. 割接前检查",
        "## 4. 实施步骤",
        "## 5. 割接后检查",
        "## 6. 撤销线路",
    ):
        assert heading in md
    for step in plan.steps:
        assert f"### 步骤 {step.number}：" in md
        assert "\n".join(to_push_lines(step.config, step.platform)) in md
    assert f"{plan.annual_saving:.2f}" in md
    # The new links are proven with traffic, in words, in the VPN: the PE's hand-off to the
    # city after the PE's step (once the city has done its request), the CE-PE link after
    # the CE's; the lab project's policy names each system's probe, pinged too (the new
    # path reaches the system).
    probes = {str(s.probe) for s in district.policy.catalogue if s.probe is not None}
    migration = district.policy.migration
    assert migration is not None and migration.internet_probe is not None
    probes.add(str(migration.internet_probe))  # the LAN still reaches the internet
    every = [c for s in plan.steps for c in s.checks if c.kind == "ping"]
    pings = [c for c in every if c.destination not in probes]
    assert any(c.destination in probes for c in every)
    (request,) = plan.requests
    assert len(pings) == 2 and pings[0].host == request.pe
    assert pings[0].destination == request.city_address.split("/")[0]
    for ping in pings:
        (step,) = [s for s in plan.steps if s.approach == "dedicated_vpn" and ping in s.checks]
        assert ping.vpn and ping.vpn in step.title and ping.interface is None
        assert f"在VPN {ping.vpn} 内以 {ping.source} 为源地址 ping {ping.destination}" in md
    assert f"步骤 {request.before_step} 之前：市级外网运营方配合事项" in md
    assert "至少收到 1 个回应" in md and "kind" not in md
    # A check no traffic check would back up says what it is there for (closing the exit).
    why = [c for s in plan.steps for c in s.checks if c.why]
    assert any(s.approach == "close_exit" for s in plan.steps for c in s.checks if c in why)
    for c in why:
        assert f"- [ ] {c.text}（目的：{c.why}）" in md
    html = (folder / "plan.html").read_text(encoding="utf-8")
    assert "<table>" in html and "<pre><code>" in html
    assert not re.search(r"<script|<link|src=|https?://", html)
    checks = yaml.safe_load((folder / "checks.yaml").read_text(encoding="utf-8"))
    assert len(checks["post"]) == sum(len(s.checks) for s in plan.steps)
    assert len(checks["pre"]) == len(plan.prechecks) > 0
    for host in plan.hosts:
        cfg = (folder / "configs" / f"{host}.cfg").read_text(encoding="utf-8").splitlines()
        back = (folder / "configs" / f"{host}.rollback.cfg").read_text(encoding="utf-8")
        platform = next(s.platform for s in plan.steps if s.host == host)
        assert cfg == to_push_lines(plan.get_config(host), platform)
        assert back.splitlines() == to_push_lines(plan.get_rollback(host), platform)


# --- injection ---------------------------------------------------------------------------------


def test_a_template_cannot_print_an_unchecked_value() -> None:
    env = get_template_env(TEMPLATES)
    context: dict[str, Any] = {"interface": "GigabitEthernet0/0/1\nreboot"}
    with pytest.raises(UnsafeValue, match="not checked"):
        render_approach(env, "huawei", "decommission_line", context)
    lines = render_approach(env, "huawei", "decommission_line", {"interface": Safe("GE0/0/1")})
    assert lines == ["interface GE0/0/1", " shutdown"]


def test_unit_names_with_commands_are_neutralised(district: District) -> None:
    """A unit renamed in the inventory to carry CLI commands reaches descriptions harmlessly."""
    evil = "人社局\nquit\nundo interface GigabitEthernet0/0/1\r\x1a? "
    inp, result, snapshot = district.plan_input(district.devices)
    for network in result.networks:
        network.name = evil
    plan = next(
        p for p in all_plans(inp, snapshot) if "dedicated_vpn" in {s.approach for s in p.steps}
    )
    for step in plan.steps:
        for line in step.config:
            assert not line.strip().startswith(("quit", "undo interface GigabitEthernet0/0/1"))
            assert "\r" not in line and "\x1a" not in line and "?" not in line
    descriptions = [ln for s in plan.steps for ln in s.config if "description" in ln]
    assert any("人社局 quit undo interface GigabitEthernet0/0/1 ？" in d for d in descriptions)


def test_device_names_that_are_not_plain_stop_the_plan(district: District, tmp_path: Path) -> None:
    """An interface name read from a device with a newline in it: no plan is made."""
    inp, result, snapshot = district.plan_input(district.devices)
    plan = next(
        p for p in all_plans(inp, snapshot) if "close_exit" in {s.approach for s in p.steps}
    )
    exit_ = next(e for e in plan.exits if e.own_exit)
    hosts = []
    for host in snapshot.hosts:
        if host.hostname == exit_.host and host.facts is not None:
            bad = [
                Interface(**{**i.__dict__, "name": i.name + "\nreboot"})
                if i.name == exit_.interface
                else i
                for i in host.facts.interfaces
            ]
            host = type(host)(
                **{
                    **host.__dict__,
                    "facts": type(host.facts)(**{**host.facts.__dict__, "interfaces": tuple(bad)}),
                }
            )
        hosts.append(host)
    exit_.interface = f"{exit_.interface}\nreboot"  # the same Exit the classification holds
    poisoned = Snapshot(snapshot.units, hosts, snapshot.lines)
    bad_input = PlanInput(result, poisoned, inp.configs, inp.policy, DIALECTS, TEMPLATES)
    with pytest.raises(UnsafeValue, match="not an interface name"):
        make_plan(bad_input, plan.unit)


def test_plan_cli_errors_are_one_line(tmp_path: Path) -> None:
    from govnet.app.project import init_project

    init_project(tmp_path)
    for args, message in (
        (["plan"], "name one or more units, or --all"),
        (["plan", "--all"], "no classification yet"),
        (["plan", "--cancel", "7"], "no plan 7"),
        (["plan", "--cancel", "7", "--all"], "--cancel takes a plan id alone"),
    ):
        run = subprocess.run(
            [
                sys.executable,
                "-c",
                "from govnet.cli import main; main()",
                "--project",
                str(tmp_path),
                *args,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.returncode == 1, run.stderr
        assert message in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("platform", sorted(DIALECTS))
def test_every_platform_that_plans_has_every_template(platform: str) -> None:
    """Over the registry: a platform with a dialect: has each approach and its rollback."""
    env = get_template_env(TEMPLATES)
    for approach in APPROACHES:
        for suffix in ("", ".rollback"):
            assert env.get_template(f"{platform}/{approach}{suffix}.j2") is not None
