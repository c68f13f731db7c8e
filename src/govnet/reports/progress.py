"""Progress of the consolidation over the snapshots: per unit, rolled up by division, and as
a trend, with the policy's deadlines and what is overdue.

Each point is a survey run with its (latest) classification. At a point, every business
network found so far (any category but the extranet and internet themselves) is one of:

- ``migrated``: rule ``migrated`` (its system runs in a dedicated-zone VPN, old lines dead);
- ``retained``: target retain_national or retain_exception (an exception names its document);
- ``to_cancel``: target decommission (a zombie or a breach: its lines are to go);
- ``closed``: found at an earlier point, gone from survey and ledger now;
- ``remaining``: anything else still to do.

Own internet exits found so far are ``closed`` when a later point no longer shows them.
A ledger line is cancelled when it has left the ledger (the store keeps it, retired, with its
fees) by the point's survey; its fees are saved. Lines still in the ledger whose target is
decommission are the saving still to come.

The report: progress.json (with the deadlines' states) and progress-trend, -units and
-divisions.csv; the sheets 业务专网整合, 区划汇总 and 进度趋势; the page's trend and status
charts; the terminal's trend and per-unit tables. The deadlines have a report of their own
(govnet.reports.deadlines), shown with this one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from govnet.model.labels import LEVEL_NAMES, format_date, format_datetime, name_of
from govnet.model.policy import Category, Deadline, Target
from govnet.model.settings import Statistics
from govnet.reports.base import (
    COUNT,
    DATETIME,
    MONEY,
    RATE,
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
from govnet.reports.charts import line_chart, stacked_bar
from govnet.reports.coverage import REPORT as COVERAGE
from govnet.reports.coverage import CoverageReport, CoverageRow, get_ancestor_codes
from govnet.reports.snapshots import LedgerLine, Snapshot, get_exit_key

STATUSES = ("migrated", "retained", "to_cancel", "closed", "remaining")
CARRIERS = {Category.EXTRANET.value, Category.INTERNET.value}


@dataclass
class Tally:
    """Counts for one unit, one division or the whole, at one point."""

    networks: int = 0  # found so far
    migrated: int = 0
    retained: int = 0
    to_cancel: int = 0
    closed: int = 0
    remaining: int = 0
    exits_found: int = 0
    exits_closed: int = 0
    lines_cancelled: int = 0
    monthly_saved: Decimal = Decimal(0)
    annual_saved: Decimal = Decimal(0)
    monthly_to_save: Decimal = Decimal(0)  # lines still in the ledger, target decommission

    def add(self, other: Tally) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def networks_done(self) -> float | None:
        done = self.migrated + self.retained + self.closed
        return done / self.networks if self.networks else None

    @property
    def own_exits_closed(self) -> float | None:
        return self.exits_closed / self.exits_found if self.exits_found else None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            data[name] = float(value) if isinstance(value, Decimal) else value
        return data


@dataclass(frozen=True)
class Point:
    survey_run_id: int
    classify_run_id: int
    at: dt.datetime  # when the survey started
    total: Tally


@dataclass(frozen=True)
class UnitProgress:
    unit: str
    name: str
    division_code: str
    tally: Tally
    networks: dict[str, str]  # network key -> status
    exits: dict[str, bool]  # own exit key -> closed


@dataclass(frozen=True)
class DeadlineState:
    deadline: Deadline
    actual: float | None  # None: nothing to measure yet
    met: bool
    overdue: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "what": self.deadline.what,
            "measure": self.deadline.measure,
            "value": self.deadline.value if self.deadline.value is not None else 1.0,
            "by": self.deadline.by.isoformat(),
            "document": self.deadline.document,
            "actual": None if self.actual is None else round(self.actual, 4),
            "met": self.met,
            "overdue": self.overdue,
        }


@dataclass(frozen=True)
class ProgressReport:
    points: list[Point]  # oldest first; the last is "now"
    units: list[UnitProgress]
    deadlines: list[DeadlineState] = field(default_factory=list)
    # Totals per division of the coverage table (the root down to towns), for people.
    divisions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> Tally:
        return self.points[-1].total

    def get_rows(self, root: str = "") -> list[tuple[str, Tally]]:
        """Totals per division code (every ancestor of every unit under ``root``)."""
        by_code: dict[str, Tally] = defaultdict(Tally)
        for unit in self.units:
            path = get_ancestor_codes(unit.division_code)
            if root and root not in path:
                continue
            for code in path:
                by_code[code].add(unit.tally)
        return sorted(by_code.items())

    def to_dict(self) -> dict[str, Any]:
        return {
            "points": [
                {
                    "survey_run": p.survey_run_id,
                    "classification": p.classify_run_id,
                    "at": p.at.isoformat(),
                    **p.total.to_dict(),
                }
                for p in self.points
            ],
            "units": [
                {
                    "unit": u.unit,
                    "name": u.name,
                    "division_code": u.division_code,
                    **u.tally.to_dict(),
                    "network_status": u.networks,
                }
                for u in self.units
            ],
            "deadlines": [d.to_dict() for d in self.deadlines],
            "divisions": self.divisions,
        }


def get_progress(
    snapshots: Sequence[Snapshot],
    units: Iterable[tuple[str, str, str]],  # key, name, division code
    ledger: Iterable[LedgerLine],
) -> ProgressReport:
    """Progress at every snapshot (oldest first), and per unit at the last."""
    lines = list(ledger)
    names = {key: (name, code) for key, name, code in units}
    found_networks: dict[str, str] = {}  # network key -> unit
    found_exits: dict[str, str] = {}  # exit key -> unit
    points: list[Point] = []
    per_unit: dict[str, UnitProgress] = {}
    for snap in snapshots:
        result = snap.classification
        current: dict[str, str] = {}
        for verdict in result.networks:
            if verdict.signals.get("system_category") in CARRIERS:
                continue
            found_networks.setdefault(verdict.key, verdict.unit)
            current[verdict.key] = _status(verdict.rule, verdict.target)
        own = {
            get_exit_key(e.circuit_id, e.host, e.interface): e.unit
            for e in result.exits
            if e.own_exit
        }
        found_exits.update({k: u for k, u in own.items() if k not in found_exits})
        to_cancel = {c for v in result.lines if v.target is Target.DECOMMISSION for c in v.circuits}
        tallies: dict[str, Tally] = defaultdict(Tally)
        statuses: dict[str, dict[str, str]] = defaultdict(dict)
        for key, unit in found_networks.items():
            status = current.get(key, "closed")
            statuses[unit][key] = status
            tally = tallies[unit]
            tally.networks += 1
            setattr(tally, status, getattr(tally, status) + 1)
        exits: dict[str, dict[str, bool]] = defaultdict(dict)
        for key, unit in found_exits.items():
            closed = key not in own
            exits[unit][key] = closed
            tallies[unit].exits_found += 1
            tallies[unit].exits_closed += closed
        for line in lines:
            tally = tallies[line.unit]
            if line.retired_at is not None and line.retired_at <= snap.at:
                tally.lines_cancelled += 1
                tally.monthly_saved += line.monthly_fee or Decimal(0)
                tally.annual_saved += line.yearly
            elif line.circuit_id in to_cancel:
                tally.monthly_to_save += line.monthly_fee or Decimal(0)
        total = Tally()
        for tally in tallies.values():
            total.add(tally)
        points.append(Point(snap.survey_run_id, snap.classify_run_id, snap.at, total))
        per_unit = {
            unit: UnitProgress(
                unit,
                names.get(unit, (unit, ""))[0],
                names.get(unit, (unit, ""))[1],
                tally,
                statuses.get(unit, {}),
                exits.get(unit, {}),
            )
            for unit, tally in tallies.items()
        }
    order = {key: i for i, key in enumerate(names)}
    units_sorted = sorted(per_unit.values(), key=lambda u: (order.get(u.unit, len(order)), u.unit))
    return ProgressReport(points, units_sorted)


def _status(rule: str, target: Target) -> str:
    if rule == "migrated":
        return "migrated"
    if target in (Target.RETAIN_NATIONAL, Target.RETAIN_EXCEPTION):
        return "retained"
    if target is Target.DECOMMISSION:
        return "to_cancel"
    return "remaining"


def get_deadline_states(
    deadlines: Iterable[Deadline],
    total: Tally,
    coverage: Mapping[str, CoverageRow | None],
    today: dt.date,
) -> list[DeadlineState]:
    """Each deadline's measure now, met or not, and overdue when its date has passed unmet.
    ``coverage``: the coverage row of the report's root (key ``root``)."""
    root = coverage.get("root")
    measured: dict[str, float | None] = {
        "town_coverage": root.town_rate if root else None,
        "village_coverage": root.village_rate if root else None,
        "unit_coverage": root.rate if root else None,
        "own_exits_closed": total.own_exits_closed if total.exits_found else 1.0,
        "networks_done": total.networks_done,
    }
    states = []
    for deadline in deadlines:
        actual = measured.get(deadline.measure)
        goal = deadline.value if deadline.value is not None else 1.0
        met = actual is not None and actual >= goal - 1e-9
        states.append(DeadlineState(deadline, actual, met, not met and deadline.by < today))
    return states


