"""Inventory loading: the example is valid; each broken copy yields one precise problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import FIXTURES
from govnet.model.divisions import DivisionTree
from govnet.model.inventory import Role
from govnet.model.inventory_files import get_inventory, load_inventory
from govnet.model.problems import ProblemsError
from govnet.survey import get_nornir

BROKEN: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "inventory" / "broken.yaml").read_text())


def test_example_project_is_valid_and_complete(example_project: Path, tree: DivisionTree) -> None:
    inventory, problems = load_inventory(example_project, tree)
    assert inventory is not None, problems
    assert [p for p in problems if p.severity == "error"] == []
    kinds = {u.kind.value for u in inventory.units}
    assert kinds == {"county", "department", "town"}
    towns = {u.division_code for u in inventory.units if u.kind.value == "town"}
    county_towns = {d.code for d in tree.get_children("500107")}
    assert towns == county_towns  # every real town of 九龙坡区 has its government unit
    names = " ".join(u.name for u in inventory.units)
    for department in (
        "公安",
        "税务",
        "人力资源和社会保障",
        "医疗保障",
        "卫生健康",
        "教育",
        "民政",
        "自然资源",
        "市场监督",
        "应急",
        "财政",
    ):
        assert department in names
    assert sum(u.classified for u in inventory.units) == 1
    assert {h.platform for h in inventory.hosts} == {"huawei", "hp_comware", "cisco_ios"}
    assert all(h.role in Role for h in inventory.hosts)
    assert any(ln.kind.value == "internet" for ln in inventory.lines)


@pytest.mark.parametrize("case", BROKEN, ids=[c["name"] for c in BROKEN])
def test_broken_copy_names_file_line_and_field(
    case: dict[str, Any], example_project: Path, tree: DivisionTree
) -> None:
    path = example_project / case["file"]
    text = path.read_text(encoding="utf-8")
    assert case["old"] in text, "fixture no longer matches the example project"
    path.write_text(text.replace(case["old"], case["new"], 1), encoding="utf-8")

    inventory, problems = load_inventory(example_project, tree)
    assert inventory is None
    matching = [p for p in problems if case["message"] in p.message and p.severity == "error"]
    assert len(matching) == 1, [str(p) for p in problems]
    problem = matching[0]
    assert problem.file == case["file"]
    assert problem.line is not None
    if case["field"] is not None:
        assert problem.field is not None and problem.field.endswith(case["field"])
        line_text = path.read_text(encoding="utf-8").splitlines()[problem.line - 1]
        assert case["field"].split(".")[-1] in line_text, (problem, line_text)
    # Nothing else in the file is blamed.
    assert all(p.file == case["file"] for p in problems if p.severity == "error")


def test_nornir_is_initialised_only_from_checked_files(
    example_project: Path, tree: DivisionTree, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # relative paths in nornir_config.yaml must not matter
    nr = get_nornir(example_project, tree)
    inventory = get_inventory(example_project, tree)
    assert set(nr.inventory.hosts) == {h.name for h in inventory.hosts}
    host = nr.inventory.hosts["jlp-dsj-core1"]
    assert host.platform == "huawei" and host.port == 20001
    assert host["unit"] == "jlp-dsj"

    hosts = example_project / "inventory" / "hosts.yaml"
    hosts.write_text(hosts.read_text().replace("groups: [huawei]", "groups: [huawie]", 1))
    with pytest.raises(ProblemsError):
        get_nornir(example_project, tree)


def test_missing_files_are_reported(example_project: Path, tree: DivisionTree) -> None:
    (example_project / "inventory" / "lines.yaml").unlink()
    _, problems = load_inventory(example_project, tree)
    assert [str(p) for p in problems] == ["inventory/lines.yaml: file not found"]


def test_village_units_need_imported_villages(example_project: Path, tree: DivisionTree) -> None:
    units = example_project / "inventory" / "units.yaml"
    units.write_text(
        units.read_text()
        + (
            "  - id: village-huayan\n    name: 华岩村村民委员会\n    kind: village\n"
            '    division_code: "500107102201"\n    parent: town-huayan\n'
        )
    )
    _, problems = load_inventory(example_project, tree)
    assert any("villages are not bundled" in p.message for p in problems)

    from govnet.model.divisions import Division

    with_village = tree.copy_with([Division("500107102201", "华岩村委会")])
    inventory, problems = load_inventory(example_project, with_village)
    assert inventory is not None, [str(p) for p in problems]


def test_an_impossible_date_in_the_ledger_is_a_problem(
    example_project: Path, tree: DivisionTree
) -> None:
    lines = example_project / "inventory" / "lines.yaml"
    text = lines.read_text(encoding="utf-8")
    first = text.index("contract_end: ") + len("contract_end: ")
    lines.write_text(text[:first] + "2024-02-30" + text[first + 10 :], encoding="utf-8")
    inventory, problems = load_inventory(example_project, tree)
    assert inventory is None
    (problem,) = problems
    assert problem.file == "inventory/lines.yaml" and problem.line is not None
    assert "'2024-02-30': day is out of range for month" in problem.message
