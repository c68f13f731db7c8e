"""`govnet survey --processes 2` against a served lab of 20 routers, one with a wrong password
and one that stalls: the same facts per host as a one-process survey of the same lab, each
host once in one run, the failed hosts failed with the same cause in both. Ctrl-C to the
process group ends every process; a survey process killed leaves its hosts failed, named.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from govnet.store import open_store
from govnet.survey.processes import get_process_count
from govnet_cli import run_govnet
from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.district import load_district
from govnet_lab.model import Fault
from govnet_lab.server import read_credentials

ROUTERS = 20
pytestmark = pytest.mark.slow  # a served lab and three survey processes starting: 20-35 s here


@dataclass
class Lab:
    root: Path
    env: dict[str, str]
    bad_password: set[str]
    stalled: set[str]  # logs in, then never answers: cut off by --command-timeout


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("processes") / "county"
    start_lab(
        root,
        county="370702",
        devices=ROUTERS,
        seed=5,
        faults="bad_password=1,stall=1",
        first_port=get_free_port_run(ROUTERS),
        timeout=120,
    )
    try:
        user, password = read_credentials(get_lab_paths(root).credentials)
        env = dict(os.environ, GOVNET_USERNAME=user, GOVNET_PASSWORD=password)
        district = load_district(get_lab_paths(root).district)
        bad = {d.hostname for d in district.devices if Fault.BAD_PASSWORD in d.faults}
        stalled = {d.hostname for d in district.devices if Fault.STALL in d.faults}
        assert len(bad) == len(stalled) == 1 and len(district.devices) == ROUTERS
        yield Lab(root, env, bad, stalled)
    finally:
        stop_lab(root)


def survey(lab: Lab, processes: int) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    done = run_govnet(
        lab.root,
        lab.env,
        "survey",
        "--json",
        "--processes",
        str(processes),
        "--campaign",
        f"p{processes}",
        "--connect-timeout",
        "5",
        "--command-timeout",
        "3",
    )
    return json.loads(done.stdout), done


def results(lab: Lab, run: int) -> dict[str, tuple[str, str | None, Any]]:
    """Each host's status, cause and facts in a run; a host twice fails the test."""
    store = open_store(f"sqlite:///{lab.root}/.govnet/govnet.db")
    try:
        rows = store.get_host_results(run)
        names = [r["hostname"] for r in rows]
        assert len(names) == len(set(names)), "a host recorded twice"
        return {
            r["hostname"]: (
                r["status"],
                r["error_category"],
                store.get_host_facts(run, r["hostname"]),
            )
            for r in rows
        }
    finally:
        store.dispose()


def test_two_processes_give_the_facts_of_one(lab: Lab) -> None:
    one, done_one = survey(lab, 1)
    two, done_two = survey(lab, 2)
    for summary, done in ((one, done_one), (two, done_two)):
        assert done.returncode == 1, done.stderr  # the bad password: the exit code says so
        assert summary["status"] == "complete"
        assert summary["hosts"] == summary["done"] == ROUTERS
        assert summary["by_status"] == {"ok": ROUTERS - 2, "failed": 2}
        causes = {f["hostname"]: f["category"] for f in summary["failed"]}
        assert causes == {
            **dict.fromkeys(lab.bad_password, "auth"),
            **dict.fromkeys(lab.stalled, "timeout"),
        }
    assert (one["processes"], two["processes"]) == (1, 2)
    assert one["run"] != two["run"]
    first, second = results(lab, one["run"]), results(lab, two["run"])
    assert len(first) == ROUTERS and first.keys() == second.keys()
    surveyed = {h for h, (_, _, facts) in second.items() if facts and facts.interfaces}
    assert surveyed == first.keys() - lab.bad_password - lab.stalled  # facts to compare
    assert first == second


def test_processes_default_to_the_cores_for_big_runs_only() -> None:
    assert get_process_count(None, 20, cores=2) == 1  # a small survey stays in one process
    assert get_process_count(None, 10_000, cores=2) == 2
    assert get_process_count(2, 20, cores=1) == 2  # asked for: as asked
    assert get_process_count(8, 3, cores=2) == 3  # never more processes than hosts


