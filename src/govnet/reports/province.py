"""A province store's progress, exits and lines: one row per county, rolled up from the
counties' submissions (issue 21 item 4), with 未上报 rows for a county silent that month.

Each county's figures are made by the county reports' own builders (``get_progress``,
``get_exit_rows``, ``get_line_rows``) run on what the county sent instead of on a store: each
of its submissions up to the month is one snapshot (its survey and classification), and its
ledger is every line any of them listed, a line missing from a later month's ledger being
cancelled at that month's survey. So a county's row here is what its own reports say of the
same surveys, and a network, exit or line that went between two months counts as closed or
cancelled as it would at home.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from govnet.model.divisions import DivisionTree, Level
from govnet.model.policy import SubjectKind, Target
from govnet.model.verdicts import (
    Breach,
    Classification,
    Evidence,
    Exit,
    Finding,
    UnitAccess,
    Verdict,
)
from govnet.reports.coverage import CoverageReport
from govnet.reports.exits import get_exit_rows
from govnet.reports.lines import get_line_rows
from govnet.reports.progress import Tally, get_progress
from govnet.reports.rollup import coverage_from_submissions
from govnet.reports.snapshots import LedgerLine, Snapshot

if TYPE_CHECKING:
    from govnet.store import Store


# --- a submission read back as what the county reports read --------------------------


def _evidence(items: Iterable[Mapping[str, Any]] | None) -> list[Evidence]:
    return [Evidence(**e) for e in items or ()]


def _verdict(data: Mapping[str, Any]) -> Verdict:
    """A verdict from its ``to_dict`` form (what the submission file holds)."""
    fields = {k: v for k, v in data.items() if k not in ("kind", "target", "evidence", "tried")}
    return Verdict(
        kind=SubjectKind(data["kind"]),
        target=Target(data["target"]),
        evidence=_evidence(data.get("evidence")),
        tried=[(str(a), str(b)) for a, b in data.get("tried") or ()],
        **fields,
    )


def _unit_access(data: Mapping[str, Any]) -> UnitAccess:
    exits = [
        Exit(**{**{k: v for k, v in e.items() if k != "evidence"}, "signs": list(e["signs"])})
        for e in data.get("exits") or ()
    ]
    return UnitAccess(
        data["unit"],
        data.get("name", data["unit"]),
        data.get("category"),
        bool(data.get("own_exit")),
        bool(data.get("public")),
        bool(data.get("dedicated")),
        bool(data.get("unified")),
        exits,
        _evidence(data.get("evidence")),
        data.get("connected_by"),
    )


def classification_from_dict(data: Mapping[str, Any]) -> Classification:
    """The classification a submission carries, as the county's store returned it."""
    return Classification(
        breaches=[
            Breach(
                b["host"],
                b["unit"],
                list(b["touches"]),
                list(b["interfaces"]),
                _evidence(b.get("evidence")),
                b.get("severity", "critical"),
            )
            for b in data.get("breaches") or ()
        ],
        lines=[_verdict(v) for v in data.get("lines") or ()],
        networks=[_verdict(v) for v in data.get("networks") or ()],
        units=[_unit_access(u) for u in data["units"]],
        findings=[Finding(**f) for f in data.get("findings") or ()],
    )


def _time(text: str | None) -> dt.datetime:
    """A stored ISO time as an aware one (a naive time is UTC, as the store keeps it)."""
    if not text:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    when = dt.datetime.fromisoformat(text)
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _ledger_line(data: Mapping[str, Any], retired_at: dt.datetime | None) -> LedgerLine:
    return LedgerLine(
        data["circuit_id"],
        data["unit"],
        _money(data.get("monthly_fee")),
        _money(data.get("annual_fee")),
        retired_at,
        data.get("network") or "",
        data.get("carrier") or "",
        data.get("kind") or "",
        data.get("bandwidth_mbps"),
    )


@dataclass(frozen=True)
class CountyHistory:
    """One county's submissions up to the month, oldest first, as snapshots and a ledger."""

    snapshots: list[Snapshot]
    ledger: list[LedgerLine]
    units: list[tuple[str, str, str]]  # key, name, division code (of the newest month)


def get_history(contents: Sequence[Mapping[str, Any]]) -> CountyHistory:
    """Each submission (oldest first) a snapshot; a line the newest month's ledger no longer
    lists cancelled at the survey of the first month after it was last listed."""
    snapshots = [
        Snapshot(
            int(c["snapshot"].get("survey_run") or i),
            int(c["classification"].get("classify_run") or i),
            _time(c["snapshot"].get("started_at")),
            classification_from_dict(c["classification"]),
        )
        for i, c in enumerate(contents)
    ]
    last_seen: dict[str, tuple[int, Mapping[str, Any]]] = {}
    for i, content in enumerate(contents):
        for line in content["ledger"]:
            last_seen[line["circuit_id"]] = i, line
    newest = len(contents) - 1
    ledger = [
        _ledger_line(line, None if i == newest else snapshots[i + 1].at)
        for i, line in last_seen.values()
    ]
    units = [(u["key"], u["name"], u["division_code"]) for u in contents[-1]["snapshot"]["units"]]
    return CountyHistory(snapshots, ledger, units)


