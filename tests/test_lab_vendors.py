"""The lab's vendor registry: a vendor is one module in govnet_lab/vendors, found by name.

The engines (render, configure, session, facts, generate) consult the registry and test for
no vendor, so a module that defines VENDOR is all a new vendor takes: shown here with a
copy of Huawei under a new platform name, added for one test only.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from copy import deepcopy
from pathlib import Path

import pytest

from govnet.model.divisions import get_bundled_tree
from govnet.model.files import get_bundled_root
from govnet.model.inventory_files import get_inventory
from govnet_lab import vendors
from govnet_lab.configure import apply_lines, get_config_command
from govnet_lab.district import District
from govnet_lab.facts import get_device_facts, get_running_config
from govnet_lab.generate import build_district
from govnet_lab.model import Device
from govnet_lab.render import commands_of, render
from govnet_lab.session import Session
from govnet_lab.vendors import UnknownPlatform, get_platforms, get_vendor, get_vendors

COPY = """
import dataclasses

from govnet_lab.vendors import huawei

VENDOR = dataclasses.replace(huawei.VENDOR, platform="lab_copy", order=99)
"""


@pytest.fixture(scope="module")
def district() -> District:
    return build_district(get_inventory(get_bundled_root(), get_bundled_tree()), 0)


@pytest.fixture
def with_a_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A vendor module ``lab_copy`` in another folder of the vendors package, for one test."""
    (tmp_path / "labcopy.py").write_text(COPY, encoding="utf-8")
    monkeypatch.setattr(vendors, "__path__", [*vendors.__path__, str(tmp_path)])
    vendors._load.cache_clear()
    try:
        yield "lab_copy"
    finally:
        monkeypatch.undo()
        vendors._load.cache_clear()
        sys.modules.pop("govnet_lab.vendors.labcopy", None)


def test_the_registry_finds_one_module_per_vendor() -> None:
    assert get_platforms() == ("huawei", "hp_comware", "cisco_ios")
    assert [v.name for v in get_vendors()] == ["huawei", "h3c", "cisco"]
    assert len({v.order for v in get_vendors()}) == len(get_vendors())
    with pytest.raises(UnknownPlatform):
        get_vendor("ruijie_os")


@pytest.mark.parametrize("platform", list(get_platforms()))
def test_every_vendor_enters_and_leaves_configuration_mode(
    district: District, platform: str
) -> None:
    device = next(d for d in district.devices if d.platform == platform)
    session = Session(device, "secret")
    exec_prompt = session.prompt
    if platform == "cisco_ios":
        session.feed("enable\nsecret\n")
        exec_prompt = session.prompt
    session.feed(get_config_command(platform) + "\n")
    assert session.prompt not in (exec_prompt, "")
    session.feed("\x1a")
    assert session.prompt == exec_prompt


def test_a_new_vendor_is_one_module(district: District, with_a_copy: str) -> None:
    assert get_platforms()[-1] == with_a_copy
    original = next(d for d in district.devices if d.platform == "huawei" and d.nat_rules)
    copy = deepcopy(original)
    copy.platform = with_a_copy
    assert commands_of(with_a_copy) == commands_of("huawei")
    for command in commands_of("huawei"):
        if "<" not in command:
            assert render(copy, command) == render(original, command)
    assert get_running_config(copy) == get_running_config(original)
    assert get_device_facts(copy) == get_device_facts(original)
    assert _session_text(copy) == _session_text(original)
    lines = ["system-view", "interface LoopBack7", "ip address 10.7.7.7 32", "bogus", "return"]
    again = deepcopy(original)
    assert apply_lines(copy, lines) == apply_lines(again, lines)
    assert render(copy, "display ip interface brief") == render(again, "display ip interface brief")


def _session_text(device: Device) -> str:
    session = Session(device, "secret")
    chunks = session.get_greeting()
    for line in ("display version", "system-view", "display ip vpn-instance", "quit", "quit"):
        chunks += session.feed(line + "\r\n")
    return "".join(c.text for c in chunks)


def test_a_vendor_keeps_what_the_engines_need() -> None:
    for vendor in get_vendors():
        assert dataclasses.is_dataclass(vendor)
        assert vendor.commands and vendor.config.rules and vendor.models
        assert get_config_command(vendor.platform) == vendor.config.enter
