"""A survey over several processes: one collector's hosts split across worker processes, so
SSH, key exchange and parsing use every core instead of one Python thread holding the GIL.

Each worker process runs the same engine as a one-process survey
(:func:`govnet.survey.run.collect_hosts`: its own Nornir threads and SSH sessions) on its
share of the hosts, and sends each host's parsed snapshot back over a queue. The parent is
the run's single writer: one run, one summary and one progress bar, exactly as with one
process, and no second writer waiting on SQLite's lock (a SQLite database takes one writer
at a time; PostgreSQL would take several, but writing is a few per cent of a host's CPU, far
less than the SSH and parsing the processes share out).

Processes are started by a fork server (``forkserver``), never forked from this process: a
fork of a process that already runs threads (the store's writer, the progress display) may
copy a lock one of them holds. The server imports the collector's modules once (PRELOAD), so
each process starts without a second of imports.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing import connection, forkserver
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
# what every worker process needs, imported once in the fork server rather than by each
# process (about a second of CPU each on this machine)
PRELOAD = ["govnet.survey.run", "govnet.platforms", "netmiko", "nornir", "paramiko"]
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


def get_fork_server() -> Any:
    """The multiprocessing context whose fork server starts the processes, that server
    started now if it is not running: it imports :data:`PRELOAD` (about half a second) while
    the caller goes on, e.g. records the inventory, instead of while the caller waits."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    forkserver.ensure_running()
    return context


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
    cpu_s: float = 0.0  # its user + system CPU: the parent cannot see a fork server's children


def collect_in_processes(
    put: Callable[[HostSnapshot], None],
    inventory: Inventory,
    collectors: Platforms,
    credentials: Credentials,
    options: SurveyOptions,
    names: list[str],
    stop: threading.Event,
    count: int,
) -> float:
    """Survey ``names`` in ``count`` worker processes, each snapshot handed to ``put`` here;
    the CPU seconds the processes used.

    ``stop`` (the first Ctrl-C or SIGTERM) is passed on: every process skips the hosts it has
    not started. A process that dies or fails leaves its unfinished hosts recorded failed,
    with the reason, so ``--retry-failed`` completes the campaign."""
    context = get_fork_server()
    shares = split_hosts(names, count)
    pipes = [context.Pipe(duplex=False) for _ in shares]  # (read, write) each
    workers = [
        context.Process(
            target=_work,
            args=(pipes[i][1], i, inventory, collectors, credentials, options, share),
            name=f"govnet-survey-{i + 1}",
            daemon=True,
        )
        for i, share in enumerate(shares)
    ]
    readers: dict[Any, int] = {pipes[i][0]: i for i in range(count)}
    done: set[str] = set()
    ended: dict[int, str | None] = {}
    cpu_s: list[float] = []
    halted: set[int] = set()  # processes told to stop

    def read(timeout: float) -> None:
        """Take what the processes sent; a pipe at its end is a process that has ended."""
        ready: Any
        for ready in connection.wait(list(readers), timeout):
            i = readers[ready]
            try:
                item = ready.recv()
            except (EOFError, OSError):  # its end closed: done, or dead (even mid-message)
                del readers[ready]
                workers[i].join(POLL_SECONDS)
                ended.setdefault(i, f"its process ended (exit code {workers[i].exitcode})")
                continue
            if isinstance(item, HostSnapshot):
                done.add(item.hostname)
                put(item)
            elif isinstance(item, _Ended):
                ended[i] = item.error
                cpu_s.append(item.cpu_s)

    try:
        start_processes(workers)
        for _, writer in pipes:
            writer.close()  # the processes hold theirs: a pipe ends when its process does
        while readers:
            if stop.is_set():
                halt_processes(workers, halted)
            read(POLL_SECONDS)
    except KeyboardInterrupt:  # a second Ctrl-C: keep what has arrived, end the processes
        halt_processes(workers, halted)
        deadline = time.monotonic() + STOP_SECONDS
        while readers and time.monotonic() < deadline:
            with contextlib.suppress(KeyboardInterrupt):
                read(POLL_SECONDS)
        raise
    finally:
        if readers:
            halt_processes(workers, halted)
        for worker in (w for w in workers if w.pid is not None):  # started
            worker.join(STOP_SECONDS)
            if worker.is_alive():
                worker.kill()
                worker.join()
        for reader, writer in pipes:
            reader.close()
            writer.close()
    if stop.is_set():
        return sum(cpu_s)  # hosts never started are left out, as in one process
    for i, error in sorted(ended.items()):
        lost = [n for n in shares[i] if n not in done] if error else []
        for hostname in lost:
            put(_lost(inventory, hostname, f"survey process {i + 1} of {count}: {error}"))
    return sum(cpu_s)


def start_processes(workers: list[Any]) -> None:
    """Start the processes with Ctrl-C ignored, as their children inherit it across exec:
    one pressed while they still import would end them with a traceback. Each takes Ctrl-C
    again once its survey starts (:func:`govnet.survey.run.stopping_on_signals`)."""
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if on_main else None
    try:
        with _main_not_rerun():
            for worker in workers:
                worker.start()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _main_not_rerun() -> Iterator[None]:
    """Start processes that do not run this program's main script again.

    multiprocessing makes each new process import the parent's ``__main__`` by its file (so
    that functions defined there can be unpickled); here that is the ``govnet`` script,
    whose CLI import costs each process ~0.6 s of CPU for nothing: the target and its
    arguments all live in govnet's own modules. It takes the path from ``__main__.__file__``
    as each process starts (``spawn.get_preparation_data``), so the attribute is hidden for
    that moment."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or path is None:
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


def halt_processes(workers: list[Any], halted: set[int]) -> None:
    """Pass the stop on as a SIGTERM (a process takes it as a first Ctrl-C). A signal, not a
    shared event: a multiprocessing Event's set() waits for every waiter to wake, forever if
    one has exited while waiting."""
    for worker in workers:
        if worker.pid is not None and worker.exitcode is None and worker.pid not in halted:
            halted.add(worker.pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGTERM)


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
    pipe: Any,
    index: int,
    inventory: Inventory,
    collectors: Platforms,
    credentials: Credentials,
    options: SurveyOptions,
    names: list[str],
) -> None:
    """One worker process: its share with the one-process engine, each snapshot sent up its
    own pipe as it ends (a pipe per process: one killed mid-message spoils only its own).
    Ctrl-C reaches it with the whole terminal's process group; the parent passes its own stop
    on as a SIGTERM."""
    from govnet.survey.collect import get_error_message
    from govnet.survey.run import collect_hosts, stopping_on_signals

    lock = threading.Lock()  # Nornir's threads send whole messages, one at a time

    def send(item: object) -> None:
        with lock:
            pipe.send(item)

    stop = threading.Event()
    error: str | None = None
    try:
        with stopping_on_signals(stop):
            collect_hosts(send, inventory, collectors, credentials, options, names, stop)
    except KeyboardInterrupt:  # a second Ctrl-C
        error = "interrupted"
    except Exception as exc:
        error = get_error_message(exc)
    used = resource.getrusage(resource.RUSAGE_SELF)
    send(_Ended(index, error, used.ru_utime + used.ru_stime))
    pipe.close()
