"""`govnet submission`: a county's month handed to the province as one checked file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govnet.cli.common import JsonOpt, app, get_options, handles_errors, out, print_json

submission_app = typer.Typer(
    help="A county's month for the province: export it as one file, import it there.",
    no_args_is_help=True,
)
app.add_typer(submission_app, name="submission")

FileArg = Annotated[Path, typer.Argument(help="The submission file (JSON).")]


@submission_app.command("export")
@handles_errors
def submission_export(
    ctx: typer.Context,
    file: FileArg,
    period: Annotated[
        str | None,
        typer.Option("--period", help="The month, YYYY-MM (default: the latest survey's)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the county's latest survey, classification, ledger and plans as one checked file."""
    from govnet.app.submission import export_submission

    done = export_submission(get_options(ctx).get_project(), file, period)
    if as_json:
        print_json(done.to_dict())
        return
    out.print(
        f"{done.path}: {done.county} {done.county_name} {done.period}，"
        f"{done.units} 个单位、{done.hosts} 台设备、{done.lines} 条台账线路、{done.plans} 个方案",
        markup=False,
    )


@submission_app.command("import")
@handles_errors
def submission_import(
    ctx: typer.Context,
    file: FileArg,
    division: Annotated[
        str | None,
        typer.Option(
            "--division",
            help="The division this store collects (default: that of its inventory's units).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Load a county's file into this (the province's) store; refuse a changed or foreign one."""
    from govnet.app.submission import import_submission

    done = import_submission(get_options(ctx).get_project(), file, division)
    if as_json:
        print_json(done.to_dict())
        return
    said = {"added": "已导入", "replaced": "已更新（同月重报）", "unchanged": "未变（同一文件）"}
    out.print(
        f"{done.county} {done.county_name} {done.period}：{said[done.outcome]}，"
        f"{done.units} 个单位",
        markup=False,
    )
