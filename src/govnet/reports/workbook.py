"""The monthly statistics table (月度统计表): one Excel workbook, a sheet per topic, in the
shape a leading group asks for and ready to print.

Each sheet: a title row, a row saying where the figures come from, the header (frozen, bold,
repeated on every printed page), the rows, and totals rows in bold. Counts and fees are
numbers with thousands separators, rates are percentages; landscape, fitted to the page width.
Text from inventories or devices is written as text, never a formula.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.header_footer import _HeaderFooterPart as _Footer
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from govnet.model.files import write_atomically_with
from govnet.model.labels import LEVEL_NAMES, STATUS_NAMES, target_label

if TYPE_CHECKING:
    from govnet.reports.files import Reports

COUNT, MONEY, RATE, TEXT = "#,##0", "#,##0.00", "0.0%", "@"
HEADER_ROW = 3
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
OVERDUE_FILL = PatternFill("solid", fgColor="F8CBAD")
THIN = Side(style="thin", color="999999")


@dataclass(frozen=True)
class Column:
    header: str
    number_format: str = TEXT


@dataclass
class SheetSpec:
    title: str  # the sheet tab (at most 31 characters)
    heading: str  # row 1
    source: str  # row 2: where the figures come from
    columns: list[Column]
    rows: list[list[Any]]
    totals: list[list[Any]] = field(default_factory=list)  # bold rows after the data
    highlight: list[int] = field(default_factory=list)  # data rows (0-based) to fill red


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


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def reports_to_sheets(reports: Reports) -> list[SheetSpec]:
    """The statistics table's sheets: coverage, business networks, exits, lines and fees,
    the trend, and the deadlines with the overdue ones highlighted."""
    coverage, progress = reports.coverage, reports.progress
    when = reports.made_at.strftime("%Y-%m-%d %H:%M")
    source = (
        f"数据来源：采集批次 {coverage.survey_run_id}，分类 {coverage.classify_run_id}；"
        f"生成时间 {when}（govnet）"
    )
    place = coverage.root_name
    villages = any(r.villages for r in coverage.rows)
    columns = [
        Column("区划代码"),
        Column("区划名称"),
        Column("层级"),
        Column("应接入单位数", COUNT),
        Column("已接入单位数", COUNT),
        Column("其中仅台账", COUNT),
        Column("单位接入率", RATE),
        Column("乡镇（街道）数", COUNT),
        Column("已覆盖乡镇（街道）", COUNT),
        Column("乡镇覆盖率", RATE),
    ]
    if villages:
        columns += [
            Column("村（社区）数", COUNT),
            Column("已覆盖村（社区）", COUNT),
            Column("村覆盖率", RATE),
        ]
    rows = []
    for r in coverage.rows:
        row = [
            r.code,
            "　" * r.depth + r.name,
            LEVEL_NAMES[r.level.value] if r.level else "全国",
            r.units,
            r.connected,
            r.connected_by_ledger,
            r.rate,
            r.towns,
            r.towns_covered,
            r.town_rate,
        ]
        if villages:
            row += [r.villages, r.villages_covered, r.village_rate]
        rows.append(row)
    sheets = [
        SheetSpec("覆盖情况", f"电子政务外网覆盖情况统计表（{place}）", source, columns, rows)
    ]

    tally_columns = [
        Column("发现业务专网", COUNT),
        Column("已迁移", COUNT),
        Column("保留", COUNT),
        Column("待撤销", COUNT),
        Column("已关闭", COUNT),
        Column("待整合", COUNT),
        Column("整合完成率", RATE),
        Column("自建出口", COUNT),
        Column("已关闭出口", COUNT),
        Column("已撤销线路", COUNT),
        Column("年节省（元）", MONEY),
        Column("待节省（元/年）", MONEY),
    ]

    def tally_cells(t: Any) -> list[Any]:
        return [
            t.networks,
            t.migrated,
            t.retained,
            t.to_cancel,
            t.closed,
            t.remaining,
            t.networks_done,
            t.exits_found,
            t.exits_closed,
            t.lines_cancelled,
            float(t.annual_saved),
            float(t.monthly_to_save * 12),
        ]

    units = [
        u
        for u in progress.units
        if u.tally.networks
        or u.tally.exits_found
        or u.tally.lines_cancelled
        or u.tally.monthly_to_save
    ]
    total = progress.total
    sheets.append(
        SheetSpec(
            "业务专网整合",
            f"业务专网整合进度表（{place}）",
            source,
            [Column("单位"), Column("区划代码"), *tally_columns],
            [[u.name, u.division_code, *tally_cells(u.tally)] for u in units],
            [["合计", None, *tally_cells(total)]],
        )
    )
    divisions = reports.progress_data()["divisions"]
    sheets.append(
        SheetSpec(
            "区划汇总",
            f"业务专网整合进度（按区划汇总，{place}）",
            source,
            [Column("区划代码"), Column("区划名称"), Column("层级"), *tally_columns],
            [
                [
                    d["code"],
                    d["name"],
                    LEVEL_NAMES[d["level"]],
                    d["networks"],
                    d["migrated"],
                    d["retained"],
                    d["to_cancel"],
                    d["closed"],
                    d["remaining"],
                    _rate(d["migrated"] + d["retained"] + d["closed"], d["networks"]),
                    d["exits_found"],
                    d["exits_closed"],
                    d["lines_cancelled"],
                    d["annual_saved"],
                    d["monthly_to_save"] * 12,
                ]
                for d in divisions
            ],
        )
    )
    sheets.append(
        SheetSpec(
            "进度趋势",
            f"整合进度趋势（{place}）",
            source,
            [Column("采集时间"), Column("采集批次", COUNT), *tally_columns],
            [
                [
                    p.at.astimezone().strftime("%Y-%m-%d %H:%M"),
                    p.survey_run_id,
                    *tally_cells(p.total),
                ]
                for p in progress.points
            ],
        )
    )

    exits = reports.exits_data()["exits"]
    open_exits = [e for e in exits if e["status"] == "open"]
    sheets.append(
        SheetSpec(
            "互联网出口",
            f"自建互联网出口情况表（{place}）",
            source,
            [
                Column("单位"),
                Column("设备"),
                Column("接口"),
                Column("出口方式"),
                Column("运营商"),
                Column("电路编号"),
                Column("带宽（Mbps）", COUNT),
                Column("月租（元）", MONEY),
                Column("年费（元）", MONEY),
                Column("状态"),
                Column("发现批次", COUNT),
                Column("关闭批次", COUNT),
            ],
            [
                [
                    e["unit_name"],
                    e["host"],
                    e["interface"],
                    e["kind"],
                    e["carrier"],
                    e["circuit_id"],
                    e["bandwidth_mbps"],
                    e["monthly_fee"],
                    e["annual_fee"],
                    STATUS_NAMES[e["status"]],
                    e["found_in"],
                    e["closed_in"],
                ]
                for e in exits
            ],
            [
                [
                    f"合计 {len(exits)} 个，未关闭 {len(open_exits)} 个",
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    sum(e["monthly_fee"] or 0.0 for e in open_exits),
                    sum(e["annual_fee"] or 0.0 for e in open_exits),
                    "未关闭",
                    None,
                    None,
                ]
            ],
        )
    )

    lines = reports.lines_data()
    line_totals = []
    for status in ("in_use", "to_cancel", "cancelled"):
        t = lines["totals"].get(status, {"lines": 0, "monthly_fee": 0.0, "annual_fee": 0.0})
        line_totals.append(
            [
                f"{STATUS_NAMES[status]}合计",
                None,
                None,
                None,
                None,
                None,
                t["monthly_fee"],
                t["annual_fee"],
                None,
                f"{t['lines']} 条",
            ]
        )
    every = lines["lines"]
    line_totals.append(
        [
            "总计",
            None,
            None,
            None,
            None,
            None,
            sum(r["monthly_fee"] or 0.0 for r in every),
            sum(r["annual_fee"] or 0.0 for r in every),
            None,
            f"{len(every)} 条",
        ]
    )
    sheets.append(
        SheetSpec(
            "线路与费用",
            f"专线及费用情况表（{place}）",
            source,
            [
                Column("电路编号"),
                Column("单位"),
                Column("网络"),
                Column("运营商"),
                Column("类型"),
                Column("带宽（Mbps）", COUNT),
                Column("月租（元）", MONEY),
                Column("年费（元）", MONEY),
                Column("整合目标"),
                Column("状态"),
            ],
            [
                [
                    r["circuit_id"],
                    r["unit_name"],
                    r["network"],
                    r["carrier"],
                    r["kind"],
                    r["bandwidth_mbps"],
                    r["monthly_fee"],
                    r["annual_fee"],
                    target_label(r["target"]),
                    STATUS_NAMES[r["status"]],
                ]
                for r in every
            ],
            line_totals,
        )
    )

    deadlines = progress.deadlines
    sheets.append(
        SheetSpec(
            "逾期事项",
            f"时限要求完成情况（{place}）",
            source,
            [
                Column("事项"),
                Column("指标"),
                Column("目标", RATE),
                Column("现状", RATE),
                Column("期限"),
                Column("状态"),
                Column("依据文件"),
            ],
            [
                [
                    d.deadline.what,
                    d.deadline.measure,
                    d.deadline.value if d.deadline.value is not None else 1.0,
                    d.actual,
                    d.deadline.by.isoformat(),
                    "已完成" if d.met else "逾期" if d.overdue else "进行中",
                    d.deadline.document,
                ]
                for d in deadlines
            ],
            [[f"逾期 {sum(d.overdue for d in deadlines)} 项", None, None, None, None, None, None]],
            [i for i, d in enumerate(deadlines) if d.overdue],
        )
    )
    return sheets
