"""Every ledger line the store has known: its latest target, in use / to cancel / cancelled,
its fees, and the totals by where the lines stand.

Fees: a line is paid by the month (月租费) or by the year (年租费, the contract's yearly
price); its yearly cost is the annual fee, else twelve months. Every total is shown both ways,
and the annual total counts every line (a line paid yearly has no monthly fee to add up).

The report: lines.csv and lines.json, the sheet 线路与费用, the page's lines with totals, the
terminal's table and totals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from govnet.model.inventory import SecurityGrade
from govnet.model.labels import (
    CARRIER_LABELS,
    KIND_LABELS,
    SECURITY_GRADE_LABELS,
    STATUS_NAMES,
    name_of,
    target_label,
)
from govnet.model.policy import Target
from govnet.reports.base import (
    COUNT,
    MONEY,
    TEMPLATES,
    Column,
    Reading,
    ReportSpec,
    Section,
    SheetContext,
    SheetSpec,
    View,
    ViewColumn,
    ViewLine,
    ViewTable,
    as_is,
    chinese_table,
    money,
)
from govnet.reports.snapshots import LedgerLine, Snapshot


@dataclass(frozen=True)
class LineRow:
    """A ledger line with its latest target and where it stands."""

    circuit_id: str
    unit: str
    network: str
    carrier: str
    kind: str
    bandwidth_mbps: float | None
    monthly_fee: Decimal | None
    annual_fee: Decimal
    target: str | None  # None: the latest classification does not have it
    rule: str | None
    status: str  # in_use, to_cancel, cancelled
    security_grade: str | None = None  # a SecurityGrade value
    funding_source: str | None = None  # 经费来源
    payer: str | None = None  # 付费单位

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        for name in ("monthly_fee", "annual_fee"):
            value = data[name]
            data[name] = None if value is None else float(value)
        return data


def get_line_rows(latest: Snapshot, ledger: Iterable[LedgerLine]) -> list[LineRow]:
    verdicts = {c: v for v in latest.classification.lines for c in v.circuits}
    rows = []
    for line in ledger:
        verdict = verdicts.get(line.circuit_id)
        if line.retired_at is not None:  # the ledger no longer lists it
            status = "cancelled"
        elif verdict is not None and verdict.target is Target.DECOMMISSION:
            status = "to_cancel"
        else:
            status = "in_use"
        rows.append(
            LineRow(
                line.circuit_id,
                line.unit,
                line.network,
                line.carrier,
                line.kind,
                line.bandwidth_mbps,
                line.monthly_fee,
                line.yearly,
                verdict.target.value if verdict else None,
                verdict.rule if verdict else None,
                status,
                line.security_grade,
                line.funding_source,
                line.payer,
            )
        )
    return sorted(rows, key=lambda r: (r.unit, r.circuit_id))


@dataclass(frozen=True)
class Lines:
    """The ledger's lines and the units' names to show."""

    rows: list[LineRow]
    unit_names: Mapping[str, str]


LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "lines": "专线与费用",
        "circuit": "电路编号",
        "unit": "单位",
        "network": "网络",
        "carrier": "运营商",
        "kind": "类型",
        "monthly_fee": "月租费（元）",
        "annual_fee": "年租费（元）",
        "target": "整合目标",
        "state": "状态",
        "in_use": "在用",
        "to_cancel": "待撤销",
        "cancelled": "已撤销",
        "total": "合计",
        "grand_total": "总计",
        "fee_note": "年租费：按年计费的线路为合同年费，按月计费的为月租费×12；"
        "费用合计以年租费为准。",
    },
    "en": {
        "lines": "Lines and fees",
        "circuit": "Circuit",
        "unit": "Unit",
        "network": "Network",
        "carrier": "Carrier",
        "kind": "Kind",
        "monthly_fee": "CNY/month",
        "annual_fee": "CNY/year",
        "target": "Target",
        "state": "State",
        "in_use": "in use",
        "to_cancel": "to cancel",
        "cancelled": "cancelled",
        "total": "Total",
        "grand_total": "All lines",
        "fee_note": "CNY/year: the contract's yearly fee, else twelve months; totals count"
        " every line by its yearly cost.",
    },
}


def grade_label(value: str | None) -> str | None:
    """等保三级 / 分保机密级 for a stored grade; None when the ledger has none."""
    return SECURITY_GRADE_LABELS[SecurityGrade(value)] if value else None


class LinesSpec(ReportSpec[Lines]):
    name = "lines"
    help = "Every ledger line: its target, in use / to cancel / cancelled, fees and totals."

    def load(self, reading: Reading) -> Lines:
        return Lines(get_line_rows(reading.snapshots[-1], reading.ledger), reading.unit_names)

    def data(self, rows: Lines) -> dict[str, Any]:
        lines = [
            {"unit_name": rows.unit_names.get(ln.unit, ln.unit), **ln.to_dict()} for ln in rows.rows
        ]
        totals: dict[str, dict[str, float]] = {}
        for line in lines:
            total = totals.setdefault(
                line["status"], {"lines": 0, "monthly_fee": 0.0, "annual_fee": 0.0}
            )
            total["lines"] += 1
            total["monthly_fee"] += line["monthly_fee"] or 0.0
            total["annual_fee"] += line["annual_fee"] or 0.0
        return {"lines": lines, "totals": totals}

    def tables(self, data: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
        return {"lines": chinese_table(data["lines"], CSV_COLUMNS)}

    def sheets(self, rows: Lines, data: Mapping[str, Any], where: SheetContext) -> list[SheetSpec]:
        every, empty = data["lines"], {"lines": 0, "monthly_fee": 0.0, "annual_fee": 0.0}
        sums = [
            (f"{STATUS_NAMES[status]}合计", data["totals"].get(status, empty))
            for status in ("in_use", "to_cancel", "cancelled")
        ]
        every_fee = {
            "lines": len(every),
            "monthly_fee": sum(r["monthly_fee"] or 0.0 for r in every),
            "annual_fee": sum(r["annual_fee"] or 0.0 for r in every),
        }
        totals = [
            [label, *[None] * 5, t["monthly_fee"], t["annual_fee"], None, f"{t['lines']} 条"]
            + [None] * 3
            for label, t in [*sums, ("总计", every_fee)]
        ]
        columns = [
            Column("电路编号"),
            Column("单位"),
            Column("网络"),
            Column("运营商"),
            Column("类型"),
            Column("带宽（Mbps）", COUNT),
            Column("月租费（元）", MONEY),
            Column("年租费（元）", MONEY),
            Column("整合目标"),
            Column("状态"),
            Column("等保/分保"),
            Column("经费来源"),
            Column("付费单位"),
        ]
        cells = [
            [
                r["circuit_id"],
                r["unit_name"],
                r["network"],
                name_of(r["carrier"], CARRIER_LABELS),
                name_of(r["kind"], KIND_LABELS),
                r["bandwidth_mbps"],
                r["monthly_fee"],
                r["annual_fee"],
                target_label(r["target"]),
                STATUS_NAMES[r["status"]],
                grade_label(r["security_grade"]),
                r["funding_source"],
                r["payer"],
            ]
            for r in every
        ]
        heading = f"专线及费用情况表（{where.place}）"
        return [SheetSpec("线路与费用", heading, where.source, columns, cells, totals)]

    def section(self, rows: Lines, data: Mapping[str, Any], lang: str) -> Section:
        lines = data["lines"]
        context = {
            "t": LABELS[lang],
            "lines": data,
            "monthly_total": sum(r["monthly_fee"] or 0.0 for r in lines),
            "annual_total": sum(r["annual_fee"] or 0.0 for r in lines),
            # carrier and kind as people say them (the English page: the codes)
            "carrier": (lambda v: name_of(v, CARRIER_LABELS)) if lang == "zh" else _code,
            "kind": (lambda v: name_of(v, KIND_LABELS)) if lang == "zh" else _code,
        }
        return Section(TEMPLATES / "lines.html.j2", context)

    def view(self, rows: Lines, data: Mapping[str, Any]) -> View:
        headers = ("电路编号", "单位", "网络", "运营商", "带宽", "月租费", "年租费", "目标", "状态")
        cells = [
            [
                row["circuit_id"],
                row["unit_name"],
                row["network"],
                name_of(row["carrier"], CARRIER_LABELS),
                "-" if row["bandwidth_mbps"] is None else f"{row['bandwidth_mbps']:g}M",
                money(row["monthly_fee"]),
                money(row["annual_fee"]),
                target_label(row["target"]),
                name_of(row["status"], STATUS_NAMES),
            ]
            for row in data["lines"]
        ]
        view: View = [
            ViewTable(
                "专线台账",
                [
                    ViewColumn(h, no_wrap=h in ("电路编号", "带宽", "月租费", "年租费"))
                    for h in headers
                ],
                cells,
            )
        ]
        for status, total in data["totals"].items():
            view.append(
                ViewLine.plain(
                    f"{name_of(status, STATUS_NAMES)}：{total['lines']} 条，月租费合计"
                    f" {money(total['monthly_fee'])} 元，年租费合计 {money(total['annual_fee'])} 元"
                )
            )
        annual = sum(r["annual_fee"] or 0.0 for r in data["lines"])
        view.append(ViewLine.plain(f"总计：{len(data['lines'])} 条，年租费 {money(annual)} 元"))
        return view


def _code(value: str | None) -> str:
    return value or "-"


# lines.csv: lines.json's rows (codes kept there) as people read them.
CSV_COLUMNS: list[tuple[str, str, Any]] = [
    ("circuit_id", "电路编号", as_is),
    ("unit", "单位标识", as_is),
    ("unit_name", "单位", as_is),
    ("network", "网络", as_is),
    ("carrier", "运营商", lambda v: name_of(v, CARRIER_LABELS)),
    ("kind", "类型", lambda v: name_of(v, KIND_LABELS)),
    ("bandwidth_mbps", "带宽（Mbps）", as_is),
    ("monthly_fee", "月租费（元）", as_is),
    ("annual_fee", "年租费（元）", as_is),
    ("target", "整合目标", target_label),
    ("status", "状态", lambda v: name_of(v, STATUS_NAMES)),
    ("security_grade", "等保/分保", grade_label),
    ("funding_source", "经费来源", as_is),
    ("payer", "付费单位", as_is),
]

REPORT = LinesSpec()
