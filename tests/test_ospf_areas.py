"""OSPF areas (``HostFacts.ospf``) read from each platform's configuration: network
statements (wildcard to length, IOS ``area 0`` as ``0.0.0.0``), interfaces enabled in an
area directly (taking their process's VPN instance), processes in a VPN. The lines follow
the vendors' command references; the real text of such configurations is in tests/real (the
IOS ``router ospf 1`` configurations)."""

from __future__ import annotations

import pytest

from govnet.model.facts import OspfArea
from govnet.platforms import Platforms, load_platforms

VRP_CONFIG = """#
interface GigabitEthernet0/0/1
 ip binding vpn-instance A
 ip address 10.2.2.1 255.255.255.252
 ospf enable 2 area 0.0.0.1
#
interface LoopBack0
 ip address 10.255.0.1 255.255.255.255
 ospf enable 1 area 0.0.0.0
#
ospf 1 router-id 10.255.0.1
 import-route static
 area 0.0.0.0
  network 10.1.1.0 0.0.0.255
  network 10.1.2.1 0.0.0.0 description to core
 area 0.0.0.10
  network 10.3.0.0 0.0.255.255
  network 10.4.0.0 0.0.255.0
#
ospf 2 router-id 10.2.2.1 vpn-instance A
 area 0.0.0.1
  network 10.2.3.0 0.0.0.3
#
return
"""
COMWARE_CONFIG = (
    VRP_CONFIG.replace("ospf enable ", "ospf ")
    .replace(" description to core", "")
    .replace("ospf 2 router-id 10.2.2.1 vpn-instance A", "ospf 2 vpn-instance A")
)
IOS_CONFIG = """!
interface GigabitEthernet0/1
 vrf forwarding A
 ip address 10.2.2.1 255.255.255.252
 ip ospf network point-to-point
 ip ospf 2 area 1
!
interface Loopback0
 ip address 10.255.0.1 255.255.255.255
 ip ospf 1 area 0
!
router ospf 2 vrf A
 network 10.2.3.0 0.0.0.3 area 0.0.0.1
!
router ospf 1
 router-id 10.255.0.1
 passive-interface Loopback0
 network 10.1.1.0 0.0.0.255 area 0
 network 10.1.2.1 0.0.0.0 area 0
 network 10.3.0.0 0.0.255.255 area 10
 network 10.4.0.0 0.0.255.0 area 10
!
end
"""
EXPECTED = (
    OspfArea("0.0.0.0", 1, interface="LoopBack0"),
    OspfArea("0.0.0.0", 1, "10.1.1.0/24"),
    OspfArea("0.0.0.0", 1, "10.1.2.1/32"),
    OspfArea("0.0.0.10", 1, "10.3.0.0/16"),  # 10.4.0.0 0.0.255.0: no length, not understood
    OspfArea("0.0.0.1", 2, interface="GigabitEthernet0/0/1", vpn_instance="A"),
    OspfArea("0.0.0.1", 2, "10.2.3.0/30", vpn_instance="A"),
)


@pytest.fixture(scope="module")
def platforms() -> Platforms:
    return load_platforms()


@pytest.mark.parametrize(
    ("platform", "command", "text", "expected"),
    [
        ("huawei", "display current-configuration", VRP_CONFIG, EXPECTED),
        ("hp_comware", "display current-configuration", COMWARE_CONFIG, EXPECTED),
        (
            "cisco_ios",
            "show running-config",
            IOS_CONFIG,
            tuple(
                OspfArea(
                    o.area,
                    o.process,
                    o.prefix,
                    {"LoopBack0": "Loopback0", None: None}.get(o.interface, "GigabitEthernet0/1"),
                    o.vpn_instance,
                )
                for o in EXPECTED
            ),
        ),
    ],
)
def test_the_configuration_states_its_ospf_areas(
    platforms: Platforms, platform: str, command: str, text: str, expected: tuple[OspfArea, ...]
) -> None:
    facts, problems = platforms.parse(platform, {command: text})
    assert facts.ospf == expected  # sorted by VPN, process, area, prefix, interface
    skipped = [p for p in problems if p.kind == "lines"]
    assert len(skipped) == 1 and "0.0.255.0" in skipped[0].message, problems
