"""`govnet worker --processes N`: N campaign workers on one collector, supervised by one parent.

Each worker process is a whole procrastinate worker, as ``govnet worker --processes 1`` is:
its own job threads, SSH sessions, store connection pool and heartbeat, and it writes its own
hosts (one transaction per host; the run's (run, host) key keeps a host from being written
twice). Unlike ``survey --processes``, the parent writes nothing: the queue is the shared
state, so there is nothing to gather, and a process that dies loses only the jobs it holds,
which procrastinate's stalled-job retry hands to the live workers after the lease.

The parent supervises:
- SIGTERM or the first Ctrl-C: each process is sent one SIGTERM; it takes no new job and
  ends when its jobs in flight have ended. A second Ctrl-C kills them at once (their jobs
  go back to the queue after the lease). The processes ignore Ctrl-C themselves, so a
  terminal's Ctrl-C, sent to the whole group, reaches them once, through the parent.
- A process that dies (killed, or out of memory) is reported and started again: a collector
  keeps its N workers, and a new process costs a fraction of a second from the fork server.
  One that fails with an error within :data:`QUICK_FAILURE_S` of its start (the store
  unreachable, a bad inventory), or dies that soon twice in a row, would fail again: it is
  reported and not restarted.
- If the parent itself dies (SIGKILL), each process sees its parent gone and stops as on
  SIGTERM, rather than working on unsupervised.

Processes come from the same fork server as ``survey --processes`` (:mod:`govnet.survey.
processes`): never a fork of a process that already runs threads.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing import connection
from typing import Any

from govnet.app.project import Project
from govnet.survey.collect import Budget, Credentials
from govnet.survey.jobs import LEASE_S, QueueError, require_postgres
from govnet.survey.processes import (
    POLL_SECONDS,
    PRELOAD,
    get_cores,
    halt_processes,
    start_processes,
)
from govnet.survey.run import stopping_on_signals

QUICK_FAILURE_S = 10.0  # a process failing this soon after its start is not restarted
KILL_AFTER_S = 320.0  # after a stop, for the hosts in flight (300 s at most; systemd: 330)
FLEET_PRELOAD = [*PRELOAD, "govnet.app.campaign", "procrastinate", "psycopg"]


def get_worker_processes(requested: int | None, cores: int | None = None) -> int:
    """The worker processes: as asked, else one per core.

    >>> get_worker_processes(None, cores=2), get_worker_processes(3, cores=2)
    (2, 3)
    """
    return max(1, requested if requested is not None else cores or get_cores())


@dataclass(frozen=True)
class Ended:
    """A worker process's last message: what it wrote, or what ended it."""

    slot: int
    done: Counter[str]
    error: str | None = None


@dataclass
class _Slot:
    """One of the N places a worker process runs in; a restart takes the same slot."""

    index: int
    process: Any = None
    reader: Any = None
    started: float = 0.0
    starts: int = 0
    quick_deaths: int = 0  # in a row, each within QUICK_FAILURE_S of its start
    ended: Ended | None = None


@dataclass
class FleetDone:
    """What the worker processes did: hosts written and skipped (by the processes that ended
    and said so), the deaths and restarts, the processes given up."""

    done: Counter[str] = field(default_factory=Counter)
    died: int = 0
    restarted: int = 0
    failed: list[str] = field(default_factory=list)


def work_in_processes(
    project: Project,
    credentials: Credentials,
    zones: list[str],
    processes: int,
    concurrency: int = 10,
    lease: float = LEASE_S,
    until_idle: bool = False,
    budget: Budget | None = None,
    schedule: bool = False,
    on_event: Callable[[str], None] = lambda _: None,
) -> FleetDone:
    """``processes`` campaign workers on the zones, supervised here until stopped (or, with
    ``until_idle``, until every process found its zones' queues empty); ``on_event`` hears
    each start, death and restart. ``schedule``: each also defers the schedule's campaigns
    (once across workers: procrastinate's periodic key)."""
    if not zones:
        raise QueueError("give the zones this worker surveys: --zone Z (repeatable)")
    with project.store() as store:  # a SQLite project: said once, before any process starts
        require_postgres(store)
    args = (project, credentials, zones, concurrency, lease, until_idle, budget or Budget(),
            schedule)  # fmt: skip
    return supervise(_serve, args, processes, on_event)


