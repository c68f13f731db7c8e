"""Pushing cutover plans to the lab over SSH, as an engineer would at night.

One district (370702, seed 3, 60 routers) served by `govnet lab up`, surveyed, classified and
planned through the CLI. A department with a vertical network and its own internet exit is
pushed host by host, surveyed again (migrated, exit consolidated), then rolled back (the first
snapshot returns). A department whose carrier circuit drops the new VLAN while both
sub-interfaces stay up (the lab's `closed_vlans` fault) fails its ping check and is rolled
back automatically; so is a step whose line is not quiet (its counters still grow). A device
changed by hand where the plan touches it is refused untouched, naming the line; a change
elsewhere is reported and does not block. Two departments' plans sharing the county PE are
pushed one after the other without a new survey, and rolled back each its own share.
`push --all` pushes the district's plans in order, each hold point confirmed at a terminal
(the operators' requests were done first), and stops at the first failure, with a report
(slow; the default run does one plan's dry run through it). The classified router and the
police router (both breaches) are refused before any connection, even with --commit: their
steps are done on site by hand.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from govnet.model.plans import Check, PingAnswer
from govnet.push import get_config_diff
from govnet.store import get_os_user
from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab
from govnet_lab.district import load_district
from push_lab import Lab, planned

COUNTY, SEED, SIZE = "370702", 3, 60
MIGRATED = "c370702-renshe"  # 金保 (vertical) + an internet line of its own
CLOSED = "c370702-yibao"  # 医保 (vertical); its CE's carrier passes only the VLANs it had
DRIFTED = "c370702-tongji"  # a zombie line to shut
SHARING = "c370702-caizheng"  # a route on the county PE that MIGRATED's plan changes too
CLASSIFIED = "c370702-jiyao"  # its classified router's temporary extranet link: the breach
POLICE = "c370702-gongan"  # its police router carries the extranet line too: a breach
PUBLIC = "c370702-jiaowei"  # 教育城域网, a local network: into the public zone by NAT
CONFIG = "display current-configuration"


def network(result: dict[str, Any], key: str) -> dict[str, Any]:
    return next(n for n in result["networks"] if n["key"] == key)


def access(result: dict[str, Any], unit: str) -> dict[str, Any]:
    return next(u for u in result["units"] if u["unit"] == unit)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("push") / "county"
    start_lab(
        root,
        county=COUNTY,
        devices=SIZE,
        seed=SEED,
        faults=f"closed_vlans={CLOSED}-ce1",
        first_port=get_free_port_run(SIZE),
        timeout=120,
    )
    with planned(root) as lab:
        yield lab


@pytest.mark.slow
def test_a_department_is_migrated_and_rolled_back_over_ssh(lab: Lab) -> None:
    jinbao = f"{MIGRATED}:jinbao"
    before = network(lab.first, jinbao)
    assert (before["target"], before["rule"]) == ("extranet_dedicated_vpn", "vertical")
    assert access(lab.first, MIGRATED)["own_exit"] is True
    hosts = lab.hosts_in_order(MIGRATED)
    assert len(hosts) == 3  # the PE, the CE with the old line, the router of the own exit

    # A dry run reads the device and changes nothing; out of order is refused.
    code, dry = lab.push(MIGRATED, hosts[0])
    assert code == 0 and dry["result"] == "dry_run" and dry["drift"] == []
    assert any(line.startswith("+ ip vpn-instance zw-jinbao") for line in dry["diff"])
    code, early = lab.push(MIGRATED, hosts[1], "--commit")
    assert code == 1 and early["result"] == "refused" and hosts[0] in early["reason"]

    lab.play_city(MIGRATED)
    pushed = {}
    for host in hosts:
        code, done = lab.push(MIGRATED, host, "--commit")
        pushed[host] = done
        assert code == 0, (done["reason"], done["checks"])
        assert done["result"] == "applied" and done["saved"] is True
        assert done["checks"] and all(c["held"] for c in done["checks"])
    # Traffic proves each new link, in the new VPN: the PE pings the city's end of its
    # hand-off (the city did its request), the CE pings the PE over the new link; then the
    # CE reaches the system's server (the probe) from its link address, and from the
    # business segment's gateway once it is rebound (the system's operator routes it back).
    pings = [c for h in hosts for c in pushed[h]["checks"] if " ping " in c["check"]]
    to_city, to_pe, *to_system, to_internet = pings
    assert to_city["check"].startswith(hosts[0]) and to_pe["check"].startswith(hosts[1])
    assert len(to_system) == 2 and all("10.176.0.10" in c["check"] for c in to_system)
    assert "198.51.100.10" in to_internet["check"]  # the LAN, its own exit closed
    for ping in pings:
        assert ping["seen"] == "sent 5, received 5"
        assert "VPN zw-jinbao" in ping["check"] or ping is to_internet
    quiet = [c for h in hosts for c in pushed[h]["checks"] if "quiet" in c["check"]]
    assert quiet and all(c["held"] and "packets/s over 3 s" in c["seen"] for c in quiet)
    again = lab.govnet("push", str(lab.plans[MIGRATED]["plan"]), "--host", hosts[0], "--commit")
    assert again.returncode == 1 and "is already applied on" in again.stderr

    assert lab.govnet("survey").returncode == 0
    after = lab.json("classify")
    moved = network(after, jinbao)
    assert (moved["target"], moved["rule"]) == ("extranet_dedicated_vpn", "migrated")
    assert any("zw-jinbao" in e["text"] for e in moved["evidence"])
    unit = access(after, MIGRATED)
    assert unit["own_exit"] is False and unit["exits"] == []
    assert unit["category"] in ("B", "D") and unit["unified"] is True
    old = [ln for ln in after["lines"] if ln["network"] == jinbao]
    assert old and all(ln["target"] == "decommission" for ln in old)

    # Progress across the two snapshots; then the carrier cancels the old line (it leaves
    # the ledger) and the next snapshot counts its fee as saved.
    progress = lab.json("report", "progress")
    first_point, second_point = progress["points"]
    assert second_point["migrated"] == first_point["migrated"] + 1
    assert second_point["exits_closed"] == first_point["exits_closed"] + 1
    unit_progress = next(u for u in progress["units"] if u["unit"] == MIGRATED)
    assert unit_progress["network_status"][jinbao] == "migrated"
    (circuit,) = {c for ln in old for c in ln["circuits"]}
    ledger = lab.root / "inventory" / "lines.yaml"
    original = ledger.read_text(encoding="utf-8")
    data = yaml.safe_load(original)
    (cancelled,) = [ln for ln in data["lines"] if ln["circuit_id"] == circuit]
    data["lines"].remove(cancelled)
    ledger.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    assert lab.govnet("survey").returncode == 0
    lab.json("classify")
    third_point = lab.json("report", "progress")["points"][-1]
    assert third_point["lines_cancelled"] == 1
    assert third_point["monthly_saved"] == cancelled["monthly_fee"]
    yearly = cancelled.get("annual_fee") or cancelled["monthly_fee"] * 12
    assert third_point["annual_saved"] == yearly
    ledger.write_text(original, encoding="utf-8")  # the rest of the test wants it back

    for host in reversed(hosts):
        code, done = lab.push(MIGRATED, host, "--rollback", "--commit")
        assert code == 0, done
        assert done["result"] == "applied" and done["reason"] is None

    assert lab.govnet("survey").returncode == 0
    store = lab.store()
    try:
        runs = [r["id"] for r in store.get_survey_runs()]
        first, last = (
            store.get_running_configs(runs[0], [CONFIG]),
            store.get_running_configs(runs[-1], [CONFIG]),
        )
        pushes = store.get_pushes(lab.plans[MIGRATED]["plan"])
    finally:
        store.dispose()
    assert all(last[h] == first[h] for h in hosts)
    assert lab.govnet("survey", "diff", str(runs[0]), str(runs[-1])).stdout.startswith(
        f"run {runs[0]} -> run {runs[-1]}: 0 change(s)"
    )
    back = lab.json("classify")
    assert network(back, jinbao)["rule"] == "vertical"
    assert access(back, MIGRATED)["own_exit"] is True

    # Every commit is on record: who, which host, how it ended, the backup taken first.
    applied = [p for p in pushes if p["action"] == "apply" and p["result"] == "applied"]
    assert [p["hostname"] for p in applied] == hosts
    assert all(p["backup"] == first[p["hostname"]] for p in applied)
    assert {p["made_by"] for p in pushes} == {get_os_user()}
    assert [p["result"] for p in pushes if p["result"] != "applied"] == ["refused"]  # out of order
    assert all(p["finished_at"] is not None for p in pushes)
    secret = lab.env["GOVNET_PASSWORD"]
    assert not any(secret in json.dumps(p, default=str) for p in pushes)


def test_a_failed_ping_check_rolls_back_by_itself(lab: Lab) -> None:
    """The carrier drops the new VLAN while the CE's new sub-interface is up, as real ones
    are: every state check holds, the ping over the new link gets no reply, the rollback
    runs, the CE's configuration is the backup again."""
    pe, ce, *_ = lab.hosts_in_order(CLOSED)
    # Before the city has done its side, the PE's ping to the city's end finds nobody: the
    # PE's step is rolled back by itself, whatever state checks hold.
    code, alone = lab.push(CLOSED, pe, "--commit")
    assert code == 1 and alone["result"] == "rolled_back", alone
    (down,) = [c for c in alone["checks"] if not c["held"]]
    assert " ping " in down["check"] and down["seen"] == "sent 5, received 0"
    lab.play_city(CLOSED)
    code, done = lab.push(CLOSED, pe, "--commit")
    assert code == 0 and done["result"] == "applied"
    code, failed = lab.push(CLOSED, ce, "--commit")
    assert code == 1
    assert failed["result"] == "rolled_back"
    assert "check failed" in failed["reason"] and "backup's state is back" in failed["reason"]
    held = [c["check"] for c in failed["checks"] if c["held"]]
    assert any(".200" in c and ": up" in c for c in held)  # the sub-interface is up...
    down = [c for c in failed["checks"] if not c["held"]]
    assert down and {c["seen"] for c in down} == {"sent 5, received 0"}  # ...but carries
    assert all(" ping " in c["check"] and "VPN zw-yibao" in c["check"] for c in down)  # none
    store = lab.store()
    try:
        record = store.get_pushes(lab.plans[CLOSED]["plan"], ce)[-1]
    finally:
        store.dispose()
    assert record["result"] == "rolled_back" and record["backup"]
    now, _facts = lab.device(ce).read()
    assert get_config_diff(lab.device(ce).dialect, record["backup"], now) == []
    code, undone = lab.push(CLOSED, pe, "--rollback", "--commit")
    assert code == 0 and undone["result"] == "applied"


