"""Sharded collectors into one PostgreSQL store at the same time, as regional pollers do:
two `govnet survey --shard K/2 --campaign night` processes over a 200-router lab start
together on a new database (both migrate it, both load the inventory). Every host ends in the
campaign's snapshot exactly once, and its classification equals one collector's survey of the
same lab into SQLite. A collector killed mid-way keeps its finished hosts; re-run with
--retry-failed it surveys only the rest.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from govnet.store import StoreError, open_store
from govnet_cli import run_govnet, run_govnet_json, start_govnet
from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.server import read_credentials

ROUTERS = 200
CAMPAIGN = "night"


@dataclass
class Lab:
    root: Path
    env: dict[str, str]
    hostnames: set[str]
    reference: dict[str, Any]  # one collector's survey into SQLite, classified


def classified(root: Path, env: dict[str, str]) -> dict[str, Any]:
    """What a classification decides, without run numbers."""
    result = run_govnet_json(root, env, "classify", "--show", "none")
    return {k: result[k] for k in ("breaches", "networks", "lines", "units", "findings")}


pytestmark = pytest.mark.slow  # two collectors and a lab of 200 routers: about a minute


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("shards") / "county"
    started = start_lab(
        root,
        county="370702",
        devices=ROUTERS,
        seed=11,
        first_port=get_free_port_run(ROUTERS),
        timeout=120,
    )
    try:
        user, password = read_credentials(get_lab_paths(root).credentials)
        env = dict(os.environ, GOVNET_USERNAME=user, GOVNET_PASSWORD=password)
        env["GOVNET_DB_URL"] = f"sqlite:///{root}/reference.db"
        single = run_govnet_json(root, env, "survey", "--campaign", "single")
        assert single["by_status"] == {"ok": ROUTERS}
        reference = classified(root, env)
        hostnames = set(_hostnames(env["GOVNET_DB_URL"]))
        assert len(hostnames) == ROUTERS == len(started.ports)
        yield Lab(root, env, hostnames, reference)
    finally:
        stop_lab(root)


def _hostnames(url: str) -> list[str]:
    store = open_store(url)
    try:
        return [r["hostname"] for r in store.get_inventory_rows("devices")]
    finally:
        store.dispose()


def query(url: str, sql: str) -> list[Any]:
    store = open_store(url, migrate=False)
    try:
        with store.session() as session:
            return list(session.execute(text(sql)))
    finally:
        store.dispose()


def campaign_rows(url: str) -> list[tuple[str, int, str]]:
    """(hostname, run, status) of every host result in the campaign."""
    return [
        (h, r, s)
        for h, r, s in query(
            url,
            "SELECT h.hostname, h.run_id, h.status FROM host_results h"
            f" JOIN survey_runs r ON r.id = h.run_id WHERE r.campaign = '{CAMPAIGN}'",
        )
    ]


def collector(lab: Lab, env: dict[str, str], shard: str, *more: str) -> Any:
    return start_govnet(
        lab.root, env, "survey", "--shard", shard, "--campaign", CAMPAIGN, "--json", *more
    )


def test_two_collectors_at_once_make_one_snapshot_with_every_host_once(
    lab: Lab, db_url: str
) -> None:
    """On PostgreSQL, as regional pollers do; on SQLite, two collectors of one machine."""
    env = dict(lab.env, GOVNET_DB_URL=db_url)
    running = [collector(lab, env, shard) for shard in ("1/2", "2/2")]
    outputs = [p.communicate(timeout=300) for p in running]
    for process, (_, stderr) in zip(running, outputs, strict=True):
        assert process.returncode == 0, stderr
    summaries = [json.loads(stdout) for stdout, _ in outputs]
    assert all(
        s["status"] == "complete" and s["by_status"] == {"ok": s["hosts"]} for s in summaries
    )
    assert sum(s["hosts"] for s in summaries) == ROUTERS

    rows = campaign_rows(db_url)
    hosts = [h for h, _, _ in rows]
    assert len(hosts) == ROUTERS and set(hosts) == lab.hostnames  # each exactly once
    by_run = {s["run"]: {h for h, r, _ in rows if r == s["run"]} for s in summaries}
    assert [len(by_run[s["run"]]) for s in summaries] == [s["hosts"] for s in summaries]
    assert query(db_url, "SELECT count(*) FROM inventory_loads") == [(1,)]
    assert query(db_url, "SELECT count(*), count(DISTINCT hostname) FROM devices") == [
        (ROUTERS, ROUTERS)
    ]
    runs = run_govnet_json(lab.root, env, "survey", "runs")
    assert sorted(r["shard"] for r in runs) == ["1/2", "2/2"]
    assert classified(lab.root, env) == lab.reference


@pytest.mark.postgres
def test_a_collector_killed_midway_keeps_its_hosts_and_a_rerun_does_the_rest(
    lab: Lab, pg_url: str
) -> None:
    env = dict(lab.env, GOVNET_DB_URL=pg_url)
    other = collector(lab, env, "2/2")
    doomed = collector(lab, env, "1/2", "--workers", "2")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.2)
        try:
            done = query(
                pg_url,
                "SELECT count(*) FROM host_results h JOIN survey_runs r ON r.id = h.run_id"
                " WHERE r.shard = '1/2'",
            )[0][0]
        except (StoreError, SQLAlchemyError):  # the collectors are still creating the store
            continue
        if done >= 20:
            break
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate(timeout=30)
    assert other.communicate(timeout=300) and other.returncode == 0

    status = dict(query(pg_url, "SELECT id, status FROM survey_runs"))
    assert sorted(status.values()) == ["complete", "running"]  # the killed one, until...
    before = campaign_rows(pg_url)
    kept = {h for h, r, _ in before if status[r] == "running"}
    others = {h for h, r, _ in before if status[r] == "complete"}
    assert 20 <= len(kept) < len(lab.hostnames - others)
    # a host written is written whole: results and their outputs in one transaction
    assert query(
        pg_url,
        "SELECT count(*) FROM host_results h WHERE NOT EXISTS"
        " (SELECT 1 FROM raw_outputs o WHERE o.host_result_id = h.id)",
    ) == [(0,)]

    rerun = run_govnet(
        lab.root,
        env,
        "survey",
        "--shard",
        "1/2",
        "--campaign",
        CAMPAIGN,
        "--retry-failed",
        "--json",
    )
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    rows = campaign_rows(pg_url)
    assert {h for h, r, _ in rows if r == summary["run"]} == lab.hostnames - kept - others
    hosts = [h for h, _, _ in rows]
    assert len(hosts) == ROUTERS and set(hosts) == lab.hostnames
    status = dict(query(pg_url, "SELECT id, status FROM survey_runs"))
    assert "running" not in status.values()  # ...the next collector on its machine ends it
    assert classified(lab.root, env) == lab.reference