def supervise(
    target: Callable[..., None],
    args: tuple[Any, ...],
    processes: int,
    on_event: Callable[[str], None] = lambda _: None,
) -> FleetDone:
    """``target(pipe, slot, *args)`` in ``processes`` processes from the fork server, until
    each has ended on its own or, after SIGTERM or Ctrl-C here, on the SIGTERM passed on to it.
    ``target`` sends an :class:`Ended` up its pipe as it ends (:func:`_serve` shows how)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(FLEET_PRELOAD)
    slots = [_Slot(i) for i in range(processes)]
    result = FleetDone()
    stop = threading.Event()
    halted: set[int] = set()

    def start(slot: _Slot) -> None:
        reader, writer = context.Pipe(duplex=False)
        slot.process = context.Process(
            target=target,
            args=(writer, slot.index, *args),
            name=f"govnet-worker-{slot.index + 1}",
            daemon=False,  # it stops on its own when this process is gone (see _serve)
        )
        start_processes([slot.process])
        writer.close()  # the process holds its end: the pipe ends when it does
        slot.reader, slot.started, slot.ended = reader, time.monotonic(), None
        slot.starts += 1
        on_event(f"worker process {slot.index + 1}/{processes} started (pid {slot.process.pid})")

    def ended(slot: _Slot) -> None:
        """The slot's process has ended: count it, report it, start it again if it died."""
        slot.process.join()
        slot.reader.close()
        slot.reader = None
        code, last = slot.process.exitcode, slot.ended
        if last is not None:
            result.done.update(last.done)
        if last is not None and last.error is None and code == 0:
            return  # stopped, or idle
        cause = last.error if last is not None and last.error else _describe_exit(code)
        label = f"worker process {slot.index + 1}/{processes} (pid {slot.process.pid})"
        if stop.is_set():
            on_event(f"{label} ended while stopping: {cause}")
            return
        result.died += 1
        quick = time.monotonic() - slot.started < QUICK_FAILURE_S
        if quick and (slot.quick_deaths or (last is not None and last.error)):
            on_event(f"{label} failed at its start, not restarted: {cause}")
            result.failed.append(cause)
            return
        slot.quick_deaths = slot.quick_deaths + 1 if quick else 0
        on_event(f"{label} died ({cause}); its jobs go to the live workers after the lease")
        result.restarted += 1
        start(slot)

    def read(timeout: float) -> None:
        running = {s.reader: s for s in slots if s.reader is not None}
        ready: Any
        for ready in connection.wait(list(running), timeout):
            slot = running[ready]
            try:
                message = ready.recv()
            except (EOFError, OSError):  # its end closed: ended, or killed
                ended(slot)
                continue
            if isinstance(message, Ended):
                slot.ended = message

    with stopping_on_signals(stop):
        try:
            for slot in slots:
                start(slot)
            while any(s.reader is not None for s in slots):
                if stop.is_set():
                    halt_processes([s.process for s in slots], halted)
                read(POLL_SECONDS)
        except KeyboardInterrupt:  # a second Ctrl-C: at once (jobs return after the lease)
            _kill([s.process for s in slots if s.process is not None])
            raise
        finally:
            live = [s.process for s in slots if s.reader is not None]
            halt_processes(live, halted)
            deadline = time.monotonic() + KILL_AFTER_S
            for process in live:
                process.join(max(0.0, deadline - time.monotonic()))
            _kill(live)
            for slot in slots:
                if slot.reader is not None:
                    slot.reader.close()
    if result.failed and len(result.failed) >= processes:
        raise QueueError(f"every worker process failed at its start: {result.failed[0]}")
    return result


def _describe_exit(code: int | None) -> str:
    """How a process ended, for the operator.

    >>> _describe_exit(-9), _describe_exit(1)
    ('killed by SIGKILL', 'exit code 1')
    """
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def _kill(processes: list[Any]) -> None:
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join()


def _serve(
    pipe: Any,
    slot: int,
    project: Project,
    credentials: Credentials,
    zones: list[str],
    concurrency: int,
    lease: float,
    until_idle: bool,
    budget: Budget,
    schedule: bool,
) -> None:
    """One worker process: ``govnet worker`` with one process, its counts sent up its pipe
    at the end. Ctrl-C is the parent's to pass on (as SIGTERM); a parent gone stops it too."""
    from govnet.app.campaign import work
    from govnet.survey.collect import get_error_message

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop_when_parent_ends()
    done: Counter[str] = Counter()
    error: str | None = None
    try:
        done = work(project, credentials, zones, concurrency, lease, until_idle, budget, schedule)
    except Exception as exc:
        error = get_error_message(exc)
    with contextlib.suppress(OSError):
        pipe.send(Ended(slot, done, error))
    pipe.close()
    if error is not None:
        raise SystemExit(1)


def stop_when_parent_ends() -> None:
    """A SIGTERM to this process once its parent is gone (the parent's end of the fork
    server's data pipe closes when it dies, however it dies)."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def watch() -> None:
        connection.wait([parent.sentinel])
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="govnet-parent-watch", daemon=True).start()
