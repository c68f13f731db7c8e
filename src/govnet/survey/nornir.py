"""Nornir over govnet's checked inventory, with the threaded runner: the survey's job engine
on one machine."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from govnet.model.divisions import DivisionTree
from govnet.model.inventory import Inventory
from govnet.model.inventory_files import get_inventory

if TYPE_CHECKING:
    from nornir.core import Nornir


def get_nornir(root: Path, tree: DivisionTree, num_workers: int = 20) -> Nornir:
    """Nornir over the project's checked inventory, with the threaded runner.

    The hosts are built from the inventory govnet has already read and validated, not read
    again by Nornir's SimpleInventory (ruamel.yaml: seconds at 10,000 hosts).
    """
    return inventory_to_nornir(get_inventory(root, tree), num_workers)


def inventory_to_nornir(inventory: Inventory, num_workers: int = 20) -> Nornir:
    from nornir.core import Nornir
    from nornir.core.inventory import Groups, Host, Hosts
    from nornir.core.inventory import Inventory as NornirInventory
    from nornir.plugins.runners import ThreadedRunner

    hosts = Hosts(
        {
            h.name: Host(
                h.name,
                hostname=h.address,
                port=h.port,
                platform=h.platform,
                data={
                    "unit": h.unit,
                    "division_code": h.division_code,
                    "site": h.site,
                    "role": h.role.value,
                },
            )
            for h in inventory.hosts
        }
    )
    return Nornir(NornirInventory(hosts, Groups()), runner=ThreadedRunner(num_workers))
