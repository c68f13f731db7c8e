"""The inventory and the ledger: check them, record them in the store, import a ledger
spreadsheet (台账) into them, export it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govnet.app.book_import import BookImport, import_book
from govnet.app.book_import import is_inventory_book as _is_book
from govnet.app.project import Project
from govnet.ledger import ImportResult, export_ledger, import_ledger
from govnet.model.divisions import get_bundled_tree
from govnet.model.files import write_atomically_with
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


def write_inventory_template(project: Project, file: Path) -> dict[str, int]:
    """The inventory workbook (units, devices, ledger, 填写说明) with the project's rows; the
    rows written per sheet. The inventory must be valid: its rows are what gets written."""
    from govnet.app.book import write_template

    if file.suffix.lower() != ".xlsx":
        raise UsageError(f"{file}: name the workbook .xlsx")
    if file.is_dir():
        raise UsageError(f"{file} is a folder: give a file name ending in .xlsx")
    if not file.parent.is_dir():
        raise UsageError(f"{file}: folder {file.parent} does not exist")
    inventory = project.get_inventory()
    platforms = project.get_platform_names()
    counts: dict[str, int] = {}

    def save(path: Path) -> None:
        counts.update(write_template(path, inventory, platforms, project.root))

    write_atomically_with(file, save)
    return counts


def import_inventory_book(project: Project, file: Path, dry_run: bool = False) -> BookImport:
    """units.yaml, the hosts file and lines.yaml replaced by the workbook's three sheets."""
    return import_book(project, file, dry_run)


def is_inventory_book(file: Path) -> bool:
    """A workbook with the units or devices sheet (else a ledger alone, imported as before)."""
    return _is_book(file)
