"""The lab's vendor output is real enough that ntc-templates read the model back out of it."""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any

import pytest

from govnet_lab.model import (
    Acl,
    ArpEntry,
    BgpOrigin,
    BgpPeer,
    Device,
    Fault,
    Interface,
    InterfaceKind,
    LearnedRoute,
    LldpNeighbour,
    NatKind,
    NatRule,
    OspfNeighbour,
    StaticRoute,
    VpnInstance,
    get_routing_table,
)
from govnet_lab.render import UnknownCommand, commands_of, render
from govnet_lab.vendors import get_platforms
from ntc import parse, template_for

# Interface names as each vendor writes them in the model: (uplink prefix, loopback).
NAMES = {
    "huawei": ("GigabitEthernet0/0/", "LoopBack0"),
    "hp_comware": ("GigabitEthernet0/", "LoopBack0"),
    "cisco_ios": ("GigabitEthernet0/0/", "Loopback0"),
}
# How each vendor shortens GigabitEthernet in brief tables.
SHORT = {"huawei": "GE", "hp_comware": "GE", "cisco_ios": "Gi"}

ZOMBIE_ROUTE = IPv4Network("172.16.100.0/24")


def make_device(platform: str) -> Device:
    """A department router with every feature the survey meets, as one vendor writes it."""
    ge, loopback = NAMES[platform]
    ios = platform == "cisco_ios"
    acl_lan, acl_pool = ("1", "2") if ios else ("2000", "2001")
    return Device(
        hostname="JLP-CZJ-R1",
        platform=platform,
        port=20001,
        model={"huawei": "AR2240", "hp_comware": "MSR3620", "cisco_ios": "ISR4331"}[platform],
        serial={"huawei": "2102351931P0J3000123", "hp_comware": "219801A1NM8181Q0012"}.get(
            platform, "FDO21520A1B"
        ),
        os_version={
            "huawei": "V200R010C10SPC700",
            "hp_comware": "7.1.064, Release 0821P16",
            "cisco_ios": "16.9.5",
        }[platform],
        uptime_s=40 * 86_400 + 3 * 3600 + 27 * 60,
        unit="九龙坡区财政局",
        division_code="500107",
        site="杨家坪",
        role="department",
        router_id=IPv4Address("1.1.1.1"),
        interfaces=[
            Interface(
                f"{ge}0",
                description="To-电信-ISP",
                address=IPv4Interface("202.100.1.2/30"),
                mac="00e0-fc12-0001",
            ),
            Interface(f"{ge}1", description="下联汇聚交换机", mac="00e0-fc12-0002"),
            Interface(
                f"{ge}1.100",
                kind=InterfaceKind.SUBINTERFACE,
                description="政务外网",
                address=IPv4Interface("10.50.1.1/30"),
                vpn_instance="ZW_WAI",
                dot1q=100,
                mac="00e0-fc12-0002",
            ),
            Interface(
                f"{ge}1.200",
                kind=InterfaceKind.SUBINTERFACE,
                address=IPv4Interface("10.60.1.1/30"),
                vpn_instance="ZW_NEI",
                dot1q=200,
                mac="00e0-fc12-0002",
            ),
            Interface(
                f"{ge}2",
                description="办公网",
                address=IPv4Interface("192.168.10.1/24"),
                mac="00e0-fc12-0003",
            ),
            Interface(
                f"{ge}3",
                description="社保专线(已停用)",
                address=IPv4Interface("172.16.9.1/30"),
                link_up=False,
                mac="00e0-fc12-0004",
            ),
            Interface(
                f"{ge}4",
                address=IPv4Interface("10.10.1.1/24"),
                admin_up=False,
                mac="00e0-fc12-0005",
            ),
            Interface(loopback, kind=InterfaceKind.LOOPBACK, address=IPv4Interface("1.1.1.1/32")),
        ],
        vpn_instances=[
            VpnInstance("ZW_WAI", "65000:100", ["65000:100"], ["65000:100"]),
            VpnInstance("ZW_NEI", "65000:200", ["65000:200"], ["65000:200"], "政务内网"),
        ],
        static_routes=[
            StaticRoute(IPv4Network("0.0.0.0/0"), IPv4Address("202.100.1.1")),
            StaticRoute(
                IPv4Network("10.60.0.0/16"), IPv4Address("10.60.1.2"), vpn_instance="ZW_NEI"
            ),
            StaticRoute(ZOMBIE_ROUTE, IPv4Address("172.16.9.2")),
        ],
        learned_routes=[
            LearnedRoute(
                IPv4Network("59.200.0.0/16"),
                "bgp",
                IPv4Address("10.50.1.2"),
                f"{ge}1.100",
                "ZW_WAI",
            ),
            LearnedRoute(
                IPv4Network("10.20.0.0/16"), "ospf", IPv4Address("192.168.10.2"), f"{ge}2"
            ),
        ],
        bgp_as=65000,
        bgp_peers=[
            BgpPeer(
                IPv4Address("10.50.1.2"),
                65100,
                vpn_instance="ZW_WAI",
                uptime_s=3 * 3600,
                export=[IPv4Network("10.20.0.0/16")],
            ),
            BgpPeer(IPv4Address("202.100.1.1"), 4134, established=False, uptime_s=600),
        ],
        bgp_origins=[
            BgpOrigin("ZW_WAI", protocol="direct"),
            BgpOrigin(None, IPv4Network("192.168.10.0/24")),
            BgpOrigin(None, IPv4Network("10.10.1.0/25")),
        ],
        ospf_neighbours=[
            OspfNeighbour(IPv4Address("2.2.2.2"), IPv4Address("192.168.10.2"), f"{ge}2")
        ],
        acls=[
            Acl(acl_lan, [IPv4Network("192.168.10.0/24")]),
            Acl(acl_pool, [IPv4Network("10.10.1.0/24")]),
        ],
        nat_rules=[
            NatRule(NatKind.EASY_IP, f"{ge}0", acl=acl_lan),
            NatRule(
                NatKind.OUTBOUND,
                f"{ge}0",
                acl=acl_pool,
                pool="1" if not ios else "POOL1",
                pool_start=IPv4Address("202.100.2.10"),
                pool_end=IPv4Address("202.100.2.20"),
            ),
            NatRule(
                NatKind.STATIC,
                f"{ge}0",
                global_address=IPv4Address("202.100.2.5"),
                inside_address=IPv4Address("192.168.10.5"),
            ),
        ],
        lldp_neighbours=[LldpNeighbour(f"{ge}2", "JLP-CZJ-SW01", "GigabitEthernet0/0/24")],
        arp=[
            ArpEntry(IPv4Address("202.100.1.1"), "5489-98aa-0001", f"{ge}0"),
            ArpEntry(IPv4Address("192.168.10.2"), "5489-98aa-0002", f"{ge}2"),
            ArpEntry(IPv4Address("10.50.1.2"), "5489-98aa-0003", f"{ge}1.100", "ZW_WAI"),
        ],
    )


