"""The NAPALM collector path's reading (issue 24 item 3), without devices: getter outputs as
a survey keeps them become the CLI path's facts; what no getter gave is kept as not collected
through the store, and survey diff names it instead of listing every entry removed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from govnet.model.facts import HostFacts, HostSnapshot, Neighbour, get_fact_changes
from govnet.platforms import SpecError, load_platforms
from govnet.store import open_store

CONFIG = """hostname R1
!
interface GigabitEthernet0/1
 ip address 10.0.0.1 255.255.255.252
!
router bgp 65001
 bgp router-id 1.1.1.1
!
end
"""
GETTERS: dict[str, Any] = {
    "get_facts": {
        "hostname": "R1",
        "model": "ISR4331",
        "os_version": "16.9.4",
        "serial_number": "FDO1",
        "uptime": 3600.0,
        "vendor": "Cisco",
    },
    "get_interfaces": {
        "GigabitEthernet0/1": {"is_enabled": True, "is_up": True, "description": "to core"},
        "GigabitEthernet0/2": {"is_enabled": False, "is_up": False, "description": ""},
    },
    "get_interfaces_ip": {"GigabitEthernet0/1": {"ipv4": {"10.0.0.1": {"prefix_length": 30}}}},
    "get_network_instances": {
        "default": {"type": "DEFAULT_INSTANCE", "interfaces": {"interface": {}}},
        "zw": {
            "type": "L3VRF",
            "state": {"route_distinguisher": "65001:1"},
            "interfaces": {"interface": {"Gi0/2": {}}},
        },
    },
    "get_arp_table": [{"interface": "Gi0/1", "ip": "10.0.0.2", "mac": "00:E0:FC:12:34:56"}],
    "get_lldp_neighbors": {"Gi0/1": [{"hostname": "core1", "port": "GE0/0/1"}]},
    "get_bgp_neighbors": {"global": {"peers": {"10.0.0.2": {"remote_as": 4134, "is_up": True}}}},
    "get_config": {"running": CONFIG, "startup": "", "candidate": ""},
}


def outputs(**changed: Any) -> dict[str, str]:
    getters = {**GETTERS, **changed}
    return {f"napalm {g}": json.dumps(v) for g, v in getters.items() if v is not ...}


def test_getters_give_the_cli_paths_facts() -> None:
    facts, problems = load_platforms().parse("cisco_ios", outputs())
    assert problems == []
    d = facts.device
    assert (d.vendor, d.hostname, d.model, d.serial, d.uptime_s) == (
        "cisco",
        "R1",
        "ISR4331",
        "FDO1",
        3600,
    )
    assert (d.local_as, d.router_id) == (65001, "1.1.1.1")  # from get_config's running text
    gi1, gi2 = facts.interfaces
    assert (gi1.name, gi1.oper_up, gi1.description, gi1.addresses, gi1.kind) == (
        "GigabitEthernet0/1",
        True,
        "to core",
        ("10.0.0.1/30",),
        "physical",
    )
    assert (gi2.admin_up, gi2.vpn_instance, gi2.description) == (False, "zw", None)
    assert [(v.name, v.route_distinguisher) for v in facts.vpn_instances] == [("zw", "65001:1")]
    (arp,) = facts.arp
    assert (arp.address, arp.mac, arp.interface) == (
        "10.0.0.2",
        "00e0-fc12-3456",
        "GigabitEthernet0/1",
    )
    assert facts.neighbours == (
        Neighbour("bgp", "10.0.0.2", 4134, "established"),
        Neighbour("lldp", "core1", interface="GigabitEthernet0/1", remote_interface="GE0/0/1"),
    )
    assert facts.not_collected == ("neighbours:ospf", "routes")


def test_stubbed_and_failed_getters_are_not_collected_never_none() -> None:
    """A driver's stub (null) falls back to the configuration; with no configuration
    either (get_config failed: not saved), its topic is not collected."""
    stubbed = outputs(get_network_instances=None, get_bgp_neighbors=None, get_config=...)
    facts, _ = load_platforms().parse("cisco_ios", stubbed)
    assert set(facts.not_collected) == {
        "vpn_instances",
        "neighbours:bgp",
        "neighbours:ospf",
        "nat",
        "ospf",
        "routes",
    }
    assert facts.device.local_as is None
    no_arp, _ = load_platforms().parse("cisco_ios", outputs(get_arp_table=...))
    assert "arp" in no_arp.not_collected
    # the configuration's BGP peers when the getter is a stub (state not read)
    from_config, _ = load_platforms().parse("cisco_ios", outputs(get_bgp_neighbors=None))
    assert "neighbours:bgp" not in from_config.not_collected


def test_not_collected_survives_the_store_and_diff_names_it(db_url: str) -> None:
    facts, _ = load_platforms().parse("cisco_ios", outputs(get_arp_table=...))
    cli = HostFacts(facts.device, facts.interfaces, arp=())
    store = open_store(db_url)
    try:
        run = store.start_survey_run("napalm")
        snapshot = HostSnapshot("R1", "ok", "cisco_ios", outputs={}, facts=facts)
        store.add_snapshots(run, [snapshot])
        store.finish_survey_run(run, "complete")
        assert store.get_host_facts(run, "R1") == facts
        (record,) = store.get_snapshot(run).hosts
        assert record.facts is not None and record.facts.not_collected == facts.not_collected
    finally:
        store.dispose()
    changes = {(c.topic, c.key, c.change, c.before, c.after) for c in get_fact_changes(cli, facts)}
    assert ("arp", "every arp", "not compared", "collected", "not collected") in changes
    assert not any(
        c.topic == "routes" and c.change == "removed" for c in get_fact_changes(cli, facts)
    )


def test_a_driver_napalm_does_not_know_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "collectors/ios_copy"
    folder.mkdir(parents=True)
    (folder / "platform.yaml").write_text("extends: cisco_ios\ndriver: napalm:iosx\n")
    with pytest.raises(SpecError) as caught:
        load_platforms(tmp_path)
    (problem,) = caught.value.problems
    assert problem.file == "collectors/ios_copy/platform.yaml"
    assert "napalm:iosx" in problem.message and "napalm:ios," in problem.message
