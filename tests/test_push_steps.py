"""A host's push goes step by step, and a step may be proved from another router.

One small district (370702, seed 3, 30 routers) served over SSH and surveyed through the CLI.
Each test stores its own plan for one Huawei router A (two steps, each a description on one
of A's interfaces, undone by the step's rollback), with checks whose truth the lab knows: a
flow of the ground truth that works, pinged from its own router B (another router than A),
holds; a ping to an address nobody has (TEST-NET-1) gets no reply; an interface A does not
have is not found. What the push did is read from its JSON result, its journal in the store
and the device itself.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from govnet.model.plans import Check
from govnet.platforms import load_platforms
from govnet.push import Device, get_config_diff
from govnet.store import Store, open_store
from govnet.survey.collect import Budget, Credentials, Target
from govnet_cli import run_govnet
from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.server import read_credentials

COUNTY, SEED, SIZE = "370702", 3, 30
NOBODY = "192.0.2.1"  # TEST-NET-1: no router of the lab answers it

pytestmark = pytest.mark.slow  # a lab of 30 routers, surveyed, then pushes over SSH


@dataclass
class Lab:
    root: Path
    env: dict[str, str]
    run: int  # the survey run the plans are made from
    a: str  # the router pushed to (huawei)
    b: str  # another router, whose flow of the ground truth works
    flow: dict[str, Any]
    plans: int = 0

    def govnet(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_govnet(self.root, self.env, *args)

    def store(self) -> Store:
        return open_store(f"sqlite:///{self.root}/.govnet/govnet.db")

    def device(self, host: str) -> Device:
        store = self.store()
        try:
            row = next(d for d in store.get_inventory_rows("devices") if d["hostname"] == host)
        finally:
            store.dispose()
        return Device(
            Target(host, row["address"], row["port"], row["platform"]),
            load_platforms(self.root),
            Credentials(self.env["GOVNET_USERNAME"], self.env["GOVNET_PASSWORD"]),
            Budget(),
        )

    def ping_from_b(self, step: int, destination: str | None = None) -> Check:
        flow = self.flow
        return Check(
            self.b,
            "ping",
            step,
            vpn=flow["vpn_instance"],
            source=flow["source"],
            destination=destination or flow["destination"],
            count=3,
        )

    def add_plan(self, post: list[Check], *, per_step: bool = True) -> int:
        """A plan of two steps on A; ``per_step`` False: stored as before plans kept each
        step's lines (one config, one rollback)."""
        running, _facts = self.device(self.a).read()
        described: dict[str, str | None] = {}  # A's interfaces, each with its description
        for line in running.splitlines():
            if line.startswith("interface "):
                port = line.split()[1]
                described[port] = None
            elif line.startswith(" description ") and described:
                described[port] = line.strip()
        steps = []
        for number, port in enumerate(list(described)[:2], 1):
            lines = [f"interface {port}", f" description govnet step {number}", " quit"]
            undo = f" {described[port]}" if described[port] else " undo description"
            steps.append((number, lines, [f"interface {port}", undo, " quit"]))
        part: dict[str, Any] = {
            "platform": "huawei",
            "steps": [1, 2],
            "approaches": ["test", "test"],
            "manual": None,
            "config": [line for _n, lines, _undo in steps for line in lines],
            "rollback": [line for _n, _lines, undo in reversed(steps) for line in undo],
            "pre": [],
            "post": [c.to_dict() for c in post],
        }
        if per_step:
            part["step_config"] = [[n, lines] for n, lines, _undo in steps]
            part["step_rollback"] = [[n, undo] for n, _lines, undo in steps]
        self.plans += 1
        folder = self.root / "reports" / "plans" / f"steps-{self.plans}"
        store = self.store()
        try:
            return store.add_plan(
                f"steps-{self.plans}",
                None,
                str(folder),
                f"digest-{self.plans}",
                {"survey_run": self.run, "parts": {self.a: part}},
            )
        finally:
            store.dispose()

    def push(self, plan: int, *flags: str) -> tuple[int, dict[str, Any], dict[str, Any]]:
        """The push's exit code, its JSON result and its record in the store."""
        done = self.govnet("push", str(plan), "--host", self.a, *flags, "--json")
        assert done.stdout and "Traceback" not in done.stderr, done.stderr
        store = self.store()
        try:
            pushes = store.get_pushes(plan, self.a)
        finally:
            store.dispose()
        return done.returncode, json.loads(done.stdout), pushes[-1] if pushes else {}

    def assert_backup_back(self, record: dict[str, Any]) -> None:
        device = self.device(self.a)
        now, _facts = device.read()
        assert get_config_diff(device.dialect, record["backup"], now) == []


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("steps") / "county"
    start_lab(root, county=COUNTY, devices=SIZE, seed=SEED, first_port=get_free_port_run(SIZE))
    try:
        username, password = read_credentials(get_lab_paths(root).credentials)
        env = dict(os.environ, GOVNET_USERNAME=username, GOVNET_PASSWORD=password)
        assert run_govnet(root, env, "survey").returncode == 0
        store = open_store(f"sqlite:///{root}/.govnet/govnet.db")
        try:
            run = store.get_survey_runs()[-1]["id"]
            platforms = {r["hostname"]: r["platform"] for r in store.get_inventory_rows("devices")}
        finally:
            store.dispose()
        truth = yaml.safe_load((root / "lab" / "ground_truth.yaml").read_text("utf-8"))
        flow = next(
            f for f in truth["flows"] if f["works"] and f["must_work"] and f["kind"] != "isolation"
        )
        a = next(h for h, p in platforms.items() if p == "huawei" and h != flow["host"])
        yield Lab(root, env, run, a, flow["host"], flow)
    finally:
        stop_lab(root)


