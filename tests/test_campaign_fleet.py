"""`govnet worker --processes N`: the parent's supervision of its worker processes (issue 21,
item 3), with stand-in workers: no PostgreSQL, no lab. The real workers on a served lab are
in tests/test_campaign_scale.py (slow).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from govnet.app.fleet import Ended, stop_when_parent_ends, supervise
from govnet.survey.jobs import QueueError


def idle(pipe: Any, slot: int) -> None:
    """A worker that finds nothing to do: it says what it wrote (slot + 1 hosts) and ends."""
    pipe.send(Ended(slot, Counter(written=slot + 1)))


def broken(pipe: Any, slot: int) -> None:
    """A worker whose store is unreachable: it fails at once."""
    pipe.send(Ended(slot, Counter(), "the store is unreachable"))
    raise SystemExit(1)


def busy(pipe: Any, slot: int, marks: str) -> None:
    """A worker with a job in flight until SIGTERM; it ends the job (0.3 s), then says so.
    ``marks``: a folder where it notes its pid, and its end."""
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stop_when_parent_ends()
    Path(marks, f"{os.getpid()}.started").touch()
    while not stopped.wait(0.05):
        pass
    time.sleep(0.3)  # the job in flight ends first
    Path(marks, f"{os.getpid()}.ended").touch()
    with contextlib.suppress(OSError):  # the parent may be gone (as _serve does)
        pipe.send(Ended(slot, Counter(written=1)))


def test_each_process_reports_what_it_wrote_and_the_parent_ends_with_the_last() -> None:
    events: list[str] = []
    done = supervise(idle, (), 3, events.append)
    assert done.done == Counter(written=1 + 2 + 3)
    assert (done.died, done.restarted, done.failed) == (0, 0, [])
    assert sum("started (pid" in e for e in events) == 3


def test_processes_failing_at_their_start_are_not_restarted_and_the_error_is_named() -> None:
    events: list[str] = []
    with pytest.raises(QueueError, match="failed at its start: the store is unreachable"):
        supervise(broken, (), 2, events.append)
    assert sum("started (pid" in e for e in events) == 2  # none started again
    assert sum("not restarted: the store is unreachable" in e for e in events) == 2


def pids_in(marks: Path, kind: str) -> set[int]:
    return {int(p.stem) for p in marks.glob(f"*.{kind}")}


def wait_for(check: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_killed_process_is_restarted_and_sigterm_ends_every_one_after_its_job(
    tmp_path: Path,
) -> None:
    """SIGKILL one of two: reported, started again. Then SIGTERM to the parent: each live
    process ends its job in flight and reports; none is left."""
    events: list[str] = []

    def play() -> None:
        wait_for(lambda: len(pids_in(tmp_path, "started")) == 2)
        victim = min(pids_in(tmp_path, "started"))
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: len(pids_in(tmp_path, "started")) == 3)
        os.kill(os.getpid(), signal.SIGTERM)  # to the parent (this process) only

    player = threading.Thread(target=play, daemon=True)
    player.start()
    done = supervise(busy, (str(tmp_path),), 2, events.append)
    player.join(5)
    assert (done.died, done.restarted) == (1, 1), events
    assert any("died (killed by SIGKILL)" in e for e in events)
    assert done.done == Counter(written=2)  # the two live ones, each after its job
    started, ended = pids_in(tmp_path, "started"), pids_in(tmp_path, "ended")
    assert len(started) == 3 and len(ended) == 2 and ended < started


PARENT = """
import sys
from govnet.app.fleet import supervise
from test_campaign_fleet import busy
supervise(busy, (sys.argv[1],), 2)
"""


@pytest.mark.slow  # ~8 s: a second Python and its fork server's imports
def test_processes_stop_after_their_job_when_the_parent_is_killed(tmp_path: Path) -> None:
    """The parent SIGKILLed: nobody would stop its processes, so each stops on its own."""
    here = Path(__file__).parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(here), *sys.path]))
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(tmp_path)], env=env)
    try:
        wait_for(lambda: len(pids_in(tmp_path, "started")) == 2)
        parent.kill()
        parent.wait(10)
        wait_for(lambda: len(pids_in(tmp_path, "ended")) == 2, timeout=10)
    finally:
        parent.kill()


def test_a_job_taken_back_from_a_live_worker_is_one_line_not_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """procrastinate's refusal to end a job another worker took back (a heartbeat behind the
    lease) is told in one line; any other task error still goes to asyncio's handler."""
    import asyncio

    from procrastinate.exceptions import ConnectorException

    from govnet.survey.jobs_signals import on_taken_back

    refused = ConnectorException()
    refused.__cause__ = RuntimeError(
        'Job was not found or not in "doing" or "todo" status (job id: 49)'
    )
    loop = asyncio.new_event_loop()
    seen: list[dict[str, Any]] = []
    loop.default_exception_handler = seen.append  # type: ignore[method-assign,assignment]
    try:
        with caplog.at_level("WARNING"):
            on_taken_back(loop, {"message": "never retrieved", "exception": refused})
            on_taken_back(loop, {"message": "never retrieved", "exception": ValueError("x")})
    finally:
        loop.close()
    assert "taken back by another worker" in caplog.text
    assert [type(c["exception"]) for c in seen] == [ValueError]


