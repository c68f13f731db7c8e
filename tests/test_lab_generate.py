"""The lab's district generator: determinism, JSON form, consistency with ledger and truth."""

from __future__ import annotations

import json
import re
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest
import yaml

from govnet.model.divisions import DivisionTree, Level, get_bundled_tree
from govnet.model.files import get_bundled_root
from govnet.model.inventory import Inventory, UnitKind
from govnet.model.inventory_files import get_inventory
from govnet_lab.district import (
    CATEGORIES,
    EXIT_KINDS,
    TARGETS,
    District,
    DistrictFileError,
    load_district,
    save_district,
)
from govnet_lab.generate import (
    DISTRICT_FILE,
    TRUTH_FILE,
    FaultSpecError,
    LabMismatchError,
    build_district,
    generate_lab,
    parse_fault_spec,
    synthesize_inventory,
)
from govnet_lab.model import Device, Fault, get_routing_table

PRIVATE = [IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]


@pytest.fixture(scope="module")
def example_inventory() -> Inventory:
    return get_inventory(get_bundled_root(), get_bundled_tree())


@pytest.fixture(scope="module")
def district(example_inventory: Inventory) -> District:
    return build_district(example_inventory, 42)


@pytest.fixture(scope="module")
def weicheng(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, District]:
    root = tmp_path_factory.mktemp("weicheng")
    path = generate_lab(root, "370702", 5, 24, None)
    return root, load_district(path)


def _devices(district: District) -> dict[str, Device]:
    return {d.hostname: d for d in district.devices}


def _all_vpns(device: Device) -> list[str | None]:
    return [None, *(v.name for v in device.vpn_instances)]


def _is_public(address: IPv4Address) -> bool:
    return not any(address in net for net in PRIVATE)


# --- determinism and the JSON form ---------------------------------------------------------


def test_same_inputs_give_identical_files_and_another_seed_differs(example_project: Path) -> None:
    first = generate_lab(example_project, None, 3, None, "slow=2").read_bytes()
    truth = (example_project / TRUTH_FILE).read_bytes()
    again = generate_lab(example_project, None, 3, None, "slow=2").read_bytes()
    assert again == first
    assert (example_project / TRUTH_FILE).read_bytes() == truth
    other = generate_lab(example_project, None, 4, None, "slow=2").read_bytes()
    assert other != first
    assert (example_project / TRUTH_FILE).read_bytes() != truth


