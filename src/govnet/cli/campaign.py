"""`govnet campaign start|status` and `govnet worker`: a survey campaign on a job queue in
the store's PostgreSQL, surveyed by workers on collector machines, per security zone."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from govnet.cli.common import (
    CommandTimeoutOpt,
    ConnectTimeoutOpt,
    HostTimeoutOpt,
    JsonOpt,
    WideOpt,
    app,
    err,
    fail,
    get_credentials,
    get_options,
    handles_errors,
    out,
    print_json,
)
from govnet.cli.tables import Col, print_table

if TYPE_CHECKING:
    from govnet.app.project import Project
    from govnet.survey.collect import Budget, Credentials

campaign_app = typer.Typer(
    help="Survey campaigns on a job queue (PostgreSQL): one job per host, a queue per zone.",
    no_args_is_help=True,
)
app.add_typer(campaign_app, name="campaign")

JOBS_EXTRA = "campaigns with workers need the jobs extra: pip install 'govnet[jobs]'"


def _campaigns() -> ModuleType:
    """The use cases, or how to install the job queue they run on."""
    try:
        from govnet.app import campaign
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] not in ("procrastinate", "psycopg"):
            raise
        fail(JOBS_EXTRA)
    return campaign


ZONE_HELP = "A security zone (repeatable): the hosts of inventory group zone_<Z>; default"

ZonesOpt = Annotated[list[str] | None, typer.Option("--zone", "-z", help=f"{ZONE_HELP}.")]


@campaign_app.command("start")
@handles_errors
def campaign_start(
    ctx: typer.Context,
    zone: ZonesOpt = None,
    campaign: Annotated[
        str | None, typer.Option(help="Campaign name (default: the start time).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Queue one survey job per host of the zones (default: every host) for the workers."""
    started = _campaigns().start_campaign(get_options(ctx).get_project(), zone, campaign)
    if as_json:
        print_json({"run": started.run_id, "campaign": started.campaign, "jobs": started.jobs})
        return
    total = sum(started.jobs.values())
    zones = ", ".join(f"{z} {n}" for z, n in started.jobs.items())
    out.print(
        f"campaign {started.campaign} (run {started.run_id}): {total} hosts queued ({zones});"
        " start `govnet worker --zone Z` on the collectors",
        markup=False,
    )


@campaign_app.command("status")
@handles_errors
def campaign_status(
    ctx: typer.Context,
    campaign: Annotated[
        str | None, typer.Option(help="The campaign (default: the last one queued).")
    ] = None,
    as_json: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """Per zone: hosts done, failed by cause, in flight (and on how many workers), waiting."""
    status = _campaigns().get_campaign_status(get_options(ctx).get_project(), campaign)
    if as_json:
        print_json(status.to_dict())
        return
    rows = [
        [
            z.zone,
            str(z.hosts),
            str(z.done),
            str(sum(z.failed.values())),
            ", ".join(f"{cause} {n}" for cause, n in sorted(z.failed.items())) or "-",
            str(z.in_flight),
            str(len(z.workers)),
            str(z.waiting),
        ]
        for z in status.zones
    ]
    columns = [
        Col("zone", keep=True),
        Col("hosts", "right", keep=True),
        Col("done", "right", keep=True),
        Col("failed", "right", keep=True),
        Col("causes"),
        Col("in flight", "right", keep=True),
        Col("workers", "right", keep=True),
        Col("waiting", "right", keep=True),
    ]
    title = f"campaign {status.campaign} (run {status.run_id}, {status.status})"
    print_table(out, columns, rows, title, wide)
    _print_workers(status.workers, wide)
    for problem in status.unserved.values():
        out.print(problem, markup=False)
    if status.status == "running":
        left = f", about {round(status.left_s)} s left" if status.left_s is not None else ""
        if status.unserved:
            left = ", time left unknown: no live worker for every zone with work"
        out.print(f"{status.rate} hosts/s over the last minute{left}", markup=False)


def _print_workers(workers: list[Any], wide: bool) -> None:
    """Per worker: who (host:pid), its zones, state, heartbeat age, hosts written, rate."""
    if not workers:
        return
    rows = [
        [
            w.name,
            ", ".join(w.zones),
            w.state,
            f"{w.heartbeat_age_s:.0f} s",
            str(w.written),
            str(w.in_flight),
            f"{w.rate}/s",
        ]
        for w in workers
    ]
    columns = [
        Col("worker", keep=True),
        Col("zones"),
        Col("state", keep=True),
        Col("heartbeat", "right", keep=True),
        Col("written", "right", keep=True),
        Col("in flight", "right", keep=True),
        Col("rate", "right", keep=True),
    ]
    print_table(out, columns, rows, "workers (silent: no heartbeat within its lease)", wide)


@app.command("worker")
@handles_errors
def worker(
    ctx: typer.Context,
    zone: Annotated[list[str], typer.Option("--zone", "-z", help=f"{ZONE_HELP} (required).")] = [],  # noqa: B006 (typer reads the default, never mutates it)
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, max=500, help="Hosts surveyed at once.")
    ] = 10,
    lease: Annotated[
        float,
        typer.Option(
            min=1,
            help="Seconds without a worker's heartbeat before its jobs go to another worker.",
        ),
    ] = 30.0,
    exit_when_idle: Annotated[
        bool,
        typer.Option(
            "--exit-when-idle", help="Stop once the zones have no job waiting or in flight."
        ),
    ] = False,
    connect_timeout: ConnectTimeoutOpt = 10.0,
    command_timeout: CommandTimeoutOpt = 30.0,
    host_timeout: HostTimeoutOpt = 300.0,
    processes: Annotated[
        int | None,
        typer.Option(
            "--processes",
            min=1,
            max=256,
            help="Worker processes, each with its own --concurrency threads, sessions and"
            " store connections (default: one per core; 1: this process only). One that"
            " dies is restarted.",
        ),
    ] = None,
    as_json: JsonOpt = False,
    schedule: Annotated[
        bool,
        typer.Option(
            "--schedule",
            help="Also start the campaigns of the project's schedule (playbooks/settings.yaml)"
            " and classify and report after them (queue schedule).",
        ),
    ] = False,
) -> None:
    """Survey the queued hosts of these zones, as `govnet survey` does, until stopped
    (Ctrl-C or SIGTERM: the hosts in flight end first)."""
    from govnet.survey.collect import Budget

    campaigns = _campaigns()
    project = get_options(ctx).get_project()
    budget = Budget(connect_timeout, command_timeout, host_timeout)
    credentials = get_credentials(project)
    count = _worker_processes(processes)
    if count > 1:
        _work_in_processes(project, credentials, zone, count, concurrency, lease,
                           exit_when_idle, budget, schedule, as_json)  # fmt: skip
        return
    done = campaigns.work(
        project, credentials, zone, concurrency, lease, exit_when_idle, budget, schedule
    )
    if as_json:
        print_json(dict(done))
    else:
        out.print(
            f"worker stopped: {done['written']} hosts written, {done['skipped']} found"
            " written already",
            markup=False,
        )


