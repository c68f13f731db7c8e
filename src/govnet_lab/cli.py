"""`govnet lab up|down|status` and `govnet demo`: the lab's commands on govnet's command line.

govnet loads every entry point of group ``govnet.cli`` (pyproject.toml names :func:`register`)
and calls it after registering its own commands. Without the lab extra (no asyncssh),
:func:`register` raises ModuleNotFoundError, govnet leaves these commands out and answers
them with one line saying how to install the extra.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from govnet.app.classify import classify_project
from govnet.app.plan import WrittenPlan, make_plans
from govnet.app.project import Project, init_project
from govnet.app.push import push
from govnet.app.survey import get_campaign_hosts, survey
from govnet.cli.classify import render_breaches
from govnet.cli.common import (
    JsonOpt,
    UserError,
    get_options,
    handles_errors,
    out,
    print_json,
)
from govnet.cli.inventory import _describe_sync, render_summary
from govnet.cli.survey import render_survey_summary
from govnet.model.divisions import get_bundled_tree
from govnet.model.inventory import get_inventory_summary
from govnet.model.problems import ProblemsError


def register(app: typer.Typer) -> None:
    """Add ``demo`` and ``lab`` to govnet's command line (entry point ``govnet.cli``).

    Raises ModuleNotFoundError when the lab extra is not installed (the lab's SSH server
    needs asyncssh), before adding anything.
    """
    if importlib.util.find_spec("asyncssh") is None:
        raise ModuleNotFoundError("the lab needs asyncssh: pip install 'govnet[lab]'")
    app.command()(demo)
    app.add_typer(lab_app, name="lab")


lab_app = typer.Typer(help="Simulated routers over SSH on 127.0.0.1.", no_args_is_help=True)
lab_app.info.name = "lab"


LabProjectOpt = Annotated[
    Path | None,
    typer.Option(
        "--project", "-p", help="Project folder (default: the global --project).", file_okay=False
    ),
]


def _lab_root(ctx: typer.Context, project: Path | None, *, new: bool = False) -> Path:
    """The project folder; with ``new``, an explicit folder may be empty (the lab fills it)."""
    explicit = project or get_options(ctx).project
    if new and explicit is not None and not (explicit / "nornir_config.yaml").exists():
        return explicit.resolve()
    return Project.find(explicit, None).root


@lab_app.command("up")
@handles_errors
def lab_up(
    ctx: typer.Context,
    project: LabProjectOpt = None,
    county: Annotated[
        str | None,
        typer.Option(help="County code; synthesizes a project in an empty --project folder."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the district (default 0).")] = None,
    devices: Annotated[
        int | None, typer.Option(help="Number of routers of a synthesized project.")
    ] = None,
    faults: Annotated[
        str | None,
        typer.Option(help="Faults, e.g. 'gbk=2,slow=0.1,silent=jlp-gaj-r1' (count, share, hosts)."),
    ] = None,
    first_port: Annotated[
        int | None, typer.Option(help="First port of a synthesized project (default 20001).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Start the simulated routers in the background, generated from the project's inventory."""
    from govnet_lab.control import start_lab

    root = _lab_root(ctx, project, new=True)
    started = start_lab(
        root, county=county, seed=seed, devices=devices, faults=faults, first_port=first_port
    )
    credentials = started.paths.credentials
    if as_json:
        print_json(
            {
                "pid": started.pid,
                "already_running": started.already_running,
                "platforms": started.platforms,
                "ports": started.ports,
                "credentials": credentials,
                "log": started.paths.log,
            }
        )
        return
    state = "already running" if started.already_running else "started"
    total = sum(started.platforms.values())
    by_platform = ", ".join(f"{n} {p}" for p, n in started.platforms.items())
    out.print(f"lab {state} (pid {started.pid}): {total} routers ({by_platform})")
    if started.ports:
        out.print(f"ports: 127.0.0.1:{started.ports[0]}-{started.ports[-1]}")
    out.print(f"credentials: source {credentials}")
    out.print(f"log: {started.paths.log}")


@lab_app.command("down")
@handles_errors
def lab_down(ctx: typer.Context, project: LabProjectOpt = None) -> None:
    """Stop the project's lab server, if it runs."""
    from govnet_lab.control import stop_lab

    pid = stop_lab(_lab_root(ctx, project))
    out.print("lab not running" if pid is None else f"lab stopped (pid {pid})")


@lab_app.command("status")
@handles_errors
def lab_status(ctx: typer.Context, project: LabProjectOpt = None, as_json: JsonOpt = False) -> None:
    """Whether the lab runs, its pid, and how many of its ports answer."""
    from govnet_lab.control import get_lab_status

    status = get_lab_status(_lab_root(ctx, project))
    if as_json:
        print_json(
            {
                "running": status.running,
                "pid": status.pid,
                "ports": len(status.ports),
                "answering": len(status.answering),
                "stale_pidfile": status.stale_pidfile,
            }
        )
        return
    if not status.running:
        stale = " (stale pidfile)" if status.stale_pidfile else ""
        out.print(f"lab not running{stale}")
        return
    out.print(
        f"lab running (pid {status.pid}): {len(status.answering)}/{len(status.ports)} ports answer"
    )


