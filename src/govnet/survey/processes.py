"""A survey over several processes: one collector's hosts split across worker processes, so
SSH, key exchange and parsing use every core instead of one Python thread holding the GIL.

Each worker process runs the same engine as a one-process survey
(:func:`govnet.survey.run.collect_hosts`: its own Nornir threads and SSH sessions) on its
share of the hosts, and sends each host's parsed snapshot back over a queue. The parent is
the run's single writer: one run, one summary and one progress bar, exactly as with one
process, and no second writer waiting on SQLite's lock (a SQLite database takes one writer
at a time; PostgreSQL would take several, but writing is a few per cent of a host's CPU, far
less than the SSH and parsing the processes share out).

Processes are started with ``spawn``: forking a process that already runs threads (the
store's writer, paramiko's) may copy a lock held by one of them.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govnet.model.facts import HostSnapshot
from govnet.model.inventory import Inventory
from govnet.platforms import Platforms
from govnet.survey.collect import Credentials, ErrorCategory, HostStatus

if TYPE_CHECKING:
    from govnet.survey.run import SurveyOptions

# When --processes is not given: one process per core, but only one per this many hosts: a
# process costs about a second to start (imports, specs), which a small survey does not win
# back.
HOSTS_PER_PROCESS = 200
POLL_SECONDS = 0.2  # the parent wakes this often to notice Ctrl-C and dead processes
STOP_SECONDS = 10.0  # after a second Ctrl-C: how long processes get to end before a kill


def get_cores() -> int:
    """The cores this process may run on (a container or taskset may allow fewer than the
    machine has)."""
    with contextlib.suppress(AttributeError):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def get_process_count(requested: int | None, hosts: int, cores: int | None = None) -> int:
    """How many worker processes survey ``hosts``: as asked, but never more than the hosts;
    by default one per core and per :data:`HOSTS_PER_PROCESS` hosts. 1: no worker process,
    the survey runs in this one.

    >>> get_process_count(None, 1000, cores=2), get_process_count(None, 250, cores=8)
    (2, 1)
    >>> get_process_count(4, 20), get_process_count(4, 3), get_process_count(1, 1000)
    (4, 3, 1)
    """
    if requested is None:
        requested = min(cores or get_cores(), hosts // HOSTS_PER_PROCESS)
    return max(1, min(requested, hosts))


def split_hosts(names: list[str], count: int) -> list[list[str]]:
    """``count`` shares dealt like cards: an inventory in site order gives each process a
    like mix of sites and platforms.

    >>> split_hosts(["a", "b", "c", "d", "e"], 2)
    [['a', 'c', 'e'], ['b', 'd']]
    """
    return [names[i::count] for i in range(count)]


@dataclass(frozen=True)
class _Ended:
    """A worker process's last message: its share is done (or what ended it)."""

    index: int
    error: str | None = None


