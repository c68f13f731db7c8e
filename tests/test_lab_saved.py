"""The lab's saved (startup) configuration: a router boots with it equal to its running
configuration, a change shows there only once saved, and the save command each platform's
push sends (collectors/<platform>/platform.yaml ``push.save``, its questions answered as push
answers them) really saves. Formats: govnet_lab.vendors._saved (cited there)."""

from __future__ import annotations

import re
from copy import deepcopy

import pytest

from govnet.model.divisions import get_bundled_tree
from govnet.model.files import get_bundled_root
from govnet.model.inventory_files import get_inventory
from govnet.platforms import load_platforms
from govnet_lab.district import District
from govnet_lab.generate import build_district
from govnet_lab.model import Device
from govnet_lab.render import render
from govnet_lab.session import Session
from govnet_lab.vendors import get_vendor

SECRET = "lab-secret"
SHOW_SAVED = {
    "huawei": "display saved-configuration",
    "hp_comware": "display saved-configuration",
    "cisco_ios": "show startup-config",
}
LEAVE = {"huawei": "quit", "hp_comware": "quit", "cisco_ios": "exit"}


@pytest.fixture(scope="module")
def district() -> District:
    return build_district(get_inventory(get_bundled_root(), get_bundled_tree()), 0)


def _device(district: District, platform: str) -> Device:
    return deepcopy(next(d for d in district.devices if d.platform == platform))


def _type(session: Session, line: str) -> str:
    return "".join(c.text for c in session.feed(line + "\r"))


def _open(device: Device) -> Session:
    session = Session(device, SECRET, page_lines=0)
    if device.platform == "cisco_ios":
        _type(session, "enable")
        _type(session, SECRET)
    return session


def _body(platform: str, text: str) -> list[str]:
    """The configuration without the header only IOS prints (running: Building... /
    Current configuration : N bytes; startup: Using N out of M bytes)."""
    lines = text.splitlines()
    if platform != "cisco_ios":
        return lines
    if lines[0].startswith("Building configuration"):
        assert re.fullmatch(r"Current configuration : \d+ bytes", lines[2]), lines[:3]
        return lines[3:]
    assert re.fullmatch(r"Using \d+ out of \d+ bytes", lines[0]), lines[0]
    return lines[1:]


@pytest.mark.parametrize("platform", ["huawei", "hp_comware", "cisco_ios"])
def test_a_change_is_in_the_saved_configuration_only_once_saved(
    district: District, platform: str
) -> None:
    device = _device(district, platform)
    vendor = get_vendor(platform)
    push = load_platforms().get_push(platform)
    assert push is not None
    booted = render(device, vendor.running_config)
    session = _open(device)
    assert device.saved_config is not None  # recorded when the first shell opened

    def saved() -> list[str]:
        return _body(platform, session.run(SHOW_SAVED[platform]))

    def running() -> list[str]:
        return _body(platform, session.run(vendor.running_config))

    assert saved() == running() == _body(platform, booted)
    port = device.interfaces[0].name
    for line in (push.configure, f"interface {port}", "description saved-by-test"):
        _type(session, line)
    _type(session, LEAVE[platform])
    _type(session, push.end)
    assert any("saved-by-test" in line for line in running())
    assert not any("saved-by-test" in line for line in saved())

    answer = _type(session, push.save)
    for question, reply in push.questions.items():
        if re.search(question, answer.rstrip("\r\n")):
            answer += _type(session, reply)
    assert re.search(push.saved, answer), answer
    assert saved() == running()
    assert any("saved-by-test" in line for line in saved())


def test_vrp_save_answered_no_saves_nothing(district: District) -> None:
    device = _device(district, "huawei")
    session = _open(device)
    before = device.saved_config
    for line in ("system-view", "sysname renamed-by-test", "return", "save"):
        _type(session, line)
    assert "successfully" not in _type(session, "n")
    assert device.saved_config == before
    assert "renamed-by-test" not in session.run("display saved-configuration")


@pytest.mark.parametrize(
    "line",
    ["write", "wr mem", "write memory", "copy run start", "copy running-config startup-config"],
)
def test_ios_saves_as_each_spelling_netmiko_and_people_type(district: District, line: str) -> None:
    device = _device(district, "cisco_ios")
    session = _open(device)
    for typed in ("configure terminal", "hostname renamed-by-test", "end"):
        _type(session, typed)
    assert "[OK]" in _type(session, line)
    assert "hostname renamed-by-test" in session.run("show startup-config")
