"""`govnet inventory import` of the inventory workbook: its units (单位), devices (设备) and
ledger (专线台账) sheets become units.yaml, the hosts file and lines.yaml together.

The three files are written into a scratch copy of the project first and checked there with
govnet's own inventory validation (the ledger sheet by the ledger import itself); only when
all three are valid together is any file of the project replaced, so a bad cell anywhere
leaves every file as it was. Every problem names the sheet, the row and the column.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from openpyxl import load_workbook

from govnet.app.book import (
    DEVICES_SHEET,
    LEDGER_SHEET,
    UNIT_COLUMNS,
    UNITS_SHEET,
    get_device_columns,
)
from govnet.app.book_sheets import Sheet, Units, read_devices, read_sheet, read_units
from govnet.app.project import Project
from govnet.ledger import import_ledger
from govnet.model.files import write_atomically
from govnet.model.inventory import LINES_FILE, NORNIR_CONFIG, UNITS_FILE
from govnet.model.inventory_files import load_inventory, load_nornir_config
from govnet.model.problems import Problem, ProblemsError, has_errors, load_yaml

MAX_EXPANDED = 512 * 1024 * 1024  # as the ledger import: far beyond a county's workbook


@dataclass(frozen=True)
class BookImport:
    """What an import of the workbook read, and whether it wrote the project's files."""

    units: int
    devices: int
    lines: int
    ledger_kept: bool  # the workbook has no ledger sheet: lines.yaml left as it was
    written: bool
    warnings: tuple[Problem, ...] = ()


def is_inventory_book(path: Path) -> bool:
    """Whether a workbook has the units or the devices sheet (else it is a ledger alone)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not zipfile.is_zipfile(path):
        return False
    try:
        workbook = load_workbook(path, read_only=True)
    except Exception:  # a damaged file: the ledger import says so in its own words
        return False
    try:
        return bool({UNITS_SHEET, DEVICES_SHEET} & set(workbook.sheetnames))
    finally:
        workbook.close()


def _no_none(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry without its empty cells, so a missing value is named as missing."""
    return {k: _no_none(v) if isinstance(v, dict) else v for k, v in entry.items() if v is not None}


def _dump(header: str, data: object) -> str:
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    return header + "\n" + body


def _merge_hosts(
    current: Mapping[str, Any], hosts: Mapping[str, dict[str, Any]], platforms: set[str]
) -> dict[str, Any]:
    """The sheet's hosts, each keeping what the sheet has no column for (connection options,
    groups other than the platform's) from its entry in the current hosts file."""
    merged: dict[str, Any] = {}
    for name, host in hosts.items():
        old = current.get(name) if isinstance(current.get(name), dict) else None
        if old is None:
            merged[name] = host
            continue
        platform_group = host.get("groups", [])
        others = [g for g in old.get("groups") or [] if g not in platforms]
        entry = {k: v for k, v in host.items() if k not in ("groups", "data")}
        if platform_group or others:
            entry["groups"] = platform_group + others
        sheet_keys = ("hostname", "port", "platform", "groups", "data")
        entry.update({k: v for k, v in old.items() if k not in sheet_keys})
        data = dict(old.get("data") or {})
        data.update(host["data"])
        entry["data"] = data
        merged[name] = entry
    return merged


_HOST_FIELDS = {
    "hostname": "hostname",
    "port": "port",
    "platform": "platform",
    "groups": "platform",
}
_UNIT_ENTRY = re.compile(r"^units\[(\d+)\](?: (.*))?$")


def _get_unit_index(entry: str | None, units: Sequence[Mapping[str, Any]]) -> int | None:
    """The units.yaml entry a problem names. Its index counts only the entries that loaded
    when the check is a cross-check, so the id it also names decides (the last with that id:
    a duplicate is reported at the second)."""
    found = _UNIT_ENTRY.match(entry or "")
    if found is None:
        return None
    index, key = int(found.group(1)), found.group(2)
    if key is None or (index < len(units) and units[index].get("id") == key):
        return index if index < len(units) else None
    matches = [i for i, unit in enumerate(units) if unit.get("id") == key]
    return matches[-1] if matches else None