@pytest.mark.slow  # 20 s over SSH: with the slow tests, to keep make test short
def test_a_local_network_reaches_the_public_zone_through_nat(lab: Lab) -> None:
    """The education bureau's LAN (private addresses) into the public zone: the dry run's
    pre-checks hold (the zone link answers, no NAT yet), the push adds the NAT and its ping
    from the LAN gateway address holds, and the unit's public-zone flow of the ground truth
    works over SSH from the LAN address, translated on the CE; the rollback gives back the
    backup."""
    truth = yaml.safe_load((lab.root / "lab" / "ground_truth.yaml").read_text())
    (flow,) = [f for f in truth["flows"] if f["unit"] == PUBLIC and f["kind"] == "extranet_public"]
    hosts = lab.hosts_in_order(PUBLIC)
    assert flow["host"] in hosts
    code, dry = lab.push(PUBLIC, flow["host"])
    assert code == 0 and dry["result"] == "dry_run", dry
    assert any("nat outbound" in line for line in dry["diff"])
    assert not any(re.match(r"\+ ip route-static 10\.", line) for line in dry["diff"])
    for host in hosts:
        code, done = lab.push(PUBLIC, host, "--commit")
        assert code == 0 and done["result"] == "applied", done
        assert all(c["held"] for c in done["checks"]), done["checks"]
        if host == flow["host"]:
            (ping,) = [c for c in done["checks"] if " ping " in c["check"]]
            assert flow["source"] in ping["check"] and ping["seen"] == "sent 5, received 5"
            assert any("NAT outbound 存在" in c["check"] for c in done["checks"])
    ce = lab.device(flow["host"])
    check = Check(
        flow["host"], "ping", 1, source=flow["source"], destination=flow["destination"], count=5
    )
    assert ce.ping([check])[check] == PingAnswer(5, 5)  # the flow, as the truth names it
    _config, facts = ce.read()
    assert any(n.kind == "easy_ip" and n.acl for n in facts.nat)
    for host in reversed(hosts):
        code, undone = lab.push(PUBLIC, host, "--rollback", "--commit")
        assert code == 0 and undone["result"] == "applied", undone
    assert ce.ping([check])[check] == PingAnswer(5, 5)


