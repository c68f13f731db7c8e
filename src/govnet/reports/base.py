"""What a report is: its rows, read from the store once, and how each output shows them.

A report is one module of this package holding its rows and a :class:`ReportSpec` (its
``REPORT``); the registry (``govnet.reports.REGISTRY``) lists them in the order every output
follows. Each output iterates the registry and asks each report for its part, as data:

- files under reports/<date>/: the CSV tables of :meth:`ReportSpec.tables`, and
  ``<name>.json`` (:meth:`ReportSpec.data`);
- the workbook statistics.xlsx: the sheets of :meth:`ReportSpec.sheets` (:class:`SheetSpec`);
- the web page index.html: the section of :meth:`ReportSpec.section`, a template of its own;
- the terminal: :meth:`ReportSpec.view`, tables and lines the command line renders.

Nothing here prints or writes; the writers and the command line do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast

from govnet.model.divisions import DivisionTree, Level
from govnet.model.files import get_bundled_data
from govnet.model.labels import DATE_FORMAT_XLSX, DATETIME_FORMAT_XLSX
from govnet.model.settings import Settings
from govnet.reports.snapshots import LedgerLine, Snapshot, get_ledger, get_snapshots

if TYPE_CHECKING:
    from govnet.model.policy import Deadline
    from govnet.store import Store

R = TypeVar("R")
# The bundled section templates (a report's module names its own, here or anywhere).
TEMPLATES = get_bundled_data("reports")


@dataclass
class Reading:
    """What the reports read, once: the store and the project's choices. The classified
    snapshots, the ledger and the units are read on first use and shared; each report's
    rows are loaded on first use too, so a report may use another's (the deadlines measure
    the coverage and the progress)."""

    store: Store
    tree: DivisionTree
    deadlines: Sequence[Deadline] = ()
    today: dt.date = field(default_factory=dt.date.today)
    division: str | None = None  # default: the smallest division holding every unit
    level: Level = Level.TOWN  # the deepest level listed
    settings: Settings = field(default_factory=Settings)  # time zone, the workbook's block
    _rows: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    @cached_property
    def snapshots(self) -> list[Snapshot]:
        """Every classified survey run, oldest first (an error when there is none); their
        times in the project's zone."""
        return [replace(s, at=self.settings.local(s.at)) for s in get_snapshots(self.store)]

    @cached_property
    def ledger(self) -> list[LedgerLine]:
        """Every ledger line, cancelled ones with when they left in the project's zone."""
        return [
            replace(ln, retired_at=self.settings.local(ln.retired_at)) if ln.retired_at else ln
            for ln in get_ledger(self.store)
        ]

    @cached_property
    def units(self) -> list[dict[str, Any]]:
        """Every unit the store has known (retired ones too): key, name, division_code..."""
        return self.store.get_inventory_rows("units", include_retired=True)

    @cached_property
    def unit_names(self) -> dict[str, str]:
        return {u["key"]: u["name"] for u in self.units}

    def rows_of(self, report: ReportSpec[R]) -> R:
        """A report's rows, loaded once."""
        if report.name not in self._rows:
            self._rows[report.name] = report.load(self)
        return cast(R, self._rows[report.name])


# --- the workbook's part ----------------------------------------------------------------

COUNT, MONEY, RATE, TEXT = "#,##0", "#,##0.00", "0.0%", "@"
DATE, DATETIME = DATE_FORMAT_XLSX, DATETIME_FORMAT_XLSX  # date cells, never text


@dataclass(frozen=True)
class Column:
    """A workbook column: its header and its number format (``wrap``: free text written
    by hand, wide and wrapped)."""

    header: str
    number_format: str = TEXT
    wrap: bool = False


@dataclass
class SheetSpec:
    """One sheet of statistics.xlsx, as data (govnet.reports.workbook lays it out)."""

    title: str  # the sheet tab (at most 31 characters)
    heading: str  # row 1
    source: str  # row 2: where the figures come from
    columns: list[Column]
    rows: list[list[Any]]
    totals: list[list[Any]] = field(default_factory=list)  # bold rows after the data
    highlight: list[int] = field(default_factory=list)  # data rows (0-based) to fill red
    # Per data row, how far its cell in ``indent_column`` is indented (a tree's depth: an
    # alignment, never spaces in the name).
    indents: list[int] = field(default_factory=list)
    indent_column: int = 1


