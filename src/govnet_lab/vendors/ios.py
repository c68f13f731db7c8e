"""Cisco IOS (ISR routers) in the lab: all the lab knows of this vendor.

What a survey reads (``show`` output rendered from the model), configuration mode (the
command table, modes and prompts, error texts), the shell (user and privileged EXEC,
``enable``, ``terminal length``), the hardware the generator gives its routers, and what
the oracle's facts take from its output.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network
from typing import TYPE_CHECKING

from govnet_lab.configure import handlers as h
from govnet_lab.configure import vpnv4 as mpls
from govnet_lab.configure.operations import create_acl
from govnet_lab.configure.patterns import Captures, SyntaxKind, Token
from govnet_lab.configure.syntax import SYSTEM, ConfigSyntax, Handler, View, compile_table
from govnet_lab.model import (
    Device,
    InterfaceKind,
    NatKind,
    NatRule,
    RouteEntry,
    get_routing_table,
)
from govnet_lab.render.common import (
    Command,
    Syntax,
    bgp_tables,
    clock,
    command,
    counted_command,
    duration_words,
    export_lists,
    is_natural_mask,
    nat_inside_interfaces,
    peer_counters,
    pool_rules,
    prefixes_from,
    row,
    short_name,
    vpnv4_prefixes_from,
)
from govnet_lab.shell import Chunk, Mode, abbreviates
from govnet_lab.vendors import Vendor, _detail, _ios_detail, _saved
from govnet_lab.vendors._probe_ios import PROBES

if TYPE_CHECKING:
    from govnet_lab.configure.session import ConfigSession
    from govnet_lab.session import Session

SHORT = (
    ("TenGigabitEthernet", "Te"),
    ("GigabitEthernet", "Gi"),
    ("FastEthernet", "Fa"),
    ("Loopback", "Lo"),
    ("Tunnel", "Tu"),
    ("Dialer", "Di"),
    ("Cellular", "Ce"),
    ("Serial", "Se"),
    ("Vlan", "Vl"),
)
CDP_SHORT = (
    ("TenGigabitEthernet", "Ten"),
    ("GigabitEthernet", "Gig"),
    ("FastEthernet", "Fas"),
    ("Serial", "Ser"),
)

SYNTAX = Syntax(
    prompt=lambda d: f"{d.sysname}#",
    unrecognized="% Invalid input detected at '^' marker.",
    ambiguous='% Ambiguous command:  "{command}"',
    incomplete="% Incomplete command.",
    caret_for_ambiguous=False,
    caret_for_incomplete=False,
)


def _mac(mac: str) -> str:
    """``xxxx-xxxx-xxxx`` (Huawei/H3C) as Cisco writes it, ``xxxx.xxxx.xxxx``."""
    return mac.lower().replace("-", ".")


def _age(seconds: int) -> str:
    """A Cisco age: ``00:05:33``, ``1d02h`` or ``2w3d``."""
    if seconds < 86_400:
        return clock(seconds)
    days, rest = divmod(seconds, 86_400)
    if days < 7:
        return f"{days}d{rest // 3600:02d}h"
    return f"{days // 7}w{days % 7}d"


def _distance(route: RouteEntry, device: Device) -> int:
    """IOS administrative distance (the model's preferences are VRP's defaults)."""
    if route.protocol == "static":
        return 1 if route.preference == 60 else route.preference
    if route.protocol == "ospf":
        return 110
    peer = next((p for p in device.bgp_peers if p.address == route.next_hop), None)
    return 200 if peer is not None and peer.remote_as == device.bgp_as else 20


def _shown_distance(route: RouteEntry, device: Device) -> int | None:
    """The distance a table line shows (_route_line): none on a connected line, nor on a
    static route "directly connected" to its interface."""
    if route.next_hop is None or route.protocol == "direct":
        return None
    return _distance(route, device)


_XE_RELEASE_NAMES = {"16.9": "Fuji", "16.12": "Gibraltar", "17.3": "Amsterdam"}


def version_text(device: Device, _: list[str]) -> str:
    """Classic IOS 15.x (ISR G2, e.g. CISCO2911) or IOS XE 16/17 (ISR 4000) as each prints it."""
    train = device.os_version
    physical = sum(1 for i in device.interfaces if i.kind is InterfaceKind.PHYSICAL)
    uptime = f"{device.sysname} uptime is {duration_words(device.uptime_s)}"
    if "(" in train:  # classic IOS: 15.7(3)M5
        series = device.model.removeprefix("CISCO")[:2] + "00"
        release = train.replace(".", "").replace("(", "-").replace(")", ".")
        head = [
            f"Cisco IOS Software, C{series} Software (C{series}-UNIVERSALK9-M), "
            f"Version {train}, RELEASE SOFTWARE (fc1)",
            "Technical Support: http://www.cisco.com/techsupport",
            "Copyright (c) 1986-2019 by Cisco Systems, Inc.",
            "Compiled Thu 04-Apr-19 09:12 by prod_rel_team",
            "",
            "",
            "ROM: System Bootstrap, Version 15.0(1r)M16, RELEASE SOFTWARE (fc1)",
            "",
            uptime,
            "System returned to ROM by power-on",
            f'System image file is "flash0:c{series}-universalk9-mz.SPA.{release}.bin"',
            "Last reload type: Normal Reload",
            "",
            f"Cisco {device.model} (revision 1.0) with 483328K/40960K bytes of memory.",
        ]
    else:  # IOS XE: 16.9.5
        padded = ".".join(f"{int(n):02d}" if n.isdigit() else n for n in train.split("."))
        name = _XE_RELEASE_NAMES.get(".".join(train.split(".")[:2]), "Everest")
        head = [
            f"Cisco IOS XE Software, Version {padded}",
            f"Cisco IOS Software [{name}], ISR Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), "
            f"Version {train}, RELEASE SOFTWARE (fc1)",
            "Technical Support: http://www.cisco.com/techsupport",
            "Copyright (c) 1986-2020 by Cisco Systems, Inc.",
            "Compiled Thu 30-Jan-20 18:48 by mcpre",
            "",
            "",
            "ROM: IOS-XE ROMMON",
            "",
            uptime,
            f"Uptime for this control processor is {duration_words(device.uptime_s)}",
            "System returned to ROM by Reload Command",
            f'System image file is "bootflash:isr4300-universalk9.{padded}.SPA.bin"',
            "Last reload reason: Reload Command",
            "",
            f"cisco {device.model} (1RU) processor with 1795999K/6147K bytes of memory.",
        ]
    return "\n".join(
        [
            *head,
            f"Processor board ID {device.serial}",
            f"{physical} Gigabit Ethernet interfaces",
            "32768K bytes of non-volatile configuration memory.",
            "3223551K bytes of flash memory at bootflash:.",
            "",
            "Configuration register is 0x2102",
        ]
    )


def silent_text(_device: Device, _: list[str]) -> str:
    return ""


# --- configuration ------------------------------------------------------------------------


def config_text(device: Device, _: list[str]) -> str:
    body = _config_lines(device)
    text = "\n".join(body)
    return "\n".join(
        ["Building configuration...", "", f"Current configuration : {len(text) + 1} bytes", text]
    )


def _config_lines(device: Device) -> list[str]:
    major = device.os_version.split("(")[0]
    lines = [
        "!",
        f"version {major}",
        "service timestamps debug datetime msec",
        "service timestamps log datetime msec",
        "no service password-encryption",
        "!",
        f"hostname {device.sysname}",
        "!",
        "boot-start-marker",
        "boot-end-marker",
        "!",
    ]
    if device.mpls:  # per-interface "mpls ip" is not modelled (one switch per router)
        lines += ["mpls label protocol ldp", "!"]
    for vpn in device.vpn_instances:
        lines.append(f"vrf definition {vpn.name}")
        if vpn.description:
            lines.append(f" description {vpn.description}")
        if vpn.route_distinguisher:
            lines.append(f" rd {vpn.route_distinguisher}")
        lines += [" !", " address-family ipv4"]
        lines += [f"  route-target export {t}" for t in vpn.export_targets]
        lines += [f"  route-target import {t}" for t in vpn.import_targets]
        lines += [" exit-address-family", "!"]
    lines += ["no aaa new-model", "!", "ip cef", "no ipv6 cef", "!"]
    inside = set(nat_inside_interfaces(device))
    outside = {r.interface for r in device.nat_rules}
    for iface in device.interfaces:
        lines.append(f"interface {iface.name}")
        if iface.description:
            lines.append(f" description {iface.description}")
        if iface.dot1q is not None:
            lines.append(f" encapsulation dot1Q {iface.dot1q}")
        if iface.vpn_instance:
            lines.append(f" vrf forwarding {iface.vpn_instance}")
        if iface.address is not None:
            lines.append(f" ip address {iface.address.ip} {iface.address.netmask}")
        else:
            lines.append(" no ip address")
        if iface.name in inside:
            lines.append(" ip nat inside")
        if iface.name in outside:
            lines.append(" ip nat outside")
        if not iface.admin_up:
            lines.append(" shutdown")
        if iface.kind is InterfaceKind.PHYSICAL:
            lines.append(" negotiation auto")
        lines.append("!")
    lines += _ospf_config(device)
    lines += _bgp_config(device)
    lines += ["ip forward-protocol nd", "no ip http server", "no ip http secure-server", "!"]
    lines += _nat_config(device)
    for s in device.static_routes:
        scope = f"vrf {s.vpn_instance} " if s.vpn_instance else ""
        parts = [f"ip route {scope}{s.prefix.network_address} {s.prefix.netmask}"]
        if s.interface:
            parts.append(s.interface)
        if s.next_hop:
            parts.append(str(s.next_hop))
        if s.preference != 60:
            parts.append(str(s.preference))
        lines.append(" ".join(parts))
    lines.append("!")
    for acl in device.acls:
        lines.append(f"ip access-list standard {acl.number}")
        lines += [f" permit {n.network_address} {n.hostmask}" for n in acl.permit]
        lines.append("!")
    lines += [
        "control-plane",
        "!",
        "line con 0",
        " stopbits 1",
        "line vty 0 4",
        " login local",
        " transport input ssh",
        "!",
        "end",
    ]
    return lines


def _nat_config(device: Device) -> list[str]:
    lines: list[str] = []
    for rule in pool_rules(device):
        length = _pool_prefix(rule.pool_start, rule.pool_end)
        lines.append(
            f"ip nat pool {rule.pool} {rule.pool_start} {rule.pool_end} prefix-length {length}"
        )
    for rule in device.nat_rules:
        if rule.kind is NatKind.EASY_IP:
            lines.append(
                f"ip nat inside source list {rule.acl} interface {rule.interface} overload"
            )
        elif rule.kind is NatKind.OUTBOUND:
            lines.append(f"ip nat inside source list {rule.acl} pool {rule.pool} overload")
        elif rule.kind is NatKind.STATIC:
            lines.append(f"ip nat inside source static {rule.inside_address} {rule.global_address}")
        else:
            lines.append(
                f"ip nat inside source static tcp {rule.inside_address} 80 "
                f"{rule.global_address} 80 extendable"
            )
    return lines


def _pool_prefix(start: IPv4Address | None, end: IPv4Address | None) -> int:
    """The longest prefix holding the whole pool, as IOS requires of ``ip nat pool``."""
    if start is None or end is None:
        return 24
    return 32 - (int(start) ^ int(end)).bit_length()


def _ospf_config(device: Device) -> list[str]:
    lines: list[str] = []
    for process in sorted({n.process for n in device.ospf_neighbours}):
        lines.append(f"router ospf {process}")
        if device.router_id:
            lines.append(f" router-id {device.router_id}")
        for n in device.ospf_neighbours:
            iface = device.get_interface(n.interface)
            if n.process == process and iface is not None and iface.address is not None:
                net = iface.address.network
                area = "0" if n.area == "0.0.0.0" else n.area
                lines.append(f" network {net.network_address} {net.hostmask} area {area}")
        lines.append("!")
    return lines


def _bgp_config(device: Device) -> list[str]:
    """``router bgp`` as IOS shows it: global neighbors and ``network A mask M`` (no mask for a
    classful prefix) with ``neighbor X prefix-list N out``, each VRF's in ``address-family
    ipv4 vrf V``; then ``ip prefix-list N seq 5 permit A/L`` (saved IOS configurations in
    ntc-templates' tests; Cisco IP Routing: BGP Command Reference)."""
    if device.bgp_as is None:
        return []
    lines = [f"router bgp {device.bgp_as}"]
    if device.router_id:
        lines.append(f" bgp router-id {device.router_id}")
    lines.append(" bgp log-neighbor-changes")
    for p in device.bgp_peers:
        if p.vpn_instance is None:
            lines.append(f" neighbor {p.address} remote-as {p.remote_as}")
            if p.description:
                lines.append(f" neighbor {p.address} description {p.description}")
            if p.ebgp_max_hop is not None:
                lines.append(f" neighbor {p.address} ebgp-multihop {p.ebgp_max_hop}")
            if p.connect_interface is not None:
                lines.append(f" neighbor {p.address} update-source {p.connect_interface}")
    lines += _ios_family(device, None, " ")
    vpnv4 = [p for p in device.bgp_peers if p.vpnv4 and p.vpn_instance is None]
    if vpnv4:  # Cisco "Configuring MPLS Layer 3 VPNs": activate, send-community extended
        lines += [" !", " address-family vpnv4"]
        for p in vpnv4:
            lines.append(f"  neighbor {p.address} activate")
            lines.append(f"  neighbor {p.address} send-community extended")
        lines.append(" exit-address-family")
    for vpn in bgp_tables(device)[1:]:
        lines += [" !", f" address-family ipv4 vrf {vpn}"]
        lines += _ios_family(device, vpn, "  ")
        lines.append(" exit-address-family")
    lines.append("!")
    for name, prefixes in export_lists(device):
        for i, prefix in enumerate(prefixes):
            lines.append(f"ip prefix-list {name} seq {5 * (i + 1)} permit {prefix}")
        if not prefixes:  # sends nothing
            lines.append(f"ip prefix-list {name} seq 5 deny 0.0.0.0/0 le 32")
    if export_lists(device):
        lines.append("!")
    return lines


def _ios_family(device: Device, vpn: str | None, indent: str) -> list[str]:
    lines: list[str] = []
    for origin in (o for o in device.bgp_origins if o.vpn_instance == vpn):
        if origin.protocol is not None:
            word = "connected" if origin.protocol == "direct" else origin.protocol
            lines.append(f"{indent}redistribute {word}")
        elif origin.prefix is not None:
            mask = "" if is_natural_mask(origin.prefix) else f" mask {origin.prefix.netmask}"
            lines.append(f"{indent}network {origin.prefix.network_address}{mask}")
    for p in (p for p in device.bgp_peers if p.vpn_instance == vpn):
        if vpn is not None:
            lines += [
                f"{indent}neighbor {p.address} remote-as {p.remote_as}",
                f"{indent}neighbor {p.address} activate",
            ]
        if p.export is not None:
            lines.append(f"{indent}neighbor {p.address} prefix-list {p.export_list} out")
    return lines


# --- tables -------------------------------------------------------------------------------


def ip_interface_brief_text(device: Device, _: list[str]) -> str:
    widths = [23, 16, 4, 7, 22]
    lines = [row(["Interface", "IP-Address", "OK?", "Method", "Status", "Protocol"], widths)]
    for iface in device.interfaces:
        status = "up" if iface.oper_up else ("down" if iface.admin_up else "administratively down")
        address = iface.address.ip if iface.address else "unassigned"
        method = "NVRAM" if iface.address else "unset"
        proto = "up" if iface.oper_up else "down"
        lines.append(row([iface.name, address, "YES", method, status, proto], widths))
    return "\n".join(lines)


CODES = """\
Codes: L - local, C - connected, S - static, R - RIP, M - mobile, B - BGP
       D - EIGRP, EX - EIGRP external, O - OSPF, IA - OSPF inter area{space}
       N1 - OSPF NSSA external type 1, N2 - OSPF NSSA external type 2
       E1 - OSPF external type 1, E2 - OSPF external type 2
       i - IS-IS, su - IS-IS summary, L1 - IS-IS level-1, L2 - IS-IS level-2
       ia - IS-IS inter area, * - candidate default, U - per-user static route
       o - ODR, P - periodic downloaded static route, H - NHRP, l - LISP
       a - application route
       + - replicated route, % - next hop override, p - overrides from PfR""".format(space=" ")


def _classful(prefix: IPv4Network) -> IPv4Network:
    first = int(prefix.network_address) >> 24
    length = 8 if first < 128 else 16 if first < 192 else 24
    return IPv4Network(f"{prefix.network_address}/{length}", strict=False)


def _route_line(device: Device, r: RouteEntry, indent: int) -> str:
    default = r.prefix.prefixlen == 0
    if r.protocol == "direct":
        code = "L" if r.local else "C"
        return f"{code:<{indent}}{r.prefix} is directly connected, {r.interface}"
    code = {"static": "S", "ospf": "O", "bgp": "B"}[r.protocol] + ("*" if default else "")
    head = f"{code:<{indent}}{r.prefix}"
    if r.next_hop is None:
        return f"{head} is directly connected, {r.interface}"
    metric = r.cost if r.protocol == "ospf" else 0
    text = f"{head} [{_distance(r, device)}/{metric}] via {r.next_hop}"
    if r.protocol == "bgp":
        peer = next((p for p in device.bgp_peers if p.address == r.next_hop), None)
        text += f", {_age(peer.uptime_s if peer else device.uptime_s)}"
    elif r.protocol == "ospf":
        text += f", {_age(device.uptime_s)}, {r.interface}"
    return text


def _route_table(device: Device, vrf: str | None) -> str:
    routes = get_routing_table(device, vrf)
    lines = [f"\nRouting Table: {vrf}"] if vrf else []
    lines.append(CODES)
    lines.append("")
    default = next((r for r in routes if r.prefix.prefixlen == 0), None)
    if default is not None and default.next_hop is not None:
        lines.append(f"Gateway of last resort is {default.next_hop} to network 0.0.0.0")
    else:
        lines.append("Gateway of last resort is not set")
    lines.append("")
    groups: dict[IPv4Network, list[RouteEntry]] = {}
    for r in routes:
        major = _classful(r.prefix)
        key = major if r.prefix.prefixlen >= major.prefixlen else r.prefix
        groups.setdefault(key, []).append(r)
    for key, members in groups.items():
        subnets = [m for m in members if m.prefix != key]
        if not subnets:
            lines += [_route_line(device, m, 6) for m in members]
            continue
        masks = {m.prefix.prefixlen for m in members}
        if len(masks) == 1:
            mask = next(iter(masks))
            lines.append(f"      {key.network_address}/{mask} is subnetted, {len(members)} subnets")
        else:
            lines.append(
                f"      {key} is variably subnetted, {len(members)} subnets, {len(masks)} masks"
            )
        lines += [_route_line(device, m, 9) for m in members]
    return "\n".join(lines)


def route_text(device: Device, _: list[str]) -> str:
    return _route_table(device, None)


def vrf_route_text(device: Device, args: list[str]) -> str:
    if device.get_vpn_instance(args[0]) is None:
        return f"% IP routing table {args[0]} does not exist"
    return _route_table(device, args[0])


def vrf_text(device: Device, _: list[str]) -> str:
    lines = ["  Name                             Default RD            Protocols   Interfaces"]
    for vpn in device.vpn_instances:
        members = [
            short_name(i.name, SHORT) for i in device.interfaces if i.vpn_instance == vpn.name
        ]
        first = members[0] if members else ""
        rd = vpn.route_distinguisher or "<not set>"
        lines.append("  " + row([vpn.name, rd, "ipv4", first], [33, 22, 12]))
        lines += [" " * 69 + m for m in members[1:]]
    return "\n".join(lines)


def ip_vrf_text(device: Device, _: list[str]) -> str:
    lines = ["  Name                             Default RD          Interfaces"]
    for vpn in device.vpn_instances:
        members = [
            short_name(i.name, SHORT) for i in device.interfaces if i.vpn_instance == vpn.name
        ]
        rd = vpn.route_distinguisher or "<not set>"
        lines.append("  " + row([vpn.name, rd, members[0] if members else ""], [33, 20]))
        lines += [" " * 55 + m for m in members[1:]]
    return "\n".join(lines)


def _bgp_summary(device: Device, vpn: str | None, all_vrfs: bool) -> str:
    """``show ip bgp summary`` (the global neighbors: ``bgp default ipv4-unicast`` is on, so
    each is in IPv4 unicast), or with ``all_vrfs`` ``show ip bgp vpnv4 all summary``: the
    neighbors activated in ``address-family vpnv4`` and every VRF's, one table without a
    VRF column (Cisco "MPLS Layer 3 VPNs Configuration Guide", verifying the PE-to-PE and
    PE-to-CE sessions); a global neighbor only in IPv4 unicast is not listed there."""
    if device.bgp_as is None:
        return "% BGP not active"
    peers = [
        p
        for p in device.bgp_peers
        if (p.vpn_instance is not None or p.vpnv4 if all_vrfs else p.vpn_instance == vpn)
    ]
    entries = sum(1 for r in device.learned_routes if r.protocol == "bgp")
    lines = [
        f"BGP router identifier {device.router_id or '0.0.0.0'}, local AS number {device.bgp_as}",
        f"BGP table version is {entries + 1}, main routing table version {entries + 1}",
        f"{entries} network entries using {entries * 144} bytes of memory",
        f"{entries} path entries using {entries * 84} bytes of memory",
        "",
        "Neighbor        V           AS MsgRcvd MsgSent   TblVer  InQ OutQ Up/Down  State/PfxRcd",
    ]
    for p in peers:
        rcvd, sent = peer_counters(p.uptime_s, p.established)
        state = "Idle"
        if p.established:  # the VPNv4 table's count for a VPNv4 peer, else its family's
            vpnv4 = all_vrfs and p.vpn_instance is None
            count = (
                vpnv4_prefixes_from(device, p.address)
                if vpnv4
                else prefixes_from(device, p.address, p.vpn_instance)
            )
            state = str(count)
        age = _age(p.uptime_s) if p.established else "never"
        lines.append(
            f"{p.address!s:<15} 4 {p.remote_as:>10} {rcvd:>7} {sent:>7} {entries + 1:>8}"
            f" {0:>4} {0:>4} {age:<8} {state}"
        )
    return "\n".join(lines)


def bgp_summary_text(device: Device, _: list[str]) -> str:
    return _bgp_summary(device, None, False)


def bgp_vpnv4_summary_text(device: Device, _: list[str]) -> str:
    return _bgp_summary(device, None, True)


def ospf_neighbor_text(device: Device, _: list[str]) -> str:
    lines = ["", "Neighbor ID     Pri   State           Dead Time   Address         Interface"]
    for n in device.ospf_neighbours:
        state = "FULL/DR" if n.full else "INIT/DROTHER"
        lines.append(
            f"{n.router_id!s:<15} {1:>3}   {state:<15} {clock(33):<11} {n.address!s:<15} "
            f"{n.interface}"
        )
    return "\n".join(lines)


def nat_translations_text(device: Device, _: list[str]) -> str:
    lines = ["Pro Inside global      Inside local       Outside local      Outside global"]
    for rule in device.nat_rules:
        if rule.kind is NatKind.STATIC:
            lines.append(
                row(
                    ["---", rule.global_address, rule.inside_address, "---", "---"], [4, 19, 19, 19]
                )
            )
        elif rule.kind is NatKind.SERVER:
            lines.append(
                row(
                    ["tcp", f"{rule.global_address}:80", f"{rule.inside_address}:80", "---", "---"],
                    [4, 19, 19, 19],
                )
            )
    return "\n".join(lines)


def nat_statistics_text(device: Device, _: list[str]) -> str:
    statics = sum(1 for r in device.nat_rules if r.kind in (NatKind.STATIC, NatKind.SERVER))
    outside = sorted({r.interface for r in device.nat_rules})
    inside = nat_inside_interfaces(device)
    lines = [
        f"Total active translations: {statics} ({statics} static, 0 dynamic; 0 extended)",
        f"Peak translations: {statics}, occurred {_age(device.uptime_s)} ago",
        "Outside interfaces:",
        "  " + ", ".join(outside),
        "Inside interfaces: ",
        "  " + ", ".join(inside),
        "Hits: 0  Misses: 0",
        "CEF Translated packets: 0, CEF Punted packets: 0",
        "Expired translations: 0",
        "Dynamic mappings:",
        "-- Inside Source",
    ]
    index = 0
    for rule in device.nat_rules:
        if rule.kind is NatKind.EASY_IP:
            index += 1
            lines.append(
                f"[Id: {index}] access-list {rule.acl} interface {rule.interface} refcount 0"
            )
        elif rule.kind is NatKind.OUTBOUND:
            index += 1
            lines.append(f"[Id: {index}] access-list {rule.acl} pool {rule.pool} refcount 0")
            if rule.pool_start is not None and rule.pool_end is not None:
                total = int(rule.pool_end) - int(rule.pool_start) + 1
                length = _pool_prefix(rule.pool_start, rule.pool_end)
                mask = IPv4Network(f"0.0.0.0/{length}").netmask
                lines += [
                    f" pool {rule.pool}: netmask {mask}",
                    f"\tstart {rule.pool_start} end {rule.pool_end}",
                    f"\ttype generic, total addresses {total}, allocated 0 (0%), misses 0",
                ]
    lines += [
        "nat-limit statistics:",
        " max entry: max allowed 0, used 0, missed 0",
        "In-to-out drops: 0  Out-to-in drops: 0",
        "Pool stats drop: 0  Mapping stats drop: 0",
        "Port block alloc fail: 0",
        "IP alias add fail: 0",
        "Limit entry add fail: 0",
    ]
    return "\n".join(lines)


def cdp_neighbors_text(device: Device, _: list[str]) -> str:
    lines = [
        "Capability Codes: R - Router, T - Trans Bridge, B - Source Route Bridge",
        "                  S - Switch, H - Host, I - IGMP, r - Repeater, P - Phone, ",
        "                  D - Remote, C - CVTA, M - Two-port Mac Relay ",
        "",
        "Device ID        Local Intrfce     Holdtme    Capability  Platform  Port ID",
    ]
    for n in device.lldp_neighbours:
        local = short_name(n.local_interface, CDP_SHORT, " ")
        port = short_name(n.port, CDP_SHORT, " ")
        rest = f"{local:<18}{155:<11}{'R S I':>10}   {'N/A':<10}{port}"
        if len(n.system_name) > 16:
            lines += [n.system_name, " " * 17 + rest]
        else:
            lines.append(f"{n.system_name:<17}{rest}")
    lines += ["", f"Total cdp entries displayed : {len(device.lldp_neighbours)}"]
    return "\n".join(lines)


def _arp(device: Device, vrf: str | None) -> str:
    lines = ["Protocol  Address          Age (min)  Hardware Addr   Type   Interface"]
    rows: list[tuple[IPv4Address, str, str, str]] = []
    for iface in device.interfaces:
        if (
            iface.vpn_instance == vrf
            and iface.address is not None
            and iface.oper_up
            and iface.kind is not InterfaceKind.LOOPBACK
        ):
            rows.append((iface.address.ip, "-", _mac(iface.mac), iface.name))
    for entry in device.arp:
        if entry.vpn_instance == vrf:
            rows.append((entry.address, "12", _mac(entry.mac), entry.interface))
    for address, age, mac, name in sorted(rows):
        lines.append(f"Internet  {address!s:<16} {age:>8}   {mac:<15} ARPA   {name}")
    return "\n".join(lines)


def arp_text(device: Device, _: list[str]) -> str:
    return _arp(device, None)


def vrf_arp_text(device: Device, args: list[str]) -> str:
    return _arp(device, args[0])


COMMANDS: tuple[Command, ...] = (
    command("sh:ow ver:sion", version_text),
    command("sh:ow run:ning-config", config_text),
    command("sh:ow start:up-config", _saved.saved_text(config_text, _saved.ios_startup)),
    command("sh:ow ip int:erface br:ief", ip_interface_brief_text),
    counted_command("sh:ow int:erfaces", _detail.ios_text),
    counted_command("sh:ow int:erfaces <name>", _detail.ios_text),
    counted_command("sh:ow int:erfaces <type> <number>", _detail.ios_text),
    command("sh:ow ip ro:ute", route_text),
    command("sh:ow ip ro:ute vrf <name>", vrf_route_text),
    command("sh:ow vrf", vrf_text),
    command("sh:ow ip vrf", ip_vrf_text),
    command("sh:ow ip bgp sum:mary", bgp_summary_text),
    command("sh:ow ip bgp vpnv4 all sum:mary", bgp_vpnv4_summary_text),
    command("sh:ow bgp vpnv4 uni:cast all sum:mary", bgp_vpnv4_summary_text),
    command("sh:ow ip ospf nei:ghbor", ospf_neighbor_text),
    command("sh:ow ip nat stat:istics", nat_statistics_text, gated=2),
    command("sh:ow ip nat tr:anslations", nat_translations_text),
    command("sh:ow cdp nei:ghbors", cdp_neighbors_text, gated=1),
    command("sh:ow arp", arp_text),
    command("sh:ow ip arp", arp_text),
    command("sh:ow ip arp vrf <name>", vrf_arp_text),
    *_ios_detail.COMMANDS,  # show ip interface, show lldp neighbors detail, show vrf detail
    command("ter:minal len:gth 0", silent_text),
    command("ter:minal wid:th <n>", silent_text),
)


# --- configuration mode -------------------------------------------------------------------


def named_acl(s: ConfigSession, c: Captures) -> str:
    """``ip access-list standard|extended NAME``: its view's prompt tells which."""
    name = str(c.get("acl"))
    create_acl(s.device, name)
    s.view = View("acl", name, SYSTEM)
    s.acl_extended = c.get("type") == "extended"
    return ""


_IOS_ROUTE = "[vrf {vpn:word}] {prefix:ip} {mask:dmask}"
TABLE: list[tuple[str, str, Handler]] = [
    ("system", "hostname {name:word}", h.sysname),
    ("system", "vrf definition {vpn:word}", h.enter_vpn),
    ("system", "ip vrf {vpn:word}", h.enter_vpn),
    ("system", "no vrf definition {vpn:word}", h.undo_vpn),
    ("system", "no ip vrf {vpn:word}", h.undo_vpn),
    ("vpn", "rd {rd:rt}", h.rd),
    ("vpn", "address-family ipv4 [unicast]", h.vpn_af),
    ("vpn vpn-af", "route-target [{dir:export|import|both}] {rt:rt}", h.vpn_target),
    ("vpn", "description {text:text}", h.description),
    ("vpn-af", "exit-address-family", h.exit_af),
    ("system", "interface {if:iface}", h.enter_interface),
    ("system", "no interface {if:iface}", h.undo_interface),
    ("interface", "description {text:text}", h.description),
    ("interface", "no description", h.description),
    ("interface", "encapsulation {enc:dot1Q} {vid:int(1-4094)}", h.dot1q),
    ("interface", "[ip] vrf forwarding {vpn:word}", h.bind),
    ("interface", "no [ip] vrf forwarding {vpn:word}", h.unbind),
    ("interface", "ip address {ip:ip} {mask:dmask}", h.address),
    ("interface", "no ip address [{ip:ip} {mask:dmask}]", h.no_address),
    ("interface", "shutdown", h.shutdown),
    ("interface", "no shutdown", h.no_shutdown),
    ("interface", "[no] ip nat {side:inside|outside}", h.noop),
    (
        "system",
        "ip nat inside source list {acl:word} interface {if:iface} overload",
        h.nat,
    ),
    (
        "system",
        "no ip nat inside source list {acl:word} interface {if:iface} overload",
        h.undo_nat,
    ),
    ("system", f"ip route {_IOS_ROUTE} {{nh:ip}} [{{pref:int(1-255)}}]", h.route),
    ("system", f"ip route {_IOS_ROUTE} {{oif:iface}} [{{nh:ip}}] [{{pref:int(1-255)}}]", h.route),
    ("system", f"no ip route {_IOS_ROUTE} [{{nh:ip}}]", h.undo_route),
    ("system", f"no ip route {_IOS_ROUTE} {{oif:iface}} [{{nh:ip}}]", h.undo_route),
    ("system", "router bgp {asn:asn}", h.enter_bgp),
    ("bgp", "address-family ipv4 [unicast]", h.bgp_af),
    ("bgp", "address-family ipv4 vrf {vpn:word}", h.bgp_vpn),
    ("bgp bgp-vpn", "neighbor {peer:ip} remote-as {asn:asn}", h.peer),
    ("bgp bgp-vpn", "neighbor {peer:ip} description {text:text}", h.peer_description),
    ("bgp-af bgp-vpn", "neighbor {peer:ip} activate", h.peer_exists),
    ("bgp bgp-vpn", "no neighbor {peer:ip}", h.undo_peer),
    ("bgp bgp-af bgp-vpn", "network {prefix:ip} [mask {mask:dmask}]", h.bgp_network),
    ("bgp bgp-af bgp-vpn", "no network {prefix:ip} [mask {mask:dmask}]", h.undo_bgp_network),
    ("bgp bgp-af bgp-vpn", "redistribute {proto:word}", h.import_route),
    ("bgp bgp-af bgp-vpn", "no redistribute {proto:word}", h.undo_import_route),
    ("bgp-af bgp-vpn", "exit-address-family", h.exit_af),
    (
        "system",
        "access-list {acl:int(1-99)} {action:permit|deny} {src:ip} [{wild:wild}]",
        h.acl_rule,
    ),
    ("system", "access-list {acl:int(1-99)} {action:permit|deny} {any:any}", h.acl_rule),
    ("system", "ip access-list {type:standard|extended} {acl:word}", named_acl),
    ("system", "no ip access-list {type:standard|extended} {acl:word}", h.undo_acl),
    ("system", "no access-list {acl:int(1-99)}", h.undo_acl),
    ("acl", "[{seq:int(1-2147483647)}] {action:permit|deny} {src:ip} [{wild:wild}]", h.acl_rule),
    ("acl", "[{seq:int(1-2147483647)}] {action:permit|deny} {any:any}", h.acl_rule),
    # The VPNv4 hand-off (Cisco "Configuring MPLS Layer 3 VPNs": mpls label protocol ldp,
    # mpls ldp router-id, on the interface mpls ip; router bgp: neighbor update-source,
    # ebgp-multihop, address-family vpnv4 / neighbor activate / send-community extended).
    ("system", "mpls label protocol ldp", mpls.enable_mpls),
    ("system", "mpls ldp router-id {if:iface} [force]", h.noop),
    ("interface", "mpls ip", mpls.enable_mpls),
    ("interface", "no mpls ip", mpls.disable_mpls),
    ("bgp", "neighbor {peer:ip} update-source {if:iface}", mpls.peer_source),
    ("bgp", "no neighbor {peer:ip} update-source [{if:iface}]", mpls.undo_peer_source),
    ("bgp", "neighbor {peer:ip} ebgp-multihop [{hops:int(1-255)}]", mpls.peer_max_hop),
    ("bgp", "no neighbor {peer:ip} ebgp-multihop [{hops:int(1-255)}]", mpls.undo_peer_max_hop),
    ("bgp", "address-family vpnv4 [unicast]", mpls.enter_vpnv4),
    ("bgp-vpnv4", "neighbor {peer:ip} activate", mpls.peer_vpnv4),
    ("bgp-vpnv4", "no neighbor {peer:ip} activate", mpls.undo_peer_vpnv4),
    ("bgp-vpnv4", "neighbor {peer:ip} send-community [{kind:extended|both|standard}]", h.noop),
    ("bgp-vpnv4", "exit-address-family", h.exit_af),
]


def get_config_prompt(session: ConfigSession) -> str:
    """``R1(config-if)#``: the mode of the current view."""
    view = session.view
    if view.kind == "interface":
        iface = session.device.get_interface(view.name or "")
        sub = iface is not None and iface.kind == InterfaceKind.SUBINTERFACE
        mode = "config-subif" if sub else "config-if"
    elif view.kind == "acl":
        mode = "config-ext-nacl" if session.acl_extended else "config-std-nacl"
    else:
        mode = {
            "system": "config",
            "vpn": "config-vrf",
            "vpn-af": "config-vrf-af",
            "bgp": "config-router",
        }.get(view.kind, "config-router-af")
    return f"{session.device.sysname}({mode})#"


def get_exec_command(line: str, tokens: list[Token]) -> str | None:
    """``do show ...``: the command after ``do``, or None for a configuration line."""
    if tokens[0].text.lower() == "do" and len(tokens) > 1:
        return line[tokens[1].column :]
    return None


CONFIG = ConfigSyntax(
    enter="configure terminal",
    prompt=get_config_prompt,
    exec_command=get_exec_command,
    rules=compile_table(TABLE),
    interface_types=(
        "GigabitEthernet",
        "FastEthernet",
        "TenGigabitEthernet",
        "Ethernet",
        "Vlan",
        "Loopback",
        "Port-channel",
        "Tunnel",
        "Dialer",
        "Cellular",
        "Null",
        "Virtual-Template",
    ),
    syntax_texts={
        SyntaxKind.UNRECOGNIZED: "% Invalid input detected at '^' marker.",
        SyntaxKind.WRONG: "% Invalid input detected at '^' marker.",
        SyntaxKind.INCOMPLETE: "% Incomplete command.",
        SyntaxKind.TOO_MANY: "% Invalid input detected at '^' marker.",
        SyntaxKind.AMBIGUOUS: '% Ambiguous command:  "{line}"',
    },
    problems={
        "no_vpn": "% VRF {vpn} not configured.",
        "overlap": "% {network} overlaps with {other}",
        "bad_host": "Bad mask /{length} for address {ip}",
        "rd_first": "",
        "rd_set": "% Can't change RD for VRF {vpn}; remove it first",
        "no_rd": "% VRF {vpn} does not have an RD configured.",
        "not_bound": "% VRF {vpn} is not configured on {interface}",
        "vlan_in_use": (
            "% Configuration of multiple subinterfaces of the same main interface with the"
            " same VID ({vid}) is not permitted.\nThis VID is already configured on {other}."
        ),
        "no_route": "%No matching route to delete",
        "inconsistent_mask": "%Inconsistent address and mask",
        "bgp_as": "% BGP is already running; AS is {asn}",
        "no_peer": "% Specify remote-as or peer-group commands first",
        "no_nat": "%Dynamic mapping not found",
        "vpn_deleted": "% IPv4 addresses from all interfaces in VRF {vpn} have been removed",
        "bind": (
            "% Interface {interface} IPv4 disabled and address(es) removed"
            " due to enabling VRF {vpn}"
        ),
        "unbind": (
            "% Interface {interface} IPv4 disabled and address(es) removed"
            " due to disabling VRF {vpn}"
        ),
    },
    description_max=240,
    rt_needs_rd=False,
    leave_all="end",
    leave_one="exit",
    uncareted=frozenset({SyntaxKind.INCOMPLETE, SyntaxKind.AMBIGUOUS}),
    quiet_bind=True,  # either syntax: only when it removed an address
    bgp_vpn_needs_rd=True,
    static_default=1,  # the administrative distance of a static route
)


# --- the shell ----------------------------------------------------------------------------

CONFIG_MESSAGE = "Enter configuration commands, one per line.  End with CNTL/Z."
INVALID = "% Invalid input detected at '^' marker."
SAVED = "Building configuration...\n[OK]\n"


def get_exec_prompt(sysname: str, mode: Mode) -> str:
    return f"{sysname}#" if mode is Mode.ENABLE else f"{sysname}>"


def run_session_command(session: Session, words: list[str]) -> list[Chunk] | None:
    """Leaving, ``enable``/``disable``, ``configure terminal``, ``write``, ``terminal ...``;
    None for a command for the renderer."""
    first = words[0].lower()
    if first in ("exit", "logout", "quit") and len(words) == 1:
        session.closed = True
        return []
    if abbreviates(first, "enable", 2) and len(words) == 1:
        if session.mode is Mode.ENABLE:
            return []
        session.mode = Mode.PASSWORD
        return []
    if abbreviates(first, "disable", 4) and len(words) == 1:
        session.mode = Mode.USER
        return []
    if len(words) >= 2 and abbreviates(first, "configure", 4):
        timed = _run_revert_command(session, words)
        if timed is not None:
            return timed
        if session.mode is not Mode.ENABLE or not abbreviates(words[1].lower(), "terminal", 1):
            return [session.output(_invalid_marker(session.prompt, len(words[0]) + 1))]
        return session.enter_config(CONFIG_MESSAGE)
    if session.mode is Mode.ENABLE and _is_save(words):
        session.save_config()
        return [session.output(SAVED)]
    if len(words) == 3 and abbreviates(first, "terminal", 3):
        if abbreviates(words[1].lower(), "length", 3) and words[2].isdigit():
            session.page_lines = int(words[2])
            return [session.output("")]
        if abbreviates(words[1].lower(), "width", 3) and words[2].isdigit():
            return [session.output("")]
    return None


def _is_save(words: list[str]) -> bool:
    """``write [memory]`` (netmiko's save_config sends ``write mem``) or ``copy
    running-config startup-config``, each word abbreviated as IOS allows."""
    low = [w.lower() for w in words]
    if abbreviates(low[0], "write", 2):
        return len(low) == 1 or (len(low) == 2 and abbreviates(low[1], "memory", 1))
    return (
        len(low) == 3
        and abbreviates(low[0], "copy", 2)
        and abbreviates(low[1], "running-config", 3)
        and abbreviates(low[2], "startup-config", 3)
    )


def _run_revert_command(session: Session, words: list[str]) -> list[Chunk] | None:
    """``configure terminal revert timer <1-120>`` and ``configure confirm`` (Configuration
    Rollback Confirmed Change, IOS XE 17 System Management guide: the timer is in minutes,
    1-120; govnet_lab.revert keeps the archive and restores it); None for other forms."""
    lowered = [w.lower() for w in words]
    if session.mode is not Mode.ENABLE:
        return None
    if len(words) == 2 and abbreviates(lowered[1], "confirm", 4):
        session.reverts.confirm(session.device)
        return [session.output("")]
    if (
        len(words) == 5
        and abbreviates(lowered[1], "terminal", 1)
        and abbreviates(lowered[2], "revert", 3)
        and abbreviates(lowered[3], "timer", 1)
    ):
        minutes = words[4]
        if not minutes.isdigit() or not 1 <= int(minutes) <= 120:
            column = sum(len(w) + 1 for w in words[:4])
            return [session.output(_invalid_marker(session.prompt, column))]
        session.reverts.arm(session.device, int(minutes))
        return session.enter_config(CONFIG_MESSAGE)
    return None


def _invalid_marker(prompt: str, column: int) -> str:
    """The caret line under the first bad word, then the error text."""
    return " " * (len(prompt) + column) + "^\n" + INVALID


# --- the hardware the generator gives its routers -----------------------------------------

MODELS = (
    ("ISR4331/K9", ("16.9.5", "16.12.4")),
    ("ISR4321/K9", ("16.9.5",)),
)
# An ISR G2 where the inventory names two-level ports (GigabitEthernet0/1).
LEGACY_MODELS = (("CISCO2911/K9", ("15.7(3)M5", "15.9(3)M4")), ("CISCO2921/K9", ("15.9(3)M4",)))
LEGACY_NAME = re.compile(r"^GigabitEthernet\d+/\d+$")


def is_legacy(used: set[str]) -> bool:
    return any(LEGACY_NAME.match(n) for n in used)


def make_serial(rng: random.Random) -> str:
    return (
        f"FGL{rng.randrange(2000, 2500)}{rng.choice('ABCDEFGHJK')}"
        f"{rng.randrange(100, 999)}{rng.choice('ABCDEFGHJK')}"
    )


def get_port_names(legacy: bool) -> Iterator[str]:
    """An ISR G2's three onboard ports then its modules; else slot, card, port."""
    if legacy:
        for port in range(3):
            yield f"GigabitEthernet0/{port}"
        for slot in itertools.count():
            for card in range(8):
                for port in range(4):
                    yield f"GigabitEthernet{slot}/{card}/{port}"
    else:
        for slot in itertools.count():
            for card in range(8):
                for port in range(8 if (slot, card) == (0, 0) else 24):
                    yield f"GigabitEthernet{slot}/{card}/{port}"


# --- what the oracle's facts take from this output ----------------------------------------


def get_nat_as_shown(device: Device, rule: NatRule) -> tuple[str | None, str | None]:
    """IOS names the outside interface apart from the rule: shown only when there is one."""
    if rule.kind is NatKind.EASY_IP:
        return rule.pool, rule.interface
    outside = {r.interface for r in device.nat_rules}
    return rule.pool, rule.interface if len(outside) == 1 else None


VENDOR = Vendor(
    platform="cisco_ios",
    order=3,
    name="cisco",
    commands=COMMANDS,
    show_syntax=SYNTAX,
    running_config="show running-config",
    banner="\r\n",
    prompt=get_exec_prompt,
    more=(" --More-- ", "\b" * 9 + " " * 9 + "\b" * 9),
    saved=SAVED,
    session_command=run_session_command,
    config=CONFIG,
    models=MODELS,
    make_serial=make_serial,
    port_names=get_port_names,
    mac_prefix="a0e0-af",
    loopback="Loopback0",
    first_acl=10,
    factory_sysname="Router",
    after_config=Mode.ENABLE,
    bad_secret="% Bad secrets\r\n\r\n",
    paging_stops_on_any_key=True,
    is_legacy=is_legacy,
    legacy_models=LEGACY_MODELS,
    pooled_county_exit=False,  # the county's exit NATs with overload on the interface
    neighbour_protocol="cdp",
    nat_as_shown=get_nat_as_shown,
    shown_preference=_shown_distance,
    probes=PROBES,
)
