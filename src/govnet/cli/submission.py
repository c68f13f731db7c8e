"""`govnet submission`: a county's month handed to the province as one checked file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govnet.cli.common import (
    JsonOpt,
    WideOpt,
    app,
    get_options,
    handles_errors,
    out,
    print_json,
    render_view,
)

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


@submission_app.command("list")
@handles_errors
def submission_list(
    ctx: typer.Context,
    period: Annotated[
        str | None,
        typer.Option("--period", help="The month, YYYY-MM (default: the newest any county sent)."),
    ] = None,
    division: Annotated[
        str | None,
        typer.Option(
            "--division",
            help="The division whose counties are listed (default: the store's).",
        ),
    ] = None,
    due_day: Annotated[
        int,
        typer.Option("--due-day", help="A month's file is due by this day of the month after."),
    ] = 25,
    wide: WideOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Per county of this (the province's) store: the month's file, when it was imported,
    by whom, its checksum; late (逾期上报) or missing (未上报)."""
    from govnet.app.province import MISSING, list_submissions
    from govnet.reports.base import ViewColumn, ViewLine, ViewTable

    listed = list_submissions(get_options(ctx).get_project(), period, division, due_day)
    if as_json:
        print_json(listed.to_dict())
        return
    headers = ["县级区划", "代码", "上报情况", "导入时间", "导入人", "文件", "校验和"]
    rows = [
        [
            e.name,
            e.county,
            e.status if e.status != MISSING or not e.latest else f"{e.status}（最近 {e.latest}）",
            e.imported_at.strftime("%Y-%m-%d %H:%M") if e.imported_at else "—",
            e.imported_by or "—",
            e.file_name or "—",
            (e.checksum or "—").removeprefix("sha256:")[:12],
        ]
        for e in listed.entries
    ]
    counts = {s: sum(e.status == s for e in listed.entries) for s in ("按时上报", "逾期上报")}
    title = (
        f"{listed.division_name} {listed.period} 县级上报情况（截止 {listed.due:%Y-%m-%d}）："
        f"按时 {counts['按时上报']}，逾期 {counts['逾期上报']}，"
        f"未上报 {len(listed.entries) - sum(counts.values())}，共 {len(listed.entries)}"
    )
    columns = [ViewColumn(h, no_wrap=h in ("代码", "导入时间", "校验和")) for h in headers]
    render_view([ViewTable(title, columns, rows), ViewLine.plain("校验和：SHA-256 前 12 位")], wide)
