"""The monthly statistics table (月度统计表): one Excel workbook, a sheet per topic, in the
shape a leading group asks for and ready to print. Each report of the registry gives its
sheets as data (:class:`~govnet.reports.base.SheetSpec`); this lays them out.

Each sheet: a title row, the submitting office's row (填报单位（盖章）, 表号), a row saying
where the figures come from, the header (frozen, bold, repeated on every printed page), the
rows, totals rows in bold, and the signature block (填报人, 审核人, 联系电话, 填报日期) as
the project's settings fill it in (playbooks/settings.yaml; empty cells, underlined, for a pen
when they do not). Counts and fees are numbers with thousands separators, rates are
percentages, dates are date cells; landscape, fitted to the page width. Text from
inventories or devices is written as text, never a formula.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.header_footer import _HeaderFooterPart as _Footer
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from govnet.model.files import write_atomically_with
from govnet.model.labels import DATE_FORMAT_XLSX, format_date, format_datetime
from govnet.model.settings import Statistics
from govnet.reports.base import ReportSpec, SheetContext, SheetSpec
from govnet.reports.bundle import Reports

OFFICE_ROW, SOURCE_ROW, HEADER_ROW = 2, 3, 4
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
OVERDUE_FILL = PatternFill("solid", fgColor="F8CBAD")
THIN = Side(style="thin", color="999999")


def get_display_width(value: object) -> int:
    """Columns a cell's text takes: CJK characters count two.

    >>> get_display_width("九龙坡区"), get_display_width(1234.5)
    (8, 8)
    """
    text = f"{value:,.2f}" if isinstance(value, float) else "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_sheet(
    sheet: Worksheet,
    spec: SheetSpec,
    block: Statistics | None = None,
    number: int = 1,
    day: dt.date | None = None,
) -> None:
    """One sheet; ``block``: the office's header and signature block, ``number`` the
    sheet's (its 表号), ``day`` the 填报日期 when the settings give none."""
    block = block or Statistics()
    sheet.title = spec.title
    width = len(spec.columns)
    last = get_column_letter(width)
    sheet.cell(row=1, column=1, value=spec.heading).font = Font(bold=True, size=14)
    sheet.merge_cells(f"A1:{last}1")
    sheet.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    _write_office_row(sheet, width, block, number)
    source = sheet.cell(row=SOURCE_ROW, column=1, value=spec.source)
    source.font = Font(italic=True, color="555555")
    sheet.merge_cells(f"A{SOURCE_ROW}:{last}{SOURCE_ROW}")
    for col, column in enumerate(spec.columns, start=1):
        head = sheet.cell(row=HEADER_ROW, column=col, value=column.header)
        head.font = Font(bold=True)
        head.fill = HEADER_FILL
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        head.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
    first = HEADER_ROW + 1
    for offset, values in enumerate([*spec.rows, *spec.totals]):
        row = first + offset
        is_total = offset >= len(spec.rows)
        for col, (column, value) in enumerate(zip(spec.columns, values, strict=True), start=1):
            cell = sheet.cell(row=row, column=col)
            if value is None:
                continue
            if isinstance(value, str):
                cell.value = value
                cell.data_type = "s"  # "=..." from a ledger stays text, never a formula
            else:
                cell.value = value
                cell.number_format = column.number_format
            if column.wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif col - 1 == spec.indent_column and offset < len(spec.indents):
                cell.alignment = Alignment(indent=spec.indents[offset])
            if is_total:
                cell.font = Font(bold=True)
                cell.border = Border(top=THIN)
            elif offset in spec.highlight:
                cell.fill = OVERDUE_FILL
    for col, column in enumerate(spec.columns, start=1):
        cells = [r[col - 1] for r in [*spec.rows, *spec.totals]]
        widest = max([get_display_width(column.header), *(get_display_width(c) for c in cells)])
        if column.wrap:  # free text by hand: room for a sentence or two
            widest = max(widest, 30)
        indent = max(spec.indents, default=0) * 2 if col - 1 == spec.indent_column else 0
        sheet.column_dimensions[get_column_letter(col)].width = min(max(widest + indent + 2, 8), 50)
    _write_signatures(sheet, first + len(spec.rows) + len(spec.totals) + 1, width, block, day)
    sheet.freeze_panes = f"A{first}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.oddFooter = HeaderFooterItem(center=_Footer("第 &P 页，共 &N 页"))


