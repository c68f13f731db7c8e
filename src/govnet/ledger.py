"""Import and export the dedicated-line ledger (专线台账) as Excel (.xlsx) or CSV.

Engineers keep the ledger in spreadsheets with Chinese headers; the project keeps it in
``inventory/lines.yaml``. An import reads every row, reports every bad cell by sheet, row and
column, and replaces lines.yaml only when the whole sheet is valid together with the project's
units and hosts. An export writes the same columns back, so export then import gives the same
lines. Which headers mean which field is data (``data/ledger_columns.yaml``), and a project can
override it in ``inventory/ledger_columns.yaml``.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from itertools import islice
from pathlib import Path
from typing import Annotated, Any

import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from govnet.model.divisions import DivisionTree
from govnet.model.files import get_bundled_data, write_atomically_with
from govnet.model.inventory import (
    CONTROL_CHARS,
    LINES_FILE,
    UNITS_FILE,
    Carrier,
    Line,
    LineKind,
    Unit,
    UnitsFile,
)
from govnet.model.inventory_files import (
    check_lines,
    get_inventory,
    load_inventory,
    load_nornir_config,
)
from govnet.model.labels import CARRIER_LABELS, KIND_LABELS
from govnet.model.problems import (
    Problem,
    ProblemsError,
    YamlDoc,
    has_errors,
    load_yaml,
    validation_to_problems,
)

COLUMNS_FILE = "inventory/ledger_columns.yaml"
DEFAULT_COLUMNS_LABEL = "govnet/data/ledger_columns.yaml"
SHEET_TITLE = "专线台账"
HEADER_SEARCH_ROWS = 10

FIELDS: tuple[str, ...] = tuple(Line.model_fields)
REQUIRED_FIELDS: tuple[str, ...] = tuple(
    name for name, info in Line.model_fields.items() if info.is_required()
)
TEXT_FIELDS = frozenset({"circuit_id", "network", "a_device", "a_interface", "z_end", "note"})

# Further spellings seen in real ledgers (matched after NFKC, case folding, space collapsing).
CARRIER_ALIASES: dict[str, Carrier] = {
    "中国电信": Carrier.TELECOM,
    "中国联通": Carrier.UNICOM,
    "中国移动": Carrier.MOBILE,
    "中国广电": Carrier.BROADCAST,
}
KIND_ALIASES: dict[str, LineKind] = {
    "mpls-vpn": LineKind.MPLS_VPN,
    "mplsvpn": LineKind.MPLS_VPN,
    "裸纤": LineKind.DARK_FIBRE,
    "互联网": LineKind.INTERNET,
    "光宽带": LineKind.BROADBAND,
    "4g": LineKind.CELLULAR,
    "5g": LineKind.CELLULAR,
    "4g-5g": LineKind.CELLULAR,
    "无线": LineKind.CELLULAR,
}
CLASSIFIED_WORDS: dict[str, bool] = {
    "是": True,
    "涉密": True,
    "y": True,
    "yes": True,
    "true": True,
    "1": True,
    "否": False,
    "非涉密": False,
    "不涉密": False,
    "n": False,
    "no": False,
    "false": False,
    "0": False,
}
# What people write in an optional number or date cell that has no value.
PLACEHOLDERS = frozenset({"-", "--", "—", "——", "/", "无", "n/a", "na"})
TOTALS = re.compile(r"合\s*计|总\s*计|小\s*计")

# Line breaks and control characters: a cell value may end up in a device configuration.
_LINE_REF = re.compile(r"lines\[(\d+)\]")
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class ImportResult:
    """What an import read and what it changed in lines.yaml."""

    lines: tuple[Line, ...]
    sheet: str | None  # the sheet read (None for CSV)
    rows: int  # data rows read
    added: list[str]  # circuit ids new vs the current lines.yaml
    changed: list[str]
    removed: list[str]  # in lines.yaml before, not in the file
    written: bool  # False on dry_run
    warnings: tuple[Problem, ...] = ()  # e.g. a line with no fee: imported, but worth a look


# --- the column mapping ---------------------------------------------------------------------


def _check_header(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 100 or CONTROL_CHARS.search(value):
        raise ValueError("a header is one line of 1 to 100 characters")
    return value


Headers = Annotated[tuple[Annotated[str, AfterValidator(_check_header)], ...], Field(min_length=1)]


class LedgerColumns(BaseModel):
    """Accepted spreadsheet headers per line field; the first is the one export writes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    circuit_id: Headers | None = None
    unit: Headers | None = None
    network: Headers | None = None
    carrier: Headers | None = None
    kind: Headers | None = None
    bandwidth_mbps: Headers | None = None
    monthly_fee: Headers | None = None
    annual_fee: Headers | None = None
    contract_start: Headers | None = None
    contract_end: Headers | None = None
    classified: Headers | None = None
    a_device: Headers | None = None
    a_interface: Headers | None = None
    z_end: Headers | None = None
    note: Headers | None = None


