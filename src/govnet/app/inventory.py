"""The inventory and the ledger: check them, record them in the store, import a ledger
spreadsheet (台账) into them, export it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govnet.app.project import Project
from govnet.ledger import ImportResult, export_ledger, import_ledger
from govnet.model.divisions import get_bundled_tree
from govnet.model.inventory import Inventory, get_inventory_summary
from govnet.model.problems import Problem, UsageError
from govnet.store import SyncResult


@dataclass(frozen=True)
class LoadedInventory:
    inventory: Inventory
    problems: list[Problem]  # warnings (an error stops the load)
    sync: SyncResult
    summary: dict[str, Any]  # what an engineer wants first: units, devices, lines, fees


def check_inventory(project: Project) -> tuple[Inventory | None, list[Problem]]:
    """Every inventory file checked; the inventory is None when one has an error."""
    return project.check_inventory()


def load_inventory(project: Project) -> LoadedInventory:
    """The checked inventory recorded in the store (rows that left are retired)."""
    inventory, problems, sync = project.load_inventory_into_store()
    summary = get_inventory_summary(inventory, get_bundled_tree())
    return LoadedInventory(inventory, problems, sync, summary)


def import_ledger_file(
    project: Project, file: Path, sheet: str | None = None, dry_run: bool = False
) -> ImportResult:
    """inventory/lines.yaml replaced by a ledger spreadsheet, if every row is valid."""
    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    return import_ledger(project.root, file, project.get_tree(), sheet=sheet, dry_run=dry_run)


def export_ledger_file(project: Project, file: Path) -> int:
    """The ledger written to a spreadsheet with Chinese headers; how many lines."""
    return export_ledger(project.root, file, project.get_tree())