def test_a_failed_quiet_check_rolls_back_by_itself(lab: Lab) -> None:
    """The education bureau's CE step, stored again with a quiet post-check on the LAN port
    its business flows cross (20-200 packets/s each): every other check holds, the counters
    grow, so the step is rolled back and the backup is back. As a pre-check ("before
    anything changes, this line carries nothing") the same busy port refuses the push with
    nothing typed, while a zombie line (down, no business: the truth says so), watched on
    its own router over a read-only session, is quiet and lets it go on."""
    truth = yaml.safe_load((lab.root / "lab" / "ground_truth.yaml").read_text())
    (flow,) = [f for f in truth["flows"] if f["unit"] == PUBLIC and f["kind"] == "extranet_public"]
    host = flow["host"]
    device = load_district(get_lab_paths(lab.root).district).get_device(host)
    assert device is not None
    lan = next(
        i.name for i in device.interfaces if i.address and str(i.address.ip) == flow["source"]
    )
    zombie = next(ln for ln in truth["lines"] if ln["zombie"] and ln["on_device"])
    store = lab.store()
    try:
        row = store.get_plan(lab.plans[PUBLIC]["plan"])
        assert row is not None
        plans = {}
        watched = {
            "post": (host, lan),
            "busy": (host, lan),
            "idle": (zombie["host"], zombie["interface"]),
        }
        for name, (where, port) in watched.items():
            detail = copy.deepcopy(row["detail"])
            part = detail["parts"][host]
            when, step = ("post", max(part["steps"])) if name == "post" else ("pre", 0)
            quiet = Check(where, "quiet", step, interface=port, seconds=2, rate=1.0)
            part[when].append(quiet.to_dict())
            detail["parts"] = {host: part}  # this host alone: no other host to push first
            plans[name] = store.add_plan(
                row["unit_key"], row["classify_run_id"], row["path"], row["digest"], detail
            )
    finally:
        store.dispose()

    def push(name: str, *flags: str) -> tuple[int, dict[str, Any]]:
        done = lab.govnet("push", str(plans[name]), "--host", host, *flags, "--json")
        assert done.stdout, done.stderr
        return done.returncode, json.loads(done.stdout)

    before, _facts = lab.device(host).read()
    code, refused = push("busy", "--commit")
    assert code == 1 and refused["result"] == "refused", refused
    assert "pre-check failed" in refused["reason"] and lan in refused["reason"], refused
    (busy,) = [c for c in refused["checks"] if not c["held"]]
    assert "quiet" in busy["check"] and float(busy["seen"].split()[0]) >= 20, busy
    assert lab.device(host).read()[0] == before  # nothing typed
    code, idle = push("idle")
    assert code == 0 and idle["result"] == "dry_run", idle  # its pre-checks held, quiet too
    code, failed = push("post", "--commit")
    assert code == 1 and failed["result"] == "rolled_back", failed
    assert "check failed" in failed["reason"] and "backup's state is back" in failed["reason"]
    (down,) = [c for c in failed["checks"] if not c["held"]]
    assert lan in down["check"] and "quiet" in down["check"]
    rate, over = down["seen"].split(" packets/s over ")
    assert float(rate) >= 20 and over.endswith(" s"), down  # a flow's packets, at least
    assert len(failed["checks"]) > 1 and all(c["held"] for c in failed["checks"] if c != down)
    store = lab.store()
    try:
        record = store.get_pushes(plans["post"], host)[-1]
        for plan_id in plans.values():  # the copies hold nothing of the registry's
            store.cancel_plan(plan_id)
    finally:
        store.dispose()
    assert record["result"] == "rolled_back" and record["backup"]
    now, _facts = lab.device(host).read()
    assert get_config_diff(lab.device(host).dialect, record["backup"], now) == []


