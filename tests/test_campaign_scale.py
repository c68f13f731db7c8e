"""Issue 21's first Must-show: a campaign of 300 lab routers in two zones on PostgreSQL,
surveyed by three `govnet worker` collectors with several processes each, one collector
SIGKILLed (with all its processes, as a machine that loses power) while it holds jobs, and
one worker process of another killed alone (its parent restarts it). Every host must end in
the snapshot exactly once, the run complete, and the classification equal to one
`govnet survey` of the same lab into SQLite.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from govnet_cli import run_govnet_json
from test_campaign_jobs import Lab, classified, query, snapshot_hosts, zoned_lab

ROUTERS = 300
LEASE = "3"  # seconds: the killed collector's jobs come back within seconds
STARTED = re.compile(r"worker process (\d+)/\d+ started \(pid (\d+)\)")

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with zoned_lab(tmp_path_factory.mktemp("scale") / "county", ROUTERS, 300) as served:
        yield served


class Collector:
    """`govnet worker` in a session of its own (so the whole collector can be killed), its
    stderr read as it comes: which worker process runs under which pid."""

    def __init__(self, lab: Lab, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from govnet.cli import main; main()", "worker", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=lab.root,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    def pids(self) -> dict[int, int]:
        """Worker process number -> its pid now (a restart replaces it)."""
        return {int(m[1]): int(m[2]) for m in map(STARTED.search, self.lines) if m}

    def wait_for_processes(self, count: int, timeout: float = 60) -> dict[int, int]:
        deadline = time.monotonic() + timeout
        while len(self.pids()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.pids()) == count, self.lines
        return self.pids()

    def finished(self, timeout: float = 300) -> dict[str, int]:
        assert self.process.stdout is not None
        stdout = self.process.stdout.read()
        self.process.wait(timeout)
        self.reader.join(10)
        told = "".join(self.lines)
        assert self.process.returncode == 0, told
        assert "Traceback" not in told, told
        counts: dict[str, int] = json.loads(stdout)
        return counts


def wait_until(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {what}")


def gone(pid: int) -> bool:
    """No such process, or a zombie waiting for its reaper."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] in "ZX"
    except (FileNotFoundError, IndexError):
        return True


def test_three_collectors_one_killed_survey_300_routers_once_as_one_survey_would(
    lab: Lab, pg_url: str
) -> None:
    env = dict(lab.env, GOVNET_DB_URL=pg_url)
    began = time.monotonic()
    started = run_govnet_json(lab.root, env, "campaign", "start", "--campaign", "scale")
    assert started["jobs"] == {"a": ROUTERS // 2, "b": ROUTERS // 2}
    common = ("--concurrency", "4", "--lease", LEASE, "--json")

    # the doomed collector, zone a, two processes: their procrastinate ids noted
    doomed = Collector(lab, env, "--zone", "a", "--processes", "2", "--exit-when-idle", *common)
    doomed.wait_for_processes(2)
    workers: list[int] = []

    def both_registered() -> bool:
        workers[:] = [r[0] for r in query(pg_url, "SELECT id FROM procrastinate_workers")]
        return len(workers) == 2

    wait_until(both_registered, 60, "the doomed collector's two workers registered")
    ids = ", ".join(map(str, workers))
    second = Collector(lab, env, "--zone", "a", "--processes", "2", "--exit-when-idle", *common)
    both = Collector(lab, env, "--zone", "a", "--zone", "b", "--processes", "2", *common)

    def holding() -> int:
        return int(
            query(
                pg_url,
                "SELECT count(*) FROM procrastinate_jobs"
                f" WHERE status = 'doing' AND worker_id IN ({ids})",
            )[0][0]
        )

    wait_until(
        lambda: len(snapshot_hosts(pg_url, "scale")) >= 40 and holding() > 0,
        120,
        "hosts written, and jobs held by the doomed collector",
    )
    os.killpg(doomed.process.pid, signal.SIGKILL)  # the collector and its worker processes
    doomed.process.wait(30)
    held = query(  # nothing changes them until the lease has passed
        pg_url,
        "SELECT id, args->>'hostname' FROM procrastinate_jobs"
        f" WHERE status = 'doing' AND worker_id IN ({ids})",
    )
    assert held, "the killed collector held no job"
    killed_at = len(snapshot_hosts(pg_url, "scale"))
    assert killed_at < ROUTERS - 20  # mid-campaign

    # one worker process of the second collector, killed alone: reported and restarted
    victim = second.wait_for_processes(2)[1]
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: second.pids()[1] != victim, 30, "the killed process restarted")

    counts = [second.finished()]
    wait_until(
        lambda: run_govnet_json(lab.root, env, "campaign", "status")["status"] == "complete",
        120,
        "the campaign complete",
    )
    took = time.monotonic() - began
    both_pids = both.pids()
    both.process.send_signal(signal.SIGTERM)  # a worker without --exit-when-idle: stopped
    counts.append(both.finished(timeout=60))
    wait_until(lambda: all(map(gone, both_pids.values())), 30, "its worker processes ended")

    assert any(f"pid {victim}) died (killed by SIGKILL)" in line for line in second.lines)
    assert (counts[0]["died"], counts[0]["restarted"]) == (1, 1), second.lines
    hosts = Counter(snapshot_hosts(pg_url, "scale"))
    assert sorted(hosts) == sorted(lab.zones)  # every host of the lab
    assert set(hosts.values()) == {1}  # each exactly once
    jobs = dict(query(pg_url, "SELECT id, status::text FROM procrastinate_jobs"))
    assert set(jobs.values()) == {"succeeded"}
    retried = query(
        pg_url,
        "SELECT id FROM procrastinate_jobs WHERE attempts >= 1 AND id IN"
        f" ({', '.join(str(job) for job, _ in held)})",
    )
    assert len(retried) == len(held)  # every job the killed collector held, done again
    assert sum(c.get("written", 0) for c in counts) < ROUTERS  # the killed ones wrote some
    status = run_govnet_json(lab.root, env, "campaign", "status", "--campaign", "scale")
    assert status["status"] == "complete"
    assert sum(z["done"] for z in status["zones"]) == ROUTERS
    assert classified(lab.root, env) == lab.reference
    print(
        f"\ncampaign of {ROUTERS} routers, 3 collectors x 2 processes: complete in"
        f" {took:.1f} s ({ROUTERS / took:.1f} hosts/s); collector killed after"
        f" {killed_at} hosts written, holding {len(held)} jobs, retried by the others;"
        f" one worker process killed and restarted; written by the survivors"
        f" {[c.get('written', 0) for c in counts]}"
    )