def short(platform: str, name: str) -> str:
    return name.replace("GigabitEthernet", SHORT[platform])


def interface_states(device: Device) -> dict[str, tuple[bool, bool]]:
    """name -> (admin up, oper up), the model's truth."""
    return {i.name: (i.admin_up, i.oper_up) for i in device.interfaces}


def model_routes(device: Device, vpn: str | None) -> set[tuple[str, str, str]]:
    """(prefix, protocol, next hop) of every route the device should show; locals excluded."""
    return {
        (str(r.prefix), r.protocol, str(r.next_hop))
        for r in get_routing_table(device, vpn)
        if not r.local
    }


# --- Huawei ---------------------------------------------------------------------------------


def check_huawei_version(d: Device, rows: list[dict[str, Any]]) -> None:
    assert rows[0]["model"] == d.model
    assert rows[0]["product_version"] == f"AR2200 {d.os_version}"
    assert rows[0]["uptime"] == "40 days, 3 hours, 27 minutes"


def check_huawei_interface_brief(d: Device, rows: list[dict[str, Any]]) -> None:
    parsed = {r["interface"]: (r["phy"], r["protocol"]) for r in rows}
    assert parsed.pop("NULL0") == ("up", "up(s)")
    expected = {
        i.name: (
            "up" if i.oper_up else "down" if i.admin_up else "*down",
            "up(s)" if i.kind is InterfaceKind.LOOPBACK else "up" if i.oper_up else "down",
        )
        for i in d.interfaces
    }
    assert parsed == expected
    assert parsed["GigabitEthernet0/0/3"] == ("down", "down")
    assert parsed["GigabitEthernet0/0/4"] == ("*down", "down")


def check_vpn_instances(d: Device, rows: list[dict[str, Any]]) -> None:
    assert [(r["name"], r["rd"]) for r in rows] == [
        (v.name, v.route_distinguisher) for v in d.vpn_instances
    ]


def check_huawei_bgp(d: Device, rows: list[dict[str, Any]]) -> None:
    assert [(r["peer"], r["asn"], r["state"]) for r in rows] == [("202.100.1.1", "4134", "Idle")]


def check_huawei_lldp(d: Device, rows: list[dict[str, Any]]) -> None:
    assert [(r["local_interface"], r["neighbor_name"], r["neighbor_port_id"]) for r in rows] == [
        (n.local_interface, n.system_name, n.port) for n in d.lldp_neighbours
    ]


def check_huawei_arp(d: Device, rows: list[dict[str, Any]]) -> None:
    dynamic = {
        (r["ip_address"], r["mac_address"], r["interface"], r["vpn_instance"])
        for r in rows
        if r["type"].startswith("D")
    }
    assert dynamic == {
        (str(a.address), a.mac, short(d.platform, a.interface), a.vpn_instance or "") for a in d.arp
    }
    own = {r["ip_address"] for r in rows if r["type"].startswith("I")}
    assert own == {"202.100.1.2", "10.50.1.1", "10.60.1.1", "192.168.10.1"}


# --- Comware --------------------------------------------------------------------------------


def check_comware_interface_brief(d: Device, rows: list[dict[str, Any]]) -> None:
    parsed = {r["interface"]: r for r in rows}
    assert parsed.pop("NULL0")["link"] == "UP"
    assert set(parsed) == {
        short(d.platform, i.name).replace("LoopBack", "Loop") for i in d.interfaces
    }
    for iface in d.interfaces:
        row = parsed[short(d.platform, iface.name).replace("LoopBack", "Loop")]
        assert row["link"] == ("UP" if iface.oper_up else "DOWN" if iface.admin_up else "ADM")
        assert row["protocol"].startswith("UP" if iface.oper_up else "DOWN")
        assert row["main_ip"] == (str(iface.address.ip) if iface.address else "--")
        assert row["description"] == (iface.description or "")[:27]


def routes_parsed(rows: list[dict[str, Any]], proto_key: str) -> set[tuple[str, str, str]]:
    names = {"static": "static", "direct": "direct", "o_intra": "ospf", "bgp": "bgp", "s": "static"}
    names |= {"c": "direct", "o": "ospf", "b": "bgp", "l": "local"}
    return {
        (
            f"{r['network']}/{r['prefix_length']}",
            names.get(r[proto_key].lower(), r[proto_key]),
            r["nexthop_ip"] or "None",
        )
        for r in rows
    }


