"""Collector specs read every lab router back into exactly the facts its model holds, real
device samples into their golden facts; bad specs fail naming file, line and field.

Golden files (``tests/fixtures/<platform>/<command>.yml``) are rewritten with
``GOVNET_UPDATE_GOLDEN=1 pytest tests/test_normalise.py``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from govnet.model.divisions import get_bundled_tree
from govnet.model.facts import DeviceInfo, HostFacts
from govnet.model.files import get_bundled_root
from govnet.model.inventory_files import get_inventory
from govnet.model.problems import Problem
from govnet.platforms import ParseProblem, Platforms, SpecError, load_platforms
from govnet_lab.district import District, load_district
from govnet_lab.facts import get_device_facts
from govnet_lab.generate import build_district, generate_lab
from govnet_lab.model import Device, Fault, InterfaceKind, NatKind
from govnet_lab.render import UnknownCommand, render
from govnet_lab.vendors import get_platforms, get_vendor

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BUNDLED = get_bundled_root() / "collectors"
UPDATE_GOLDEN = os.environ.get("GOVNET_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def collectors() -> Platforms:
    return load_platforms()


@pytest.fixture(scope="module")
def example_district() -> District:
    inventory = get_inventory(get_bundled_root(), get_bundled_tree())
    return build_district(inventory, 7)


@pytest.fixture(scope="module")
def synthesized_district(tmp_path_factory: pytest.TempPathFactory) -> District:
    root = tmp_path_factory.mktemp("weicheng")
    return load_district(generate_lab(root, "370702", 11, 60, None))


def answer(device: Device, command: str) -> str:
    """What the router prints, its vendor error included (as netmiko hands it over)."""
    try:
        return render(device, command)
    except UnknownCommand as exc:
        return str(exc)


def survey_outputs(collectors: Platforms, device: Device) -> dict[str, str]:
    """Every command the specs ask for, then the per-VPN ones, as a collector runs them."""
    outputs = {c: answer(device, c) for c in collectors.get_commands(device.platform)}
    for command in collectors.get_followup_commands(device.platform, outputs):
        outputs[command] = answer(device, command)
    return outputs


def differences(expected: HostFacts, found: HostFacts) -> list[str]:
    """Readable per-item differences, topic by topic."""
    out: list[str] = []
    if expected.device != found.device:
        out.append(f"device: expected {expected.device}, found {found.device}")
    for topic in ("interfaces", "vpn_instances", "routes", "neighbours", "nat"):
        want, got = getattr(expected, topic), getattr(found, topic)
        if want == got:
            continue
        missing = [w for w in want if w not in got]
        extra = [g for g in got if g not in want]
        out.append(f"{topic}: missing {missing[:3]} extra {extra[:3]}")
        if not missing and not extra:
            out.append(f"{topic}: same items in another order")
    return out


# --- the lab read back ---------------------------------------------------------------------


def check_district(collectors: Platforms, district: District) -> None:
    failures: list[str] = []
    for device in district.devices:
        facts, problems = collectors.parse(device.platform, survey_outputs(collectors, device))
        if problems:
            failures.append(f"{device.hostname}: {problems}")
        failures += [
            f"{device.hostname}: {d}" for d in differences(get_device_facts(device), facts)
        ]
    assert not failures, "\n".join(failures[:20])


def check_coverage(district: District) -> None:
    """The district has what the survey must read, so the comparison means something."""
    devices = district.devices
    assert {d.platform for d in devices} == set(get_platforms())
    interfaces = [i for d in devices for i in d.interfaces]
    assert any(i.kind is InterfaceKind.SUBINTERFACE for i in interfaces)
    assert any(i.description and not i.description.isascii() for i in interfaces)
    assert any(not i.oper_up for i in interfaces)  # zombie lines
    assert all(any(d.vpn_instances for d in devices if d.platform == p) for p in get_platforms())
    assert any(d.bgp_peers for d in devices) and any(d.ospf_neighbours for d in devices)
    assert any(p.vpn_instance for d in devices for p in d.bgp_peers)
    assert all(any(d.lldp_neighbours for d in devices if d.platform == p) for p in get_platforms())
    assert {r.kind for d in devices for r in d.nat_rules} >= {NatKind.EASY_IP}


def test_example_district_reads_back_as_its_model(
    collectors: Platforms, example_district: District
) -> None:
    check_coverage(example_district)
    check_district(collectors, example_district)


def test_synthesized_district_reads_back_as_its_model(
    collectors: Platforms, synthesized_district: District
) -> None:
    check_coverage(synthesized_district)
    assert {r.kind for d in synthesized_district.devices for r in d.nat_rules} >= {
        NatKind.EASY_IP,
        NatKind.OUTBOUND,
    }
    check_district(collectors, synthesized_district)


@pytest.mark.parametrize("platform", list(get_platforms()))
def test_every_feature_of_a_rich_router_reads_back(collectors: Platforms, platform: str) -> None:
    """The lab tests' reference router: easy IP, pool and static NAT on one interface, a VPN
    with a Chinese description, a down and a shut interface, BGP in a VPN, OSPF, LLDP."""
    from test_lab_render import make_device

    device = make_device(platform)
    facts, problems = collectors.parse(platform, survey_outputs(collectors, device))
    assert problems == []
    assert differences(get_device_facts(device), facts) == []
    assert facts == get_device_facts(device)


@pytest.mark.parametrize("platform", list(get_platforms()))
def test_descriptions_keep_their_spaces_and_chinese(collectors: Platforms, platform: str) -> None:
    """Table columns cut descriptions at spaces or widths; the configuration never does."""
    from test_lab_render import make_device

    device = make_device(platform)
    long_text = "至区电子政务外网 专用网络区  (主用) 电信 MSTP 2M 合同号:2019-政-017"
    device.interfaces[1].description = long_text
    device.vpn_instances[0].description = "财政局 专用网络区"
    facts, problems = collectors.parse(platform, survey_outputs(collectors, device))
    assert problems == []
    assert facts.interfaces[1].description == long_text
    assert facts.vpn_instances[1].description == "财政局 专用网络区"


def test_parsing_is_deterministic_and_ignores_line_endings_and_order(
    collectors: Platforms, example_district: District
) -> None:
    for device in example_district.devices[:6]:
        outputs = survey_outputs(collectors, device)
        first = collectors.parse(device.platform, outputs)
        crlf = {c: t.replace("\n", "\r\n") for c, t in reversed(outputs.items())}
        assert collectors.parse(device.platform, crlf) == first
        assert collectors.parse(device.platform, outputs) == first


def test_threads_parse_side_by_side(collectors: Platforms, example_district: District) -> None:
    """Compiled templates are per thread: the survey's worker threads never share state."""
    work = [(d.platform, survey_outputs(collectors, d)) for d in example_district.devices]
    alone = [collectors.parse(p, o) for p, o in work]
    with ThreadPoolExecutor(max_workers=6) as pool:
        together = list(pool.map(lambda w: collectors.parse(*w), work * 3))
    assert together == alone * 3


