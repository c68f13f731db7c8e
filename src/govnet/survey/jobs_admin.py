"""Running a campaign from any machine: its workers by name, cancel, retry-failed.

procrastinate's ``procrastinate_workers`` rows hold an id and a heartbeat only, and a worker's
row is deleted when it stops (or when another prunes it as stalled). An operator needs more:
which collector (``host:pid``), which zones, what it wrote, whether it is silent. So each
govnet worker also keeps a row of its own in ``govnet_queue_workers`` (beside procrastinate's
tables, in the same database, created with them), and each host written records its writer
in ``govnet_queue_writes``; a cancelled run is marked in ``govnet_queue_runs``.

A run ends when none of its jobs is waiting or in flight: the worker that writes the last
host ends it; two workers ending their last jobs at once may each still see the other's in
flight, so every worker also ends such runs every few seconds and when it stops.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import procrastinate
from procrastinate.jobs import Job

from govnet.model.facts import HostSnapshot
from govnet.model.inventory import ResolvedHost

TASK_NAME = "govnet.survey_host"  # as survey/jobs.py names it (this module cannot import it)
# a worker of the campaign's zones that wrote none of its hosts is listed while it is alive
# or silent for less than this: workers killed months ago are not listed forever
RECENT_S = 3600.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS govnet_queue_workers (
    worker_id bigint PRIMARY KEY,
    name text NOT NULL,
    zones text[] NOT NULL,
    lease_s double precision NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    last_heartbeat timestamptz NOT NULL DEFAULT now(),
    stopped_at timestamptz
);
CREATE TABLE IF NOT EXISTS govnet_queue_writes (
    run_id bigint NOT NULL,
    hostname text NOT NULL,
    worker_id bigint NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, hostname)
);
CREATE TABLE IF NOT EXISTS govnet_queue_runs (
    run_id bigint PRIMARY KEY,
    cancelled_at timestamptz,
    cancelled_by text
);
"""


