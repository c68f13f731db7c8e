"""Extranet coverage per administrative division, from the province down to towns (villages
when imported): units that should connect, units connected, the rate, towns and villages
covered of their totals (DOMAIN.md section 7).

Every division of the real NBS tree under the chosen root is a row, including towns with no
unit yet (0 of 1 covered), so a county's table lists exactly its towns. A unit counts at its
own division and every division above it. A unit is connected when its classification gives
it an access class; when only the ledger shows its extranet line (no surveyed device does),
it is counted and marked ``ledger``. A town (village) is covered when a unit located in it is
connected.

Counting is one pass over units and one over the towns and villages below the root, adding
to each ancestor (at most four per code), so the whole country's 41,000 towns take well under
a second (benchmarks/coverage.py).

The report: coverage.csv and coverage.json, the sheet 覆盖情况, the page's coverage tree
(nested ``<details>`` down to every town, a strip of towns) and the terminal table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import takewhile
from typing import TYPE_CHECKING, Any

from govnet.model.divisions import (
    LEVEL_DIGITS,
    Division,
    DivisionCodeError,
    DivisionTree,
    Level,
    get_level,
    to_full_code,
)
from govnet.model.labels import LEVEL_NAMES, percent
from govnet.model.problems import UsageError
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
) -> list[CoverageRow]:
    """One row per division from ``root`` ("" for the whole country) down to ``deepest``, in
    tree order (each division followed by those below it)."""
    root = to_full_code(root) if root else ""
    counts: Counter[str] = Counter()
    connected: Counter[str] = Counter()
    by_ledger: Counter[str] = Counter()
    covered_places: set[str] = set()
    for unit in units:
        path = get_ancestor_codes(unit.division_code)
        if root and root not in path:
            continue
        for code in path:
            counts[code] += 1
            if unit.connected_by is not None:
                connected[code] += 1
                if unit.connected_by == LEDGER:
                    by_ledger[code] += 1
        if unit.connected_by is not None:
            covered_places.update(c for c in path if c[6:9] != "000")  # its town and village
    towns: Counter[str] = Counter()
    towns_covered: Counter[str] = Counter()
    villages: Counter[str] = Counter()
    villages_covered: Counter[str] = Counter()
    for division in _walk(tree, root, Level.VILLAGE, include_root=True):
        level = division.level
        if level is Level.TOWN:
            total, done = towns, towns_covered
        elif level is Level.VILLAGE:
            total, done = villages, villages_covered
        else:
            continue
        is_covered = division.code in covered_places
        for code in get_ancestor_codes(division.code):
            total[code] += 1
            if is_covered:
                done[code] += 1
    rows: list[CoverageRow] = []
    deepest_digits = LEVEL_DIGITS[deepest]
    parents: dict[int, str] = {0: ""} if not root else {}
    base = _depth_of(root)
    for division in _walk(tree, root, deepest, include_root=True):
        code = division.code
        depth = _depth_of(code) - base
        parents[depth] = code
        if LEVEL_DIGITS[division.level] > deepest_digits:
            continue
        rows.append(
            CoverageRow(
                code,
                division.name,
                division.level,
                parents.get(depth - 1) if depth > 0 else None,
                depth,
                counts[code],
                connected[code],
                by_ledger[code],
                towns[code],
                towns_covered[code],
                villages[code],
                villages_covered[code],
            )
        )
    if not root:  # the whole country: its total first, the provinces below it
        top = [r for r in rows if r.depth == 1]
        sums = [sum(getattr(r, f) for r in top) for f in _COUNTS]
        rows.insert(0, CoverageRow("", COUNTRY, None, None, 0, *sums))
    return rows


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


def _depth_of(code: str) -> int:
    return len(get_ancestor_codes(code)) if code else 0


def _walk(
    tree: DivisionTree, root: str, deepest: Level, include_root: bool = False
) -> Iterator[Division]:
    """Divisions below ``root`` to ``deepest``, each before those below it."""
    limit = LEVEL_DIGITS[deepest]
    if include_root and root:
        division = tree.get(root)
        if division is not None:
            yield division
    stack = [c.code for c in reversed(_children(tree, root))]
    while stack:
        code = stack.pop()
        division = tree.divisions.get(code) or tree.get(code)
        if division is None:
            continue
        yield division
        if LEVEL_DIGITS[division.level] < limit:
            stack.extend(c.code for c in reversed(_children(tree, code)))


def _children(tree: DivisionTree, code: str) -> list[Division]:
    if not code:
        return sorted(
            (d for d in tree.divisions.values() if d.level is Level.PROVINCE),
            key=lambda d: d.code,
        )
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "division": self.root or None,
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
) -> CoverageReport:
    """Coverage from a stored classification (the latest by default) and the inventory it
    was made from; below ``division`` (default: the smallest division holding every unit)."""
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
    villages = [Division(c, n) for c, n in store.get_imported_divisions(significant)]
    if villages:
        tree = tree.copy_with(villages)
    runs = [r["id"] for r in store.get_classify_runs()]
    run_id = classify_run_id if classify_run_id is not None else (runs[-1] if runs else None)
    name = tree.get_full_name(root) if root else COUNTRY
    rows = get_coverage(tree, places, root, deepest)
    return CoverageReport(root, name, deepest, run_id, result.survey_run_id, rows)


# --- the report -------------------------------------------------------------------------

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
        latest = reading.snapshots[-1].classify_run_id
        return coverage_from_store(
            reading.store, reading.tree, latest, reading.division, reading.level
        )

    def data(self, rows: CoverageReport) -> dict[str, Any]:
        return rows.to_dict()

    def tables(self, data: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
        return {"coverage": data["rows"]}

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
        cells = []
        for r in rows.rows:
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
            cells.append(row)
        heading = f"电子政务外网覆盖情况统计表（{where.place}）"
        return [SheetSpec("覆盖情况", heading, where.source, columns, cells)]

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
            ViewColumn("区划\ndivision", no_wrap=True),
            ViewColumn("代码\ncode", no_wrap=True),
        ]
        columns += [
            ViewColumn(header, "right", no_wrap=True)
            for header in (
                "应接入\nunits",
                "已接入\nconnected",
                "接入率\nrate",
                "乡镇\ntowns",
                "覆盖率\ncovered",
            )
        ]
        villages = any(r.villages for r in rows.rows)
        if villages:
            columns.append(ViewColumn("村社区\nvillages", "right"))
        shown = rows.rows[:TABLE_ROWS]
        cells = []
        for row in shown:
            connected = str(row.connected)
            if row.connected_by_ledger:
                connected += f" (台账 ledger {row.connected_by_ledger})"
            line = [
                "  " * row.depth + row.name,
                row.code,
                str(row.units),
                connected,
                percent(row.rate),
                f"{row.towns_covered}/{row.towns}",
                percent(row.town_rate),
            ]
            if villages:
                line.append(f"{row.villages_covered}/{row.villages}")
            cells.append(line)
        title = (
            f"电子政务外网覆盖 extranet coverage: {rows.root_name}"
            f" (classification {rows.classify_run_id}, survey run {rows.survey_run_id})"
        )
        view: View = [ViewTable(title, columns, cells)]
        if len(shown) < len(rows.rows):
            view.append(
                ViewLine.plain(
                    f"(the first {len(shown):,} of {len(rows.rows):,} rows; --format csv,json"
                    " writes them all, --level county shows fewer)"
                )
            )
        if any(r.connected_by_ledger for r in rows.rows[:1]):
            view.append(
                ViewLine.plain(
                    "台账 ledger: connected by the ledger only (no surveyed device shows the line)"
                )
            )
        return view


REPORT = CoverageSpec()