@handles_errors
def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where to build the demo project.")
    ] = Path("demo"),
    keep_lab: Annotated[
        bool, typer.Option("--keep-lab", help="Leave the simulated routers running.")
    ] = False,
) -> None:
    """Run everything built so far on the example district, end to end."""
    from govnet.ledger import export_ledger
    from govnet.survey.collect import Credentials
    from govnet_lab.control import start_lab, stop_lab
    from govnet_lab.server import read_credentials

    steps = 11
    out.print(f"[1/{steps}] project: {directory}")
    if not (directory / "nornir_config.yaml").exists():
        init_project(directory)
    project = Project.find(directory, None)
    out.print(f"[2/{steps}] inventory check")
    inventory, problems = project.check_inventory()
    if inventory is None:
        raise ProblemsError(problems)
    out.print(
        f"      ok: {len(inventory.units)} units, {len(inventory.hosts)} devices, "
        f"{len(inventory.lines)} lines"
    )
    out.print(f"[3/{steps}] load into the store")
    inventory, _, result = project.load_inventory_into_store()
    out.print(f"      {_describe_sync(result)}")
    render_summary(get_inventory_summary(inventory, get_bundled_tree()))
    out.print(f"[4/{steps}] export the ledger (台账) to Excel")
    ledger = project.root / "reports" / "ledger.xlsx"
    ledger.parent.mkdir(parents=True, exist_ok=True)
    rows = export_ledger(project.root, ledger, get_bundled_tree())
    out.print(f"      {rows} lines written")
    out.print(f"[5/{steps}] start the simulated routers (govnet lab up)")
    lab = start_lab(project.root)
    pushed: list[str] = []
    try:
        out.print(
            f"      {len(lab.ports)} routers on 127.0.0.1:{lab.ports[0]}-{lab.ports[-1]}"
            f" (pid {lab.pid})"
        )
        out.print(
            f"[6/{steps}] survey every router over SSH, two collectors at once"
            " (govnet survey --shard K/2 --campaign C)"
        )
        username, password = read_credentials(lab.paths.credentials)
        credentials = Credentials(username, password)
        _demo_survey(project, credentials, len(lab.ports))
        out.print(f"[7/{steps}] classify every network and line (govnet classify)")
        stored = _demo_classify(project)
        classified = stored.result
        render_breaches(classified.breaches)
        targets = Counter(v.target.value for v in classified.networks)
        out.print(
            f"      classification {stored.classify_run_id}: {len(classified.networks)}"
            f" networks, {len(classified.lines)} lines; networks by target: "
            + ", ".join(f"{t} {n}" for t, n in sorted(targets.items()))
        )
        out.print(f"[8/{steps}] internet exits (govnet exits)")
        own = [u for u in classified.units if u.own_exit]
        out.print(
            f"      {len(classified.exits)} exits; {len(own)} units with their own exit"
            f" (not compliant): {', '.join(u.unit for u in own)}"
        )
        out.print(
            f"[9/{steps}] cutover plans for every unit with something to change (govnet plan --all)"
        )
        written = make_plans(project, [], None)
        steps_total = sum(len(w.plan.steps) for w in written)
        saving = sum(w.plan.annual_saving for w in written)
        out.print(
            f"      {len(written)} plans, {steps_total} steps; lines to cancel save"
            f" {saving:,.0f} CNY a year; {sum(bool(w.plan.blocked) for w in written)} plans"
            " wait for an extranet access line"
        )
        chosen = _demo_plan(written)
        if chosen is not None:
            out.print(
                f"[10/{steps}] push plan {chosen.plan_id} ({chosen.plan.unit}) to the lab,"
                " host by host (govnet push --commit), and survey again"
            )
            pushed = _demo_push(project, chosen, credentials)
    finally:
        if not keep_lab:
            stop_lab(project.root)
    out.print(
        f"[11/{steps}] reports: coverage down to towns, progress over the two surveys, exits,"
        " lines, the statistics workbook and the web page (govnet report all)"
    )
    coverage, progress, coverage_dir = _demo_reports(project)
    top = coverage.rows[0]
    out.print(
        f"      {top.name}: {top.connected}/{top.units} units connected,"
        f" {top.towns_covered}/{top.towns} towns covered"
    )
    now = progress.total
    out.print(
        f"      {now.networks} business networks: {now.migrated} migrated, {now.retained}"
        f" retained, {now.remaining} remaining; own exits closed {now.exits_closed}/"
        f"{now.exits_found}; {sum(d.overdue for d in progress.deadlines)} deadline(s) overdue"
    )
    out.print(f"demo project: {project.root}")
    out.print(f"  store:        {project.display_db_url}")
    out.print(f"  ledger:       {ledger}")
    out.print(f"  ground truth: {project.root / 'lab' / 'ground_truth.yaml'}")
    out.print(f"  survey:       govnet --project {project.root} survey show jlp-dsj-core1")
    out.print(f"  classify:     govnet --project {project.root} classify --show all")
    out.print(f"  why:          govnet --project {project.root} explain jlp-gongan")
    out.print(f"  exits:        govnet --project {project.root} exits")
    out.print(f"  plans:        {project.root / 'reports' / 'plans'}/*/plan.md (and plan.html)")
    out.print(f"  web page:     {coverage_dir / 'index.html'} (one file, opens offline)")
    out.print(f"  reports:      {coverage_dir}/ (statistics.xlsx; every table as csv and json)")
    for line in pushed:
        out.print(f"  {line}", markup=False)
    if keep_lab:
        out.print(
            f"  lab running:  source {lab.paths.credentials}; stop it with"
            f" `govnet lab down --project {project.root}`"
        )