def test_a_hand_edit_blocks_only_where_the_plan_touches(lab: Lab) -> None:
    """Changed by hand since the survey: an interface the plan never names is reported and
    does not block; the port the plan shuts refuses the push untouched, naming the line."""
    (host,) = lab.hosts_in_order(DRIFTED)
    store = lab.store()
    try:
        plan = store.get_plan(lab.plans[DRIFTED]["plan"])
    finally:
        store.dispose()
    assert plan is not None
    lines = plan["detail"]["parts"][host]["config"]
    shut = next(line.split()[1] for line in lines if line.startswith("interface "))
    device = lab.device(host)
    running, _facts = device.read()
    described: dict[str, str] = {}  # each port's description, to put back afterwards
    port = ""
    for line in running.splitlines():
        if line.startswith("interface "):
            port = line.split()[1]
        elif line.startswith(" description ") and port:
            described[port] = line.strip()
    assert shut in described
    other = next(p for p in described if p.split(".")[0] != shut)

    def edit(port: str, text: str = "description changed by hand") -> None:
        typed = [f"interface {port}", f" {text}", " quit"]
        assert device.configure(typed, stop_at_refusal=True) == []

    edit(other)
    code, dry = lab.push(DRIFTED, host)
    assert code == 0 and dry["result"] == "dry_run" and dry["drift"] == [], dry
    assert f"+ interface {other} / description changed by hand" in dry["drift_elsewhere"]
    done = lab.govnet("push", str(lab.plans[DRIFTED]["plan"]), "--host", host)
    assert done.returncode == 0 and "where the plan does not touch (not blocking)" in done.stdout
    assert "description changed by hand" in done.stdout
    edit(shut)
    changed, _facts = device.read()
    code, result = lab.push(DRIFTED, host, "--commit")
    assert code == 1 and result["result"] == "refused"
    assert "has changed since survey run" in result["reason"]
    assert f"+ interface {shut} / description changed by hand" in result["reason"]
    assert f"+ interface {shut} / description changed by hand" in result["drift"]
    assert all(
        line.startswith(f"- interface {shut} / description") for line in result["drift"][:-1]
    )
    assert f"+ interface {other} / description changed by hand" in result["drift_elsewhere"]
    assert device.read()[0] == changed  # nothing typed
    done = lab.govnet("push", str(lab.plans[DRIFTED]["plan"]), "--host", host)
    assert done.returncode == 1 and f"interface {shut} / description changed" in done.stdout
    assert "Traceback" not in done.stderr
    edit(shut, described[shut])  # undone: the plan is pushed with the others below
    edit(other, described[other])
    assert get_config_diff(device.dialect, running, device.read()[0]) == []


