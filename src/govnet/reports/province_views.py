"""How a province store's progress, exits and lines reports are shown: one row per county
(未上报 where a county sent nothing for the month, never a 0) and a total over the counties
that reported, as CSV, JSON, a sheet of statistics.xlsx and a terminal table.

They take the county reports' names (``progress``, ``exits``, ``lines``), so `govnet report
progress` on a province store writes progress.json and progress-counties.csv where a
county's writes its own; the figures are made by govnet.reports.province.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from govnet.reports.base import (
    COUNT,
    MONEY,
    RATE,
    Column,
    ReportSpec,
    SheetContext,
    SheetSpec,
    View,
    ViewColumn,
    ViewLine,
    ViewTable,
    money,
)
from govnet.reports.coverage import UNREPORTED
from govnet.reports.province import CountyFigures, ProvinceReport


@dataclass(frozen=True)
class Figure:
    """One column: its JSON key, its Chinese header, its number format and its value."""

    key: str
    header: str
    number_format: str
    value: Callable[[CountyFigures], Any]

    def of(self, county: CountyFigures) -> Any:
        """The value (None for a county that did not report); money as a float."""
        if not county.reported:
            return None
        value = self.value(county)
        return float(value) if isinstance(value, Decimal) else value


def _p(c: CountyFigures) -> Any:
    assert c.progress is not None
    return c.progress


def _e(c: CountyFigures) -> Any:
    assert c.exits is not None
    return c.exits


def _l(c: CountyFigures) -> Any:
    assert c.lines is not None
    return c.lines


PROGRESS = [
    Figure("networks", "发现业务专网", COUNT, lambda c: _p(c).networks),
    Figure("migrated", "已迁移", COUNT, lambda c: _p(c).migrated),
    Figure("retained", "保留", COUNT, lambda c: _p(c).retained),
    Figure("to_cancel", "待撤销", COUNT, lambda c: _p(c).to_cancel),
    Figure("closed", "已关闭", COUNT, lambda c: _p(c).closed),
    Figure("remaining", "待整合", COUNT, lambda c: _p(c).remaining),
    Figure("networks_done", "整合完成率", RATE, lambda c: _p(c).networks_done),
    Figure("exits_found", "自建出口", COUNT, lambda c: _p(c).exits_found),
    Figure("exits_closed", "已关闭出口", COUNT, lambda c: _p(c).exits_closed),
    Figure("lines_to_cancel", "计划撤销线路", COUNT, lambda c: _l(c).to_cancel),
    Figure("lines_cancelled", "已撤销线路", COUNT, lambda c: _p(c).lines_cancelled),
    Figure("annual_saved", "年节省（元）", MONEY, lambda c: _p(c).annual_saved),
    Figure("annual_to_save", "待节省（元/年）", MONEY, lambda c: _p(c).monthly_to_save * 12),
]
EXITS = [
    Figure("exits_found", "自建出口", COUNT, lambda c: _e(c).found),
    Figure("exits_closed", "已关闭", COUNT, lambda c: _e(c).closed),
    Figure("exits_open", "未关闭", COUNT, lambda c: _e(c).open),
    Figure("annual_fee_open", "未关闭出口年租费（元）", MONEY, lambda c: _e(c).annual_fee_open),
    Figure("breaches", "涉密网违规连接", COUNT, lambda c: _e(c).breaches),
]
LINES = [
    Figure("lines", "台账线路", COUNT, lambda c: _l(c).lines),
    Figure("annual_fee", "年租费（元）", MONEY, lambda c: _l(c).annual_fee),
    Figure("to_cancel", "计划撤销线路", COUNT, lambda c: _l(c).to_cancel),
    Figure("annual_to_cancel", "计划撤销年租费（元）", MONEY, lambda c: _l(c).annual_to_cancel),
    Figure("cancelled", "已撤销线路", COUNT, lambda c: _l(c).cancelled),
    Figure("annual_cancelled", "已撤销年租费（元）", MONEY, lambda c: _l(c).annual_cancelled),
]


def get_total(report: ProvinceReport) -> CountyFigures:
    """The total over the counties that reported, as a row of its own."""
    return CountyFigures(
        report.root, "合计", report.period, report.progress, report.exits, report.lines
    )


def said(county: CountyFigures) -> str:
    return "已上报" if county.reported else UNREPORTED


class ProvinceSpec(ReportSpec[ProvinceReport]):
    """A report of a province store: a figure per column, a county per row."""

    figures: Sequence[Figure] = ()
    title = ""  # the sheet's tab and the heading's start

    def data(self, rows: ProvinceReport) -> dict[str, Any]:
        def row(county: CountyFigures) -> dict[str, Any]:
            cells = {"code": county.code, "name": county.name, "reported": county.reported}
            return cells | {f.key: f.of(county) for f in self.figures}

        return {
            "division": rows.root or None,
            "name": rows.root_name,
            "period": rows.period,
            "counties_reported": len(rows.reported),
            "counties": len(rows.counties),
            "rows": [row(c) for c in rows.counties],
            "total": row(get_total(rows)),
        }

    def tables(self, data: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
        def row(cells: Mapping[str, Any], name: str | None = None) -> dict[str, Any]:
            first = {
                "区划代码": cells["code"],
                "县级区划": name or cells["name"],
                "上报情况": "已上报" if cells["reported"] else UNREPORTED,
            }
            return first | {f.header: cells[f.key] for f in self.figures}

        total = f"合计（已上报 {data['counties_reported']}/{data['counties']}）"
        return {
            f"{self.name}-counties": [
                *(row(r) for r in data["rows"]),
                row(data["total"], total),
            ]
        }

    def sheets(
        self, rows: ProvinceReport, data: Mapping[str, Any], where: SheetContext
    ) -> list[SheetSpec]:
        columns = [Column("区划代码"), Column("县级区划"), Column("上报情况")]
        columns += [Column(f.header, f.number_format) for f in self.figures]
        cells = [[c.code, c.name, said(c), *(f.of(c) for f in self.figures)] for c in rows.counties]
        total = get_total(rows)
        reported = f"已上报 {len(rows.reported)}/{len(rows.counties)}"
        return [
            SheetSpec(
                self.title,
                f"{self.title}统计表（{where.place}，{rows.period}）",
                where.source,
                columns,
                cells,
                [["合计", None, reported, *(f.of(total) for f in self.figures)]],
                highlight=[i for i, c in enumerate(rows.counties) if not c.reported],
            )
        ]

    def view(self, rows: ProvinceReport, data: Mapping[str, Any]) -> View:
        columns = [ViewColumn("县级区划", no_wrap=True), ViewColumn("代码", no_wrap=True)]
        columns += [ViewColumn(f.header, "right", no_wrap=True) for f in self.figures]
        cells = []
        for county in [*rows.counties, get_total(rows)]:
            shown = [_text(f, county) for f in self.figures]
            if not county.reported:  # said once, as the coverage does: not a row of zeros
                shown = [UNREPORTED, *("—" for _ in shown[1:])]
            cells.append([county.name, county.code[:6], *shown])
        title = (
            f"{self.title}：{rows.root_name}（{rows.period}，已上报 {len(rows.reported)}/"
            f"{len(rows.counties)} 个县级区划，合计只计已上报的）"
        )
        return [
            ViewTable(title, columns, cells),
            ViewLine.plain(f"{UNREPORTED}：该县（市、区）本月未提交上报文件，不计入合计"),
        ]


def _text(figure: Figure, county: CountyFigures) -> str:
    value = figure.of(county)
    if value is None:
        return "—"
    if figure.number_format == MONEY:
        return money(value)
    if figure.number_format == RATE:
        return f"{value:.1%}"
    return str(value)


class ProvinceProgressSpec(ProvinceSpec):
    name = "progress"
    help = "Per county: business networks folded, own exits closed, lines cancelled vs plan."
    figures = PROGRESS
    title = "各县业务专网整合进度"


class ProvinceExitsSpec(ProvinceSpec):
    name = "exits"
    help = "Per county: own internet exits found, closed, still open and their yearly fees."
    figures = EXITS
    title = "各县自建互联网出口"


class ProvinceLinesSpec(ProvinceSpec):
    name = "lines"
    help = "Per county: ledger lines and 年租费, lines to cancel and cancelled, with fees."
    figures = LINES
    title = "各县专线及费用"


# What a province store reports besides the coverage, in the workbook's order.
PROVINCE_REPORTS: tuple[ProvinceSpec, ...] = (
    ProvinceProgressSpec(),
    ProvinceExitsSpec(),
    ProvinceLinesSpec(),
)
