"""Terminal tables that never cut what one types next or reads as a figure.

rich shortens a cell that does not fit with an ellipsis: at 80 columns the ids that `govnet
explain` needs and the fees were cut to ``c370702-ds…``. Here a column is either *kept*
(ids, codes, money, counts: never cut, never wrapped) or text (wrapped at spaces, a word
folded only when longer than ``WHOLE_WORD``, never cut). When the kept columns and a
readable sliver of each text column do not fit the terminal, the table is stacked into
records instead, one ``header: value`` line per cell, each value on one line whatever its
length (the terminal may fold it, a copy keeps it whole). ``wide`` draws the table at its
natural width, whatever the terminal's (for ``less -S`` or a file)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, JustifyMethod
from rich.segment import Segments
from rich.table import Table
from rich.text import Text

Cell = str | Text

# A wrapped text column narrower than this (in cells: 4 Chinese characters) reads as noise:
# the table is stacked instead.
MIN_TEXT = 8

# A word up to this long (a phone number, an interface, an address) is not folded in a text
# column either: the column is at least as wide as its longest such word.
WHOLE_WORD = 16


@dataclass(frozen=True)
class Col:
    header: str
    justify: JustifyMethod = "left"
    keep: bool = False  # an id typed next, a code, money or a count: never cut nor wrapped


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def _widest(texts: Sequence[str]) -> int:
    return max((cell_len(line) for text in texts for line in text.splitlines()), default=0)


def get_widths(columns: Sequence[Col], rows: Sequence[Sequence[Cell]]) -> list[int]:
    """Each column's natural width: its widest line, header included."""
    return [_widest([c.header, *(_plain(row[i]) for row in rows)]) for i, c in enumerate(columns)]


def get_kept_widths(columns: Sequence[Col], rows: Sequence[Sequence[Cell]]) -> list[int]:
    """Each column's narrowest width that cuts nothing kept: a kept column's widest cell
    or header word (a header may wrap: it is read, not typed); a text column's longest word
    up to ``WHOLE_WORD``."""
    kept = []
    for i, c in enumerate(columns):
        if c.keep:
            kept.append(_widest([*c.header.split(), *(_plain(row[i]) for row in rows)]))
        else:
            words = (cell_len(w) for row in rows for w in _plain(row[i]).split())
            kept.append(max((w for w in words if w <= WHOLE_WORD), default=0))
    return kept


def get_floors(columns: Sequence[Col], widths: Sequence[int], kept: Sequence[int]) -> list[int]:
    """How narrow each column may be drawn: a kept column cuts nothing kept, a text column
    keeps ``MIN_TEXT`` cells and its words up to ``WHOLE_WORD`` (or its natural width when
    narrower)."""
    return [
        k if c.keep else min(w, max(k, MIN_TEXT))
        for c, w, k in zip(columns, widths, kept, strict=True)
    ]


def fit_widths(natural: Sequence[int], floors: Sequence[int], room: int) -> list[int] | None:
    """Column widths whose sum fits ``room``: the widest columns narrowed first, none below
    its floor; None when even the floors do not fit."""
    if sum(floors) > room:
        return None
    widths = list(natural)
    excess = sum(widths) - room
    while excess > 0:
        index = max((i for i, w in enumerate(widths) if w > floors[i]), key=lambda i: widths[i])
        widths[index] -= 1
        excess -= 1
    return widths


def get_room(console_width: int, columns: int) -> int:
    """The cells' room in a line: two padding cells per column, a border between and
    around them."""
    return console_width - 3 * columns - 1


def print_table(
    console: Console,
    columns: Sequence[Col],
    rows: Sequence[Sequence[Cell]],
    title: str | None = None,
    wide: bool = False,
) -> None:
    """``rows`` as a table that fits ``console``, else as stacked records (see the module);
    with ``wide``, as a table at its natural width."""
    if title:
        console.print(title, markup=False)
    # Every cell as the console shows it (a control character as its escape), and measured so.
    rows = [[console.render_str(c) if isinstance(c, str) else c for c in row] for row in rows]
    natural, kept = get_widths(columns, rows), get_kept_widths(columns, rows)
    if wide:
        table = _table(columns, rows, natural)
        options = console.options.update_width(sum(natural) + 3 * len(columns) + 1)
        for line in console.render_lines(table, options, new_lines=True):
            console.print(Segments(line), end="")
        return
    floors = get_floors(columns, natural, kept)
    widths = fit_widths(natural, floors, get_room(console.width, len(columns)))
    if widths is None:
        print_records(console, columns, rows)
    else:
        console.print(_table(columns, rows, widths))


def _table(columns: Sequence[Col], rows: Sequence[Sequence[Cell]], widths: list[int]) -> Table:
    """A rich table with fixed column widths: rich shrinks nothing itself."""
    table = Table()
    for column, width in zip(columns, widths, strict=True):
        # The header wraps at its spaces even above a column that never wraps.
        header = Text(column.header, no_wrap=False, overflow="fold")
        table.add_column(
            header, justify=column.justify, no_wrap=column.keep, overflow="fold", width=width
        )
    for row in rows:
        table.add_row(*row)
    return table


def print_records(console: Console, columns: Sequence[Col], rows: Sequence[Sequence[Cell]]) -> None:
    """Each row as a record: its first cell as ``header: value``, the others indented below
    it, empty ones left out; a value on one line, its own line breaks indented further."""
    labels = [" ".join(c.header.split()) for c in columns]
    for row in rows:
        for index, (label, cell) in enumerate(zip(labels, row, strict=True)):
            text = console.render_str(cell) if isinstance(cell, str) else cell
            if index and not text.plain:
                continue
            indent = "" if index == 0 else "  "
            first, *more = text.split("\n")
            console.print(Text.assemble(f"{indent}{label}: ", first))
            for line in more:
                console.print(Text.assemble(f"{indent}    ", line))
