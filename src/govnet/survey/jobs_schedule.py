"""Periodic campaigns on procrastinate: the engine side (the use cases are app.schedule's).

Every worker started with ``--schedule`` runs procrastinate's periodic deferrer for the
project's cron. Each tick is deferred once however many workers run it: procrastinate records
every periodic defer under a unique (task, periodic id, timestamp) key (procrastinate 3.10,
sql/schema.sql ``procrastinate_periodic_defers_unique``; periodic.py: "The database will keep
us from deferring the same task for the same scheduled time multiple times"). It reads a cron
in UTC; a project's cron is in its own time zone (Asia/Shanghai: "0 2 20 * *" is 02:00 Beijing
time, not 10:00), so the task's croniter is made zone-aware here (croniter computes in the
zone of its start time).

The follow-up (classification, reports) is one job per campaign on the same queue that waits
for the campaign's run: it raises :class:`NotYet` while the run is running and procrastinate
retries it after ``check_every`` seconds (retries log at INFO). One job per campaign keeps the
outcome readable in procrastinate's table (todo: waiting, succeeded, failed) without a table
of ours.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import procrastinate
from croniter import croniter  # type: ignore[import-untyped]
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy, RetryDecision

SCHEDULE_QUEUE = "schedule"
TICK_TASK = "govnet.schedule.survey"
FOLLOW_UP_TASK = "govnet.schedule.follow_up"
PERIODIC_ID = "survey"
GIVE_UP_S = 7 * 24 * 3600.0  # a campaign still running after a week: the follow-up fails
# A tick missed while no scheduled worker ran (its collector rebooted at 02:00) is deferred by
# the first one started within 3 days (procrastinate's default: 10 minutes); later, skipped.
CATCH_UP_S = 3 * 24 * 3600


class NotYet(Exception):
    """The campaign's run is still running: look again later."""


@dataclass(frozen=True)
class WaitForRun(BaseRetryStrategy):
    """Retry on :class:`NotYet` only, every ``every`` seconds, for up to a week."""

    every: float

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if not isinstance(exception, NotYet) or job.attempts >= math.ceil(GIVE_UP_S / self.every):
            return None
        return RetryDecision(retry_in={"seconds": math.ceil(self.every)})


def get_campaign_name(timestamp: int, zone: dt.tzinfo) -> str:
    """The campaign of a tick: the same name for the same tick (a tick job retried after its
    worker died finds its campaign started already).

    >>> from zoneinfo import ZoneInfo
    >>> get_campaign_name(1797703200, ZoneInfo("Asia/Shanghai"))
    'schedule-2026-12-20T020000'
    """
    return "schedule-" + dt.datetime.fromtimestamp(timestamp, zone).strftime("%Y-%m-%dT%H%M%S")


def get_next_run(cron: str, zone: dt.tzinfo, now: dt.datetime) -> dt.datetime:
    """The cron's next time after ``now``, in ``zone``.

    >>> from zoneinfo import ZoneInfo
    >>> z = ZoneInfo("Asia/Shanghai")
    >>> now = dt.datetime(2026, 12, 19, 17, 0, tzinfo=dt.UTC)  # the 20th, 01:00 in Beijing
    >>> get_next_run("0 2 20 * *", z, now).isoformat()  # UTC's 02:00 would be 10:00 here
    '2026-12-20T02:00:00+08:00'
    >>> get_next_run("0 2 20 * *", z, now + dt.timedelta(hours=2)).isoformat()
    '2027-01-20T02:00:00+08:00'
    """
    result: dt.datetime = croniter(cron, now.astimezone(zone)).get_next(dt.datetime)
    return result


def add_periodic_tasks(
    app: procrastinate.App,
    cron: str,
    zone: dt.tzinfo,
    tick: Callable[[int], Coroutine[Any, Any, str]],
    follow_up: Callable[[int], Coroutine[Any, Any, str]],
    check_every: float,
) -> list[str]:
    """The tick (deferred by the periodic deferrer at ``cron`` in ``zone``) and the follow-up
    on the queue ``schedule``; the queues a worker must also listen to."""
    app.task(name=FOLLOW_UP_TASK, queue=SCHEDULE_QUEUE, retry=WaitForRun(check_every))(follow_up)
    task = app.task(name=TICK_TASK, queue=SCHEDULE_QUEUE)(tick)
    app.periodic(cron=cron, periodic_id=PERIODIC_ID)(task)
    periodic = app.periodic_registry.periodic_tasks[(TICK_TASK, PERIODIC_ID)]
    # PeriodicTask.croniter is a functools.cached_property (procrastinate 3.10, periodic.py):
    # filled in first, with a start time in the zone, every tick is computed in that zone.
    vars(periodic)["croniter"] = croniter(cron, dt.datetime.now(zone))
    app.periodic_defaults = {**app.periodic_defaults, "max_delay": CATCH_UP_S}
    return [SCHEDULE_QUEUE]


async def defer_follow_up(app: procrastinate.App, run_id: int) -> None:
    """The run's follow-up, once (a retried tick finds it queued: the queueing lock)."""
    with contextlib.suppress(procrastinate.exceptions.AlreadyEnqueued):
        await app.configure_task(
            FOLLOW_UP_TASK, queue=SCHEDULE_QUEUE, queueing_lock=f"follow-up-{run_id}"
        ).defer_async(run_id=run_id)


_LAST_JOB = (
    "SELECT id, status::text AS status, attempts, args, scheduled_at,"
    " (SELECT max(at) FROM procrastinate_events e WHERE e.job_id = j.id) AS at"
    " FROM procrastinate_jobs j WHERE task_name = %(task)s {where} ORDER BY id DESC LIMIT 1"
)


def get_last_job(
    app: procrastinate.App, task: str, run_id: int | None = None
) -> dict[str, Any] | None:
    """The newest job of a schedule task (of a run, for the follow-up): status, attempts,
    args, when it last changed."""
    where = "" if run_id is None else "AND (args->>'run_id')::bigint = %(run_id)s"
    rows = app.connector.get_sync_connector().execute_query_all(
        _LAST_JOB.format(where=where), task=task, run_id=run_id
    )
    return dict(rows[0]) if rows else None
