"""Survey campaigns on procrastinate's job queue in PostgreSQL (issue 21, item 1).

A served lab's hosts are put in two security zones (inventory groups zone_a / zone_b);
`govnet campaign start` queues one job per host; `govnet worker` processes, one per zone or
both, survey them into the campaign's run. Every host must end in the snapshot exactly once
and the classification must equal one `govnet survey` of the same lab into SQLite, also when
a worker is SIGKILLed mid-campaign (its job is retried by another after the lease).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import text

from govnet.model.divisions import DivisionTree
from govnet.model.facts import HostSnapshot
from govnet.model.inventory_files import load_inventory
from govnet.store import SnapshotClosedError, open_store
from govnet.survey.jobs import get_zone, group_by_zone
from govnet_cli import run_govnet, run_govnet_json, start_govnet
from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.server import read_credentials

ROUTERS = 24


@dataclass
class Lab:
    root: Path
    env: dict[str, str]
    zones: dict[str, str]  # hostname -> zone
    reference: dict[str, Any]  # one `govnet survey` into SQLite, classified


def classified(root: Path, env: dict[str, str]) -> dict[str, Any]:
    """What a classification decides, without run numbers."""
    result = run_govnet_json(root, env, "classify", "--show", "none")
    return {k: result[k] for k in ("breaches", "networks", "lines", "units", "findings")}


def put_in_zones(root: Path) -> dict[str, str]:
    """Every other host in group zone_a, the rest in zone_b (the groups defined too)."""
    hosts_file, groups_file = root / "inventory" / "hosts.yaml", root / "inventory" / "groups.yaml"
    hosts = yaml.safe_load(hosts_file.read_text(encoding="utf-8"))
    zones = {}
    for i, (name, host) in enumerate(sorted(hosts.items())):
        zones[name] = "a" if i % 2 == 0 else "b"
        host["groups"] = [*host.get("groups", []), f"zone_{zones[name]}"]
    hosts_file.write_text(yaml.safe_dump(hosts, allow_unicode=True), encoding="utf-8")
    groups = yaml.safe_load(groups_file.read_text(encoding="utf-8")) or {}
    groups.update({"zone_a": {}, "zone_b": {}})
    groups_file.write_text(yaml.safe_dump(groups, allow_unicode=True), encoding="utf-8")
    return zones


@contextmanager
def zoned_lab(root: Path, routers: int, timeout: float) -> Iterator[Lab]:
    """A served lab in two zones, surveyed once by `govnet survey` into SQLite: the
    classification a campaign of the same lab must equal."""
    start_lab(
        root,
        county="370702",
        devices=routers,
        seed=11,
        first_port=get_free_port_run(routers),
        timeout=timeout,
    )
    try:
        zones = put_in_zones(root)
        user, password = read_credentials(get_lab_paths(root).credentials)
        env = dict(os.environ, GOVNET_USERNAME=user, GOVNET_PASSWORD=password)
        env["GOVNET_DB_URL"] = f"sqlite:///{root}/reference.db"
        single = run_govnet_json(root, env, "survey", "--campaign", "single")
        assert single["by_status"] == {"ok": routers}
        yield Lab(root, env, zones, classified(root, env))
    finally:
        stop_lab(root)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with zoned_lab(tmp_path_factory.mktemp("campaign") / "county", ROUTERS, 120) as served:
        yield served


def query(url: str, sql: str) -> list[Any]:
    store = open_store(url, migrate=False)
    try:
        with store.session() as session:
            return list(session.execute(text(sql)))
    finally:
        store.dispose()


def snapshot_hosts(url: str, campaign: str) -> list[str]:
    """Every host result of the campaign's runs (a host twice would be listed twice)."""
    rows = query(
        url,
        "SELECT h.hostname FROM host_results h JOIN survey_runs r ON r.id = h.run_id"
        f" WHERE r.campaign = '{campaign}'",
    )
    return [r[0] for r in rows]


def worker(
    lab: Lab, env: dict[str, str], *zones: str, lease: str = "30", more: tuple[str, ...] = ()
) -> Any:
    args = [*(a for z in zones for a in ("--zone", z)), *more]
    return start_govnet(  # one process each: SIGKILL must take the job holder itself
        lab.root, env, "worker", *args, "--concurrency", "2", "--lease", lease,
        "--processes", "1", "--exit-when-idle", "--json",
    )  # fmt: skip


def finished(process: subprocess.Popen[str]) -> dict[str, int]:
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    counts: dict[str, int] = json.loads(stdout)
    return counts


