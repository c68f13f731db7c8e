"""Coverage per division against the lab's ground truth and the real NBS town lists.

The lab's perfect-survey oracle (``get_lab_snapshot``) gives the facts a clean survey would;
classification decides which units reach the extranet; the ground truth says which towns are
covered. The town table of a county must be exactly its NBS towns, with their codes and names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from govnet.app.project import init_project
from govnet.classify import classify
from govnet.model.divisions import Division, Level, get_bundled_tree
from govnet.model.inventory_files import get_inventory
from govnet.model.policy import load_policy
from govnet.reports.coverage import LEDGER, SURVEY, CoverageRow, UnitPlace, get_coverage
from govnet_lab.district import load_district
from govnet_lab.facts import get_lab_snapshot
from govnet_lab.generate import generate_lab


def lab_coverage(
    root: Path, county: str | None, seed: int, size: int | None
) -> tuple[list[CoverageRow], dict[str, Any], list[UnitPlace]]:
    if county is None:
        init_project(root)
    district = load_district(generate_lab(root, county, seed, size, None))
    tree = get_bundled_tree()
    inventory = get_inventory(root, tree)
    snapshot = get_lab_snapshot(inventory, district.devices)
    result = classify(snapshot, load_policy(None))
    access = {u.unit: u.connected_by for u in result.units if u.category is not None}
    places = [UnitPlace(u.key, u.division_code, access.get(u.key)) for u in snapshot.units]
    truth = yaml.safe_load((root / "lab" / "ground_truth.yaml").read_text(encoding="utf-8"))
    county_code = truth["towns"][0]["code"][:6].ljust(12, "0")
    return get_coverage(tree, places, county_code), truth, places


@pytest.mark.parametrize(
    ("county", "seed", "size", "towns"),
    [(None, 1, None, 19), ("370702", 3, 60, None)],
    ids=["500107", "370702"],
)
def test_a_county_lists_exactly_its_nbs_towns_with_the_true_coverage(
    tmp_path: Path, county: str | None, seed: int, size: int | None, towns: int | None
) -> None:
    rows, truth, places = lab_coverage(tmp_path, county, seed, size)
    county_row, town_rows = rows[0], rows[1:]
    nbs = get_bundled_tree().get_descendants(county_row.code, Level.TOWN)
    assert [(r.code, r.name) for r in town_rows] == [(d.code, d.name) for d in nbs]
    assert towns is None or len(town_rows) == towns
    assert [(r.code, r.name, r.towns_covered == 1) for r in town_rows] == [
        (t["code"], t["name"], t["covered"]) for t in truth["towns"]
    ]
    assert all(r.level is Level.TOWN and r.parent == county_row.code for r in town_rows)
    connected = [u for u in truth["exits"] if u["category"] is not None]
    assert (county_row.units, county_row.connected) == (len(places), len(connected))
    assert county_row.towns == len(nbs)
    assert county_row.towns_covered == sum(t["covered"] for t in truth["towns"])
    assert 0 < county_row.towns_covered < county_row.towns  # the lab has both
    for row in town_rows:
        units = [p for p in places if p.division_code == row.code]
        assert row.units == len(units)
        assert row.connected == sum(p.connected_by is not None for p in units)


def test_counts_roll_up_county_city_province() -> None:
    tree = get_bundled_tree()
    places = [
        UnitPlace("a", "500107000000", SURVEY),  # 九龙坡区 department
        UnitPlace("b", "500107102000", SURVEY),  # 华岩镇
        UnitPlace("c", "500107103000", None),  # 含谷镇, not connected
        UnitPlace("d", "500108001000", LEDGER),  # 南岸区, a street: the ledger only
        UnitPlace("e", "370702001000", SURVEY),  # another province: outside the root
    ]
    rows = {r.code: r for r in get_coverage(tree, places, "500000000000", Level.COUNTY)}
    province, city = rows["500000000000"], rows["500100000000"]
    assert (province.units, province.connected, province.connected_by_ledger) == (4, 3, 1)
    assert (city.units, city.connected) == (4, 3)
    jiulongpo, nanan = rows["500107000000"], rows["500108000000"]
    assert (jiulongpo.units, jiulongpo.connected, jiulongpo.towns_covered) == (3, 2, 1)
    assert (nanan.connected_by_ledger, nanan.towns_covered) == (1, 1)
    assert province.towns == len(tree.get_descendants("500000000000", Level.TOWN))
    assert province.towns_covered == 2 and province.town_rate == pytest.approx(2 / province.towns)
    assert not any(r.level is Level.TOWN for r in rows.values())  # --level county
    counties = [r for r in rows.values() if r.level is Level.COUNTY]
    assert sum(r.towns for r in counties) == province.towns
    assert sum(r.units for r in counties) == province.units


def test_villages_count_when_imported() -> None:
    tree = get_bundled_tree().copy_with(
        [Division("500107102001", "华福社区居委会"), Division("500107102201", "华岩村委会")]
    )
    places = [UnitPlace("v", "500107102201", SURVEY), UnitPlace("t", "500107102000", None)]
    rows = get_coverage(tree, places, "500107102", Level.VILLAGE)
    assert [(r.code, r.level) for r in rows] == [
        ("500107102000", Level.TOWN),
        ("500107102001", Level.VILLAGE),
        ("500107102201", Level.VILLAGE),
    ]
    town = rows[0]
    assert (town.units, town.connected, town.towns_covered) == (2, 1, 1)
    assert (town.villages, town.villages_covered, town.village_rate) == (2, 1, 0.5)
    assert [r.villages_covered for r in rows[1:]] == [0, 1]


def test_the_whole_country_has_its_total_first() -> None:
    tree = get_bundled_tree()
    places = [UnitPlace("a", "500107102000", SURVEY), UnitPlace("b", "370702001000", None)]
    rows = get_coverage(tree, places, "", Level.PROVINCE)
    country, provinces = rows[0], rows[1:]
    assert (country.code, country.name, country.level, country.parent) == ("", "全国", None, None)
    assert len(provinces) == 31 and all(p.parent == "" and p.depth == 1 for p in provinces)
    every_town = [d for d in tree.divisions.values() if d.level is Level.TOWN]
    assert country.towns == len(every_town) > 40_000
    assert (country.units, country.connected, country.towns_covered) == (2, 1, 1)
    assert country.to_dict()["level"] == "country"
