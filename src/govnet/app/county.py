"""`govnet init DIR --county CODE`: a county office's own project, made from the NBS divisions
rather than copied from the example district: the county government, the county's
e-government centre and every town/street of the county as units, the example's policy, no
devices and an empty ledger (the office fills them in, by YAML or the inventory workbook)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from govnet.model.divisions import (
    Division,
    DivisionCodeError,
    DivisionTree,
    Level,
    get_bundled_tree,
    get_town_type,
    to_full_code,
)
from govnet.model.files import get_bundled_root, write_atomically
from govnet.model.inventory import LINES_FILE, NORNIR_CONFIG, UNITS_FILE
from govnet.model.policy import POLICY_FILE
from govnet.model.problems import UsageError

SUGGESTIONS = 8  # county names offered after an unknown code


class CountyError(UsageError):
    """A --county that names no county of the bundled divisions; the message suggests some."""


def find_county(code: str, tree: DivisionTree | None = None) -> Division:
    """The county-level division ``code`` names (a county, or a city without counties such as
    东莞 441900); CountyError naming nearby counties when it names none.

    >>> find_county("370705").name
    '奎文区'
    >>> find_county("370799")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    govnet.app.county.CountyError: 370799 is not a county ...; counties of 潍坊市: 370702 ...
    """
    tree = tree or get_bundled_tree()
    text = code.strip()
    if not text.isdigit():
        return _find_by_name(text, tree)
    try:
        full = to_full_code(text)
    except DivisionCodeError as exc:
        raise CountyError(f"--county {code}: {exc}; a county's code has 6 digits") from None
    division = tree.get_district(full)
    if division is not None:
        return division
    found = tree.get(full)
    if found is not None and found.level in (Level.PROVINCE, Level.CITY):
        where, counties = found, _counties(found.code, tree)
        lead = f"{text} is {tree.get_full_name(found.code)}, not a county"
    else:
        city = tree.get(full[:4].ljust(12, "0"))
        if city is None:
            province = tree.get(full[:2].ljust(12, "0"))
            hint = f"; `govnet divisions show {full[:2]}` lists {province.name}" if province else ""
            raise CountyError(f"{text} is not a county in the NBS 2023 data{hint}")
        where, counties = city, _counties(city.code, tree)
        lead = f"{text} is not a county in the NBS 2023 data"
    listed = ", ".join(f"{c.code[:6]} {c.name}" for c in counties[:SUGGESTIONS])
    if len(counties) > SUGGESTIONS:
        listed += f" ... ({len(counties)} in all)"
    short = where.code[:2] if where.level is Level.PROVINCE else where.code[:4]
    raise CountyError(
        f"{lead}; counties of {where.name}: {listed}; `govnet divisions show {short}` lists them"
    )


def _counties(code: str, tree: DivisionTree) -> list[Division]:
    below = [code, *(d.code for d in tree.get_descendants(code, Level.CITY))]
    found = [d for c in below for d in [tree.get(c)] if d and tree.is_county_level(d.code)]
    found += tree.get_descendants(code, Level.COUNTY)
    return sorted({d.code: d for d in found}.values(), key=lambda d: d.code)


def _find_by_name(name: str, tree: DivisionTree) -> Division:
    """A county by its name (奎文区, 潍坊市奎文区), when exactly one county has it."""
    counties = [d for d in tree.divisions.values() if tree.is_county_level(d.code)]
    exact = [d for d in counties if tree.get_full_name(d.code).endswith(name)]
    if len(exact) == 1:
        return exact[0]
    near = exact or [d for d in counties if name and name in tree.get_full_name(d.code)]
    if not near:
        raise CountyError(f"no county named {name!r}: give its 6-digit code (e.g. 370705)")
    listed = ", ".join(f"{d.code[:6]} {tree.get_full_name(d.code)}" for d in near[:SUGGESTIONS])
    raise CountyError(f"{name!r} names {len(near)} counties: {listed}; give the code")


def get_county_prefix(county: Division, tree: DivisionTree) -> str:
    """How the county's units begin their names: 潍坊市奎文区, 重庆市九龙坡区, 东莞市."""
    path = [d.name for d in tree.get_path(county.code)]
    if len(path) <= 2 or path[1] == path[-1]:
        return path[-1]
    city = path[0] if path[1] in ("市辖区", "县") else path[1]
    return city + path[-1]


def _town_unit_name(county_name: str, town: Division) -> str:
    """A town's government as it signs: 奎文区东关街道办事处, …镇人民政府, …开发区管理委员会."""
    name = town.name.strip()
    kind = get_town_type(town.code)
    if kind == "街道":
        suffix = "办事处"
    elif kind in ("镇", "乡"):
        suffix = "人民政府"
    else:
        suffix = "管理委员会" if name.endswith("区") else ""
    return f"{county_name}{name}{suffix}"


