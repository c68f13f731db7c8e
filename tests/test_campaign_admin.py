"""Running a queued campaign from any machine (issue 21, item 1): cancel, retry-failed, and
status per worker (host:pid, heartbeat, silent once killed), on PostgreSQL.

The fast test needs no device: the example project's hosts are queued and cancelled before
any worker surveys them, and the only worker serves a zone with nothing left to do. The slow
tests survey a served lab with a bad-password and a stalled router.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from govnet.app.campaign import get_campaign_status, start_campaign
from govnet.app.campaign_admin import cancel_campaign, retry_failed
from govnet.app.project import Project
from govnet.model.facts import HostFacts, HostSnapshot, Interface
from govnet.store import SnapshotClosedError, open_store
from govnet.survey.jobs import QueueError
from govnet_cli import run_govnet, run_govnet_json, start_govnet
from govnet_lab.control import LabError, get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.district import load_district
from govnet_lab.model import Fault
from govnet_lab.server import read_credentials
from test_campaign_jobs import query, snapshot_hosts


def execute(url: str, sql: str) -> None:
    store = open_store(url, migrate=False)
    try:
        with store.session() as session:
            session.execute(text(sql))
    finally:
        store.dispose()


def wait_for(what: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = what()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.mark.postgres
def test_cancel_records_every_waiting_host_and_a_killed_worker_reads_silent(
    example_project: Path, pg_url: str
) -> None:
    """In process but the worker (killed) and one CLI call per new command."""
    root, project = example_project, Project(example_project, pg_url)
    env = dict(os.environ, GOVNET_DB_URL=pg_url, GOVNET_USERNAME="u", GOVNET_PASSWORD="p")
    started = start_campaign(project, campaign="c1")
    hosts = started.jobs["default"]
    assert hosts > 1

    # a run with jobs waiting is not retried over itself
    with pytest.raises(QueueError, match=f"{hosts} jobs waiting or in flight"):
        retry_failed(project)

    # nobody works on zone default: status says so, and promises no time left
    stuck = get_campaign_status(project)
    assert stuck.status == "running" and stuck.left_s is None
    assert stuck.unserved == {
        "default": f"no live worker for zone default: {hosts} waiting, 0 in flight:"
        " start `govnet worker --zone default`"
    }

    cancelled = run_govnet_json(root, env, "campaign", "cancel")
    assert cancelled == {
        "run": started.run_id,
        "campaign": "c1",
        "cancelled": hosts,
        "in_flight": 0,
        "status": "incomplete",
    }
    with pytest.raises(QueueError, match="incomplete already"):
        cancel_campaign(project)

    ended = get_campaign_status(project)
    assert ended.status == "incomplete" and ended.unserved == {}
    assert ended.zones[0].failed == {"cancelled": hosts}  # recorded, never missing
    assert len(snapshot_hosts(pg_url, "c1")) == len(set(snapshot_hosts(pg_url, "c1"))) == hosts

    # a worker of the zone finds nothing to do in the cancelled campaign; killed, it is silent
    worker = start_govnet(
        root, env, "worker", "--zone", "default", "--lease", "2", "--concurrency", "2",
        "--processes", "1",  # its name is host:pid of this process
    )  # fmt: skip
    name = f"{socket.gethostname()}:{worker.pid}"
    try:
        live = wait_for(
            lambda: [w for w in get_campaign_status(project).workers if w.state == "live"]
        )
        assert [(w.name, w.zones, w.written) for w in live] == [(name, ["default"], 0)]
        doing = "SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'"
        assert query(pg_url, doing)[0][0] == 0
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.communicate(timeout=30)
    time.sleep(2.5)  # its lease
    silent = get_campaign_status(project).workers
    assert [(w.name, w.state) for w in silent] == [(name, "silent")]
    assert silent[0].heartbeat_age_s > 2

    # a cancelled campaign resumes by retrying its cancelled hosts, into the same run
    retried = retry_failed(project, causes=["cancelled"])
    assert (retried.run_id, retried.jobs, retried.causes) == (
        started.run_id,
        {"default": hosts},
        {"cancelled": hosts},
    )
    resumed = get_campaign_status(project)
    assert resumed.status == "running"
    assert (resumed.zones[0].waiting, resumed.zones[0].hosts) == (hosts, hosts)
    assert "default" in resumed.unserved  # its only worker is dead
    table = run_govnet(root, env, "campaign", "status", "--wide")
    assert "silent" in table.stdout and name in table.stdout
    assert "no live worker for zone default" in table.stdout
    assert "time left unknown" in table.stdout
    with pytest.raises(QueueError, match="a cause is one of"):
        retry_failed(project, causes=["nonsense"])
    assert cancel_campaign(project).cancelled == hosts
    assert len(snapshot_hosts(pg_url, "c1")) == hosts  # still one record per host


def test_a_retried_host_replaces_its_failed_record_with_its_outputs_and_facts(
    db_url: str,
) -> None:
    """One record per host: the failed one (with what it said) is gone, facts included; a
    record no longer failed is never replaced (a second attempt of the same retry job)."""
    store = open_store(db_url)
    try:
        run = store.start_survey_run("queue", "c", pid=0)
        facts = HostFacts(interfaces=(Interface("Gi0/0", addresses=("10.0.0.1/30",)),))
        failed = HostSnapshot(
            "r1", "failed", "huawei", None, "parse", "odd", 1.0, {"display x": ("?", "utf-8")},
            facts,
        )  # fmt: skip
        assert store.add_snapshot_once(run, failed)
        assert store.get_host_status(run, "r1") == "failed"
        store.finish_survey_run(run, "complete")
        with pytest.raises(SnapshotClosedError):  # only a reopened run takes a retry
            store.replace_failed_snapshot(run, HostSnapshot("r1", "ok"))
        store.reopen_survey_run(run)
        ok = HostSnapshot(
            "r1", "ok", "huawei", None, None, None, 2.0, {"display y": ("!", "utf-8")}
        )
        assert store.replace_failed_snapshot(run, ok) is True
        assert store.replace_failed_snapshot(run, HostSnapshot("r1", "failed")) is False
        assert [(r["hostname"], r["status"]) for r in store.get_host_results(run)] == [("r1", "ok")]
        assert store.get_raw_outputs(run, "r1") == {"display y": "!"}
        assert store.get_host_facts(run, "r1") in (None, HostFacts())  # the old facts gone
        assert store.replace_failed_snapshot(run, HostSnapshot("r2", "ok")) is True  # new host
        assert store.count_host_results(run) == 2
    finally:
        store.dispose()


ROUTERS = 8


@dataclass
class FaultyLab:
    root: Path
    env: dict[str, str]
    bad: str  # its logins are refused (auth)
    stalled: str  # logs in, then never answers (timeout)
    hosts: list[str]


def serve(root: Path, port: int, faults: str | None) -> None:
    """The same district (county, seed, ports), with these faults."""
    start_lab(
        root, county="370702", devices=ROUTERS, seed=5, faults=faults, first_port=port,
        timeout=120,
    )  # fmt: skip


@pytest.fixture
def faulty_lab(tmp_path: Path) -> Iterator[FaultyLab]:
    root = tmp_path / "county"
    for attempt in range(3):  # another lab on this machine may take the free ports first
        try:
            serve(root, get_free_port_run(ROUTERS), "bad_password=1,stall=1")
            break
        except LabError:
            if attempt == 2:
                raise
    try:
        user, password = read_credentials(get_lab_paths(root).credentials)
        env = dict(os.environ, GOVNET_USERNAME=user, GOVNET_PASSWORD=password)
        district = load_district(get_lab_paths(root).district)
        (bad,) = [d.hostname for d in district.devices if Fault.BAD_PASSWORD in d.faults]
        (stalled,) = [d.hostname for d in district.devices if Fault.STALL in d.faults]
        hosts = sorted(d.hostname for d in district.devices)
        yield FaultyLab(root, env, bad, stalled, hosts)
    finally:
        stop_lab(root)


def work(lab: FaultyLab, env: dict[str, str], *more: str) -> subprocess.Popen[str]:
    return start_govnet(
        lab.root, env, "worker", "--zone", "default", "--concurrency", "1", "--processes", "1",
        "--command-timeout", "3", "--connect-timeout", "3", "--exit-when-idle", "--json", *more,
    )  # fmt: skip


def ended(process: subprocess.Popen[str]) -> dict[str, int]:
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    counts: dict[str, int] = json.loads(stdout)
    return counts


@pytest.mark.slow  # a served lab, restarted once, and five worker processes: ~60 s
@pytest.mark.postgres
def test_cancel_lets_the_job_in_flight_finish_and_retry_failed_redoes_fixed_hosts(
    faulty_lab: FaultyLab, pg_url: str
) -> None:
    lab, project = faulty_lab, Project(faulty_lab.root, pg_url)
    env = dict(lab.env, GOVNET_DB_URL=pg_url)

    # cancel while the worker holds the stalled router's job: it finishes, the rest cancelled
    start_campaign(project, campaign="cut")
    run_id = get_campaign_status(project).run_id
    execute(  # the stalled router's job first: it is in flight for seconds
        pg_url,
        f"UPDATE procrastinate_jobs SET priority = 1 WHERE args->>'hostname' = '{lab.stalled}'",
    )
    worker = work(lab, env)
    holding = (
        "SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'"
        f" AND args->>'hostname' = '{lab.stalled}'"
    )
    wait_for(lambda: query(pg_url, holding)[0][0] == 1, timeout=120)
    cancelled = cancel_campaign(project)
    assert (cancelled.cancelled, cancelled.in_flight, cancelled.status) == (
        ROUTERS - 1,
        1,
        "running",
    )
    assert ended(worker) == {"written": 1}
    cut = get_campaign_status(project, "cut")
    assert cut.status == "incomplete" and cut.run_id == run_id
    assert cut.zones[0].failed == {"timeout": 1, "cancelled": ROUTERS - 1}
    assert sorted(snapshot_hosts(pg_url, "cut")) == lab.hosts  # each once, none missing
    assert [(w.state, w.written) for w in cut.workers] == [("stopped", 1)]

    # a whole campaign: the two faulty routers fail, by cause
    start_campaign(project, campaign="full")
    ended(work(lab, env))
    full = get_campaign_status(project, "full")
    assert full.status == "complete"
    assert (full.zones[0].done, full.zones[0].failed) == (ROUTERS - 2, {"auth": 1, "timeout": 1})

    # the faults removed (the router's password fixed, the stalled one answering again)
    stop_lab(lab.root)
    start_lab(lab.root, timeout=120)  # rebuilt from the project, with no fault given now
    district = load_district(get_lab_paths(lab.root).district)
    assert not any(d.faults for d in district.devices)
    retried = retry_failed(project, "full", ["auth"])
    assert (retried.jobs, retried.causes) == ({"default": 1}, {"auth": 1})
    assert get_campaign_status(project, "full").status == "running"
    assert ended(work(lab, env)) == {"written": 1}
    again = get_campaign_status(project, "full")
    assert again.status == "complete"
    assert (again.zones[0].done, again.zones[0].failed) == (ROUTERS - 1, {"timeout": 1})
    done = run_govnet_json(lab.root, env, "campaign", "retry-failed", "--campaign", "full")
    assert done["causes"] == {"timeout": 1}
    ended(work(lab, env))
    final = get_campaign_status(project, "full")
    assert final.status == "complete" and final.zones[0].done == ROUTERS
    assert sorted(snapshot_hosts(pg_url, "full")) == lab.hosts  # one record per host
    results = query(
        pg_url,
        "SELECT h.hostname, h.status FROM host_results h JOIN survey_runs r"
        " ON r.id = h.run_id WHERE r.campaign = 'full'",
    )
    assert {s for _, s in results} == {"ok"}
