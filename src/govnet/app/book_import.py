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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from govnet.app.book import (
    DEVICES_SHEET,
    LEDGER_SHEET,
    UNIT_COLUMNS,
    UNITS_SHEET,
    YES,
    BookColumn,
    get_device_columns,
    get_platform_label,
)
from govnet.app.project import Project
from govnet.ledger import import_ledger
from govnet.ledger.columns import normalize_header, normalize_word
from govnet.model.divisions import DivisionCodeError, to_full_code
from govnet.model.files import write_atomically
from govnet.model.inventory import LINES_FILE, NORNIR_CONFIG, UNITS_FILE, ContactRole, Role
from govnet.model.inventory_files import load_inventory, load_nornir_config
from govnet.model.labels import PLATFORM_LABELS, ROLE_LABELS, UNIT_KIND_LABELS
from govnet.model.problems import Problem, ProblemsError, has_errors, load_yaml

HEADER_ROWS = 10  # a header row is looked for in the first rows
MAX_EXPANDED = 512 * 1024 * 1024  # as the ledger import: far beyond a county's workbook
_SEPARATORS = re.compile(r"[、，,；;/\n]+")
_NO = frozenset({"否", "不涉密", "非涉密", "n", "no", "false", "0"})
_YES = frozenset({YES, "涉密", "y", "yes", "true", "1"})


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


@dataclass
class _Sheet:
    """One sheet read: its rows, where each field's column is, and the problems found."""

    file: str
    title: str
    rows: list[list[object]]
    columns: dict[str, int] = field(default_factory=dict)  # field -> 0-based column
    headers: dict[str, str] = field(default_factory=dict)  # field -> header as written
    first: int = 0  # index of the first data row
    problems: list[Problem] = field(default_factory=list)

    def problem(
        self, message: str, row: int | None = None, name: str | None = None, warn: bool = False
    ) -> None:
        entry = f"sheet '{self.title}'" + (f" row {row + 1}" if row is not None else "")
        column = self.label(name) if name is not None and name in self.columns else None
        self.problems.append(
            Problem(self.file, message, None, entry, column, "warning" if warn else "error")
        )

    def label(self, name: str) -> str:
        """How a problem names the column of a field: column C 单位类型."""
        return f"column {get_column_letter(self.columns[name] + 1)} {self.headers[name]}"

    def cell(self, row: int, name: str) -> str | None:
        """The cell's text (numbers as people typed them: 22, not 22.0), None when empty."""
        index = self.columns.get(name)
        values = self.rows[row]
        value = values[index] if index is not None and index < len(values) else None
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        return text or None

    def data_rows(self) -> list[int]:
        return [
            i
            for i in range(self.first, len(self.rows))
            if any(v is not None and str(v).strip() for v in self.rows[i])
        ]


def _read_sheet(file: str, workbook: Any, title: str, columns: Sequence[BookColumn]) -> _Sheet:
    rows = [list(r) for r in workbook[title].iter_rows(values_only=True)]
    sheet = _Sheet(file, title, rows)
    by_header = {normalize_header(c.header): c for c in columns}
    required = [c for c in columns if c.required]
    at = next(
        (
            i
            for i, row in enumerate(rows[:HEADER_ROWS])
            if {c.field for c in required[:2]}
            <= {by_header[h].field for h in map(normalize_header, row) if h in by_header}
        ),
        None,
    )
    if at is None:
        heads = " / ".join(c.header for c in required)
        sheet.problem(f"no header row in the first {HEADER_ROWS} rows: it needs {heads}")
        return sheet
    sheet.first = at + 1
    for index, value in enumerate(rows[at]):
        if value is None or not str(value).strip():
            continue
        column = by_header.get(normalize_header(value))
        letter = get_column_letter(index + 1)
        if column is None:
            known = "、".join(c.header for c in columns)
            sheet.problems.append(
                Problem(
                    file,
                    f"column {letter} {str(value).strip()!r} is not a column of this sheet, so "
                    f"its values would be lost: rename or delete it (columns: {known})",
                    None,
                    f"sheet '{title}' row {at + 1}",
                )
            )
        elif column.field in sheet.columns:
            sheet.problem(f"a second {column.header} column (column {letter})", at, column.field)
        else:
            sheet.columns[column.field] = index
            sheet.headers[column.field] = str(value).strip()
    for column in required:
        if column.field not in sheet.columns:
            sheet.problem(f"no {column.header} column (a required column)", at)
    return sheet


