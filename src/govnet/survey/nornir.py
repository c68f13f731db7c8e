"""Nornir for the survey: its hosts from govnet's checked inventory, its runner and logging
from the project's nornir_config.yaml; and any Nornir inventory plugin as a source of hosts
that govnet then checks like its own files.

The fast path stays the default: with ``plugin: SimpleInventory`` govnet reads the YAML files
itself (ruamel.yaml through Nornir: seconds at 10,000 hosts). Another plugin (nornir_utils'
YAMLInventory, nornir_netbox's NetBoxInventory2, a CSV or Excel plugin of one's own) is loaded
by Nornir, and what it returns goes through the same models as hosts.yaml.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govnet.model.divisions import DivisionTree
from govnet.model.inventory import HostData, Inventory
from govnet.model.inventory_files import get_inventory, load_nornir_config

if TYPE_CHECKING:
    from nornir.core import Nornir
    from nornir.core.inventory import Host as NornirHost
    from nornir.core.plugins.runners import RunnerPlugin

log = logging.getLogger(__name__)
_LOGGING_DONE: set[Path] = set()


def get_nornir(root: Path, tree: DivisionTree, num_workers: int | None = None) -> Nornir:
    """Nornir over the project's checked inventory, with the project's runner."""
    return inventory_to_nornir(get_inventory(root, tree, source=load_plugin_entries), num_workers)


def get_runner(root: Path, num_workers: int | None = None) -> RunnerPlugin:
    """The runner nornir_config.yaml names (``runner: plugin:, options:``, Nornir's defaults:
    threaded, 20 workers); ``num_workers`` (``--workers``) overrides its option."""
    from nornir.core.plugins.runners import RunnersPluginRegister

    config, _ = load_nornir_config(root)
    section: Mapping[str, Any] = (config.model_extra or {}).get("runner") or {} if config else {}
    plugin = str(section.get("plugin") or "threaded")
    options = dict(section.get("options") or {})
    if num_workers is not None and plugin == "threaded":
        options["num_workers"] = num_workers
    RunnersPluginRegister.auto_register()
    runner: RunnerPlugin = RunnersPluginRegister.get_plugin(plugin)(**options)
    return runner


def configure_logging(root: Path) -> None:
    """Nornir's logging as nornir_config.yaml's ``logging:`` says (a relative log_file in the
    project folder); nothing when the file has no such section. Once per project."""
    from nornir.core.configuration import LoggingConfig

    if root in _LOGGING_DONE:
        return
    config, _ = load_nornir_config(root)
    section = (config.model_extra or {}).get("logging") if config else None
    if not isinstance(section, dict):
        return
    options = dict(section)
    if options.get("log_file") and not Path(options["log_file"]).is_absolute():
        options["log_file"] = str(root / options["log_file"])
    LoggingConfig(**options).configure()
    _LOGGING_DONE.add(root)


def inventory_to_nornir(inventory: Inventory, num_workers: int | None = None) -> Nornir:
    from nornir.core import Nornir
    from nornir.core.inventory import Groups, Host, Hosts
    from nornir.core.inventory import Inventory as NornirInventory

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
    configure_logging(inventory.root)
    runner = get_runner(inventory.root, num_workers)
    return Nornir(NornirInventory(hosts, Groups()), runner=runner)


def load_plugin_entries(
    root: Path, plugin: str, options: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """Hosts, groups and defaults from a Nornir inventory plugin, as the entries of
    hosts.yaml / groups.yaml / defaults.yaml would be. Options naming files (``*_file``) are
    taken from the project folder. A host's govnet fields come from ``data.govnet`` (where
    NetBox's config context or a custom field can hold them), else from ``data`` itself."""
    from nornir.core.plugins.inventory import InventoryPluginRegister

    InventoryPluginRegister.auto_register()
    found = dict(options)
    for key, value in options.items():
        if key.endswith("_file") and isinstance(value, str) and not Path(value).is_absolute():
            found[key] = str(root / value)
    loaded = InventoryPluginRegister.get_plugin(plugin)(**found).load()
    defaults = loaded.defaults
    return {
        "hosts": {name: _entry(host, host=True) for name, host in loaded.hosts.items()},
        "groups": {name: _entry(group) for name, group in loaded.groups.items()},
        "defaults": _drop_none(
            {
                "hostname": defaults.hostname,
                "port": defaults.port,
                "platform": defaults.platform,
                "username": defaults.username,
                "password": defaults.password,
                "data": dict(defaults.data),
            }
        ),
    }


def _entry(item: NornirHost | Any, host: bool = False) -> dict[str, Any]:
    data = dict(item.data)
    if host:
        govnet = data.get("govnet")
        fields = set(HostData.model_fields)
        data = (
            dict(govnet) if isinstance(govnet, dict) else {k: data[k] for k in fields & set(data)}
        )
    return _drop_none(
        {
            "hostname": item.hostname,
            "port": item.port,
            "platform": item.platform,
            "groups": [g.name for g in item.groups] or None,
            "username": item.username,  # refused by govnet's checks, as in hosts.yaml
            "password": item.password,
            "data": data,
        }
    )


def _drop_none(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if v is not None}