# --- the figures per county ----------------------------------------------------------------


@dataclass
class ExitTotals:
    found: int = 0
    closed: int = 0
    annual_fee_open: Decimal = Decimal(0)  # what the exits still open cost a year
    breaches: int = 0

    @property
    def open(self) -> int:
        return self.found - self.closed


@dataclass
class LineTotals:
    lines: int = 0  # in the ledger now
    annual_fee: Decimal = Decimal(0)  # 年租费 of the lines in the ledger now
    to_cancel: int = 0  # in the ledger, target decommission: the plan
    annual_to_cancel: Decimal = Decimal(0)
    cancelled: int = 0  # left the ledger
    annual_cancelled: Decimal = Decimal(0)


@dataclass(frozen=True)
class CountyFigures:
    """One county's row: its figures for the month, or None for every one when it sent
    nothing (未上报, in no total)."""

    code: str  # 12 digits
    name: str
    period: str | None  # the month it reported (None: 未上报)
    progress: Tally | None = None
    exits: ExitTotals | None = None
    lines: LineTotals | None = None

    @property
    def reported(self) -> bool:
        return self.period is not None


def get_county_figures(code: str, name: str, period: str, history: CountyHistory) -> CountyFigures:
    """A county's figures by its own reports' builders, on its submissions."""
    progress = get_progress(history.snapshots, history.units, history.ledger)
    exits = ExitTotals(breaches=len(history.snapshots[-1].classification.breaches))
    for row in get_exit_rows(history.snapshots):
        exits.found += 1
        if row.closed_in is not None:
            exits.closed += 1
        else:
            fee = row.annual_fee if row.annual_fee is not None else (row.monthly_fee or 0) * 12
            exits.annual_fee_open += Decimal(str(fee))
    lines = LineTotals()
    for line in get_line_rows(history.snapshots[-1], history.ledger):
        if line.status == "cancelled":
            lines.cancelled += 1
            lines.annual_cancelled += line.annual_fee
            continue
        lines.lines += 1
        lines.annual_fee += line.annual_fee
        if line.status == "to_cancel":
            lines.to_cancel += 1
            lines.annual_to_cancel += line.annual_fee
    return CountyFigures(code, name, period, progress.total, exits, lines)


@dataclass(frozen=True)
class ProvinceReport:
    """Every county below the province store's division, reported or not, for one month."""

    root: str  # 12 digits ("" for the whole country)
    root_name: str
    period: str
    counties: list[CountyFigures]
    coverage: CoverageReport = field(repr=False)  # by county: the place and who reported

    @property
    def reported(self) -> list[CountyFigures]:
        return [c for c in self.counties if c.reported]

    @property
    def progress(self) -> Tally:
        total = Tally()
        for county in self.reported:
            assert county.progress is not None
            total.add(county.progress)
        return total

    @property
    def exits(self) -> ExitTotals:
        total = ExitTotals()
        for county in self.reported:
            assert county.exits is not None
            for name in ("found", "closed", "annual_fee_open", "breaches"):
                setattr(total, name, getattr(total, name) + getattr(county.exits, name))
        return total

    @property
    def lines(self) -> LineTotals:
        total = LineTotals()
        for county in self.reported:
            assert county.lines is not None
            for name in LineTotals.__dataclass_fields__:
                setattr(total, name, getattr(total, name) + getattr(county.lines, name))
        return total


def province_from_submissions(
    store: Store, tree: DivisionTree, period: str | None = None, division: str | None = None
) -> ProvinceReport:
    """Each county below the store's division (as the coverage roll-up chooses it) for
    ``period`` (default: the newest any county sent): its figures from its submissions up to
    that month, or a 未上报 row."""
    coverage = coverage_from_submissions(store, tree, period, division, Level.COUNTY)
    month = coverage.period
    assert month is not None
    history: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for earlier in [p for p in store.get_submission_periods() if p <= month]:
        for sub in store.get_submissions(earlier):
            history[sub["county"]].append(sub["content"])
    reported = {sub["county"] for sub in store.get_submissions(month)}
    counties = []
    for row in coverage.rows:
        if row.level is not Level.COUNTY:
            continue
        county = row.code[:6]
        if county in reported:
            figures = get_county_figures(row.code, row.name, month, get_history(history[county]))
        else:
            figures = CountyFigures(row.code, row.name, None)
        counties.append(figures)
    return ProvinceReport(coverage.root, coverage.root_name, month, counties, coverage)