@pytest.mark.slow  # 28 s over SSH; drift by section stays in the default run (test_push_drift)
def test_two_plans_on_the_county_pe_are_pushed_without_a_new_survey(lab: Lab) -> None:
    """Two departments' plans made from one survey both change the county PE: the second
    push finds the first one's lines, recorded as that push's (not blocking); rolling the
    first back leaves the second's lines; rolling the second back gives the snapshot."""
    pe = "c370702-dsj-core2"
    first, second = MIGRATED, SHARING
    assert lab.hosts_in_order(first)[0] == pe == lab.hosts_in_order(second)[0]
    device = lab.device(pe)
    before, _facts = device.read()
    lab.play_city(first)
    lab.play_city(second)
    code, done = lab.push(first, pe, "--commit")
    assert code == 0 and done["result"] == "applied", done
    added = [ln for ln in done["lines"] if not ln.startswith(" ") and ln.strip() != "quit"]
    code, done = lab.push(second, pe, "--commit")
    assert code == 0 and done["result"] == "applied", done
    assert done["drift"] == [] and done["drift_elsewhere"] == []
    push_id = lab.store_pushes(first, pe)[-1]["id"]
    theirs = f"push {push_id} (plan {lab.plans[first]['plan']}): + "
    assert {f"{theirs}{line}" for line in added} <= set(done["by_pushes"]), done["by_pushes"]
    own = [ln for ln in done["lines"] if ln.startswith("ip route-static")]
    assert own

    code, undone = lab.push(first, pe, "--rollback", "--commit")
    assert code == 0 and undone["result"] == "applied" and undone["reason"] is None, undone
    now, _facts = device.read()
    assert all(line in now.splitlines() for line in own)  # the second plan's lines stay
    assert not any("zw-jinbao" in line for line in now.splitlines())
    code, undone = lab.push(second, pe, "--rollback", "--commit")
    assert code == 0 and undone["result"] == "applied" and undone["reason"] is None, undone
    assert get_config_diff(device.dialect, before, device.read()[0]) == []