def check_comware_routes(vpn: str | None) -> Callable[[Device, list[dict[str, Any]]], None]:
    def check(d: Device, rows: list[dict[str, Any]]) -> None:
        parsed = routes_parsed(rows, "protocol")
        assert model_routes(d, vpn) <= parsed
        assert all(p[0] != str(ZOMBIE_ROUTE) for p in parsed)
        by_prefix = {f"{r['network']}/{r['prefix_length']}": r for r in rows}
        if vpn is None:
            assert by_prefix["0.0.0.0/0"]["nexthop_if"] == "GE0/0"
            assert by_prefix["10.20.0.0/16"]["nexthop_if"] == "GE0/2"
            assert "10.60.0.0/16" not in by_prefix
        else:
            assert by_prefix["59.200.0.0/16"]["nexthop_if"] == "GE0/1.100"
            assert by_prefix["59.200.0.0/16"]["protocol"] == "BGP"
            assert "0.0.0.0/0" not in by_prefix

    return check


def check_comware_bgp(vpn: str | None) -> Callable[[Device, list[dict[str, Any]]], None]:
    def check(d: Device, rows: list[dict[str, Any]]) -> None:
        assert {r["local_as_number"] for r in rows} == {"65000"}
        assert [(r["peer"], r["remote_asn"], r["state"]) for r in rows] == [
            (str(p.address), str(p.remote_as), "Established" if p.established else "Idle")
            for p in d.bgp_peers
            if p.vpn_instance == vpn
        ]

    return check


def check_comware_manuinfo(d: Device, rows: list[dict[str, Any]]) -> None:
    assert [(r["device_name"], r["device_serial_number"]) for r in rows] == [(d.model, d.serial)]


def check_comware_lldp(d: Device, rows: list[dict[str, Any]]) -> None:
    assert [(r["local_interface"], r["neighbor_name"], r["neighbor_interface"]) for r in rows] == [
        ("GE0/2", "JLP-CZJ-SW01", "GigabitEthernet0/0/24")
    ]


def check_comware_arp(d: Device, rows: list[dict[str, Any]]) -> None:
    assert {(r["ip_address"], r["mac_address"], r["interface"]) for r in rows} == {
        (str(a.address), a.mac, short(d.platform, a.interface)) for a in d.arp
    }


# --- IOS ------------------------------------------------------------------------------------


def check_ios_version(d: Device, rows: list[dict[str, Any]]) -> None:
    assert rows[0]["version"] == d.os_version
    assert rows[0]["hardware"] == [d.model]
    assert rows[0]["serial"] == [d.serial]
    assert rows[0]["hostname"] == d.sysname
    assert (rows[0]["uptime_weeks"], rows[0]["uptime_days"]) == ("5", "5")


def check_ios_interface_brief(d: Device, rows: list[dict[str, Any]]) -> None:
    parsed = {r["interface"]: (r["ip_address"], r["status"], r["proto"]) for r in rows}
    assert parsed == {
        i.name: (
            str(i.address.ip) if i.address else "unassigned",
            "up" if i.oper_up else "down" if i.admin_up else "administratively down",
            "up" if i.oper_up else "down",
        )
        for i in d.interfaces
    }


def check_ios_routes(vpn: str | None) -> Callable[[Device, list[dict[str, Any]]], None]:
    def check(d: Device, rows: list[dict[str, Any]]) -> None:
        parsed = routes_parsed(rows, "protocol")
        parsed_connected = {p for p in parsed if p[1] == "direct"}
        expected = model_routes(d, vpn)
        # IOS prints no next hop for connected routes; compare those by prefix only.
        assert {p[0] for p in parsed_connected} == {e[0] for e in expected if e[1] == "direct"}
        assert {e for e in expected if e[1] != "direct"} <= parsed
        assert all(p[0] != str(ZOMBIE_ROUTE) for p in parsed)
        assert {r["vrf"] for r in rows} == {vpn or ""}
        locals_ = {f"{r['network']}/{r['prefix_length']}" for r in rows if r["protocol"] == "L"}
        assert locals_ == {str(r.prefix) for r in get_routing_table(d, vpn) if r.local}

    return check


def check_ios_vrf(d: Device, rows: list[dict[str, Any]]) -> None:
    assert [(r["name"], r["default_rd"], r["interfaces"]) for r in rows] == [
        ("ZW_WAI", "65000:100", ["Gi0/0/1.100"]),
        ("ZW_NEI", "65000:200", ["Gi0/0/1.200"]),
    ]


def check_ios_bgp(d: Device, rows: list[dict[str, Any]]) -> None:
    assert {(r["router_id"], r["local_as"]) for r in rows} == {("1.1.1.1", "65000")}
    assert [
        (r["bgp_neighbor"], r["neighbor_as"], r["state_or_prefixes_received"]) for r in rows
    ] == [("202.100.1.1", "4134", "Idle")]


def check_ios_ospf(d: Device, rows: list[dict[str, Any]]) -> None:
    assert [(r["neighbor_id"], r["ip_address"], r["interface"], r["state"]) for r in rows] == [
        ("2.2.2.2", "192.168.10.2", "GigabitEthernet0/0/2", "FULL/DR")
    ]


def check_ios_nat(d: Device, rows: list[dict[str, Any]]) -> None:
    assert [(r["inside_global_ip"], r["inside_local_ip"]) for r in rows] == [
        ("202.100.2.5", "192.168.10.5")
    ]


def check_ios_cdp(d: Device, rows: list[dict[str, Any]]) -> None:
    assert [(r["neighbor_name"], r["local_interface"], r["neighbor_interface"]) for r in rows] == [
        ("JLP-CZJ-SW01", "Gig 0/0/2", "Gig 0/0/24")
    ]