def get_worker_name() -> str:
    """``host:pid``: what an operator needs to find a worker process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def ensure_admin_schema(connector: procrastinate.BaseConnector) -> None:
    connector.get_sync_connector().execute_query(SCHEMA)


# --- in the worker (asynchronous) -------------------------------------------------------


def record_worker(app: procrastinate.App, name: str, zones: list[str], lease: float) -> None:
    """Each procrastinate worker this process registers gets its govnet row (name, zones,
    lease), its heartbeats copied there and its clean stop marked: procrastinate deletes its
    own row on both a clean stop and a prune, so a dead worker is known from ours."""
    manager = app.job_manager
    register, beat, unregister = (
        manager.register_worker,
        manager.update_heartbeat,
        manager.unregister_worker,
    )

    async def registered() -> int:
        worker_id = await register()
        await app.connector.execute_query_async(
            "INSERT INTO govnet_queue_workers (worker_id, name, zones, lease_s)"
            " VALUES (%(id)s, %(name)s, %(zones)s, %(lease)s) ON CONFLICT DO NOTHING",
            id=worker_id,
            name=name,
            zones=zones,
            lease=lease,
        )
        return worker_id

    async def beaten(worker_id: int) -> None:
        await beat(worker_id)
        await app.connector.execute_query_async(
            "UPDATE govnet_queue_workers SET last_heartbeat = now() WHERE worker_id = %(id)s",
            id=worker_id,
        )

    async def unregistered(worker_id: int) -> None:
        await unregister(worker_id)
        await app.connector.execute_query_async(
            "UPDATE govnet_queue_workers SET stopped_at = now() WHERE worker_id = %(id)s",
            id=worker_id,
        )

    wrapped: dict[str, Callable[..., Awaitable[Any]]] = {
        "register_worker": registered,
        "update_heartbeat": beaten,
        "unregister_worker": unregistered,
    }
    for attribute, method in wrapped.items():
        setattr(manager, attribute, method)


async def record_write(
    app: procrastinate.App, run_id: int, hostname: str, job: Job, *, before: bool = False
) -> None:
    """The worker that wrote the host (a retried host: its last writer).

    Called ``before`` the host is written too, keeping an earlier writer: the store's write
    and this record are two transactions, and a worker killed between them has still
    written the host, which its retry then finds and skips without recording anything."""
    if job.worker_id is None:
        return
    keep = (
        "DO NOTHING"
        if before
        else "DO UPDATE SET worker_id = EXCLUDED.worker_id, written_at = now()"
    )
    await app.connector.execute_query_async(
        "INSERT INTO govnet_queue_writes (run_id, hostname, worker_id)"
        f" VALUES (%(run)s, %(host)s, %(worker)s) ON CONFLICT (run_id, hostname) {keep}",
        run=run_id,
        host=hostname,
        worker=job.worker_id,
    )


_OPEN_JOBS_OF_RUN = (
    "SELECT count(*) AS n FROM procrastinate_jobs WHERE task_name = %(task)s"
    " AND (args->>'run_id')::bigint = %(run)s AND status IN ('todo', 'doing')"
    " AND id <> %(job)s"
)


async def has_open_jobs(app: procrastinate.App, run_id: int, but: int | None = None) -> bool:
    """Jobs of the run still waiting or in flight (other than the asking one)."""
    row = await app.connector.execute_query_one_async(
        _OPEN_JOBS_OF_RUN, task=TASK_NAME, run=run_id, job=but if but is not None else -1
    )
    return int(row["n"]) > 0


async def is_cancelled(app: procrastinate.App, run_id: int) -> bool:
    row = await app.connector.execute_query_one_async(
        "SELECT count(*) AS n FROM govnet_queue_runs"
        " WHERE run_id = %(run)s AND cancelled_at IS NOT NULL",
        run=run_id,
    )
    return int(row["n"]) > 0


async def get_idle_runs(app: procrastinate.App, run_ids: Iterable[int]) -> list[int]:
    """Of these running runs, those with jobs and none waiting or in flight."""
    runs = list(run_ids)
    if not runs:
        return []
    rows = await app.connector.execute_query_all_async(
        "SELECT (args->>'run_id')::bigint AS run FROM procrastinate_jobs"
        " WHERE task_name = %(task)s AND (args->>'run_id')::bigint = ANY(%(runs)s)"
        " GROUP BY 1 HAVING count(*) FILTER (WHERE status IN ('todo', 'doing')) = 0",
        task=TASK_NAME,
        runs=runs,
    )
    return sorted(int(r["run"]) for r in rows)


_CANCELLED_HOSTS = (  # hosts whose last job was cancelled
    "SELECT hostname FROM (SELECT DISTINCT ON (args->>'hostname') args->>'hostname' AS hostname,"
    " status FROM procrastinate_jobs WHERE task_name = %(task)s"
    " AND (args->>'run_id')::bigint = %(run)s ORDER BY args->>'hostname', id DESC) last"
    " WHERE status = 'cancelled'"
)


async def get_cancelled_hosts(app: procrastinate.App, run_id: int) -> list[str]:
    rows = await app.connector.execute_query_all_async(_CANCELLED_HOSTS, task=TASK_NAME, run=run_id)
    return sorted(str(r["hostname"]) for r in rows)


def get_cancelled_snapshot(
    hostname: str, host: ResolvedHost | None, why: str = "`govnet campaign cancel`"
) -> HostSnapshot:
    """A cancelled host's record: failed, cause ``cancelled`` (never silently missing)."""
    return HostSnapshot(
        hostname,
        "failed",
        host.platform if host else None,
        host.unit if host else None,
        "cancelled",
        f"已取消 (cancelled): {why}",
        0.0,
    )


# --- from any machine (synchronous) -----------------------------------------------------


def mark_cancelled(app: procrastinate.App, run_id: int, by: str | None) -> None:
    app.connector.get_sync_connector().execute_query(
        "INSERT INTO govnet_queue_runs (run_id, cancelled_at, cancelled_by)"
        " VALUES (%(run)s, now(), %(by)s) ON CONFLICT (run_id)"
        " DO UPDATE SET cancelled_at = now(), cancelled_by = EXCLUDED.cancelled_by",
        run=run_id,
        by=by,
    )


def clear_cancelled(app: procrastinate.App, run_id: int) -> None:
    app.connector.get_sync_connector().execute_query(
        "UPDATE govnet_queue_runs SET cancelled_at = NULL WHERE run_id = %(run)s", run=run_id
    )


