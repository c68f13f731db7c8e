"""How the foundation holds at a city's size: inventory check, ledger round trip, store sync.

Run: .venv/bin/python benchmarks/inventory_scale.py [--hosts 2000] [--lines 5000]

A synthetic city (every county and town of 重庆市 5001 as units, N routers, M ledger lines)
is written as a project; each step is timed against a baseline measured in the same run:
parsing the same YAML files with libyaml and nothing else, the floor any loader pays.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from govnet.ledger import export_ledger, import_ledger
from govnet.model.divisions import Level, get_bundled_tree
from govnet.model.inventory_files import get_inventory
from govnet.store import open_store

CITY = "5001"
PLATFORMS = ("huawei", "hp_comware", "cisco_ios")
NETWORKS = ("电子政务外网", "金税三期专网", "公安信息网", "金保工程专网", "医保专网", "互联网")


def write_project(root: Path, hosts: int, lines: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    get_bundled_tree.cache_clear()
    tree = get_bundled_tree()
    counties = tree.get_descendants(CITY, Level.COUNTY)
    units: list[dict[str, Any]] = []
    for county in counties:
        key = f"c{county.code[:6]}"
        units.append(
            {
                "id": key,
                "name": f"{county.name}人民政府",
                "kind": "county",
                "division_code": county.code,
            }
        )
        for n in range(8):
            units.append(
                {
                    "id": f"{key}-d{n}",
                    "name": f"{county.name}部门{n}",
                    "kind": "department",
                    "division_code": county.code,
                    "parent": key,
                }
            )
        for town in tree.get_children(county.code):
            units.append(
                {
                    "id": f"t{town.code[:9]}",
                    "name": f"{county.name}{town.name}",
                    "kind": "town",
                    "division_code": town.code,
                    "parent": key,
                }
            )
    host_map: dict[str, Any] = {}
    for n in range(hosts):
        unit = rng.choice(units)
        host_map[f"r{n:05d}"] = {
            "hostname": "127.0.0.1",
            "port": 20000 + n,
            "groups": [rng.choice(PLATFORMS)],
            "data": {
                "unit": unit["id"],
                "division_code": unit["division_code"],
                "site": f"{unit['name']}机房",
                "role": "edge",
            },
        }
    host_names = list(host_map)
    ledger = []
    for n in range(lines):
        unit = rng.choice(units)
        ledger.append(
            {
                "circuit_id": f"CQ-DX-{n:06d}",
                "unit": unit["id"],
                "network": rng.choice(NETWORKS),
                "carrier": rng.choice(["telecom", "unicom"]),
                "kind": rng.choice(["mstp", "internet", "sdh"]),
                "bandwidth_mbps": rng.choice([2, 10, 100]),
                "monthly_fee": round(rng.uniform(200, 9000), 2),
                "a_device": rng.choice(host_names),
                "a_interface": "GigabitEthernet0/0/1",
                "z_end": "市级节点",
            }
        )
    (root / "inventory").mkdir(parents=True)
    (root / "nornir_config.yaml").write_text("inventory:\n  plugin: SimpleInventory\n")
    groups = {p: {"platform": p} for p in PLATFORMS}
    for name, data in (
        ("units", {"units": units}),
        ("hosts", host_map),
        ("groups", groups),
        ("lines", {"lines": ledger}),
        ("defaults", {"port": 22}),
    ):
        (root / "inventory" / f"{name}.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return {"units": len(units), "hosts": hosts, "lines": lines}


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, default=2000)
    parser.add_argument("--lines", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "city"
        size = write_project(root, args.hosts, args.lines)
        get_bundled_tree.cache_clear()
        t_tree, tree = timed(get_bundled_tree)

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        files = sorted((root / "inventory").glob("*.yaml"))
        t_parse, _ = timed(lambda: [yaml.load(f.read_text(), Loader=loader) for f in files])
        t_check, inventory = timed(lambda: get_inventory(root, tree))

        xlsx = Path(tmp) / "ledger.xlsx"
        t_export, _ = timed(lambda: export_ledger(root, xlsx, tree))
        t_import, result = timed(lambda: import_ledger(root, xlsx, tree))
        assert result.lines == inventory.lines, "round trip changed the ledger"

        store = open_store(f"sqlite:///{tmp}/store.db")
        rows = inventory.to_store_rows()
        t_sync, _ = timed(lambda: store.sync_inventory(rows, inventory.get_digest()))
        t_resync, again = timed(lambda: store.sync_inventory(rows, inventory.get_digest()))
        assert again.unchanged
        store.dispose()

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"synthetic city {CITY}: {size['units']} units, {size['hosts']} routers, "
        f"{size['lines']} ledger lines"
    )
    print(f"{'step':<44}{'seconds':>9}{'× baseline':>12}")
    rows_out = [
        ("baseline: parse the YAML files (libyaml)", t_parse),
        ("inventory check (parse + validate + cross)", t_check),
        ("ledger export to xlsx", t_export),
        ("ledger import from xlsx (+ inventory check)", t_import),
        ("store sync, first load (SQLite)", t_sync),
        ("store sync, unchanged (SQLite)", t_resync),
        ("bundled divisions, 44,699 rows, cold", t_tree),
    ]
    for label, seconds in rows_out:
        print(f"{label:<44}{seconds:>9.2f}{seconds / t_parse:>12.1f}")
    print(f"peak RSS {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
