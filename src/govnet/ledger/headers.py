"""Reading a ledger's header row: which column is which field, in which unit (年租费（万元）),
and every column it will not read, named, so that no column is dropped unseen.

A column the ledger does not keep (序号, 联系人) is listed as ignored. One whose header looks
like a known header (年租金 next to 年租费, 月租费用 next to 月租费) is an error with the header
it resembles: read as nothing, a fee column would vanish from the ledger with no word.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from govnet.ledger.columns import COLUMNS_FILE, FEE_FIELDS, normalize_header
from govnet.ledger.sheets import Column, Source, is_empty
from govnet.model.problems import Problem

# A unit at the end of a header: （万元）, (元/月), 万元/年, （元/年）.
_UNIT = re.compile(r"^(?P<base>.+?)[(\[]?(?P<money>万元|元|万)?(?:/|每)?(?P<period>月|年)?[)\]]?$")
_SCALES = {"万元": Decimal(10000), "万": Decimal(10000), "元": Decimal(1)}
_PERIOD_OF = {"monthly_fee": "月", "annual_fee": "年"}
_SIMILAR = 0.7  # difflib ratio from which an unknown header "looks like" a known one
_FEE_WORDS = re.compile(r"费|租|金|价")


@dataclass(frozen=True)
class Header:
    """The header row as read."""

    columns: dict[str, Column]
    start: int  # index of the first data row
    ignored: list[str] = field(default_factory=list)  # column labels not read (序号, 联系人)
    problems: list[Problem] = field(default_factory=list)


def split_unit(header: str) -> tuple[str, Decimal | None, str | None]:
    """A normalized header's base, the yuan per unit its money word says, and its period.

    >>> split_unit(normalize_header("年租费（万元）"))
    ('年租费', Decimal('10000'), None)
    >>> split_unit(normalize_header("租费(元/月)"))
    ('租费', Decimal('1'), '月')
    >>> split_unit("带宽")
    ('带宽', None, None)
    """
    match = _UNIT.match(header)
    if match is None or not (match["money"] or match["period"]):
        return header, None, None
    opened, closed = header.count("("), header.count(")")
    if opened != closed:
        return header, None, None
    money = match["money"]
    return match["base"].rstrip("(/"), _SCALES[money] if money else None, match["period"]


def _read_with_unit(
    text: str, aliases: Mapping[str, str]
) -> tuple[str | None, Decimal, str | None]:
    """The fee field a header with a unit names (年租费（万元）: annual_fee, 10000), else None;
    and an error when its period contradicts the field (月租费（元/年）)."""
    base, scale, period = split_unit(text)
    name = aliases.get(base)
    if name not in FEE_FIELDS or (scale is None and period is None):
        return None, Decimal(1), None
    own = _PERIOD_OF[name]
    if period is not None and period != own:
        return name, scale or Decimal(1), f"says per {period} but {base} is per {own}"
    return name, scale or Decimal(1), None


def _find_lookalike(text: str, columns: Mapping[str, Sequence[str]]) -> tuple[str, str] | None:
    """The known (header, field) an unknown header most looks like, if it looks like one."""
    base, scale, period = split_unit(text)
    best: tuple[float, str, str] | None = None
    for name, headers in columns.items():
        for header in headers:
            known = split_unit(normalize_header(header))[0]
            ratio = difflib.SequenceMatcher(None, base, known).ratio()
            if best is None or ratio > best[0]:
                best = (ratio, header, name)
    if best is None:
        return None
    ratio, header, name = best
    if ratio >= _SIMILAR:
        return header, name
    if (scale is not None or period is not None) and _FEE_WORDS.search(base):
        # a money column of an unknown name: it is a fee, whichever
        fee = "monthly_fee" if period == "月" or "月" in base else "annual_fee"
        return columns[fee][0], fee
    return None


def read_header(
    rows: Sequence[Sequence[object]],
    at: int,
    columns: Mapping[str, Sequence[str]],
    aliases: Mapping[str, str],
    ignore: Collection[str],
    source: Source,
) -> Header:
    """The column of each field, the first data row, and the columns not read.

    A row right under the header whose cells are all header names is a second header row
    (设备 | 接口 under a merged "A端"), read as part of the header.
    """
    found: dict[str, Column] = {}
    ignored: list[str] = []
    problems: list[Problem] = []
    header_rows = [at]
    below = rows[at + 1] if at + 1 < len(rows) else []
    below_cells = [c for c in below if not is_empty(c)]
    if below_cells and all(normalize_header(c) in aliases for c in below_cells):
        header_rows.append(at + 1)
    for index in header_rows:
        for position, cell in enumerate(rows[index]):
            if is_empty(cell):
                continue
            key = normalize_header(cell)
            name, scale, wrong = aliases.get(key), Decimal(1), None
            if name is None:
                name, scale, wrong = _read_with_unit(key, aliases)
            column = Column(name or "", position, str(cell).strip(), scale)
            if name is None:
                if index != at or key in ignore:
                    ignored.append(column.label)  # the merged "A端" above 设备 | 接口
                    continue
                like = _find_lookalike(key, columns)
                if like is None:
                    ignored.append(column.label)
                    continue
                header, field_name = like
                problems.append(
                    source.get_problem(
                        f"not a column the ledger reads, but it looks like {header} "
                        f"({field_name}): rename it {header} (a unit may follow, as in "
                        f"{header.split('（')[0]}（万元）), or if it is something else list "
                        f"{' '.join(column.header.split())!r} under ignore: in {COLUMNS_FILE}",
                        index + 1,
                        column,
                    )
                )
                continue
            if wrong is not None:
                message = f"{wrong}: write the amount per {_PERIOD_OF[name]}, or rename the column"
                problems.append(source.get_problem(message, index + 1, column))
                continue
            first = found.setdefault(name, column)
            if first is not column and first.index != position:
                problems.append(
                    source.get_problem(
                        f"a second column for {name} (the first is {first.label}): "
                        "delete or rename one",
                        index + 1,
                        column,
                    )
                )
    return Header(found, header_rows[-1] + 1, ignored, problems)
