"""Reading a spreadsheet (.xlsx or .csv, UTF-8 or GBK): the sheet, its header rows, its columns."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

from govnet.ledger.columns import (
    HEADER_SEARCH_ROWS,
    XLS_MAGIC,
    ZIP_MAGIC,
    columns_to_aliases,
    normalize_header,
)
from govnet.model.problems import (
    FileLimitError,
    Problem,
    ProblemsError,
    read_text_file,
)

# A ledger of every line of a province is a few MiB; these are far beyond any real one and
# far below what would take the machine's memory (an .xlsx is a zip: 5 MiB can expand to
# gigabytes, and openpyxl holds a workbook's shared strings in memory).
MAX_XLSX_EXPANDED = 512 * 1024 * 1024
MAX_CSV_BYTES = 256 * 1024 * 1024
_CELL = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}c"
_FORMULA = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}f"
_VALUE = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}v"

# --- reading a spreadsheet --------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a cell is, for problems: the file as the user gave it, and the sheet."""

    label: str
    sheet: str | None

    def get_entry(self, row: int | None) -> str | None:
        if row is None:
            return f"sheet '{self.sheet}'" if self.sheet is not None else None
        return f"sheet '{self.sheet}' row {row}" if self.sheet is not None else f"row {row}"

    def get_problem(
        self, message: str, row: int | None = None, column: Column | None = None
    ) -> Problem:
        return Problem(
            self.label, message, None, self.get_entry(row), column.label if column else None
        )


@dataclass(frozen=True)
class Column:
    field: str
    index: int  # 0-based
    header: str  # as the sheet writes it
    scale: Decimal = Decimal(1)  # a fee header in 万元: 10000 yuan a unit

    @property
    def label(self) -> str:
        header = " ".join(self.header.split())
        return f"column {get_column_letter(self.index + 1)} {header}"


def file_error(label: str, message: str) -> ProblemsError:
    return ProblemsError([Problem(label, message)])


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def find_header(rows: Sequence[Sequence[object]], aliases: Mapping[str, str]) -> int | None:
    """Index of the first of the first rows naming both the circuit-id and the unit column."""
    for index, row in enumerate(islice(rows, HEADER_SEARCH_ROWS)):
        found = {aliases.get(normalize_header(cell)) for cell in row if not is_empty(cell)}
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


def _check_expansion(path: Path, label: str) -> None:
    """Refuse a workbook whose parts expand past the limit, from the zip's own directory,
    before any part is inflated (a zip bomb)."""
    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return  # not a zip: load_workbook says so in its own words
    if expanded > MAX_XLSX_EXPANDED:
        raise file_error(
            label,
            f"the workbook expands to {expanded / 2**20:,.0f} MiB (the limit is "
            f"{MAX_XLSX_EXPANDED / 2**20:,.0f} MiB): not a ledger, or a zip bomb; "
            "not read",
        )


_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_MERGE_TAG = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\s+ref=\"([A-Z]{1,3}\d+:[A-Z]{1,3}\d+)\""
)


def _find_merged(sheet: Any) -> list[str]:
    """The sheet's merged ranges (A3:A5), read from its XML: openpyxl's read-only sheets do
    not keep them, and a merged range holds its value in its top-left cell only."""
    found: list[str] = []
    tail = b""
    with sheet._get_source() as source:
        while chunk := source.read(1 << 20):
            data = tail + chunk
            found += [m.decode() for m in _MERGE_TAG.findall(data)]
            cut = data.rfind(b"<")  # keep an element cut by the chunk for the next round
            tail = data[cut:] if cut >= 0 and data.find(b">", cut) < 0 else b""
    return list(dict.fromkeys(found))


def fill_merged(rows: list[list[object]], ranges: Sequence[str]) -> list[str]:
    """Each merged range's value written down its first column (单位名称 merged over the rows
    of its lines is that unit on every row); the ranges that spanned several rows."""
    filled: list[str] = []
    for ref in ranges:
        first_col, first_row, _last_col, last_row = range_boundaries(ref)
        if first_row is None or last_row is None or first_col is None or last_row == first_row:
            continue
        if first_row > len(rows):
            continue
        top = rows[first_row - 1]
        value = top[first_col - 1] if first_col <= len(top) else None
        if is_empty(value):
            continue
        for index in range(first_row, min(last_row, len(rows))):
            row = rows[index]
            row.extend([None] * (first_col - len(row)))
            if is_empty(row[first_col - 1]):
                row[first_col - 1] = value
        filled.append(ref)
    return filled


def _has_formulas(sheet: Any) -> bool:
    """Whether the sheet's XML has any formula element: a byte scan, a fraction of parsing."""
    tail = b""
    with sheet._get_source() as source:
        while chunk := source.read(1 << 20):
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-64:]
    return False


def _find_uncalculated(sheet: Any) -> list[str]:
    """Cells holding a formula with no saved result (a workbook written by a program that
    does not calculate, such as a script): read with their values they are empty."""
    from xml.etree.ElementTree import iterparse

    found: list[str] = []
    if not _has_formulas(sheet):
        return found
    with sheet._get_source() as source:  # the sheet's XML part, streamed
        for _event, element in iterparse(source):
            if element.tag != _CELL:
                continue
            if element.find(_FORMULA) is not None:
                value = element.find(_VALUE)
                if value is None or not (value.text or "").strip():
                    found.append(str(element.get("r", "?")))
            element.clear()
    return found