def _normalize_header(value: object) -> str:
    """Header text compared without spaces, bracket width or case: 带宽（M） = 带宽(m)."""
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    return "".join(text.split())


def _normalize_word(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def _load_columns_file(
    path: Path, label: str
) -> tuple[LedgerColumns | None, YamlDoc | None, list[Problem]]:
    doc, problems = load_yaml(path, label)
    if doc is None:
        return None, None, problems
    if doc.data is None:
        return LedgerColumns(), doc, []
    if not isinstance(doc.data, dict):
        return (
            None,
            doc,
            [Problem(label, "must be a mapping of field name to a list of headers", 1)],
        )
    try:
        return LedgerColumns.model_validate(doc.data), doc, []
    except ValidationError as exc:
        return None, doc, validation_to_problems(exc, doc, (), None)


def get_ledger_columns(root: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Accepted headers per field: the bundled defaults, with the project's overrides.

    Raises ProblemsError naming file, line and field for a misspelt field, an empty list or
    a header claimed by two fields (a cell must never be read into the wrong field).
    """
    default_path = get_bundled_data("ledger_columns.yaml")
    default, default_doc, problems = _load_columns_file(default_path, DEFAULT_COLUMNS_LABEL)
    override: LedgerColumns | None = LedgerColumns()
    override_doc: YamlDoc | None = None
    if root is not None and (root / COLUMNS_FILE).exists():
        override, override_doc, found = _load_columns_file(root / COLUMNS_FILE, COLUMNS_FILE)
        problems += found
    if default is None or override is None:
        raise ProblemsError(problems)

    columns: dict[str, tuple[str, ...]] = {}
    origin: dict[str, YamlDoc | None] = {}
    for name in FIELDS:
        own: tuple[str, ...] | None = getattr(override, name)
        headers = own if own is not None else getattr(default, name)
        origin[name] = override_doc if own is not None else default_doc
        if headers is None:
            problems.append(
                Problem(DEFAULT_COLUMNS_LABEL, "no headers for this field", None, None, name)
            )
            continue
        columns[name] = headers

    owner: dict[str, tuple[str, int]] = {}
    for name, headers in columns.items():
        for index, header in enumerate(headers):
            other, other_index = owner.setdefault(_normalize_header(header), (name, index))
            if other == name:
                continue
            # Blame the project's file when it is one of the two: the defaults are checked.
            blamed, at = (name, index) if origin[name] is override_doc else (other, other_index)
            doc = origin[blamed] or default_doc
            label = doc.label if doc else DEFAULT_COLUMNS_LABEL
            line = doc.line_of((blamed, at)) if doc else None
            message = f"header {header!r} is listed for both {other} and {name}"
            problems.append(Problem(label, message, line, None, blamed))
    if has_errors(problems):
        raise ProblemsError(problems)
    return columns


def _columns_to_aliases(columns: Mapping[str, Sequence[str]]) -> dict[str, str]:
    return {_normalize_header(h): name for name, headers in columns.items() for h in headers}


# --- reading a spreadsheet --------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """Where a cell is, for problems: the file as the user gave it, and the sheet."""

    label: str
    sheet: str | None

    def get_entry(self, row: int | None) -> str | None:
        if row is None:
            return f"sheet '{self.sheet}'" if self.sheet is not None else None
        return f"sheet '{self.sheet}' row {row}" if self.sheet is not None else f"row {row}"

    def get_problem(
        self, message: str, row: int | None = None, column: _Column | None = None
    ) -> Problem:
        return Problem(
            self.label, message, None, self.get_entry(row), column.label if column else None
        )


@dataclass(frozen=True)
class _Column:
    field: str
    index: int  # 0-based
    header: str  # as the sheet writes it

    @property
    def label(self) -> str:
        header = " ".join(self.header.split())
        return f"column {get_column_letter(self.index + 1)} {header}"


def _file_error(label: str, message: str) -> ProblemsError:
    return ProblemsError([Problem(label, message)])


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _find_header(rows: Sequence[Sequence[object]], aliases: Mapping[str, str]) -> int | None:
    """Index of the first of the first rows naming both the circuit-id and the unit column."""
    for index, row in enumerate(islice(rows, HEADER_SEARCH_ROWS)):
        found = {aliases.get(_normalize_header(cell)) for cell in row if not _is_empty(cell)}
        if {"circuit_id", "unit"} <= found:
            return index
    return None


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _sheet_to_rows(sheet: Any, limit: int | None = None) -> list[list[object]]:
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()  # a stale <dimension> tag must not hide rows
    rows = sheet.iter_rows(values_only=True)
    return [list(row) for row in (rows if limit is None else islice(rows, limit))]


def _read_workbook(
    path: Path, label: str, sheet: str | None, aliases: Mapping[str, str], accepted: str
) -> tuple[str, list[list[object]]]:
    with path.open("rb") as handle:
        head = handle.read(len(_XLS_MAGIC))
    if head == _XLS_MAGIC:
        raise _file_error(
            label,
            "this is an old Excel 97-2003 workbook or a password-protected one: open it in "
            "Excel or WPS and save it as an unprotected .xlsx (Excel 工作簿)",
        )
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file; all mean the same
        raise _file_error(
            label,
            f"cannot be read as an Excel .xlsx workbook ({_describe(exc)}): is it damaged, "
            "or another kind of file renamed to .xlsx?",
        ) from None
    try:
        sheets = list(workbook.worksheets)
        names = ", ".join(repr(s.title) for s in sheets) or "none"
        if sheet is not None:
            sheets = [s for s in sheets if s.title == sheet]
            if not sheets:
                raise _file_error(label, f"no sheet named {sheet!r}; the sheets are {names}")
        any_data = False
        for candidate in sheets:
            try:
                head_rows = _sheet_to_rows(candidate, HEADER_SEARCH_ROWS)
                any_data = any_data or any(not _is_empty(c) for r in head_rows for c in r)
                if _find_header(head_rows, aliases) is None:
                    continue
                return candidate.title, _sheet_to_rows(candidate)
            except Exception as exc:  # a damaged sheet part
                raise _file_error(
                    label, f"sheet {candidate.title!r} cannot be read ({_describe(exc)})"
                ) from None
    finally:
        workbook.close()
    if sheet is not None:
        if not any_data:
            raise _file_error(label, f"sheet {sheet!r} is empty")
        raise _file_error(label, f"sheet {sheet!r} has no header row: {accepted}")
    if not any_data:
        raise _file_error(label, f"the workbook has no data (sheets: {names})")
    raise _file_error(label, f"no sheet has a header row (sheets: {names}): {accepted}")


def _read_csv(path: Path, label: str) -> list[list[object]]:
    data = path.read_bytes()
    if data.startswith(_ZIP_MAGIC):
        raise _file_error(label, "this is an Excel .xlsx workbook named .csv: rename it to .xlsx")
    if data.startswith(_XLS_MAGIC):
        raise _file_error(label, "this is an old Excel .xls workbook named .csv: save it as .xlsx")
    for encoding in ("utf-8-sig", "gb18030"):  # Chinese Excel saves "CSV" as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _file_error(label, "not UTF-8 or GBK text: save it again as CSV (UTF-8)")
    if "\x00" in text:
        raise _file_error(label, "not a CSV text file (it contains NUL bytes)")
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise _file_error(label, f"not valid CSV: {exc}") from None


def _read_table(
    source: Path, label: str, sheet: str | None, columns: Mapping[str, Sequence[str]]
) -> tuple[str | None, list[list[object]]]:
    """The sheet's name and its rows as read (index 0 is row 1); ProblemsError if unreadable."""
    aliases = _columns_to_aliases(columns)
    accepted = (
        f"within the first {HEADER_SEARCH_ROWS} rows the ledger needs a circuit-id column "
        f"({' / '.join(columns['circuit_id'])}) and a unit column ({' / '.join(columns['unit'])})"
    )
    suffix = source.suffix.lower()
    if suffix in (".xls", ".et"):
        raise _file_error(
            label,
            f"{suffix} is an old spreadsheet format: open it in Excel or WPS and save it as "
            ".xlsx (Excel 工作簿), or as CSV",
        )
    if suffix not in (".xlsx", ".xlsm", ".csv"):
        raise _file_error(
            label,
            f"unknown file type {suffix or '(no extension)'}: import an Excel workbook (.xlsx) "
            "or a CSV file (.csv)",
        )
    if not source.exists():
        raise _file_error(label, "file not found")
    if not source.is_file():
        raise _file_error(label, "not a file")
    try:
        if suffix == ".csv":
            rows = _read_csv(source, label)
            if all(_is_empty(c) for r in rows for c in r):
                raise _file_error(label, "the file is empty")
            if _find_header(rows, aliases) is None:
                raise _file_error(label, f"no header row: {accepted}")
            return None, rows
        return _read_workbook(source, label, sheet, aliases, accepted)
    except OSError as exc:
        raise _file_error(label, f"cannot read: {exc.strerror or exc}") from None


def _header_to_columns(
    rows: Sequence[Sequence[object]], at: int, aliases: Mapping[str, str], source: _Source
) -> tuple[dict[str, _Column], int, list[Problem]]:
    """The column of each field, and the index of the first data row.

    A row right under the header whose cells are all header names is a second header row
    (设备 | 接口 under a merged "A端"), read as part of the header.
    """
    columns: dict[str, _Column] = {}
    problems: list[Problem] = []
    header_rows = [at]
    below = rows[at + 1] if at + 1 < len(rows) else []
    below_cells = [c for c in below if not _is_empty(c)]
    if below_cells and all(_normalize_header(c) in aliases for c in below_cells):
        header_rows.append(at + 1)
    for index in header_rows:
        for position, cell in enumerate(rows[index]):
            if _is_empty(cell):
                continue
            name = aliases.get(_normalize_header(cell))
            if name is None:
                continue  # 序号, 联系人 ...: columns the ledger does not keep
            column = _Column(name, position, str(cell).strip())
            first = columns.setdefault(name, column)
            if first is not column and first.index != position:
                problems.append(
                    source.get_problem(
                        f"a second column for {name} (the first is {first.label}): "
                        "delete or rename one",
                        index + 1,
                        column,
                    )
                )
    return columns, header_rows[-1] + 1, problems


# --- reading cells ----------------------------------------------------------------------------


class _CellError(ValueError):
    """A cell whose value cannot mean what its column asks for."""


Parser = Callable[[object], object]


def _float_to_text(value: float) -> str:
    """20190123.0 (a number cell) is the id "20190123"."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _cell_to_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float):
        text = _float_to_text(value)
    elif isinstance(value, dt.datetime):
        midnight = value.time() == dt.time()
        text = value.date().isoformat() if midnight else value.isoformat(sep=" ")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    else:
        text = str(value)
    return text.strip() or None


def _parse_text(value: object) -> str | None:
    text = _cell_to_text(value)
    if text is not None and CONTROL_CHARS.search(text):
        raise _CellError(
            f"a line break or control character inside the cell ({text!r}): a ledger value "
            "may reach a device configuration, so keep it on one line"
        )
    return text


def _get_unit_parser(units: Sequence[Unit]) -> Parser:
    by_name: dict[str, list[Unit]] = {}
    for unit in units:
        by_name.setdefault(unit.name, []).append(unit)
    ids = {unit.id for unit in units}

    def parse(value: object) -> object:
        text = _parse_text(value)
        if text is None:
            return None
        named = by_name.get(text, [])
        if len(named) == 1:
            return named[0].id
        if text in ids:
            return text
        if named:
            which = ", ".join(u.id for u in named)
            raise _CellError(f"{len(named)} units are named {text!r} ({which}): write the id")
        guess = _get_closest_unit(text, units)
        hint = f"; did you mean {guess.name} ({guess.id})?" if guess else ""
        raise _CellError(f"unknown unit {text!r} (not a unit name or id in {UNITS_FILE}){hint}")

    return parse


def _is_abbreviation(short: str, name: str) -> bool:
    """人社局 for 人力资源和社会保障局: every character of ``short`` in ``name``, in order."""
    rest = iter(name)
    return all(ch in rest for ch in short)


def _get_closest_unit(text: str, units: Sequence[Unit]) -> Unit | None:
    """The unit someone who wrote ``text`` most likely meant: an abbreviation of its name
    (the shortest such name), else the most similar name or id."""
    abbreviated = [u for u in units if _is_abbreviation(text, u.name)]
    if abbreviated:
        return min(abbreviated, key=lambda u: len(u.name))
    by_key = {u.name: u for u in units} | {u.id: u for u in units}
    close = difflib.get_close_matches(text, list(by_key), n=1, cutoff=0.6)
    return by_key[close[0]] if close else None


def _get_enum_parser(labels: Mapping[Any, str], aliases: Mapping[str, Any], what: str) -> Parser:
    words: dict[str, Any] = {}
    for member, label in labels.items():
        words[_normalize_word(label)] = member
        words[_normalize_word(str(member.value))] = member
    words.update({_normalize_word(k): v for k, v in aliases.items()})
    accepted = ", ".join(labels.values())

    def parse(value: object) -> object:
        text = _parse_text(value)
        if text is None:
            return None
        member = words.get(_normalize_word(text))
        if member is None:
            raise _CellError(f"unknown {what} {text!r}: use one of {accepted}")
        return member

    return parse


def _is_placeholder(text: str) -> bool:
    return _normalize_word(text) in PLACEHOLDERS


_BANDWIDTH = re.compile(
    r"^(?:(\d+)[x×*])?(\d+(?:\.\d+)?)(?:(k|m|g|兆)(?:bps|b/s|bit/s|bits/s|bit|b)?)?$"
)
_BANDWIDTH_WORDS = {"百兆": Decimal(100), "千兆": Decimal(1000), "万兆": Decimal(10000)}
_BANDWIDTH_SCALE = {"k": Decimal("0.001"), "m": Decimal(1), "兆": Decimal(1), "g": Decimal(1000)}


def _parse_bandwidth(value: object) -> object:
    """Mbps from 100, "100M", "100 Mb/s", "1G", "2×2M" (two bundled 2M circuits: 4)."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    if not text or _is_placeholder(text):
        return None
    compact = "".join(unicodedata.normalize("NFKC", text).casefold().split())
    if compact in _BANDWIDTH_WORDS:
        return float(_BANDWIDTH_WORDS[compact])
    match = _BANDWIDTH.match(compact)
    if match is None:
        raise _CellError(f"not a bandwidth: {text!r} (write e.g. 100, 100M, 1G or 2×2M)")
    count, number, unit = match.groups()
    mbps = Decimal(number) * Decimal(count or 1) * _BANDWIDTH_SCALE[unit or "m"]
    return float(mbps)


_MONEY = re.compile(r"^\d+(?:\.\d+)?$")
_CENT = Decimal("0.01")
_TOO_MUCH = Decimal(10) ** 15  # far above any fee; keeps Decimal arithmetic exact


def _parse_fee(value: object) -> object:
    """Yuan from 1800, 1800.5, "1,800.00", "1800元", "￥1800", "1.2万"."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _CellError(f"not an amount of money: {value!r}")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))  # the number as shown, not its binary expansion
    elif isinstance(value, Decimal):
        amount = value
    else:
        text = str(value).strip()
        if not text or _is_placeholder(text):
            return None
        compact = "".join(unicodedata.normalize("NFKC", text).split())
        negative = compact.startswith("-")
        compact = compact.lstrip("+-")
        for prefix in ("人民币", "rmb", "RMB", "¥", "$"):
            compact = compact.removeprefix(prefix)
        compact = compact.removesuffix("元").replace(",", "")
        scale = Decimal(1)
        if compact.endswith("万"):
            compact, scale = compact[:-1], Decimal(10000)
        if not _MONEY.match(compact):
            raise _CellError(f"not an amount of money: {text!r} (write e.g. 1800 or 1,800.00)")
        amount = Decimal(compact) * scale * (-1 if negative else 1)
    if not amount.is_finite() or abs(amount) >= _TOO_MUCH:
        raise _CellError(f"not an amount of money a line could cost: {value}")
    if amount < 0:
        raise _CellError(f"a fee cannot be negative: {amount}")
    if amount != amount.quantize(_CENT):
        raise _CellError(f"{amount} has more than 2 decimal places (fees are in yuan, to the fen)")
    return amount.quantize(_CENT)


_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ t]\d{1,2}:\d{2}(?::\d{2})?)?$"
)


def _parse_date(value: object) -> object:
    """A date from an Excel date cell or 2024-01-31, 2024/1/31, 2024.1.31, 2024年1月31日."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            text = str(int(value))  # 20240131 typed as a number
            return _ymd_to_date(text[:4], text[4:6], text[6:], text)
        if 10000 <= value <= 100000:  # an Excel serial day that lost its date format
            serial = from_excel(value)
            if isinstance(serial, dt.datetime):
                return serial.date()
        raise _CellError(f"not a date: {value!r} (write e.g. 2024-01-31)")
    text = str(value).strip()
    if not text or _is_placeholder(text):
        return None
    compact = unicodedata.normalize("NFKC", text).casefold()
    if re.fullmatch(r"\d{8}", compact):
        return _ymd_to_date(compact[:4], compact[4:6], compact[6:], text)
    match = _DATE.match(compact)
    if match is None:
        raise _CellError(f"not a date: {text!r} (write e.g. 2024-01-31 or 2024年1月31日)")
    year, month, day = match.groups()
    return _ymd_to_date(year, month, day, text)


def _ymd_to_date(year: str, month: str, day: str, text: str) -> dt.date:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise _CellError(f"not a real date: {text!r}") from None


def _parse_classified(value: object) -> object:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = _cell_to_text(value)
    if text is None:
        return None
    answer = CLASSIFIED_WORDS.get(_normalize_word(text))
    if answer is None:
        raise _CellError(f"not yes or no: {text!r} (write 是 or 否, or leave it empty)")
    return answer


def _get_parsers(units: Sequence[Unit]) -> dict[str, Parser]:
    parsers: dict[str, Parser] = dict.fromkeys(TEXT_FIELDS, _parse_text)
    parsers.update(
        unit=_get_unit_parser(units),
        carrier=_get_enum_parser(CARRIER_LABELS, CARRIER_ALIASES, "carrier"),
        kind=_get_enum_parser(KIND_LABELS, KIND_ALIASES, "line type"),
        bandwidth_mbps=_parse_bandwidth,
        monthly_fee=_parse_fee,
        annual_fee=_parse_fee,
        contract_start=_parse_date,
        contract_end=_parse_date,
        classified=_parse_classified,
    )
    missing = set(FIELDS) - set(parsers)
    assert not missing, f"no cell parser for {missing}"
    return parsers


def _error_to_message(error: ErrorDetails, name: str) -> str:
    kind = error["type"]
    if kind == "missing":
        return "empty: every line needs this"
    if kind == "string_pattern_mismatch":
        if name == "circuit_id":
            return f"a circuit id has no spaces (got {error['input']!r})"
        if name == "a_device":
            return f"not a device name from the hosts file (got {error['input']!r})"
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if isinstance(value, str | int | float | Decimal):
        shown = str(value) if len(str(value)) <= 60 else str(value)[:57] + "..."
        message = f"{message} (got {shown})"
    return message


@dataclass
class _Rows:
    """The lines of the valid rows, where each came from, and the problems of the rest."""

    lines: list[Line]
    row_numbers: list[int]
    problems: list[tuple[tuple[int, int], Problem]]
    count: int


def _rows_to_lines(
    rows: Sequence[Sequence[object]],
    start: int,
    columns: Mapping[str, _Column],
    parsers: Mapping[str, Parser],
    source: _Source,
) -> _Rows:
    result = _Rows([], [], [], 0)
    id_column = columns["circuit_id"]
    for index in range(start, len(rows)):
        cells = rows[index]
        row = index + 1
        if all(_is_empty(c) for c in cells):
            continue

        def cell(column: _Column, _cells: Sequence[object] = cells) -> object:
            return _cells[column.index] if column.index < len(_cells) else None

        if _is_empty(cell(id_column)) and any(
            isinstance(c, str) and TOTALS.search(c) for c in cells
        ):
            continue  # 合计 / 总计: a totals row, not a line
        result.count += 1
        data: dict[str, object] = {}
        failed: set[str] = set()
        for name, column in columns.items():
            try:
                value = parsers[name](cell(column))
            except _CellError as exc:
                failed.add(name)
                problem = source.get_problem(str(exc), row, column)
                result.problems.append(((row, column.index), problem))
                continue
            if value is not None:
                data[name] = value
        try:
            line = Line.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                name = str(error["loc"][0]) if error["loc"] else "contract_end"
                if name in failed:
                    continue  # already reported by the cell's own parser
                column = columns.get(name) or columns.get("contract_end") or id_column
                problem = source.get_problem(_error_to_message(error, name), row, column)
                result.problems.append(((row, column.index), problem))
            continue
        if failed:
            continue
        result.lines.append(line)
        result.row_numbers.append(row)
    return result


def _relocate(
    problem: Problem, rows: Sequence[int], columns: Mapping[str, _Column], source: _Source
) -> tuple[tuple[int, int], Problem]:
    """A check_lines problem about lines[i] as a problem about the sheet's row and column."""
    match = _LINE_REF.match(problem.entry or "")
    row = rows[int(match[1])] if match else None
    message = _LINE_REF.sub(lambda m: f"row {rows[int(m[1])]}", problem.message)
    column = columns.get(problem.field or "")
    where = column.label if column else problem.field
    relocated = Problem(source.label, message, None, source.get_entry(row), where, problem.severity)
    return (row or 0, column.index if column else -1), relocated


# --- the project --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Project:
    """What an import checks a sheet against, and the ledger it would replace."""

    units: list[Unit]
    host_names: set[str]
    current: dict[str, Line | None]  # lines.yaml by circuit id; None: an entry that is broken


def _load_project(root: Path, tree: DivisionTree) -> _Project:
    """The project's units and hosts, checked as the inventory checks them.

    lines.yaml's own problems are left out: it is the file an import replaces, so a broken
    one must not stop a good spreadsheet from replacing it.
    """
    inventory, problems = load_inventory(root, tree)
    others = [p for p in problems if p.file != LINES_FILE]
    if has_errors(others):
        note = Problem(LINES_FILE, "not replaced: fix the problems above in the project first")
        raise ProblemsError([*others, note])
    if inventory is not None:
        current: dict[str, Line | None] = {line.circuit_id: line for line in inventory.lines}
        return _Project(list(inventory.units), {h.name for h in inventory.hosts}, current)
    # Only lines.yaml is broken: units.yaml and the hosts file are known to be valid.
    units_doc, found = load_yaml(root / UNITS_FILE, UNITS_FILE)
    config, found_config = load_nornir_config(root)
    if units_doc is None or config is None:
        raise ProblemsError(found + found_config)
    units_data = units_doc.data if isinstance(units_doc.data, dict) else {}
    units = UnitsFile.model_validate({"units": units_data.get("units") or []}).units
    host_file = config.inventory.options.host_file
    hosts_doc, _ = load_yaml(root / host_file, host_file)
    hosts = hosts_doc.data if hosts_doc is not None and isinstance(hosts_doc.data, dict) else {}
    return _Project(units, {str(name) for name in hosts}, _read_broken_lines(root))


def _read_broken_lines(root: Path) -> dict[str, Line | None]:
    """A lines.yaml that does not validate, by circuit id, as far as it can be read."""
    try:
        text = (root / LINES_FILE).read_text(encoding="utf-8")
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    items = data.get("lines") if isinstance(data, dict) else None
    current: dict[str, Line | None] = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or item.get("circuit_id") is None:
            continue
        try:
            line: Line | None = Line.model_validate(item)
        except ValidationError:
            line = None
        current.setdefault(str(item["circuit_id"]), line)
    return current


class _LedgerDumper(yaml.SafeDumper):
    """YAML as people write it: list items indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:float", f"{value:.2f}")


_LedgerDumper.add_representer(Decimal, _represent_decimal)


def _line_to_data(line: Line) -> dict[str, object]:
    data: dict[str, object] = {}
    for name in FIELDS:
        value = getattr(line, name)
        if value is None:
            continue
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        data[name] = value
    return data


def lines_to_yaml(lines: Sequence[Line], imported_from: str | None = None) -> str:
    """lines.yaml text: fields in model order, no empty fields, fees as 1800.00, real dates."""
    header = "# Dedicated-line ledger (专线台账). Fields and spreadsheet columns: docs/ledger.md\n"
    if imported_from is not None:
        safe = CONTROL_CHARS.sub("?", imported_from)
        header += f"# Imported from {safe} by `govnet inventory import`; edit here or re-import.\n"
    if not lines:
        return header + "\nlines: []\n"
    body = yaml.dump(
        {"lines": [_line_to_data(line) for line in lines]},
        Dumper=_LedgerDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=4096,
    )
    return header + "\n" + body


# --- import ---------------------------------------------------------------------------------------


def import_ledger(
    root: Path,
    source: Path,
    tree: DivisionTree,
    *,
    sheet: str | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Read a ledger spreadsheet and replace inventory/lines.yaml with it.

    Every row is checked and every problem reported (ProblemsError) before anything is
    written; the lines are then checked with the project's units and hosts as lines.yaml
    would be. A ``dry_run`` does all of that and reports what would change.
    """
    label = str(source)
    columns = get_ledger_columns(root)
    sheet_read, rows = _read_table(source, label, sheet, columns)
    project = _load_project(root, tree)
    where = _Source(label, sheet_read)

    aliases = _columns_to_aliases(columns)
    header_at = _find_header(rows, aliases)
    assert header_at is not None  # _read_table returns only tables with a header row
    found, start, problems = _header_to_columns(rows, header_at, aliases, where)
    for name in REQUIRED_FIELDS:
        if name not in found:
            message = f"no column for {name}: head one {' / '.join(columns[name])}"
            problems.append(where.get_problem(message, header_at + 1))
    if has_errors(problems):
        raise ProblemsError(problems)

    parsed = _rows_to_lines(rows, start, found, _get_parsers(project.units), where)
    if parsed.count == 0:
        raise ProblemsError([where.get_problem("no lines under the header row", header_at + 1)])
    located = list(parsed.problems)
    unit_ids = {unit.id for unit in project.units}
    cross = check_lines(
        parsed.lines, project.units, [], None, unit_ids=unit_ids, host_names=project.host_names
    )
    located += [_relocate(p, parsed.row_numbers, found, where) for p in cross]
    located.sort(key=lambda item: item[0])
    problems = [problem for _, problem in located]
    if has_errors(problems):
        raise ProblemsError(problems)

    current = project.current
    new_ids = {line.circuit_id for line in parsed.lines}
    added = [line.circuit_id for line in parsed.lines if line.circuit_id not in current]
    changed = [
        line.circuit_id for line in parsed.lines if current.get(line.circuit_id, line) != line
    ]
    removed = [cid for cid in current if cid not in new_ids]
    if not dry_run:
        origin = source.name if sheet_read is None else f"{source.name} (sheet {sheet_read})"
        text = lines_to_yaml(parsed.lines, origin)
        write_atomically_with(
            root / LINES_FILE, lambda path: path.write_text(text, encoding="utf-8")
        )
    return ImportResult(
        lines=tuple(parsed.lines),
        sheet=sheet_read,
        rows=parsed.count,
        added=added,
        changed=changed,
        removed=removed,
        written=not dry_run,
        warnings=tuple(problems),
    )


# --- export ---------------------------------------------------------------------------------------


def _get_unit_labels(units: Sequence[Unit]) -> dict[str, str]:
    """The unit's Chinese name, or its id where the name would not lead back to it."""
    named: dict[str, int] = {}
    for unit in units:
        named[unit.name] = named.get(unit.name, 0) + 1
    return {u.id: u.name if named[u.name] == 1 else u.id for u in units}


def _line_to_cells(line: Line, unit_labels: Mapping[str, str]) -> list[object]:
    """One spreadsheet row: Chinese labels, numbers as numbers, dates as dates."""
    values: dict[str, object] = {name: getattr(line, name) for name in FIELDS}
    values["unit"] = unit_labels.get(line.unit, line.unit)
    values["carrier"] = CARRIER_LABELS[line.carrier]
    values["kind"] = KIND_LABELS[line.kind]
    if line.classified is not None:
        values["classified"] = "是" if line.classified else "否"
    return [values[name] for name in FIELDS]


def _get_display_width(value: object) -> int:
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}")
    text = _cell_to_text(value) or ""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = SHEET_TITLE
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for col, text in enumerate(header, start=1):
        title = sheet.cell(row=1, column=col, value=text)
        title.font = bold
        title.fill = fill
        title.alignment = Alignment(horizontal="center", vertical="center")
    for row_number, values in enumerate(rows, start=2):
        for col, value in enumerate(values, start=1):
            if value is None:
                continue
            cell = sheet.cell(row=row_number, column=col)
            if isinstance(value, Decimal):
                cell.value = float(value)
                cell.number_format = "#,##0.00"
            elif isinstance(value, dt.date):
                cell.value = value
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, str):
                cell.value = value
                cell.data_type = "s"  # text that starts with "=" stays text, never a formula
            else:
                cell.value = value  # type: ignore[assignment]
    for col, text in enumerate(header, start=1):
        widest = max([_get_display_width(text), *(_get_display_width(r[col - 1]) for r in rows)])
        sheet.column_dimensions[get_column_letter(col)].width = min(max(widest + 2, 8), 60)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    workbook.save(path)


