"""Survey campaigns as procrastinate jobs in the store's PostgreSQL (no broker to run).

A campaign is one survey run (its snapshot) and one job per host, deferred in one transaction
into the queue of the host's security zone. Workers on collector machines pull their zones'
jobs and survey each host with the same collector as ``govnet survey``, writing it into the
campaign's run in a transaction of its own; the run's (run, host) key and a check under the
run's row lock keep a host from being written twice, even when a job is retried.

A host's zone: the first of its Nornir groups (its own, then theirs) named ``zone_<Z>``; a host
in no such group is in zone ``default``. Groups are where Nornir already puts what a zone
shares (its jump host, its credentials), and a room's name (``site``) is no zone.

A worker that dies (SIGKILL, power loss) stops sending procrastinate's heartbeat; every live
worker looks, every few seconds, for jobs of its queues held by a worker whose heartbeat is
older than the lease (procrastinate's ``get_stalled_jobs``) and puts them back with
``retry_job`` (procrastinate's documented recipe, "Retry stalled jobs").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import procrastinate
from procrastinate.exceptions import ConnectorException
from procrastinate.job_context import JobContext
from procrastinate.jobs import Job

from govnet.model.facts import HostSnapshot
from govnet.model.inventory import ResolvedHost
from govnet.model.problems import UsageError
from govnet.platforms import Platforms
from govnet.store import SnapshotClosedError, Store, StoreError
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
from govnet.survey.jobs_admin import (
    ensure_admin_schema,
    get_cancelled_hosts,
    get_cancelled_snapshot,
    get_idle_runs,
    get_worker_name,
    has_open_jobs,
    is_cancelled,
    record_worker,
    record_write,
)
from govnet.survey.jobs_signals import StopOnSignals, on_taken_back
from govnet.survey.run import to_snapshot

TASK_NAME = "govnet.survey_host"
QUEUE_PREFIX = "survey."
ZONE_GROUP_PREFIX = "zone_"
DEFAULT_ZONE = "default"
CONTEXT_KEY = "govnet"
LEASE_S = 30.0  # a worker silent this long is dead: its jobs go to another
ZONE_NAME = re.compile(r"^[\w-]{1,60}$")

logger = logging.getLogger(__name__)


class QueueError(UsageError):
    """The job queue cannot be used (SQLite store, unknown zone); the message says why."""


def get_zone(host: ResolvedHost) -> str:
    """The host's security zone: its first group named ``zone_<Z>``, else ``default``.

    >>> from dataclasses import replace
    >>> from govnet.model.inventory import Role
    >>> h = ResolvedHost("r1", "10.0.0.1", 22, "huawei", "u", "370702", "机房", Role.EDGE)
    >>> get_zone(h), get_zone(replace(h, groups=("huawei", "zone_west", "zone_east")))
    ('default', 'west')
    """
    for group in host.groups:
        if group.startswith(ZONE_GROUP_PREFIX) and len(group) > len(ZONE_GROUP_PREFIX):
            return group[len(ZONE_GROUP_PREFIX) :]
    return DEFAULT_ZONE


def get_queue(zone: str) -> str:
    return QUEUE_PREFIX + zone


def check_zones(zones: Iterable[str]) -> list[str]:
    """Zone names as given on the command line, checked (letters, digits, _ and -)."""
    checked = []
    for zone in zones:
        if not ZONE_NAME.match(zone):
            raise QueueError(f"--zone {zone!r}: a zone is letters, digits, _ or - (zone_<Z>)")
        checked.append(zone)
    return checked


def require_postgres(store: Store) -> None:
    if store.dialect != "postgresql":
        raise QueueError(
            "campaigns with workers need a PostgreSQL store (--db or GOVNET_DB_URL="
            "postgresql://...); this project's store is SQLite: use `govnet survey`"
            " (one process, no queue needed)"
        )


def make_app(store: Store, *, worker: bool = False) -> procrastinate.App:
    """A procrastinate app on the store's database: asynchronous in a worker, else
    synchronous (deferring, reading the status)."""
    require_postgres(store)
    connector: procrastinate.BaseConnector
    if worker:
        connector = procrastinate.PsycopgConnector(conninfo=store.libpq_url)
    else:
        connector = procrastinate.SyncPsycopgConnector(conninfo=store.libpq_url)
    app = procrastinate.App(connector=connector)
    app.task(name=TASK_NAME, pass_context=True)(survey_host)
    return app


_HAS_SCHEMA = "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present"


def ensure_queue_schema(app: procrastinate.App, store: Store) -> None:
    """procrastinate's tables, created once (under the store's schema lock: collectors may
    start together on a new database)."""
    with store.locked("schema"):
        row = app.connector.get_sync_connector().execute_query_one(_HAS_SCHEMA)
        if not row["present"]:
            app.schema_manager.apply_schema()
        ensure_admin_schema(app.connector)


def defer_campaign(
    app: procrastinate.App, run_id: int, hosts: Iterable[ResolvedHost]
) -> Counter[str]:
    """One job per host into its zone's queue, all in one transaction (a worker never sees
    half a campaign); the jobs per zone."""
    jobs, zones = [], Counter[str]()
    for host in hosts:
        zone = get_zone(host)
        zones[zone] += 1
        jobs.append(
            Job(
                id=None,
                queue=get_queue(zone),
                lock=None,
                queueing_lock=None,
                task_name=TASK_NAME,
                task_kwargs={"run_id": run_id, "hostname": host.name},
            )
        )
    if jobs:
        app.job_manager.batch_defer_jobs(jobs)
    return zones


# --- the worker ---------------------------------------------------------------------------


@dataclass
class WorkerContext:
    """What a worker process holds for its jobs: one store (its pool shared by the job
    threads), the inventory and platforms read once, the credentials."""

    store: Store
    hosts: dict[str, ResolvedHost]
    collectors: Platforms
    credentials: Credentials
    budget: Budget
    executor: ThreadPoolExecutor
    done: Counter[str] = field(default_factory=Counter)  # written, skipped (already there)
    lock: threading.Lock = field(default_factory=threading.Lock)


async def survey_host(context: JobContext, run_id: int, hostname: str, retry: bool = False) -> str:
    """One host of a campaign: surveyed in a thread of the worker's pool, written once (a
    ``retry`` of a failed host replaces its failed record); the last host written finishes
    the run. A host of a cancelled campaign not yet begun is recorded cancelled instead."""
    ctx: WorkerContext = (context.additional_context or {})[CONTEXT_KEY]
    loop = asyncio.get_running_loop()
    cancelled = await is_cancelled(context.app, run_id)
    if not cancelled:
        await record_write(context.app, run_id, hostname, context.job, before=True)
    outcome = await loop.run_in_executor(
        ctx.executor, _survey_one, ctx, run_id, hostname, retry, cancelled
    )
    if outcome == "written":
        await record_write(context.app, run_id, hostname, context.job)
    if not await has_open_jobs(context.app, run_id, but=context.job.id):
        await _finish(context.app, ctx, run_id)
    return outcome


def _survey_one(
    ctx: WorkerContext, run_id: int, hostname: str, retry: bool = False, cancelled: bool = False
) -> str:
    written_as = ctx.store.get_host_status(run_id, hostname)
    if written_as is not None and (not retry or written_as != HostStatus.FAILED):
        return _count(ctx, "skipped")  # written before its worker died
    write = ctx.store.replace_failed_snapshot if retry else ctx.store.add_snapshot_once
    host = ctx.hosts.get(hostname)
    began = time.monotonic()
    if cancelled:
        if written_as is not None:
            return _count(ctx, "skipped")  # its earlier failure stays its record
        snapshot = get_cancelled_snapshot(hostname, host, "the campaign was cancelled first")
    elif host is None:
        collected = Collected()
        collected.error = ErrorCategory.UNSUPPORTED_PLATFORM
        collected.message = "not in this worker's inventory: its inventory differs"
        snapshot = to_snapshot(hostname, None, None, collected, ctx.collectors, 0.0)
    else:
        snapshot = _collect(ctx, host, began)
    try:
        written = write(run_id, snapshot)
    except SnapshotClosedError:
        raise
    except StoreError as exc:  # the store refused this host's record: record why instead
        reason = remove_controls(get_error_message(exc))[0]
        failed = HostSnapshot(
            hostname,
            HostStatus.FAILED.value,
            snapshot.platform,
            snapshot.unit_key,
            ErrorCategory.STORE.value,
            f"the store refused its record: {reason}",
            snapshot.duration_s,
        )
        written = write(run_id, failed)
    return _count(ctx, "written" if written else "skipped")


def _collect(ctx: WorkerContext, host: ResolvedHost, began: float) -> HostSnapshot:
    """The host as `govnet survey` reads it; an unexpected error is the host's failure."""
    known = host.platform in ctx.collectors.get_platforms()
    try:
        collected = collect_host(
            Target(host.name, host.address, host.port, host.platform),
            ctx.collectors.get_session(host.platform) if known else None,
            ctx.collectors.get_commands(host.platform) if known else [],
            ctx.credentials,
            ctx.budget,
            lambda: False,
            lambda texts: ctx.collectors.get_followup_commands(host.platform, texts),
        )
    except Exception as exc:
        collected = Collected()
        collected.error = ErrorCategory.UNKNOWN
        collected.message = get_error_message(exc)
    return to_snapshot(
        host.name,
        host.platform,
        host.unit,
        collected,
        ctx.collectors,
        round(time.monotonic() - began, 3),
    )


