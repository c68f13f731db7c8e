"""govnet survey against a real lab: every healthy router's facts equal the lab's truth, every
faulted one is recorded with the right category, offline ingestion of the same outputs gives
the same facts, and an interrupted survey is completed by --retry-failed.
"""

from __future__ import annotations

import ctypes
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from govnet.model.facts import HostFacts
from govnet.store import Store, open_store
from govnet_cli import run_govnet
from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.district import load_district
from govnet_lab.model import Device, Fault, get_routing_table
from govnet_lab.server import read_credentials

ROUTERS = 200
SYS_TGKILL = {"x86_64": 234, "aarch64": 131}[platform.machine()]  # Linux syscall numbers
# 5% of 200: two hosts of most faults, one of the rest
FAULTS = "bad_password=2,silent=2,drop=2,gbk=1,unsupported=1,odd_prompt=1,slow=1"
EXPECTED_STATUS: dict[Fault, tuple[str, str | None]] = {
    Fault.BAD_PASSWORD: ("failed", "auth"),
    Fault.SILENT: ("failed", "timeout"),
    Fault.DROP: ("partial", "disconnected"),
    Fault.GBK: ("ok", None),
    Fault.UNSUPPORTED: ("partial", "parse"),
    Fault.ODD_PROMPT: ("ok", None),
    Fault.SLOW: ("ok", None),
}


@dataclass
class SurveyLab:
    root: Path
    env: dict[str, str]
    devices: dict[str, Device]

    def govnet(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return run_govnet(self.root, self.env, *args, timeout=timeout)

    def open_store(self) -> Store:
        return open_store(f"sqlite:///{self.root}/.govnet/govnet.db")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SurveyLab]:
    root = tmp_path_factory.mktemp("survey") / "county"
    start_lab(
        root,
        county="370702",
        devices=ROUTERS,
        seed=3,
        faults=FAULTS,
        first_port=get_free_port_run(ROUTERS),
        timeout=120,
    )
    try:
        username, password = read_credentials(get_lab_paths(root).credentials)
        env = dict(os.environ, GOVNET_USERNAME=username, GOVNET_PASSWORD=password)
        district = load_district(get_lab_paths(root).district)
        yield SurveyLab(root, env, {d.hostname: d for d in district.devices})
    finally:
        stop_lab(root)


@pytest.fixture(scope="module")
def first_run(lab: SurveyLab) -> dict[str, Any]:
    result = lab.govnet("survey", "--json", "--command-timeout", "8", "--connect-timeout", "5")
    assert result.returncode == 1, result.stderr  # some hosts failed: the exit code says so
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def expected_facts(device: Device) -> dict[str, Any]:
    """What a survey must find on a lab router, in the terms of HostFacts."""
    return {
        "interfaces": {
            i.name: (
                tuple([str(i.address)] if i.address else []),
                i.vpn_instance,
                i.admin_up,
                i.oper_up,
                i.description,
            )
            for i in device.interfaces
        },
        "vpn_instances": {v.name: v.route_distinguisher for v in device.vpn_instances},
        "default_routes": {
            (
                vpn,
                tuple(
                    sorted(
                        str(r.next_hop)
                        for r in get_routing_table(device, vpn)
                        if str(r.prefix) == "0.0.0.0/0" and r.next_hop
                    )
                ),
            )
            for vpn in [None, *(v.name for v in device.vpn_instances)]
        },
        "nat": sorted((n.kind.value, n.interface) for n in device.nat_rules),
    }


def observed_facts(facts: HostFacts) -> dict[str, Any]:
    vpns = [None, *(v.name for v in facts.vpn_instances)]
    return {
        "interfaces": {
            i.name: (i.addresses, i.vpn_instance, i.admin_up, i.oper_up, i.description)
            for i in facts.interfaces
        },
        "vpn_instances": {v.name: v.route_distinguisher for v in facts.vpn_instances},
        "default_routes": {
            (
                vpn,
                tuple(
                    sorted(
                        h
                        for r in facts.routes
                        if r.prefix == "0.0.0.0/0" and r.vpn_instance == vpn
                        for h in r.next_hops
                    )
                ),
            )
            for vpn in vpns
        },
        "nat": sorted((n.kind, n.interface) for n in facts.nat),
    }


def test_every_host_has_the_status_its_faults_give(
    lab: SurveyLab, first_run: dict[str, Any]
) -> None:
    assert first_run["status"] == "complete" and first_run["done"] == ROUTERS
    store = lab.open_store()
    try:
        results = {h["hostname"]: h for h in store.get_host_results(first_run["run"])}
    finally:
        store.dispose()
    assert set(results) == set(lab.devices)
    for name, device in lab.devices.items():
        expected: tuple[str, str | None] = ("ok", None)
        for fault in device.faults:
            expected = EXPECTED_STATUS[fault]
        got = (results[name]["status"], results[name]["error_category"])
        assert got == expected, (name, device.faults, results[name]["message"])
    faulted = sum(1 for d in lab.devices.values() if d.faults)
    assert faulted == 10  # 5% of the district


