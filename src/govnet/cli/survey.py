"""`govnet survey`: read the routers into a snapshot; the runs, one host's facts, the changes
between runs, a run's raw outputs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from govnet.cli.common import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    JsonOpt,
    UserError,
    app,
    err,
    get_credentials,
    get_options,
    handles_errors,
    out,
    print_json,
)

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
        int, typer.Option("--workers", "-w", min=1, max=1000, help="Hosts surveyed at once.")
    ] = 20,
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
    connect_timeout: Annotated[
        float, typer.Option(min=1, help="Seconds for TCP, SSH banner and login, each.")
    ] = 10.0,
    command_timeout: Annotated[
        float, typer.Option(min=1, help="Seconds for one command's whole output.")
    ] = 30.0,
    host_timeout: Annotated[
        float,
        typer.Option(min=1, help="Seconds for a whole host; then its session is cut off."),
    ] = 300.0,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            help="K/N: survey part K of N of the inventory (hosts split by a hash of their"
            " name); collectors sharing --campaign make one snapshot.",
        ),
    ] = None,
    offline: Annotated[
        Path | None,
        typer.Option(
            "--offline",
            help="Read saved outputs (DIR/<host>/<command>.txt or DIR/<host>.cfg), not SSH.",
            file_okay=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Survey the inventory's routers over SSH (or saved outputs) into a new snapshot."""
    if ctx.invoked_subcommand is not None:
        return
    from govnet.collect import Budget
    from govnet.survey import SurveyOptions, get_shard, run_offline_survey, run_survey

    project = get_options(ctx).get_project()
    budget = Budget(connect_timeout, command_timeout, host_timeout)
    options = SurveyOptions(
        workers,
        retry_failed,
        campaign,
        tuple(host or ()),
        budget,
        get_shard(shard) if shard is not None else None,
    )
    if offline is not None and retry_failed:
        raise UserError("--retry-failed surveys over SSH; it cannot be used with --offline")
    credentials = get_credentials() if offline is None else None
    store = project.open_store()
    progress = SurveyProgress(quiet=as_json)
    try:
        with progress:
            if offline is not None:
                summary = run_offline_survey(
                    project.root, store, offline, options, progress.start, progress.advance
                )
            else:
                assert credentials is not None
                summary = run_survey(
                    project.root, store, credentials, options, progress.start, progress.advance
                )
    finally:
        store.dispose()
    if as_json:
        print_json(
            {
                "run": summary.run_id,
                "campaign": summary.campaign,
                "status": summary.status,
                "hosts": summary.hosts,
                "done": summary.done,
                "seconds": summary.seconds,
                "by_status": dict(summary.by_status),
                "by_error": dict(summary.by_error),
                "failed": summary.failed,
                "not_found": summary.not_found,
                "unknown": summary.unknown,
            }
        )
    else:
        render_survey_summary(summary)
    if summary.status != "complete":
        raise typer.Exit(EXIT_INTERRUPTED)
    if summary.any_failed:
        raise typer.Exit(EXIT_ERROR)


def _get_run(store: Any, run: int | None) -> dict[str, Any]:
    runs = store.get_survey_runs()
    if not runs:
        raise UserError("no survey run yet: run `govnet survey` first")
    if run is None:
        return dict(runs[-1])
    found = next((r for r in runs if r["id"] == run), None)
    if found is None:
        raise UserError(f"no survey run {run} (runs: {runs[0]['id']}..{runs[-1]['id']})")
    return dict(found)


