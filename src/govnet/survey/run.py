"""A survey run: every host of the inventory read (over SSH, or from saved files), parsed into
facts, and streamed into the store as it finishes, so memory does not grow with the run and
an interrupted run keeps every host it finished.

Runs belong to a campaign; a campaign's snapshot is each host's latest result in its runs, so
``--retry-failed`` (a new run in the same campaign, for the hosts without a result yet or with
a failed one) completes the snapshot without changing the earlier run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
import signal
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govnet.model.facts import HostSnapshot
from govnet.model.inventory import Inventory
from govnet.model.problems import UsageError
from govnet.platforms import Platforms
from govnet.survey.collect import (
    Budget,
    Collected,
    Credentials,
    ErrorCategory,
    HostStatus,
    Target,
    collect_host,
    get_error_message,
    remove_controls,
)
from govnet.survey.napalm_collect import collect_napalm
from govnet.survey.nornir import inventory_to_nornir
from govnet.survey.offline import (
    SavedHost,
    get_saved_outputs,
    get_saved_platform,
    get_saved_problems,
    read_saved_hosts,
    with_prompt_hostname,
)
from govnet.survey.processes import collect_in_processes, get_fork_server, get_process_count

if TYPE_CHECKING:  # not imported at run time: worker processes never touch the store, and
    # SQLAlchemy with Alembic is a third of their fork server's start (a second of CPU)
    from govnet.store import Store

BATCH_SIZE = 50  # hosts per store transaction
BATCH_SECONDS = 1.0  # or sooner, so progress reaches the store while a slow run goes on


class SurveyError(UsageError):
    """The survey cannot start (no hosts, no previous run to retry); the message says why."""


@dataclass(frozen=True)
class SurveyOptions:
    workers: int | None = None  # None: nornir_config.yaml's runner (Nornir: 20 threads)
    retry_failed: bool = False
    campaign: str | None = None
    hosts: tuple[str, ...] = ()  # only these (default: every host of the inventory)
    budget: Budget = field(default_factory=Budget)
    shard: tuple[int, int] | None = None  # (K, N): this collector's part K of N
    processes: int | None = None  # None: one per core, for runs big enough (see .processes)
    driver: str = "cli"  # napalm: the platforms' NAPALM drivers' getters (.napalm_collect)


def get_shard(text: str) -> tuple[int, int]:
    """``K/N`` as (K, N), checked.

    >>> get_shard("2/4")
    (2, 4)
    >>> get_shard("5/4")
    Traceback (most recent call last):
    ...
    govnet.survey.run.SurveyError: --shard 5/4: K/N with 1 <= K <= N, e.g. 1/4
    """
    k, sep, n = text.partition("/")
    if sep and k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n):
        return int(k), int(n)
    raise SurveyError(f"--shard {text}: K/N with 1 <= K <= N, e.g. 1/4")


def get_driver(text: str) -> str:
    """``--driver``: cli or napalm, checked.

    >>> get_driver("napalm")
    'napalm'
    >>> get_driver("netconf")
    Traceback (most recent call last):
    ...
    govnet.survey.run.SurveyError: --driver netconf: cli or napalm
    """
    if text in ("cli", "napalm"):
        return text
    raise SurveyError(f"--driver {text}: cli or napalm")


def is_in_shard(hostname: str, shard: tuple[int, int]) -> bool:
    """Whether a host is part K of N: by a hash of its name, so collectors that read the same
    inventory split it exactly, whatever order they read it in.

    >>> [k for k in (1, 2, 3) if is_in_shard("jlp-dsj-core1", (k, 3))]
    [1]
    """
    k, n = shard
    return zlib.crc32(hostname.encode()) % n == k - 1


@dataclass
class SurveySummary:
    run_id: int
    campaign: str
    status: str  # complete, incomplete
    hosts: int  # hosts this run set out to survey
    by_status: Counter[str] = field(default_factory=Counter)
    by_error: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    failed: list[dict[str, Any]] = field(default_factory=list)  # hostname, category, message
    not_found: list[str] = field(default_factory=list)  # offline: inventory hosts with no files
    unknown: list[str] = field(default_factory=list)  # offline: hosts the inventory lacks
    processes: int = 1  # worker processes the hosts were split over
    processes_cpu_s: float = 0.0  # CPU seconds they used (user + system)

    @property
    def done(self) -> int:
        return sum(self.by_status.values())

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    @property
    def any_failed(self) -> bool:
        return self.by_status[HostStatus.FAILED] > 0 or self.by_status[HostStatus.PARTIAL] > 0


OnHost = Callable[[HostSnapshot], None]


def to_snapshot(
    hostname: str,
    platform: str | None,
    unit_key: str | None,
    collected: Collected,
    collectors: Platforms,
    duration_s: float | None,
    saved: SavedHost | None = None,
) -> HostSnapshot:
    """Parse what a host gave and decide its status: ok, partial (some commands failed or
    were not understood) or failed (nothing usable). A host ``saved`` in a session log is
    given its prompt's name as hostname when no output states one."""
    outputs = {cmd: (raw.text, raw.encoding) for cmd, raw in collected.outputs.items()}
    facts = None
    problems: list[str] = []
    partial = False  # lost more than single lines (see ParseProblem.is_partial)
    unparsed: int | None = None  # lines and values not understood, one by one
    decoding = [f"{cmd}: {raw.note}" for cmd, raw in collected.outputs.items() if raw.note]
    category = collected.error.value if collected.error else None
    if collected.outputs and platform is not None:
        facts, parse_problems = collectors.parse(platform, {c: t for c, (t, _) in outputs.items()})
        if saved is not None and saved.from_prompt:
            facts = with_prompt_hostname(facts, saved.hostname)
        problems += [f"{p.command}: {p.kind}: {p.message}" for p in parse_problems]
        partial = any(p.is_partial for p in parse_problems)
        category = category or (ErrorCategory.PARSE.value if partial else None)
        unparsed = sum(p.lines for p in parse_problems)
    if collected.error is not None and not collected.outputs:
        status = HostStatus.FAILED
    elif collected.error is not None or partial:
        status = HostStatus.PARTIAL
    else:
        status = HostStatus.OK
    message = collected.message
    if problems or decoding:
        message = "; ".join(([message] if message else []) + decoding + problems)[:2000]
    if message is not None:  # exceptions may quote the device
        message = remove_controls(message)[0]
    return HostSnapshot(
        hostname,
        status.value,
        platform,
        unit_key,
        category,
        message,
        duration_s,
        outputs,
        facts,
        unparsed,
    )


