"""Survey campaigns on a job queue (PostgreSQL): start one, work its zones, read where it is.

The queue is procrastinate's, in the store's own database: no broker to run. SQLite projects
keep the single-process ``govnet survey``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from govnet.app.project import Project
from govnet.store import Store
from govnet.survey.collect import Budget, Credentials
from govnet.survey.jobs import (
    LEASE_S,
    QueueError,
    WorkerContext,
    ZoneStatus,
    check_zones,
    defer_campaign,
    ensure_queue_schema,
    get_zone_status,
    group_by_zone,
    make_app,
    opened,
    require_postgres,
    run_worker,
)
from govnet.survey.jobs_admin import WorkerStatus, get_worker_status
from govnet.survey.run import get_campaign_name

QUEUE_SOURCE = "queue"  # the source of a campaign's run on the queue
PACE_WINDOW_S = 60.0  # the rate is the hosts written in the last minute


def get_pace(
    written_at: Iterable[dt.datetime], remaining: int, now: dt.datetime
) -> tuple[float, float | None]:
    """(hosts/s over the last minute, or since the first host if sooner; seconds left at
    that rate, None when nothing is written lately or nothing remains).

    >>> t = dt.datetime(2026, 11, 20, 2, 0, 0)
    >>> ten = [t + dt.timedelta(seconds=s) for s in range(0, 20, 2)]  # 10 hosts in 20 s
    >>> get_pace(ten, 20, t + dt.timedelta(seconds=20))
    (0.5, 40.0)
    >>> get_pace(ten, 20, t + dt.timedelta(seconds=90))  # none in the last minute
    (0.0, None)
    >>> get_pace([], 5, t)
    (0.0, None)
    """
    times = [
        w.replace(tzinfo=None) if w.tzinfo is None else w.astimezone(dt.UTC).replace(tzinfo=None)
        for w in written_at
    ]
    now = (
        now.replace(tzinfo=None)
        if now.tzinfo is None
        else now.astimezone(dt.UTC).replace(tzinfo=None)
    )
    if not times:
        return 0.0, None
    window = min(PACE_WINDOW_S, (now - min(times)).total_seconds())
    if window <= 0:
        return 0.0, None
    recent = sum(1 for w in times if (now - w).total_seconds() <= window)
    rate = round(recent / window, 2)
    if not rate or not remaining:
        return rate, None
    return rate, round(remaining / rate, 1)


@dataclass(frozen=True)
class CampaignStart:
    run_id: int
    campaign: str
    jobs: dict[str, int]  # zone -> hosts deferred


def start_campaign(
    project: Project, zones: list[str] | None = None, campaign: str | None = None
) -> CampaignStart:
    """A new campaign's run, and one job per host of the zones (default: every host) in
    its zone's queue."""
    inventory = project.get_inventory()
    chosen = check_zones(zones or [])
    grouped = group_by_zone(inventory.hosts)
    unknown = sorted(set(chosen) - set(grouped))
    if unknown:
        raise QueueError(
            f"no host of the inventory is in zone {', '.join(unknown)} (zones: "
            f"{', '.join(sorted(grouped))}; a host's zone is its group zone_<Z>)"
        )
    hosts = [h for z in sorted(chosen or grouped) for h in grouped[z]]
    if not hosts:
        raise QueueError("the inventory has no host: nothing to queue")
    name = campaign or get_campaign_name()
    with project.store() as store:
        require_postgres(store)
        if any(r["campaign"] == name for r in store.get_survey_runs()):
            raise QueueError(f"campaign {name!r} exists already: give a new --campaign")
        app = make_app(store)
        with opened(app):
            ensure_queue_schema(app, store)
            store.sync_inventory(inventory.to_store_rows(), inventory.get_digest())
            # pid 0: the run belongs to the queue, not to this process, which ends now
            run_id = store.start_survey_run(QUEUE_SOURCE, name, pid=0)
            try:
                jobs = defer_campaign(app, run_id, hosts)
            except BaseException:
                store.finish_survey_run(run_id, "incomplete")
                raise
    return CampaignStart(run_id, name, dict(sorted(jobs.items())))


def _naive_utc(when: dt.datetime) -> dt.datetime:
    """UTC without its zone: the store keeps UTC times naive."""
    return when if when.tzinfo is None else when.astimezone(dt.UTC).replace(tzinfo=None)


