"""Running a queued campaign from any machine (issue 21, item 1): cancel, retry-failed, and
status per worker (host:pid, heartbeat, silent once killed), on PostgreSQL.

The fast test needs no device: the example project's hosts are queued and cancelled before
any worker surveys them, and the only worker serves a zone with nothing left to do. The slow
tests survey a served lab with a bad-password and a stalled router.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from govnet.app.campaign import get_campaign_status, start_campaign
from govnet.app.campaign_admin import cancel_campaign, retry_failed
from govnet.app.project import Project
from govnet.survey.jobs import QueueError
from govnet_cli import run_govnet, run_govnet_json, start_govnet
from test_campaign_jobs import query, snapshot_hosts


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
        root, env, "worker", "--zone", "default", "--lease", "2", "--concurrency", "2"
    )
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
