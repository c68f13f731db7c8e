"""`govnet survey`: read the routers into a snapshot; the runs, one host's facts, the changes
between runs, a run's raw outputs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from govnet.cli.common import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    CommandTimeoutOpt,
    ConnectTimeoutOpt,
    HostTimeoutOpt,
    JsonOpt,
    WideOpt,
    app,
    err,
    get_credentials,
    get_options,
    handles_errors,
    out,
    print_json,
)
from govnet.cli.tables import Col, print_table

survey_app = typer.Typer(
    help="Survey devices over SSH or from saved files.", invoke_without_command=True
)


survey_app.info.name = "survey"
app.add_typer(survey_app, name="survey")


@survey_app.callback()
@handles_errors
def survey_callback(
    ctx: typer.Context,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            max=1000,
            help="Hosts surveyed at once, in each process (default: nornir_config.yaml's"
            " runner num_workers).",
        ),
    ] = None,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed",
            help="Only the hosts the campaign (--campaign, else the last) has no good result"
            " for: completes it after failures or a collector that died.",
        ),
    ] = False,
    host: Annotated[
        list[str] | None, typer.Option("--host", help="Only this host (repeatable).")
    ] = None,
    campaign: Annotated[
        str | None, typer.Option(help="Campaign name (default: the start time).")
    ] = None,
    connect_timeout: ConnectTimeoutOpt = 10.0,
    command_timeout: CommandTimeoutOpt = 30.0,
    host_timeout: HostTimeoutOpt = 300.0,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            help="K/N: survey part K of N of the inventory (hosts split by a hash of their"
            " name); collectors sharing --campaign make one snapshot.",
        ),
    ] = None,
    processes: Annotated[
        int | None,
        typer.Option(
            "--processes",
            min=1,
            max=256,
            help="Worker processes the hosts are split over, each with its own --workers"
            " threads (default: one per core, for 200 hosts or more each; 1: this process"
            " only).",
        ),
    ] = None,
    driver: Annotated[
        str,
        typer.Option(
            "--driver",
            help="cli: the platform's commands (default); napalm: its NAPALM driver's getters"
            " (`driver: napalm:<name>` in its platform.yaml), to compare with `survey diff`.",
        ),
    ] = "cli",
    offline: Annotated[
        Path | None,
        typer.Option(
            "--offline",
            help=(
                "Read saved outputs (DIR/<host>/<command>.txt, DIR/<host>.cfg or session"
                " logs DIR/*.log), not SSH."
            ),
            file_okay=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Survey the inventory's routers over SSH (or saved outputs) into a new snapshot."""
    from govnet.app.survey import survey, survey_offline
    from govnet.survey import SurveyOptions, get_driver, get_shard
    from govnet.survey.collect import Budget

    if ctx.invoked_subcommand is not None:
        return
    project = get_options(ctx).get_project()
    budget = Budget(connect_timeout, command_timeout, host_timeout)
    options = SurveyOptions(
        workers,
        retry_failed,
        campaign,
        tuple(host or ()),
        budget,
        get_shard(shard) if shard is not None else None,
        processes,
        get_driver(driver),
    )
    progress = SurveyProgress(quiet=as_json)
    if offline is not None:
        with progress:
            summary = survey_offline(project, offline, options, progress.start, progress.advance)
    else:
        credentials = get_credentials(project)
        with progress:
            summary = survey(project, credentials, options, progress.start, progress.advance)
    if as_json:
        print_json(
            {
                "run": summary.run_id,
                "campaign": summary.campaign,
                "status": summary.status,
                "hosts": summary.hosts,
                "done": summary.done,
                "seconds": summary.seconds,
                "processes": summary.processes,
                "by_status": dict(summary.by_status),
                "by_error": dict(summary.by_error),
                "failed": summary.failed,
                "not_found": summary.not_found,
                "unknown": summary.unknown,
                "unparsed": progress.get_unparsed(),
            }
        )
    else:
        render_survey_summary(summary)
        unparsed = progress.get_unparsed()
        if unparsed["lines"]:
            out.print(
                f"{unparsed['lines']} output line(s) of {unparsed['hosts']} host(s) not"
                " understood: `govnet survey show HOST` says which host has how many",
                markup=False,
            )
    if summary.status != "complete":
        raise typer.Exit(EXIT_INTERRUPTED)
    if summary.any_failed:
        raise typer.Exit(EXIT_ERROR)


