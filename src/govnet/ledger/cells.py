"""Reading cells as people write them in a ledger (fees like 1.2万, dates like 2024年1月31日,
bandwidths like 2×2M, carriers by any of their names) into ledger lines, every bad cell
reported by sheet, row and column."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl.utils.datetime import from_excel
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from govnet.ledger.columns import (
    CARRIER_ALIASES,
    CLASSIFIED_WORDS,
    FIELDS,
    KIND_ALIASES,
    LINE_REF,
    PLACEHOLDERS,
    TEXT_FIELDS,
    TOTALS,
    normalize_word,
)
from govnet.ledger.sheets import Column, Source, is_empty
from govnet.model.inventory import (
    UNITS_FILE,
    Line,
    Unit,
)
from govnet.model.labels import CARRIER_LABELS, KIND_LABELS
from govnet.model.problems import (
    Problem,
)
from govnet.model.text import CONTROL_CHARS

# --- reading cells ----------------------------------------------------------------------------


class _CellError(ValueError):
    """A cell whose value cannot mean what its column asks for."""


Parser = Callable[[object], object]


def float_to_text(value: float) -> str:
    """20190123.0 (a number cell) is the id "20190123"."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def cell_to_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float):
        text = float_to_text(value)
    elif isinstance(value, dt.datetime):
        midnight = value.time() == dt.time()
        text = value.date().isoformat() if midnight else value.isoformat(sep=" ")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    else:
        text = str(value)
    return text.strip() or None


def _parse_text(value: object) -> str | None:
    text = cell_to_text(value)
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
        words[normalize_word(label)] = member
        words[normalize_word(str(member.value))] = member
    words.update({normalize_word(k): v for k, v in aliases.items()})
    accepted = ", ".join(labels.values())

    def parse(value: object) -> object:
        text = _parse_text(value)
        if text is None:
            return None
        member = words.get(normalize_word(text))
        if member is None:
            raise _CellError(f"unknown {what} {text!r}: use one of {accepted}")
        return member

    return parse


def _is_placeholder(text: str) -> bool:
    return normalize_word(text) in PLACEHOLDERS


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


_DAYS = re.compile(r"^(?:提前)?(\d{1,4})(?:天|日|d|days?)?$")


def _parse_notice_days(value: object) -> object:
    """Days of notice from 30, "30", "30天", "30日", "提前30天". Months and working days are
    refused: a month is 28 to 31 days and the carrier counts from the contract's own words."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _CellError(f"not a number of days: {value!r}")
    if isinstance(value, int | float):
        if not float(value).is_integer() or value < 0:
            raise _CellError(f"not a whole number of days: {value!r} (write e.g. 30)")
        return int(value)
    text = str(value).strip()
    if not text or _is_placeholder(text):
        return None
    compact = "".join(unicodedata.normalize("NFKC", text).casefold().split())
    match = _DAYS.match(compact)
    if match is None:
        raise _CellError(
            f"not a number of calendar days: {text!r} (write e.g. 30 or 30天;"
            " count a month's notice in days as the contract does)"
        )
    return int(match[1])


def _parse_classified(value: object) -> object:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = cell_to_text(value)
    if text is None:
        return None
    answer = CLASSIFIED_WORDS.get(normalize_word(text))
    if answer is None:
        raise _CellError(f"not yes or no: {text!r} (write 是 or 否, or leave it empty)")
    return answer


def get_parsers(units: Sequence[Unit]) -> dict[str, Parser]:
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
        notice_days=_parse_notice_days,
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


def rows_to_lines(
    rows: Sequence[Sequence[object]],
    start: int,
    columns: Mapping[str, Column],
    parsers: Mapping[str, Parser],
    source: Source,
) -> _Rows:
    result = _Rows([], [], [], 0)
    id_column = columns["circuit_id"]
    for index in range(start, len(rows)):
        cells = rows[index]
        row = index + 1
        if all(is_empty(c) for c in cells):
            continue

        def cell(column: Column, _cells: Sequence[object] = cells) -> object:
            return _cells[column.index] if column.index < len(_cells) else None

        if is_empty(cell(id_column)) and any(
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