class _Writer:
    """Takes snapshots from worker threads and writes them in batches from one thread."""

    def __init__(self, store: Store, run_id: int, on_host: OnHost | None) -> None:
        self.store = store
        self.run_id = run_id
        self.on_host = on_host
        self.queue: queue.Queue[HostSnapshot | None] = queue.Queue(maxsize=4 * BATCH_SIZE)
        self.error: BaseException | None = None
        self.summary_status: Counter[str] = Counter()
        self.summary_error: Counter[str] = Counter()
        self.failed: list[dict[str, Any]] = []
        self.thread = threading.Thread(target=self._run, name="govnet-store-writer", daemon=True)
        self.thread.start()

    def put(self, snapshot: HostSnapshot) -> None:
        self.queue.put(snapshot)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        batch: list[HostSnapshot] = []
        deadline = time.monotonic() + BATCH_SECONDS
        closing = False
        while not closing:
            try:
                item = self.queue.get(timeout=max(0.01, deadline - time.monotonic()))
                closing = item is None
                if item is not None:
                    batch.append(item)
            except queue.Empty:
                pass
            if closing or len(batch) >= BATCH_SIZE or time.monotonic() >= deadline:
                self._flush(batch)
                batch = []
                deadline = time.monotonic() + BATCH_SECONDS

    def _flush(self, batch: list[HostSnapshot]) -> None:
        if not batch or self.error is not None:
            return
        try:
            self.store.add_snapshots(self.run_id, batch)
        except Exception:  # one host's record may be what the store refuses: one at a time
            batch = [kept for s in batch if (kept := self._add_one(s)) is not None]
        except BaseException as exc:
            self.error = exc
            return
        for snapshot in batch:
            self.summary_status[snapshot.status] += 1
            if snapshot.error_category:
                self.summary_error[snapshot.error_category] += 1
            if snapshot.status != HostStatus.OK:
                self.failed.append(
                    {
                        "hostname": snapshot.hostname,
                        "status": snapshot.status,
                        "category": snapshot.error_category,
                        "message": snapshot.message,
                    }
                )
            if self.on_host is not None:
                self.on_host(snapshot)

    def _add_one(self, snapshot: HostSnapshot) -> HostSnapshot | None:
        """Record one host; if the store refuses its outputs or facts, record it failed with
        the reason instead, so the run goes on. None when even that fails (the error is kept
        and ends the run)."""
        if self.error is not None:
            return None
        try:
            self.store.add_snapshots(self.run_id, [snapshot])
            return snapshot
        except Exception as exc:
            reason = remove_controls(get_error_message(exc))[0]
        failed = HostSnapshot(
            snapshot.hostname,
            HostStatus.FAILED.value,
            snapshot.platform,
            snapshot.unit_key,
            ErrorCategory.STORE.value,
            f"the store refused its record: {reason}",
            snapshot.duration_s,
        )
        try:
            self.store.add_snapshots(self.run_id, [failed])
        except BaseException as exc:
            self.error = exc
            return None
        return failed


