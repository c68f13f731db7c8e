"""Extranet coverage per administrative division, from the province down to towns (villages
when imported): units that should connect, units connected, the rate, towns and villages
covered of their totals (DOMAIN.md section 7).

Every division of the real NBS tree under the chosen root is a row, including towns with no
unit yet (0 of 1 covered), so a county's table lists exactly its towns. A unit counts at its
own division and every division above it. A unit is connected when its classification gives
it an access class; when only the ledger shows its extranet line (no surveyed device does),
it is counted and marked ``ledger``. A town (village) is covered when a unit located in it is
connected.

Counting is one pass over units and a few over the codes of the towns and villages below the
root: each division's own counts are gathered at its town, then each town's added to the at
most three divisions above it. The whole country's 41,000 towns take well under a second
(benchmarks/coverage.py); with its 620,000 villages imported, the report down to towns takes
seconds, and the villages need not become divisions of the tree to be counted
(benchmarks/coverage_villages.py).

The report: coverage.csv and coverage.json, the sheet 覆盖情况, the page's coverage tree
(nested ``<details>`` down to every town, a strip of towns) and the terminal table.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain, takewhile
from typing import TYPE_CHECKING, Any

from govnet.model.divisions import (
    LEVEL_DIGITS,
    Division,
    DivisionCodeError,
    DivisionTree,
    Level,
    get_level,
    get_level_of_full_code,
    to_full_code,
)
from govnet.model.labels import LEVEL_NAMES, format_date, name_of, percent
from govnet.model.problems import UsageError
from govnet.model.settings import to_zone
from govnet.reports.base import (
    COUNT,
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
)
from govnet.reports.charts import cell_strip

if TYPE_CHECKING:
    from govnet.store import Store

LEVELS = list(LEVEL_DIGITS)  # province first
SURVEY, LEDGER = "survey", "ledger"


@dataclass(frozen=True)
class UnitPlace:
    """A unit that should connect, where it is, and how it is connected (None: not)."""

    key: str
    division_code: str  # 12 digits
    connected_by: str | None = None  # survey, ledger


@dataclass(frozen=True)
class CoverageRow:
    code: str  # "" for the whole country
    name: str
    level: Level | None  # None for the whole country
    parent: str | None  # the row above in this table (None for the root)
    depth: int  # 0 for the root
    units: int
    connected: int
    connected_by_ledger: int  # of connected: only the ledger shows the line
    towns: int
    towns_covered: int
    villages: int  # 0 when villages are not imported
    villages_covered: int
    # a roll-up of county submissions: whether this division's county (any county below it)
    # reported for the period; None when the report is of the store's own survey
    reported: bool | None = None
    counties: int = 0  # counties at or below it (a submissions roll-up only)
    counties_reported: int = 0

    @property
    def rate(self) -> float | None:
        """Units connected of units that should connect; None when there are none."""
        return self.connected / self.units if self.units else None

    @property
    def town_rate(self) -> float | None:
        return self.towns_covered / self.towns if self.towns else None

    @property
    def village_rate(self) -> float | None:
        return self.villages_covered / self.villages if self.villages else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level.value if self.level else "country",
            "parent": self.parent,
            "units": self.units,
            "connected": self.connected,
            "connected_by_ledger": self.connected_by_ledger,
            "rate": _round(self.rate),
            "towns": self.towns,
            "towns_covered": self.towns_covered,
            "town_rate": _round(self.town_rate),
            "villages": self.villages,
            "villages_covered": self.villages_covered,
            "village_rate": _round(self.village_rate),
            "reported": self.reported,
            "counties": self.counties,
            "counties_reported": self.counties_reported,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def get_ancestor_codes(code: str) -> list[str]:
    """A 12-digit code and the codes of its divisions above, province first.

    >>> get_ancestor_codes("500107102201")
    ['500000000000', '500100000000', '500107000000', '500107102000', '500107102201']
    >>> get_ancestor_codes("500107000000")
    ['500000000000', '500100000000', '500107000000']
    >>> get_ancestor_codes("441900003001")  # 东莞市: towns straight under the city
    ['440000000000', '441900000000', '441900003000', '441900003001']
    """
    out: list[str] = []
    for digits in LEVEL_DIGITS.values():
        ancestor = code[:digits].ljust(12, "0")
        if not out or ancestor != out[-1]:  # a city without counties is its towns' county
            out.append(ancestor)
        if not code[digits:].strip("0"):
            break
    return out


def get_root_code(codes: Iterable[str]) -> str:
    """The smallest division holding every code: the county of a county's inventory.

    >>> get_root_code(["500107000000", "500107102000", "500107003000"])
    '500107000000'
    >>> get_root_code(["500107000000", "370702000000"])
    ''
    """
    common: list[str] | None = None
    for code in codes:
        path = get_ancestor_codes(code)
        if common is None:
            common = path
        else:
            common = [
                a for a, _ in takewhile(lambda ab: ab[0] == ab[1], zip(common, path, strict=False))
            ]
    return common[-1] if common else ""


def get_coverage(
    tree: DivisionTree,
    units: Iterable[UnitPlace],
    root: str = "",
    deepest: Level = Level.TOWN,
    villages: Iterable[str] = (),
    reported: Collection[str] | None = None,
) -> list[CoverageRow]:
    """One row per division from ``root`` ("" for the whole country) down to ``deepest``, in
    tree order (each division followed by those below it). ``villages``: 12-digit codes of
    villages the tree does not hold, counted in the totals, never rows (the store's villages
    when the rows stop above them, without building 620,000 divisions for a count).
    ``reported``: the 6-digit codes of the counties that submitted (a province's roll-up of
    submissions): the towns and villages of the others are in no total, and their rows say
    未上报 rather than 0%."""
    root = to_full_code(root) if root else ""
    prefix = root[: LEVEL_DIGITS[get_level_of_full_code(root)]] if root else ""
    own: Counter[str] = Counter()  # units at each division, then rolled up to those above
    own_connected: Counter[str] = Counter()
    own_by_ledger: Counter[str] = Counter()
    for unit in units:
        code = unit.division_code
        if not code.startswith(prefix):
            continue  # outside the root
        own[code] += 1
        if unit.connected_by is not None:
            own_connected[code] += 1
            if unit.connected_by == LEDGER:
                own_by_ledger[code] += 1
    paths = _Paths()
    counts, connected, by_ledger = (paths.roll_up(c) for c in (own, own_connected, own_by_ledger))
    # the towns and villages a connected unit is in
    covered_places = {c for c in own_connected if c[6:9] != "000"}
    covered_places.update([c[:9] + "000" for c in covered_places if c[9:] != "000"])
    towns, towns_covered, village_count, villages_covered = _count_places(
        tree, villages, root, covered_places, deepest is Level.VILLAGE, reported
    )
    counties, counties_reported = _count_counties(tree, root, reported)
    rows: list[CoverageRow] = []
    deepest_digits = LEVEL_DIGITS[deepest]
    parents: dict[int, str] = {0: ""} if not root else {}
    for division, level, depth in _walk(tree, root, deepest, include_root=True):
        code = division.code
        parents[depth] = code
        if LEVEL_DIGITS[level] > deepest_digits:
            continue
        rows.append(
            CoverageRow(
                code,
                division.name,
                level,
                parents.get(depth - 1) if depth > 0 else None,
                depth,
                # .get: a Counter's missing key costs a Python call, 665,000 rows 7 each
                counts.get(code, 0),
                connected.get(code, 0),
                by_ledger.get(code, 0),
                towns.get(code, 0),
                towns_covered.get(code, 0),
                village_count.get(code, 0),
                villages_covered.get(code, 0),
                *_reported(code, level, reported, counties, counties_reported),
            )
        )
    if not root:  # the whole country: its total first, the provinces below it
        top = [r for r in rows if r.depth == 1]
        sums = [sum(getattr(r, f) for r in top) for f in _COUNTS]
        done = sum(r.counties_reported for r in top)
        state = None if reported is None else done > 0
        total = CoverageRow("", COUNTRY, None, None, 0, *sums)
        below = sum(r.counties for r in top)
        rows.insert(0, replace(total, reported=state, counties=below, counties_reported=done))
    return rows


class _Paths:
    """``get_ancestor_codes`` remembered: a village's path is its town's and itself."""

    def __init__(self) -> None:
        self.paths: dict[str, list[str]] = {}

    def get(self, code: str) -> list[str]:
        path = self.paths.get(code)
        if path is None:
            if code[9:] != "000":
                path = [*self.get(code[:9] + "000"), code]
            else:
                path = get_ancestor_codes(code)
            self.paths[code] = path
        return path

    def roll_up(self, own: Counter[str]) -> Counter[str]:
        """Each division's count added to itself and every division above it (villages'
        gathered at their town first: a few thousand paths walked, not 600,000)."""
        total = Counter(own)
        gathered: Counter[str] = Counter()  # added to a division and every one above it
        for code, count in own.items():
            if code[9:] != "000":
                gathered[code[:9] + "000"] += count
            else:
                path = self.get(code)
                if len(path) > 1:
                    gathered[path[-2]] += count
        for code, count in gathered.items():
            for above in self.get(code):
                total[above] += count
        return total


def _reported(
    code: str,
    level: Level,
    reported: Collection[str] | None,
    counties: Counter[str],
    done: Counter[str],
) -> tuple[bool | None, int, int]:
    """A row's (reported, counties, counties reported) in a roll-up of submissions."""
    if reported is None:
        return None, 0, 0
    if LEVEL_DIGITS[level] > LEVEL_DIGITS[Level.COUNTY]:  # a town: its county's
        return code[:6] in reported, 0, 0
    return done.get(code, 0) > 0, counties.get(code, 0), done.get(code, 0)