def _count(ctx: WorkerContext, outcome: str) -> str:
    with ctx.lock:
        ctx.done[outcome] += 1
    return outcome


async def _finish(app: procrastinate.App, ctx: WorkerContext, run_id: int) -> None:
    """No job of the run waits or is in flight: the run is complete, or incomplete when it
    was cancelled, its cancelled hosts recorded (once, whoever is last; another worker, or
    `campaign cancel`, may have done it a moment before)."""
    cancelled = await is_cancelled(app, run_id)  # maybe while the last host was surveyed
    hosts = await get_cancelled_hosts(app, run_id) if cancelled else []

    def close() -> None:
        with contextlib.suppress(SnapshotClosedError):
            for name in hosts:
                snapshot = get_cancelled_snapshot(name, ctx.hosts.get(name))
                ctx.store.add_snapshot_once(run_id, snapshot)
            ctx.store.finish_survey_run(run_id, "incomplete" if cancelled else "complete")

    await asyncio.get_running_loop().run_in_executor(ctx.executor, close)


async def finish_idle_runs(app: procrastinate.App, ctx: WorkerContext) -> list[int]:
    """Running campaign runs whose jobs have all ended, finished (two workers ending their
    last jobs at once may each have seen the other's in flight)."""
    running = [r["id"] for r in ctx.store.get_survey_runs() if r["status"] == "running"]
    idle = await get_idle_runs(app, running)
    for run_id in idle:
        await _finish(app, ctx, run_id)
    return idle