def _check_calculated(sheet: Any, label: str) -> None:
    cells = _find_uncalculated(sheet)
    if not cells:
        return
    shown = ", ".join(cells[:8]) + (f" and {len(cells) - 8} more" if len(cells) > 8 else "")
    raise file_error(
        label,
        f"sheet {sheet.title!r}: {len(cells)} formula cell(s) have no saved value ({shown}):"
        " the file was written by a program that does not calculate formulas, so they would"
        " import empty; open it in Excel or WPS and save it again (or paste the values)",
    )


def _read_workbook(
    path: Path, label: str, sheet: str | None, aliases: Mapping[str, str], accepted: str
) -> tuple[str, list[list[object]], list[str]]:
    with path.open("rb") as handle:
        head = handle.read(len(XLS_MAGIC))
    if head == XLS_MAGIC:
        raise file_error(
            label,
            "this is an old Excel 97-2003 workbook or a password-protected one: open it in "
            "Excel or WPS and save it as an unprotected .xlsx (Excel 工作簿)",
        )
    _check_expansion(path, label)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file; all mean the same
        raise file_error(
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
                raise file_error(label, f"no sheet named {sheet!r}; the sheets are {names}")
        any_data = False
        for candidate in sheets:
            try:
                head_rows = _sheet_to_rows(candidate, HEADER_SEARCH_ROWS)
                any_data = any_data or any(not is_empty(c) for r in head_rows for c in r)
                if find_header(head_rows, aliases) is None:
                    continue
                rows = _sheet_to_rows(candidate)
                _check_calculated(candidate, label)
                return candidate.title, rows, fill_merged(rows, _find_merged(candidate))
            except ProblemsError:
                raise
            except Exception as exc:  # a damaged sheet part
                raise file_error(
                    label, f"sheet {candidate.title!r} cannot be read ({_describe(exc)})"
                ) from None
    finally:
        workbook.close()
    if sheet is not None:
        if not any_data:
            raise file_error(label, f"sheet {sheet!r} is empty")
        raise file_error(label, f"sheet {sheet!r} has no header row: {accepted}")
    if not any_data:
        raise file_error(label, f"the workbook has no data (sheets: {names})")
    raise file_error(label, f"no sheet has a header row (sheets: {names}): {accepted}")


def _read_csv(path: Path, label: str) -> list[list[object]]:
    try:
        data = read_text_file(path, MAX_CSV_BYTES, decode=False)
    except FileLimitError as exc:
        raise file_error(label, f"not read: {exc}") from None
    if data.startswith(ZIP_MAGIC):
        raise file_error(label, "this is an Excel .xlsx workbook named .csv: rename it to .xlsx")
    if data.startswith(XLS_MAGIC):
        raise file_error(label, "this is an old Excel .xls workbook named .csv: save it as .xlsx")
    for encoding in ("utf-8-sig", "gb18030"):  # Chinese Excel saves "CSV" as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise file_error(label, "not UTF-8 or GBK text: save it again as CSV (UTF-8)")
    if "\x00" in text:
        raise file_error(label, "not a CSV text file (it contains NUL bytes)")
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise file_error(label, f"not valid CSV: {exc}") from None


def read_table(
    source: Path, label: str, sheet: str | None, columns: Mapping[str, Sequence[str]]
) -> tuple[str | None, list[list[object]], list[str]]:
    """The sheet's name, its rows as read (index 0 is row 1) with merged cells filled down, and
    the merged ranges filled; ProblemsError if unreadable."""
    aliases = columns_to_aliases(columns)
    accepted = (
        f"within the first {HEADER_SEARCH_ROWS} rows the ledger needs a circuit-id column "
        f"({' / '.join(columns['circuit_id'])}) and a unit column ({' / '.join(columns['unit'])})"
    )
    suffix = source.suffix.lower()
    if suffix in (".xls", ".et"):
        raise file_error(
            label,
            f"{suffix} is an old spreadsheet format: open it in Excel or WPS and save it as "
            ".xlsx (Excel 工作簿), or as CSV",
        )
    if suffix not in (".xlsx", ".xlsm", ".csv"):
        raise file_error(
            label,
            f"unknown file type {suffix or '(no extension)'}: import an Excel workbook (.xlsx) "
            "or a CSV file (.csv)",
        )
    if not source.exists():
        raise file_error(label, "file not found")
    if not source.is_file():
        raise file_error(label, "not a file")
    try:
        if suffix == ".csv":
            rows = _read_csv(source, label)
            if all(is_empty(c) for r in rows for c in r):
                raise file_error(label, "the file is empty")
            if find_header(rows, aliases) is None:
                raise file_error(label, f"no header row: {accepted}")
            return None, rows, []
        return _read_workbook(source, label, sheet, aliases, accepted)
    except OSError as exc:
        raise file_error(label, f"cannot read: {exc.strerror or exc}") from None