@pytest.mark.parametrize(  # the police router in the default run, both with the slow tests
    "unit", [pytest.param(CLASSIFIED, marks=pytest.mark.slow), POLICE]
)
def test_a_classified_or_police_device_is_never_pushed_to(lab: Lab, unit: str) -> None:
    """Its plan is manual: push refuses it even with --commit (and a rollback too) before
    connecting, types nothing, records the refusal, and says what to do instead."""
    (host,) = lab.hosts_in_order(unit)
    device = lab.device(host)
    before, _facts = device.read()
    for flags in (("--commit",), ("--rollback", "--commit"), ()):
        code, result = lab.push(unit, host, *flags)
        assert code == 1 and result["result"] == "refused", flags
        assert result["lines"] == [] and result["checks"] == [] and result["diff"] == []
        reason = result["reason"]
        assert "never configured over the network" in reason and "保密办" in reason
        assert "on site, by hand" in reason and "plan.md" in reason
    assert device.read()[0] == before  # nothing typed
    store = lab.store()
    try:
        pushes = store.get_pushes(lab.plans[unit]["plan"], host)
    finally:
        store.dispose()
    # the two commits recorded as refused, the dry run not; no backup: the device was not read
    assert [(p["action"], p["result"], p["backup"]) for p in pushes] == [
        ("apply", "refused", None),
        ("rollback", "refused", None),
    ]
    done = lab.govnet("push", str(lab.plans[unit]["plan"]), "--host", host, "--commit")
    assert done.returncode == 1 and "保密办" in done.stderr and "Traceback" not in done.stderr
    assert "lines to type" not in done.stdout


SAVED = {  # the saved configuration's show command, and the line leaving an interface
    "huawei": ("display saved-configuration", "quit"),
    "hp_comware": ("display saved-configuration", "quit"),
    "cisco_ios": ("show startup-config", "exit"),
}


