"""nornir_config.yaml honoured: any inventory plugin as the source of hosts, checked by
govnet like hosts.yaml (errors name the host and field); the runner and its workers; logging.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from nornir.core.inventory import Defaults, Group, Groups, Host, Hosts, Inventory, ParentGroups
from nornir.core.plugins.inventory import InventoryPluginRegister
from nornir.plugins.runners import SerialRunner, ThreadedRunner

from govnet.app.project import Project
from govnet.model.divisions import DivisionTree
from govnet.model.inventory_files import get_inventory
from govnet.model.problems import ProblemsError
from govnet.survey.nornir import inventory_to_nornir

COLUMNS = ("name", "hostname", "port", "group", "unit", "division_code", "site", "role")


class CSVInventory:
    """A Nornir inventory plugin of the kind an office writes for its device sheet: one row a
    host, the platform from its group, an optional password column (which govnet refuses)."""

    def __init__(self, host_file: str) -> None:
        self.host_file = host_file

    def load(self) -> Inventory:
        groups = Groups({p: Group(p, platform=p) for p in ("huawei", "hp_comware", "cisco_ios")})
        hosts = Hosts()
        with open(self.host_file, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                hosts[row["name"]] = Host(
                    row["name"],
                    hostname=row["hostname"],
                    port=int(row["port"]),
                    groups=ParentGroups([groups[row["group"]]]),
                    password=row.get("password") or None,
                    data={k: row[k] for k in ("unit", "division_code", "site", "role")},
                )
        return Inventory(hosts, groups, Defaults())


InventoryPluginRegister.register("GovnetTestCSV", CSVInventory)


def _to_csv(root: Path, change: dict[str, dict[str, str]] | None = None) -> list[dict[str, str]]:
    hosts = yaml.safe_load((root / "inventory/hosts.yaml").read_text(encoding="utf-8"))
    rows = [
        {
            "name": name,
            "hostname": h["hostname"],
            "port": str(h.get("port", 22)),
            "group": h["groups"][0],
            **{k: str(v) for k, v in h["data"].items()},
        }
        for name, h in hosts.items()
    ]
    for row in rows:
        row |= (change or {}).get(row["name"], {})
    fields = list(COLUMNS) + (["password"] if any("password" in r for r in rows) else [])
    with open(root / "inventory/hosts.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fields)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def _set_config(root: Path, **sections: Any) -> None:
    path = root / "nornir_config.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config |= sections
    path.write_text(yaml.safe_dump(config), encoding="utf-8")


@pytest.fixture
def csv_project(example_project: Path) -> Path:
    _to_csv(example_project)
    plugin = {"plugin": "GovnetTestCSV", "options": {"host_file": "inventory/hosts.csv"}}
    _set_config(example_project, inventory=plugin)
    return example_project


def test_plugin_hosts_are_the_same_hosts(
    csv_project: Path, example_project: Path, tree: DivisionTree, tmp_path: Path
) -> None:
    inventory = Project(csv_project, f"sqlite:///{tmp_path}/g.db").get_inventory()
    _set_config(csv_project, inventory={"plugin": "SimpleInventory"})
    from_files = get_inventory(csv_project, tree)
    assert inventory.hosts == from_files.hosts
    assert len(inventory.hosts) > 5
    assert inventory.get_digest() != from_files.get_digest()  # the plugin's hosts are hashed


def test_plugin_host_with_a_bad_field_is_named(csv_project: Path, tmp_path: Path) -> None:
    name = _to_csv(csv_project, None)[1]["name"]
    _to_csv(csv_project, {name: {"division_code": "5001"}})
    with pytest.raises(ProblemsError) as caught:
        Project(csv_project, f"sqlite:///{tmp_path}/g.db").get_inventory()
    (problem,) = [p for p in caught.value.problems if p.severity == "error"]
    assert problem.file == "GovnetTestCSV inventory (hosts)"
    assert (problem.entry, problem.field) == (name, "data.division_code")
    assert "12-digit" in problem.message


def test_plugin_password_is_refused_unshown(csv_project: Path, tmp_path: Path) -> None:
    name = _to_csv(csv_project, None)[0]["name"]
    _to_csv(csv_project, {name: {"password": "Huawei@123"}})
    with pytest.raises(ProblemsError) as caught:
        Project(csv_project, f"sqlite:///{tmp_path}/g.db").get_inventory()
    (problem,) = caught.value.problems
    assert (problem.entry, problem.field) == (name, "password")
    assert "credentials never go in inventory files" in problem.message
    assert "Huawei@123" not in str(problem)


def test_unknown_plugin_is_an_error_naming_it(example_project: Path, tmp_path: Path) -> None:
    _set_config(example_project, inventory={"plugin": "NoSuchInventory"})
    with pytest.raises(ProblemsError) as caught:
        Project(example_project, f"sqlite:///{tmp_path}/g.db").get_inventory()
    (problem,) = caught.value.problems
    assert problem.file == "nornir_config.yaml" and "'NoSuchInventory' failed" in problem.message


def test_runner_and_its_workers_from_the_config(example_project: Path, tree: DivisionTree) -> None:
    _set_config(example_project, runner={"plugin": "threaded", "options": {"num_workers": 3}})
    inventory = get_inventory(example_project, tree)
    runner = inventory_to_nornir(inventory).runner
    assert isinstance(runner, ThreadedRunner) and runner.num_workers == 3
    override = inventory_to_nornir(inventory, 7).runner  # --workers
    assert isinstance(override, ThreadedRunner) and override.num_workers == 7
    _set_config(example_project, runner={"plugin": "serial"})
    assert isinstance(inventory_to_nornir(inventory).runner, SerialRunner)


@pytest.fixture
def nornir_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("nornir")
    before = list(logger.handlers)
    yield logger
    for handler in logger.handlers[len(before) :]:
        handler.close()
        logger.removeHandler(handler)
    logger.propagate, logger.level = True, logging.NOTSET


@pytest.mark.filterwarnings("ignore:Native Python logging configuration")  # pytest's capture
def test_logging_from_the_config(
    example_project: Path, tree: DivisionTree, nornir_logger: logging.Logger
) -> None:
    _set_config(
        example_project, logging={"enabled": True, "level": "DEBUG", "log_file": "nornir.log"}
    )
    nornir = inventory_to_nornir(get_inventory(example_project, tree))
    nornir.run(task=lambda task: None, name="govnet test task")
    text = (example_project / "nornir.log").read_text()
    assert "govnet test task" in text