def check_ios_arp(address: str, mac: str) -> Callable[[Device, list[dict[str, Any]]], None]:
    def check(d: Device, rows: list[dict[str, Any]]) -> None:
        parsed = {(r[address], r[mac], r["interface"]) for r in rows}
        learned = {
            (str(a.address), a.mac.replace("-", "."), a.interface)
            for a in d.arp
            if a.vpn_instance is None
        }
        assert learned <= parsed
        assert {p[0] for p in parsed - learned} == {"202.100.1.2", "192.168.10.1"}

    return check


def check_comware_ip_interface(d: Device, rows: list[dict[str, Any]]) -> None:
    """display ip interface (what NAPALM's h3c_comware get_interfaces_ip reads)."""
    assert {(r["interface"], tuple(r["ip_address"])) for r in rows} == {
        (i.name, (i.address.with_prefixlen,) if i.address else ()) for i in d.interfaces
    }


def check_comware_lldp_verbose(d: Device, rows: list[dict[str, Any]]) -> None:
    assert [(r["local_interface"], r["neighbor_name"], r["neighbor_interface"]) for r in rows] == [
        (n.local_interface, n.system_name, n.port) for n in d.lldp_neighbours
    ]


def check_ios_ip_interface(d: Device, rows: list[dict[str, Any]]) -> None:
    """show ip interface (what NAPALM's get_interfaces_ip reads): every address and VRF."""
    assert {
        (r["interface"], tuple(r["ip_address"]), tuple(r["prefix_length"]), r["vrf"]) for r in rows
    } == {
        (
            i.name,
            (str(i.address.ip),) if i.address else (),
            (str(i.address.network.prefixlen),) if i.address else (),
            i.vpn_instance or "",
        )
        for i in d.interfaces
    }


def check_ios_lldp_detail(d: Device, rows: list[dict[str, Any]]) -> None:
    assert [(r["local_interface"], r["neighbor_name"], r["neighbor_port_id"]) for r in rows] == [
        ("Gi0/0/2", "JLP-CZJ-SW01", "GigabitEthernet0/0/24")
    ]


def check_ios_vrf_detail(d: Device, rows: list[dict[str, Any]]) -> None:
    assert [(r["vrf"], r["rd"], r["rt_import"], r["interfaces"]) for r in rows] == [
        ("ZW_WAI", "65000:100", ["65000:100"], ["Gi0/0/1.100"]),
        ("ZW_NEI", "65000:200", ["65000:200"], ["Gi0/0/1.200"]),
    ]


def check_ios_vrf_arp(d: Device, rows: list[dict[str, Any]]) -> None:
    assert {(r["ip_address"], r["interface"]) for r in rows} == {
        ("10.50.1.2", "GigabitEthernet0/0/1.100"),
        ("10.50.1.1", "GigabitEthernet0/0/1.100"),
    }


Check = Callable[[Device, list[dict[str, Any]]], None]


# The fields of each vendor's detail template: name, state, protocol, description, address,
# MAC. Comware prints a default description (the name and " Interface"), VRP its own.
DETAIL_FIELDS = {
    "huawei": (
        "interface",
        "link_status",
        "protocol_status",
        "interface_description",
        "ip_address",
        "mac_address",
    ),
    "hp_comware": (
        "interface",
        "line_status",
        "protocol_status",
        "description",
        "ip_address",
        "hw_address",
    ),
    "cisco_ios": (
        "interface",
        "link_status",
        "protocol_status",
        "description",
        "ip_address",
        "mac_address",
    ),
}


def detail_expected(d: Device, i: Interface) -> tuple[str, str, str, str, str]:
    """What a detail block must say of an interface: state, protocol, description,
    address, MAC, each as the vendor writes it."""
    ios, vrp = d.platform == "cisco_ios", d.platform == "huawei"
    if ios:
        state = "up" if i.oper_up else "down" if i.admin_up else "administratively down"
    else:
        state = "UP" if i.oper_up else "DOWN" if i.admin_up else "Administratively DOWN"
    protocol = ("up" if i.oper_up else "down") if ios else ("UP" if i.oper_up else "DOWN")
    if i.kind is InterfaceKind.LOOPBACK and vrp:
        protocol = "UP (spoofing)"
    default = {
        "huawei": f"HUAWEI, AR Series, {i.name} Interface",
        "hp_comware": f"{i.name} Interface",
    }
    description = i.description or default.get(d.platform, "")
    address = "" if i.address is None else str(i.address.with_prefixlen)
    if ios and i.address is not None:
        address = str(i.address.ip)
    mac = "" if i.kind is InterfaceKind.LOOPBACK else i.mac
    return state, protocol, description, address, mac.replace("-", ".") if ios else mac


def check_interface_detail(only: str | None) -> Callable[[Device, list[dict[str, Any]]], None]:
    def check(d: Device, rows: list[dict[str, Any]]) -> None:
        name, *fields = DETAIL_FIELDS[d.platform]
        parsed = {}
        for r in rows:
            values = [r[f] for f in fields]
            for index in (3, 4):  # Comware's are lists (a secondary address, IPv6's MAC)
                if isinstance(values[index], list):
                    values[index] = values[index][0] if values[index] else ""
            parsed[r[name]] = tuple(values)
        parsed.pop("NULL0", None)  # VRP lists it last, as a real one does
        wanted = [i for i in d.interfaces if only in (None, i.name)]
        assert parsed == {i.name: detail_expected(d, i) for i in wanted}

    return check