@survey_app.command("runs")
@handles_errors
def survey_runs(ctx: typer.Context, wide: WideOpt = False, as_json: JsonOpt = False) -> None:
    """Every survey run: campaign, source, status, hosts."""
    from govnet.app.survey import list_runs

    runs = list_runs(get_options(ctx).get_project())
    if as_json:
        print_json(runs)
        return
    columns = [Col("run", keep=True), Col("campaign", keep=True), Col("shard", keep=True)]
    columns += [Col("source"), Col("machine")]
    columns += [Col(name, keep=True) for name in ("status", "hosts", "started", "finished")]
    rows = [
        [
            str(r["id"]),
            r["campaign"] or "",
            r["shard"] or "",
            r["source"],
            r["machine"] or "",
            r["status"],
            str(r["hosts"]),
            f"{r['started_at']:%H:%M:%S}",
            f"{r['finished_at']:%H:%M:%S}" if r["finished_at"] else "",
        ]
        for r in runs
    ]
    print_table(out, columns, rows, wide=wide)


@survey_app.command("show")
@handles_errors
def survey_show(
    ctx: typer.Context,
    hostname: Annotated[str, typer.Argument(help="Inventory hostname.")],
    run: Annotated[int | None, typer.Option(help="Survey run (default: the latest).")] = None,
    wide: WideOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """One host's status and facts from a survey run."""
    from govnet.app.survey import show_host

    view = show_host(get_options(ctx).get_project(), hostname, run)
    result, facts = view.result, view.facts
    if as_json:
        print_json({"run": view.run, "result": result, "facts": facts and facts.to_dict()})
        return
    out.print(
        f"{hostname} in run {view.run}: {result['status']}"
        + (f" ({result['error_category']}: {result['message']})" if result["message"] else "")
        + _unparsed_note(result.get("unparsed_lines")),
        markup=False,
    )
    if facts is None:
        return
    d = facts.device
    out.print(
        f"{d.vendor or '?'} {d.model or '?'} {d.os_version or ''} serial {d.serial or '?'}"
        + (f", AS {d.local_as}" if d.local_as is not None else "")
        + (f", router ID {d.router_id}" if d.router_id else ""),
        markup=False,
    )
    columns = [Col("interface", keep=True), Col("state", keep=True), Col("addresses", keep=True)]
    columns += [Col("vpn instance", keep=True), Col("description")]
    rows = []
    for i in facts.interfaces:
        state = "up" if i.oper_up else "admin down" if i.admin_up is False else "down"
        rows.append(
            [i.name, state, " ".join(i.addresses), i.vpn_instance or "", i.description or ""]
        )
    print_table(out, columns, rows, wide=wide)
    out.print(
        f"vpn instances: {', '.join(v.name for v in facts.vpn_instances) or 'none'}; "
        f"routes: {len(facts.routes)}; neighbours: {len(facts.neighbours)}; "
        f"nat rules: {len(facts.nat)}; arp entries: {len(facts.arp)}",
        markup=False,
    )


@survey_app.command("diff")
@handles_errors
def survey_diff(
    ctx: typer.Context,
    run_a: Annotated[int, typer.Argument(help="The earlier run.")],
    run_b: Annotated[int, typer.Argument(help="The later run.")],
    wide: WideOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """What changed between two runs: interfaces, addresses, VPN instances, routes, NAT."""
    from govnet.app.survey import diff_runs

    changes = diff_runs(get_options(ctx).get_project(), run_a, run_b)
    if as_json:
        print_json([{"host": h, **vars(c)} for h, c in changes])
        return
    columns = [Col("host", keep=True), Col("topic"), Col("what", keep=True), Col("change")]
    columns += [Col("before"), Col("after")]
    rows = [[host, c.topic, c.key, c.change, c.before or "", c.after or ""] for host, c in changes]
    print_table(out, columns, rows, f"run {run_a} -> run {run_b}: {len(changes)} change(s)", wide)


@survey_app.command("export")
@handles_errors
def survey_export(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="Where to write DIR/<host>/<command>.txt.")],
    run: Annotated[int | None, typer.Option(help="Survey run (default: the latest).")] = None,
) -> None:
    """Write a run's raw outputs in the offline layout (`govnet survey --offline` reads it)."""
    from govnet.app.survey import export_run

    count, chosen = export_run(get_options(ctx).get_project(), folder, run)
    out.print(f"{count} host(s) of run {chosen} written to {folder}")


def _unparsed_note(count: int | None) -> str:
    """How much of a host's output no parser understood (nothing when not counted).

    >>> _unparsed_note(3), _unparsed_note(0), _unparsed_note(None)
    ('; 3 output line(s) not understood', '; every output line understood', '')
    """
    if count is None:
        return ""
    if count == 0:
        return "; every output line understood"
    return f"; {count} output line(s) not understood"


