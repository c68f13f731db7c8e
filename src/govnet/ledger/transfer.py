"""Import a ledger spreadsheet into ``inventory/lines.yaml`` (all rows valid, or nothing
written) and export it with Chinese headers; export then import gives the same lines."""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from govnet.ledger.cells import get_parsers, relocate, rows_to_lines
from govnet.ledger.columns import (
    FIELDS,
    REQUIRED_FIELDS,
    SHEET_TITLE,
    columns_to_aliases,
    get_ignored_headers,
    get_ledger_columns,
)
from govnet.ledger.files import lines_to_yaml, load_project
from govnet.ledger.headers import read_header
from govnet.ledger.sheets import Column, Source, file_error, find_header, read_table
from govnet.ledger.values import cell_to_text, float_to_text
from govnet.ledger.vocabulary import get_ledger_vocabulary
from govnet.model.divisions import DivisionTree
from govnet.model.files import neutralise_csv_cell, write_atomically_with
from govnet.model.inventory import (
    LINES_FILE,
    Line,
    Unit,
)
from govnet.model.inventory_files import (
    check_lines,
    get_inventory,
)
from govnet.model.labels import CARRIER_LABELS, KIND_LABELS, SECURITY_GRADE_LABELS
from govnet.model.problems import (
    Problem,
    ProblemsError,
    has_errors,
)


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
    # Every column, read or not: (field, column as "column C 单位名称", yuan per unit) read;
    # the labels of those not read (序号, 联系人); rows that are not lines (row, what it says:
    # 合计, 制表人：张三); merged ranges filled down (A3:A5).
    used: tuple[tuple[str, str, Decimal], ...] = ()
    ignored: tuple[str, ...] = ()
    skipped: tuple[tuple[int, str], ...] = ()
    merged: tuple[str, ...] = ()


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
    vocabulary = get_ledger_vocabulary(root)
    sheet_read, rows, merged = read_table(source, label, sheet, columns)
    project = load_project(root, tree)
    where = Source(label, sheet_read)

    aliases = columns_to_aliases(columns)
    header_at = find_header(rows, aliases)
    assert header_at is not None  # read_table returns only tables with a header row
    header = read_header(rows, header_at, columns, aliases, get_ignored_headers(root), where)
    found, start, problems = header.columns, header.start, list(header.problems)
    for name in REQUIRED_FIELDS:
        if name not in found:
            message = f"no column for {name}: head one {' / '.join(columns[name])}"
            problems.append(where.get_problem(message, header_at + 1))
    if has_errors(problems):
        raise ProblemsError(problems)

    parsed = rows_to_lines(rows, start, found, get_parsers(project.units, vocabulary), where)
    if parsed.count == 0:
        raise ProblemsError([where.get_problem("no lines under the header row", header_at + 1)])
    located = list(parsed.problems)
    unit_ids = {unit.id for unit in project.units}
    cross = check_lines(
        parsed.lines, project.units, [], None, unit_ids=unit_ids, host_names=project.host_names
    )
    located += [relocate(p, parsed.row_numbers, found, where) for p in cross]
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
        used=tuple((c.field, c.label, c.scale) for c in sorted(found.values(), key=_by_index)),
        ignored=tuple(header.ignored),
        skipped=tuple(parsed.skipped),
        merged=tuple(merged),
    )


def _by_index(column: Column) -> int:
    return column.index


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
    if line.security_grade is not None:
        values["security_grade"] = SECURITY_GRADE_LABELS[line.security_grade]
    return [values[name] for name in FIELDS]


def _get_display_width(value: object) -> int:
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}")
    text = cell_to_text(value) or ""
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
                if "\n" in value:  # a 备注 over several lines shows them
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
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
        return float_to_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise_csv_cell(str(value))  # a leading tab: the import strips it again


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
        raise file_error(label, f"cannot export to {what}: name it .xlsx (Excel) or .csv")
    if target.is_dir():
        raise file_error(label, "is a folder: give a file name ending in .xlsx or .csv")
    if not target.parent.is_dir():
        raise file_error(label, f"folder {target.parent} does not exist")
    inventory = get_inventory(root, tree)
    columns = get_ledger_columns(root)
    header = [columns[name][0] for name in FIELDS]
    labels = _get_unit_labels(inventory.units)
    rows = [_line_to_cells(line, labels) for line in inventory.lines]
    try:
        write_atomically_with(target, lambda path: writer(path, header, rows))
    except OSError as exc:
        raise file_error(label, f"cannot write: {exc.strerror or exc}") from None
    return len(rows)