def _get_choice(words: Mapping[str, str], what: str) -> Callable[[_Sheet, int, str], str | None]:
    """A parser of a drop-down column: its words (and the codes) to the code."""
    known = {normalize_word(k): v for k, v in words.items()}

    def parse(sheet: _Sheet, row: int, name: str) -> str | None:
        text = sheet.cell(row, name)
        if text is None:
            return None
        code = known.get(normalize_word(text))
        if code is None:
            choices = "、".join(dict.fromkeys(k for k in words if not k.isascii()))
            sheet.problem(f"unknown {what} {text!r}: choose one of {choices}", row, name)
        return code

    return parse


_KIND = _get_choice(
    {label: kind.value for kind, label in UNIT_KIND_LABELS.items()}
    | {kind.value: kind.value for kind in UNIT_KIND_LABELS},
    "unit type",
)
_ROLE = _get_choice(
    {label: role.value for role, label in ROLE_LABELS.items()} | {r.value: r.value for r in Role},
    "device role",
)


def _get_platform_parser(platforms: Sequence[str]) -> Callable[[_Sheet, int, str], str | None]:
    words: dict[str, str] = {}
    for platform in platforms:
        words[get_platform_label(platform)] = platform
        words[PLATFORM_LABELS.get(platform, platform)] = platform
        words[platform] = platform
    return _get_choice(words, "platform")


def _get_code(sheet: _Sheet, row: int, name: str) -> str | None:
    text = sheet.cell(row, name)
    if text is None:
        return None
    try:
        return to_full_code(text)
    except DivisionCodeError:
        sheet.problem(f"{text!r} is not a division code (6, 9 or 12 digits)", row, name)
        return None


def _get_flag(sheet: _Sheet, row: int, name: str) -> bool:
    text = sheet.cell(row, name)
    word = normalize_word(text or "")
    if text is None or word in _NO:
        return False
    if word not in _YES:
        sheet.problem(f"{text!r}: write 是 or 否", row, name)
    return word in _YES


def _get_contacts(sheet: _Sheet, row: int) -> list[dict[str, str]]:
    contacts: list[dict[str, str]] = []
    for role in ContactRole:
        names = _SEPARATORS.split(sheet.cell(row, f"contact:{role.value}") or "")
        phones = _SEPARATORS.split(sheet.cell(row, f"phone:{role.value}") or "")
        names, phones = [n.strip() for n in names if n.strip()], [p.strip() for p in phones]
        phones = [p for p in phones if p]
        if phones and len(phones) != len(names):
            sheet.problem(
                f"{len(phones)} phone(s) for {len(names)} name(s): give one phone per name, "
                "in the same order, separated by 、",
                row,
                f"phone:{role.value}",
            )
            continue
        for index, name in enumerate(names):
            contact = {"role": role.value, "name": name}
            if phones:
                contact["phone"] = phones[index]
            contacts.append(contact)
    return contacts


class _Units:
    """Units by id and name, to read a cell that names one (the units sheet's own rows)."""

    def __init__(self, units: Sequence[Mapping[str, Any]]) -> None:
        self.ids = {str(u["id"]) for u in units if u.get("id")}
        names: dict[str, list[str]] = {}
        for unit in units:
            if unit.get("name") and unit.get("id"):
                names.setdefault(str(unit["name"]), []).append(str(unit["id"]))
        self.names = names
        self.codes = {str(u["id"]): u.get("division_code") for u in units if u.get("id")}

    def resolve(self, sheet: _Sheet, row: int, name: str) -> str | None:
        text = sheet.cell(row, name)
        if text is None:
            return None
        if text in self.ids:
            return text
        ids = self.names.get(text, [])
        if len(ids) == 1:
            return ids[0]
        if ids:
            sheet.problem(f"{len(ids)} units are named {text!r}: write the 单位编号", row, name)
        else:
            sheet.problem(
                f"unknown unit {text!r}: not a 单位编号 or 单位名称 of sheet '{UNITS_SHEET}'",
                row,
                name,
            )
        return None


