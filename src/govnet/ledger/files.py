"""The project's side of an import: its units and hosts, and ``inventory/lines.yaml`` as written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from pathlib import Path

import yaml
from pydantic import ValidationError

from govnet.ledger.columns import FIELDS
from govnet.model.divisions import DivisionTree
from govnet.model.inventory import (
    LINES_FILE,
    UNITS_FILE,
    Line,
    Unit,
    UnitsFile,
)
from govnet.model.inventory_files import (
    load_inventory,
    load_nornir_config,
)
from govnet.model.problems import (
    MAX_YAML_BYTES,
    FileLimitError,
    Problem,
    ProblemsError,
    check_yaml_text,
    has_errors,
    load_yaml,
    read_text_file,
)
from govnet.model.text import CONTROL_CHARS

# --- the project --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Project:
    """What an import checks a sheet against, and the ledger it would replace."""

    units: list[Unit]
    host_names: set[str]
    current: dict[str, Line | None]  # lines.yaml by circuit id; None: an entry that is broken


def load_project(root: Path, tree: DivisionTree) -> _Project:
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
        text = read_text_file(root / LINES_FILE, MAX_YAML_BYTES)
        check_yaml_text(text, aliases=False)  # a hostile file: too deep, or an alias bomb
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, FileLimitError):
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