def collect_in_processes(
    put: Callable[[HostSnapshot], None],
    inventory: Inventory,
    collectors: Platforms,
    credentials: Credentials,
    options: SurveyOptions,
    names: list[str],
    stop: threading.Event,
    count: int,
) -> None:
    """Survey ``names`` in ``count`` worker processes, each snapshot handed to ``put`` here.

    ``stop`` (the first Ctrl-C or SIGTERM) is passed on: every process skips the hosts it has
    not started. A process that dies or fails leaves its unfinished hosts recorded failed,
    with the reason, so ``--retry-failed`` completes the campaign."""
    context = multiprocessing.get_context("spawn")
    results: Any = context.Queue()
    shares = split_hosts(names, count)
    workers = [
        context.Process(
            target=_work,
            args=(results, i, inventory, collectors, credentials, options, share),
            name=f"govnet-survey-{i + 1}",
            daemon=True,
        )
        for i, share in enumerate(shares)
    ]
    done: set[str] = set()
    ended: dict[int, str | None] = {}
    gone: set[int] = set()  # processes seen dead while the queue was empty
    halted: set[int] = set()  # processes told to stop

    def take(item: object) -> None:
        if isinstance(item, HostSnapshot):
            done.add(item.hostname)
            put(item)
        elif isinstance(item, _Ended):
            ended[item.index] = item.error

    try:
        _start(workers)
        while len(ended) < count:
            if stop.is_set():
                _halt(workers, halted)
            try:
                take(results.get(timeout=POLL_SECONDS))
                continue
            except queue.Empty:
                pass
            for i, worker in enumerate(workers):
                if i in ended or worker.exitcode is None:
                    continue
                if i in gone:  # dead, and the queue empty since: it holds nothing of it
                    ended[i] = f"its process ended (exit code {worker.exitcode})"
                gone.add(i)
    except KeyboardInterrupt:  # a second Ctrl-C: keep what has arrived, end the processes
        _halt(workers, halted)
        _drain(results, workers, take)
        raise
    finally:
        if len(ended) < count:
            _halt(workers, halted)
        for worker in workers:
            worker.join(STOP_SECONDS)
            if worker.is_alive():
                worker.kill()
                worker.join()
        results.close()
    if stop.is_set():
        return  # hosts never started are left out, as in one process
    for i, error in sorted(ended.items()):
        lost = [n for n in shares[i] if n not in done] if error else []
        for hostname in lost:
            put(_lost(inventory, hostname, f"survey process {i + 1} of {count}: {error}"))


def _start(workers: list[Any]) -> None:
    """Start the processes with Ctrl-C ignored, as their children inherit it across exec:
    one pressed while they still import would end them with a traceback. Each takes Ctrl-C
    again once its survey starts (:func:`govnet.survey.run.stopping_on_signals`)."""
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if on_main else None
    try:
        for worker in workers:
            worker.start()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _halt(workers: list[Any], halted: set[int]) -> None:
    """Pass the stop on as a SIGTERM (a process takes it as a first Ctrl-C). A signal, not a
    shared event: a multiprocessing Event's set() waits for every waiter to wake, forever if
    one has exited while waiting."""
    for worker in workers:
        if worker.pid is not None and worker.exitcode is None and worker.pid not in halted:
            halted.add(worker.pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGTERM)


def _drain(results: Any, workers: list[Any], take: Callable[[object], None]) -> None:
    """What the processes still send while they end (a process cannot exit before its queue
    is read)."""
    deadline = time.monotonic() + STOP_SECONDS
    while time.monotonic() < deadline and any(w.is_alive() for w in workers):
        with contextlib.suppress(queue.Empty, OSError, EOFError, ValueError):
            take(results.get(timeout=POLL_SECONDS))


def _lost(inventory: Inventory, hostname: str, reason: str) -> HostSnapshot:
    host = next(h for h in inventory.hosts if h.name == hostname)
    return HostSnapshot(
        hostname,
        HostStatus.FAILED.value,
        host.platform,
        host.unit,
        ErrorCategory.UNKNOWN.value,
        f"not surveyed: {reason}",
        None,
    )


def _work(
    results: Any,
    index: int,
    inventory: Inventory,
    collectors: Platforms,
    credentials: Credentials,
    options: SurveyOptions,
    names: list[str],
) -> None:
    """One worker process: its share with the one-process engine, each snapshot sent as it
    ends. Ctrl-C reaches it with the whole terminal's process group; the parent passes its
    own stop on as a SIGTERM."""
    from govnet.survey.collect import get_error_message
    from govnet.survey.run import collect_hosts, stopping_on_signals

    stop = threading.Event()
    error: str | None = None
    try:
        with stopping_on_signals(stop):
            collect_hosts(results.put, inventory, collectors, credentials, options, names, stop)
    except KeyboardInterrupt:  # a second Ctrl-C
        error = "interrupted"
    except Exception as exc:
        error = get_error_message(exc)
    results.put(_Ended(index, error))