def test_a_host_is_written_once_into_a_campaigns_run(db_url: str) -> None:
    """A job retried after its worker died finds its host written: nothing is added."""
    store = open_store(db_url)
    try:
        run = store.start_survey_run("queue", "c", pid=0)
        first = HostSnapshot("r1", "failed", "huawei", None, "timeout", "slow", 1.0)
        again = HostSnapshot("r1", "ok", "huawei", None, None, None, 2.0)
        assert store.add_snapshot_once(run, first) is True
        assert store.has_host_result(run, "r1") and not store.has_host_result(run, "r2")
        assert store.add_snapshot_once(run, again) is False
        assert [(r["hostname"], r["status"]) for r in store.get_host_results(run)] == [
            ("r1", "failed")
        ]
        assert store.count_host_results(run) == 1
        # eight writers of one host at once (workers of one zone): one writes, none fails
        barrier = threading.Barrier(8)

        def write(i: int) -> bool:
            barrier.wait()
            return store.add_snapshot_once(
                run, HostSnapshot("r3", "ok", "huawei", None, None, f"{i}")
            )

        with ThreadPoolExecutor(8) as pool:
            assert sorted(pool.map(write, range(8))) == [False] * 7 + [True]
        assert store.count_host_results(run) == 2
        assert store.mark_abandoned_runs() == []  # the queue's run outlives its starter
        store.finish_survey_run(run)
        with pytest.raises(SnapshotClosedError):
            store.add_snapshot_once(run, HostSnapshot("r2", "ok", "huawei", None, None, None))
    finally:
        store.dispose()


def test_a_hosts_zone_is_its_first_zone_group_inherited_or_its_own(
    example_project: Path, tree: DivisionTree
) -> None:
    """huawei routers inherit zone_west through their platform group; one huawei router
    names zone_core itself (its own groups come first); the others are in ``default``."""
    groups_file = example_project / "inventory" / "groups.yaml"
    groups_file.write_text(
        groups_file.read_text(encoding="utf-8").replace(
            "  platform: huawei\n", "  platform: huawei\n  groups: [zone_west]\n"
        )
        + "zone_west: {}\nzone_core: {}\n",
        encoding="utf-8",
    )
    hosts_file = example_project / "inventory" / "hosts.yaml"
    text = hosts_file.read_text(encoding="utf-8")
    hosts_file.write_text(text.replace("groups: [huawei]", "groups: [zone_core, huawei]", 1))
    inventory, problems = load_inventory(example_project, tree)
    assert inventory is not None, problems
    zones = {h.name: get_zone(h) for h in inventory.hosts}
    huawei = [h.name for h in inventory.hosts if h.platform == "huawei"]
    assert zones[huawei[0]] == "core"
    assert {zones[h] for h in huawei[1:]} == {"west"}
    assert {z for h, z in zones.items() if h not in huawei} == {"default"}
    assert len(group_by_zone(inventory.hosts)) == 3


def test_a_sqlite_project_is_pointed_to_govnet_survey(example_project: Path) -> None:
    env = dict(os.environ, GOVNET_DB_URL=f"sqlite:///{example_project}/store.db")
    done = run_govnet(example_project, env, "campaign", "start")
    assert done.returncode == 1
    assert "PostgreSQL" in done.stderr and "govnet survey" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow  # a served lab, a reference survey and three processes: ~30 s