def _write_office_row(sheet: Worksheet, width: int, block: Statistics, number: int) -> None:
    """填报单位（盖章）on the left, 表号 on the right (on the same row, as forms have them)."""
    office = sheet.cell(row=OFFICE_ROW, column=1, value=f"填报单位（盖章）：{block.unit or ''}")
    form = f"表号：{block.get_form_number(number)}"
    if width >= 4:
        sheet.merge_cells(
            start_row=OFFICE_ROW, start_column=1, end_row=OFFICE_ROW, end_column=width - 2
        )
        cell = sheet.cell(row=OFFICE_ROW, column=width - 1, value=form)
        sheet.merge_cells(
            start_row=OFFICE_ROW, start_column=width - 1, end_row=OFFICE_ROW, end_column=width
        )
        cell.alignment = Alignment(horizontal="right")
    else:
        office.value = f"{office.value}　　{form}"
    office.data_type = "s"


# The signature block: (label, the settings' field); the date is a date cell.
SIGNATURES = (
    ("填报人：", "preparer"),
    ("审核人：", "reviewer"),
    ("联系电话：", "phone"),
    ("填报日期：", "date"),
)


def _write_signatures(
    sheet: Worksheet, row: int, width: int, block: Statistics, day: dt.date | None
) -> None:
    """Label and value cells in pairs, as many pairs to a row as the sheet is wide; an empty
    value is an underlined cell to sign or write in."""
    per_row = max(1, width // 2)
    for index, (label, name) in enumerate(SIGNATURES):
        at_row = row + index // per_row
        col = 1 + 2 * (index % per_row)
        sheet.cell(row=at_row, column=col, value=label).font = Font(bold=True)
        value = getattr(block, name)
        if name == "date":
            value = value or day
        cell = sheet.cell(row=at_row, column=col + 1)
        cell.border = Border(bottom=THIN)
        if isinstance(value, dt.date):
            cell.value = value
            cell.number_format = DATE_FORMAT_XLSX
            cell.alignment = Alignment(horizontal="left")
        elif value:
            cell.value = value
            cell.data_type = "s"


def write_workbook(
    path: Path,
    sheets: Sequence[SheetSpec],
    block: Statistics | None = None,
    day: dt.date | None = None,
) -> None:
    """The workbook written to a temporary file beside ``path``, then renamed into place;
    ``block`` and ``day`` fill each sheet's office row and signature block."""
    workbook = Workbook()
    for index, spec in enumerate(sheets):
        sheet = workbook.worksheets[0] if index == 0 else workbook.create_sheet()
        write_sheet(sheet, spec, block, index + 1, day)
    write_atomically_with(path, workbook.save)


def reports_to_sheets(reports: Reports, registry: Sequence[ReportSpec[Any]]) -> list[SheetSpec]:
    """Each report's sheets in the registry's order, headed with the place reported on and
    where the figures come from."""
    where = SheetContext(reports.coverage.root_name, get_source(reports), reports.settings)
    return [
        sheet
        for report in registry
        for sheet in report.sheets(reports.rows_of(report), reports.data_of(report), where)
    ]


def get_source(reports: Reports) -> str:
    """Where the figures come from, by date (never a run id): the survey's day and when the
    report was made, in the project's time zone."""
    settings, coverage = reports.settings, reports.coverage
    zone = "北京时间" if settings.timezone == "Asia/Shanghai" else settings.timezone
    made = format_datetime(settings.local(reports.made_at))
    if coverage.period is not None:  # a province store: its counties' submissions
        return f"数据来源：各县级区划{coverage.period}上报数据；生成时间：{made}（{zone}）"
    if coverage.survey_at is None:
        return f"生成时间：{made}（{zone}）"
    surveyed = format_date(settings.local(coverage.survey_at))
    return f"数据来源：{surveyed}网络设备采集及分类结果；生成时间：{made}（{zone}）"