CHECKS: dict[tuple[str, str], Check] = {
    ("huawei", "display version"): check_huawei_version,
    ("huawei", "display interface brief"): check_huawei_interface_brief,
    ("huawei", "display ip vpn-instance"): check_vpn_instances,
    ("huawei", "display bgp peer"): check_huawei_bgp,
    ("huawei", "display lldp neighbor"): check_huawei_lldp,
    ("huawei", "display arp all"): check_huawei_arp,
    ("hp_comware", "display device manuinfo"): check_comware_manuinfo,
    ("hp_comware", "display interface brief"): check_comware_interface_brief,
    ("hp_comware", "display ip routing-table"): check_comware_routes(None),
    ("hp_comware", "display ip routing-table vpn-instance ZW_WAI"): check_comware_routes("ZW_WAI"),
    ("hp_comware", "display ip vpn-instance"): check_vpn_instances,
    ("hp_comware", "display bgp peer ipv4"): check_comware_bgp(None),
    ("hp_comware", "display bgp peer ipv4 vpn-instance ZW_WAI"): check_comware_bgp("ZW_WAI"),
    ("hp_comware", "display lldp neighbor-information list"): check_comware_lldp,
    ("hp_comware", "display arp"): check_comware_arp,
    ("cisco_ios", "show version"): check_ios_version,
    ("cisco_ios", "show ip interface brief"): check_ios_interface_brief,
    ("cisco_ios", "show ip route"): check_ios_routes(None),
    ("cisco_ios", "show ip route vrf ZW_WAI"): check_ios_routes("ZW_WAI"),
    ("cisco_ios", "show vrf"): check_ios_vrf,
    ("cisco_ios", "show ip bgp summary"): check_ios_bgp,
    ("cisco_ios", "show ip ospf neighbor"): check_ios_ospf,
    ("cisco_ios", "show ip nat translations"): check_ios_nat,
    ("cisco_ios", "show cdp neighbors"): check_ios_cdp,
    ("cisco_ios", "show arp"): check_ios_arp("address", "hardware_address"),
    ("cisco_ios", "show ip arp"): check_ios_arp("ip_address", "mac_address"),
    ("cisco_ios", "show ip arp vrf ZW_WAI"): check_ios_vrf_arp,
    ("cisco_ios", "show ip interface"): check_ios_ip_interface,
    ("hp_comware", "display ip interface"): check_comware_ip_interface,
    ("hp_comware", "display lldp neighbor-information verbose"): check_comware_lldp_verbose,
    ("cisco_ios", "show lldp neighbors detail"): check_ios_lldp_detail,
    ("cisco_ios", "show vrf detail"): check_ios_vrf_detail,
}
# `display interface` / `show interfaces`: every interface, one by its name, one by its type
# and number typed apart.
for _platform, _show in (
    ("huawei", "display interface"),
    ("hp_comware", "display interface"),
    ("cisco_ios", "show interfaces"),
):
    _port = NAMES[_platform][0] + "0"
    CHECKS[(_platform, _show)] = check_interface_detail(None)
    CHECKS[(_platform, f"{_show} {_port}")] = check_interface_detail(_port)
    _spaced = _port.replace("Ethernet", "Ethernet ", 1)
    CHECKS[(_platform, f"{_show} {_spaced}")] = check_interface_detail(_port)


def concrete(platform: str, command: str) -> str:
    """A command's arguments filled in: an interface of ``make_device`` where the command
    names one, else a VPN instance and a number."""
    port = NAMES[platform][0] + "0" if platform else "ZW_WAI"
    command = command.replace("<type> <number>", port.replace("Ethernet", "Ethernet ", 1))
    if command.split()[1].startswith("int"):
        command = command.replace("<name>", port)
    return command.replace("<name>", "ZW_WAI").replace("<n>", "511")


@pytest.mark.parametrize("platform", list(get_platforms()))
def test_every_templated_command_is_parse_checked(platform: str) -> None:
    commands = [concrete(platform, c) for c in commands_of(platform)]
    templated = {c for c in commands if template_for(platform, c)}
    checked = {c for p, c in CHECKS if p is platform}
    assert templated == checked


@pytest.mark.parametrize(("platform", "command"), list(CHECKS), ids=lambda v: str(v))
def test_ntc_templates_read_the_model_back(platform: str, command: str) -> None:
    device = make_device(platform)
    rows = parse(platform, command, render(device, command))
    assert rows
    CHECKS[(platform, command)](device, rows)


@pytest.mark.parametrize(
    ("model", "version", "image"),
    [
        ("ISR4331/K9", "16.12.4", "isr4300-universalk9.16.12.04.SPA.bin"),
        ("CISCO2911/K9", "15.7(3)M5", "c2900-universalk9-mz.SPA.157-3.M5.bin"),
    ],
)
def test_ios_version_of_both_families(model: str, version: str, image: str) -> None:
    device = make_device("cisco_ios")
    device.model, device.os_version = model, version
    row = parse("cisco_ios", "show version", render(device, "show version"))[0]
    assert (row["version"], row["hardware"], row["running_image"]) == (version, [model], image)