@pytest.mark.postgres
def test_two_workers_survey_every_host_once_as_one_survey_would(lab: Lab, pg_url: str) -> None:
    env = dict(lab.env, GOVNET_DB_URL=pg_url)
    started = run_govnet_json(lab.root, env, "campaign", "start", "--campaign", "one")
    assert started["jobs"] == {"a": ROUTERS // 2, "b": ROUTERS // 2}
    wrong = run_govnet(lab.root, env, "campaign", "start", "--zone", "c")
    assert wrong.returncode == 1 and "zone c" in wrong.stderr and "zones: a, b" in wrong.stderr

    counts = [finished(p) for p in [worker(lab, env, "a", "b"), worker(lab, env, "a", "b")]]
    assert sum(c.get("written", 0) for c in counts) == ROUTERS
    hosts = snapshot_hosts(pg_url, "one")
    assert sorted(hosts) == sorted(lab.zones)  # every host, each exactly once
    status = run_govnet_json(lab.root, env, "campaign", "status")
    assert status["status"] == "complete"
    assert [
        (z["zone"], z["hosts"], z["done"], z["waiting"], z["in_flight"]) for z in status["zones"]
    ] == [("a", ROUTERS // 2, ROUTERS // 2, 0, 0), ("b", ROUTERS // 2, ROUTERS // 2, 0, 0)]
    assert classified(lab.root, env) == lab.reference


@pytest.mark.slow  # ~40 s: three workers, one killed, its job retried after the lease
@pytest.mark.postgres
def test_a_killed_workers_job_is_retried_by_another_and_no_host_is_written_twice(
    lab: Lab, pg_url: str
) -> None:
    env = dict(lab.env, GOVNET_DB_URL=pg_url)
    run_govnet_json(lab.root, env, "campaign", "start", "--campaign", "kill")
    doomed = worker(lab, env, "a", lease="3")
    deadline, doomed_id = time.monotonic() + 60, None
    while doomed_id is None and time.monotonic() < deadline:  # procrastinate's id for it
        time.sleep(0.05)
        doomed_id = (query(pg_url, "SELECT min(id) FROM procrastinate_workers") or [[None]])[0][0]
    others = [worker(lab, env, "a", "b", lease="3"), worker(lab, env, "b", lease="3")]
    deadline, midway = time.monotonic() + 120, False
    while not midway and time.monotonic() < deadline:
        time.sleep(0.05)
        holding = query(
            pg_url,
            "SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'"
            f" AND worker_id = {doomed_id}",
        )[0][0]
        midway = holding > 0 and len(snapshot_hosts(pg_url, "kill")) >= 4  # it holds a job
    assert midway
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate(timeout=30)
    counts = [finished(p) for p in others]

    hosts = snapshot_hosts(pg_url, "kill")
    assert sorted(hosts) == sorted(lab.zones)  # every host, each exactly once
    jobs = query(pg_url, "SELECT status::text, attempts FROM procrastinate_jobs")
    assert {s for s, _ in jobs} == {"succeeded"}
    assert any(a >= 1 for _, a in jobs)  # the killed worker's job, put back and redone
    assert sum(c.get("written", 0) for c in counts) < ROUTERS  # the killed one wrote some
    status = run_govnet_json(lab.root, env, "campaign", "status", "--campaign", "kill")
    assert status["status"] == "complete"
    assert sum(z["done"] for z in status["zones"]) == ROUTERS
    # per worker: the killed one silent (by its host:pid), the two others stopped cleanly
    states = {w["name"]: w["state"] for w in status["workers"]}
    assert states.pop(f"{socket.gethostname()}:{doomed.pid}") == "silent"
    assert sorted(states) == sorted(f"{socket.gethostname()}:{p.pid}" for p in others)
    assert set(states.values()) == {"stopped"}
    assert sum(w["written"] for w in status["workers"]) == ROUTERS
    assert classified(lab.root, env) == lab.reference


@pytest.mark.slow  # ~10 s on the lab above
@pytest.mark.postgres
def test_a_zones_campaign_counts_a_failed_host_by_its_cause(lab: Lab, pg_url: str) -> None:
    env = dict(lab.env, GOVNET_DB_URL=pg_url)
    hosts_file = lab.root / "inventory" / "hosts.yaml"
    saved = hosts_file.read_text(encoding="utf-8")
    zone_b = sorted(h for h, z in lab.zones.items() if z == "b")
    hosts = yaml.safe_load(saved)
    hosts[zone_b[0]]["port"] = 1  # nothing listens there (netmiko: a TCP timeout)
    hosts_file.write_text(yaml.safe_dump(hosts, allow_unicode=True), encoding="utf-8")
    try:
        started = run_govnet_json(lab.root, env, "campaign", "start", "--zone", "b")
        assert started["jobs"] == {"b": len(zone_b)}
        queued = run_govnet_json(lab.root, env, "campaign", "status")
        assert queued["status"] == "running" and queued["zones"][0]["waiting"] == len(zone_b)
        assert (queued["rate"], queued["left_s"]) == (0.0, None)  # nothing written yet
        table = run_govnet(lab.root, env, "campaign", "status", "--wide")
        assert "0.0 hosts/s over the last minute, time left unknown" in table.stdout
        assert "no live worker for zone b" in table.stdout  # none started yet
        finished(worker(lab, env, "b", more=("--connect-timeout", "2")))  # survey's timeouts
    finally:
        hosts_file.write_text(saved, encoding="utf-8")
    status = run_govnet_json(lab.root, env, "campaign", "status")
    assert status["status"] == "complete"
    assert status["zones"] == [
        {
            "zone": "b",
            "hosts": len(zone_b),
            "done": len(zone_b) - 1,
            "failed": {"timeout": 1},
            "in_flight": 0,
            "waiting": 0,
            "workers": 0,
        }
    ]
    table = run_govnet(lab.root, env, "campaign", "status", "--wide")
    assert table.returncode == 0 and "timeout 1" in table.stdout