def test_synthesized_project_is_deterministic(tmp_path: Path) -> None:
    paths = [generate_lab(tmp_path / name, "370702", 9, 15, None) for name in ("a", "b")]
    assert paths[0].read_bytes() == paths[1].read_bytes()
    for name in ("inventory/hosts.yaml", "inventory/lines.yaml", "inventory/units.yaml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_json_round_trip_is_exact(district: District, tmp_path: Path) -> None:
    path = tmp_path / "d" / "district.json"
    save_district(district, path)
    loaded = load_district(path)
    assert loaded == district
    save_district(loaded, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == path.read_bytes()
    raw = json.loads(path.read_text(encoding="utf-8"))
    iface = next(i for i in raw["devices"][0]["interfaces"] if i["address"])
    assert isinstance(iface["address"], str) and "/" in iface["address"]
    assert not list(tmp_path.joinpath("d").glob("*.tmp"))  # the atomic write left nothing


def test_load_rejects_a_file_that_is_not_a_district(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"format": 1, "county": "500107000000", "bogus": 1}', encoding="utf-8")
    with pytest.raises(DistrictFileError):
        load_district(path)


# --- built from the example project --------------------------------------------------------


def test_every_host_has_a_matching_device(district: District, example_inventory: Inventory) -> None:
    devices = _devices(district)
    assert len(devices) == len(example_inventory.hosts) == 30
    for host in example_inventory.hosts:
        device = devices[host.name]
        assert (device.platform, device.port, device.unit) == (
            host.platform,
            host.port,
            host.unit,
        )
        assert device.model and device.serial and device.os_version
    assert district.county == "500107000000"


def test_ledger_interfaces_exist_except_the_recorded_one(
    district: District, example_inventory: Inventory
) -> None:
    devices = _devices(district)
    missing = {
        (d.host, d.interface) for d in district.truth.disagreements if d.kind == "ledger_only"
    }
    assert len(missing) == 1
    for line in example_inventory.lines:
        if line.a_device is None or line.a_interface is None:
            continue
        found = devices[line.a_device].get_interface(line.a_interface)
        if (line.a_device, line.a_interface) in missing:
            assert found is None
        else:
            assert found is not None, line.circuit_id
            assert found.description


def test_device_only_lines_are_live_and_absent_from_the_ledger(
    district: District, example_inventory: Inventory
) -> None:
    ledger = {(ln.a_device, ln.a_interface) for ln in example_inventory.lines}
    extra = [d for d in district.truth.disagreements if d.kind == "device_only"]
    assert extra
    for item in extra:
        assert (item.host, item.interface) not in ledger
        assert item.host is not None and item.interface is not None
        iface = _devices(district)[item.host].get_interface(item.interface)
        assert iface is not None and iface.oper_up and iface.address and iface.description


def test_own_exits_have_nat_and_a_default_route_to_a_public_next_hop(district: District) -> None:
    devices = _devices(district)
    on_device = [e for u in district.truth.exits for e in u.exits if e.host is not None]
    assert any(e.own_exit for e in on_device)
    for exit_ in on_device:
        assert exit_.kind in EXIT_KINDS
        device = devices[exit_.host or ""]
        assert any(r.interface == exit_.interface for r in device.nat_rules)
        default = [
            r
            for r in get_routing_table(device)
            if r.prefix == IPv4Network("0.0.0.0/0") and r.interface == exit_.interface
        ]
        assert default and default[0].next_hop is not None and _is_public(default[0].next_hop)


def test_units_without_own_exit_have_no_isp_default_route(district: District) -> None:
    own = {u.unit for u in district.truth.exits if u.own_exit}
    for device in district.devices:
        if device.unit in own or device.role == "internet":
            continue
        for route in get_routing_table(device):
            if route.prefix.prefixlen == 0 and route.next_hop is not None:
                assert not _is_public(route.next_hop) or route.next_hop in IPv4Network(
                    "59.255.0.0/16"
                ), device.hostname


def test_zombie_lines_are_down_with_no_routes_and_no_arp(district: District) -> None:
    devices = _devices(district)
    zombies = [ln for ln in district.truth.lines if ln.zombie and ln.on_device]
    assert zombies
    for line in zombies:
        assert line.target == "decommission"
        device = devices[line.host or ""]
        iface = device.get_interface(line.interface or "")
        assert iface is not None and not iface.oper_up
        for vpn in _all_vpns(device):
            assert all(r.interface != iface.name for r in get_routing_table(device, vpn))
        assert all(a.interface != iface.name for a in device.arp)


def test_exactly_one_breach_on_a_device_with_the_classified_line(district: District) -> None:
    (breach,) = district.truth.breaches
    assert breach.severity == "critical"
    classified = [ln for ln in district.truth.lines if ln.target == "intranet"]
    assert breach.host in {ln.host for ln in classified}
    device = _devices(district)[breach.host]
    live = [i.name for i in device.interfaces if i.oper_up and i.address and i.kind != "loopback"]
    intranet_ifaces = {ln.interface for ln in classified}
    assert any(i in intranet_ifaces for i in live)
    assert any(i not in intranet_ifaces for i in live)  # and something else: the breach


def test_neighbours_agree_on_both_ends(district: District) -> None:
    devices = _devices(district)
    addresses = {
        i.address.ip: (d.hostname, i) for d in district.devices for i in d.interfaces if i.address
    }
    for device in district.devices:
        for lldp in device.lldp_neighbours:
            peer = devices[lldp.system_name]
            assert any(
                n.system_name == device.hostname and n.port == lldp.local_interface
                for n in peer.lldp_neighbours
            )
        for bgp in device.bgp_peers:
            if bgp.address in addresses:
                peer = devices[addresses[bgp.address][0]]
                assert peer.bgp_as == bgp.remote_as
                assert any(p.remote_as == device.bgp_as for p in peer.bgp_peers)
        for arp in device.arp:
            iface = device.get_interface(arp.interface)
            assert iface is not None and iface.oper_up and iface.address
            assert arp.address in iface.address.network
            if arp.address in addresses:
                assert addresses[arp.address][1].mac == arp.mac
            assert int(arp.mac[:2], 16) % 2 == 0  # unicast
        for ospf in device.ospf_neighbours:
            peer = devices[addresses[ospf.address][0]]
            assert any(n.router_id == device.router_id for n in peer.ospf_neighbours)


def test_interface_names_follow_each_platform(weicheng: tuple[Path, District]) -> None:
    _, district = weicheng
    prefixes = {
        "huawei": r"GigabitEthernet0/\d+/\d+",
        "hp_comware": r"GigabitEthernet\d+/0/\d+",
        "cisco_ios": r"GigabitEthernet0/\d+/\d+",
    }
    for device in district.devices:
        for iface in device.interfaces:
            if iface.kind in ("physical", "subinterface"):
                assert re.fullmatch(prefixes[device.platform] + r"(\.\d+)?", iface.name)
            if iface.kind == "subinterface":
                assert iface.dot1q == int(iface.name.split(".")[1])
                assert device.get_interface(iface.parent or "") is not None


# --- the truth is consistent with the devices -----------------------------------------------


def _check_truth(district: District, inventory: Inventory) -> None:
    devices = _devices(district)
    units = {u.id for u in inventory.units}
    circuits = {ln.circuit_id for ln in inventory.lines}
    assert {ln.circuit_id for ln in district.truth.lines if ln.in_ledger} == circuits
    for network in district.truth.networks:
        assert network.unit in units and network.target in TARGETS and network.reason
        assert set(network.circuits) <= circuits
        for ref in network.interfaces:
            host, _, name = ref.partition(":")
            assert host in network.devices
            assert devices[host].get_interface(name) is not None, ref
        if network.vpn_instance is not None:
            assert any(devices[h].get_vpn_instance(network.vpn_instance) for h in network.devices)
            bound = [
                devices[host].get_interface(name)
                for host, _, name in (ref.partition(":") for ref in network.interfaces)
            ]
            assert any(i is not None and i.vpn_instance == network.vpn_instance for i in bound)
    for line in district.truth.lines:
        assert line.target in TARGETS and line.unit in units
        on_device = (
            line.host is not None
            and line.interface is not None
            and devices[line.host].get_interface(line.interface) is not None
        )
        assert on_device == line.on_device, line
        assert line.in_ledger == (line.circuit_id is not None)
    for unit in district.truth.exits:
        assert unit.category is None or unit.category in CATEGORIES
        assert unit.own_exit == any(e.own_exit for e in unit.exits)
        for exit_ in unit.exits:
            if exit_.host is not None:
                device = devices[exit_.host]
                assert device.unit == unit.unit
                iface = device.get_interface(exit_.interface or "")
                assert iface is not None and iface.address and _is_public(iface.address.ip)
    for breach in district.truth.breaches:
        assert devices[breach.host].unit == breach.unit
        for ref in breach.interfaces:
            assert devices[breach.host].get_interface(ref.split(":", 1)[1]) is not None
    towns = {t.code: t for t in district.truth.towns}
    for town in towns.values():
        assert set(town.units) <= units
        categories = {u.unit: u.category for u in district.truth.exits}
        assert town.covered == any(categories[u] is not None for u in town.units)


def test_truth_of_the_example_matches_its_devices(
    district: District, example_inventory: Inventory
) -> None:
    _check_truth(district, example_inventory)
    targets = {n.target for n in district.truth.networks}
    assert {"intranet", "retain_national", "extranet_dedicated_vpn", "decommission"} <= targets
    towns = district.truth.towns
    assert len(towns) == 19
    assert any(t.covered for t in towns) and not all(t.covered for t in towns)


@pytest.mark.parametrize("seed", [0, 3])
def test_every_seed_has_a_department_already_in_its_own_vpn(
    example_inventory: Inventory, seed: int
) -> None:
    networks = build_district(example_inventory, seed).truth.networks
    assert any((n.vpn_instance or "").startswith("zw-") for n in networks)
    assert any(n.target == "extranet_public" and n.vpn_instance is None for n in networks)


def test_truth_of_a_synthesized_county_matches_its_devices(
    weicheng: tuple[Path, District], tree: DivisionTree
) -> None:
    root, district = weicheng
    _check_truth(district, get_inventory(root, tree))
    # the classified router's temporary link, and the police router that carries the extranet
    assert sorted(b.touches for b in district.truth.breaches) == [
        ["公安信息网", "电子政务外网"],
        ["电子政务内网", "电子政务外网"],
    ]
    zoned = [n for n in district.truth.networks if (n.vpn_instance or "").startswith("zw-")]
    flat = [n for n in district.truth.networks if n.target == "extranet_public"]
    assert zoned and flat


def test_truth_yaml_is_documented_and_complete(weicheng: tuple[Path, District]) -> None:
    root, district = weicheng
    text = (root / TRUTH_FILE).read_text(encoding="utf-8")
    assert text.startswith("# Ground truth")
    for key in ("networks", "lines", "exits", "breaches", "towns"):
        assert f"# {key}" in text
    data = yaml.safe_load(text)
    assert data["county"] == "370702000000"
    assert len(data["lines"]) == len(district.truth.lines)


# --- stage 1: synthesize --------------------------------------------------------------------


def test_synthesized_county_is_a_valid_inventory_with_its_real_towns(
    weicheng: tuple[Path, District], tree: DivisionTree
) -> None:
    root, district = weicheng
    inventory = get_inventory(root, tree)
    nbs = {d.code for d in tree.get_descendants("370702", Level.TOWN)}
    assert {u.division_code for u in inventory.units if u.kind is UnitKind.TOWN} == nbs
    assert {t.code for t in district.truth.towns} == nbs
    assert len(inventory.hosts) == 24
    assert [h.port for h in sorted(inventory.hosts, key=lambda h: h.port)] == list(
        range(20001, 20025)
    )
    assert sum(u.classified for u in inventory.units) == 1
    assert (root / DISTRICT_FILE).is_file()


def test_platform_mix_is_about_half_huawei(tree: DivisionTree) -> None:
    _, hosts, _ = synthesize_inventory("500107", 1, 40, tree)
    groups = [entry["groups"][0] for entry in yaml.safe_load(hosts).values()]
    assert groups.count("huawei") == 20
    assert groups.count("hp_comware") == 12
    assert groups.count("cisco_ios") == 8


def test_a_thousand_routers_get_distinct_addresses(tmp_path: Path, tree: DivisionTree) -> None:
    """The scale benchmark's size: allocators must not run out or hand out an address twice."""
    district = load_district(generate_lab(tmp_path, "500107", 3, 1000, None))
    assert len(district.devices) == 1000
    router_ids = [d.router_id for d in district.devices]
    assert len(set(router_ids)) == 1000
    seen: dict[tuple[str | None, IPv4Address], str] = {}
    for device in district.devices:
        for iface in device.interfaces:
            if iface.address is None:
                continue
            key = (iface.vpn_instance, iface.address.ip)
            assert key not in seen, f"{device.hostname}:{iface.name} and {seen[key]}"
            seen[key] = f"{device.hostname}:{iface.name}"
    assert all(0 < (d.bgp_as or 1) < 2**32 for d in district.devices)
    _check_truth(district, get_inventory(tmp_path, tree))


def test_synthesize_rejects_a_code_that_is_not_a_county(tree: DivisionTree) -> None:
    with pytest.raises(ValueError, match="not a county"):
        synthesize_inventory("370702001", 1, 20, tree)
    with pytest.raises(ValueError):
        synthesize_inventory("999999", 1, 20, tree)


def test_project_inventory_and_a_different_county_is_a_clear_error(example_project: Path) -> None:
    with pytest.raises(LabMismatchError, match="500107"):
        generate_lab(example_project, "370702", 1, None, None)
    with pytest.raises(LabMismatchError, match="30 routers"):
        generate_lab(example_project, None, 1, 12, None)
    assert generate_lab(example_project, "500107", 1, 30, None).is_file()


# --- faults ---------------------------------------------------------------------------------


def test_fault_spec_counts_shares_and_names() -> None:
    hosts = [f"r{i:02d}" for i in range(40)]
    chosen = parse_fault_spec("bad_password=1,silent=2,slow=0.05,gbk=r07+r09,drop=1", hosts, seed=1)
    by_fault = {f: sorted(h for h, fs in chosen.items() if f in fs) for f in Fault}
    assert len(by_fault[Fault.BAD_PASSWORD]) == 1
    assert len(by_fault[Fault.SILENT]) == 2
    assert len(by_fault[Fault.SLOW]) == 2  # 5% of 40
    assert by_fault[Fault.GBK] == ["r07", "r09"]
    assert len(by_fault[Fault.DROP]) == 1
    counted = by_fault[Fault.BAD_PASSWORD] + by_fault[Fault.SILENT] + by_fault[Fault.SLOW]
    assert len(set(counted)) == len(counted)  # spread over distinct hosts while there are some
    assert parse_fault_spec("silent=2", hosts, seed=1) == parse_fault_spec("silent=2", hosts, 1)
    assert parse_fault_spec("", hosts, 1) == {}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("slowly=1", "not a fault"),
        ("silent", "expected FAULT="),
        ("silent=", "expected FAULT="),
        ("gbk=nosuchhost", "no such device"),
        ("silent=99", "only 3 devices"),
        ("slow=1.5", "between 0 and 1"),
    ],
)
def test_bad_fault_spec_is_a_clear_error(spec: str, message: str) -> None:
    with pytest.raises(FaultSpecError, match=message):
        parse_fault_spec(spec, ["a", "b", "c"], 1)


def test_faults_reach_the_district_and_a_bad_spec_writes_nothing(example_project: Path) -> None:
    path = generate_lab(example_project, None, 2, None, "gbk=jlp-gongan-ce1,odd_prompt=1")
    devices = _devices(load_district(path))
    assert devices["jlp-gongan-ce1"].faults == {Fault.GBK}
    odd = [d for d in devices.values() if Fault.ODD_PROMPT in d.faults]
    assert len(odd) == 1 and odd[0].sysname != odd[0].hostname
    truth = yaml.safe_load((example_project / TRUTH_FILE).read_text(encoding="utf-8"))
    assert truth["faults"] == {"jlp-gongan-ce1": ["gbk"], odd[0].hostname: ["odd_prompt"]}
    before = path.read_bytes()
    with pytest.raises(FaultSpecError):
        generate_lab(example_project, None, 3, None, "silent=lots")
    assert path.read_bytes() == before
