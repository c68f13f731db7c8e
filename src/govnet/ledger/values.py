"""Numbers, money and dates as offices write them in a ledger: 2600元/月, 5.8万元/年, 1.2万,
2M*2, 2×10M, 百兆, 2019年6月, 2019.6, 2019/6/1, 长期, 提前30天."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from openpyxl.utils.datetime import from_excel

from govnet.ledger.vocabulary import Vocabulary, normalize_word

Parser = Callable[[object], object]
Period = Literal["月", "年"]


class CellError(ValueError):
    """A cell whose value cannot mean what its column asks for."""


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


# --- bandwidth --------------------------------------------------------------------------------

_BANDWIDTH = re.compile(
    r"^(?:(\d+)[x×*])?(\d+(?:\.\d+)?)(?:(k|m|g|兆)(?:bps|b/s|bit/s|bits/s|bit|b)?)?"
    r"(?:[x×*](\d+)(?:条|路)?)?$"
)
_BANDWIDTH_SCALE = {"k": Decimal("0.001"), "m": Decimal(1), "兆": Decimal(1), "g": Decimal(1000)}


def get_bandwidth_parser(vocabulary: Vocabulary) -> Parser:
    def parse(value: object) -> object:
        """Mbps from 100, "100M", "100 Mb/s", "1G", "2×10M" or "2M*2" (two bundled circuits)."""
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        text = str(value).strip()
        if not text or vocabulary.is_placeholder(text):
            return None
        compact = normalize_word(text)
        if compact in vocabulary.bandwidth_words:
            return vocabulary.bandwidth_words[compact]
        match = _BANDWIDTH.match(compact)
        if match is None or (match[1] and match[4]):
            raise CellError(f"not a bandwidth: {text!r} (write e.g. 100, 100M, 1G, 2×10M or 2M*2)")
        count, number, unit, after = match.groups()
        mbps = Decimal(number) * Decimal(count or after or 1) * _BANDWIDTH_SCALE[unit or "m"]
        return float(mbps)

    return parse


# --- money ------------------------------------------------------------------------------------

_MONEY = re.compile(r"^\d+(?:\.\d+)?$")
_CENT = Decimal("0.01")
_TOO_MUCH = Decimal(10) ** 15  # far above any fee; keeps Decimal arithmetic exact
# What may follow an amount: its unit and its period (元/月, 万元/年, 元每月, /年, 每年).
_FEE_TAIL = re.compile(r"(?P<unit>万元|元|万)?(?:/|每|一)?(?P<period>月|年|个月)?$")


@dataclass(frozen=True)
class Fee:
    """An amount as a cell wrote it: yuan (already in the cell's own unit when it named one:
    5.8万 is 58000), whether it named its unit, and the period it named (月/年) if any."""

    amount: Decimal
    has_unit: bool = False
    period: Period | None = None

    def in_yuan(self, scale: Decimal) -> Decimal:
        """The amount in yuan in a column headed in units of ``scale`` yuan (万元: 10000)."""
        amount = self.amount if self.has_unit else self.amount * scale
        if amount != amount.quantize(_CENT):
            raise CellError(
                f"{amount} has more than 2 decimal places (fees are in yuan, to the fen)"
            )
        if abs(amount) >= _TOO_MUCH:
            raise CellError(f"not an amount of money a line could cost: {amount}")
        return amount.quantize(_CENT)


def get_fee_parser(vocabulary: Vocabulary) -> Parser:
    def parse(value: object) -> object:
        """A Fee from 1800, "1,800.00", "1800元", "￥1800", "1.2万", "2600元/月", "5.8万元/年"."""
        if value is None:
            return None
        if isinstance(value, bool):
            raise CellError(f"not an amount of money: {value!r}")
        if isinstance(value, int):
            return _check_fee(Decimal(value), value)
        if isinstance(value, float):
            return _check_fee(Decimal(repr(value)), value)  # as shown, not its binary expansion
        if isinstance(value, Decimal):
            return _check_fee(value, value)
        text = str(value).strip()
        if not text or vocabulary.is_placeholder(text):
            return None
        compact = "".join(unicodedata.normalize("NFKC", text).split())
        negative = compact.startswith("-")
        compact = compact.lstrip("+-")
        for prefix in ("人民币", "rmb", "RMB", "¥", "$"):
            compact = compact.removeprefix(prefix)
        compact = compact.replace(",", "")
        tail = _FEE_TAIL.search(compact)
        unit = tail["unit"] if tail else None
        period = tail["period"] if tail else None
        number = compact[: tail.start()] if tail else compact
        if not _MONEY.match(number):
            raise CellError(
                f"not an amount of money: {text!r} (write e.g. 1800, 1,800.00, 2600元/月 or "
                "5.8万元/年)"
            )
        scale = Decimal(10000) if unit in ("万", "万元") else Decimal(1)
        amount = Decimal(number) * scale * (-1 if negative else 1)
        fee = _check_fee(amount, text)
        when: Period | None = "月" if period in ("月", "个月") else "年" if period else None
        return Fee(fee.amount, unit is not None, when)

    return parse


def _check_fee(amount: Decimal, shown: object) -> Fee:
    if not amount.is_finite() or abs(amount) >= _TOO_MUCH:
        raise CellError(f"not an amount of money a line could cost: {shown}")
    if amount < 0:
        raise CellError(f"a fee cannot be negative: {amount}")
    return Fee(amount)


# --- dates ------------------------------------------------------------------------------------

_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ t]\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?$")


def get_date_parser(vocabulary: Vocabulary, end: bool) -> Parser:
    """Dates for the contract's start (``end`` False) or end: a month alone (2019年6月, 2019.6)
    is its first day for a start and its last for an end; 长期 is no end date."""

    def parse(value: object) -> object:
        """A date from an Excel date cell or 2024-01-31, 2024/1/31, 2024.1.31, 2024年1月31日,
        20240131, or a month: 2019年6月, 2019.6, 2019-06."""
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _number_to_date(value, end)
        text = str(value).strip()
        if not text or vocabulary.is_placeholder(text):
            return None
        if vocabulary.is_open_ended(text):
            if end:
                return None
            raise CellError(f"{text!r} is not a start date: write the date the line began")
        compact = unicodedata.normalize("NFKC", text).casefold()
        if re.fullmatch(r"\d{8}", compact):
            return _ymd_to_date(compact[:4], compact[4:6], compact[6:], text)
        if match := _DATE.match(compact):
            year, month, day = match.groups()
            return _ymd_to_date(year, month, day, text)
        if match := _MONTH.match(compact):
            return _month_to_date(int(match[1]), int(match[2]), end, text)
        raise CellError(
            f"not a date: {text!r} (write e.g. 2024-01-31, 2024年1月31日, 2024年1月, or 长期 "
            "for a contract with no end)"
        )

    return parse


def _number_to_date(value: float, end: bool) -> dt.date:
    if float(value).is_integer() and 19000101 <= value <= 21001231:
        text = str(int(value))  # 20240131 typed as a number
        return _ymd_to_date(text[:4], text[4:6], text[6:], text)
    if 10000 <= value <= 100000:  # an Excel serial day that lost its date format
        serial = from_excel(value)
        if isinstance(serial, dt.datetime):
            return serial.date()
    text = repr(value)
    if re.fullmatch(r"\d{4}\.\d{1,2}", text):  # 2019.6 typed as a number
        year, month = text.split(".")
        return _month_to_date(int(year), int(month), end, text)
    raise CellError(f"not a date: {value!r} (write e.g. 2024-01-31)")


def _month_to_date(year: int, month: int, end: bool, text: str) -> dt.date:
    if not 1900 <= year <= 2100 or not 1 <= month <= 12:
        raise CellError(f"not a real month: {text!r}")
    return dt.date(year, month, calendar.monthrange(year, month)[1] if end else 1)


def _ymd_to_date(year: str, month: str, day: str, text: str) -> dt.date:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise CellError(f"not a real date: {text!r}") from None


# --- days of notice ---------------------------------------------------------------------------

_DAYS = re.compile(r"^(?:提前)?(\d{1,4})(?:天|日|d|days?)?$")


def get_notice_days_parser(vocabulary: Vocabulary) -> Parser:
    def parse(value: object) -> object:
        """Days of notice from 30, "30", "30天", "30日", "提前30天". Months and working days
        are refused: a month is 28 to 31 days and the carrier counts by the contract's words."""
        if value is None:
            return None
        if isinstance(value, bool):
            raise CellError(f"not a number of days: {value!r}")
        if isinstance(value, int | float):
            if not float(value).is_integer() or value < 0:
                raise CellError(f"not a whole number of days: {value!r} (write e.g. 30)")
            return int(value)
        text = str(value).strip()
        if not text or vocabulary.is_placeholder(text):
            return None
        match = _DAYS.match(normalize_word(text))
        if match is None:
            raise CellError(
                f"not a number of calendar days: {text!r} (write e.g. 30 or 30天;"
                " count a month's notice in days as the contract does)"
            )
        return int(match[1])

    return parse
