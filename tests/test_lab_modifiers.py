"""Output modifiers in the lab (``| include``, ``| exclude``, ``| begin``): the filtered
output is exactly the unfiltered output's matching lines, for every vendor, and a keyword
the device does not know gets the vendor's error (govnet_lab.render.modifiers)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from govnet_lab.district import District, load_district
from govnet_lab.generate import generate_lab
from govnet_lab.render import UnknownCommand, render

SHOW = {
    "cisco_ios": "show running-config",
    "huawei": "display current-configuration",
    "hp_comware": "display current-configuration",
}


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    root: Path = tmp_path_factory.mktemp("modifiers")
    return load_district(generate_lab(root, "370702", 1, 9, None))


@pytest.mark.parametrize("platform", sorted(SHOW))
def test_include_exclude_begin_filter_lines(district: District, platform: str) -> None:
    device = next(d for d in district.devices if d.platform == platform)
    whole = render(device, SHOW[platform]).split("\n")
    first = next(i for i, line in enumerate(whole) if line.startswith("interface"))
    assert render(device, SHOW[platform] + " | include ^interface").split("\n") == [
        line for line in whole if line.startswith("interface")
    ]
    assert render(device, SHOW[platform] + " | exclude ^interface").split("\n") == [
        line for line in whole if not line.startswith("interface")
    ]
    assert render(device, SHOW[platform] + " | begin ^interface").split("\n") == whole[first:]
    # abbreviated keyword, a pattern with a space, and no match at all
    assert (
        render(device, SHOW[platform] + " | i name " + device.sysname)
        .strip()
        .endswith(device.sysname)
    )
    assert render(device, SHOW[platform] + " | include no-such-line-anywhere") == ""


@pytest.mark.parametrize("platform", sorted(SHOW))
def test_unknown_modifier_is_the_vendors_error(district: District, platform: str) -> None:
    device = next(d for d in district.devices if d.platform == platform)
    with pytest.raises(UnknownCommand) as bad:
        render(device, SHOW[platform] + " | frobnicate x")
    caret, message = str(bad.value).split("\n", 1)
    assert caret.strip() == "^"
    assert re.search(r"(?i)invalid input|unrecognized command", message)


def test_vrp_count_counts_the_lines_shown(district: District) -> None:
    """``| count`` alone and after a filter, as Huawei's example prints it ("Total lines:
    14."); Comware and IOS reject it as an unknown keyword."""
    device = next(d for d in district.devices if d.platform == "huawei")
    whole = render(device, SHOW["huawei"]).split("\n")
    interfaces = [line for line in whole if line.startswith("interface")]
    assert render(device, SHOW["huawei"] + " | count") == f"Total lines: {len(whole)}."
    shown = render(device, SHOW["huawei"] + " | include ^interface | count")
    assert shown == f"Total lines: {len(interfaces)}." and len(interfaces) > 1
    assert render(device, SHOW["huawei"] + " | include no-such-line | count") == "Total lines: 0."
    for platform in ("hp_comware", "cisco_ios"):
        other = next(d for d in district.devices if d.platform == platform)
        with pytest.raises(UnknownCommand):
            render(other, SHOW[platform] + " | count")


def test_ios_section_shows_whole_sections(district: District) -> None:
    """``| section``: a matching top-level line with every indented line under it, no
    ``!``; a section whose indented line matches is shown whole."""
    device = next(d for d in district.devices if d.platform == "cisco_ios")
    whole = render(device, SHOW["cisco_ios"]).split("\n")
    start = whole.index("interface Loopback0")
    block = [whole[start]]
    for line in whole[start + 1 :]:
        if not line.startswith(" "):
            break
        block.append(line)
    assert len(block) > 1
    assert (
        render(device, SHOW["cisco_ios"] + " | section ^interface Loopback0$").split("\n") == block
    )
    # every interface whose block has an address, each whole
    shown = render(device, SHOW["cisco_ios"] + " | sec ip address").split("\n")
    assert block[0] in shown and "!" not in shown
    heads = [line for line in shown if not line.startswith(" ")]
    addressed = [i for i in device.interfaces if i.address is not None]
    assert len(heads) == len(addressed)
    assert render(device, SHOW["cisco_ios"] + " | section no-such-line-anywhere") == ""
    huawei = next(d for d in district.devices if d.platform == "huawei")
    with pytest.raises(UnknownCommand):
        render(huawei, SHOW["huawei"] + " | section interface")