@survey_app.command("runs")
@handles_errors
def survey_runs(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Every survey run: campaign, source, status, hosts."""
    store = get_options(ctx).get_project().open_store()
    try:
        runs = store.get_survey_runs()
    finally:
        store.dispose()
    if as_json:
        print_json(runs)
        return
    table = Table()
    table.add_column("run", no_wrap=True)
    table.add_column("campaign", no_wrap=True)
    table.add_column("shard", no_wrap=True)
    table.add_column("source", overflow="fold")
    table.add_column("machine", overflow="fold")
    for name in ("status", "hosts", "started", "finished"):
        table.add_column(name, no_wrap=True)
    for r in runs:
        table.add_row(
            str(r["id"]),
            r["campaign"] or "",
            r["shard"] or "",
            r["source"],
            r["machine"] or "",
            r["status"],
            str(r["hosts"]),
            f"{r['started_at']:%H:%M:%S}",
            f"{r['finished_at']:%H:%M:%S}" if r["finished_at"] else "",
        )
    out.print(table)


@survey_app.command("show")
@handles_errors
def survey_show(
    ctx: typer.Context,
    hostname: Annotated[str, typer.Argument(help="Inventory hostname.")],
    run: Annotated[int | None, typer.Option(help="Survey run (default: the latest).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """One host's status and facts from a survey run."""
    store = get_options(ctx).get_project().open_store()
    try:
        chosen = _get_run(store, run)
        results = {h["hostname"]: h for h in store.get_host_results(chosen["id"])}
        if hostname not in results:
            raise UserError(f"run {chosen['id']} has no result for {hostname}")
        facts = store.get_host_facts(chosen["id"], hostname)
    finally:
        store.dispose()
    result = results[hostname]
    if as_json:
        print_json({"run": chosen["id"], "result": result, "facts": facts and facts.to_dict()})
        return
    out.print(
        f"{hostname} in run {chosen['id']}: {result['status']}"
        + (f" ({result['error_category']}: {result['message']})" if result["message"] else ""),
        markup=False,
    )
    if facts is None:
        return
    d = facts.device
    out.print(f"{d.vendor or '?'} {d.model or '?'} {d.os_version or ''} serial {d.serial or '?'}")
    table = Table()
    table.add_column("interface", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("addresses", no_wrap=True)
    table.add_column("vpn instance")
    table.add_column("description", overflow="fold")
    for i in facts.interfaces:
        state = "up" if i.oper_up else "admin down" if i.admin_up is False else "down"
        table.add_row(
            i.name, state, " ".join(i.addresses), i.vpn_instance or "", i.description or ""
        )
    out.print(table)
    out.print(
        f"vpn instances: {', '.join(v.name for v in facts.vpn_instances) or 'none'}; "
        f"routes: {len(facts.routes)}; neighbours: {len(facts.neighbours)}; "
        f"nat rules: {len(facts.nat)}",
        markup=False,
    )


@survey_app.command("diff")
@handles_errors
def survey_diff(
    ctx: typer.Context,
    run_a: Annotated[int, typer.Argument(help="The earlier run.")],
    run_b: Annotated[int, typer.Argument(help="The later run.")],
    as_json: JsonOpt = False,
) -> None:
    """What changed between two runs: interfaces, addresses, VPN instances, routes, NAT."""
    from govnet.model.facts import FactChange, HostFacts, get_fact_changes

    store = get_options(ctx).get_project().open_store()
    try:
        a, b = _get_run(store, run_a), _get_run(store, run_b)
        results_a = {h["hostname"]: h for h in store.get_host_results(a["id"])}
        results_b = {h["hostname"]: h for h in store.get_host_results(b["id"])}
        changes = []
        for host in sorted(results_a.keys() | results_b.keys()):
            if host not in results_a or host not in results_b:
                missing = run_a if host not in results_a else run_b
                changes.append((host, FactChange("host", host, f"not in run {missing}")))
                continue
            status_a, status_b = results_a[host]["status"], results_b[host]["status"]
            if status_a != status_b:
                changes.append((host, FactChange("status", host, "changed", status_a, status_b)))
            if "failed" in (status_a, status_b):
                continue  # a failed host has no facts to compare
            before = store.get_host_facts(a["id"], host) or HostFacts()
            after = store.get_host_facts(b["id"], host) or HostFacts()
            changes += [(host, c) for c in get_fact_changes(before, after)]
    finally:
        store.dispose()
    if as_json:
        print_json([{"host": h, **vars(c)} for h, c in changes])
        return
    table = Table(
        "host",
        "topic",
        "what",
        "change",
        "before",
        "after",
        title=f"run {run_a} -> run {run_b}: {len(changes)} change(s)",
        title_justify="left",
    )
    for host, c in changes:
        table.add_row(host, c.topic, c.key, c.change, c.before or "", c.after or "")
    out.print(table)


@survey_app.command("export")
@handles_errors
def survey_export(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="Where to write DIR/<host>/<command>.txt.")],
    run: Annotated[int | None, typer.Option(help="Survey run (default: the latest).")] = None,
) -> None:
    """Write a run's raw outputs in the offline layout (`govnet survey --offline` reads it)."""
    from govnet.collect import RawText
    from govnet.offline import write_saved_host

    store = get_options(ctx).get_project().open_store()
    try:
        chosen = _get_run(store, run)
        count = 0
        for result in store.get_host_results(chosen["id"]):
            outputs = store.get_raw_outputs_with_encoding(chosen["id"], result["hostname"])
            if outputs:
                write_saved_host(
                    folder,
                    result["hostname"],
                    result["platform"],
                    {c: RawText(t, e) for c, (t, e) in outputs.items()},
                )
                count += 1
    finally:
        store.dispose()
    out.print(f"{count} host(s) of run {chosen['id']} written to {folder}")


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
        self.done += 1
        now = time.monotonic()
        rate = self.done / max(now - self.started, 1e-6)
        failed = sum(self.failed.values())
        self.progress.update(self.task, advance=1, failed=failed, rate=rate)
        if self.to_log and (now - self.logged >= self.log_every or self.done == self.total):
            self.logged = now
            err.print(self.get_line(now - self.started, rate), markup=False)

    def get_line(self, elapsed: float, rate: float) -> str:
        """One log line: where the run is and when it will end."""
        causes = ", ".join(f"{c} {n}" for c, n in self.failed.most_common())
        failed = sum(self.failed.values())
        left = (self.total - self.done) / rate if rate else 0.0
        return (
            f"survey run {self.run_id}: {self.done}/{self.total}"
            f" ({self.done / max(self.total, 1):.0%}), failed {failed}"
            + (f" ({causes})" if causes else "")
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
    table = Table(title=title, title_justify="left")
    table.add_column("status")
    table.add_column("error")
    table.add_column("hosts", justify="right")
    errors = Counter((f["status"], f["category"] or "") for f in summary.failed)
    ok = summary.by_status.get("ok", 0)
    if ok:
        table.add_row("ok", "", str(ok))
    for (status, category), count in sorted(errors.items()):
        table.add_row(status, category, str(count))
    out.print(table)
    for failure in summary.failed[:20]:
        out.print(
            f"  {failure['hostname']}: {failure['status']} {failure['category'] or ''}:"
            f" {failure['message'] or ''}",
            markup=False,
        )
    if len(summary.failed) > 20:
        out.print(f"  ... and {len(summary.failed) - 20} more (--json lists them all)")