async def retry_stalled(app: procrastinate.App, queues: list[str], lease: float) -> list[int]:
    """Jobs of these queues held by a worker silent for longer than the lease, put back."""
    retried = []
    for queue in queues:
        task = TASK_NAME if queue.startswith(QUEUE_PREFIX) else None  # others: any task
        for job in await app.job_manager.get_stalled_jobs(
            queue=queue, task_name=task, seconds_since_heartbeat=lease
        ):
            try:
                await app.job_manager.retry_job(job)
            except ConnectorException as exc:
                # another worker put it back a moment before: no longer 'doing'
                logger.info("job %s not retried: %s", job.id, exc)
                continue
            if job.id is not None:
                retried.append(job.id)
    return retried


def run_worker(
    app: procrastinate.App,
    ctx: WorkerContext,
    zones: list[str],
    concurrency: int,
    lease: float = LEASE_S,
    until_idle: bool = False,
    more_queues: Iterable[str] = (),
) -> None:
    """Pull and survey the zones' jobs until stopped (SIGINT/SIGTERM: the jobs in flight
    end first), or, ``until_idle``, until no job of these zones is waiting or in flight;
    ``more_queues``' jobs too (the schedule's)."""
    zone_queues = [get_queue(z) for z in zones]
    queues = [*zone_queues, *more_queues]

    async def watch_stalled() -> None:
        while True:
            try:
                retried = await retry_stalled(app, queues, lease)
                if retried:
                    logger.warning("retried %d jobs of a silent worker", len(retried))
                await finish_idle_runs(app, ctx)
            except Exception as exc:  # the next round tries again
                logger.warning("looking for stalled jobs: %s", exc)
            await asyncio.sleep(max(1.0, lease / 3))

    name = get_worker_name()
    record_worker(app, name, zones, lease)

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(on_taken_back)
        async with app.open_async():
            watcher = asyncio.create_task(watch_stalled())
            stopping = StopOnSignals()
            try:
                while not stopping.requested:
                    stopping.task = asyncio.create_task(
                        app.run_worker_async(
                            queues=queues,
                            name=name,
                            concurrency=concurrency,
                            wait=not until_idle,
                            additional_context={CONTEXT_KEY: ctx},
                            update_heartbeat_interval=max(0.5, lease / 6),
                            stalled_worker_timeout=lease,
                            listen_notify=not until_idle,
                            fetch_job_polling_interval=1.0,
                            install_signal_handlers=not stopping.installed,
                        )
                    )
                    with contextlib.suppress(asyncio.CancelledError):
                        await stopping.task
                    if (
                        stopping.requested
                        or not until_idle
                        or not await _has_open_jobs(app, zone_queues)
                    ):
                        await finish_idle_runs(app, ctx)
                        return
                    await asyncio.sleep(1.0)  # jobs in flight elsewhere may come back
            finally:
                stopping.uninstall()
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher

    asyncio.run(main())