def test_healthy_hosts_facts_equal_the_lab_truth(lab: SurveyLab, first_run: dict[str, Any]) -> None:
    store = lab.open_store()
    try:
        for name, device in lab.devices.items():
            if device.faults - {Fault.GBK, Fault.ODD_PROMPT, Fault.SLOW}:
                continue
            facts = store.get_host_facts(first_run["run"], name)
            assert facts is not None
            assert observed_facts(facts) == expected_facts(device), name
            assert facts.device.model == device.model and facts.device.serial == device.serial
    finally:
        store.dispose()


def test_gbk_text_is_decoded_and_the_choice_recorded(
    lab: SurveyLab, first_run: dict[str, Any]
) -> None:
    name = next(n for n, d in lab.devices.items() if Fault.GBK in d.faults)
    store = lab.open_store()
    try:
        outputs = store.get_raw_outputs_with_encoding(first_run["run"], name)
        facts = store.get_host_facts(first_run["run"], name)
    finally:
        store.dispose()
    assert "gb18030" in {encoding for _, encoding in outputs.values()}
    chinese = [
        i.description
        for i in lab.devices[name].interfaces
        if i.description and not i.description.isascii()
    ]
    assert chinese and facts is not None
    assert set(chinese) <= {i.description for i in facts.interfaces}


def test_offline_ingestion_reproduces_the_live_facts(
    lab: SurveyLab, first_run: dict[str, Any], tmp_path: Path
) -> None:
    saved = tmp_path / "saved"
    export = lab.govnet("survey", "export", str(saved), "--run", str(first_run["run"]))
    assert export.returncode == 0, export.stderr
    offline = lab.govnet("survey", "--offline", str(saved), "--json")
    summary = json.loads(offline.stdout)
    store = lab.open_store()
    try:
        for name in (h["hostname"] for h in store.get_host_results(first_run["run"])):
            if not store.get_raw_outputs(first_run["run"], name):
                continue
            assert store.get_host_facts(summary["run"], name) == store.get_host_facts(
                first_run["run"], name
            ), name
    finally:
        store.dispose()
    assert summary["unknown"] == []