@contextlib.contextmanager
def stopping_on_signals(stop: threading.Event) -> Iterator[None]:
    """The first Ctrl-C or SIGTERM sets ``stop``: hosts not started are skipped and those in
    flight end after their current command. A second Ctrl-C interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: object) -> None:
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_beside_signals(work: Callable[[], object], poll: float = 0.2) -> None:
    """Run ``work`` in a thread while the main thread waits in short, timed slices.

    Linux may deliver a Ctrl-C to any thread of the process; Python runs its handler only when
    the main thread next executes, and a main thread blocked in an untimed join (as nornir's
    runner is, until every host is done) would not notice the first Ctrl-C before the end of
    the run. A timed wait wakes at least every ``poll`` seconds, so the handler runs at once.
    An exception in ``work`` is raised here."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the main thread
            failure.append(exc)

    thread = threading.Thread(target=target, name="govnet-survey-runner", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(poll)
    if failure:
        raise failure[0]


def _close(store: Store, run_id: int, writer: _Writer, status: str) -> None:
    """Write what is queued and finish the run: 'incomplete' when the store failed, so a
    run is never left 'running' by an error (the error is raised after)."""
    try:
        writer.close()
    except BaseException:
        with contextlib.suppress(Exception):
            store.finish_survey_run(run_id, "incomplete")
        raise
    store.finish_survey_run(run_id, status)


def get_campaign_name(now: dt.datetime | None = None) -> str:
    """A new campaign's name: the local start time to the second."""
    return (now or dt.datetime.now()).strftime("%Y-%m-%dT%H:%M:%S")


def plan_hosts(
    store: Store, all_hosts: Iterable[str], options: SurveyOptions
) -> tuple[str, list[str]]:
    """The campaign and the hosts this run surveys."""
    names = list(all_hosts)
    if options.shard is not None:
        names = [n for n in names if is_in_shard(n, options.shard)]
    if options.hosts:
        unknown = sorted(set(options.hosts) - set(names))
        if unknown:
            raise SurveyError(f"not in the inventory: {', '.join(unknown)}")
        names = [n for n in names if n in set(options.hosts)]
    if not options.retry_failed:
        return options.campaign or get_campaign_name(), names
    campaign = options.campaign
    if campaign is None:
        last = store.get_last_run()
        if last is None or not last["campaign"]:
            raise SurveyError("no earlier survey run to retry")
        campaign = str(last["campaign"])
    done = store.get_campaign_hosts(campaign)
    retry = [n for n in names if done.get(n, {}).get("status") not in ("ok",)]
    return campaign, retry


def run_offline_survey(
    store: Store,
    inventory: Inventory,
    collectors: Platforms,
    folder: Path,
    options: SurveyOptions = SurveyOptions(),
    on_start: Callable[[int, str, int], None] | None = None,
    on_host: OnHost | None = None,
) -> SurveySummary:
    """Ingest saved outputs into a new run, exactly as a live survey of them would."""
    platforms = collectors.get_platforms()
    saved = read_saved_hosts(folder, collectors)
    known = {h.name: h for h in inventory.hosts}
    if options.hosts:
        saved = [s for s in saved if s.hostname in set(options.hosts)]
    campaign = options.campaign or get_campaign_name()
    store.sync_inventory(inventory.to_store_rows(), inventory.get_digest())
    run_id = store.start_survey_run(f"offline:{folder.resolve()}", campaign)
    if on_start is not None:
        on_start(run_id, campaign, len(saved))
    writer = _Writer(store, run_id, on_host)
    started = time.monotonic()
    unknown = []
    status = "incomplete"  # until every saved host is queued
    try:
        for host in saved:
            began = time.monotonic()
            inventory_host = known.get(host.hostname)
            platform = inventory_host.platform if inventory_host else host.platform
            collected = Collected()
            unused: list[str] = []
            told: str | None = None  # how the text told the platform, or why it could not
            if platform is None:
                platform, told = get_saved_platform(collectors, host)
            if platform is None:
                collected.error = ErrorCategory.UNSUPPORTED_PLATFORM
                collected.message = told
                told = None
            elif platform in platforms:
                collected.outputs, unused = get_saved_outputs(collectors, platform, host)
                lacking = get_saved_problems(collectors, platform, host, collected.outputs)
                if lacking:
                    collected.error = ErrorCategory.NO_OUTPUT
                    collected.message = "; ".join(lacking)
            else:
                collected.error = ErrorCategory.UNSUPPORTED_PLATFORM
                collected.message = (
                    f"platform {platform!r} unknown: give it in the inventory or in"
                    f" {host.hostname}/platform"
                )
            notes = [collected.message] if collected.message else []
            notes += ([told] if told else []) + host.notes
            if inventory_host is None:
                unknown.append(host.hostname)
                notes.append("not in the inventory (no unit yet)")
            files = [u for u in unused if u not in host.typed]
            if files:
                notes.append(f"files matching no command: {', '.join(files)}")
            if len(files) < len(unused):
                typed = ", ".join(u for u in unused if u in host.typed)
                notes.append(f"typed commands no spec reads: {typed}")
            collected.message = "; ".join(notes) or None
            writer.put(
                to_snapshot(
                    host.hostname,
                    platform,
                    inventory_host.unit if inventory_host else None,
                    collected,
                    collectors,
                    round(time.monotonic() - began, 3),
                    host,
                )
            )
        status = "complete"
    finally:
        _close(store, run_id, writer, status)
    seen = {s.hostname for s in saved}
    return SurveySummary(
        run_id,
        campaign,
        status,
        len(saved),
        writer.summary_status,
        writer.summary_error,
        round(time.monotonic() - started, 3),
        writer.failed,
        not_found=sorted(set(known) - seen),
        unknown=unknown,
    )


def collect_hosts(
    put: Callable[[HostSnapshot], None],
    inventory: Inventory,
    collectors: Platforms,
    credentials: Credentials,
    options: SurveyOptions,
    names: list[str],
    stop: threading.Event,
) -> None:
    """Survey ``names`` with Nornir's threads, each host's snapshot handed to ``put`` as it
    ends: the engine of one process (:mod:`.processes` runs one per worker process)."""
    if not names:
        return
    hosts = {h.name: h for h in inventory.hosts}

    def task(nornir_task: Any) -> None:
        if stop.is_set():
            return
        host = hosts[nornir_task.host.name]
        began = time.monotonic()
        known = host.platform in collectors.get_platforms()
        if options.driver == "napalm":
            collected = collect_napalm(
                Target(host.name, host.address, host.port, host.platform),
                collectors.get_napalm_driver(host.platform) if known else None,
                credentials,
                options.budget,
                stop.is_set,
            )
        else:
            collected = collect_host(
                Target(host.name, host.address, host.port, host.platform),
                collectors.get_session(host.platform) if known else None,
                collectors.get_commands(host.platform) if known else [],
                credentials,
                options.budget,
                stop.is_set,
                lambda texts: collectors.get_followup_commands(host.platform, texts),
            )
        put(
            to_snapshot(
                host.name,
                host.platform,
                host.unit,
                collected,
                collectors,
                round(time.monotonic() - began, 3),
            )
        )

    nornir = inventory_to_nornir(inventory, options.workers)
    wanted = set(names)
    chosen = nornir.filter(filter_func=lambda h: h.name in wanted)
    run_beside_signals(lambda: chosen.run(task=task, name="govnet survey", on_failed=True))


def run_survey(
    store: Store,
    inventory: Inventory,
    collectors: Platforms,
    credentials: Credentials,
    options: SurveyOptions = SurveyOptions(),
    on_start: Callable[[int, str, int], None] | None = None,
    on_host: OnHost | None = None,
) -> SurveySummary:
    """Survey the inventory's routers over SSH into a new run, in one process or split over
    several (``options.processes``); Ctrl-C or SIGTERM ends it early as 'incomplete' with
    every finished host kept."""
    store.mark_abandoned_runs()
    campaign, names = plan_hosts(store, (h.name for h in inventory.hosts), options)
    processes = get_process_count(options.processes, len(names))
    if processes > 1:
        get_fork_server()  # its imports overlap the writes below
    # The snapshot records the inventory it surveyed: later steps read only the store.
    store.sync_inventory(inventory.to_store_rows(), inventory.get_digest())
    shard = "{}/{}".format(*options.shard) if options.shard else None
    run_id = store.start_survey_run(
        "napalm" if options.driver == "napalm" else "ssh", campaign, shard
    )
    if on_start is not None:
        on_start(run_id, campaign, len(names))
    writer = _Writer(store, run_id, on_host)
    stop = threading.Event()
    started = time.monotonic()
    status = "complete"
    processes_cpu_s = 0.0
    try:
        with stopping_on_signals(stop):
            if processes > 1:
                processes_cpu_s = collect_in_processes(
                    writer.put, inventory, collectors, credentials, options, names, stop, processes
                )
            else:
                collect_hosts(writer.put, inventory, collectors, credentials, options, names, stop)
    except KeyboardInterrupt:  # a second Ctrl-C: stop waiting for the hosts in flight
        stop.set()
    finally:
        if stop.is_set():
            status = "incomplete"
        _close(store, run_id, writer, status)
    return SurveySummary(
        run_id,
        campaign,
        status,
        len(names),
        writer.summary_status,
        writer.summary_error,
        round(time.monotonic() - started, 3),
        writer.failed,
        processes=processes,
        processes_cpu_s=round(processes_cpu_s, 3),
    )