def get_division_rows(progress: ProgressReport, places: CoverageReport) -> list[dict[str, Any]]:
    """The progress totalled per division of the coverage table: code, name, level, tally."""
    rows = {r.code: r for r in places.rows}
    return [
        {"code": code, "name": rows[code].name, "level": rows[code].to_dict()["level"]}
        | tally.to_dict()
        for code, tally in progress.get_rows(places.root)
        if code in rows
    ]


# --- the report -------------------------------------------------------------------------

STATUS_COLOURS = {
    "migrated": "#2e7d32",
    "retained": "#1565c0",
    "to_cancel": "#ef6c00",
    "closed": "#6d4c41",
    "remaining": "#9e9e9e",
}
LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "progress": "整合进度",
        "trend": "各次采集的整合进度",
        "status": "业务专网现状",
        "migrated": "已迁移",
        "retained": "保留",
        "to_cancel": "待撤销",
        "closed": "已关闭",
        "remaining": "待整合",
        "exits_open": "未关闭出口",
        "survey": "采集",
        "count": "个数",
    },
    "en": {
        "progress": "Progress",
        "trend": "Progress over the surveys",
        "status": "Business networks now",
        "migrated": "migrated",
        "retained": "retained",
        "to_cancel": "to cancel",
        "closed": "closed",
        "remaining": "remaining",
        "exits_open": "open exits",
        "survey": "survey",
        "count": "count",
    },
}
# The tally's columns: in the workbook (header, format), and in the terminal.
TALLY_COLUMNS = [
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
VIEW_COLUMNS = (
    ("专网", "networks"),
    ("已迁移", "migrated"),
    ("保留", "retained"),
    ("待撤销", "to_cancel"),
    ("已关闭", "closed"),
    ("待整合", "remaining"),
)
LEGEND = (
    "专网：已发现的业务专网；出口：自建互联网出口 已关闭/已发现；撤线：已撤销线路；"
    "年节省/待节省：每年已节省/尚可节省的线路费用（元）"
)
# The free-text columns an office fills in per unit or division (playbooks/settings.yaml
# statistics.notes, or by hand in the printed sheet).
NOTE_COLUMNS = [Column("存在问题", wrap=True), Column("下步计划", wrap=True)]


def note_cells(block: Statistics, *keys: str) -> list[str | None]:
    """存在问题 and 下步计划 of the first key the settings have a note for (else empty)."""
    note = next((block.notes[k] for k in keys if k in block.notes), None)
    return [note.problems, note.next_steps] if note else [None, None]


def tally_cells(t: Tally) -> list[Any]:
    """A tally as the workbook's cells."""
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


def tally_texts(tally: Tally) -> list[str]:
    """A tally as the terminal's cells."""
    cells = [str(getattr(tally, name)) for _, name in VIEW_COLUMNS]
    cells.append(f"{tally.exits_closed}/{tally.exits_found}")
    cells.append(str(tally.lines_cancelled))
    cells.append(money(tally.annual_saved))
    cells.append(money(tally.monthly_to_save * 12))
    return cells


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def trend_chart(points: Sequence[Mapping[str, Any]], labels: Mapping[str, str]) -> Markup:
    """Lines over the surveys (their dates): networks migrated, remaining, own exits still
    open."""
    days = [_day(p["at"]) for p in points]
    if len(set(days)) < len(days):  # two surveys a day: their times too
        days = [f"{p['at'][5:10]} {p['at'][11:16]}" for p in points]
    return line_chart(
        "trend",
        labels["trend"],
        days,
        [
            (labels["migrated"], [int(p["migrated"]) for p in points], STATUS_COLOURS["migrated"]),
            (
                labels["remaining"],
                [int(p["remaining"]) for p in points],
                STATUS_COLOURS["remaining"],
            ),
            (
                labels["exits_open"],
                [int(p["exits_found"]) - int(p["exits_closed"]) for p in points],
                "#c62828",
            ),
        ],
        labels["count"],
    )


def _day(at: str) -> str:
    """A point's date on the chart's axis (its time in the project's zone, ISO in the JSON).

    >>> _day("2026-01-05T09:00:00+08:00")
    '2026-01-05'
    """
    return at[:10]


def _view_table(title: str, first: list[str]) -> tuple[str, list[ViewColumn]]:
    columns = [ViewColumn(c, no_wrap=True) for c in first]
    columns += [
        ViewColumn(c, "right", no_wrap=True)
        for c in [c for c, _ in VIEW_COLUMNS] + ["出口", "撤线", "年节省", "待节省"]
    ]
    return title, columns


class ProgressSpec(ReportSpec[ProgressReport]):
    name = "progress"
    help = (
        "Progress over the snapshots: business networks found / migrated / retained /\n"
        "remaining, own exits found / closed, lines cancelled and fees saved, deadlines; per"
        " unit,\nper division and as a trend."
    )

    def load(self, reading: Reading) -> ProgressReport:
        """Over every classified survey run; the deadlines measured on it and the coverage."""
        units = [(u["key"], u["name"], u["division_code"]) for u in reading.units]
        progress = get_progress(reading.snapshots, units, reading.ledger)
        places = reading.rows_of(COVERAGE)
        root = places.rows[0] if places.rows else None
        states = get_deadline_states(
            reading.deadlines, progress.total, {"root": root}, reading.today
        )
        return replace(progress, deadlines=states, divisions=get_division_rows(progress, places))

    def data(self, rows: ProgressReport) -> dict[str, Any]:
        return rows.to_dict()

    def tables(self, data: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
        return {
            "progress-trend": chinese_table(data["points"], [("at", "采集时间", _when), *TALLY]),
            "progress-units": chinese_table(data["units"], UNIT_COLUMNS + TALLY),
            "progress-divisions": chinese_table(data["divisions"], DIVISION_COLUMNS + TALLY),
        }

    def sheets(
        self, rows: ProgressReport, data: Mapping[str, Any], where: SheetContext
    ) -> list[SheetSpec]:
        place, source, block = where.place, where.source, where.settings.statistics
        units = [
            u
            for u in rows.units
            if u.tally.networks
            or u.tally.exits_found
            or u.tally.lines_cancelled
            or u.tally.monthly_to_save
        ]
        by_unit = SheetSpec(
            "业务专网整合",
            f"业务专网整合进度表（{place}）",
            source,
            [Column("单位"), Column("区划代码"), *TALLY_COLUMNS, *NOTE_COLUMNS],
            [
                [u.name, u.division_code, *tally_cells(u.tally), *note_cells(block, u.unit)]
                for u in units
            ],
            [["合计", None, *tally_cells(rows.total), None, None]],
        )
        by_division = SheetSpec(
            "区划汇总",
            f"业务专网整合进度（按区划汇总，{place}）",
            source,
            [Column("区划代码"), Column("区划名称"), Column("层级"), *TALLY_COLUMNS, *NOTE_COLUMNS],
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
                    *note_cells(block, d["code"], d["code"][:6]),
                ]
                for d in data["divisions"]
            ],
        )
        trend = SheetSpec(
            "进度趋势",
            f"整合进度趋势（{place}）",
            source,
            [Column("采集时间", DATETIME), *TALLY_COLUMNS],
            # a date cell: the time in the project's zone (Excel keeps no zone)
            [[p.at.replace(tzinfo=None), *tally_cells(p.total)] for p in rows.points],
        )
        return [by_unit, by_division, trend]

    def section(self, rows: ProgressReport, data: Mapping[str, Any], lang: str) -> Section:
        labels, now = LABELS[lang], data["points"][-1]
        context = {
            "t": labels,
            "trend": trend_chart(data["points"], labels),
            "status": stacked_bar(
                "status",
                labels["status"],
                [(labels[key], int(now[key]), colour) for key, colour in STATUS_COLOURS.items()],
            ),
        }
        return Section(TEMPLATES / "progress.html.j2", context)

    def view(self, rows: ProgressReport, data: Mapping[str, Any]) -> View:
        title, columns = _view_table("整合进度（各次采集）", ["采集时间"])
        trend = [[format_datetime(p.at), *tally_texts(p.total)] for p in rows.points]
        units = []
        for unit in rows.units:
            cells = tally_texts(unit.tally)
            if any(c not in ("0", "0/0") for c in cells[:10]):
                units.append([unit.name, *cells])
        now = format_date(rows.points[-1].at)
        by_unit, unit_columns = _view_table(f"各单位整合进度（截至{now}）", ["单位"])
        return [
            ViewTable(title, columns, trend),
            ViewTable(by_unit, unit_columns, units),
            ViewLine.plain(LEGEND),
        ]