def wait_for_hosts_in_new_run(lab: SurveyLab, after_run: int, hosts: int) -> None:
    """Return once a run newer than after_run has stored results for at least `hosts` hosts:
    interrupting on progress, not after a fixed sleep, keeps the test honest on any machine."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        store = lab.open_store()
        try:
            runs = [r for r in store.get_survey_runs() if r["id"] > after_run]
        finally:
            store.dispose()
        if runs and runs[-1]["hosts"] >= hosts:
            return
        time.sleep(0.1)
    raise AssertionError(f"no run after {after_run} reached {hosts} hosts in 120 s")


def interrupt_another_thread(pid: int) -> None:
    """Send SIGINT to a thread of ``pid`` other than its main one. A Ctrl-C is meant for the
    process, and Linux hands it to whichever of its threads it likes; Python runs the handler
    only in the main thread, so the hard case is the signal landing on a worker."""
    threads = sorted(int(t) for t in os.listdir(f"/proc/{pid}/task") if int(t) != pid)
    assert threads, "the survey runs its hosts in threads"
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(SYS_TGKILL, pid, threads[-1], signal.SIGINT) != 0:
        raise OSError(ctypes.get_errno(), "tgkill")


def test_interrupted_survey_keeps_its_hosts_and_retry_completes_it(lab: SurveyLab) -> None:
    store = lab.open_store()
    try:
        last_run = max((r["id"] for r in store.get_survey_runs()), default=0)
    finally:
        store.dispose()
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from govnet.cli import main; main()",
            "survey",
            "--json",
            "--workers",
            "4",
            "--command-timeout",
            "8",
            "--connect-timeout",
            "5",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=lab.env,
        cwd=lab.root,
    )
    wait_for_hosts_in_new_run(lab, last_run, hosts=10)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    interrupted = json.loads(stdout)
    assert interrupted["status"] == "incomplete" and 0 < interrupted["done"] < ROUTERS
    retry = lab.govnet(
        "survey", "--retry-failed", "--json", "--command-timeout", "8", "--connect-timeout", "5"
    )
    summary = json.loads(retry.stdout)
    assert summary["campaign"] == interrupted["campaign"]
    store = lab.open_store()
    try:
        snapshot = store.get_campaign_hosts(interrupted["campaign"])
        runs = {r["id"]: r for r in store.get_survey_runs()}
    finally:
        store.dispose()
    assert runs[interrupted["run"]]["status"] == "incomplete"
    assert set(snapshot) == set(lab.devices)  # every host has a result in the campaign
    healthy = [n for n, d in lab.devices.items() if not d.faults]
    assert all(snapshot[n]["status"] == "ok" for n in healthy)


def test_diff_shows_a_change_made_on_a_router(lab: SurveyLab, first_run: dict[str, Any]) -> None:
    from netmiko import ConnectHandler

    device = next(
        d
        for d in lab.devices.values()
        if d.platform == "huawei" and not d.faults and d.role == "edge"
    )
    port = next(i for i in device.interfaces if i.kind == "physical" and i.oper_up and i.address)
    conn = ConnectHandler(
        device_type="huawei",
        host="127.0.0.1",
        port=device.port,
        username=lab.env["GOVNET_USERNAME"],
        password=lab.env["GOVNET_PASSWORD"],
    )
    try:
        for line in ("system-view", f"interface {port.name}", "shutdown", "return"):
            conn.send_command(line, expect_string=r"[>\]]\s*$")
    finally:
        conn.disconnect()
    again = lab.govnet("survey", "--host", device.hostname, "--json")
    assert again.returncode == 0, again.stderr
    second = json.loads(again.stdout)["run"]
    diff = lab.govnet("survey", "diff", str(first_run["run"]), str(second), "--json")
    everything = json.loads(diff.stdout)
    others = [c for c in everything if c["host"] != device.hostname]
    assert [c["change"] for c in others] == [f"not in run {second}"] * (ROUTERS - 1)
    changes = [c for c in everything if c["host"] == device.hostname]
    assert {"topic": "interfaces", "key": port.name, "change": "changed"}.items() <= next(
        c for c in changes if c["topic"] == "interfaces"
    ).items()
    assert any(c["topic"] == "routes" and c["change"] == "removed" for c in changes)


def test_offline_config_files_and_unknown_hosts(lab: SurveyLab, tmp_path: Path) -> None:
    """One .cfg per host gives what a configuration tells; a host the inventory lacks is
    surveyed with no unit and reported; a host with no platform is read as the platform its
    text says, and failed, not guessed, when the text says none."""
    from govnet_lab.render import render

    device = next(
        d
        for d in lab.devices.values()
        if d.platform == "hp_comware"
        and any(not (i.description or "").isascii() for i in d.interfaces)
    )
    config = render(device, "display current-configuration")
    saved = tmp_path / "configs"
    saved.mkdir()
    (saved / f"{device.hostname}.cfg").write_bytes(config.encode("gbk"))
    (saved / "stranger-r1.cfg").write_text(config, encoding="utf-8")
    (saved / "stranger-r1.platform").write_text("hp_comware\n", encoding="utf-8")
    (saved / "nameless-r2.cfg").write_text(config, encoding="utf-8")
    (saved / "nameless-r3.cfg").write_text("#\n sysname nameless-r3\n#\nreturn\n", encoding="utf-8")
    result = lab.govnet("survey", "--offline", str(saved), "--json")
    summary = json.loads(result.stdout)
    assert summary["unknown"] == ["nameless-r2", "nameless-r3", "stranger-r1"]
    store = lab.open_store()
    try:
        results = {h["hostname"]: h for h in store.get_host_results(summary["run"])}
        facts = store.get_host_facts(summary["run"], device.hostname)
        outputs = store.get_raw_outputs_with_encoding(summary["run"], device.hostname)
    finally:
        store.dispose()
    assert results[device.hostname]["status"] == "ok"
    assert results["stranger-r1"]["unit_key"] is None
    assert "not in the inventory" in results["stranger-r1"]["message"]
    assert results["nameless-r2"]["platform"] == "hp_comware"
    assert (
        "platform hp_comware told by the text of nameless-r2.cfg"
        in (results["nameless-r2"]["message"])
    )
    assert results["nameless-r3"]["status"] == "failed"
    assert results["nameless-r3"]["error_category"] == "unsupported_platform"
    assert results["nameless-r3"]["message"].startswith("nameless-r3.cfg: cannot tell the platform")
    assert {enc for _, enc in outputs.values()} == {"gb18030"}
    assert facts is not None
    addressed = {i.name: i.addresses for i in facts.interfaces if i.addresses}
    assert addressed == {i.name: (str(i.address),) for i in device.interfaces if i.address}
    assert {i.description for i in facts.interfaces} >= {
        i.description for i in device.interfaces if i.description
    }


def test_a_survey_logged_to_a_file_says_where_it_is(lab: SurveyLab) -> None:
    """Not on a terminal (a night job's log), progress is plain lines, failures by cause."""
    healthy = sorted(n for n, d in lab.devices.items() if not d.faults)[:2]
    refused = next(n for n, d in lab.devices.items() if Fault.BAD_PASSWORD in d.faults)
    hosts = [a for h in [*healthy, refused] for a in ("--host", h)]
    result = lab.govnet("survey", *hosts, "--campaign", "logged")
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("survey run")]
    assert re.fullmatch(r"survey run \d+ \(logged\): 3 hosts", lines[0]), lines
    assert re.fullmatch(
        r"survey run \d+: 3/3 \(100%\), failed 1 \(auth 1\), [\d.]+ hosts/s,"
        r" 0m\d\ds elapsed, ~0m00s left",
        lines[-1],
    ), lines