def _count_counties(
    tree: DivisionTree, root: str, reported: Collection[str] | None
) -> tuple[Counter[str], Counter[str]]:
    """Counties at or below each division above the towns, and of them those that reported."""
    counties: Counter[str] = Counter()
    done: Counter[str] = Counter()
    if reported is None:
        return counties, done
    for division, level, _ in _walk(tree, root, Level.COUNTY, include_root=True):
        if level is not Level.COUNTY:
            continue
        for code in get_ancestor_codes(division.code):
            counties[code] += 1
            done[code] += division.code[:6] in reported
    return counties, done


def _count_places(
    tree: DivisionTree,
    extra: Iterable[str],
    root: str,
    covered: set[str],
    each_village: bool,
    reported: Collection[str] | None = None,
) -> tuple[Counter[str], Counter[str], Counter[str], Counter[str]]:
    """Towns and villages (and of them, covered) below ``root``, at each division above them
    (and at each village when ``each_village``). Villages are counted per town first, then
    each town is added to its at most three divisions above: the whole country's 620,000
    villages in a few passes over the codes, not a walk of the tree."""
    prefix = root[: LEVEL_DIGITS[get_level_of_full_code(root)]] if root else ""
    divisions = tree.divisions
    codes = [c for c in chain(divisions, (c for c in extra if c not in divisions))]
    if prefix:
        codes = [c for c in codes if c.startswith(prefix)]
    if reported is not None:  # only the counties that reported count
        codes = [c for c in codes if c[:6] in reported]
    town_codes = [c for c in codes if c[9:] == "000" and c[6:9] != "000"]
    # a village whose town the tree lacks is in no division's total
    village_codes = [c for c in codes if c[9:] != "000" and c[:9] + "000" in divisions]
    villages = Counter(c[:9] + "000" for c in village_codes)  # per town, then rolled up
    villages_covered = Counter(c[:9] + "000" for c in village_codes if c in covered)
    towns: Counter[str] = Counter()
    towns_covered: Counter[str] = Counter()
    for town in town_codes:
        is_covered = town in covered
        in_town, done_in_town = villages[town], villages_covered[town]
        for code in get_ancestor_codes(town):
            towns[code] += 1
            towns_covered[code] += is_covered
            if code != town:
                villages[code] += in_town
                villages_covered[code] += done_in_town
    if each_village:
        villages.update(village_codes)
        villages_covered.update(c for c in village_codes if c in covered)
    return towns, towns_covered, villages, villages_covered


