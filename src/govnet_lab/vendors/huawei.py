"""Huawei VRP (V200R0xx, AR routers) in the lab: all the lab knows of this vendor.

What a survey reads (``display`` output rendered from the model), configuration mode (the
command table, views and prompts, error texts), the shell (banner, paging, ``save``,
``screen-length``), the hardware the generator gives its routers, and what the oracle's
facts take from its output. Shared with H3C Comware: govnet_lab.vendors._vrp.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network
from typing import TYPE_CHECKING

from govnet_lab.configure import handlers as h
from govnet_lab.configure import vpnv4 as mpls
from govnet_lab.configure.patterns import SyntaxKind
from govnet_lab.configure.syntax import ConfigSyntax, Handler, compile_table
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
    command,
    counted_command,
    is_natural_mask,
    peer_counters,
    prefixes_from,
    pseudo_mac,
    row,
    short_name,
    vpnv4_prefixes_from,
)
from govnet_lab.shell import Chunk, ChunkKind, Mode
from govnet_lab.vendors import Vendor, _detail, _saved, _vrp, _vrp_detail
from govnet_lab.vendors._probe_vrp import HUAWEI_PROBES

if TYPE_CHECKING:
    from govnet_lab.configure.session import ConfigSession
    from govnet_lab.session import Session

SCREEN_LENGTH = "Info: The configuration takes effect on the current user terminal interface only."

SHORT = (
    ("XGigabitEthernet", "XGE"),
    ("GigabitEthernet", "GE"),
    ("Ethernet", "Eth"),
    ("Eth-Trunk", "Eth-Trunk"),
)

SYNTAX = Syntax(
    prompt=lambda d: f"<{d.sysname}>",
    unrecognized="Error: Unrecognized command found at '^' position.",
    ambiguous="Error: Ambiguous command found at '^' position.",
    incomplete="Error: Incomplete command found at '^' position.",
    wrong="Error: Wrong parameter found at '^' position.",
)


def _short(name: str) -> str:
    return short_name(name, SHORT)


def _series(model: str) -> str:
    """The product series VRP names in its version line: AR2240 -> AR2200."""
    if model.startswith("AR") and model[2:].isdigit() and len(model) >= 4:
        return model[:4] + "0" * (len(model) - 4)
    return model


def version_text(device: Device, _: list[str]) -> str:
    uptime = _huawei_uptime(device.uptime_s)
    return "\n".join(
        [
            "Huawei Versatile Routing Platform Software",
            f"VRP (R) software, Version 5.160 ({_series(device.model)} {device.os_version})",
            "Copyright (C) 2011-2018 HUAWEI TECH CO., LTD",
            f"Huawei {device.model} Router uptime is {uptime}",
            "BKP 0 version information: ",
            "1. PCB      Version  : AR01BAK2A VER.NC",
            "2. If Supporting PoE : No",
            "3. Board    Type     : " + device.model,
            "4. MPU Slot Quantity : 1",
            "5. LPU Slot Quantity : 6",
            "",
            "MPU 0(Master) : uptime is " + uptime,
            "SDRAM Memory Size    : 2048    M bytes",
            "Flash Memory Size    : 512     M bytes",
            "NVRAM Memory Size    : 512     K bytes",
            "MPU version information : ",
            "1. PCB      Version  : AR01SRU2A VER.A",
            "2. MAB      Version  : 0",
            "3. Board    Type     : " + device.model,
            "4. BootROM  Version  : 0",
        ]
    )


def _huawei_uptime(seconds: int) -> str:
    minutes = seconds // 60
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    return f"{days} days, {hours} hours, {minutes} minutes"


def esn_text(device: Device, _: list[str]) -> str:
    return f"ESN of slot mainboard: {device.serial}"


def screen_length_text(_device: Device, _: list[str]) -> str:
    return SCREEN_LENGTH


# --- configuration ------------------------------------------------------------------------


def _route_static(route_prefix: IPv4Network, vpn: str | None) -> str:
    scope = f"vpn-instance {vpn} " if vpn else ""
    return f"ip route-static {scope}{route_prefix.network_address} {route_prefix.netmask}"


def config_text(device: Device, _: list[str]) -> str:
    lines = [f"[{device.os_version}]", "#", f" sysname {device.sysname}", "#"]
    if device.mpls:  # where VRP puts it, before the VPN instances (Huawei BGP/MPLS IP VPN
        # configuration examples); per-interface mpls / mpls ldp are not modelled
        lines += [f"mpls lsr-id {device.router_id}", "#", "mpls", "#", "mpls ldp", "#"]
    for vpn in device.vpn_instances:
        lines.append(f"ip vpn-instance {vpn.name}")
        if vpn.description:
            lines.append(f" description {vpn.description}")
        lines.append(" ipv4-family")
        if vpn.route_distinguisher:
            lines.append(f"  route-distinguisher {vpn.route_distinguisher}")
        lines += [f"  vpn-target {t} export-extcommunity" for t in vpn.export_targets]
        lines += [f"  vpn-target {t} import-extcommunity" for t in vpn.import_targets]
        lines.append("#")
    for acl in device.acls:
        basic = acl.number.isdigit() and int(acl.number) < 3000
        head = f"acl number {acl.number}" if acl.number.isdigit() else f"acl name {acl.number}"
        lines.append(head)
        for i, net in enumerate(acl.permit):
            what = "" if basic else "ip "
            lines.append(
                f" rule {5 * (i + 1)} permit {what}source {net.network_address} {net.hostmask}"
            )
        lines.append("#")
    groups = _address_groups(device)
    for pool, group in groups.items():
        rule = next(r for r in device.nat_rules if r.pool == pool)
        lines += [f" nat address-group {group} {rule.pool_start} {rule.pool_end}", "#"]
    for iface in device.interfaces:
        lines.append(f"interface {iface.name}")
        if iface.description:
            lines.append(f" description {iface.description}")
        if iface.dot1q is not None:
            lines.append(f" dot1q termination vid {iface.dot1q}")
        if iface.vpn_instance:
            lines.append(f" ip binding vpn-instance {iface.vpn_instance}")
        if iface.address is not None:
            lines.append(f" ip address {iface.address.ip} {iface.address.netmask}")
        if iface.dot1q is not None:
            lines.append(" arp broadcast enable")
        for rule in device.nat_rules:
            if rule.interface != iface.name:
                continue
            if rule.kind is NatKind.EASY_IP:
                lines.append(f" nat outbound {rule.acl}")
            elif rule.kind is NatKind.OUTBOUND:
                pool_group = groups.get(rule.pool or "", rule.pool or "")
                lines.append(f" nat outbound {rule.acl} address-group {pool_group}")
            elif rule.kind is NatKind.STATIC:
                lines.append(
                    f" nat static global {rule.global_address} inside {rule.inside_address}"
                )
            else:
                lines.append(
                    f" nat server global {rule.global_address} inside {rule.inside_address}"
                )
        if not iface.admin_up:
            lines.append(" shutdown")
        lines.append("#")
    lines += _bgp_config(device)
    lines += _ospf_config(device)
    statics = [
        _static_line(s.prefix, s.vpn_instance, s.interface, s.next_hop, s.preference)
        for s in device.static_routes
    ]
    if statics:
        lines += [*statics, "#"]
    lines += [
        "user-interface con 0",
        " authentication-mode aaa",
        "user-interface vty 0 4",
        " authentication-mode aaa",
        " protocol inbound ssh",
        "#",
        "return",
    ]
    return "\n".join(lines)


def _static_line(
    prefix: IPv4Network,
    vpn: str | None,
    interface: str | None,
    next_hop: IPv4Address | None,
    preference: int,
) -> str:
    parts = [_route_static(prefix, vpn)]
    if interface:
        parts.append(interface)
    if next_hop:
        parts.append(str(next_hop))
    if preference != 60:
        parts.append(f"preference {preference}")
    return " ".join(parts)


def _address_groups(device: Device) -> dict[str, str]:
    """Pool name -> address-group index (VRP numbers its groups)."""
    groups: dict[str, str] = {}
    for rule in device.nat_rules:
        if rule.kind is NatKind.OUTBOUND and rule.pool and rule.pool not in groups:
            groups[rule.pool] = rule.pool if rule.pool.isdigit() else str(len(groups) + 1)
    return groups


def _bgp_config(device: Device) -> list[str]:
    """``bgp``, as VRP shows it (real configurations saved in public labs: peers first, then
    ``ipv4-family unicast`` with ``undo synchronization``, ``network`` lines without a
    classful mask, ``peer X enable``, ``peer X ip-prefix N export``; Huawei's "peer
    ip-prefix export" command reference), then each export list as ``ip ip-prefix``."""
    if device.bgp_as is None:
        return []
    lines = [f"bgp {device.bgp_as}"]
    if device.router_id:
        lines.append(f" router-id {device.router_id}")
    public = [p for p in device.bgp_peers if p.vpn_instance is None]
    for peer in public:
        lines.append(f" peer {peer.address} as-number {peer.remote_as}")
        if peer.description:
            lines.append(f" peer {peer.address} description {peer.description}")
        if peer.ebgp_max_hop is not None:
            lines.append(f" peer {peer.address} ebgp-max-hop {peer.ebgp_max_hop}")
        if peer.connect_interface is not None:
            lines.append(f" peer {peer.address} connect-interface {peer.connect_interface}")
    vpnv4 = [p for p in public if p.vpnv4]
    for vpn in bgp_tables(device):
        if vpn is None:
            lines += [" #", " ipv4-family unicast", "  undo synchronization"]
        else:
            lines += [" #", f" ipv4-family vpn-instance {vpn}"]
        lines += _origin_lines(device, vpn)
        for peer in (p for p in device.bgp_peers if p.vpn_instance == vpn):
            if vpn is None:
                lines.append(f"  peer {peer.address} enable")
            else:
                lines.append(f"  peer {peer.address} as-number {peer.remote_as}")
            if peer.export is not None:
                lines.append(f"  peer {peer.address} ip-prefix {peer.export_list} export")
        if vpn is None and vpnv4:
            lines += [" #", " ipv4-family vpnv4", "  policy vpn-target"]
            lines += [f"  peer {p.address} enable" for p in vpnv4]
    lines.append("#")
    return lines + _vrp.prefix_list_lines(device, "ip ip-prefix")


def _origin_lines(device: Device, vpn: str | None) -> list[str]:
    lines: list[str] = []
    for origin in device.bgp_origins:
        if origin.vpn_instance != vpn:
            continue
        if origin.protocol is not None:
            lines.append(f"  import-route {origin.protocol}")
        elif origin.prefix is not None:
            mask = "" if is_natural_mask(origin.prefix) else f" {origin.prefix.netmask}"
            lines.append(f"  network {origin.prefix.network_address}{mask}")
    return lines


def _ospf_config(device: Device) -> list[str]:
    if not device.ospf_neighbours:
        return []
    lines: list[str] = []
    for process in sorted({n.process for n in device.ospf_neighbours}):
        rid = f" router-id {device.router_id}" if device.router_id else ""
        lines.append(f"ospf {process}{rid}")
        neighbours = [n for n in device.ospf_neighbours if n.process == process]
        for area in sorted({n.area for n in neighbours}):
            lines.append(f" area {area}")
            for n in neighbours:
                iface = device.get_interface(n.interface)
                if n.area == area and iface is not None and iface.address is not None:
                    net = iface.address.network
                    lines.append(f"  network {net.network_address} {net.hostmask}")
        lines.append("#")
    return lines


# --- tables -------------------------------------------------------------------------------


def _phy(up: bool, admin: bool) -> str:
    return "up" if up else ("down" if admin else "*down")


def _protocol(device: Device, name: str) -> str:
    iface = device.get_interface(name)
    if iface is None:
        return "down"
    if iface.kind is InterfaceKind.LOOPBACK:
        return "up(s)" if iface.admin_up else "*down"
    return "up" if iface.oper_up else "down"


def ip_interface_brief_text(device: Device, _: list[str]) -> str:
    ifaces = [i for i in device.interfaces]
    phy_up = sum(1 for i in ifaces if i.oper_up) + 1
    proto_up = sum(1 for i in ifaces if i.oper_up) + 1
    total = len(ifaces) + 1
    lines = [
        "*down: administratively down",
        "^down: standby",
        "(l): loopback",
        "(s): spoofing",
        "(E): E-Trunk down",
        f"The number of interface that is UP in Physical is {phy_up}",
        f"The number of interface that is DOWN in Physical is {total - phy_up}",
        f"The number of interface that is UP in Protocol is {proto_up}",
        f"The number of interface that is DOWN in Protocol is {total - proto_up}",
        "",
        row(["Interface", "IP Address/Mask", "Physical", "Protocol"], [34, 21, 11, 10]),
    ]
    for iface in ifaces:
        address = str(iface.address.with_prefixlen) if iface.address else "unassigned"
        lines.append(
            row(
                [
                    iface.name,
                    address,
                    _phy(iface.oper_up, iface.admin_up),
                    _protocol(device, iface.name),
                ],
                [34, 21, 11, 10],
            )
        )
    lines.append(row(["NULL0", "unassigned", "up", "up(s)"], [34, 21, 11, 10]))
    return "\n".join(lines)


def interface_brief_text(device: Device, _: list[str]) -> str:
    widths = [28, 6, 9, 6, 9, 10, 10]
    lines = [
        "PHY: Physical",
        "*down: administratively down",
        "^down: standby",
        "(l): loopback",
        "(s): spoofing",
        "(b): BFD down",
        "(e): ETHOAM down",
        "(dl): DLDP down",
        "(d): Dampening Suppressed",
        "InUti/OutUti: input utility/output utility",
        "Interface                   PHY   Protocol InUti OutUti   inErrors  outErrors",
    ]
    for iface in device.interfaces:
        util = "0.01%" if iface.oper_up and iface.kind is not InterfaceKind.LOOPBACK else "0%"
        lines.append(
            row(
                [
                    iface.name,
                    _phy(iface.oper_up, iface.admin_up),
                    _protocol(device, iface.name),
                    util,
                    util,
                    0,
                    0,
                ],
                widths,
            )
        )
    lines.append(row(["NULL0", "up", "up(s)", "0%", "0%", 0, 0], widths))
    return "\n".join(lines)


def _route_rows(device: Device, routes: list[RouteEntry], public: bool) -> list[list[str]]:
    rows: list[list[str]] = []
    entries: list[tuple[IPv4Network, str, int, int, str, str, str]] = []
    for r in routes:
        if r.protocol == "direct":
            nh = "127.0.0.1" if r.local else str(r.next_hop)
            entries.append((r.prefix, "Direct", 0, 0, "D", nh, r.interface or ""))
            if not r.local and r.prefix.prefixlen < 31:
                entries.append(
                    (
                        IPv4Network(f"{r.prefix.broadcast_address}/32"),
                        "Direct",
                        0,
                        0,
                        "D",
                        "127.0.0.1",
                        r.interface or "",
                    )
                )
        else:
            proto = r.protocol.upper()
            if r.protocol == "bgp":
                peer = next((p for p in device.bgp_peers if p.address == r.next_hop), None)
                ibgp = peer is not None and peer.remote_as == device.bgp_as
                proto = "IBGP" if ibgp else "EBGP"
            elif r.protocol == "static":
                proto = "Static"
            flags = "RD" if r.next_hop is not None else "D"
            nh = str(r.next_hop) if r.next_hop else "0.0.0.0"
            entries.append((r.prefix, proto, r.preference, r.cost, flags, nh, r.interface or ""))
    if public:
        loop = "InLoopBack0"
        for text in ("127.0.0.0/8", "127.0.0.1/32", "127.255.255.255/32", "255.255.255.255/32"):
            entries.append((IPv4Network(text), "Direct", 0, 0, "D", "127.0.0.1", loop))
    entries.sort(key=lambda e: (int(e[0].network_address), e[0].prefixlen))
    for prefix, proto, pre, cost, flags, nh, iface in entries:
        rows.append([str(prefix), proto, str(pre), str(cost), flags, nh, iface])
    return rows


def _routing_table(device: Device, vpn: str | None) -> str:
    routes = get_routing_table(device, vpn)
    rows = _route_rows(device, routes, vpn is None)
    lines = [
        "Route Flags: R - relay, D - download to fib",
        "-" * 78,
        f"Routing Tables: {vpn or 'Public'}",
        f"         Destinations : {len(rows):<9}Routes : {len(rows)}",
        "",
        "Destination/Mask    Proto   Pre  Cost      Flags NextHop         Interface",
        "",
    ]
    for prefix, proto, pre, cost, flags, nh, iface in rows:
        lines.append(
            f"{prefix:>18}  {proto:<7} {pre:<4} {cost:<10}{flags:>2}   {nh:<15} {iface}".rstrip()
        )
    return "\n".join(lines)


def routing_table_text(device: Device, _: list[str]) -> str:
    return _routing_table(device, None)


def vpn_routing_table_text(device: Device, args: list[str]) -> str:
    if device.get_vpn_instance(args[0]) is None:
        return "Error: The VPN-Instance does not exist."
    return _routing_table(device, args[0])


def vpn_instance_text(device: Device, _: list[str]) -> str:
    count = len(device.vpn_instances)
    lines = [
        f" Total VPN-Instances configured      : {count}",
        f" Total IPv4 VPN-Instances configured : {count}",
        " Total IPv6 VPN-Instances configured : 0",
        "",
        "  VPN-Instance Name               RD                    Address-family",
    ]
    for vpn in device.vpn_instances:
        lines.append("  " + row([vpn.name, vpn.route_distinguisher or "", "IPv4"], [32, 22, 8]))
    return "\n".join(lines)


def _peer_rows(device: Device, vpn: str | None, vpnv4: bool = False) -> list[str]:
    """The table's rows of one VPN instance's peers (None: the public ones; ``vpnv4``: only
    those enabled in the VPNv4 family)."""
    lines = []
    for peer in device.bgp_peers:
        if peer.vpn_instance != vpn or (vpnv4 and not peer.vpnv4):
            continue
        rcvd, sent = peer_counters(peer.uptime_s, peer.established)
        state = "Established" if peer.established else "Idle"
        prefixes = 0
        if peer.established:
            prefixes = (
                vpnv4_prefixes_from(device, peer.address)
                if vpnv4
                else prefixes_from(device, peer.address, vpn)
            )
        lines.append(
            f"  {peer.address!s:<15} 4 {peer.remote_as:>11} {rcvd:>8} {sent:>8} {0:>5} "
            f"{_vrp.get_peer_age(peer.uptime_s):<9} {state:<11} {prefixes:>8}"
        )
    return lines


_PEER_HEADING = (
    "  Peer            V          AS  MsgRcvd  MsgSent  OutQ  Up/Down       State  PrefRcv"
)


def _peer_header(device: Device, peers: int, established: int) -> list[str]:
    return [
        "",
        f" BGP local router ID : {device.router_id or '0.0.0.0'}",
        f" Local AS number : {device.bgp_as}",
        f" Total number of peers : {peers:<17} Peers in established state : {established}",
        "",
        _PEER_HEADING,
        "",
    ]


def bgp_peer_text(device: Device, _: list[str]) -> str:
    if device.bgp_as is None:
        return ""
    public = [p for p in device.bgp_peers if p.vpn_instance is None]
    established = sum(1 for p in public if p.established)
    return "\n".join(_peer_header(device, len(public), established) + _peer_rows(device, None))


def bgp_vpnv4_peer_text(device: Device, _: list[str]) -> str:
    """``display bgp vpnv4 all peer``: the public peers enabled in ``ipv4-family vpnv4``
    (an IPv4-unicast-only peer is not one), then each VPN instance's peers; the total counts
    both. As in Huawei's BGP/MPLS IP VPN configuration examples (PE1's ``display bgp vpnv4
    all peer``: "Total number of peers : 3", the IBGP peer 2.2.2.2, then "Peer of
    IPv4-family for vpn instance :" and "VPN-Instance vpna, Router ID ...:" with its CE
    under a heading of its own, as the AR and NE examples print it; some VRP8 examples leave
    that heading out)."""
    if device.bgp_as is None:
        return ""
    peers = [p for p in device.bgp_peers if p.vpn_instance is not None or p.vpnv4]
    established = sum(1 for p in peers if p.established)
    lines = _peer_header(device, len(peers), established)
    lines += _peer_rows(device, None, vpnv4=True)
    vpns = [v.name for v in device.vpn_instances]
    if any(p.vpn_instance for p in device.bgp_peers):
        lines += ["", "  Peer of IPv4-family for vpn instance :", ""]
    for name in vpns:
        rows = _peer_rows(device, name)
        if rows:
            rid = device.router_id or "0.0.0.0"
            lines += [f" VPN-Instance {name}, Router ID {rid}:", _PEER_HEADING, *rows]
    return "\n".join(lines)


def ospf_peer_brief_text(device: Device, _: list[str]) -> str:
    lines: list[str] = []
    for process in sorted({n.process for n in device.ospf_neighbours}):
        lines += [
            "",
            f"\t OSPF Process {process} with Router ID {device.router_id or '0.0.0.0'}",
            "\t\t  Peer Statistic Information",
            " " + "-" * 76,
            " Area Id          Interface                        Neighbor id      State    ",
        ]
        for n in device.ospf_neighbours:
            if n.process == process:
                state = "Full" if n.full else "Init"
                lines.append(" " + row([n.area, n.interface, n.router_id, state], [17, 33, 17, 9]))
        lines.append(" " + "-" * 76)
    return "\n".join(lines)


def nat_outbound_text(device: Device, _: list[str]) -> str:
    groups = _address_groups(device)
    rules = [r for r in device.nat_rules if r.kind in (NatKind.OUTBOUND, NatKind.EASY_IP)]
    lines = [
        " NAT Outbound Information:",
        " " + "-" * 74,
        " Interface                     Acl     Address-group/IP/Interface      Type",
        " " + "-" * 74,
    ]
    for rule in rules:
        if rule.kind is NatKind.EASY_IP:
            iface = device.get_interface(rule.interface)
            target = str(iface.address.ip) if iface and iface.address else rule.interface
            kind = "easyip"
        else:
            target = groups.get(rule.pool or "", rule.pool or "")
            kind = "pat"
        lines.append(f" {rule.interface:<29} {rule.acl or '':<7} {target:>26}{kind:>12}")
    lines += [" " + "-" * 74, f"  Total : {len(rules)}"]
    return "\n".join(lines)


def lldp_brief_text(device: Device, _: list[str]) -> str:
    """VRP5's ``display lldp neighbor brief``. Real ones pad the Exptime(s) column to seven
    characters on every row ("GE0/0/5 ... GE0/0/48 ... 101    ", "93     ": an S5731's in
    a public Chinese troubleshooting note, and an S-series core's in a public session log,
    both found by code search), which napalm-huawei-vrp's get_lldp_neighbors pattern
    (``\\d+\\s+``) needs on the last row too."""
    lines = ["Local Intf       Neighbor Dev             Neighbor Intf             Exptime(s)"]
    for n in device.lldp_neighbours:
        cells = row([_short(n.local_interface), n.system_name, n.port], [17, 25, 26])
        lines.append(f"{cells:<67} {104:<7}")
    return "\n".join(lines)


def lldp_neighbor_text(device: Device, _: list[str]) -> str:
    """The verbose ``display lldp neighbor``, what ntc-templates parses on VRP."""
    lines: list[str] = []
    for iface in device.interfaces:
        mine = [n for n in device.lldp_neighbours if n.local_interface == iface.name]
        if not mine:
            continue
        lines += [f"{iface.name} has {len(mine)} neighbor(s):", ""]
        for index, n in enumerate(mine, 1):
            lines += [
                f"Neighbor index :{index}",
                "Chassis type   :macAddress",
                f"Chassis ID     :{pseudo_mac(n.system_name)}",
                "Port ID type   :interfaceName",
                f"Port ID        :{n.port}",
                f"Port description    :{n.port}",
                f"System name         :{n.system_name}",
                "System description  :Huawei Versatile Routing Platform Software",
                "System capabilities supported   :bridge router",
                "System capabilities enabled     :bridge router",
                "Management address type  :ipv4",
                "Expired time   :104s",
                "",
            ]
    return "\n".join(lines)


def arp_all_text(device: Device, _: list[str]) -> str:
    lines = [
        "IP ADDRESS      MAC ADDRESS     EXPIRE(M) TYPE        INTERFACE   VPN-INSTANCE ",
        "                                          VLAN/CEVLAN PVC                      ",
        "-" * 78,
    ]
    own = 0
    for iface in device.interfaces:
        if iface.address is None or not iface.oper_up or iface.kind is InterfaceKind.LOOPBACK:
            continue
        own += 1
        lines.append(
            row(
                [
                    iface.address.ip,
                    iface.mac,
                    "",
                    "I -",
                    _short(iface.name),
                    iface.vpn_instance or "",
                ],
                [16, 16, 10, 12, 12],
            )
        )
    for entry in device.arp:
        via = device.get_interface(entry.interface)
        lines.append(
            row(
                [
                    entry.address,
                    entry.mac,
                    20,
                    "D-0",
                    _short(entry.interface),
                    entry.vpn_instance or "",
                ],
                [16, 16, 10, 12, 12],
            )
        )
        if via is not None and via.dot1q is not None:
            lines.append(" " * 42 + f"{via.dot1q}/-")
    lines += [
        "-" * 78,
        f"Total:{len(device.arp) + own:<10}Dynamic:{len(device.arp):<8}"
        f"Static:0     Interface:{own}",
    ]
    return "\n".join(lines)


COMMANDS: tuple[Command, ...] = (
    command("dis:play ver:sion", version_text),
    command("dis:play esn", esn_text),
    command("dis:play cu:rrent-configuration", config_text),
    command("dis:play saved:-configuration", _saved.saved_text(config_text)),
    command("dis:play ip int:erface br:ief", ip_interface_brief_text),
    command("dis:play int:erface br:ief", interface_brief_text),
    counted_command("dis:play int:erface", _detail.vrp_text),
    counted_command("dis:play int:erface <name>", _detail.vrp_text),
    counted_command("dis:play int:erface <type> <number>", _detail.vrp_text),
    command("dis:play ip rou:ting-table", routing_table_text),
    command("dis:play ip rou:ting-table vpn-instance <name>", vpn_routing_table_text),
    command("dis:play ip vpn:-instance", vpn_instance_text),
    command("dis:play bgp peer", bgp_peer_text),
    command("dis:play bgp vpnv4 all peer", bgp_vpnv4_peer_text),
    command("dis:play ospf peer br:ief", ospf_peer_brief_text),
    command("dis:play nat out:bound", nat_outbound_text, gated=1),
    command("dis:play lldp nei:ghbor br:ief", lldp_brief_text, gated=1),
    command("dis:play lldp nei:ghbor", lldp_neighbor_text, gated=1),
    command("dis:play arp all", arp_all_text),
    *_vrp_detail.COMMANDS,  # display ip interface, display ipv6 interface
    command("screen-length 0 temp:orary", screen_length_text),
)


# --- configuration mode -------------------------------------------------------------------

TABLE: list[tuple[str, str, Handler]] = [
    ("system", "sysname {name:text}", h.sysname),
    ("system", "ip vpn-instance {vpn:word}", h.enter_vpn),
    ("system", "undo ip vpn-instance {vpn:word}", h.undo_vpn),
    ("vpn", "ipv4-family", h.vpn_af),
    ("vpn vpn-af", "route-distinguisher {rd:rt}", h.rd),
    (
        "vpn vpn-af",
        "vpn-target {rt:rt} [{dir:export-extcommunity|import-extcommunity|both}]",
        h.vpn_target,
    ),
    ("vpn", "description {text:text}", h.description),
    ("interface", "dot1q termination vid {vid:int(1-4094)}", h.dot1q),
    ("interface", "vlan-type dot1q {vid:int(1-4094)}", h.dot1q),
    ("interface", "[undo] arp broadcast enable", h.noop),  # rendered on every dot1q sub-if
    *_vrp.INTERFACE,
    (
        "interface",
        "undo nat outbound {acl:int(2000-3999)} [address-group {pool:int(0-255)}]",
        h.undo_nat,
    ),
    *_vrp.ROUTES,
    ("system", "bgp {asn:asn}", h.enter_bgp),
    ("bgp", "ipv4-family unicast", h.bgp_af),
    ("bgp", "ipv4-family vpn-instance {vpn:word}", h.bgp_vpn),
    ("bgp bgp-vpn", "peer {peer:ip} as-number {asn:asn}", h.peer),
    ("bgp bgp-vpn", "peer {peer:ip} description {text:text}", h.peer_description),
    ("bgp-af", "peer {peer:ip} enable", h.peer_exists),
    ("bgp bgp-vpn", "undo peer {peer:ip}", h.undo_peer),
    ("bgp bgp-af bgp-vpn", "network {prefix:ip} [{mask:mask}]", h.bgp_network),
    ("bgp bgp-af bgp-vpn", "undo network {prefix:ip} [{mask:mask}]", h.undo_bgp_network),
    ("bgp bgp-af bgp-vpn", "import-route {proto:word}", h.import_route),
    ("bgp bgp-af bgp-vpn", "undo import-route {proto:word}", h.undo_import_route),
    ("system", "acl [number] {acl:int(2000-2999)}", h.enter_acl),
    ("system", "undo acl [number] {acl:int(2000-2999)}", h.undo_acl),
    *_vrp.ACL,
    # The VPNv4 hand-off (Huawei "Configuring a BGP/MPLS IP VPN": mpls lsr-id, mpls, mpls
    # ldp, on the interface mpls / mpls ldp; bgp: peer connect-interface, peer ebgp-max-hop,
    # ipv4-family vpnv4 / peer enable).
    ("system", "mpls lsr-id {ip:ip}", h.noop),
    ("system", "mpls", mpls.enter_mpls),
    ("system", "mpls ldp", mpls.enter_ldp),
    ("system", "undo mpls", mpls.disable_mpls),
    ("interface", "mpls", h.noop),
    ("interface", "mpls ldp", h.noop),
    ("bgp", "peer {peer:ip} connect-interface {if:iface}", mpls.peer_source),
    ("bgp", "undo peer {peer:ip} connect-interface", mpls.undo_peer_source),
    ("bgp", "peer {peer:ip} ebgp-max-hop [{hops:int(1-255)}]", mpls.peer_max_hop),
    ("bgp", "undo peer {peer:ip} ebgp-max-hop", mpls.undo_peer_max_hop),
    ("bgp", "ipv4-family vpnv4 [unicast]", mpls.enter_vpnv4),
    ("bgp-vpnv4", "peer {peer:ip} enable", mpls.peer_vpnv4),
    ("bgp-vpnv4", "undo peer {peer:ip} enable", mpls.undo_peer_vpnv4),
    ("bgp-vpnv4", "[undo] policy vpn-target", h.noop),
]


def get_config_prompt(session: ConfigSession) -> str:
    view = session.view
    name = view.name or ""
    parts = {
        "system": [],
        "interface": [name],
        "vpn": ["vpn-instance", name],
        "vpn-af": ["vpn-instance", name, "af-ipv4"],
        "bgp": ["bgp"],
        "bgp-af": ["bgp", "af-ipv4"],
        "bgp-vpn": ["bgp", name],
        "bgp-vpn-af": ["bgp", "ipv4", name],
        "acl": ["acl-basic", name],
        "mpls": ["mpls"],
        "mpls-ldp": ["mpls-ldp"],
        "bgp-vpnv4": ["bgp", "af-vpnv4"],
    }[view.kind]
    return _vrp.get_prompt(session.device.sysname, parts)


BIND_INFO = "Info: All IPv4 related configurations on this interface are removed!"

CONFIG = ConfigSyntax(
    enter="system-view",
    prompt=get_config_prompt,
    exec_command=_vrp.get_exec_command,
    rules=compile_table(TABLE),
    interface_types=(
        "GigabitEthernet",
        "Ethernet",
        "XGigabitEthernet",
        "Vlanif",
        "LoopBack",
        "Eth-Trunk",
        "Tunnel",
        "Dialer",
        "Cellular",
        "NULL",
        "Virtual-Template",
    ),
    syntax_texts={
        SyntaxKind.UNRECOGNIZED: "Error: Unrecognized command found at '^' position.",
        SyntaxKind.WRONG: "Error: Wrong parameter found at '^' position.",
        SyntaxKind.INCOMPLETE: "Error: Incomplete command found at '^' position.",
        SyntaxKind.TOO_MANY: "Error: Too many parameters found at '^' position.",
        SyntaxKind.AMBIGUOUS: "Error: Ambiguous command found at '^' position.",
    },
    problems={
        "no_vpn": "Error: The VPN instance does not exist.",
        "overlap": "Error: The specified address conflicts with another address.",
        "bad_host": "Error: The specified IP address is invalid.",
        "rd_first": "Error: Please configure the RD first.",
        "rd_set": "Error: The RD has been configured.",
        "no_rd": "Error: Please configure the RD first.",
        "not_bound": "Error: The interface is not bound to the VPN instance.",
        "vlan_in_use": "Error: The VLAN has been used by another sub-interface.",
        "no_route": "Error: The static route does not exist.",
        "inconsistent_mask": "Error: The destination address and mask do not match.",
        "bgp_as": "Error: The AS number is different from the existing BGP AS number {asn}.",
        "no_peer": "Error: The peer does not exist.",
        "no_nat": "Error: The NAT configuration does not exist.",
        "vpn_deleted": "",
        "bind": BIND_INFO,
        "unbind": BIND_INFO,
    },
    description_max=242,
    rt_needs_rd=True,
    leave_all="return",
    leave_one="quit",
)


# --- the shell ----------------------------------------------------------------------------

BANNER = (
    "\r\n\r\nInfo: The max number of VTY users is 5, and the number\r\n"
    "      of current VTY users on line is 1.\r\n"
    "      The current login time is 2026-01-05 09:30:00+08:00.\r\n"
)
SYSTEM_VIEW = "Enter system view, return user view with Ctrl+Z."
SAVE_QUESTION = (
    "The current configuration will be written to the device.\nAre you sure to continue? (y/n)[n]:"
)
SAVED = (
    "It will take several minutes to save configuration file, please wait.........\n"
    "Configuration file had been saved successfully\n"
    "Note: The configuration file will take effect after being activated\n"
)


def run_session_command(session: Session, words: list[str]) -> list[Chunk] | None:
    """``save`` (asks first) and ``screen-length 0 temporary``, then VRP's own."""
    text = " ".join(w.lower() for w in words)
    if text == "save":
        session.mode = Mode.CONFIRM
        return [Chunk(ChunkKind.OUTPUT, SAVE_QUESTION.replace("\n", "\r\n"))]
    if text == "screen-length 0 temporary":
        session.page_lines = 0
        return [session.output(SCREEN_LENGTH)]
    return _vrp.run_session_command(session, words, SYSTEM_VIEW)


# --- the hardware the generator gives its routers -----------------------------------------

MODELS = (
    ("AR2240", ("V200R010C10SPC700", "V200R009C00SPC500")),
    ("AR3260", ("V200R010C10SPC700", "V200R007C00SPC900")),
    ("AR6140-16G4XG", ("V300R019C10SPC300", "V300R021C10SPC100")),
)


def make_serial(rng: random.Random) -> str:
    return f"2102{rng.randrange(10**6, 10**7)}P0K{rng.randrange(10**6):06d}"


def get_port_names(legacy: bool) -> Iterator[str]:
    """Slot, card, port; a big county core is a chassis: never a shortage of ports."""
    for slot in itertools.count():
        for card in range(8):
            for port in range(8 if (slot, card) == (0, 0) else 24):
                yield f"GigabitEthernet{slot}/{card}/{port}"


# --- what the oracle's facts take from this output ----------------------------------------


def get_nat_as_shown(device: Device, rule: NatRule) -> tuple[str | None, str | None]:
    """``display nat outbound`` names an address pool by its address-group number."""
    if rule.kind is NatKind.OUTBOUND:
        return _address_groups(device)[str(rule.pool)], rule.interface
    return rule.pool, rule.interface


VENDOR = Vendor(
    platform="huawei",
    order=1,
    name="huawei",
    commands=COMMANDS,
    show_syntax=SYNTAX,
    running_config="display current-configuration",
    banner=BANNER,
    prompt=_vrp.get_exec_prompt,
    more=("  ---- More ----", "\x1b[42D" + " " * 42 + "\x1b[42D"),
    saved=SAVED,
    session_command=run_session_command,
    config=CONFIG,
    models=MODELS,
    make_serial=make_serial,
    port_names=get_port_names,
    mac_prefix="00e0-fc",
    loopback="LoopBack0",
    first_acl=2000,
    factory_sysname="Huawei",
    ospf_peer_is_router_id=True,  # `display ospf peer brief` shows the router ID
    nat_as_shown=get_nat_as_shown,
    probes=HUAWEI_PROBES,
)