def make_county_units(county: Division, tree: DivisionTree) -> list[dict[str, Any]]:
    """units.yaml entries: the county government, its e-government centre, every town.

    Ids follow the lab's districts (``c370705``, ``c370705-dsj``, ``town-001``): ASCII, stable
    (from the NBS code, not a transliteration) and short enough to type.
    """
    prefix = get_county_prefix(county, tree)
    short = f"c{county.code[:6]}"
    units: list[dict[str, Any]] = [
        {
            "id": short,
            "name": f"{prefix}人民政府",
            "kind": "county",
            "division_code": county.code,
            "classified": False,
        },
        {
            "id": f"{short}-dsj",
            "name": f"{prefix}电子政务中心",
            "kind": "department",
            "division_code": county.code,
            "parent": short,
            "classified": False,
            "note": "电子政务外网县级节点运维单位（名称请按本地机构设置核对）",
        },
    ]
    county_name = county.name.strip()
    for town in tree.get_descendants(county.code, Level.TOWN):
        units.append(
            {
                "id": f"town-{town.code[6:9]}",
                "name": _town_unit_name(county_name, town),
                "kind": "town",
                "division_code": town.code,
                "parent": short,
                "classified": False,
            }
        )
    return units


def _units_text(county: Division, tree: DivisionTree, units: list[dict[str, Any]]) -> str:
    full = tree.get_full_name(county.code)
    towns = len(units) - 2
    header = (
        f"# Units of {full} (division {county.code}): the county government, its\n"
        f"# e-government centre and its {towns} town-level governments, from the NBS divisions.\n"
        f"# {full}单位：区县政府、电子政务中心及 {towns} 个乡镇街道，据统计用区划生成\n"
        "# Add departments here or in the units sheet of `govnet inventory template`;\n"
        "# contacts: a list of {role: leader|contact|technical, name, phone}.\n"
        "# 部门单位可在此添加，或填写 `govnet inventory template` 生成的工作簿后导入。\n"
    )
    body = yaml.safe_dump({"units": units}, allow_unicode=True, sort_keys=False, width=1000)
    return header + "\n" + body


HOSTS_TEXT = """\
# Nornir SimpleInventory host file: the county's routers, one entry per device, e.g.
# 设备清单（Nornir SimpleInventory 格式）：每台路由器一项，可填写工作簿的“设备”表后导入。
#
# c370705-dsj-core1:
#   hostname: 10.0.0.1          # management address 管理地址
#   groups: [huawei]            # platform group from groups.yaml 平台
#   data: {unit: c370705-dsj, division_code: "370705000000", site: 机房, role: core}
#
# Credentials never go in this file: GOVNET_USERNAME / GOVNET_PASSWORD.
{}
"""
LINES_TEXT = """\
# Dedicated-line ledger (专线台账): fill it with `govnet inventory import 台账.xlsx`.
lines: []
"""


def init_county_project(target: Path, code: str, tree: DivisionTree | None = None) -> list[Path]:
    """A new project for the county ``code`` in ``target``, which must be empty or absent."""
    tree = tree or get_bundled_tree()
    county = find_county(code, tree)
    if target.exists() and not target.is_dir():
        raise CountyError(f"{target} is a file, not a folder: nothing written")
    if target.is_dir() and any(target.iterdir()):
        raise CountyError(f"{target} is not empty: give a new or empty folder (nothing written)")
    source = get_bundled_root()
    files: dict[str, str] = {
        NORNIR_CONFIG: (source / NORNIR_CONFIG).read_text(encoding="utf-8"),
        "inventory/defaults.yaml": (source / "inventory/defaults.yaml").read_text("utf-8"),
        "inventory/groups.yaml": (source / "inventory/groups.yaml").read_text("utf-8"),
        UNITS_FILE: _units_text(county, tree, make_county_units(county, tree)),
        "inventory/hosts.yaml": HOSTS_TEXT,
        LINES_FILE: LINES_TEXT,
        ".gitignore": ".govnet/\nreports/\n",
    }
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for relative, text in files.items():
        write_atomically(target / relative, text)
        written.append(target / relative)
    playbooks = target / "playbooks"
    shutil.copytree(source / "playbooks", playbooks)
    policy = target / POLICY_FILE
    lines = policy.read_text(encoding="utf-8").split("\n", 1)
    full = tree.get_full_name(county.code)
    title = f"# 电子政务网络整合政策（{full}，由示例政策复制，请按本地文件核对）"
    write_atomically(policy, title + "\n" + (lines[1] if len(lines) > 1 else ""))
    written += sorted(p for p in playbooks.rglob("*") if p.is_file())
    return written
