"""`govnet report`: each report of the registry (govnet.reports) and all of them at once.

A report's command writes its files, then prints its JSON or draws its terminal view (tables
and lines given as data by the report) and names the files. `coverage` and `all` take more
options and are declared here; every other report gets `govnet report <name> [--format]
[--json]` from the registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from govnet.app.project import Project
from govnet.app.reports import (
    check_province_period,
    is_province,
    load_coverage,
    load_province,
    load_reports,
    write_report_files,
    write_reports,
)
from govnet.cli.common import (
    ClassificationOpt,
    DivisionOpt,
    FormatOpt,
    JsonOpt,
    LevelOpt,
    UserError,
    WideOpt,
    app,
    get_options,
    handles_errors,
    out,
    print_json,
    render_view,
)
from govnet.model.divisions import Level
from govnet.reports import get_registry, get_report, get_shown
from govnet.reports.base import ReportSpec
from govnet.reports.bundle import Reports
from govnet.reports.files import ALL_FORMATS, get_formats

report_app = typer.Typer(help="Coverage, progress, exits and lines reports.", no_args_is_help=True)


report_app.info.name = "report"
app.add_typer(report_app, name="report")

PeriodOpt = Annotated[
    str | None,
    typer.Option(
        "--period",
        help="A province store: the month of the counties' submissions, YYYY-MM (default: "
        "the newest any county sent).",
    ),
]


def show_reports(
    reports: Reports,
    shown: Sequence[ReportSpec[Any]],
    as_json: bool,
    written: list[Path],
    wide: bool = False,
) -> None:
    """The first report's JSON, or every shown report's view and the files written."""
    if as_json:
        print_json(reports.data_of(shown[0]))
        return
    for report in shown:
        render_view(report.view(reports.rows_of(report), reports.data_of(report)), wide)
    for path in written:
        out.print(f"written: {path}", markup=False)


def add_report_command(name: str) -> None:
    """`govnet report <name> [--format csv,json] [--json]` for a report of the registry."""
    report = get_report(name)

    def command(
        ctx: typer.Context,
        formats: FormatOpt = None,
        period: PeriodOpt = None,
        wide: WideOpt = False,
        as_json: JsonOpt = False,
    ) -> None:
        wanted = get_formats(formats)
        project = get_options(ctx).get_project()
        if is_province(project):  # county submissions: the roll-up by county
            reports, shown = load_province(project, [name], period)
        else:
            if period is not None:
                check_province_period(period, ())
            shown = get_shown(name)
            reports = load_reports(project, registry=shown)
        written = write_report_files(project, reports, shown, wanted)
        show_reports(reports, shown, as_json, written, wide)

    command.__name__ = f"report_{name.replace('-', '_')}"
    report_app.command(name, help=report.help)(handles_errors(command))


# The commands in the order `govnet report --help` lists them.
add_report_command("exits")
add_report_command("lines")


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
    period: PeriodOpt = None,
) -> None:
    """Every report's files at once (coverage, progress, exits, lines), the statistics
    workbook (statistics.xlsx, a sheet per topic, ready to print) and the web page
    (index.html, one self-contained file). On a province store: coverage, progress, exits
    and lines by county for the month, without the web page."""
    from govnet.reports.webpage import LANGS

    wanted = get_formats(formats, ALL_FORMATS)
    if lang not in LANGS:
        raise UserError(f"--lang: {lang!r} is not one of {', '.join(LANGS)}")
    project = get_options(ctx).get_project()
    if is_province(project):
        report_province(project, wanted, division, level, period)
        return
    if period is not None:
        check_province_period(period, ())
    reports = load_reports(project, division, level)
    folder, written = write_reports(project, reports, wanted, lang)
    top = reports.coverage.rows[0]
    out.print(
        f"{top.name}: {top.connected}/{top.units} units connected,"
        f" {top.towns_covered}/{top.towns} towns covered; {len(written)} files in {folder}",
        markup=False,
    )


def report_province(
    project: Project,
    formats: list[str],
    division: str | None,
    level: Level,
    period: str | None,
) -> None:
    """`report all` on a province store: its reports by county, the workbook with them."""
    reports, shown = load_province(project, period=period, division=division, level=level)
    if "html" in formats:
        formats = [f for f in formats if f != "html"]
        out.print("index.html: not made on a province store (the workbook has it all)")
    folder, written = write_reports(project, reports, formats, registry=shown)
    top = reports.coverage.rows[0]
    out.print(
        f"{top.name} {reports.coverage.period}: 已上报 {top.counties_reported}/{top.counties}"
        f" 个县级区划; {len(written)} files in {folder}",
        markup=False,
    )


add_report_command("progress")


@report_app.command("coverage")
@handles_errors
def report_coverage(
    ctx: typer.Context,
    level: LevelOpt = Level.TOWN,
    division: DivisionOpt = None,
    formats: FormatOpt = None,
    classification: ClassificationOpt = None,
    period: PeriodOpt = None,
    wide: WideOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Extranet coverage per division down to towns: units that should connect, connected
    (marked when only the ledger shows it), rate, towns and villages covered of total. On a
    province store: the counties' submissions for a month, 未上报 for a silent county."""
    wanted = get_formats(formats)
    project = get_options(ctx).get_project()
    reports = load_coverage(project, classification, division, level, period)
    shown = [get_report("coverage")]
    written = write_report_files(project, reports, shown, wanted)
    show_reports(reports, shown, as_json, written, wide)


def add_registry_commands() -> None:
    """A command for each report of the registry that has none yet and is not shown with
    another: a new report needs nothing more than its module."""
    declared = {command.name for command in report_app.registered_commands}
    for report in get_registry():
        if report.shown_with is None and report.name not in declared:
            add_report_command(report.name)


add_registry_commands()