# --- failures the survey meets ------------------------------------------------------------


@pytest.mark.parametrize("platform", list(get_platforms()))
def test_a_vendor_error_is_unsupported_and_the_rest_still_parses(
    collectors: Platforms, example_district: District, platform: str
) -> None:
    device = next(d for d in example_district.devices if d.platform == platform)
    device.faults.add(Fault.UNSUPPORTED)
    try:
        outputs = survey_outputs(collectors, device)
        facts, problems = collectors.parse(platform, outputs)
    finally:
        device.faults.discard(Fault.UNSUPPORTED)
    neighbour_command = {
        "huawei": "display lldp neighbor brief",
        "hp_comware": "display lldp neighbor-information list",
        "cisco_ios": "show cdp neighbors",
    }[platform]
    assert [(p.command, p.kind) for p in problems] == [(neighbour_command, "unsupported")]
    assert "Unrecognized command" in problems[0].message or "Invalid input" in problems[0].message
    device.faults.add(Fault.UNSUPPORTED)
    try:
        assert differences(get_device_facts(device), facts) == []
    finally:
        device.faults.discard(Fault.UNSUPPORTED)


@pytest.mark.parametrize("platform", list(get_platforms()))
def test_garbage_is_a_parse_problem_never_an_exception(
    collectors: Platforms, example_district: District, platform: str
) -> None:
    device = next(d for d in example_district.devices if d.platform == platform)
    outputs = survey_outputs(collectors, device)
    garbage = "%%%% \x00 ## 乱码 \ufffd\n" * 40 + "GigabitEthernet0/0/0 no such thing\n"
    plan = collectors.plans[platform]
    for command in outputs:
        broken = dict(outputs) | {command: garbage}
        facts, problems = collectors.parse(platform, broken)
        assert all(isinstance(p, ParseProblem) for p in problems)
        spec = next(
            c
            for c in plan.commands
            if c.command == command or (c.pattern is not None and c.pattern.match(command))
        )
        if spec.parsers and not spec.empty_ok:
            assert [(p.command, p.kind) for p in problems] == [(command, "parse")], command
        assert facts.device.vendor == get_vendor(platform).name
    # A whole host of garbage still gives facts (unknown), never an exception.
    facts, problems = collectors.parse(platform, dict.fromkeys(outputs, garbage))
    assert facts.interfaces == () and problems


