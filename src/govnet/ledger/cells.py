"""Reading cells as people write them in a ledger (fees like 1.2万, dates like 2024年1月31日,
bandwidths like 2×2M, carriers by any of their names) into ledger lines, every bad cell
reported by sheet, row and column."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from govnet.ledger.columns import (
    FEE_FIELDS,
    FIELDS,
    FURNITURE,
    LINE_REF,
    TEXT_FIELDS,
    TOTALS,
)
from govnet.ledger.sheets import Column, Source, is_empty
from govnet.ledger.values import (
    CellError,
    Fee,
    Parser,
    cell_to_text,
    get_bandwidth_parser,
    get_date_parser,
    get_fee_parser,
    get_notice_days_parser,
)
from govnet.ledger.vocabulary import Vocabulary, normalize_word
from govnet.model.inventory import (
    UNITS_FILE,
    Line,
    Unit,
)
from govnet.model.labels import CARRIER_LABELS, KIND_LABELS, SECURITY_GRADE_LABELS
from govnet.model.problems import (
    Problem,
)
from govnet.model.text import CONTROL_CHARS

# --- reading cells ----------------------------------------------------------------------------


def _parse_text(value: object) -> str | None:
    text = cell_to_text(value)
    if text is not None and CONTROL_CHARS.search(text):
        raise CellError(
            f"a line break or control character inside the cell ({text!r}): a ledger value "
            "may reach a device configuration, so keep it on one line"
        )
    return text


def _parse_note(value: object) -> str | None:
    """Free text over several lines (备注): line breaks kept, other control characters not."""
    text = cell_to_text(value)
    if text is None:
        return None
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    if CONTROL_CHARS.search(text.replace("\n", "")):
        raise CellError(f"a control character inside the cell ({text!r}): delete it")
    return text


def _get_unit_parser(units: Sequence[Unit], aliases: Mapping[str, str]) -> Parser:
    by_name: dict[str, list[Unit]] = {}
    for unit in units:
        by_name.setdefault(unit.name, []).append(unit)
    ids = {unit.id for unit in units}

    def parse(value: object) -> object:
        text = _parse_text(value)
        if text is None:
            return None
        text = aliases.get(normalize_word(text), text)  # 人社局: the project's short name
        named = by_name.get(text, [])
        if len(named) == 1:
            return named[0].id
        if text in ids:
            return text
        if named:
            which = ", ".join(u.id for u in named)
            raise CellError(f"{len(named)} units are named {text!r} ({which}): write the id")
        guess = _get_closest_unit(text, units)
        hint = f"; did you mean {guess.name} ({guess.id})?" if guess else ""
        raise CellError(f"unknown unit {text!r} (not a unit name or id in {UNITS_FILE}){hint}")

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


def _get_word_parser(lookup: Callable[[str], Any], what: str, accepted: Sequence[str]) -> Parser:
    shown = ", ".join(accepted)

    def parse(value: object) -> object:
        text = _parse_text(value)
        if text is None:
            return None
        member = lookup(text)
        if member is None:
            raise CellError(f"unknown {what} {text!r}: use one of {shown}")
        return member

    return parse


def _get_classified_parser(vocabulary: Vocabulary) -> Parser:
    def parse(value: object) -> object:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        text = cell_to_text(value)
        if text is None:
            return None
        answer = vocabulary.classified.get(normalize_word(text))
        if answer is None:
            raise CellError(f"not yes or no: {text!r} (write 是 or 否, or leave it empty)")
        return answer

    return parse


def get_parsers(units: Sequence[Unit], vocabulary: Vocabulary) -> dict[str, Parser]:
    parsers: dict[str, Parser] = dict.fromkeys(TEXT_FIELDS, _parse_text)
    fee = get_fee_parser(vocabulary)
    parsers.update(
        unit=_get_unit_parser(units, vocabulary.unit_aliases),
        carrier=_get_word_parser(vocabulary.get_carrier, "carrier", list(CARRIER_LABELS.values())),
        kind=_get_word_parser(vocabulary.get_kind, "line type", list(KIND_LABELS.values())),
        security_grade=_get_word_parser(
            lambda text: vocabulary.grades.get(normalize_word(text)),
            "security grade",
            list(SECURITY_GRADE_LABELS.values()),
        ),
        bandwidth_mbps=get_bandwidth_parser(vocabulary),
        monthly_fee=fee,
        annual_fee=fee,
        contract_start=get_date_parser(vocabulary, end=False),
        contract_end=get_date_parser(vocabulary, end=True),
        notice_days=get_notice_days_parser(vocabulary),
        classified=_get_classified_parser(vocabulary),
        note=_parse_note,
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
    skipped: list[tuple[int, str]]  # rows that are not lines: (row, what it says)


_PERIOD_FIELD = {"月": "monthly_fee", "年": "annual_fee"}
_OWN_PERIOD = {"monthly_fee": "月", "annual_fee": "年"}
_LINE_WORDS = ("unit", "network", "carrier", "kind")


def _get_furniture(cells: Sequence[object], columns: Mapping[str, Column]) -> str | None:
    """What a row says if it is a totals, signature or note row rather than a line (合计,
    本页小计, 制表人：张三 审核人：李四, 填报日期, 注：...): a cell saying so, and no circuit
    id, unit, network, carrier or kind besides it (a line always has those)."""
    said = next(
        (c for c in cells if isinstance(c, str) and (FURNITURE.match(c) or TOTALS.search(c))),
        None,
    )
    if said is None:
        return None
    for name in ("circuit_id", *_LINE_WORDS):
        column = columns.get(name)
        value = cells[column.index] if column and column.index < len(cells) else None
        if not is_empty(value) and value is not said:
            return None
    return " ".join(said.split())


def _place_fees(
    data: dict[str, object], columns: Mapping[str, Column], failed: set[str]
) -> list[tuple[Column, str]]:
    """Each fee cell in the field its period says: 5.8万元/年 in a 月租费 column is the annual
    fee, 58000; a column headed in 万元 multiplies. Problems as (column, message)."""
    problems: list[tuple[Column, str]] = []
    placed: dict[str, Column] = {}
    fees = [(name, data.pop(name)) for name in FEE_FIELDS if name in data]
    for name, fee in fees:
        assert isinstance(fee, Fee)
        column = columns[name]
        target = _PERIOD_FIELD[fee.period] if fee.period else name
        try:
            amount = fee.in_yuan(column.scale)
        except CellError as exc:
            problems.append((column, str(exc)))
            failed.add(name)
            continue
        if target in placed:
            other = placed[target]
            message = (
                f"a second fee per {_OWN_PERIOD[target]} in this row (also {other.label}): "
                "keep one, or write the period each means (元/月 or 元/年)"
            )
            problems.append((column, message))
            failed.add(name)
            continue
        placed[target] = column
        data[target] = amount
    return problems


def rows_to_lines(
    rows: Sequence[Sequence[object]],
    start: int,
    columns: Mapping[str, Column],
    parsers: Mapping[str, Parser],
    source: Source,
) -> _Rows:
    result = _Rows([], [], [], 0, [])
    id_column = columns["circuit_id"]
    for index in range(start, len(rows)):
        cells = rows[index]
        row = index + 1
        if all(is_empty(c) for c in cells):
            continue

        def cell(column: Column, _cells: Sequence[object] = cells) -> object:
            return _cells[column.index] if column.index < len(_cells) else None

        said = _get_furniture(cells, columns)
        if said is not None:
            result.skipped.append((row, said))
            continue  # 合计 / 制表人 / 注: not a line
        result.count += 1
        data: dict[str, object] = {}
        failed: set[str] = set()
        for name, column in columns.items():
            try:
                value = parsers[name](cell(column))
            except CellError as exc:
                failed.add(name)
                problem = source.get_problem(str(exc), row, column)
                result.problems.append(((row, column.index), problem))
                continue
            if value is not None:
                data[name] = value
        for column, message in _place_fees(data, columns, failed):
            result.problems.append(((row, column.index), source.get_problem(message, row, column)))
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


def relocate(
    problem: Problem, rows: Sequence[int], columns: Mapping[str, Column], source: Source
) -> tuple[tuple[int, int], Problem]:
    """A check_lines problem about lines[i] as a problem about the sheet's row and column."""
    match = LINE_REF.match(problem.entry or "")
    row = rows[int(match[1])] if match else None
    message = LINE_REF.sub(lambda m: f"row {rows[int(m[1])]}", problem.message)
    column = columns.get(problem.field or "")
    where = column.label if column else problem.field
    relocated = Problem(source.label, message, None, source.get_entry(row), where, problem.severity)
    return (row or 0, column.index if column else -1), relocated
