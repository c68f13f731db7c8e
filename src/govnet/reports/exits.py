"""Own internet exits over the snapshots, open or closed (since which survey), and the
isolation breaches of the latest classification.

The report: exits.csv and exits.json, the sheet 互联网出口, the page's exits and breaches,
the terminal's breaches (critical, first) and exits table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from govnet.model.labels import (
    CARRIER_LABELS,
    EXIT_KIND_NAMES,
    STATUS_NAMES,
    format_date,
    name_of,
)
from govnet.model.verdicts import Breach
from govnet.reports.base import (
    COUNT,
    DATE,
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
from govnet.reports.snapshots import Snapshot, get_exit_key


@dataclass(frozen=True)
class ExitRow:
    """An own internet exit found at some snapshot, and whether a later one shows it closed."""

    unit: str
    host: str | None
    interface: str | None
    kind: str
    signs: list[str]
    circuit_id: str | None
    carrier: str | None
    bandwidth_mbps: float | None
    monthly_fee: float | None
    annual_fee: float | None
    found_in: int  # survey run
    closed_in: int | None  # survey run that no longer shows it
    found_at: dt.datetime | None = None  # that survey's time
    closed_at: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["signs"] = ",".join(self.signs)
        data["status"] = "closed" if self.closed_in is not None else "open"
        for name in ("found_at", "closed_at"):
            data[name] = None if data[name] is None else data[name].isoformat()
        return data


def get_exit_rows(snapshots: Sequence[Snapshot]) -> list[ExitRow]:
    rows: dict[str, ExitRow] = {}
    for snap in snapshots:
        seen = set()
        for e in snap.classification.exits:
            if not e.own_exit:
                continue
            key = get_exit_key(e.circuit_id, e.host, e.interface)
            seen.add(key)
            found = rows[key].found_in if key in rows else snap.survey_run_id
            found_at = rows[key].found_at if key in rows else snap.at
            rows[key] = ExitRow(
                e.unit,
                e.host,
                e.interface,
                e.kind,
                list(e.signs),
                e.circuit_id,
                e.carrier,
                e.bandwidth_mbps,
                e.monthly_fee,
                e.annual_fee,
                found,
                None,
                found_at,
            )
        for key, row in rows.items():
            if key not in seen and row.closed_in is None:
                rows[key] = replace(row, closed_in=snap.survey_run_id, closed_at=snap.at)
    return sorted(rows.values(), key=lambda r: (r.unit, r.host or "", r.interface or ""))


@dataclass(frozen=True)
class Exits:
    """The own exits found, the latest breaches, and the units' names to show."""

    rows: list[ExitRow]
    breaches: list[Breach]
    unit_names: Mapping[str, str]


LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "exits_title": "互联网出口与隔离违规",
        "breaches": "隔离违规（须立即处理）",
        "no_breach": "未发现隔离违规",
        "unit": "单位",
        "device": "设备",
        "interface": "接口",
        "kind": "方式",
        "carrier": "运营商",
        "circuit": "电路编号",
        "annual_fee": "年租费（元）",
        "state": "状态",
        "open": "未关闭",
        "closed": "已关闭",
    },
    "en": {
        "exits_title": "Internet exits and isolation breaches",
        "breaches": "Isolation breaches (act now)",
        "no_breach": "No isolation breach found",
        "unit": "Unit",
        "device": "Device",
        "interface": "Interface",
        "kind": "Kind",
        "carrier": "Carrier",
        "circuit": "Circuit",
        "annual_fee": "CNY/year",
        "state": "State",
        "open": "open",
        "closed": "closed",
    },
}


def get_breach_lines(
    breaches: Sequence[Breach], lang: str = "en", names: Mapping[str, str] | None = None
) -> View:
    """Each breach as a critical line, then an empty line (none when there is no breach);
    in Chinese for the report (``lang="zh"``, the units by ``names``), in English for the
    engineer's classify."""
    names = names or {}
    if lang == "zh":
        view: View = [
            ViewLine(
                (
                    ("严重：隔离违规", "bold red"),
                    (
                        f"：{b.host}（{names.get(b.unit, b.unit)}）"
                        f"同时连接{'、'.join(b.touches)}，接口"
                        f" {', '.join(i.split(':', 1)[1] for i in b.interfaces)}",
                        None,
                    ),
                )
            )
            for b in breaches
        ]
        return [*view, ViewLine()] if view else view
    view = [
        ViewLine(
            (
                ("CRITICAL isolation breach", "bold red"),
                (
                    f": {b.host} ({b.unit}) touches {' and '.join(b.touches)} on"
                    f" {', '.join(i.split(':', 1)[1] for i in b.interfaces)}",
                    None,
                ),
            )
        )
        for b in breaches
    ]
    return [*view, ViewLine()] if view else view