def descendants(pid: int) -> set[int]:
    """Every process below ``pid``: the fork server, the survey processes it forked, ..."""
    found: set[int] = set()
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found |= {int(c) for c in (task / "children").read_text().split()}
    except FileNotFoundError:
        return found
    return found.union(*(descendants(c) for c in found))


def survey_processes(pid: int) -> set[int]:
    """The survey's worker processes: the fork server's children."""
    server = {p for p in descendants(pid) if "forkserver" in cmdline(p)}
    return set().union(*(descendants(p) for p in server)) if server else set()


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except FileNotFoundError:
        return ""


def test_ctrl_c_stops_every_process_and_retry_completes_the_campaign(lab: Lab) -> None:
    """Ctrl-C as a terminal sends it: to the whole process group, parent and workers."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from govnet.cli import main; main()",
            "survey",
            "--json",
            "--processes",
            "2",
            "--workers",
            "1",
            "--campaign",
            "ctrl-c",
            "--command-timeout",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=lab.env,
        cwd=lab.root,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while len(campaign_hosts(lab, "ctrl-c")) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert survey_processes(process.pid)  # one may have ended its share (the other: stalled)
    workers = descendants(process.pid)  # and the fork server
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    summary = json.loads(stdout)
    assert summary["status"] == "incomplete" and 3 <= summary["done"] <= ROUTERS
    left = running(workers)
    assert not left, f"left running: {left}"
    assert "Traceback" not in stderr

    retry = run_govnet(
        lab.root,
        lab.env,
        *("survey", "--retry-failed", "--campaign", "ctrl-c", "--json", "--command-timeout", "3"),
    )
    again = json.loads(retry.stdout)
    assert again["processes"] == 1  # 20 hosts: one process unless asked
    first = results(lab, summary["run"])
    kept = {h for h, (status, _, _) in first.items() if status == "ok"}
    assert set(results(lab, again["run"])).isdisjoint(kept)  # only what the first lacked
    snapshot = campaign_hosts(lab, "ctrl-c")
    assert len(snapshot) == ROUTERS
    assert {h for h, r in snapshot.items() if r["status"] != "ok"} == lab.bad_password | lab.stalled


def running(pids: set[int], wait: float = 5.0) -> dict[int, str]:
    """The command lines of those still alive after ``wait`` seconds (spawn's resource
    tracker ends when it sees its parent's pipe closed, a moment after the parent)."""
    deadline = time.monotonic() + wait
    while True:
        alive = {}
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    alive[pid] = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
            except (FileNotFoundError, ProcessLookupError):
                pass
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def campaign_hosts(lab: Lab, campaign: str) -> dict[str, dict[str, Any]]:
    store = open_store(f"sqlite:///{lab.root}/.govnet/govnet.db")
    try:
        return store.get_campaign_hosts(campaign)
    except Exception:  # the survey is still creating the store
        return {}
    finally:
        store.dispose()


def test_a_survey_process_killed_leaves_its_hosts_failed_and_the_others_done(lab: Lab) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from govnet.cli import main; main()",
            *("survey", "--json", "--processes", "2", "--workers", "1"),
            *("--campaign", "killed", "--command-timeout", "3"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=lab.env,
        cwd=lab.root,
    )
    deadline = time.monotonic() + 60
    while len(survey_processes(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    victim = min(survey_processes(process.pid))  # killed as it starts: its share all lost
    os.kill(victim, signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 1, stderr  # hosts failed
    summary = json.loads(stdout)
    assert summary["status"] == "complete" and summary["done"] == ROUTERS
    lost = [f for f in summary["failed"] if f["category"] == "unknown"]
    assert len(lost) == ROUTERS // 2  # one process's share
    assert all("exit code -9" in f["message"] for f in lost)
    snapshot = campaign_hosts(lab, "killed")
    assert len(snapshot) == ROUTERS  # each host once: done by one process, or recorded lost
    ok = {h for h, r in snapshot.items() if r["status"] == "ok"}
    assert ok and ok.isdisjoint(f["hostname"] for f in lost)