def _demo_classify(project: Project) -> Any:
    return classify_project(project)


def _demo_reports(project: Project) -> tuple[Any, Any, Path]:
    from govnet.app.reports import load_reports, write_reports
    from govnet.reports.files import ALL_FORMATS

    reports = load_reports(project)
    folder, _ = write_reports(project, reports, ALL_FORMATS)
    return reports.coverage, reports.progress, folder


def _demo_plan(written: list[WrittenPlan]) -> WrittenPlan | None:
    """The plan that shows the most: a vertical network to carry, an own exit to close."""

    def score(w: WrittenPlan) -> tuple[bool, bool, int]:
        approaches = {s.approach for s in w.plan.steps}
        return ("dedicated_vpn" in approaches, "close_exit" in approaches, -w.plan_id)

    ready = [w for w in written if w.plan.steps and not w.plan.blocked]
    return max(ready, key=score) if ready else None


def _demo_survey(project: Project, credentials: Any, routers: int) -> None:
    """Two collectors, each its half of the inventory, into the one store at once: one
    campaign, every host once."""
    from concurrent.futures import ThreadPoolExecutor

    from govnet.survey import SurveyOptions, get_campaign_name

    campaign = get_campaign_name()

    def collector(k: int) -> Any:
        return survey(project, credentials, SurveyOptions(campaign=campaign, shard=(k, 2)))

    with ThreadPoolExecutor(2) as pool:
        summaries = list(pool.map(collector, (1, 2)))
    for k, summary in enumerate(summaries, 1):
        out.print(
            f"      collector {k}/2: survey run {summary.run_id}, {summary.done}/{summary.hosts}"
            f" hosts in {summary.seconds:.1f} s, {summary.by_status.get('ok', 0)} ok"
        )
        if summary.any_failed:
            render_survey_summary(summary)
    hosts = get_campaign_hosts(project, campaign)
    results = sum(summary.done for summary in summaries)
    once = "each once" if results == len(hosts) else f"{results} results"
    out.print(f"      campaign {campaign}: {len(hosts)}/{routers} hosts, {once}")


def _demo_push(project: Project, chosen: WrittenPlan, credentials: Any) -> list[str]:
    """Push every host of the plan in order, survey again, say what changed; the lines
    that tell the user how to undo it."""
    plan = chosen.plan
    hosts = sorted(plan.hosts, key=lambda h: min(s.number for s in plan.steps if s.host == h))
    for host in hosts:
        result = push(project, str(chosen.plan_id), host, credentials, commit=True)
        held = sum(h for _, h, _ in result.checks)
        out.print(
            f"      {host}: {result.result}, {len(result.lines)} lines,"
            f" {held}/{len(result.checks)} checks hold"
            + (f" ({result.reason})" if result.reason else ""),
            markup=False,
        )
        if not result.ok:
            raise UserError(f"the demo push to {host} failed: {result.reason}")
    summary = survey(project, credentials)
    out.print(f"      survey run {summary.run_id}: {summary.done}/{summary.hosts} hosts")
    after = _demo_classify(project).result
    for network in after.networks:
        if network.unit == plan.unit and network.rule == "migrated":
            out.print(f"      {network.key}: migrated ({network.reason})", markup=False)
    unit = next(u for u in after.units if u.unit == plan.unit)
    out.print(
        f"      {plan.unit}: access class {unit.category},"
        f" own internet exit: {'yes' if unit.own_exit else 'none'}"
    )
    undo = " ; ".join(
        f"govnet --project {project.root} push {chosen.plan_id} --host {h} --rollback --commit"
        for h in reversed(hosts)
    )
    return [f"pushed:       plan {chosen.plan_id} ({plan.unit}); undo with: {undo}"]