@pytest.mark.parametrize("platform", ["huawei", "hp_comware", "cisco_ios"])
def test_each_platform_saves_and_reports_a_refused_line(lab: Lab, platform: str) -> None:
    store = lab.store()
    try:
        rows = store.get_inventory_rows("devices")
    finally:
        store.dispose()
    units = (MIGRATED, CLOSED, DRIFTED, CLASSIFIED, POLICE, SHARING)
    busy = {h for unit in units for h in lab.hosts_in_order(unit)}
    host = next(
        r["hostname"] for r in rows if r["platform"] == platform and r["hostname"] not in busy
    )
    device = lab.device(host)
    before, _facts = device.read()
    refused = device.configure(["frobnicate the router"], stop_at_refusal=True)
    assert len(refused) == 1 and refused[0].startswith("frobnicate the router: ")
    assert device.save() is True
    assert device.read()[0] == before
    # The save really saves: a change shows in the saved configuration only once saved
    # (govnet_lab.vendors._saved); the loopback's description is changed, then put back.
    found = re.search(r"^interface (Loop[Bb]ack0)\n description (\S+)$", before, re.M)
    assert found is not None, "the lab's loopback has a description"
    loopback, description = found.groups()
    show, leave = SAVED[platform]

    def saved() -> str:
        with device.cli("reading the saved configuration") as cli:
            return cli.send(show)

    for text in ("saved-by-push-test", description):
        lines = [f"interface {loopback}", f"description {text}", leave]
        assert device.configure(lines, stop_at_refusal=True) == []
        assert f"description {text}" not in saved() or text == description
        assert device.save() is True
        assert f" description {text}" in saved()
    assert "saved-by-push-test" not in saved()
    assert device.read()[0] == before