COUNTRY = "全国"
_COUNTS = (
    "units",
    "connected",
    "connected_by_ledger",
    "towns",
    "towns_covered",
    "villages",
    "villages_covered",
)


def _walk(
    tree: DivisionTree, root: str, deepest: Level, include_root: bool = False
) -> Iterator[tuple[Division, Level, int]]:
    """Divisions below ``root`` to ``deepest``, each before those below it, with its level
    and its depth below the root (the root 0; the whole country's provinces 1)."""
    limit = LEVEL_DIGITS[deepest]
    if include_root and root:
        division = tree.get(root)
        if division is not None:
            yield division, get_level_of_full_code(division.code), 0
    children = tree.children
    stack = [(c.code, 1) for c in reversed(_children(tree, root))]
    while stack:
        code, depth = stack.pop()
        division = tree.divisions.get(code) or tree.get(code)
        if division is None:
            continue
        level = get_level_of_full_code(code)
        yield division, level, depth
        if LEVEL_DIGITS[level] < limit and code in children:
            stack.extend((c, depth + 1) for c in sorted(children[code], reverse=True))


def _children(tree: DivisionTree, code: str) -> list[Division]:
    if not code:  # the provinces: codes ending in ten zeros
        return [tree.divisions[c] for c in sorted(tree.divisions) if c.endswith("0" * 10)]
    return tree.get_children(code)