def _read_units(sheet: _Sheet) -> tuple[list[dict[str, Any]], list[int]]:
    units: list[dict[str, Any]] = []
    rows = sheet.data_rows() if sheet.columns else []
    for row in rows:
        unit: dict[str, Any] = {
            "id": sheet.cell(row, "id"),
            "name": sheet.cell(row, "name"),
            "kind": _KIND(sheet, row, "kind"),
            "division_code": _get_code(sheet, row, "division_code"),
        }
        unit["classified"] = _get_flag(sheet, row, "classified")
        if note := sheet.cell(row, "note"):
            unit["note"] = note
        if contacts := _get_contacts(sheet, row):
            unit["contacts"] = contacts
        units.append(unit)
    known = _Units(units)
    for unit, row in zip(units, rows, strict=True):
        parent = known.resolve(sheet, row, "parent")
        if parent is not None:
            unit["parent"] = parent
    for unit in units:  # parent right after the division code, as units.yaml is written
        for key in ("parent", "classified", "note", "contacts"):
            if key in unit:
                unit[key] = unit.pop(key)
    return units, rows


def _read_devices(
    sheet: _Sheet, units: _Units, platforms: Sequence[str], groups: set[str]
) -> tuple[dict[str, dict[str, Any]], list[int]]:
    platform_of = _get_platform_parser(platforms)
    hosts: dict[str, dict[str, Any]] = {}
    rows = sheet.data_rows() if sheet.columns else []
    kept: list[int] = []
    for row in rows:
        name = sheet.cell(row, "name")
        if name is None:
            sheet.problem("no device name", row, "name")
            continue
        if name in hosts:
            sheet.problem(f"a second device named {name!r}", row, "name")
            continue
        host: dict[str, Any] = {"hostname": sheet.cell(row, "hostname")}
        port = sheet.cell(row, "port")
        if port is not None:
            host["port"] = int(port) if port.isdigit() else port
        platform = platform_of(sheet, row, "platform")
        if platform in groups:
            host["groups"] = [platform]
        elif platform is not None:
            host["platform"] = platform
        unit = units.resolve(sheet, row, "unit")
        code = _get_code(sheet, row, "division_code") or units.codes.get(unit or "")
        host["data"] = {
            "unit": unit,
            "division_code": code,
            "site": sheet.cell(row, "site"),
            "role": _ROLE(sheet, row, "role"),
        }
        hosts[name] = host
        kept.append(row)
    return hosts, kept


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
    units: tuple[_Sheet, list[int], list[dict[str, Any]]],
    devices: tuple[_Sheet, list[int], list[str]],
    host_file: str,
) -> Problem:
    """A problem of the scratch units.yaml or hosts file, named by the sheet's row and column."""
    sheet: _Sheet | None = None
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
    units_at: tuple[_Sheet, list[int], list[dict[str, Any]]]
    devices_at: tuple[_Sheet, list[int], list[str]]
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
        units_sheet = _read_sheet(label, workbook, UNITS_SHEET, UNIT_COLUMNS)
        devices_sheet = _read_sheet(label, workbook, DEVICES_SHEET, get_device_columns(platforms))
        has_ledger = LEDGER_SHEET in workbook.sheetnames
        ledger_rows = has_ledger and _has_ledger_rows(workbook)
    finally:
        workbook.close()
    units, unit_rows = _read_units(units_sheet)
    hosts, host_rows = _read_devices(devices_sheet, _Units(units), platforms, groups)
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
