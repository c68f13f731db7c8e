"""Reading the units (单位) and devices (设备) sheets of the inventory workbook: the header row,
each cell in the sheet's own words (drop-down labels, unit names, 是/否, contacts), every bad
cell a problem naming the sheet, row and column. What is read becomes units.yaml and hosts.yaml
entries; :mod:`govnet.app.book_import` checks them with the inventory's own validation."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from govnet.app.book import UNITS_SHEET, YES, BookColumn, get_platform_label
from govnet.ledger.columns import normalize_header, normalize_word
from govnet.model.divisions import DivisionCodeError, to_full_code
from govnet.model.inventory import ContactRole, Role
from govnet.model.labels import PLATFORM_LABELS, ROLE_LABELS, UNIT_KIND_LABELS
from govnet.model.problems import Problem

HEADER_ROWS = 10  # a header row is looked for in the first rows
_SEPARATORS = re.compile(r"[、，,；;/\n]+")
_NO = frozenset({"否", "不涉密", "非涉密", "n", "no", "false", "0"})
_YES = frozenset({YES, "涉密", "y", "yes", "true", "1"})


@dataclass
class Sheet:
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


def read_sheet(file: str, workbook: Any, title: str, columns: Sequence[BookColumn]) -> Sheet:
    rows = [list(r) for r in workbook[title].iter_rows(values_only=True)]
    sheet = Sheet(file, title, rows)
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


def _get_choice(words: Mapping[str, str], what: str) -> Callable[[Sheet, int, str], str | None]:
    """A parser of a drop-down column: its words (and the codes) to the code."""
    known = {normalize_word(k): v for k, v in words.items()}

    def parse(sheet: Sheet, row: int, name: str) -> str | None:
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


def _get_platform_parser(platforms: Sequence[str]) -> Callable[[Sheet, int, str], str | None]:
    words: dict[str, str] = {}
    for platform in platforms:
        words[get_platform_label(platform)] = platform
        words[PLATFORM_LABELS.get(platform, platform)] = platform
        words[platform] = platform
    return _get_choice(words, "platform")


def _get_code(sheet: Sheet, row: int, name: str) -> str | None:
    text = sheet.cell(row, name)
    if text is None:
        return None
    try:
        return to_full_code(text)
    except DivisionCodeError:
        sheet.problem(f"{text!r} is not a division code (6, 9 or 12 digits)", row, name)
        return None


def _get_flag(sheet: Sheet, row: int, name: str) -> bool:
    text = sheet.cell(row, name)
    word = normalize_word(text or "")
    if text is None or word in _NO:
        return False
    if word not in _YES:
        sheet.problem(f"{text!r}: write 是 or 否", row, name)
    return word in _YES


def _get_contacts(sheet: Sheet, row: int) -> list[dict[str, str]]:
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


class Units:
    """Units by id and name, to read a cell that names one (the units sheet's own rows)."""

    def __init__(self, units: Sequence[Mapping[str, Any]]) -> None:
        self.ids = {str(u["id"]) for u in units if u.get("id")}
        names: dict[str, list[str]] = {}
        for unit in units:
            if unit.get("name") and unit.get("id"):
                names.setdefault(str(unit["name"]), []).append(str(unit["id"]))
        self.names = names
        self.codes = {str(u["id"]): u.get("division_code") for u in units if u.get("id")}

    def resolve(self, sheet: Sheet, row: int, name: str) -> str | None:
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


def read_units(sheet: Sheet) -> tuple[list[dict[str, Any]], list[int]]:
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
    known = Units(units)
    for unit, row in zip(units, rows, strict=True):
        parent = known.resolve(sheet, row, "parent")
        if parent is not None:
            unit["parent"] = parent
    for unit in units:  # parent right after the division code, as units.yaml is written
        for key in ("parent", "classified", "note", "contacts"):
            if key in unit:
                unit[key] = unit.pop(key)
    return units, rows


def read_devices(
    sheet: Sheet, units: Units, platforms: Sequence[str], groups: set[str]
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