class ExitsSpec(ReportSpec[Exits]):
    name = "exits"
    help = "Own internet exits found over the snapshots, open or closed, and isolation breaches."

    def load(self, reading: Reading) -> Exits:
        latest = reading.snapshots[-1]
        rows = get_exit_rows(reading.snapshots)
        return Exits(rows, latest.classification.breaches, reading.unit_names)

    def data(self, rows: Exits) -> dict[str, Any]:
        return {
            "exits": [
                {"unit_name": rows.unit_names.get(e.unit, e.unit), **e.to_dict()} for e in rows.rows
            ],
            "breaches": [b.to_dict() for b in rows.breaches],
        }

    def tables(self, data: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
        return {"exits": chinese_table(data["exits"], CSV_COLUMNS)}

    def sheets(self, rows: Exits, data: Mapping[str, Any], where: SheetContext) -> list[SheetSpec]:
        exits = data["exits"]
        open_exits = [e for e in exits if e["status"] == "open"]
        columns = [
            Column("单位"),
            Column("设备"),
            Column("接口"),
            Column("出口方式"),
            Column("运营商"),
            Column("电路编号"),
            Column("带宽（Mbps）", COUNT),
            Column("月租费（元）", MONEY),
            Column("年租费（元）", MONEY),
            Column("状态"),
            Column("发现日期", DATE),
            Column("关闭日期", DATE),
        ]
        cells = [
            [
                e["unit_name"],
                e["host"],
                e["interface"],
                name_of(e["kind"], EXIT_KIND_NAMES),
                name_of(e["carrier"], CARRIER_LABELS),
                e["circuit_id"],
                e["bandwidth_mbps"],
                e["monthly_fee"],
                e["annual_fee"],
                STATUS_NAMES[e["status"]],
                _day(e["found_at"]),
                _day(e["closed_at"]),
            ]
            for e in exits
        ]
        total: list[Any] = [None] * len(columns)
        total[0] = f"合计 {len(exits)} 个，未关闭 {len(open_exits)} 个"
        total[7] = sum(e["monthly_fee"] or 0.0 for e in open_exits)
        total[8] = sum(e["annual_fee"] or 0.0 for e in open_exits)
        total[9] = "未关闭"
        heading = f"自建互联网出口情况表（{where.place}）"
        return [SheetSpec("互联网出口", heading, where.source, columns, cells, [total])]

    def section(self, rows: Exits, data: Mapping[str, Any], lang: str) -> Section:
        context = {
            "t": LABELS[lang],
            "exits": data,
            "names": rows.unit_names,
            # the exit's kind and carrier as people say them (the English page: the codes)
            "kind": (lambda v: name_of(v, EXIT_KIND_NAMES)) if lang == "zh" else _code,
            "carrier": (lambda v: name_of(v, CARRIER_LABELS)) if lang == "zh" else _code,
        }
        return Section(TEMPLATES / "exits.html.j2", context)

    def view(self, rows: Exits, data: Mapping[str, Any]) -> View:
        headers = ("单位", "设备", "接口", "方式", "运营商", "电路", "年租费", "状态")
        cells = [
            [
                row["unit_name"],
                row["host"] or "-",
                row["interface"] or "-",
                name_of(row["kind"], EXIT_KIND_NAMES),
                name_of(row["carrier"], CARRIER_LABELS),
                row["circuit_id"] or "-",
                money(row["annual_fee"]),
                f"已关闭（{format_date(_day(row['closed_at']))}采集）"
                if row["closed_in"]
                else "未关闭",
            ]
            for row in data["exits"]
        ]
        table = ViewTable(
            "自建互联网出口",
            [ViewColumn(h, no_wrap=h in ("设备", "接口", "电路", "年租费")) for h in headers],
            cells,
        )
        return [*get_breach_lines(rows.breaches, "zh", rows.unit_names), table]


def _code(value: str | None) -> str:
    return value or "-"


def _day(at: str | None) -> dt.date | None:
    """An ISO time of the JSON (in the project's zone) as its date."""
    return None if at is None else dt.datetime.fromisoformat(at).date()


CSV_COLUMNS: list[tuple[str, str, Any]] = [
    ("unit", "单位标识", as_is),
    ("unit_name", "单位", as_is),
    ("host", "设备", as_is),
    ("interface", "接口", as_is),
    ("kind", "出口方式", lambda v: name_of(v, EXIT_KIND_NAMES)),
    ("signs", "判断依据", lambda v: "、".join(name_of(s, EXIT_KIND_NAMES) for s in v.split(","))),
    ("carrier", "运营商", lambda v: name_of(v, CARRIER_LABELS)),
    ("circuit_id", "电路编号", as_is),
    ("bandwidth_mbps", "带宽（Mbps）", as_is),
    ("monthly_fee", "月租费（元）", as_is),
    ("annual_fee", "年租费（元）", as_is),
    ("status", "状态", lambda v: name_of(v, STATUS_NAMES)),
    ("found_at", "发现日期", lambda v: format_date(_day(v))),
    ("closed_at", "关闭日期", lambda v: format_date(_day(v)) if v else ""),
]

REPORT = ExitsSpec()