def _relocate(
    problem: Problem,
    units: tuple[Sheet, list[int], list[dict[str, Any]]],
    devices: tuple[Sheet, list[int], list[str]],
    host_file: str,
) -> Problem:
    """A problem of the scratch units.yaml or hosts file, named by the sheet's row and column."""
    sheet: Sheet | None = None
    rows: list[int] = []
    at: int | None = None
    name = (problem.field or "").split(".")
    if problem.file == UNITS_FILE:
        sheet, rows, data = units
        at = _get_unit_index(problem.entry, data)
        column = name[0]
        if column == "contacts" and at is not None and len(name) > 2 and name[1].isdigit():
            role = data[at]["contacts"][int(name[1])]["role"]
            column = f"{'contact' if name[2] == 'name' else 'phone'}:{role}"
    elif problem.file == host_file:
        sheet, rows, names = devices
        at = names.index(problem.entry) if problem.entry in names else None
        column = name[-1] if name[0] == "data" else _HOST_FIELDS.get(name[0], name[0])
    if sheet is None or at is None:
        return problem
    entry = f"sheet '{sheet.title}' row {rows[at] + 1}"
    label = sheet.label(column) if column in sheet.columns else None
    return Problem(sheet.file, problem.message, None, entry, label, problem.severity)


def _has_ledger_rows(workbook: Any) -> bool:
    """Whether the ledger sheet has anything under its first non-empty row (its header)."""
    filled = [
        row
        for row in workbook[LEDGER_SHEET].iter_rows(values_only=True)
        if any(v is not None and str(v).strip() for v in row)
    ]
    return len(filled) > 1


def _open(file: Path) -> Any:
    label = str(file)
    if not file.is_file():
        raise ProblemsError([Problem(label, "file not found")])
    try:
        with zipfile.ZipFile(file) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
        if expanded > MAX_EXPANDED:
            raise ProblemsError([Problem(label, "the workbook expands past 512 MiB: not read")])
        return load_workbook(file, read_only=True, data_only=True)
    except ProblemsError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ProblemsError(
            [Problem(label, f"cannot be read as an .xlsx workbook ({type(exc).__name__})")]
        ) from None


@dataclass(frozen=True)
class _Read:
    """The units and devices sheets read: entries for the files, and where each came from."""

    units: list[dict[str, Any]]
    hosts: dict[str, dict[str, Any]]
    units_at: tuple[Sheet, list[int], list[dict[str, Any]]]
    devices_at: tuple[Sheet, list[int], list[str]]
    has_ledger: bool  # the workbook has a ledger sheet
    ledger_rows: bool  # and something under its header

    @property
    def problems(self) -> list[Problem]:
        return self.units_at[0].problems + self.devices_at[0].problems

    def derived(self, column: str | None) -> str | None:
        """The devices column a bad cell of ``column`` leaves empty: a device's division code
        is its unit's when not given, so an unknown unit is not also a missing code."""
        sheet = self.devices_at[0]
        if column is None or "unit" not in sheet.columns or "division_code" not in sheet.columns:
            return None
        if column != sheet.label("unit"):
            return None
        return sheet.label("division_code")

    def locate(self, problems: Sequence[Problem], host_file: str) -> list[Problem]:
        return [_relocate(p, self.units_at, self.devices_at, host_file) for p in problems]