class CoverageError(UsageError):
    """The report cannot be made (no classification, unknown division); says why."""


@dataclass(frozen=True)
class CoverageReport:
    root: str  # 12 digits, or "" for the whole country
    root_name: str
    deepest: Level
    classify_run_id: int | None
    survey_run_id: int | None
    rows: list[CoverageRow]
    survey_at: dt.datetime | None = None  # when the survey started, in the project's zone
    period: str | None = None  # YYYY-MM: a roll-up of the counties' submissions for it

    def to_dict(self) -> dict[str, Any]:
        return {
            "division": self.root or None,
            "period": self.period,
            "name": self.root_name,
            "level": self.deepest.value,
            "classification": self.classify_run_id,
            "survey_run": self.survey_run_id,
            "rows": [r.to_dict() for r in self.rows],
        }


def coverage_from_store(
    store: Store,
    tree: DivisionTree,
    classify_run_id: int | None = None,
    division: str | None = None,
    deepest: Level = Level.TOWN,
    zone: dt.tzinfo = dt.UTC,
) -> CoverageReport:
    """Coverage from a stored classification (the latest by default) and the inventory it
    was made from; below ``division`` (default: the smallest division holding every unit).
    ``zone``: the time zone its survey's time is given in."""
    result = store.get_classification(classify_run_id)
    if result is None:
        which = (
            "no classification yet"
            if classify_run_id is None
            else f"no classification {classify_run_id}"
        )
        raise CoverageError(f"{which}: run `govnet classify` first")
    snapshot = store.get_snapshot(result.survey_run_id)
    access = {u.unit: u.connected_by for u in result.units if u.category is not None}
    places = [UnitPlace(u.key, u.division_code, access.get(u.key)) for u in snapshot.units]
    if division in ("all", "CN"):
        root = ""  # the whole country
    elif division:
        try:
            root = to_full_code(division)
        except DivisionCodeError as exc:
            raise CoverageError(f"--division {division!r}: {exc}") from None
        if tree.get(root) is None:
            raise CoverageError(f"--division {division}: no such division in the NBS data")
    else:
        root = get_root_code(p.division_code for p in places)
    significant = root[: LEVEL_DIGITS[get_level(root)]] if root else ""
    imported = store.get_imported_divisions(significant)
    villages: list[str] = []
    if deepest is Level.VILLAGE:  # rows for them: into the tree
        tree = tree.copy_with(Division(c, n) for c, n in imported)
    else:  # counted only
        villages = [code for code, _ in imported]
    runs = [r["id"] for r in store.get_classify_runs()]
    run_id = classify_run_id if classify_run_id is not None else (runs[-1] if runs else None)
    name = tree.get_full_name(root) if root else COUNTRY
    rows = get_coverage(tree, places, root, deepest, villages)
    started = {r["id"]: r["started_at"] for r in store.get_survey_runs()}
    started_at = started.get(result.survey_run_id) if result.survey_run_id is not None else None
    survey_at = None if started_at is None else to_zone(started_at, zone)
    return CoverageReport(root, name, deepest, run_id, result.survey_run_id, rows, survey_at)


