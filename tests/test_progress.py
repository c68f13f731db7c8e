"""Progress over snapshots, on the lab's perfect-survey oracle: a department's plan applied to
the simulated routers between two snapshots, its old line then cancelled in the ledger.

Point 1: as generated. Point 2: the plan of c370702-renshe applied (its 金保 network carried
in the dedicated zone, its own internet exit closed). Point 3: the carrier has cancelled the
old 金保 line, so it has left the ledger. The figures are the ledger's own fees.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from govnet.model.policy import Deadline
from govnet.reports.exits import get_exit_rows
from govnet.reports.lines import get_line_rows
from govnet.reports.progress import Tally, get_deadline_states, get_progress
from oracle import T0, UNIT, ledger_of, migrate_one_unit


def test_progress_shows_the_migration_the_exit_closed_and_the_fee_saved(tmp_path: Path) -> None:
    migrated = migrate_one_unit(tmp_path)
    inventory, before, after, plan = (
        migrated.inventory,
        migrated.before,
        migrated.after,
        migrated.plan,
    )
    assert {s.approach for s in plan.steps} >= {"dedicated_vpn", "close_exit"}
    (circuit,) = [
        c.circuit_id for c in plan.cancel if c.circuit_id and c.circuit_id.startswith("SD-")
    ]
    assert circuit is not None
    ledger_line = next(ln for ln in inventory.lines if ln.circuit_id == circuit)
    assert ledger_line.monthly_fee is not None
    cancelled_at = T0 + dt.timedelta(days=20)
    cancelled = migrated.snapshot_again(3, 30)
    ledger = ledger_of(inventory, {circuit: cancelled_at})
    units = [(u.id, u.name, u.division_code) for u in inventory.units]
    report = get_progress([before, after, cancelled], units, ledger)

    first, second, third = (p.total for p in report.points)
    assert second.migrated == first.migrated + 1
    assert second.remaining == first.remaining - 1
    assert second.exits_closed == first.exits_closed + 1
    assert second.exits_found == first.exits_found  # found stays found
    assert (first.lines_cancelled, second.lines_cancelled, third.lines_cancelled) == (0, 0, 1)
    assert second.monthly_to_save >= ledger_line.monthly_fee  # the zombie old line, to cancel
    assert third.monthly_saved == ledger_line.monthly_fee
    assert third.annual_saved == ledger_line.get_annual_fee()

    unit = next(u for u in report.units if u.unit == UNIT)
    assert unit.networks[f"{UNIT}:jinbao"] == "migrated"
    assert all(unit.exits.values()) and unit.tally.exits_closed == len(unit.exits) == 1
    assert unit.tally.monthly_saved == ledger_line.monthly_fee
    rows = dict(report.get_rows())
    county = rows["370702000000"]
    assert county.migrated == third.migrated and county.monthly_saved == third.monthly_saved
    others = [u for u in report.units if u.unit != UNIT]
    assert sum(u.tally.migrated for u in others) == first.migrated  # nobody else changed

    exits = get_exit_rows([before, after, cancelled])
    (closed,) = [e for e in exits if e.unit == UNIT]
    assert (closed.found_in, closed.closed_in, closed.kind) == (1, 2, "easy_ip")
    assert all(e.closed_in is None for e in exits if e.unit != UNIT)
    in_ledger = [replace(ln, retired_at=None) for ln in ledger]
    then = {r.circuit_id: r for r in get_line_rows(after, in_ledger)}
    now = {r.circuit_id: r for r in get_line_rows(cancelled, ledger)}
    assert (then[circuit].status, then[circuit].target) == (
        "to_cancel",
        "decommission",
    )
    assert now[circuit].status == "cancelled"
    assert now[circuit].annual_fee == ledger_line.get_annual_fee()
    assert len(now) == len(inventory.lines)


def test_deadlines_are_measured_and_overdue_when_unmet_after_their_date() -> None:
    total = Tally(networks=4, migrated=1, retained=1, exits_found=2, exits_closed=2)
    deadlines = [
        Deadline(what="出口整合", measure="own_exits_closed", by=dt.date(2025, 6, 30)),
        Deadline(what="专网整合", measure="networks_done", by=dt.date(2025, 12, 31)),
        Deadline(what="专网整合（明年）", measure="networks_done", by=dt.date(2027, 12, 31)),
    ]
    states = get_deadline_states(deadlines, total, {}, dt.date(2026, 11, 23))
    assert [(s.actual, s.met, s.overdue) for s in states] == [
        (1.0, True, False),
        (0.5, False, True),
        (0.5, False, False),
    ]


def test_a_deadline_measure_must_be_known() -> None:
    with pytest.raises(ValueError, match="town_coverage"):
        Deadline(what="x", measure="town_coverag", by=dt.date(2025, 1, 1))
    assert Tally(monthly_saved=Decimal(1)).to_dict()["monthly_saved"] == 1.0
