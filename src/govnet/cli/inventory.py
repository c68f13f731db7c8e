"""`govnet inventory`: check, load, import and export the inventory and the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from govnet.cli.common import (
    EXIT_ERROR,
    JsonOpt,
    app,
    err,
    get_options,
    handles_errors,
    out,
    print_json,
    print_problems,
)
from govnet.cli.tables import Col, print_table
from govnet.model.problems import has_errors
from govnet.store import SyncResult

inventory_app = typer.Typer(
    help="Check, load, import and export the inventory and ledger.", no_args_is_help=True
)


app.add_typer(inventory_app, name="inventory")


@inventory_app.command("check")
@handles_errors
def inventory_check(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Validate every inventory file; one line per problem, non-zero exit on any error."""
    from govnet.app.inventory import check_inventory

    project = get_options(ctx).get_project()
    inventory, problems = check_inventory(project)
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
    from govnet.app.inventory import load_inventory

    project = get_options(ctx).get_project()
    loaded = load_inventory(project)
    result, summary = loaded.sync, loaded.summary
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
    for problem in loaded.problems:
        err.print(str(problem), markup=False)
    out.print(f"store: {project.display_db_url}")
    out.print(describe_sync(result))
    render_summary(summary)


def describe_sync(result: SyncResult) -> str:
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
    table: list[list[str]] = []
    for division in summary["divisions"]:
        table.append(["division", f"{division['name']} {division['code']}"])
    for kind, n in sorted(summary["units"].items()):
        table.append([f"units: {kind}", str(n)])
    table.append(["units carrying classified business", str(summary["classified_units"])])
    for platform, n in sorted(summary["devices"].items()):
        table.append([f"devices: {platform}", str(n)])
    for kind, n in sorted(summary["lines"].items()):
        table.append([f"lines: {kind}", str(n)])
    table.append(["ledger fees per year (CNY)", f"{summary['annual_fees']:,.2f}"])
    table.append(
        [
            "towns with a unit / all towns",
            f"{summary['towns_with_unit']} / {summary['towns_total']}",
        ]
    )
    print_table(out, [Col("what"), Col("count", "right", keep=True)], table, "inventory")


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
    """Replace inventory/lines.yaml with a ledger spreadsheet (台账), if every row is valid;
    a workbook from `inventory template` replaces units, devices and the ledger together."""
    from govnet.app.inventory import import_ledger_file, is_inventory_book

    if sheet is None and is_inventory_book(file):  # --sheet: that sheet as a ledger alone
        import_book_file(ctx, file, dry_run, as_json)
        return
    result = import_ledger_file(get_options(ctx).get_project(), file, sheet, dry_run)
    if as_json:
        print_json(
            {
                "rows": result.rows,
                "sheet": result.sheet,
                "added": result.added,
                "changed": result.changed,
                "removed": result.removed,
                "written": result.written,
                "columns_used": [
                    {"field": name, "column": column, "yuan_per_unit": float(scale)}
                    for name, column, scale in result.used
                ],
                "columns_ignored": list(result.ignored),
                "rows_skipped": [{"row": row, "text": text} for row, text in result.skipped],
                "merged_filled": list(result.merged),
            }
        )
        return
    where = f"sheet '{result.sheet}' of {file}" if result.sheet else str(file)
    for name, column, scale in result.used:
        unit = f" (x{scale:,.0f} yuan)" if scale != 1 else ""
        out.print(f"  read    {column} -> {name}{unit}", markup=False)
    for column in result.ignored:
        out.print(f"  ignored {column} (not a ledger field)", markup=False)
    for row, text in result.skipped:
        out.print(f"  skipped row {row}: {text}", markup=False)
    if result.merged:
        out.print(f"  merged cells filled down: {', '.join(result.merged)}", markup=False)
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
    from govnet.app.inventory import export_ledger_file

    rows = export_ledger_file(get_options(ctx).get_project(), file)
    out.print(f"wrote {rows} lines to {file}")


def import_book_file(ctx: typer.Context, file: Path, dry_run: bool, as_json: bool) -> None:
    from govnet.app.inventory import import_inventory_book

    project = get_options(ctx).get_project()
    result = import_inventory_book(project, file, dry_run)
    if as_json:
        print_json(
            {
                "units": result.units,
                "devices": result.devices,
                "lines": result.lines,
                "ledger_kept": result.ledger_kept,
                "written": result.written,
                "warnings": [p.to_dict() for p in result.warnings],
            }
        )
        return
    for problem in result.warnings:
        err.print(str(problem), markup=False)
    ledger = "no ledger sheet: lines kept" if result.ledger_kept else f"{result.lines} lines"
    out.print(f"read {file}: {result.units} units, {result.devices} devices, {ledger}")
    out.print(
        "inventory/units.yaml, the hosts file and inventory/lines.yaml written"
        if result.written
        else "dry run: nothing written"
    )


@inventory_app.command("template")
@handles_errors
def inventory_template(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Workbook to write (.xlsx).")],
) -> None:
    """Write the inventory workbook: sheets 单位, 设备 and 专线台账 with the project's rows,
    Chinese headers, drop-downs and a 填写说明 sheet; fill it in, then `inventory import` it."""
    from govnet.app.inventory import write_inventory_template

    counts = write_inventory_template(get_options(ctx).get_project(), file)
    rows = ", ".join(f"{sheet} {n}" for sheet, n in counts.items())
    out.print(f"wrote {file} (rows: {rows}); fill it in, then: govnet inventory import {file}")
