"""Configuration mode of the lab routers: vendor lines in, model changes out.

Each vendor gets the same small router (a LAN port to the department, an ISP port with
easy-IP NAT and a default route) and the same dedicated-zone migration, written in its
own syntax; the tests check the resulting model, the routing tables a later survey would
see, and that every rejected line leaves the model exactly as it was.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

import pytest

from govnet_lab.configure import ConfigSession, ExecInConfig, apply_lines, get_config_command
from govnet_lab.model import (
    Acl,
    BgpOrigin,
    Device,
    Interface,
    InterfaceKind,
    NatKind,
    NatRule,
    StaticRoute,
    get_routing_table,
)
from govnet_lab.render import render
from govnet_lab.vendors import get_vendor


@dataclass(frozen=True)
class Vendor:
    platform: str
    lan: str  # the department LAN port, 10.1.1.1/24
    wan: str  # the ISP port, 202.98.1.2/30, easy-IP NAT with ACL ``acl``
    sub: str  # the sub-interface the migration creates on ``lan``
    acl: str


HUAWEI = Vendor(
    "huawei",
    "GigabitEthernet0/0/1",
    "GigabitEthernet0/0/2",
    "GigabitEthernet0/0/1.100",
    "2000",
)
COMWARE = Vendor(
    "hp_comware", "GigabitEthernet0/0", "GigabitEthernet0/1", "GigabitEthernet0/0.100", "2000"
)
IOS = Vendor(
    "cisco_ios", "GigabitEthernet0/0/0", "GigabitEthernet0/0/1", "GigabitEthernet0/0/0.100", "1"
)
VENDORS = [HUAWEI, COMWARE, IOS]
IDS = ["huawei", "comware", "ios"]


def make_device(v: Vendor) -> Device:
    return Device(
        hostname="R1",
        platform=v.platform,
        port=20001,
        model="X",
        serial="S1",
        os_version="1",
        uptime_s=100,
        unit="区财政局",
        division_code="500107",
        site="site",
        role="department",
        interfaces=[
            Interface(v.lan, address=IPv4Interface("10.1.1.1/24")),
            Interface(v.wan, address=IPv4Interface("202.98.1.2/30")),
        ],
        static_routes=[StaticRoute(IPv4Network("0.0.0.0/0"), IPv4Address("202.98.1.1"))],
        acls=[Acl(v.acl, [IPv4Network("10.1.1.0/24")])],
        nat_rules=[NatRule(NatKind.EASY_IP, v.wan, acl=v.acl)],
    )


# The dedicated-zone migration, per vendor: VPN instance with RD/RT, a dot1q sub-interface
# bound to it with an address, a static route and a BGP peer in the VPN.
MIGRATION = {
    "huawei": [
        "system-view",
        "sysname 区财政局-R1",
        "ip vpn-instance jinshui",
        " ipv4-family",
        "  route-distinguisher 65001:100",
        "  vpn-target 65001:100 export-extcommunity",
        "  vpn-target 65001:200 import-extcommunity",
        "  quit",
        " description 金水专网",
        " quit",
        "interface GigabitEthernet0/0/1.100",
        " dot1q termination vid 100",
        " ip binding vpn-instance jinshui",
        " ip address 10.50.1.2 255.255.255.252",
        " description 至电子政务外网专区",
        " quit",
        "ip route-static vpn-instance jinshui 10.0.0.0 8 10.50.1.1",
        "bgp 65001",
        " ipv4-family vpn-instance jinshui",
        "  peer 10.50.1.1 as-number 4134",
        "  quit",
        " quit",
        "return",
    ],
    "hp_comware": [
        "system-view",
        "sysname 区财政局-R1",
        "ip vpn-instance jinshui",
        " route-distinguisher 65001:100",
        " vpn-target 65001:100 export-extcommunity",
        " vpn-target 65001:200 import-extcommunity",
        " description 金水专网",
        " quit",
        "interface GigabitEthernet0/0.100",
        " vlan-type dot1q vid 100",
        " ip binding vpn-instance jinshui",
        " ip address 10.50.1.2 30",
        " description 至电子政务外网专区",
        " quit",
        "ip route-static vpn-instance jinshui 10.0.0.0 8 10.50.1.1",
        "bgp 65001",
        " ip vpn-instance jinshui",
        "  peer 10.50.1.1 as-number 4134",
        "  address-family ipv4 unicast",
        "   peer 10.50.1.1 enable",
        "   quit",
        "  quit",
        " quit",
        "return",
    ],
    "cisco_ios": [
        "configure terminal",
        "hostname CZJ-R1",
        "vrf definition jinshui",
        " rd 65001:100",
        " description 金水专网",
        " address-family ipv4",
        "  route-target export 65001:100",
        "  route-target import 65001:200",
        " exit-address-family",
        " exit",
        "interface GigabitEthernet0/0/0.100",
        " encapsulation dot1Q 100",
        " vrf forwarding jinshui",
        " ip address 10.50.1.2 255.255.255.252",
        " description 至电子政务外网专区",
        " exit",
        "ip route vrf jinshui 10.0.0.0 255.0.0.0 10.50.1.1",
        "router bgp 65001",
        " address-family ipv4 vrf jinshui",
        "  neighbor 10.50.1.1 remote-as 4134",
        "  neighbor 10.50.1.1 activate",
        " exit-address-family",
        "end",
    ],
}


@pytest.mark.parametrize("v", VENDORS, ids=IDS)
def test_migration_gives_the_intended_model(v: Vendor) -> None:
    device = make_device(v)
    assert apply_lines(device, MIGRATION[v.platform]) == []

    assert device.sysname == ("CZJ-R1" if v.platform == "cisco_ios" else "区财政局-R1")
    vpn = device.get_vpn_instance("jinshui")
    assert vpn is not None
    assert vpn.route_distinguisher == "65001:100"
    assert vpn.export_targets == ["65001:100"]
    assert vpn.import_targets == ["65001:200"]
    assert vpn.description == "金水专网"
    sub = device.get_interface(v.sub)
    assert sub is not None
    assert (sub.kind, sub.dot1q, sub.vpn_instance) == (InterfaceKind.SUBINTERFACE, 100, "jinshui")
    assert sub.address == IPv4Interface("10.50.1.2/30")
    assert sub.description == "至电子政务外网专区"
    assert sub.parent == v.lan
    assert [(r.prefix, r.next_hop, r.vpn_instance) for r in device.static_routes][1:] == [
        (IPv4Network("10.0.0.0/8"), IPv4Address("10.50.1.1"), "jinshui")
    ]
    assert device.bgp_as == 65001
    assert [(p.address, p.remote_as, p.vpn_instance) for p in device.bgp_peers] == [
        (IPv4Address("10.50.1.1"), 4134, "jinshui")
    ]
    table = {(r.prefix, r.protocol) for r in get_routing_table(device, "jinshui")}
    assert (IPv4Network("10.50.1.0/30"), "direct") in table
    assert (IPv4Network("10.0.0.0/8"), "static") in table
    # the global table is untouched: the sub-interface's network is not in it
    assert IPv4Network("10.50.1.0/30") not in {r.prefix for r in get_routing_table(device)}


BIND = {
    "huawei": (
        ["interface GigabitEthernet0/0/1", "ip binding vpn-instance jinshui"],
        "Info: All IPv4 related configurations on this interface are removed!",
    ),
    "hp_comware": (["interface GigabitEthernet0/0", "ip binding vpn-instance jinshui"], ""),
    "cisco_ios": (
        ["interface GigabitEthernet0/0/0", "vrf forwarding jinshui"],
        "% Interface GigabitEthernet0/0/0 IPv4 disabled and address(es) removed due to"
        " enabling VRF jinshui",
    ),
}
CREATE_VPN = {
    "huawei": [
        "ip vpn-instance jinshui",
        "ipv4-family",
        "route-distinguisher 1:1",
        "return",
    ],
    "hp_comware": ["ip vpn-instance jinshui", "route-distinguisher 1:1", "return"],
    "cisco_ios": ["vrf definition jinshui", "rd 1:1", "end"],
}


@pytest.mark.parametrize("v", VENDORS, ids=IDS)
def test_binding_clears_the_address_with_the_vendor_text(v: Vendor) -> None:
    device = make_device(v)
    assert apply_lines(device, CREATE_VPN[v.platform]) == []
    lines, message = BIND[v.platform]
    session = ConfigSession(device)
    assert session.feed(lines[0]) == ""
    assert session.feed(lines[1]) == message
    lan = device.get_interface(v.lan)
    assert lan is not None
    assert (lan.address, lan.vpn_instance) == (None, "jinshui")
    assert get_routing_table(device, "jinshui") == []  # nothing until re-addressed
    assert session.feed("ip address 10.1.1.1 255.255.255.0") == ""
    assert lan.address == IPv4Interface("10.1.1.1/24")


def test_ios_older_ip_vrf_syntax_behaves_the_same() -> None:
    device = make_device(IOS)
    assert apply_lines(device, ["ip vrf jinshui", "rd 1:1", "route-target both 1:1", "end"]) == []
    session = ConfigSession(device)
    session.feed("interface GigabitEthernet0/0/0")
    assert session.feed("ip vrf forwarding jinshui") == (
        "% Interface GigabitEthernet0/0/0 IPv4 disabled and address(es) removed due to"
        " enabling VRF jinshui"
    )
    assert session.feed("ip vrf forwarding jinshui") == ""  # already there: nothing removed
    vpn = device.get_vpn_instance("jinshui")
    assert vpn is not None and vpn.import_targets == vpn.export_targets == ["1:1"]


# Leaving the internet: NAT off, ISP default route removed, a default route in the VPN.
EXIT_INTERNET = {
    "huawei": [
        "interface GigabitEthernet0/0/2",
        " undo nat outbound 2000",
        " quit",
        "undo ip route-static 0.0.0.0 0.0.0.0 202.98.1.1",
        "ip route-static vpn-instance jinshui 0.0.0.0 0 10.50.1.1",
    ],
    "hp_comware": [
        "interface GigabitEthernet0/1",
        " undo nat outbound 2000",
        " quit",
        "undo ip route-static 0.0.0.0 0 202.98.1.1",
        "ip route-static vpn-instance jinshui 0.0.0.0 0 10.50.1.1",
    ],
    "cisco_ios": [
        "no ip nat inside source list 1 interface GigabitEthernet0/0/1 overload",
        "no ip route 0.0.0.0 0.0.0.0 202.98.1.1",
        "ip route vrf jinshui 0.0.0.0 0.0.0.0 10.50.1.1",
    ],
}


@pytest.mark.parametrize("v", VENDORS, ids=IDS)
def test_leaving_the_internet_moves_the_default_route_into_the_vpn(v: Vendor) -> None:
    device = make_device(v)
    assert apply_lines(device, MIGRATION[v.platform]) == []
    assert apply_lines(device, EXIT_INTERNET[v.platform]) == []
    default = IPv4Network("0.0.0.0/0")
    assert device.nat_rules == []
    assert default not in {r.prefix for r in get_routing_table(device)}
    vpn_default = [r for r in get_routing_table(device, "jinshui") if r.prefix == default]
    assert [(r.next_hop, r.interface) for r in vpn_default] == [(IPv4Address("10.50.1.1"), v.sub)]


NAT_AND_ROUTES = {
    "huawei": [
        "interface GigabitEthernet0/0/2",
        "nat outbound 2000 address-group 1",
        "quit",
        "ip route-static 172.16.0.0 255.240.0.0 GigabitEthernet0/0/2 202.98.1.1 preference 70",
        "ip route-static 192.0.2.0 24 NULL0",
    ],
    "hp_comware": [
        "interface GigabitEthernet0/1",
        "nat outbound 2000 address-group 1",
        "quit",
        "ip route-static 172.16.0.0 12 GigabitEthernet0/1 202.98.1.1 preference 70",
        "ip route-static 192.0.2.0 24 NULL0",
    ],
    "cisco_ios": [
        "ip route 172.16.0.0 255.240.0.0 GigabitEthernet0/0/1 202.98.1.1 70",
        "ip route 192.0.2.0 255.255.255.0 Null0",
    ],
}


@pytest.mark.parametrize("v", VENDORS, ids=IDS)
def test_routes_via_an_interface_and_nat_with_a_pool(v: Vendor) -> None:
    device = make_device(v)
    assert apply_lines(device, NAT_AND_ROUTES[v.platform]) == []
    routes = {r.prefix: r for r in get_routing_table(device)}
    via = routes[IPv4Network("172.16.0.0/12")]
    assert (via.interface, via.next_hop, via.preference) == (v.wan, IPv4Address("202.98.1.1"), 70)
    assert routes[IPv4Network("192.0.2.0/24")].interface in ("NULL0", "Null0")
    if v.platform != "cisco_ios":
        assert NatRule(NatKind.OUTBOUND, v.wan, acl="2000", pool="1") in device.nat_rules


SHUTDOWN = {
    "huawei": ["interface GigabitEthernet0/0/2", "shutdown"],
    "hp_comware": ["interface GigabitEthernet0/1", "shutdown"],
    "cisco_ios": ["interface GigabitEthernet0/0/1", "shutdown"],
}
NO_SHUTDOWN = {
    "huawei": "undo shutdown",
    "hp_comware": "undo shutdown",
    "cisco_ios": "no shutdown",
}


@pytest.mark.parametrize("v", VENDORS, ids=IDS)
def test_shutdown_takes_the_interface_routes_away(v: Vendor) -> None:
    device = make_device(v)
    isp = {IPv4Network("202.98.1.0/30"), IPv4Network("0.0.0.0/0")}
    assert isp <= {r.prefix for r in get_routing_table(device)}
    assert apply_lines(device, SHUTDOWN[v.platform]) == []
    assert not isp & {r.prefix for r in get_routing_table(device)}
    assert apply_lines(device, [SHUTDOWN[v.platform][0], NO_SHUTDOWN[v.platform]]) == []
    assert isp <= {r.prefix for r in get_routing_table(device)}


# (setup lines, the bad line, the expected output); caret lines are checked separately.
HUAWEI_ERR = "Error: Unrecognized command found at '^' position."
HUAWEI_WRONG = "Error: Wrong parameter found at '^' position."
HUAWEI_INCOMPLETE = "Error: Incomplete command found at '^' position."
H3C_ERR = " % Unrecognized command found at '^' position."
H3C_WRONG = " % Wrong parameter found at '^' position."
H3C_INCOMPLETE = " % Incomplete command found at '^' position."
IOS_INVALID = "% Invalid input detected at '^' marker."
INVALID: dict[str, list[tuple[list[str], str, str]]] = {
    "huawei": [
        ([], "foo bar", HUAWEI_ERR),
        ([], "ip vpn-instanse x", HUAWEI_ERR),
        (["interface GigabitEthernet0/0/1"], "ip address 10.9.9.1", HUAWEI_INCOMPLETE),
        (["interface GigabitEthernet0/0/1"], "ip address 10.9.9.1 255.0.255.0", HUAWEI_WRONG),
        (["interface GigabitEthernet0/0/1"], "ip address 10.9.9.300 24", HUAWEI_WRONG),
        (["interface GigabitEthernet0/0/1"], "ip address 10.9.9.1 33", HUAWEI_WRONG),
        (
            ["interface GigabitEthernet0/0/1"],
            "ip address 10.9.9.0 24",
            "Error: The specified IP address is invalid.",
        ),
        (
            ["interface GigabitEthernet0/0/1"],
            "ip address 202.98.1.1 24",
            "Error: The specified address conflicts with another address.",
        ),
        (
            ["interface GigabitEthernet0/0/1"],
            "ip binding vpn-instance nope",
            "Error: The VPN instance does not exist.",
        ),
        (["interface GigabitEthernet0/0/1"], "dot1q termination vid 100", HUAWEI_ERR),
        (["interface GigabitEthernet0/0/1.5"], "dot1q termination vid 4095", HUAWEI_WRONG),
        (["interface GigabitEthernet0/0/1"], "description bad\x07bell", HUAWEI_WRONG),
        (
            ["interface GigabitEthernet0/0/1"],
            "undo nat outbound 2001",
            "Error: The NAT configuration does not exist.",
        ),
        ([], "interface GigabitEthernet9/9/9", HUAWEI_WRONG),
        ([], "interface GigabitEthernet9/9/9.100", HUAWEI_WRONG),
        ([], "undo interface GigabitEthernet0/0/1", HUAWEI_WRONG),
        ([], "bgp 0", HUAWEI_WRONG),
        ([], "bgp 4294967296", HUAWEI_WRONG),
        ([], "bgp", HUAWEI_INCOMPLETE),
        ([], "ip route-static 10.0.0.0 8", HUAWEI_INCOMPLETE),
        (
            [],
            "ip route-static 10.0.0.1 8 10.1.1.2",
            "Error: The destination address and mask do not match.",
        ),
        ([], "undo ip route-static 10.0.0.0 8 10.1.1.2", "Error: The static route does not exist."),
        (
            [],
            "ip route-static vpn-instance nope 10.0.0.0 8 10.1.1.2",
            "Error: The VPN instance does not exist.",
        ),
        (["ip vpn-instance v"], "vpn-target 1:1 both", "Error: Please configure the RD first."),
        (["ip vpn-instance v", "ipv4-family"], "route-distinguisher 1.2.3:4", HUAWEI_WRONG),
        (["bgp 65001"], "peer 10.1.1.2 as-number 0", HUAWEI_WRONG),
        (["bgp 65001"], "undo peer 10.1.1.2", "Error: The peer does not exist."),
        (["bgp 65001"], "ipv4-family vpn-instance nope", "Error: The VPN instance does not exist."),
        (
            ["bgp 65001", "quit"],
            "bgp 65002",
            "Error: The AS number is different from the existing BGP AS number 65001.",
        ),
        (["acl number 2000"], "rule 5 permit source 10.0.0.0 0.255.0.255", HUAWEI_WRONG),
    ],
    "hp_comware": [
        ([], "foo", H3C_ERR),
        (["interface GigabitEthernet0/0"], "ip address 10.9.9.1", H3C_INCOMPLETE),
        (["interface GigabitEthernet0/0"], "ip address 10.9.9.1 255.255.0.255", H3C_WRONG),
        (
            ["interface GigabitEthernet0/0"],
            "ip binding vpn-instance nope",
            "The VPN instance does not exist.",
        ),
        (["interface GigabitEthernet0/0"], "dot1q termination vid 100", H3C_ERR),
        (["interface GigabitEthernet0/0.7"], "vlan-type dot1q vid 0", H3C_WRONG),
        ([], "interface GigabitEthernet5/0", H3C_WRONG),
        ([], "bgp 99999999999", H3C_WRONG),
        ([], "undo ip route-static 10.0.0.0 8 10.1.1.2", "The static route does not exist."),
        (["bgp 65001"], "ip vpn-instance nope", "The VPN instance does not exist."),
        (["bgp 65001", "address-family ipv4"], "peer 10.1.1.9 enable", "The peer does not exist."),
    ],
    "cisco_ios": [
        ([], "foo", IOS_INVALID),
        (["interface GigabitEthernet0/0/0"], "ip address 10.9.9.1", "% Incomplete command."),
        (["interface GigabitEthernet0/0/0"], "ip address 10.9.9.1 24", IOS_INVALID),
        (["interface GigabitEthernet0/0/0"], "ip address 10.9.9.1 255.0.255.0", IOS_INVALID),
        (
            ["interface GigabitEthernet0/0/0"],
            "ip address 10.9.9.0 255.255.255.0",
            "Bad mask /24 for address 10.9.9.0",
        ),
        (
            ["interface GigabitEthernet0/0/0"],
            "ip address 202.98.1.1 255.255.255.0",
            "% 202.98.1.0 overlaps with GigabitEthernet0/0/1",
        ),
        (["interface GigabitEthernet0/0/0"], "vrf forwarding nope", "% VRF nope not configured."),
        (["interface GigabitEthernet0/0/0"], "encapsulation dot1Q 100", IOS_INVALID),
        (["interface GigabitEthernet0/0/0.9"], "encapsulation dot1Q 5000", IOS_INVALID),
        ([], "interface GigabitEthernet7/7/7", IOS_INVALID),
        ([], "no interface GigabitEthernet0/0/0", IOS_INVALID),
        ([], "ip route 10.0.0.1 255.0.0.0 10.1.1.2", "%Inconsistent address and mask"),
        ([], "no ip route 10.0.0.0 255.0.0.0 10.1.1.2", "%No matching route to delete"),
        ([], "router bgp 0", IOS_INVALID),
        (
            ["router bgp 65001"],
            "no neighbor 10.1.1.2",
            "% Specify remote-as or peer-group commands first",
        ),
        (["router bgp 65001", "exit"], "router bgp 65002", "% BGP is already running; AS is 65001"),
        (["vrf definition v"], "exit", ""),  # placeholder replaced below
        (
            [],
            "no ip nat inside source list 9 interface GigabitEthernet0/0/1 overload",
            "%Dynamic mapping not found",
        ),
        ([], "access-list 1 permit 10.0.0.0 0.255.0.255", IOS_INVALID),
    ],
}
INVALID["cisco_ios"][-3] = (
    ["vrf definition v", "exit", "router bgp 65001"],
    "address-family ipv4 vrf v",
    "% VRF v does not have an RD configured.",
)
INVALID_CASES = [
    pytest.param(v, setup, bad, expected, id=f"{name}:{bad}")
    for v, name in zip(VENDORS, IDS, strict=True)
    for setup, bad, expected in INVALID[v.platform]
]


@pytest.mark.parametrize(("v", "setup", "bad", "expected"), INVALID_CASES)
def test_rejected_lines_leave_the_model_unchanged(
    v: Vendor, setup: list[str], bad: str, expected: str
) -> None:
    device = make_device(v)
    session = ConfigSession(device)
    for line in setup:
        assert session.feed(line) == ""
    before = copy.deepcopy(device)
    prompt = session.prompt
    output = session.feed(bad)
    assert session.last_failed
    assert output.splitlines()[-1] == expected
    assert device == before
    assert session.prompt == prompt  # still in the same view
    if "^" in expected:  # the caret sits under the offending token of the echoed line
        caret = output.splitlines()[0]
        assert caret.strip() == "^"
        column = len(caret) - 1 - len(prompt)
        assert 0 <= column <= len(bad) + 1
        assert column == len(bad) + 1 or bad[column] != " "


@pytest.mark.parametrize(
    ("v", "bad", "column"),
    [
        (HUAWEI, "ip vpn-instanse x", 3),
        (HUAWEI, "ip route-static 10.0.0.0 8 10.1.1.300", 27),
        (IOS, "ip route 10.0.0.0 255.0.0.0 bogus", 28),
        (COMWARE, "sysname", 8),
    ],
    ids=["keyword", "parameter", "ios", "incomplete"],
)
def test_the_caret_points_at_the_offending_token(v: Vendor, bad: str, column: int) -> None:
    session = ConfigSession(make_device(v))
    caret = session.feed(bad).splitlines()[0]
    assert caret == " " * (len(session.prompt) + column) + "^"


PROMPTS = {
    "huawei": [
        ("ip vpn-instance jinshui", "[R1-vpn-instance-jinshui]"),
        ("ipv4-family", "[R1-vpn-instance-jinshui-af-ipv4]"),
        ("quit", "[R1-vpn-instance-jinshui]"),
        ("quit", "[R1]"),
        ("interface GigabitEthernet0/0/1.100", "[R1-GigabitEthernet0/0/1.100]"),
        ("interface Vlanif10", "[R1-Vlanif10]"),
        ("interface LoopBack0", "[R1-LoopBack0]"),
        ("bgp 65001", "[R1-bgp]"),
        ("ipv4-family vpn-instance jinshui", "[R1-bgp-jinshui]"),
        ("quit", "[R1-bgp]"),
        ("ipv4-family unicast", "[R1-bgp-af-ipv4]"),
        ("quit", "[R1-bgp]"),
        ("quit", "[R1]"),
        ("acl number 2001", "[R1-acl-basic-2001]"),
        ("rule 5 permit source 10.2.0.0 0.0.255.255", "[R1-acl-basic-2001]"),
        ("sysname R9", "[R9]"),
    ],
    "hp_comware": [
        ("ip vpn-instance jinshui", "[R1-vpn-instance-jinshui]"),
        ("route-distinguisher 1:1", "[R1-vpn-instance-jinshui]"),
        ("address-family ipv4", "[R1-vpn-ipv4-jinshui]"),
        ("quit", "[R1-vpn-instance-jinshui]"),
        ("quit", "[R1]"),
        ("interface GigabitEthernet0/0.100", "[R1-GigabitEthernet0/0.100]"),
        ("interface Vlan-interface10", "[R1-Vlan-interface10]"),
        ("bgp 65001", "[R1-bgp-default]"),
        ("address-family ipv4 unicast", "[R1-bgp-default-ipv4]"),
        ("quit", "[R1-bgp-default]"),
        ("ip vpn-instance jinshui", "[R1-bgp-default-jinshui]"),
        ("address-family ipv4 unicast", "[R1-bgp-default-ipv4-jinshui]"),
        ("quit", "[R1-bgp-default-jinshui]"),
        ("quit", "[R1-bgp-default]"),
        ("quit", "[R1]"),
        ("acl basic 2001", "[R1-acl-ipv4-basic-2001]"),
    ],
    "cisco_ios": [
        ("interface GigabitEthernet0/0/0", "R1(config-if)#"),
        ("interface GigabitEthernet0/0/0.100", "R1(config-subif)#"),
        ("exit", "R1(config)#"),
        ("vrf definition jinshui", "R1(config-vrf)#"),
        ("rd 1:1", "R1(config-vrf)#"),
        ("address-family ipv4", "R1(config-vrf-af)#"),
        ("exit-address-family", "R1(config-vrf)#"),
        ("router bgp 65001", "R1(config-router)#"),  # a global command leaves the vrf mode
        ("address-family ipv4 vrf jinshui", "R1(config-router-af)#"),
        ("exit-address-family", "R1(config-router)#"),
        ("ip access-list standard 10", "R1(config-std-nacl)#"),
        ("permit 10.2.0.0 0.0.255.255", "R1(config-std-nacl)#"),
        ("ip access-list extended 110", "R1(config-ext-nacl)#"),
        ("exit", "R1(config)#"),
        ("hostname R9", "R9(config)#"),
    ],
}


@pytest.mark.parametrize("v", VENDORS, ids=IDS)
def test_prompts_follow_the_view(v: Vendor) -> None:
    session = ConfigSession(make_device(v))
    assert session.prompt == ("R1(config)#" if v.platform == "cisco_ios" else "[R1]")
    for line, prompt in PROMPTS[v.platform]:
        assert session.feed(line) == "", line
        assert session.prompt == prompt, line
    assert session.active


LEAVING = [
    (HUAWEI, ["interface GigabitEthernet0/0/1", "return"]),
    (HUAWEI, ["interface GigabitEthernet0/0/1", "quit", "quit"]),
    (HUAWEI, ["ip vpn-instance v", "ipv4-family", "return"]),
    (COMWARE, ["bgp 1", "ip vpn-instance v", "return"]),
    (COMWARE, ["quit"]),
    (IOS, ["interface GigabitEthernet0/0/0", "end"]),
    (IOS, ["router bgp 1", "exit", "exit"]),
    (IOS, ["exit"]),
]


@pytest.mark.parametrize(("v", "lines"), LEAVING)
def test_leaving_config_mode(v: Vendor, lines: list[str]) -> None:
    device = make_device(v)
    device.vpn_instances = []
    session = ConfigSession(device)
    if "v" in " ".join(lines):
        session.feed("ip vpn-instance v" if v.platform != "cisco_ios" else "vrf definition v")
        session.feed("quit" if v.platform != "cisco_ios" else "exit")
    for line in lines[:-1]:
        session.feed(line)
        assert session.active
    session.feed(lines[-1])
    assert not session.active


@pytest.mark.parametrize(
    ("v", "line", "command"),
    [
        (IOS, "do show ip route vrf jinshui", "show ip route vrf jinshui"),
        (HUAWEI, "display ip routing-table", "display ip routing-table"),
        (COMWARE, "dis cur", "dis cur"),
    ],
)
def test_exec_commands_are_handed_back_to_the_session(v: Vendor, line: str, command: str) -> None:
    device = make_device(v)
    before = copy.deepcopy(device)
    session = ConfigSession(device)
    with pytest.raises(ExecInConfig) as raised:
        session.feed(line)
    assert raised.value.command == command
    assert device == before


@pytest.mark.parametrize(
    ("v", "lines"),
    [
        (
            HUAWEI,
            [
                "interface GigabitEthernet0/0/1.100",
                "quit",
                "undo interface GigabitEthernet0/0/1.100",
            ],
        ),
        (
            IOS,
            ["interface GigabitEthernet0/0/0.100", "exit", "no interface GigabitEthernet0/0/0.100"],
        ),
    ],
)
def test_a_sub_interface_can_be_removed_again(v: Vendor, lines: list[str]) -> None:
    device = make_device(v)
    assert apply_lines(device, lines) == []
    assert device.get_interface(v.sub) is None
    assert len(device.interfaces) == 2


@pytest.mark.parametrize("v", VENDORS, ids=IDS)
def test_deleting_the_vpn_unbinds_and_clears_its_interfaces(v: Vendor) -> None:
    device = make_device(v)
    apply_lines(device, MIGRATION[v.platform])
    undo = (
        "no vrf definition jinshui" if v.platform == "cisco_ios" else "undo ip vpn-instance jinshui"
    )
    assert apply_lines(device, [undo]) == []
    sub = device.get_interface(v.sub)
    assert sub is not None and (sub.vpn_instance, sub.address) == (None, None)
    assert device.vpn_instances == []
    assert all(r.vpn_instance is None for r in device.static_routes)
    assert device.bgp_peers == []


def test_same_vlan_on_two_sub_interfaces_is_refused() -> None:
    device = make_device(IOS)
    lines = [
        "interface Gi0/0/0.100",
        "encapsulation dot1Q 100",
        "interface Gi0/0/0.200",
        "encapsulation dot1Q 100",
    ]
    errors = apply_lines(device, lines)
    assert errors == [
        "% Configuration of multiple subinterfaces of the same main interface with the same VID"
        " (100) is not permitted.\nThis VID is already configured on GigabitEthernet0/0/0.100."
    ]
    assert [i.dot1q for i in device.interfaces if i.parent] == [100, None]


def test_apply_lines_returns_only_the_errors_and_keeps_going() -> None:
    device = make_device(HUAWEI)
    errors = apply_lines(
        device,
        [
            "system-view",
            "interface GigabitEthernet0/0/1",
            "bogus",
            "description 办公网 (一楼)",
            "return",
        ],
    )
    assert errors == [" " * len("[R1-GigabitEthernet0/0/1]") + "^\n" + HUAWEI_ERR]
    lan = device.get_interface("GigabitEthernet0/0/1")
    assert lan is not None and lan.description == "办公网 (一楼)"


def test_the_config_command_per_platform() -> None:
    assert get_config_command("cisco_ios") == "configure terminal"
    assert get_config_command("huawei") == get_config_command("hp_comware") == "system-view"


ABBREVIATED = {
    "huawei": [
        "int g0/0/1.7",
        "dot1q ter vid 7",
        "ip add 10.7.7.1 24",
        "undo shut",
        "q",
        "ip vpn-instance old",
        "route-d 7:7",  # older VRP: RD and RT straight in the instance view
        "vpn-t 7:7 export",
        "qu",
        "ip route-s 10.70.0.0 16 10.7.7.9",
    ],
    "hp_comware": [
        "interface GigabitEthernet 0/0.7",
        "vlan-type dot1q vid 7",
        "ip ad 10.7.7.1 24",
        "qu",
        "ip vpn-instance old",
        "route-dis 7:7",
        "vpn-target 7:7 export",
        "quit",
        "ip route-static 10.70.0.0 16 10.7.7.9",
    ],
    "cisco_ios": [
        "int gi0/0/0.7",
        "enc dot1q 7",
        "ip add 10.7.7.1 255.255.255.0",
        "ex",
        "ip vrf old",
        "rd 7:7",
        "route-t exp 7:7",
        "ex",
        "ip ro 10.70.0.0 255.255.0.0 10.7.7.9",
    ],
}


@pytest.mark.parametrize("v", VENDORS, ids=IDS)
def test_abbreviated_keywords_and_spaced_interface_names_are_accepted(v: Vendor) -> None:
    device = make_device(v)
    assert apply_lines(device, ABBREVIATED[v.platform]) == []
    sub = device.get_interface(v.sub.replace(".100", ".7"))
    assert sub is not None and (sub.dot1q, sub.address) == (7, IPv4Interface("10.7.7.1/24"))
    vpn = device.get_vpn_instance("old")
    assert vpn is not None and (vpn.route_distinguisher, vpn.export_targets) == ("7:7", ["7:7"])
    assert vpn.import_targets == []
    assert IPv4Network("10.70.0.0/16") in {r.prefix for r in get_routing_table(device)}


@pytest.mark.parametrize(
    ("v", "line", "expected"),
    [
        (IOS, "e", '% Ambiguous command:  "e"'),
        (HUAWEI, "undo ip route-static 1.0.0.0 8", "Error: The static route does not exist."),
    ],
)
def test_ambiguous_and_missing(v: Vendor, line: str, expected: str) -> None:
    session = ConfigSession(make_device(v))
    assert session.feed(line) == expected
    assert session.active


def test_the_caret_counts_chinese_characters_as_two_columns() -> None:
    device = make_device(HUAWEI)
    device.prompt_name = "财政局"
    session = ConfigSession(device)
    assert session.prompt == "[财政局]"
    caret = session.feed("foo").splitlines()[0]
    assert caret == " " * 8 + "^"


def test_lines_after_leaving_are_rejected_until_config_mode_is_entered_again() -> None:
    device = make_device(IOS)
    errors = apply_lines(device, ["end", "hostname A", "configure terminal", "hostname B"])
    assert errors == [" " * len("R1#") + "^\n" + IOS_INVALID]
    assert device.sysname == "B"


def test_a_sub_interface_only_command_on_a_main_interface_points_at_the_command() -> None:
    session = ConfigSession(make_device(HUAWEI))
    session.feed("interface GigabitEthernet0/0/1")
    assert session.feed("  dot1q termination vid 5").splitlines()[0] == " " * (25 + 2) + "^"


ACL_AND_PEERS = {
    "huawei": [
        "acl number 2001",
        "rule 5 permit source 10.2.0.0 0.0.255.255",
        "rule 10 permit source 10.3.3.3 0",
        "rule 15 deny",
        "quit",
        "bgp 65001",
        "peer 202.98.1.1 as-number 4134",
        "peer 202.98.1.1 description 电信",
        "undo peer 202.98.1.1",
        "peer 202.98.1.5 as-number 4837",
    ],
    "hp_comware": [
        "acl basic 2001",
        "rule 5 permit source 10.2.0.0 0.0.255.255",
        "rule 10 permit source 10.3.3.3 0",
        "rule 15 deny",
        "quit",
        "bgp 65001",
        "peer 202.98.1.1 as-number 4134",
        "peer 202.98.1.1 description 电信",
        "undo peer 202.98.1.1",
        "peer 202.98.1.5 as-number 4837",
    ],
    "cisco_ios": [
        "access-list 2001 permit 10.2.0.0 0.0.255.255",  # not a standard number: refused
        "ip access-list standard 2001",
        "permit 10.2.0.0 0.0.255.255",
        "10 permit 10.3.3.3",
        "deny any",
        "exit",
        "router bgp 65001",
        "neighbor 202.98.1.1 remote-as 4134",
        "neighbor 202.98.1.1 description 电信",
        "no neighbor 202.98.1.1",
        "neighbor 202.98.1.5 remote-as 4837",
    ],
}


@pytest.mark.parametrize("v", VENDORS, ids=IDS)
def test_acl_rules_and_global_bgp_peers(v: Vendor) -> None:
    device = make_device(v)
    errors = apply_lines(device, ACL_AND_PEERS[v.platform])
    assert len(errors) == (1 if v.platform == "cisco_ios" else 0)
    acl = next(a for a in device.acls if a.number == "2001")
    assert acl.permit == [IPv4Network("10.2.0.0/16"), IPv4Network("10.3.3.3/32")]
    assert [(p.address, p.remote_as, p.vpn_instance) for p in device.bgp_peers] == [
        (IPv4Address("202.98.1.5"), 4837, None)
    ]


# What a router advertises over BGP, typed in each vendor's words: a network with a mask, one
# with its classful mask left out, a protocol imported into a VPN's family, and one undone.
ORIGINS = {
    "huawei": [
        "bgp 65001",
        " ipv4-family unicast",
        "  network 10.1.1.0 255.255.255.0",
        "  network 203.0.113.0",
        "  network 172.16.0.0 16",
        "  undo network 172.16.0.0 16",
        "  quit",
        " ipv4-family vpn-instance jinshui",
        "  import-route direct",
        "  import-route static",
        "  undo import-route static",
    ],
    "hp_comware": [
        "bgp 65001",
        " address-family ipv4 unicast",
        "  network 10.1.1.0 255.255.255.0",
        "  network 203.0.113.0 24",
        "  network 172.16.0.0 16",
        "  undo network 172.16.0.0 16",
        "  quit",
        " ip vpn-instance jinshui",
        "  address-family ipv4 unicast",
        "   import-route direct",
        "   import-route static",
        "   undo import-route static",
    ],
    "cisco_ios": [
        "router bgp 65001",
        " network 10.1.1.0 mask 255.255.255.0",
        " network 203.0.113.0",
        " network 172.16.0.0 mask 255.255.0.0",
        " no network 172.16.0.0 mask 255.255.0.0",
        " address-family ipv4 vrf jinshui",
        "  redistribute connected",
        "  redistribute static",
        "  no redistribute static",
        " exit-address-family",
    ],
}


@pytest.mark.parametrize("v", VENDORS, ids=IDS)
def test_what_bgp_advertises_is_typed_and_shown_back(v: Vendor) -> None:
    device = make_device(v)
    assert apply_lines(device, MIGRATION[v.platform][:-1]) == []  # the VPN exists first
    assert apply_lines(device, ORIGINS[v.platform]) == []
    assert device.bgp_origins == [
        BgpOrigin(None, IPv4Network("10.1.1.0/24")),
        BgpOrigin(None, IPv4Network("203.0.113.0/24")),
        BgpOrigin("jinshui", protocol="direct"),
    ]
    # The configuration shows them, and typing its BGP lines into a blank router gives them.
    shown = render(device, get_vendor(v.platform).running_config)
    section = shown[shown.index("bgp 65001") :].splitlines()
    again = make_device(v)
    assert apply_lines(again, MIGRATION[v.platform][:-1]) == []
    again.bgp_origins = []
    words = ("network ", "import-route ", "redistribute ")
    typed = [line for line in section if line.strip().startswith(words)]
    assert len(typed) == 3
    assert apply_lines(again, [*ORIGINS[v.platform][:1], *_family_path(v, typed)]) == []
    assert sorted(map(repr, again.bgp_origins)) == sorted(map(repr, device.bgp_origins))


def _family_path(v: Vendor, typed: list[str]) -> list[str]:
    """The shown lines, each typed in its family's view."""
    public = [t.strip() for t in typed if t.strip().startswith("network ")]
    private = [t.strip() for t in typed if t.strip() not in public]
    if v.platform == "huawei":
        return [
            " ipv4-family unicast",
            *public,
            " quit",
            " ipv4-family vpn-instance jinshui",
            *private,
        ]
    if v.platform == "hp_comware":
        return [
            " address-family ipv4 unicast",
            *public,
            " quit",
            " ip vpn-instance jinshui",
            "  address-family ipv4 unicast",
            *private,
        ]
    return [*public, " address-family ipv4 vrf jinshui", *private, " exit-address-family"]
