"""The NAPALM collector path (issue 24 item 3): a lab district surveyed once by the platforms'
commands and once by their NAPALM drivers' getters; `survey diff` of the two runs holds only
differences explained here, each with its cause, and what the getters cannot give is marked
not collected, never read as none."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from govnet.app.project import Project
from govnet.app.survey import diff_runs, export_run
from govnet.model.divisions import get_bundled_tree
from govnet.model.facts import FactChange, HostFacts
from govnet.model.inventory_files import get_inventory
from govnet.platforms import load_platforms
from govnet.store import open_store
from govnet.survey import SurveyOptions, run_offline_survey, run_survey
from govnet.survey.collect import Budget, Credentials, ErrorCategory, Target
from govnet.survey.napalm_collect import collect_napalm
from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.server import read_credentials

pytest.importorskip("napalm")

# Nine routers of 370702 seed 1: four Huawei VRP, three H3C Comware, two Cisco IOS.
ROUTERS = 9
DRIVERS = {"cisco_ios", "huawei", "hp_comware"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int, int]]:
    root = tmp_path_factory.mktemp("napalm") / "county"
    start_lab(root, county="370702", seed=1, devices=ROUTERS, first_port=get_free_port_run(ROUTERS))
    try:
        user, password = read_credentials(get_lab_paths(root).credentials)
        inventory = get_inventory(root, get_bundled_tree())
        store = open_store(f"sqlite:///{root}/.govnet/govnet.db")
        try:
            ids = []
            for driver in ("cli", "napalm"):
                options = SurveyOptions(9, budget=Budget(10, 60, 300), driver=driver)
                summary = run_survey(
                    store, inventory, load_platforms(root), Credentials(user, password), options
                )
                # every getter the drivers implement reads the lab (test_napalm_oracle has
                # no gaps left since VRP's `display ip interface` is served): no host partial
                assert not summary.failed, summary.failed
                assert summary.by_status["ok"] == ROUTERS
                ids.append(summary.run_id)
        finally:
            store.dispose()
        yield root, ids[0], ids[1]
    finally:
        stop_lab(root)


def _explained(platform: str, cli: HostFacts, c: FactChange) -> str | None:
    """Why the two paths differ here, or None when nothing explains it."""
    address = c.key.split()[-1]
    if c.change == "not compared":
        if c.key in ("every routes", "every neighbours ospf"):
            return "NAPALM has no getter for the routing table or OSPF neighbours"
        return None
    if c.topic == "interfaces" and c.key == "NULL0" and c.change == "added":
        return "VRP/Comware drivers list NULL0, which the CLI specs leave out"
    if (
        c.topic == "neighbours"
        and c.key.startswith("bgp ")
        and (c.before, c.after)
        == (
            "established",
            "",
        )
    ):
        # napalm-huawei-vrp 1.2 and napalm-h3c-comware 0.1.5 stub get_bgp_neighbors (the
        # oracle's STUBS): the peers come from the running configuration, state unknown
        return "BGP getter stubbed: peers from the configuration, state not read"
    if c.topic == "neighbours" and platform == "cisco_ios" and c.key.split()[0] in ("cdp", "lldp"):
        # the CLI specs read `show cdp neighbors`, the IOS driver `show lldp neighbors`
        return "IOS: the CLI reads CDP, the driver LLDP (the same peers)"
    if c.topic == "arp":
        kinds = {(a.vpn_instance, a.address): a.kind for a in cli.arp}
        if c.change == "removed" and kinds.get((None, address)) == "interface":
            return "the VRP driver leaves out the router's own (Interface) ARP entries"
        in_vpn = any(a.address == address and a.vpn_instance for a in cli.arp)
        if in_vpn:
            # NAPALM's ARP entry has no VPN field: the getter's entries all read as global
            return "NAPALM's ARP entry names no VPN instance"
    # napalm-h3c-comware takes "enabled" from the Link column of `display interface brief`:
    # a port without carrier reads as shut down (test_napalm_oracle grades it so too)
    if (
        c.topic == "interfaces"
        and platform == "hp_comware"
        and (c.before or "").startswith("down,")
        and c.after == f"admin {c.before}"
    ):
        return "the Comware driver reads a port without carrier as disabled"
    # VRP prints a default description ("HUAWEI, AR Series, <port> Interface") for a port
    # without one, which its driver reports as the description (the oracle allows it too)
    if c.topic == "interfaces" and c.after == f"{c.before}, HUAWEI, AR Series, {c.key} Interface":
        return "VRP's default description"
    return None


@pytest.mark.slow
def test_napalm_survey_gives_the_cli_facts(runs: tuple[Path, int, int]) -> None:
    root, cli, napalm = runs
    project = Project(root, f"sqlite:///{root}/.govnet/govnet.db")
    with project.store() as store:
        platforms = {h["hostname"]: h["platform"] for h in store.get_host_results(napalm)}
        facts = {h: store.get_host_facts(napalm, h) for h in platforms}
        cli_facts = {h: store.get_host_facts(cli, h) or HostFacts() for h in platforms}
    assert set(platforms.values()) == DRIVERS
    changes = diff_runs(project, cli, napalm)
    causes: Counter[str] = Counter()
    unexplained = []
    for host, change in changes:
        cause = _explained(platforms[host], cli_facts[host], change)
        if cause is None:
            unexplained.append(f"{host} ({platforms[host]}): {change}")
        else:
            causes[cause] += 1
    print("\n".join(f"{n:4} {cause}" for cause, n in causes.most_common()))
    assert not unexplained, "\n".join(unexplained[:40])
    # what no getter gives is marked, never read as none
    for host, got in facts.items():
        assert got is not None and {"routes", "neighbours:ospf"} <= set(got.not_collected), host
        assert got.interfaces and got.device.hostname, host


@pytest.mark.slow
def test_napalm_run_exported_reads_the_same_offline(runs: tuple[Path, int, int]) -> None:
    """A NAPALM run's getter outputs, exported, are surveyed offline into the same facts:
    what the snapshot keeps is enough to read it again."""
    root, _, napalm = runs
    project = Project(root, f"sqlite:///{root}/.govnet/govnet.db")
    export_run(project, root / "export", napalm)
    assert (root / "export/c370702-dsj-core1/napalm_get_facts.txt").is_file()
    with project.store() as store:
        summary = run_offline_survey(
            store, get_inventory(root, get_bundled_tree()), load_platforms(root), root / "export"
        )
    assert summary.done == ROUTERS and not summary.not_found
    assert diff_runs(project, napalm, summary.run_id) == []


@pytest.mark.slow
def test_napalm_path_names_a_wrong_password_and_a_closed_port(
    runs: tuple[Path, int, int],
) -> None:
    """The CLI path's error categories: auth for a wrong password, refused for no server."""
    root, _, _ = runs
    inventory = get_inventory(root, get_bundled_tree())
    host = next(h for h in inventory.hosts if h.platform == "cisco_ios")
    target = Target(host.name, host.address, host.port, host.platform)
    budget = Budget(5, 10, 30)
    wrong = collect_napalm(target, "ios", Credentials("admin", "wrong"), budget)
    assert (wrong.error, wrong.outputs) == (ErrorCategory.AUTH, {}), wrong.message
    closed = replace(target, port=get_free_port_run(1))
    refused = collect_napalm(closed, "huawei_vrp", Credentials("admin", "x"), budget)
    assert refused.error == ErrorCategory.REFUSED, refused.message
    assert "wrong" not in (wrong.message or "")