def test_huawei_routing_tables_follow_the_model() -> None:
    device = make_device("huawei")
    public = render(device, "display ip routing-table")
    lines = {tuple(line.split()) for line in public.splitlines()}
    assert ("0.0.0.0/0", "Static", "60", "0", "RD", "202.100.1.1", "GigabitEthernet0/0/0") in lines
    assert (
        "10.20.0.0/16",
        "OSPF",
        "10",
        "1",
        "RD",
        "192.168.10.2",
        "GigabitEthernet0/0/2",
    ) in lines
    assert (
        "192.168.10.0/24",
        "Direct",
        "0",
        "0",
        "D",
        "192.168.10.1",
        "GigabitEthernet0/0/2",
    ) in lines
    assert ("1.1.1.1/32", "Direct", "0", "0", "D", "127.0.0.1", "LoopBack0") in lines
    assert str(ZOMBIE_ROUTE) not in public and "172.16.9.0/30" not in public
    assert "Routing Tables: Public" in public
    vpn = render(device, "display ip routing-table vpn-instance ZW_WAI")
    assert "Routing Tables: ZW_WAI" in vpn
    vpn_lines = {tuple(line.split()) for line in vpn.splitlines()}
    assert (
        "59.200.0.0/16",
        "EBGP",
        "255",
        "0",
        "RD",
        "10.50.1.2",
        "GigabitEthernet0/0/1.100",
    ) in vpn_lines
    assert "0.0.0.0/0" not in vpn


def test_huawei_tables_without_templates() -> None:
    device = make_device("huawei")
    brief = render(device, "display ip interface brief").splitlines()
    rows = {line.split()[0]: line.split()[1:] for line in brief[11:]}
    assert rows["GigabitEthernet0/0/1.100"] == ["10.50.1.1/30", "up", "up"]
    assert rows["GigabitEthernet0/0/3"] == ["172.16.9.1/30", "down", "down"]
    assert rows["GigabitEthernet0/0/4"] == ["10.10.1.1/24", "*down", "down"]
    assert rows["GigabitEthernet0/0/1"] == ["unassigned", "up", "up"]
    assert rows["LoopBack0"] == ["1.1.1.1/32", "up", "up(s)"]
    ospf = render(device, "display ospf peer brief")
    assert "0.0.0.0          GigabitEthernet0/0/2             2.2.2.2          Full" in ospf
    nat = [line.split() for line in render(device, "display nat outbound").splitlines()]
    assert ["GigabitEthernet0/0/0", "2000", "202.100.1.2", "easyip"] in nat
    assert ["GigabitEthernet0/0/0", "2001", "1", "pat"] in nat
    lldp = render(device, "display lldp neighbor brief").splitlines()
    assert lldp[1].split() == ["GE0/0/2", "JLP-CZJ-SW01", "GigabitEthernet0/0/24", "104"]
    vpnv4 = render(device, "display bgp vpnv4 all peer")
    assert " VPN-Instance ZW_WAI, Router ID 1.1.1.1:" in vpnv4
    assert "10.50.1.2" in vpnv4 and "Established" in vpnv4
    assert render(device, "display esn") == "ESN of slot mainboard: 2102351931P0J3000123"


def test_comware_tables_without_templates() -> None:
    device = make_device("hp_comware")
    version = render(device, "display version").splitlines()
    assert version[0] == "H3C Comware Software, Version 7.1.064, Release 0821P16"
    assert version[2] == "H3C MSR3620 uptime is 5 weeks, 5 days, 3 hours, 27 minutes"
    brief = {
        line.split()[0]: line.split()[1:]
        for line in render(device, "dis ip int brief").splitlines()[3:]
    }
    assert brief["GE0/3"][:3] == ["down", "down", "172.16.9.1"]
    assert brief["GE0/4"][:3] == ["*down", "down", "10.10.1.1"]
    assert brief["GE0/1"] == ["up", "up", "--", "下联汇聚交换机"]
    ospf = render(device, "display ospf peer")
    assert " 2.2.2.2         192.168.10.2    1   37         Full/DR           GE0/2" in ospf
    nat = render(device, "display nat outbound")
    assert "  Interface: GigabitEthernet0/0\n    ACL: 2000       Address group ID: ---" in nat
    assert "    ACL: 2001       Address group ID: 1 " in nat
    assert render(device, "screen-length disable") == ""


def test_ios_tables_without_templates() -> None:
    device = make_device("cisco_ios")
    stats = render(device, "show ip nat statistics").splitlines()
    assert stats[stats.index("Outside interfaces:") + 1] == "  GigabitEthernet0/0/0"
    assert (
        stats[stats.index("Inside interfaces: ") + 1]
        == "  GigabitEthernet0/0/2, GigabitEthernet0/0/4"
    )
    assert "[Id: 1] access-list 1 interface GigabitEthernet0/0/0 refcount 0" in stats
    assert "[Id: 2] access-list 2 pool POOL1 refcount 0" in stats
    ip_vrf = render(device, "show ip vrf").splitlines()
    assert ip_vrf[1].split() == ["ZW_WAI", "65000:100", "Gi0/0/1.100"]
    vpnv4 = render(device, "show ip bgp vpnv4 all summary")
    assert any(
        line.split()[:3] == ["10.50.1.2", "4", "65100"] and line.endswith(" 1")
        for line in vpnv4.splitlines()
    )
    assert render(device, "terminal length 0") == ""
    assert render(device, "terminal width 511") == ""


# --- configuration --------------------------------------------------------------------------