_OPEN_JOBS = (
    "SELECT count(*) AS n FROM procrastinate_jobs"
    " WHERE queue_name = ANY(%(queues)s) AND status IN ('todo', 'doing')"
)


async def _has_open_jobs(app: procrastinate.App, queues: list[str]) -> bool:
    row = await app.connector.execute_query_one_async(_OPEN_JOBS, queues=queues)
    return int(row["n"]) > 0


# --- the status ---------------------------------------------------------------------------

_JOBS_BY_HOST = (  # a host's last job only (retry-failed defers it again)
    "SELECT DISTINCT ON (args->>'hostname') queue_name, status::text AS status,"
    " args->>'hostname' AS hostname, worker_id, (args->>'retry')::boolean AS retry"
    " FROM procrastinate_jobs"
    " WHERE task_name = %(task)s AND (args->>'run_id')::bigint = %(run_id)s"
    " ORDER BY args->>'hostname', id DESC"
)


@dataclass
class ZoneStatus:
    zone: str
    hosts: int = 0
    done: int = 0  # ok
    failed: Counter[str] = field(default_factory=Counter)  # by cause (partial counted here)
    in_flight: int = 0
    waiting: int = 0
    workers: set[int] = field(default_factory=set)  # procrastinate's ids, holding a job now

    def to_dict(self) -> dict[str, Any]:
        return {
            "zone": self.zone,
            "hosts": self.hosts,
            "done": self.done,
            "failed": dict(self.failed),
            "in_flight": self.in_flight,
            "waiting": self.waiting,
            "workers": len(self.workers),
        }


def get_zone_status(
    app: procrastinate.App, run_id: int, results: dict[str, dict[str, Any]]
) -> list[ZoneStatus]:
    """Per zone: hosts done, failed by cause, in flight, waiting. A host counts by its
    result once written; a job that failed without one counts as failed ``job``."""
    rows = app.connector.get_sync_connector().execute_query_all(
        _JOBS_BY_HOST, task=TASK_NAME, run_id=run_id
    )
    zones: dict[str, ZoneStatus] = {}
    for row in rows:
        zone = row["queue_name"].removeprefix(QUEUE_PREFIX)
        status = zones.setdefault(zone, ZoneStatus(zone))
        status.hosts += 1
        result = results.get(row["hostname"])
        if row["retry"] and row["status"] in ("todo", "doing"):
            result = None  # its failed record is being replaced
        if result is not None:
            if result["status"] == HostStatus.OK:
                status.done += 1
            else:
                status.failed[result["error_category"] or result["status"]] += 1
        elif row["status"] == "doing":
            status.in_flight += 1
            if row["worker_id"] is not None:
                status.workers.add(int(row["worker_id"]))
        elif row["status"] == "todo":
            status.waiting += 1
        else:  # failed, cancelled, aborted, or succeeded without a result
            status.failed[f"job {row['status']}"] += 1
    return [zones[z] for z in sorted(zones)]


def group_by_zone(hosts: Iterable[ResolvedHost]) -> dict[str, list[ResolvedHost]]:
    grouped: dict[str, list[ResolvedHost]] = defaultdict(list)
    for host in hosts:
        grouped[get_zone(host)].append(host)
    return dict(grouped)


@contextlib.contextmanager
def opened(app: procrastinate.App) -> Iterator[procrastinate.App]:
    with app.open():
        yield app
