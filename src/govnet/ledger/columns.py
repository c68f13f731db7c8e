"""The ledger's columns: which Chinese headers mean which field
(``inventory/ledger_columns.yaml`` over the bundled defaults), and the words a cell may use."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from govnet.model.files import get_bundled_data
from govnet.model.inventory import Line
from govnet.model.problems import (
    Problem,
    ProblemsError,
    YamlDoc,
    has_errors,
    load_yaml,
    validation_to_problems,
)
from govnet.model.text import CONTROL_CHARS

COLUMNS_FILE = "inventory/ledger_columns.yaml"
DEFAULT_COLUMNS_LABEL = "govnet/data/ledger_columns.yaml"
SHEET_TITLE = "专线台账"
HEADER_SEARCH_ROWS = 10

FIELDS: tuple[str, ...] = tuple(Line.model_fields)
REQUIRED_FIELDS: tuple[str, ...] = tuple(
    name for name, info in Line.model_fields.items() if info.is_required()
)
TEXT_FIELDS = frozenset(
    {
        "circuit_id",
        "network",
        "termination_terms",
        "funding_source",
        "payer",
        "a_device",
        "a_interface",
        "z_end",
    }
)
FEE_FIELDS = ("monthly_fee", "annual_fee")

# Rows that are not lines: a totals row, and the signature lines under a table or the
# 填报 lines above it (制表人：张三  审核人：李四  填报日期：2024年5月).
TOTALS = re.compile(r"合\s*计|总\s*计|小\s*计")
FURNITURE = re.compile(
    r"^\s*(?:合\s*计|总\s*计|小\s*计|制\s*表|填\s*表|填\s*报|审\s*核|审\s*批|负\s*责\s*人|"
    r"单位负责人|经办人|联系人|联系电话|注\s*[:：]|说\s*明\s*[:：]|备\s*注\s*[:：])"
)

# Line breaks and control characters: a cell value may end up in a device configuration.
LINE_REF = re.compile(r"lines\[(\d+)\]")
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


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
    notice_days: Headers | None = None
    termination_terms: Headers | None = None
    classified: Headers | None = None
    security_grade: Headers | None = None
    funding_source: Headers | None = None
    payer: Headers | None = None
    a_device: Headers | None = None
    a_interface: Headers | None = None
    z_end: Headers | None = None
    note: Headers | None = None
    # Headers of columns the ledger does not keep, which look like one it does (主管单位 next
    # to 单位名称): read as deliberately not imported instead of an error.
    ignore: Headers | None = None


def normalize_header(value: object) -> str:
    """Header text compared without spaces, bracket width or case: 带宽（M） = 带宽(m)."""
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    return "".join(text.split())


def normalize_word(value: str) -> str:
    """A word compared without case or width, its spaces collapsed (the workbook's sheets)."""
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
            other, other_index = owner.setdefault(normalize_header(header), (name, index))
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


def get_ignored_headers(root: Path | None) -> frozenset[str]:
    """The headers a project's ledger_columns.yaml lists under ``ignore`` (normalized)."""
    if root is None or not (root / COLUMNS_FILE).exists():
        return frozenset()
    own, _doc, problems = _load_columns_file(root / COLUMNS_FILE, COLUMNS_FILE)
    if own is None:
        raise ProblemsError(problems)
    return frozenset(normalize_header(h) for h in own.ignore or ())


def get_ledger_headers(root: Path | None = None) -> list[tuple[str, str, bool]]:
    """(field, the header an export writes, required) for every column, in export order:
    what a blank ledger template heads its columns with."""
    columns = get_ledger_columns(root)
    return [(name, columns[name][0], name in REQUIRED_FIELDS) for name in FIELDS]


def columns_to_aliases(columns: Mapping[str, Sequence[str]]) -> dict[str, str]:
    return {normalize_header(h): name for name, headers in columns.items() for h in headers}