def test_huawei_configuration() -> None:
    config = render(make_device("huawei"), "display current-configuration")
    for block in [
        " sysname JLP-CZJ-R1",
        "ip vpn-instance ZW_NEI\n description 政务内网\n ipv4-family\n"
        "  route-distinguisher 65000:200\n"
        "  vpn-target 65000:200 export-extcommunity\n  vpn-target 65000:200 import-extcommunity",
        "acl number 2000\n rule 5 permit source 192.168.10.0 0.0.0.255",
        " nat address-group 1 202.100.2.10 202.100.2.20",
        "interface GigabitEthernet0/0/0\n description To-电信-ISP\n"
        " ip address 202.100.1.2 255.255.255.252\n"
        " nat outbound 2000\n nat outbound 2001 address-group 1\n"
        " nat static global 202.100.2.5 inside 192.168.10.5",
        "interface GigabitEthernet0/0/1.100\n description 政务外网\n dot1q termination vid 100\n"
        " ip binding vpn-instance ZW_WAI\n ip address 10.50.1.1 255.255.255.252",
        "interface GigabitEthernet0/0/4\n ip address 10.10.1.1 255.255.255.0\n shutdown",
        "bgp 65000\n router-id 1.1.1.1\n peer 202.100.1.1 as-number 4134",
        " ipv4-family vpn-instance ZW_WAI\n  import-route direct\n"
        "  peer 10.50.1.2 as-number 65100\n  peer 10.50.1.2 ip-prefix EXPORT-10.50.1.2 export",
        " ipv4-family unicast\n  undo synchronization\n  network 192.168.10.0\n"
        "  network 10.10.1.0 255.255.255.128\n  peer 202.100.1.1 enable",
        "ip ip-prefix EXPORT-10.50.1.2 index 10 permit 10.20.0.0 16",
        "ospf 1 router-id 1.1.1.1\n area 0.0.0.0\n  network 192.168.10.0 0.0.0.255",
        "ip route-static 0.0.0.0 0.0.0.0 202.100.1.1\n"
        "ip route-static vpn-instance ZW_NEI 10.60.0.0 255.255.0.0 10.60.1.2\n"
        "ip route-static 172.16.100.0 255.255.255.0 172.16.9.2",
        "user-interface vty 0 4",
    ]:
        assert block in config
    assert config.startswith("[V200R010C10SPC700]\n#")
    assert config.endswith("#\nreturn")


def test_comware_configuration() -> None:
    config = render(make_device("hp_comware"), "dis cur")
    for block in [
        " version 7.1.064, Release 0821P16",
        "ip vpn-instance ZW_WAI\n route-distinguisher 65000:100\n"
        " vpn-target 65000:100 import-extcommunity\n vpn-target 65000:100 export-extcommunity",
        "interface GigabitEthernet0/0\n port link-mode route\n description To-电信-ISP\n"
        " ip address 202.100.1.2 255.255.255.252\n nat outbound 2000\n"
        " nat outbound 2001 address-group 1\n nat static enable",
        "interface GigabitEthernet0/1.200\n ip binding vpn-instance ZW_NEI\n"
        " ip address 10.60.1.1 255.255.255.252\n vlan-type dot1q vid 200",
        " ip vpn-instance ZW_WAI\n  peer 10.50.1.2 as-number 65100\n  #\n"
        "  address-family ipv4 unicast\n   import-route direct\n   peer 10.50.1.2 enable\n"
        "   peer 10.50.1.2 prefix-list EXPORT-10.50.1.2 export",
        " address-family ipv4 unicast\n  network 192.168.10.0 255.255.255.0\n"
        "  network 10.10.1.0 255.255.255.128\n  peer 202.100.1.1 enable",
        "ip prefix-list EXPORT-10.50.1.2 index 10 permit 10.20.0.0 16",
        " ip route-static 0.0.0.0 0 202.100.1.1",
        " ip route-static vpn-instance ZW_NEI 10.60.0.0 16 10.60.1.2",
        "acl basic 2001\n rule 0 permit source 10.10.1.0 0.0.0.255",
        "nat address-group 1\n address 202.100.2.10 202.100.2.20",
        "nat static outbound 192.168.10.5 202.100.2.5",
    ]:
        assert block in config
    assert config.endswith("#\nreturn")


def test_ios_configuration() -> None:
    config = render(make_device("cisco_ios"), "sh run")
    body = config.split("\n", 3)[3]
    assert config.startswith("Building configuration...\n\nCurrent configuration : ")
    assert f"Current configuration : {len(body) + 1} bytes" in config
    for block in [
        "hostname JLP-CZJ-R1",
        "vrf definition ZW_NEI\n description 政务内网\n rd 65000:200\n !\n address-family ipv4\n"
        "  route-target export 65000:200\n  route-target import 65000:200\n exit-address-family",
        "interface GigabitEthernet0/0/0\n description To-电信-ISP\n"
        " ip address 202.100.1.2 255.255.255.252\n ip nat outside",
        "interface GigabitEthernet0/0/1.200\n encapsulation dot1Q 200\n vrf forwarding ZW_NEI\n"
        " ip address 10.60.1.1 255.255.255.252",
        "interface GigabitEthernet0/0/2\n description 办公网\n"
        " ip address 192.168.10.1 255.255.255.0\n"
        " ip nat inside",
        "interface GigabitEthernet0/0/4\n ip address 10.10.1.1 255.255.255.0\n"
        " ip nat inside\n shutdown",
        " address-family ipv4 vrf ZW_WAI\n  redistribute connected\n"
        "  neighbor 10.50.1.2 remote-as 65100\n  neighbor 10.50.1.2 activate\n"
        "  neighbor 10.50.1.2 prefix-list EXPORT-10.50.1.2 out\n exit-address-family",
        " network 192.168.10.0\n network 10.10.1.0 mask 255.255.255.128\n !",
        "ip prefix-list EXPORT-10.50.1.2 seq 5 permit 10.20.0.0/16",
        "ip nat pool POOL1 202.100.2.10 202.100.2.20 prefix-length 27",
        "ip nat inside source list 1 interface GigabitEthernet0/0/0 overload",
        "ip nat inside source list 2 pool POOL1 overload",
        "ip nat inside source static 192.168.10.5 202.100.2.5",
        "ip route 0.0.0.0 0.0.0.0 202.100.1.1",
        "ip route vrf ZW_NEI 10.60.0.0 255.255.0.0 10.60.1.2",
        "ip access-list standard 1\n permit 192.168.10.0 0.0.0.255",
        "router ospf 1\n router-id 1.1.1.1\n network 192.168.10.0 0.0.0.255 area 0",
    ]:
        assert block in config
    assert config.endswith("!\nend")