def _read_book(file: Path, platforms: Sequence[str], groups: set[str]) -> _Read:
    label = str(file)
    workbook = _open(file)
    try:
        missing = [t for t in (UNITS_SHEET, DEVICES_SHEET) if t not in workbook.sheetnames]
        if missing:
            sheets = ", ".join(map(repr, workbook.sheetnames))
            message = (
                f"no sheet {' or '.join(map(repr, missing))} (the sheets are {sheets}): "
                "write the workbook with `govnet inventory template`"
            )
            raise ProblemsError([Problem(label, message)])
        units_sheet = read_sheet(label, workbook, UNITS_SHEET, UNIT_COLUMNS)
        devices_sheet = read_sheet(label, workbook, DEVICES_SHEET, get_device_columns(platforms))
        has_ledger = LEDGER_SHEET in workbook.sheetnames
        ledger_rows = has_ledger and _has_ledger_rows(workbook)
    finally:
        workbook.close()
    units, unit_rows = read_units(units_sheet)
    hosts, host_rows = read_devices(devices_sheet, Units(units), platforms, groups)
    units = [_no_none(u) for u in units]
    hosts = {name: _no_none(host) for name, host in hosts.items()}
    return _Read(
        units,
        hosts,
        (units_sheet, unit_rows, units),
        (devices_sheet, host_rows, list(hosts)),
        has_ledger,
        ledger_rows,
    )


def import_book(project: Project, file: Path, dry_run: bool = False) -> BookImport:
    """Replace units.yaml, the hosts file and lines.yaml with the workbook's three sheets, if
    all are valid together (ProblemsError naming sheet, row and column otherwise)."""
    root = project.root
    config, problems = load_nornir_config(root)
    if config is None:
        raise ProblemsError(problems)
    host_file = config.inventory.options.host_file
    platforms = project.get_platform_names()
    groups_doc, _ = load_yaml(root / config.inventory.options.group_file, "groups")
    groups_data = groups_doc.data if groups_doc and isinstance(groups_doc.data, dict) else {}
    groups = {str(g) for g, v in groups_data.items() if isinstance(v, dict) and v.get("platform")}
    read = _read_book(file, platforms, groups)
    current_doc, _ = load_yaml(root / host_file, host_file)
    current = current_doc.data if current_doc and isinstance(current_doc.data, dict) else {}
    texts = {
        UNITS_FILE: _dump(
            f"# Units, imported from {file.name} (sheet {UNITS_SHEET}) by "
            "`govnet inventory import`; edit here or re-import.\n",
            {"units": read.units},
        ),
        host_file: _dump(
            f"# Devices, imported from {file.name} (sheet {DEVICES_SHEET}) by `govnet inventory"
            " import`.\n# Credentials never go here: GOVNET_USERNAME / GOVNET_PASSWORD.\n",
            _merge_hosts(current, read.hosts, set(platforms)) or {},
        ),
    }
    tree = project.get_tree()
    with tempfile.TemporaryDirectory(prefix="govnet-book-") as scratch:
        work = Path(scratch)
        shutil.copyfile(root / NORNIR_CONFIG, work / NORNIR_CONFIG)
        shutil.copytree(root / "inventory", work / "inventory")
        for relative, text in texts.items():
            write_atomically(work / relative, text)
        if has_errors(read.problems):  # the files' own checks of the rest, then stop
            _, found = load_inventory(work, tree, platforms)
            seen = {(p.entry, p.field) for p in read.problems}
            seen |= {(p.entry, read.derived(p.field)) for p in read.problems}
            located = read.locate([p for p in found if p.file != LINES_FILE], host_file)
            raise ProblemsError(
                read.problems + [p for p in located if (p.entry, p.field) not in seen]
            )
        problems = read.problems  # warnings only
        if read.ledger_rows:
            problems += import_ledger(work, file, tree, sheet=LEDGER_SHEET).warnings
        elif read.has_ledger:
            write_atomically(work / LINES_FILE, "lines: []\n")
        inventory, found = load_inventory(work, tree, platforms)
        located = read.locate(found, host_file)
        if inventory is None:
            raise ProblemsError(located)
        if read.has_ledger:
            texts[LINES_FILE] = (work / LINES_FILE).read_text(encoding="utf-8")
    if not dry_run:
        for relative, text in texts.items():
            write_atomically(root / relative, text)
    own = [p for p in located if p.file != LINES_FILE]  # the ledger's: by its sheet's rows
    warnings = tuple(p for p in [*problems, *own] if p.severity == "warning")
    return BookImport(
        len(read.units),
        len(read.hosts),
        len(inventory.lines),
        not read.has_ledger,
        not dry_run,
        warnings,
    )
