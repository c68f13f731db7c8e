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
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from govnet.reports.coverage import CoverageRow, get_ancestor_codes
from govnet.model.policy import Category, Deadline, Target
from govnet.model.problems import UsageError
from govnet.model.verdicts import Classification

if TYPE_CHECKING:
    from govnet.store import Store

STATUSES = ("migrated", "retained", "to_cancel", "closed", "remaining")
CARRIERS = {Category.EXTRANET.value, Category.INTERNET.value}


class ProgressError(UsageError):
    """No progress to report yet; the message says what to run."""


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
        }


@dataclass(frozen=True)
class LedgerLine:
    circuit_id: str
    unit: str
    monthly_fee: Decimal | None
    annual_fee: Decimal | None
    retired_at: dt.datetime | None  # left the ledger: cancelled
    network: str = ""
    carrier: str = ""
    kind: str = ""
    bandwidth_mbps: float | None = None

    @property
    def yearly(self) -> Decimal:
        if self.annual_fee is not None:
            return self.annual_fee
        return (self.monthly_fee or Decimal(0)) * 12


@dataclass(frozen=True)
class Snapshot:
    """One point's input: when, and its classification."""

    survey_run_id: int
    classify_run_id: int
    at: dt.datetime
    classification: Classification


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
            _exit_key(e.circuit_id, e.host, e.interface): e.unit for e in result.exits if e.own_exit
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


def _exit_key(circuit: str | None, host: str | None, interface: str | None) -> str:
    return circuit or f"{host}:{interface}"


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


def progress_from_store(
    store: Store, snapshots: Sequence[Snapshot] | None = None
) -> ProgressReport:
    """Progress over every classified survey run, oldest first."""
    if snapshots is None:
        snapshots = get_snapshots(store)
    units = [
        (u["key"], u["name"], u["division_code"])
        for u in store.get_inventory_rows("units", include_retired=True)
    ]
    return get_progress(snapshots, units, get_ledger(store))


def get_ledger(store: Store) -> list[LedgerLine]:
    """Every ledger line the store has known, cancelled ones (retired) included."""
    return [
        LedgerLine(
            r["circuit_id"],
            r["unit_key"],
            r["monthly_fee"],
            r["annual_fee"],
            r["retired_at"],
            r["network"],
            r["carrier"],
            r["kind"],
            r["bandwidth_mbps"],
        )
        for r in store.get_inventory_rows("lines", include_retired=True)
    ]


def get_snapshots(store: Store) -> list[Snapshot]:
    """Every survey run that has a classification (its latest), oldest first."""
    runs = {r["id"]: r for r in store.get_survey_runs()}
    latest: dict[int, int] = {}
    for run in store.get_classify_runs():
        if run["survey_run_id"] is not None:
            latest[run["survey_run_id"]] = run["id"]
    if not latest:
        raise ProgressError("no classification yet: run `govnet classify` first")
    snapshots = []
    for survey_run_id, classify_run_id in sorted(latest.items()):
        result = store.get_classification(classify_run_id)
        assert result is not None
        at = runs[survey_run_id]["started_at"]
        snapshots.append(Snapshot(survey_run_id, classify_run_id, at, result))
    return snapshots


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

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["signs"] = ",".join(self.signs)
        data["status"] = "closed" if self.closed_in is not None else "open"
        return data


def get_exit_rows(snapshots: Sequence[Snapshot]) -> list[ExitRow]:
    rows: dict[str, ExitRow] = {}
    for snap in snapshots:
        seen = set()
        for e in snap.classification.exits:
            if not e.own_exit:
                continue
            key = _exit_key(e.circuit_id, e.host, e.interface)
            seen.add(key)
            found = rows[key].found_in if key in rows else snap.survey_run_id
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
            )
        for key, row in rows.items():
            if key not in seen and row.closed_in is None:
                rows[key] = replace(row, closed_in=snap.survey_run_id)
    return sorted(rows.values(), key=lambda r: (r.unit, r.host or "", r.interface or ""))


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
            )
        )
    return sorted(rows, key=lambda r: (r.unit, r.circuit_id))