# --- the CLI itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "typed", "full"),
    [
        ("huawei", "dis cur", "display current-configuration"),
        ("huawei", "disp  ip   int br", "display ip interface brief"),
        (
            "huawei",
            "DIS IP ROUTING-TABLE vpn-instance ZW_NEI",
            "display ip routing-table vpn-instance ZW_NEI",
        ),
        ("huawei", "dis lldp nei br", "display lldp neighbor brief"),
        ("hp_comware", "dis bgp peer", "display bgp peer ipv4"),
        ("hp_comware", "di ll n l", "display lldp neighbor-information list"),
        ("hp_comware", "dis ip rou", "display ip routing-table"),
        ("cisco_ios", "sh ip int br", "show ip interface brief"),
        ("cisco_ios", "sh run", "show running-config"),
        ("cisco_ios", "sh ip ro vrf ZW_NEI", "show ip route vrf ZW_NEI"),
        ("cisco_ios", "sh cdp nei", "show cdp neighbors"),
    ],
)
def test_abbreviations(platform: str, typed: str, full: str) -> None:
    device = make_device(platform)
    assert render(device, typed) == render(device, full)


HUAWEI_PROMPT = "<JLP-CZJ-R1>"
IOS_PROMPT = "JLP-CZJ-R1#"


@pytest.mark.parametrize(
    ("platform", "command", "expected"),
    [
        (
            "huawei",
            "display foo",
            " " * len(f"{HUAWEI_PROMPT}display ")
            + "^\nError: Unrecognized command found at '^' position.",
        ),
        (
            "huawei",
            "display ip",
            " " * len(f"{HUAWEI_PROMPT}display ip")
            + "^\nError: Incomplete command found at '^' position.",
        ),
        (
            "hp_comware",
            "display bgp bogus",
            " " * len(f"{HUAWEI_PROMPT}display bgp ")
            + "^\n % Unrecognized command found at '^' position.",
        ),
        (
            "cisco_ios",
            "show ip rote",
            " " * len(f"{IOS_PROMPT}show ip ") + "^\n% Invalid input detected at '^' marker.",
        ),
        ("cisco_ios", "show ip", "% Incomplete command."),
        ("cisco_ios", "sh v", '% Ambiguous command:  "sh v"'),
    ],
)
def test_unknown_commands_fail_as_the_vendor_does(
    platform: str, command: str, expected: str
) -> None:
    with pytest.raises(UnknownCommand) as caught:
        render(make_device(platform), command)
    assert str(caught.value) == expected


@pytest.mark.parametrize(
    ("platform", "command", "caret"),
    [
        ("huawei", "display lldp neighbor brief", len("<JLP-CZJ-R1>display ")),
        ("huawei", "display nat outbound", len("<JLP-CZJ-R1>display ")),
        ("hp_comware", "display nat outbound", len("<JLP-CZJ-R1>display ")),
        ("hp_comware", "display lldp neighbor-information list", len("<JLP-CZJ-R1>display ")),
        ("cisco_ios", "show cdp neighbors", len("JLP-CZJ-R1#show ")),
        ("cisco_ios", "show ip nat statistics", len("JLP-CZJ-R1#show ip ")),
    ],
)
def test_unsupported_models_reject_optional_commands(
    platform: str, command: str, caret: int
) -> None:
    device = make_device(platform)
    assert render(device, command)
    device.faults.add(Fault.UNSUPPORTED)
    with pytest.raises(UnknownCommand) as caught:
        render(device, command)
    caret_line, message = str(caught.value).split("\n")
    assert caret_line == " " * caret + "^"
    assert "Unrecognized command" in message or "Invalid input" in message


def test_huawei_screen_length_answers() -> None:
    assert (
        render(make_device("huawei"), "screen-length 0 temporary")
        == "Info: The configuration takes effect on the current user terminal interface only."
    )


@pytest.mark.parametrize("platform", list(get_platforms()))
def test_every_command_renders_for_a_bare_device(platform: str) -> None:
    """A freshly generated router with nothing configured still answers every command."""
    bare = Device(
        "R", platform, 20001, "AR2240", "SN", "V200R010C10SPC700", 60, "u", "5001", "s", "r"
    )
    for full in (make_device(platform), bare):
        for command in commands_of(platform):
            typed = concrete(platform, command)
            if full is bare and typed != concrete("", command):  # names an interface it lacks
                with pytest.raises(UnknownCommand, match=r"(Wrong parameter|Invalid input)"):
                    render(full, typed)
                continue
            assert isinstance(render(full, typed), str)


@pytest.mark.parametrize(
    ("platform", "line", "text"),
    [
        ("huawei", "display interface Gi0/0/9", "Error: Wrong parameter found at '^' position."),
        ("hp_comware", "display interface ge 0/9", " % Wrong parameter found at '^' position."),
        ("cisco_ios", "show interfaces gi0/0/9", "% Invalid input detected at '^' marker."),
    ],
)
def test_an_interface_the_router_lacks_is_a_wrong_parameter(
    platform: str, line: str, text: str
) -> None:
    device = make_device(platform)
    prompt = len(f"<{device.sysname}>" if platform != "cisco_ios" else f"{device.sysname}#")
    with pytest.raises(UnknownCommand) as caught:
        render(device, line)
    caret = prompt + line.rindex(" ") + 1
    assert str(caught.value) == " " * caret + "^\n" + text