def test_push_mistakes_are_one_line_errors(lab: Lab) -> None:
    plan = str(lab.plans[DRIFTED]["plan"])
    cases: list[tuple[tuple[str, ...], str]] = [
        (("push", "999", "--host", "x"), "error: no plan 999 (see `govnet plan`)"),
        (("push", "no-such-unit", "--host", "x"), "error: no plan for 'no-such-unit'"),
        (("push", plan, "--host", "c370702-dsj-core1"), "has no step in plan"),
    ]
    lines = lab.root / "city-mistake.cfg"
    lines.write_text("interface GigabitEthernet0/0/0\n", encoding="utf-8")
    cases += [  # `govnet lab apply` types only into upstream routers, named in one line
        (("lab", "apply", "--host", "c370702-dsj-core1", str(lines)), "is not an upstream router"),
        (("lab", "apply", "--host", "nowhere", str(lines)), "nowhere is not an upstream router"),
    ]
    for args, message in cases:
        done = lab.govnet(*args)
        assert done.returncode == 1 and message in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1
    env = {k: v for k, v in lab.env.items() if not k.startswith("GOVNET_")}
    done = subprocess.run(
        [sys.executable, "-c", "from govnet.cli import main; main()", "push", plan, "--host", "x"],
        capture_output=True,
        text=True,
        env=env,
        cwd=lab.root,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1 and "no credentials: set GOVNET_USERNAME" in done.stderr


def test_push_all_hosts_dry_run_writes_a_report(lab: Lab) -> None:
    """`govnet push PLAN --all-hosts` without --commit: each host's dry run in order (a
    host after another of the plan waits for it), nothing changed, one report written."""
    (host,) = lab.hosts_in_order(DRIFTED)
    before, _facts = lab.device(host).read()
    done = lab.govnet("push", str(lab.plans[DRIFTED]["plan"]), "--all-hosts")
    assert done.returncode == 0, done.stderr
    assert f"plan {lab.plans[DRIFTED]['plan']} ({DRIFTED}) {host}: dry_run" in done.stdout
    assert "dry run: nothing was changed" in done.stdout
    (report,) = re.findall(r"^report: (.+\.md)$", done.stdout, re.M)
    text = Path(report).read_text(encoding="utf-8")
    assert "dry run: nothing was changed" in text and f"| {host} | 1 | dry_run |" in text
    assert lab.device(host).read()[0] == before
    done = lab.govnet("push", "--all", "--host", host)  # one host, or every one: not both
    assert done.returncode == 1 and "take no --host" in done.stderr, done.stderr
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


@pytest.mark.slow
def test_push_all_stops_at_the_first_failure_with_a_report(lab: Lab) -> None:
    """`govnet push --all`: the operators' requests listed before anything starts; the
    on-site hosts skipped; each plan's hosts pushed in the order of their steps; the CE
    whose carrier drops the new VLAN rolled back, and nothing after it tried; one report."""
    for unit in lab.plans:
        lab.play_city(unit)
    dry = lab.json("push", "--all")
    assert dry["ok"] is True and not dry["commit"], dry["stopped"]
    assert {r["plan"] for r in dry["requests"]} >= {
        lab.plans[u]["plan"] for u in (MIGRATED, CLOSED)
    }
    # Requests played above, before anything: every hold point is confirmed at the terminal.
    done = lab.govnet_at_terminal("push", "--all", "--commit", "--json", typed="y\n" * 50)
    assert done.returncode == 1, done.stderr
    batch = json.loads(done.stdout)
    answered = [h["answer"] for h in batch["holds"] if h["answer"] != "not_reached"]
    assert answered and set(answered) == {"confirmed"}, batch["holds"]
    rows = [(p["unit"], p["host"], p["status"]) for p in batch["pushes"]]
    pe, ce = lab.hosts_in_order(CLOSED)
    stop = rows.index((CLOSED, ce, "rolled_back"))
    assert batch["stopped"]["host"] == ce and "check failed" in batch["stopped"]["reason"]
    before, after = rows[:stop], rows[stop + 1 :]
    assert (CLOSED, pe, "applied") in before
    assert [h for u, h, _s in before if u == MIGRATED] == lab.hosts_in_order(MIGRATED)
    skipped = {u for u, _h, s in before if s == "skipped"}
    assert {CLASSIFIED, POLICE} <= skipped and skipped <= {CLASSIFIED, POLICE}
    assert all(s in ("applied", "skipped", "already_applied") for _u, _h, s in before)
    assert after and all(s == "not_reached" for _u, _h, s in after)
    plans = [lab.plans[u]["plan"] for u, _h, _s in rows]
    assert plans == sorted(plans)  # in the order `plan --all` made them
    report = Path(batch["report"])
    text = report.read_text(encoding="utf-8")
    assert f"**Stopped** at plan {lab.plans[CLOSED]['plan']} ({CLOSED}) on {ce}" in text
    assert "city operator" in text and "VLAN" in text
    assert json.loads(report.with_suffix(".json").read_text(encoding="utf-8"))["stopped"]


@pytest.mark.slow
def test_push_all_hosts_applies_every_unblocked_host_push(lab: Lab) -> None:
    """Every plan but the one whose carrier drops its VLAN (`push PLAN... --all-hosts
    --commit`): every host push applied or already applied, the
    shared PE's later pushes finding the earlier ones' lines recorded as theirs."""
    for unit in lab.plans:
        lab.play_city(unit)
    units = [u for u in lab.plans if u != CLOSED and lab.plans[u]["hosts"]]
    refs = [str(lab.plans[u]["plan"]) for u in units]
    done = lab.govnet_at_terminal(
        *["push", *refs, "--all-hosts", "--commit", "--json"], typed="y\n" * 50
    )
    batch = json.loads(done.stdout)
    assert done.returncode == 0 and batch["ok"] and batch["stopped"] is None, batch["stopped"]
    statuses = {(p["unit"], p["host"]): p["status"] for p in batch["pushes"]}
    assert {s for (u, _h), s in statuses.items() if u in (CLASSIFIED, POLICE)} == {"skipped"}
    pushed = {k: s for k, s in statuses.items() if k[0] not in (CLASSIFIED, POLICE)}
    assert pushed and set(pushed.values()) <= {"applied", "already_applied"}
    shared = [p for p in batch["pushes"] if p["host"] == "c370702-dsj-core2" and p["result"]]
    assert any(p["result"]["by_pushes"] for p in shared)