@dataclass(frozen=True)
class SheetContext:
    """What every sheet's heading says: the place reported on and where the figures come
    from (the survey's date, when made); the project's settings (time zone, notes)."""

    place: str
    source: str
    settings: Settings = field(default_factory=Settings)


def chinese_table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str, Callable[[Any], Any]]]
) -> list[dict[str, Any]]:
    """A CSV table for people: each (key, Chinese header, how to show the value) of
    ``columns``, from the JSON document's rows (which keep the codes, for engineers). A value
    that is not there stays an empty cell.

    >>> chinese_table([{"carrier": "telecom"}, {}], [("carrier", "运营商", str.upper)])
    [{'运营商': 'TELECOM'}, {'运营商': None}]
    """
    return [
        {header: None if row.get(key) is None else show(row[key]) for key, header, show in columns}
        for row in rows
    ]


def as_is(value: Any) -> Any:
    return value


# --- the web page's part ----------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """A report's section of index.html: its template (Jinja2, autoescaped, the filters
    ``percent`` and ``target``) and what the template is given."""

    template: Traversable
    context: Mapping[str, Any]


# --- the terminal's part ----------------------------------------------------------------


@dataclass(frozen=True)
class ViewColumn:
    header: str
    justify: Literal["left", "center", "right"] = "left"
    no_wrap: bool = False  # an id, a code, money or a count: never cut nor wrapped


def money(value: float | Decimal | None) -> str:
    """A fee as stored, to the fen (never rounded to the yuan), thousands grouped.

    >>> money(2600), money(2600.5), money(None)
    ('2,600', '2,600.50', '-')
    """
    if value is None:
        return "-"
    exact = Decimal(str(value)).quantize(Decimal("0.01"))
    return f"{exact:,.0f}" if exact == exact.to_integral_value() else f"{exact:,.2f}"


@dataclass(frozen=True)
class ViewTable:
    """A table for the terminal (the command line draws it with rich)."""

    title: str
    columns: Sequence[ViewColumn]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class ViewLine:
    """A line of text for the terminal: (text, style) spans; no spans is an empty line."""

    spans: Sequence[tuple[str, str | None]] = ()

    @classmethod
    def plain(cls, text: str) -> ViewLine:
        return cls(((text, None),))


View = list[ViewTable | ViewLine]


# --- a report ---------------------------------------------------------------------------


class ReportSpec(Generic[R]):
    """One report: how its rows are read and how every output shows them.

    A subclass sets ``name`` (the command ``govnet report <name>`` and the file stem) and
    ``help``, loads its rows (``R``), says what its JSON document is, and overrides the
    outputs it takes part in; the defaults are no CSV, no sheet, no section, and a terminal
    table per CSV table.
    """

    name: str = ""
    help: str = ""  # the command's help: what the report shows
    # Another report whose command also shows this one (its files and its view after that
    # one's); such a report gets no command of its own.
    shown_with: str | None = None
    json_file: bool = True  # write <name>.json (False: its figures are in another's JSON)

    def load(self, reading: Reading) -> R:
        """The rows, from the store (through ``reading``, which also gives other reports')."""
        raise NotImplementedError

    def data(self, rows: R) -> dict[str, Any]:
        """The JSON document: ``<name>.json`` and what ``--json`` prints."""
        raise NotImplementedError

    def tables(self, data: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
        """The CSV files (stem -> rows, each a dict of the same keys), from the document."""
        return {}

    def sheets(self, rows: R, data: Mapping[str, Any], where: SheetContext) -> list[SheetSpec]:
        """Its sheets of statistics.xlsx."""
        return []

    def section(self, rows: R, data: Mapping[str, Any], lang: str) -> Section | None:
        """Its section of index.html (``lang``: zh or en)."""
        return None

    def view(self, rows: R, data: Mapping[str, Any]) -> View:
        """What the terminal shows: by default each CSV table as it is (numbers right)."""
        view: View = []
        for stem, table in self.tables(data).items():
            columns = list(table[0]) if table else []
            view.append(
                ViewTable(
                    stem,
                    [ViewColumn(c, "right" if _is_number(table, c) else "left") for c in columns],
                    [["-" if row[c] is None else str(row[c]) for c in columns] for row in table],
                )
            )
        return view


def _is_number(table: Sequence[Mapping[str, Any]], column: str) -> bool:
    values = [row[column] for row in table if row[column] is not None]
    return bool(values) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values
    )