def test_steps_are_typed_and_proved_one_by_one_from_another_router(lab: Lab) -> None:
    plan = lab.add_plan([lab.ping_from_b(1), lab.ping_from_b(2)])
    dry = lab.govnet("push", str(plan), "--host", lab.a)
    assert dry.returncode == 0, dry.stderr
    out = dry.stdout
    assert " step 1:\n" in out and " step 2:\n" in out
    assert out.index(" step 1:") < out.index("govnet step 1") < out.index(" step 2:")
    assert out.index(" step 2:") < out.index("govnet step 2")

    code, done, record = lab.push(plan, "--commit")
    assert code == 0 and done["result"] == "applied" and done["step"] is None, done
    assert [c["host"] for c in done["checks"]] == [lab.b, lab.b]  # proved from B, not A
    assert all(c["held"] for c in done["checks"])
    assert [c["seen"] for c in done["checks"]] == ["sent 3, received 3"] * 2
    assert [n for n, _lines in done["steps"]] == [1, 2]
    assert record["typed"] == len(done["lines"]) == 6
    code, undone, _record = lab.push(plan, "--rollback", "--commit")
    assert code == 0 and undone["result"] == "applied", undone
    lab.assert_backup_back(record)


def test_a_failed_check_of_step_two_undoes_both_steps(lab: Lab) -> None:
    """Step 1 holds (B reaches its system), step 2's check does not (B pings an address
    nobody has): both steps are undone, the device equals its backup, the result names
    step 2."""
    plan = lab.add_plan([lab.ping_from_b(1), lab.ping_from_b(2, NOBODY)])
    code, failed, record = lab.push(plan, "--commit")
    assert code == 1 and failed["result"] == "rolled_back", failed
    assert failed["step"] == 2 and failed["reason"].startswith("step 2: check failed")
    assert "backup's state is back" in failed["reason"]
    assert [(c["host"], c["held"]) for c in failed["checks"]] == [(lab.b, True), (lab.b, False)]
    assert record["typed"] == 6  # both steps were typed before step 2's check ran
    assert record["result"] == "rolled_back"
    lab.assert_backup_back(record)


def test_a_failed_check_of_step_one_stops_before_step_two(lab: Lab) -> None:
    missing = Check(lab.a, "interface", 1, interface="GigabitEthernet9/9/9", up=True)
    plan = lab.add_plan([missing, lab.ping_from_b(2)])
    code, failed, record = lab.push(plan, "--commit")
    assert code == 1 and failed["result"] == "rolled_back", failed
    assert failed["step"] == 1 and failed["reason"].startswith("step 1: check failed")
    assert [(c["host"], c["held"], c["seen"]) for c in failed["checks"]] == [
        (lab.a, False, "interface not found")
    ]
    assert record["typed"] == 3  # step 1's three lines; step 2's never went out
    lab.assert_backup_back(record)


def test_a_check_on_a_router_out_of_reach_fails_with_its_reason(lab: Lab) -> None:
    """Neither a host the inventory does not know nor one that does not answer ever passes a
    check: the step is rolled back, the reason named."""
    stranger = Check("no-such-router", "ping", 1, source="10.0.0.1", destination="10.0.0.2")
    plan = lab.add_plan([stranger])
    code, failed, record = lab.push(plan, "--commit")
    assert code == 1 and failed["result"] == "rolled_back" and failed["step"] == 1, failed
    ((check,),) = [[c for c in failed["checks"] if c["host"] == "no-such-router"]]
    assert check["seen"] == "cannot check on no-such-router: no-such-router is not in the inventory"
    lab.assert_backup_back(record)

    hosts_file = lab.root / "inventory" / "hosts.yaml"
    original = hosts_file.read_text("utf-8")
    inventory = yaml.safe_load(original)
    inventory[lab.b]["port"] = get_free_port_run(1)  # B's address answers no SSH there
    hosts_file.write_text(yaml.safe_dump(inventory, allow_unicode=True), "utf-8")
    try:
        plan = lab.add_plan([lab.ping_from_b(1)])
        code, failed, record = lab.push(plan, "--commit")
    finally:
        hosts_file.write_text(original, "utf-8")
    assert code == 1 and failed["result"] == "rolled_back", failed
    ((check,),) = [failed["checks"]]
    assert not check["held"] and check["seen"].startswith(f"{lab.b}: session lost while pinging")
    assert "TCP connection to device failed" in check["seen"]
    lab.assert_backup_back(record)


def test_a_plan_stored_before_per_step_lines_still_pushes_as_one_step(lab: Lab) -> None:
    plan = lab.add_plan([lab.ping_from_b(1), lab.ping_from_b(2)], per_step=False)
    code, done, record = lab.push(plan, "--commit")
    assert code == 0 and done["result"] == "applied", done
    assert [n for n, _lines in done["steps"]] == [1] and len(done["lines"]) == 6
    assert len(done["checks"]) == 2 and all(c["held"] for c in done["checks"])
    code, undone, _record = lab.push(plan, "--rollback", "--commit")
    assert code == 0 and undone["result"] == "applied", undone
    lab.assert_backup_back(record)