class SurveyProgress:
    """Progress fed from the store writer's thread: done, failed (by cause), rate, time left.

    A rich bar on a terminal; in a log (stderr not a terminal: a night job under cron) a
    plain line every ``log_every`` seconds, so a 10,000-router run shows where it is.
    """

    def __init__(self, quiet: bool, log_every: float = 30.0) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.quiet = quiet
        self.log_every = log_every
        self.to_log = not quiet and not err.is_terminal
        self.failed: Counter[str] = Counter()
        self.unparsed_hosts = self.unparsed_lines = 0  # output lines no parser understood
        self.started = self.logged = 0.0
        self.run_id, self.total, self.done = 0, 0, 0
        self.progress = Progress(
            TextColumn("survey run {task.fields[run]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("failed {task.fields[failed]}"),
            TextColumn("{task.fields[rate]:.1f} hosts/s"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=err,
            disable=quiet or self.to_log,
            transient=False,
        )
        self.task: Any = None

    def __enter__(self) -> SurveyProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def start(self, run_id: int, campaign: str, total: int) -> None:
        import time

        self.started = self.logged = time.monotonic()
        self.run_id, self.total = run_id, total
        self.task = self.progress.add_task("survey", total=total, run=run_id, failed=0, rate=0.0)
        if self.to_log:
            err.print(f"survey run {run_id} ({campaign}): {total} hosts", markup=False)

    def advance(self, snapshot: Any) -> None:
        import time

        if snapshot.status != "ok":
            self.failed[snapshot.error_category or snapshot.status] += 1
        unparsed = getattr(snapshot, "unparsed_lines", None)
        if unparsed:
            self.unparsed_hosts += 1
            self.unparsed_lines += unparsed
        self.done += 1
        now = time.monotonic()
        rate = self.done / max(now - self.started, 1e-6)
        failed = sum(self.failed.values())
        self.progress.update(self.task, advance=1, failed=failed, rate=rate)
        if self.to_log and (now - self.logged >= self.log_every or self.done == self.total):
            self.logged = now
            err.print(self.get_line(now - self.started, rate), markup=False)

    def get_unparsed(self) -> dict[str, int]:
        """Output lines no parser understood so far, and on how many hosts."""
        return {"hosts": self.unparsed_hosts, "lines": self.unparsed_lines}

    def get_line(self, elapsed: float, rate: float) -> str:
        """One log line: where the run is and when it will end."""
        causes = ", ".join(f"{c} {n}" for c, n in self.failed.most_common())
        failed = sum(self.failed.values())
        left = (self.total - self.done) / rate if rate else 0.0
        return (
            f"survey run {self.run_id}: {self.done}/{self.total}"
            f" ({self.done / max(self.total, 1):.0%}), failed {failed}"
            + (f" ({causes})" if causes else "")
            + (
                f", {self.unparsed_lines} line(s) not understood on {self.unparsed_hosts} host(s)"
                if self.unparsed_lines
                else ""
            )
            + f", {rate:.1f} hosts/s, {_minutes(elapsed)} elapsed, ~{_minutes(left)} left"
        )


def _minutes(seconds: float) -> str:
    """
    >>> _minutes(3725.2)
    '1h02m05s'
    >>> _minutes(65)
    '1m05s'
    """
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m{s % 60:02d}s"
    return f"{s // 60}m{s % 60:02d}s"


def render_survey_summary(summary: Any) -> None:
    title = (
        f"survey run {summary.run_id} ({summary.campaign}): {summary.status},"
        f" {summary.done}/{summary.hosts} hosts in {summary.seconds:.1f} s"
        f" ({summary.rate:.1f}/s)"
    )
    errors = Counter((f["status"], f["category"] or "") for f in summary.failed)
    ok = summary.by_status.get("ok", 0)
    rows = [["ok", "", str(ok)]] if ok else []
    rows += [[status, category, str(count)] for (status, category), count in sorted(errors.items())]
    columns = [Col("status"), Col("error"), Col("hosts", "right", keep=True)]
    print_table(out, columns, rows, title)
    for failure in summary.failed[:20]:
        out.print(
            f"  {failure['hostname']}: {failure['status']} {failure['category'] or ''}:"
            f" {failure['message'] or ''}",
            markup=False,
        )
    if len(summary.failed) > 20:
        out.print(f"  ... and {len(summary.failed) - 20} more (--json lists them all)")