def get_run_jobs(app: procrastinate.App, run_id: int, status: str) -> list[tuple[int, str]]:
    """(job id, host) of the run's jobs in this procrastinate status."""
    rows = app.connector.get_sync_connector().execute_query_all(
        "SELECT id, args->>'hostname' AS hostname FROM procrastinate_jobs"
        " WHERE task_name = %(task)s AND (args->>'run_id')::bigint = %(run)s"
        " AND status = %(status)s ORDER BY id",
        task=TASK_NAME,
        run=run_id,
        status=status,
    )
    return [(int(r["id"]), str(r["hostname"])) for r in rows]


def cancel_jobs(app: procrastinate.App, job_ids: Iterable[int]) -> list[int]:
    """procrastinate's cancel of waiting jobs; the ids it cancelled (one a worker took a
    moment before is in flight instead, and left to finish)."""
    return [j for j in job_ids if app.job_manager.cancel_job_by_id(j)]


@dataclass
class WorkerStatus:
    """One worker process as an operator sees it, for one campaign."""

    worker_id: int
    name: str  # host:pid
    zones: list[str]
    state: str  # live, silent (no heartbeat for longer than its lease), stopped
    heartbeat_age_s: float
    written: int = 0  # hosts of this campaign it wrote
    in_flight: int = 0
    rate: float = 0.0  # hosts/s it wrote over the last minute
    hosts_written_at: list[dt.datetime] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "worker": self.worker_id,
            "name": self.name,
            "zones": self.zones,
            "state": self.state,
            "heartbeat_age_s": self.heartbeat_age_s,
            "written": self.written,
            "in_flight": self.in_flight,
            "rate": self.rate,
        }


_WORKERS = """
SELECT w.worker_id, w.name, w.zones, w.lease_s, w.stopped_at,
       EXTRACT(EPOCH FROM now() - COALESCE(p.last_heartbeat, w.last_heartbeat)) AS age,
       p.id IS NOT NULL AS registered
FROM govnet_queue_workers w LEFT JOIN procrastinate_workers p ON p.id = w.worker_id
WHERE w.worker_id IN (SELECT worker_id FROM govnet_queue_writes WHERE run_id = %(run)s)
   OR w.worker_id IN (SELECT worker_id FROM procrastinate_jobs WHERE task_name = %(task)s
                      AND (args->>'run_id')::bigint = %(run)s AND status = 'doing')
   OR (w.stopped_at IS NULL AND w.zones && %(zones)s
       AND w.last_heartbeat > now() - make_interval(secs => %(recent)s))
ORDER BY w.worker_id
"""


def get_worker_status(
    app: procrastinate.App, run_id: int, zones: list[str], pace: Callable[[list[Any]], float]
) -> list[WorkerStatus]:
    """The workers of a campaign: those that wrote its hosts or hold its jobs, and every
    worker of its zones not stopped (idle, or silent for less than an hour); ``pace`` is
    the rate of a list of times."""
    connector = app.connector.get_sync_connector()
    rows = connector.execute_query_all(
        _WORKERS, run=run_id, task=TASK_NAME, zones=zones, recent=RECENT_S
    )
    writes = connector.execute_query_all(
        "SELECT worker_id, written_at FROM govnet_queue_writes WHERE run_id = %(run)s",
        run=run_id,
    )
    doing = connector.execute_query_all(
        "SELECT worker_id, count(*) AS n FROM procrastinate_jobs WHERE task_name = %(task)s"
        " AND (args->>'run_id')::bigint = %(run)s AND status = 'doing' GROUP BY worker_id",
        task=TASK_NAME,
        run=run_id,
    )
    in_flight = {r["worker_id"]: int(r["n"]) for r in doing}
    statuses = []
    for row in rows:
        age = float(row["age"])
        if row["stopped_at"] is not None:
            state = "stopped"
        elif age > float(row["lease_s"]) or not row["registered"]:
            state = "silent"  # dead, or pruned as stalled by another worker
        else:
            state = "live"
        times = [w["written_at"] for w in writes if w["worker_id"] == row["worker_id"]]
        statuses.append(
            WorkerStatus(
                int(row["worker_id"]),
                str(row["name"]),
                list(row["zones"]),
                state,
                round(age, 1),
                len(times),
                in_flight.get(row["worker_id"], 0),
                pace(times),
            )
        )
    return statuses
