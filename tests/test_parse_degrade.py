"""One unexpected line or value costs only itself: templates never raise, a bad value is
unknown while its row stays, the count is said; offline-only commands and typed
abbreviations (``dis arp al``) are read, output modifiers (``| include``) are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from govnet.model.facts import ArpEntry
from govnet.platforms import Platforms, load_platforms
from govnet.survey.collect import Collected, RawText
from govnet.survey.run import to_snapshot

ARP = (Path(__file__).parent / "fixtures/degrade/display_arp_all.txt").read_text(encoding="utf-8")
TEMPLATE = r"""Value IP (\d+\.\d+\.\d+\.\d+)
Value MAC (\S+)
Value TYPE (\S+)
Value INTERFACE (\S+)
Value VPN (\S+)

Start
  ^IP ADDRESS
  ^\s+VLAN/CEVLAN
  ^-+\s*$$
  ^${IP}\s+${MAC}\s+(?:\d+\s+)?${TYPE}(?:\s+-)?\s+${INTERFACE}(?:\s+${VPN})?\s*$$ -> Record
  ^\s+\d+/-
  ^Total:
  ^\s*$$
  ^. -> Error
"""
SPEC = """commands:
  - command: display arp all
    live: false
    textfsm: arp.textfsm
    records:
      - fact: arp
        fields:
          address: IP
          mac: {from: MAC, transforms: [mac]}
          interface: {from: INTERFACE, transforms: [interface_name]}
          vpn_instance: VPN
          kind:
            from: TYPE
            transforms: [{match: '^([IDS])'}, {map: {I: interface, D: dynamic, S: static}}]
"""


@pytest.fixture(scope="module")
def platforms(tmp_path_factory: pytest.TempPathFactory) -> Platforms:
    root = tmp_path_factory.mktemp("project")
    folder = root / "collectors" / "vrp_arp"
    folder.mkdir(parents=True)
    (folder / "platform.yaml").write_text("extends: huawei\n", encoding="utf-8")
    (folder / "arp.yaml").write_text(SPEC, encoding="utf-8")
    (folder / "arp.textfsm").write_text(TEMPLATE, encoding="utf-8")
    return load_platforms(root)


def test_the_real_table_reads_whole(platforms: Platforms) -> None:
    facts, problems = platforms.parse("vrp_arp", {"display arp all": ARP})
    assert problems == []
    assert len(facts.arp) == 7
    assert (
        ArpEntry("10.26.13.125", "0017-6111-7995", "GigabitEthernet0/2/1", "DV", "dynamic")
        in facts.arp
    )
    assert (
        ArpEntry("172.23.122.57", "68cc-6e78-ad9f", "GigabitEthernet0/2/5.903", None, "interface")
        in facts.arp
    )


def test_an_unexpected_line_and_a_bad_value_cost_only_themselves(platforms: Platforms) -> None:
    text = ARP.replace(
        "------------------------------------------------------------------------------\nTotal",
        "(legend) a line this template has never seen\n"
        "------------------------------------------------------------------------------\nTotal",
    ).replace("0017-6111-7995", "0017-6111-79zz")
    facts, problems = platforms.parse("vrp_arp", {"display arp all": text})
    assert len(facts.arp) == 7  # every row still read
    broken = next(a for a in facts.arp if a.address == "10.26.13.125")
    assert broken.mac is None and broken.interface == "GigabitEthernet0/2/1"
    ((problem,),) = [problems]
    assert (problem.command, problem.kind, problem.lines) == ("display arp all", "lines", 2)
    assert "not understood" in problem.message and not problem.is_partial
    # the survey says the count and keeps the host ok: nothing but those two was lost
    snapshot = to_snapshot(
        "r1",
        "vrp_arp",
        None,
        Collected({"display arp all": RawText(text, "utf-8")}),
        platforms,
        0.1,
    )
    assert snapshot.status == "ok" and snapshot.unparsed_lines == 2
    assert "2 line(s) or value(s) not understood" in (snapshot.message or "")


def test_offline_only_commands_are_read_but_never_sent(platforms: Platforms) -> None:
    assert "display arp all" not in platforms.get_commands("vrp_arp")
    assert "display ip interface brief" in platforms.get_commands("vrp_arp")
    assert platforms.get_command_for_file("vrp_arp", "display_arp_all") == "display arp all"


def test_typed_abbreviations_are_read_and_filtered_outputs_are_not(
    platforms: Platforms,
) -> None:
    whole, _ = platforms.parse("vrp_arp", {"display arp all": ARP})
    typed, _ = platforms.parse("vrp_arp", {"dis arp al": ARP})
    assert typed == whole
    filtered, _ = platforms.parse("vrp_arp", {"display arp all | include 10.": ARP})
    assert filtered.arp == ()
    ambiguous, _ = platforms.parse("vrp_arp", {"dis ip": ARP})
    assert ambiguous.arp == ()
