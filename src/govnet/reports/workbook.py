"""The monthly statistics table (月度统计表): one Excel workbook, a sheet per topic, in the
shape a leading group asks for and ready to print. Each report of the registry gives its
sheets as data (:class:`~govnet.reports.base.SheetSpec`); this lays them out.

Each sheet: a title row, a row saying where the figures come from, the header (frozen, bold,
repeated on every printed page), the rows, and totals rows in bold. Counts and fees are
numbers with thousands separators, rates are percentages; landscape, fitted to the page width.
Text from inventories or devices is written as text, never a formula.
"""

from __future__ import annotations

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
from govnet.reports.base import ReportSpec, SheetContext, SheetSpec
from govnet.reports.bundle import Reports

HEADER_ROW = 3
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


def write_sheet(sheet: Worksheet, spec: SheetSpec) -> None:
    sheet.title = spec.title
    width = len(spec.columns)
    last = get_column_letter(width)
    sheet.cell(row=1, column=1, value=spec.heading).font = Font(bold=True, size=14)
    sheet.merge_cells(f"A1:{last}1")
    sheet.cell(row=2, column=1, value=spec.source).font = Font(italic=True, color="555555")
    sheet.merge_cells(f"A2:{last}2")
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
            if is_total:
                cell.font = Font(bold=True)
                cell.border = Border(top=THIN)
            elif offset in spec.highlight:
                cell.fill = OVERDUE_FILL
    for col, column in enumerate(spec.columns, start=1):
        cells = [r[col - 1] for r in [*spec.rows, *spec.totals]]
        widest = max([get_display_width(column.header), *(get_display_width(c) for c in cells)])
        sheet.column_dimensions[get_column_letter(col)].width = min(max(widest + 2, 8), 50)
    sheet.freeze_panes = f"A{first}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.oddFooter = HeaderFooterItem(center=_Footer("第 &P 页，共 &N 页"))


def write_workbook(path: Path, sheets: Sequence[SheetSpec]) -> None:
    """The workbook written to a temporary file beside ``path``, then renamed into place."""
    workbook = Workbook()
    for index, spec in enumerate(sheets):
        sheet = workbook.worksheets[0] if index == 0 else workbook.create_sheet()
        write_sheet(sheet, spec)
    write_atomically_with(path, workbook.save)


def reports_to_sheets(reports: Reports, registry: Sequence[ReportSpec[Any]]) -> list[SheetSpec]:
    """Each report's sheets in the registry's order, headed with the place reported on and
    where the figures come from."""
    coverage = reports.coverage
    when = reports.made_at.strftime("%Y-%m-%d %H:%M")
    where = SheetContext(
        coverage.root_name,
        f"数据来源：采集批次 {coverage.survey_run_id}，分类 {coverage.classify_run_id}；"
        f"生成时间 {when}（govnet）",
    )
    return [
        sheet
        for report in registry
        for sheet in report.sheets(reports.rows_of(report), reports.data_of(report), where)
    ]
