"""A synthesized district read by the lab's perfect-survey oracle, before and after one
department's cutover plan is applied to the simulated routers (no SSH, a second or two)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from govnet.classify import classify
from govnet.model.divisions import Level, get_bundled_tree
from govnet.model.files import search_path
from govnet.model.inventory import Inventory
from govnet.model.inventory_files import get_inventory
from govnet.model.plans import Plan
from govnet.model.policy import load_policy
from govnet.plan import TEMPLATES, PlanInput, make_plan
from govnet.platforms import load_platforms
from govnet.reports.bundle import Reports
from govnet.reports.contacts import get_unit_contacts
from govnet.reports.coverage import CoverageReport, UnitPlace, get_coverage
from govnet.reports.exits import Exits, get_exit_rows
from govnet.reports.lines import Lines, get_line_rows
from govnet.reports.progress import get_deadline_states, get_division_rows, get_progress
from govnet.reports.snapshots import LedgerLine, Snapshot
from govnet_lab.configure import apply_lines
from govnet_lab.district import load_district
from govnet_lab.facts import get_lab_snapshot, get_running_config
from govnet_lab.generate import generate_lab
from govnet_lab.model import Device

COUNTY, SEED, SIZE = "370702", 3, 60
UNIT = "c370702-renshe"  # 金保 (vertical) + an own internet exit
T0 = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)


@dataclass
class Migrated:
    root: Path
    inventory: Inventory
    devices: list[Device]
    before: Snapshot  # survey run 1, day 0
    after: Snapshot  # survey run 2, day 7: UNIT's plan applied
    plan: Plan

    def snapshot_again(self, point: int, day: int) -> Snapshot:
        return _snapshot(self.inventory, self.devices, point, day)


def _snapshot(inventory: Inventory, devices: list[Device], point: int, day: int) -> Snapshot:
    snap = get_lab_snapshot(inventory, devices)
    result = classify(snap, load_policy(None))
    return Snapshot(point, point, T0 + dt.timedelta(days=day), result)


def migrate_one_unit(root: Path, unit: str = UNIT) -> Migrated:
    district = load_district(generate_lab(root, COUNTY, SEED, SIZE, None))
    inventory = get_inventory(root, get_bundled_tree())
    devices = {d.hostname: d for d in district.devices}
    before = _snapshot(inventory, district.devices, 1, 0)
    snap = get_lab_snapshot(inventory, district.devices)
    configs = {d.hostname: get_running_config(d) for d in district.devices}
    dialects = load_platforms().get_dialects()
    templates = search_path(None, TEMPLATES)
    inp = PlanInput(before.classification, snap, configs, load_policy(None), dialects, templates)
    plan = make_plan(inp, unit)
    for host in plan.hosts:
        platform = next(s.platform for s in plan.steps if s.host == host)
        rejected = apply_lines(
            devices[host], dialects[platform].to_push_lines(plan.get_config(host))
        )
        assert rejected == [], rejected
    after = _snapshot(inventory, district.devices, 2, 7)
    return Migrated(root, inventory, district.devices, before, after, plan)


def reports_of(migrated: Migrated, names: dict[str, str] | None = None) -> Reports:
    """What `govnet report all` would show for the two snapshots (no store needed)."""
    tree = get_bundled_tree()
    after = migrated.after
    connected = {u.unit: u.connected_by for u in after.classification.units if u.category}
    places = [
        UnitPlace(u.id, u.division_code, connected.get(u.id)) for u in migrated.inventory.units
    ]
    root = migrated.inventory.units[0].division_code[:6].ljust(12, "0")
    rows = get_coverage(tree, places, root)
    coverage = CoverageReport(root, tree.get_full_name(root), Level.TOWN, 2, 2, rows)
    ledger = ledger_of(migrated.inventory)
    units = [(u.id, u.name, u.division_code) for u in migrated.inventory.units]
    progress = get_progress([migrated.before, after], units, ledger)
    states = get_deadline_states(
        load_policy(None).deadlines, progress.total, {"root": rows[0]}, T0.date()
    )
    progress = replace(progress, deadlines=states, divisions=get_division_rows(progress, coverage))
    unit_names = {**{u.id: u.name for u in migrated.inventory.units}, **(names or {})}
    exits = get_exit_rows([migrated.before, after])
    return Reports(
        {
            "coverage": coverage,
            "progress": progress,
            "exits": Exits(exits, after.classification.breaches, unit_names),
            "lines": Lines(get_line_rows(after, ledger), unit_names),
            "deadlines": states,
            "contacts": get_unit_contacts(
                [
                    {**row, "name": unit_names[row["key"]]}
                    for row in migrated.inventory.to_store_rows()["units"]
                ]
            ),
        },
        T0 + dt.timedelta(days=8),
    )


def ledger_of(
    inventory: Inventory, cancelled: dict[str, dt.datetime] | None = None
) -> list[LedgerLine]:
    """The inventory's ledger as progress reads it; ``cancelled``: circuit -> when it left."""
    return [
        LedgerLine(
            ln.circuit_id,
            ln.unit,
            ln.monthly_fee,
            ln.annual_fee,
            (cancelled or {}).get(ln.circuit_id),
            ln.network,
            ln.carrier.value,
            ln.kind.value,
            ln.bandwidth_mbps,
        )
        for ln in inventory.lines
    ]
