"""A route whose next hop is in another routing table (``Route.next_hop_vpn``: a leak between
a VPN instance and another one, or the public table written ``_public_``) is read from each
platform's configuration and table, never resolved through its own table's subnets, and
folded into a table route only when the two agree. The lines follow the vendors' command
references; the real text of such routes is in tests/real (the IOS VRF TRI table)."""

from __future__ import annotations

import pytest

from govnet.model.facts import Route
from govnet.platforms import Platforms, load_platforms

VRP_CONFIG = """#
ip route-static vpn-instance A 0.0.0.0 0 vpn-instance B 10.1.1.1
ip route-static vpn-instance A 10.0.0.0 8 10.1.1.5 public preference 70
ip route-static vpn-instance A 10.9.0.0 16 10.1.1.1
ip route-static 172.16.0.0 12 vpn-instance A 10.1.1.1
#
return
"""
VRP_TABLE = """Route Flags: R - relay, D - download to fib
------------------------------------------------------------------------------
Routing Tables: A
         Destinations : 2        Routes : 2

Destination/Mask    Proto   Pre  Cost      Flags NextHop         Interface

       10.0.0.0/8   Static  70   0          RD   10.1.1.5        GigabitEthernet0/0/2
      10.1.1.0/30   Direct  0    0           D   10.1.1.2        GigabitEthernet0/0/1
"""


@pytest.fixture(scope="module")
def platforms() -> Platforms:
    return load_platforms()


def _static(routes: tuple[Route, ...]) -> dict[tuple[str | None, str], tuple[object, ...]]:
    return {
        (r.vpn_instance, r.prefix): (r.next_hops, r.next_hop_vpn, r.interface, r.active)
        for r in routes
        if r.protocol == "static"
    }


@pytest.mark.parametrize("platform", ["huawei", "hp_comware"])
def test_vrp_and_comware_config_state_the_next_hop_table(
    platforms: Platforms, platform: str
) -> None:
    facts, problems = platforms.parse(platform, {"display current-configuration": VRP_CONFIG})
    assert not problems
    assert _static(facts.routes) == {
        ("A", "0.0.0.0/0"): (("10.1.1.1",), "B", None, None),
        ("A", "10.0.0.0/8"): (("10.1.1.5",), "_public_", None, None),
        ("A", "10.9.0.0/16"): (("10.1.1.1",), None, None, None),
        (None, "172.16.0.0/12"): (("10.1.1.1",), "A", None, None),
    }


def test_a_leak_folds_into_the_table_route_and_is_never_resolved_here(
    platforms: Platforms,
) -> None:
    """VRP's table prints no next-hop table: the configured leak is its route, and keeps
    _public_. 10.1.1.1 lies in A's connected 10.1.1.0/30, yet the route to 0.0.0.0/0 goes by
    B's 10.1.1.1: no interface of A's; A's own 10.9.0.0/16 by 10.1.1.1 is resolved."""
    facts, _ = platforms.parse(
        "huawei",
        {
            "display current-configuration": VRP_CONFIG,
            "display ip routing-table vpn-instance A": VRP_TABLE,
        },
    )
    static = _static(facts.routes)
    assert static[("A", "10.0.0.0/8")] == (("10.1.1.5",), "_public_", "GigabitEthernet0/0/2", True)
    assert static[("A", "0.0.0.0/0")] == (("10.1.1.1",), "B", None, False)
    assert static[("A", "10.9.0.0/16")] == (("10.1.1.1",), None, "GigabitEthernet0/0/1", False)


def test_ios_global_keyword_and_table_marker(platforms: Platforms) -> None:
    config = """ip route vrf A 0.0.0.0 0.0.0.0 10.1.1.1 global
ip route vrf A 10.0.0.0 255.0.0.0 10.1.1.1 global 5 name up
ip route vrf A 10.9.0.0 255.255.0.0 10.1.1.1 10
end
"""
    facts, problems = platforms.parse("cisco_ios", {"show running-config": config})
    assert not problems
    assert {(r.prefix, r.next_hop_vpn, r.preference) for r in facts.routes} == {
        ("0.0.0.0/0", "_public_", None),
        ("10.0.0.0/8", "_public_", 5),
        ("10.9.0.0/16", None, 10),
    }


def test_ios_table_names_the_next_hop_vrf(platforms: Platforms) -> None:
    """`(default)` is the global table; a VRF's name is kept; the hop is not resolved."""
    table = """Routing Table: A
Codes: L - local, C - connected, S - static, R - RIP, M - mobile, B - BGP

Gateway of last resort is 10.1.1.1 to network 0.0.0.0

S*    0.0.0.0/0 [1/0] via 10.1.1.1 (default)
      10.0.0.0/8 is variably subnetted, 3 subnets, 3 masks
S        10.0.0.0/8 [1/0] via 10.1.1.1 (B)
C        10.1.1.0/30 is directly connected, GigabitEthernet0/1
L        10.1.1.2/32 is directly connected, GigabitEthernet0/1
"""
    facts, _ = platforms.parse("cisco_ios", {"show ip route vrf A": table})
    assert _static(facts.routes) == {
        ("A", "0.0.0.0/0"): (("10.1.1.1",), "_public_", None, True),
        ("A", "10.0.0.0/8"): (("10.1.1.1",), "B", None, True),
    }