# --- the report -------------------------------------------------------------------------

UNREPORTED = "未上报"  # a county with no submission for the period (not 0%)
TABLE_ROWS = 500  # a terminal table longer than this helps nobody (and rich is slow)
LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "coverage": "覆盖情况",
        "connected": "已接入",
        "rate": "接入率",
        "covered": "乡镇覆盖",
        "ledger_only": "仅台账",
        "town_strip": "各乡镇（街道）覆盖：绿色已覆盖，灰色未覆盖",
    },
    "en": {
        "coverage": "Coverage",
        "connected": "Connected",
        "rate": "Rate",
        "covered": "Towns covered",
        "ledger_only": "ledger only",
        "town_strip": "Towns: green covered, grey not yet",
    },
}


@dataclass
class Node:
    """One division in the coverage tree, with those below it."""

    row: CoverageRow
    children: list[Node] = field(default_factory=list)


def rows_to_tree(rows: Sequence[CoverageRow]) -> list[Node]:
    """Coverage rows (tree order, each with its parent's code) as nested nodes."""
    nodes: dict[str, Node] = {}
    roots: list[Node] = []
    for row in rows:
        node = Node(row)
        nodes[row.code] = node
        parent = nodes.get(row.parent) if row.parent is not None else None
        (parent.children if parent is not None else roots).append(node)
    return roots