def test_missing_commands_leave_their_topics_unknown(
    collectors: Platforms, example_district: District
) -> None:
    device = next(d for d in example_district.devices if d.platform == "huawei")
    outputs = survey_outputs(collectors, device)
    only_config = {"display current-configuration": outputs["display current-configuration"]}
    facts, problems = collectors.parse("huawei", only_config)
    assert problems == []
    assert all(n.state is None for n in facts.neighbours)
    # The configuration alone tells addresses, descriptions, VPNs, BGP peers and the static
    # routes it configures, not states: whether a route is active takes a routing table.
    assert all(r.configured and r.active is None for r in facts.routes)
    assert {r.protocol for r in facts.routes} <= {"static"}
    assert [(i.name, i.addresses, i.description) for i in facts.interfaces] == [
        (i.name, i.addresses, i.description) for i in get_device_facts(device).interfaces
    ]
    assert all(i.oper_up is None for i in facts.interfaces)
    assert collectors.parse("huawei", {}) == (HostFacts(DeviceInfo(vendor="huawei")), [])


def test_unknown_platform_is_a_clear_error(collectors: Platforms) -> None:
    with pytest.raises(KeyError, match="ruijie_os"):
        collectors.get_commands("ruijie_os")


def test_commands_and_file_names(collectors: Platforms) -> None:
    commands = collectors.get_commands("huawei")
    assert len(commands) == len(set(commands))
    assert (
        commands[-1] == collectors.get_config_command("huawei") == "display current-configuration"
    )
    assert not any("{" in c or "screen-length" in c for c in commands)
    assert collectors.get_config_command("cisco_ios") == "show running-config"
    stem = "display_ip_routing-table_vpn-instance_ZW_WAI"
    assert collectors.get_command_for_file("huawei", stem) == (
        "display ip routing-table vpn-instance ZW_WAI"
    )
    assert collectors.get_command_for_file("huawei", "display_ip_interface_brief") == (
        "display ip interface brief"
    )
    assert collectors.get_command_for_file("huawei", "display_foo") is None
    assert collectors.get_followup_commands("huawei", {}) == []


# --- fixtures: one real-device (or lab) sample per command, with golden facts --------------