def test_a_sqlite_project_is_refused_before_any_worker_process_starts(
    example_project: Path,
) -> None:
    from govnet_cli import run_govnet

    env = dict(os.environ, GOVNET_DB_URL=f"sqlite:///{example_project}/store.db")
    env.update(GOVNET_USERNAME="u", GOVNET_PASSWORD="p")
    done = run_govnet(example_project, env, "worker", "--zone", "a", "--processes", "2")
    assert done.returncode == 1
    assert "PostgreSQL" in done.stderr and "govnet survey" in done.stderr
    assert "started (pid" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow  # ~15 s: PostgreSQL, a campaign, a worker stopped mid-campaign
@pytest.mark.postgres
def test_sigterm_stops_an_exit_when_idle_worker_after_its_job_with_jobs_left(
    example_project: Path, pg_url: str
) -> None:
    """Before: procrastinate's stop ended one round and the --exit-when-idle loop, seeing jobs
    left, started another, so a SIGTERM did not stop the worker. Routers that accept and never
    answer keep each job in flight for the connect timeout."""
    import socket

    import yaml

    from govnet_cli import run_govnet_json, start_govnet
    from test_campaign_jobs import query

    silent = socket.create_server(("127.0.0.1", 0), backlog=64)
    port = silent.getsockname()[1]
    hosts_file = example_project / "inventory" / "hosts.yaml"
    hosts = yaml.safe_load(hosts_file.read_text(encoding="utf-8"))
    for host in hosts.values():
        host.update(hostname="127.0.0.1", port=port)
    hosts_file.write_text(yaml.safe_dump(hosts, allow_unicode=True), encoding="utf-8")
    env = dict(os.environ, GOVNET_DB_URL=pg_url, GOVNET_USERNAME="u", GOVNET_PASSWORD="p")
    worker = None
    try:
        run_govnet_json(example_project, env, "campaign", "start", "--campaign", "stop")
        worker = start_govnet(
            example_project, env, "worker", "--zone", "default", "--processes", "1",
            "--concurrency", "1", "--connect-timeout", "4", "--exit-when-idle", "--json",
        )  # fmt: skip
        doing = "SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'"
        wait_for(lambda: query(pg_url, doing)[0][0] == 1)
        worker.send_signal(signal.SIGTERM)
        stdout, stderr = worker.communicate(timeout=60)
    finally:
        silent.close()
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert query(pg_url, doing)[0][0] == 0  # its job in flight ended
    left = query(pg_url, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'")
    assert left[0][0] >= len(hosts) - 3  # the rest left for other workers
    assert json.loads(stdout)["written"] >= 1