def _cell_to_csv(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float):
        return _float_to_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    # Excel runs a CSV cell that starts like a formula; a leading tab keeps it text (and the
    # import strips it again).
    return "\t" + text if text[:1] in ("=", "+", "-", "@") else text


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([_cell_to_csv(v) for v in row] for row in rows)


def export_ledger(root: Path, target: Path, tree: DivisionTree) -> int:
    """Write the project's ledger to ``target`` (.xlsx or .csv); the number of lines written.

    The ledger must be valid (ProblemsError otherwise): a spreadsheet made from a broken
    ledger would be imported back as a broken one.
    """
    label = str(target)
    writers = {".xlsx": _write_xlsx, ".csv": _write_csv}
    suffix = target.suffix.lower()
    writer = writers.get(suffix)
    if writer is None:
        what = f"a {suffix} file" if suffix else "a file with no extension"
        raise _file_error(label, f"cannot export to {what}: name it .xlsx (Excel) or .csv")
    if target.is_dir():
        raise _file_error(label, "is a folder: give a file name ending in .xlsx or .csv")
    if not target.parent.is_dir():
        raise _file_error(label, f"folder {target.parent} does not exist")
    inventory = get_inventory(root, tree)
    columns = get_ledger_columns(root)
    header = [columns[name][0] for name in FIELDS]
    labels = _get_unit_labels(inventory.units)
    rows = [_line_to_cells(line, labels) for line in inventory.lines]
    try:
        write_atomically_with(target, lambda path: writer(path, header, rows))
    except OSError as exc:
        raise _file_error(label, f"cannot write: {exc.strerror or exc}") from None
    return len(rows)
