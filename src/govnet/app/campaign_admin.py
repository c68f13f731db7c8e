"""Cancel a queued campaign, or survey its failed hosts again, from any machine.

Cancel: the waiting jobs are cancelled (procrastinate's cancel), the jobs in flight finish
and write their host, the cancelled hosts are recorded failed with cause ``cancelled``
(never silently missing), and the run ends ``incomplete`` once nothing is in flight; a
worker never works on the cancelled jobs again.

Retry-failed: the failed hosts (optionally of some causes only) are deferred again into
their zones' queues against the SAME run, which is running again; each new record replaces
the host's failed one in one transaction. It refuses while jobs of the run wait or are in
flight: a host re-queued while its first job still runs would be surveyed twice at once,
and the run's end would be decided twice; cancel first, or wait. A cancelled campaign can
be resumed this way (``--cause cancelled``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from procrastinate.jobs import Job

from govnet.app.campaign import find_queue_run
from govnet.app.project import Project
from govnet.store import SnapshotClosedError
from govnet.store.base import get_os_user
from govnet.survey.collect import ErrorCategory, HostStatus
from govnet.survey.jobs import (
    TASK_NAME,
    QueueError,
    ensure_queue_schema,
    get_queue,
    get_zone,
    make_app,
    opened,
    require_postgres,
)
from govnet.survey.jobs_admin import (
    cancel_jobs,
    clear_cancelled,
    get_cancelled_snapshot,
    get_run_jobs,
    mark_cancelled,
)

CAUSES = sorted(c.value for c in ErrorCategory)


@dataclass(frozen=True)
class Cancelled:
    run_id: int
    campaign: str
    cancelled: int  # jobs cancelled (their hosts recorded cancelled)
    in_flight: int  # jobs left to finish
    status: str  # the run's status now: incomplete, or running until those finish


def cancel_campaign(project: Project, campaign: str | None = None) -> Cancelled:
    """Cancel the campaign's waiting jobs; its jobs in flight finish."""
    inventory = {h.name: h for h in project.get_inventory().hosts}
    with project.store() as store:
        require_postgres(store)
        run = find_queue_run(store, campaign)
        if run["status"] != "running":
            raise QueueError(
                f"campaign {run['campaign']!r} is {run['status']} already: nothing to cancel"
            )
        app = make_app(store)
        with opened(app):
            ensure_queue_schema(app, store)
            mark_cancelled(app, run["id"], get_os_user())  # before: no job starts unmarked
            waiting = dict(get_run_jobs(app, run["id"], "todo"))
            done = set(cancel_jobs(app, waiting))
            for job_id in sorted(done):  # the last worker may be writing them too
                name = waiting[job_id]
                snapshot = get_cancelled_snapshot(name, inventory.get(name))
                try:  # a retried host keeps its earlier failure as its record
                    store.add_snapshot_once(run["id"], snapshot)
                except SnapshotClosedError:
                    break  # that worker ended the run, these hosts recorded
            in_flight = len(get_run_jobs(app, run["id"], "doing"))
            status = "running"
            if not in_flight:
                try:
                    store.finish_survey_run(run["id"], "incomplete")
                    status = "incomplete"
                except SnapshotClosedError:  # the last worker ended it a moment before
                    status = next(
                        r["status"] for r in store.get_survey_runs() if r["id"] == run["id"]
                    )
    return Cancelled(run["id"], str(run["campaign"]), len(done), in_flight, status)


@dataclass(frozen=True)
class Retried:
    run_id: int
    campaign: str
    jobs: dict[str, int]  # zone -> hosts deferred again
    causes: dict[str, int]  # their causes


def retry_failed(
    project: Project, campaign: str | None = None, causes: list[str] | None = None
) -> Retried:
    """Defer the campaign's failed hosts (of these causes) again into the same run."""
    unknown = sorted(set(causes or []) - set(CAUSES))
    if unknown:
        raise QueueError(f"--cause {', '.join(unknown)}: a cause is one of {', '.join(CAUSES)}")
    inventory = {h.name: h for h in project.get_inventory().hosts}
    with project.store() as store:
        require_postgres(store)
        run = find_queue_run(store, campaign)
        app = make_app(store)
        with opened(app):
            ensure_queue_schema(app, store)
            open_jobs = len(get_run_jobs(app, run["id"], "todo")) + len(
                get_run_jobs(app, run["id"], "doing")
            )
            if open_jobs:
                raise QueueError(
                    f"campaign {run['campaign']!r} has {open_jobs} jobs waiting or in flight:"
                    " let them finish (or `govnet campaign cancel`) before retry-failed"
                )
            failed = [
                r
                for r in store.get_host_results(run["id"])
                if r["status"] == HostStatus.FAILED
                and (not causes or (r["error_category"] or "unknown") in causes)
            ]
            if not failed:
                which = f" of cause {', '.join(causes)}" if causes else ""
                raise QueueError(f"campaign {run['campaign']!r} has no failed host{which}")
            gone = sorted(r["hostname"] for r in failed if r["hostname"] not in inventory)
            if gone:
                raise QueueError(
                    f"failed hosts no longer in the inventory: {', '.join(gone[:10])}"
                    " (a worker could not survey them)"
                )
            jobs = [
                Job(
                    id=None,
                    queue=get_queue(get_zone(inventory[r["hostname"]])),
                    lock=None,
                    queueing_lock=None,
                    task_name=TASK_NAME,
                    task_kwargs={"run_id": run["id"], "hostname": r["hostname"], "retry": True},
                )
                for r in failed
            ]
            reopened = run["status"] != "running"
            if reopened:
                store.reopen_survey_run(run["id"])
            clear_cancelled(app, run["id"])
            try:
                app.job_manager.batch_defer_jobs(jobs)
            except BaseException:
                if reopened:
                    store.finish_survey_run(run["id"], str(run["status"]))
                raise
    zones = Counter(j.queue.partition(".")[2] for j in jobs)
    why = Counter(r["error_category"] or "unknown" for r in failed)
    return Retried(run["id"], str(run["campaign"]), dict(sorted(zones.items())), dict(why))
