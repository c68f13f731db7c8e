"""`govnet report`: coverage, progress, exits, lines and all of them at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from govnet.app.project import Project
from govnet.cli.classify import render_breaches
from govnet.cli.common import (
    ClassificationOpt,
    DivisionOpt,
    FormatOpt,
    JsonOpt,
    LevelOpt,
    UserError,
    app,
    get_options,
    handles_errors,
    out,
    print_json,
)
from govnet.model.divisions import (
    Level,
    get_bundled_tree,
)

report_app = typer.Typer(help="Coverage, progress, exits and lines reports.", no_args_is_help=True)


report_app.info.name = "report"
app.add_typer(report_app, name="report")


def _load_reports(
    ctx: typer.Context, division: str | None = None, level: Level = Level.TOWN
) -> tuple[Project, Any]:
    project = get_options(ctx).get_project()
    return project, get_reports(project, division, level)


def get_reports(project: Project, division: str | None = None, level: Level = Level.TOWN) -> Any:
    """Every report's data from the project's store and policy (the report commands, the demo)."""
    from govnet.model.policy import load_policy
    from govnet.reports.files import load_reports

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
    from govnet.reports.files import get_formats, write_table

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
    from govnet.reports.files import get_report_dir

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
    from govnet.reports.files import ALL_FORMATS, get_formats, write_reports
    from govnet.reports.webpage import LANGS

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
    from govnet.reports.files import get_formats, write_progress

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
    from govnet.reports.coverage import coverage_from_store
    from govnet.reports.files import get_formats, write_table

    wanted = get_formats(formats)
    project = get_options(ctx).get_project()
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