def _when(at: str) -> str:
    """A point's ISO time (in the project's zone) as people write it."""
    return format_datetime(dt.datetime.fromisoformat(at))


# The CSV files: the JSON rows (codes kept there) with Chinese headers.
TALLY: list[tuple[str, str, Any]] = [
    ("networks", "发现业务专网", as_is),
    ("migrated", "已迁移", as_is),
    ("retained", "保留", as_is),
    ("to_cancel", "待撤销", as_is),
    ("closed", "已关闭", as_is),
    ("remaining", "待整合", as_is),
    ("exits_found", "自建出口", as_is),
    ("exits_closed", "已关闭出口", as_is),
    ("lines_cancelled", "已撤销线路", as_is),
    ("monthly_saved", "月节省（元）", as_is),
    ("annual_saved", "年节省（元）", as_is),
    ("monthly_to_save", "待节省（元/月）", as_is),
]
UNIT_COLUMNS: list[tuple[str, str, Any]] = [
    ("unit", "单位标识", as_is),
    ("name", "单位", as_is),
    ("division_code", "区划代码", as_is),
]
DIVISION_COLUMNS: list[tuple[str, str, Any]] = [
    ("code", "区划代码", as_is),
    ("name", "区划名称", as_is),
    ("level", "层级", lambda v: name_of(v, LEVEL_NAMES)),
]

REPORT = ProgressSpec()