@dataclass
class CampaignStatus:
    run_id: int
    campaign: str
    status: str  # running, complete, incomplete
    zones: list[ZoneStatus] = field(default_factory=list)
    rate: float = 0.0  # hosts/s, the last minute
    left_s: float | None = None  # at that rate
    workers: list[WorkerStatus] = field(default_factory=list)
    unserved: dict[str, str] = field(default_factory=dict)  # zone -> what is stuck, what to do

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "campaign": self.campaign,
            "status": self.status,
            "zones": [z.to_dict() for z in self.zones],
            "rate": self.rate,
            "left_s": self.left_s,
            "workers": [w.to_dict() for w in self.workers],
            "unserved": self.unserved,
        }


def get_unserved(zones: list[ZoneStatus], workers: list[WorkerStatus]) -> dict[str, str]:
    """Zones with jobs waiting or in flight and no live worker: nothing moves there.

    >>> from govnet.survey.jobs import ZoneStatus
    >>> z = ZoneStatus("a", hosts=3, waiting=2, in_flight=1)
    >>> print(get_unserved([z], [WorkerStatus(1, "c1:7", ["a"], "silent", 99.0)])["a"])
    no live worker for zone a: 2 waiting, 1 in flight: start `govnet worker --zone a`
    >>> get_unserved([z], [WorkerStatus(1, "c1:7", ["a"], "live", 1.0)])
    {}
    """
    live = {zone for w in workers if w.state == "live" for zone in w.zones}
    return {
        z.zone: f"no live worker for zone {z.zone}: {z.waiting} waiting, {z.in_flight}"
        f" in flight: start `govnet worker --zone {z.zone}`"
        for z in zones
        if (z.waiting or z.in_flight) and z.zone not in live
    }


def _pace_of(times: list[Any]) -> float:
    return get_pace(times, 0, dt.datetime.now(dt.UTC))[0]


def find_queue_run(store: Store, campaign: str | None) -> dict[str, Any]:
    """The campaign's run on the queue (the last one by default)."""
    runs = [r for r in store.get_survey_runs() if r["source"] == QUEUE_SOURCE]
    if campaign is not None:
        runs = [r for r in runs if r["campaign"] == campaign]
    if not runs:
        which = f"campaign {campaign!r}" if campaign else "campaign"
        raise QueueError(f"no {which} on the queue yet: `govnet campaign start` first")
    return runs[-1]


def get_campaign_status(project: Project, campaign: str | None = None) -> CampaignStatus:
    """Per zone: done, failed by cause, in flight, waiting (the last campaign by default)."""
    with project.store() as store:
        require_postgres(store)
        run = find_queue_run(store, campaign)
        results = {r["hostname"]: r for r in store.get_host_results(run["id"])}
        app = make_app(store)
        with opened(app):
            ensure_queue_schema(app, store)
            zones = get_zone_status(app, run["id"], results)
            workers = get_worker_status(app, run["id"], [z.zone for z in zones], _pace_of)
    remaining = sum(z.waiting + z.in_flight for z in zones)
    times = [r["started_at"] for r in results.values()]  # a host's row is written at its end
    rate, left = get_pace(times, remaining, dt.datetime.now(dt.UTC))
    unserved = get_unserved(zones, workers) if run["status"] == "running" else {}
    if run["status"] != "running" or unserved:
        left = None  # no worker moves these zones: no time left to promise
    if run["status"] != "running":
        rate = 0.0
    return CampaignStatus(
        run["id"],
        str(run["campaign"]),
        str(run["status"]),
        zones,
        rate,
        left,
        workers,
        unserved,
    )


def work(
    project: Project,
    credentials: Credentials,
    zones: list[str],
    concurrency: int = 10,
    lease: float = LEASE_S,
    until_idle: bool = False,
    budget: Budget | None = None,
    schedule: bool = False,
) -> Counter[str]:
    """Survey the zones' queued hosts until stopped (or, ``until_idle``, until their queues
    are empty); the hosts written and skipped (found written already). ``schedule``: also
    defer the project's scheduled campaigns and run what follows them (app.schedule)."""
    chosen = check_zones(zones)
    if not chosen:
        raise QueueError("give the zones this worker surveys: --zone Z (repeatable)")
    inventory, platforms = project.get_inventory(), project.load_platforms()
    with project.store() as store:
        require_postgres(store)
        with opened(make_app(store)) as setup:  # a new database: before any worker polls
            ensure_queue_schema(setup, store)
        app = make_app(store, worker=True)
        more_queues: list[str] = []
        if schedule:
            from govnet.app.schedule import add_schedule  # it starts campaigns: imports this

            more_queues = add_schedule(app, project)
        with ThreadPoolExecutor(concurrency + 1, thread_name_prefix="govnet-job") as pool:
            context = WorkerContext(
                store,
                {h.name: h for h in inventory.hosts},
                platforms,
                credentials,
                budget or Budget(),
                pool,
            )
            run_worker(app, context, chosen, concurrency, lease, until_idle, more_queues)
    return context.done