class CoverageSpec(ReportSpec[CoverageReport]):
    name = "coverage"
    help = (
        "Extranet coverage per division down to towns: units that should connect, connected"
        "\n(marked when only the ledger shows it), rate, towns and villages covered of total."
    )

    def load(self, reading: Reading) -> CoverageReport:
        """At the latest classified survey run (the one the progress ends with)."""
        if reading.store.get_submission_periods():  # a province's store: its counties' months
            from govnet.reports.rollup import coverage_from_submissions

            return coverage_from_submissions(
                reading.store, reading.tree, None, reading.division, reading.level
            )
        latest = reading.snapshots[-1].classify_run_id
        return coverage_from_store(
            reading.store,
            reading.tree,
            latest,
            reading.division,
            reading.level,
            reading.settings.zone,
        )

    def data(self, rows: CoverageReport) -> dict[str, Any]:
        return rows.to_dict()

    def tables(self, data: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
        columns = CSV_COLUMNS if data.get("period") else CSV_COLUMNS[:-3]  # a roll-up's: 上报情况
        return {"coverage": chinese_table(data["rows"], columns)}

    def sheets(
        self, rows: CoverageReport, data: Mapping[str, Any], where: SheetContext
    ) -> list[SheetSpec]:
        villages = any(r.villages for r in rows.rows)
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
        submitted = rows.period is not None
        if submitted:
            columns.append(Column("上报情况"))
        cells = []
        for r in rows.rows:
            row = [
                r.code,
                r.name,
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
            if submitted:
                row.append(
                    UNREPORTED
                    if r.reported is False
                    else f"已上报 {r.counties_reported}/{r.counties}"
                    if r.counties and r.level is not Level.COUNTY
                    else "已上报"
                )
            cells.append(row)
        heading = f"电子政务外网覆盖情况统计表（{where.place}）"
        if submitted:  # a province's roll-up: the month reported
            heading = f"电子政务外网覆盖情况统计表（{where.place}，{rows.period}）"
        indents = [r.depth for r in rows.rows]  # the tree by alignment, the name as it is
        return [SheetSpec("覆盖情况", heading, where.source, columns, cells, indents=indents)]

    def section(self, rows: CoverageReport, data: Mapping[str, Any], lang: str) -> Section:
        labels = LABELS[lang]
        context = {
            "t": labels,
            "tree": rows_to_tree(rows.rows),
            "strip": cell_strip(
                "towns",
                labels["town_strip"],
                [
                    (f"{r.name} {r.code}", "#2e7d32" if r.towns_covered else "#cfcfcf")
                    for r in rows.rows
                    if r.level is Level.TOWN
                ],
            ),
        }
        return Section(TEMPLATES / "coverage.html.j2", context)

    def view(self, rows: CoverageReport, data: Mapping[str, Any]) -> View:
        columns = [
            ViewColumn("区划", no_wrap=True),
            ViewColumn("代码", no_wrap=True),
        ]
        columns += [
            ViewColumn(header, "right", no_wrap=True)
            for header in ("应接入", "已接入", "接入率", "乡镇覆盖", "覆盖率")
        ]
        villages = any(r.villages for r in rows.rows)
        if villages:
            columns.append(ViewColumn("村（社区）", "right"))
        shown = rows.rows[:TABLE_ROWS]
        cells = []
        for row in shown:
            connected = str(row.connected)
            if row.connected_by_ledger:
                connected += f"（仅台账 {row.connected_by_ledger}）"
            line = [
                "  " * row.depth + row.name,
                row.code,
                str(row.units),
                connected,
                percent(row.rate),
                f"{row.towns_covered}/{row.towns}",
                percent(row.town_rate),
            ]
            if row.reported is False:  # no submission: not a 0%
                line[2:] = ["—", "—", UNREPORTED, "—", UNREPORTED]
            if villages:
                line.append(f"{row.villages_covered}/{row.villages}")
            cells.append(line)
        title = f"电子政务外网覆盖情况：{rows.root_name}"
        if rows.survey_at is not None:
            title += f"（{format_date(rows.survey_at)}采集）"
        if rows.period is not None and rows.rows:
            top = rows.rows[0]
            title += (
                f"（{rows.period}，已上报 {top.counties_reported}/{top.counties} 个县级区划，"
                "合计只计已上报的）"
            )
        view: View = [ViewTable(title, columns, cells)]
        if len(shown) < len(rows.rows):
            view.append(
                ViewLine.plain(
                    f"（仅列出前 {len(shown):,} 行，共 {len(rows.rows):,} 行；"
                    "--format csv,json 写出全部，--level county 列出更少）"
                )
            )
        if any(r.connected_by_ledger for r in rows.rows[:1]):
            view.append(ViewLine.plain("仅台账：只有台账登记了外网线路，采集的设备上未见该线路"))
        return view


def _level(value: str | None) -> str:
    return name_of(value, LEVEL_NAMES)


# coverage.csv: the JSON rows' codes as people read them (coverage.json keeps the codes).
CSV_COLUMNS: list[tuple[str, str, Any]] = [
    ("code", "区划代码", as_is),
    ("name", "区划名称", as_is),
    ("level", "层级", _level),
    ("units", "应接入单位数", as_is),
    ("connected", "已接入单位数", as_is),
    ("connected_by_ledger", "其中仅台账", as_is),
    ("rate", "单位接入率", as_is),
    ("towns", "乡镇（街道）数", as_is),
    ("towns_covered", "已覆盖乡镇（街道）数", as_is),
    ("town_rate", "乡镇覆盖率", as_is),
    ("villages", "村（社区）数", as_is),
    ("villages_covered", "已覆盖村（社区）数", as_is),
    ("village_rate", "村覆盖率", as_is),
    # a roll-up of submissions only (dropped otherwise): these three last
    ("reported", "上报情况", lambda v: {True: "已上报", False: UNREPORTED}.get(v, "")),
    ("counties_reported", "已上报县级区划数", as_is),
    ("counties", "县级区划数", as_is),
]

REPORT = CoverageSpec()