# Parametrised over the platform registry (collectors/): a new platform folder is tested with
# its fixtures without editing this file.
REGISTRY = load_platforms().get_platforms()


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*/*.txt") if p.parent.name in set(REGISTRY))


def plain(value: Any) -> Any:
    """Facts as plain YAML data, unknown values left out so goldens stay readable."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items() if v not in (None, (), [])}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


@pytest.mark.parametrize("platform", REGISTRY)
def test_every_command_has_a_fixture(collectors: Platforms, platform: str) -> None:
    stems = [p.stem for p in (FIXTURES / platform).glob("*.txt")]
    found = {s: collectors.get_command_for_file(platform, s) for s in stems}
    assert None not in found.values(), f"fixtures that are no command of the specs: {found}"
    covered = {c for c in found.values() if c is not None}
    for plan in collectors.plans[platform].commands:
        hits = [c for c in covered if c == plan.command or (plan.pattern and plan.pattern.match(c))]
        assert hits, f"no tests/fixtures/{platform}/ sample for {plan.command!r}"


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_parses_to_its_golden_facts(collectors: Platforms, path: Path) -> None:
    platform = path.parent.name
    command = collectors.get_command_for_file(platform, path.stem)
    assert command is not None
    facts, problems = collectors.parse(platform, {command: path.read_text(encoding="utf-8")})
    found = {
        "command": command,
        "facts": plain(facts.to_dict()),
        "problems": [plain(vars(p)) for p in problems],
    }
    golden = path.with_suffix(".yml")
    if UPDATE_GOLDEN or not golden.exists():
        golden.write_text(
            yaml.safe_dump(found, allow_unicode=True, sort_keys=False, width=100),
            encoding="utf-8",
        )
        if not UPDATE_GOLDEN:
            pytest.fail(f"{golden.name} was missing: written, check it and commit it")
    assert found == yaml.safe_load(golden.read_text(encoding="utf-8"))
    assert found["problems"] == []


# --- spec files ---------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with its own copy of the bundled collectors."""
    shutil.copytree(BUNDLED, tmp_path / "collectors")
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def spec_problems(project: Path) -> list[Problem]:
    with pytest.raises(SpecError) as caught:
        load_platforms(project)
    return caught.value.problems


def test_a_project_copy_of_the_bundled_specs_loads(project: Path) -> None:
    loaded = load_platforms(project)
    assert loaded.get_platforms() == ["cisco_ios", "hp_comware", "huawei"]
    assert loaded.get_commands("huawei") == load_platforms().get_commands("huawei")


@pytest.mark.parametrize(
    ("file", "old", "new", "field", "message"),
    [
        (
            "huawei/interfaces.yaml",
            "          oper_up: {from: PROTOCOL, transforms: [updown]}\n",
            "          oper_up: {from: PROTOCOL, transforms: [updown], colour: red}\n",
            "commands.0.records.0.fields.oper_up.colour",
            "unknown field",
        ),
        (
            "huawei/interfaces.yaml",
            "transforms: [updown]",
            "transforms: [upcase]",
            "commands.0.records.0.fields.oper_up.transforms.0",
            "unknown transform 'upcase'",
        ),
        (
            "huawei/interfaces.yaml",
            "admin_up: {from: PHY,",
            "admin_up: {from: PHYS,",
            "commands.0.records.0.fields.admin_up.from",
            "no column 'PHYS' in the template",
        ),
        (
            "huawei/interfaces.yaml",
            "textfsm: display_ip_interface_brief.textfsm",
            "textfsm: display_ip_int_br.textfsm",
            "commands.1.textfsm",
            "template not found beside the spec: display_ip_int_br.textfsm",
        ),
        (
            "cisco_ios/routes.yaml",
            "ntc: cisco_ios_show_ip_route.textfsm",
            "ntc: cisco_ios_show_ip_routes.textfsm",
            "commands.0.ntc",
            "template not found in ntc-templates",
        ),
        (
            "hp_comware/nat.yaml",
            "fact: nat\n        where: {KIND: '^server$'}",
            "fact: nats\n        where: {KIND: '^server$'}",
            "commands.0.records.4.fact",
            "Input should be",
        ),
        (
            "hp_comware/neighbours.yaml",
            "          router_id: ROUTER_ID\n",
            "          router: ROUTER_ID\n",
            "commands.3.records.0.fields.router",
            "neighbour has no field 'router'",
        ),
        (
            "huawei/routes.yaml",
            "vpn_instance: {var: vpn_instance}",
            "vpn_instance: {var: vrf}",
            "commands.1.records.0.fields.vpn_instance.var",
            "the command has no placeholder {vrf}",
        ),
        (
            "huawei/platform.yaml",
            "vendor: huawei",
            "vendor: huawei\nmodel: AR",
            "model",
            "unknown field",
        ),
        (
            "cisco_ios/platform.yaml",
            "  enable: true",
            "  enable: true\n  paging: off",
            "session.paging",
            "unknown field",
        ),
    ],
)
def test_a_bad_spec_fails_naming_file_line_and_field(
    project: Path, file: str, old: str, new: str, field: str, message: str
) -> None:
    edit(project / "collectors" / file, old, new)
    problems = spec_problems(project)
    assert len(problems) == 1, problems
    (problem,) = problems
    assert problem.file == f"collectors/{file}"
    assert problem.field == field
    assert message in problem.message
    assert problem.line is not None
    assert problem.line > 1 or file.endswith("platform.yaml")


def test_a_topic_file_with_an_unknown_name_is_reported(project: Path) -> None:
    (project / "collectors/huawei/routing.yaml").write_text("commands: []\n")
    (problem,) = spec_problems(project)
    assert problem.file == "collectors/huawei/routing.yaml"
    assert "not a topic file" in problem.message


def test_extends_reuses_a_bundled_platform_and_overrides_one_topic(
    tmp_path: Path, collectors: Platforms, example_district: District
) -> None:
    folder = tmp_path / "collectors" / "huawei_ce"
    folder.mkdir(parents=True)
    (folder / "platform.yaml").write_text("extends: huawei\n")
    (folder / "interfaces.yaml").write_text(
        "commands:\n"
        "  - command: display interface brief\n"
        "    ntc: huawei_vrp_display_interface_brief.textfsm\n"
        "    records:\n"
        "      - fact: interface\n"
        "        where: {INTERFACE: '^LoopBack'}\n"
        "        fields:\n"
        "          name: INTERFACE\n"
        "          description: {value: from the extending spec}\n",
        encoding="utf-8",
    )
    loaded = load_platforms(tmp_path)  # the project's platform joins the bundled ones
    assert loaded.get_platforms() == ["cisco_ios", "hp_comware", "huawei", "huawei_ce"]
    assert "display ip interface brief" not in loaded.get_commands("huawei_ce")
    assert set(loaded.get_commands("huawei_ce")) < set(collectors.get_commands("huawei"))
    device = next(d for d in example_district.devices if d.platform == "huawei")
    outputs = survey_outputs(collectors, device)
    facts, problems = loaded.parse("huawei_ce", outputs)
    assert problems == []
    assert [(i.name, i.description) for i in facts.interfaces] == [
        ("LoopBack0", "from the extending spec")
    ]
    expected = get_device_facts(device)
    assert (facts.device, facts.vpn_instances, facts.nat) == (
        expected.device,
        expected.vpn_instances,
        expected.nat,
    )
    assert {r.prefix for r in facts.routes} >= {r.prefix for r in expected.routes}


def test_a_platform_folder_without_platform_yaml_is_reported(project: Path) -> None:
    (project / "collectors/huawei/platform.yaml").unlink()
    (problem,) = spec_problems(project)
    assert problem.file == "collectors/huawei"
    assert "platform.yaml" in problem.message


def test_extends_of_an_unknown_platform_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "collectors" / "x"
    folder.mkdir(parents=True)
    (folder / "platform.yaml").write_text("extends: nothing_here\n")
    (problem,) = spec_problems(tmp_path)
    assert problem.file == "collectors/x/platform.yaml"
    assert problem.field == "extends"