def _admin() -> ModuleType:
    _campaigns()  # the same extra
    from govnet.app import campaign_admin

    return campaign_admin


CampaignOpt = Annotated[
    str | None, typer.Option(help="The campaign (default: the last one queued).")
]


@campaign_app.command("cancel")
@handles_errors
def campaign_cancel(
    ctx: typer.Context, campaign: CampaignOpt = None, as_json: JsonOpt = False
) -> None:
    """Cancel the waiting jobs (hosts recorded cancelled); those in flight finish first."""
    done = _admin().cancel_campaign(get_options(ctx).get_project(), campaign)
    if as_json:
        print_json(
            {
                "run": done.run_id,
                "campaign": done.campaign,
                "cancelled": done.cancelled,
                "in_flight": done.in_flight,
                "status": done.status,
            }
        )
        return
    then = (
        f"; {done.in_flight} in flight finish first, then the run ends incomplete"
        if done.in_flight
        else f"; the run is {done.status}"
    )
    out.print(
        f"campaign {done.campaign} (run {done.run_id}): {done.cancelled} waiting hosts"
        f" cancelled (已取消){then}",
        markup=False,
    )


@campaign_app.command("retry-failed")
@handles_errors
def campaign_retry_failed(
    ctx: typer.Context,
    campaign: CampaignOpt = None,
    cause: Annotated[
        list[str] | None,
        typer.Option(help="Only hosts failed for this cause (repeatable): timeout, auth, ..."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Queue the failed hosts again into the same run (refused while jobs are open)."""
    done = _admin().retry_failed(get_options(ctx).get_project(), campaign, cause)
    if as_json:
        print_json(
            {
                "run": done.run_id,
                "campaign": done.campaign,
                "jobs": done.jobs,
                "causes": done.causes,
            }
        )
        return
    zones = ", ".join(f"{z} {n}" for z, n in done.jobs.items())
    causes = ", ".join(f"{c} {n}" for c, n in sorted(done.causes.items()))
    out.print(
        f"campaign {done.campaign} (run {done.run_id}): {sum(done.jobs.values())} failed hosts"
        f" queued again ({zones}; were {causes}); start `govnet worker --zone Z`",
        markup=False,
    )


def _worker_processes(requested: int | None) -> int:
    from govnet.app.fleet import get_worker_processes

    return get_worker_processes(requested)


def _work_in_processes(
    project: Project,
    credentials: Credentials,
    zones: list[str],
    count: int,
    concurrency: int,
    lease: float,
    until_idle: bool,
    budget: Budget,
    schedule: bool,
    as_json: bool,
) -> None:
    """`govnet worker --processes N`: each start, death and restart told on stderr."""
    _campaigns()  # the jobs extra, or how to install it
    from govnet.app.fleet import work_in_processes

    def tell(event: str) -> None:
        err.print(event, markup=False)

    fleet = work_in_processes(
        project, credentials, zones, count, concurrency, lease, until_idle, budget, schedule, tell
    )
    if as_json:
        print_json(
            {**fleet.done, "processes": count, "died": fleet.died, "restarted": fleet.restarted}
        )
        return
    restarted = f", {fleet.restarted} restarted after dying" if fleet.restarted else ""
    out.print(
        f"worker stopped: {fleet.done['written']} hosts written, {fleet.done['skipped']} found"
        f" written already ({count} processes{restarted})",
        markup=False,
    )
