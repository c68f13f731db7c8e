"""H3C Comware 7 (MSR routers) in the lab: all the lab knows of this vendor.

What a survey reads (``display`` output rendered from the model), configuration mode (the
command table, views and prompts, error texts), the shell (banner, paging, ``save force``,
``screen-length disable``), the hardware the generator gives its routers, and what the
oracle's facts take from its output. Shared with Huawei VRP: govnet_lab.vendors._vrp.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from ipaddress import IPv4Network
from typing import TYPE_CHECKING

from govnet_lab.configure import handlers as h
from govnet_lab.configure import vpnv4 as mpls
from govnet_lab.configure.patterns import SyntaxKind
from govnet_lab.configure.syntax import ConfigSyntax, Handler, compile_table
from govnet_lab.model import Device, InterfaceKind, NatKind, NatRule, get_routing_table
from govnet_lab.render.common import (
    Command,
    Syntax,
    bgp_tables,
    command,
    counted_command,
    duration_words,
    peer_counters,
    prefixes_from,
    pseudo_mac,
    row,
    short_name,
    truncate,
    vpnv4_prefixes_from,
)
from govnet_lab.shell import Chunk
from govnet_lab.vendors import Vendor, _comware_detail, _detail, _saved, _vrp
from govnet_lab.vendors._probe_vrp import COMWARE_PROBES

if TYPE_CHECKING:
    from govnet_lab.configure.session import ConfigSession
    from govnet_lab.session import Session

SHORT = (
    ("Ten-GigabitEthernet", "XGE"),
    ("GigabitEthernet", "GE"),
    ("InLoopBack", "InLoop"),
    ("LoopBack", "Loop"),
    ("Vlan-interface", "Vlan"),
    ("Route-Aggregation", "RAGG"),
    ("Tunnel", "Tun"),
    ("Dialer", "Dia"),
    ("Serial", "Ser"),
    ("Cellular", "Cellular"),
)

SYNTAX = Syntax(
    prompt=lambda d: f"<{d.sysname}>",
    unrecognized=" % Unrecognized command found at '^' position.",
    ambiguous=" % Ambiguous command found at '^' position.",
    incomplete=" % Incomplete command found at '^' position.",
    wrong=" % Wrong parameter found at '^' position.",
)


def _short(name: str) -> str:
    return short_name(name, SHORT)


def version_text(device: Device, _: list[str]) -> str:
    release = device.os_version
    image = release.split("Release")[-1].strip()
    series = device.model[:5]
    return "\n".join(
        [
            f"H3C Comware Software, Version {release}",
            "Copyright (c) 2004-2019 New H3C Technologies Co., Ltd. All rights reserved.",
            f"H3C {device.model} uptime is {duration_words(device.uptime_s, always_weeks=True)}",
            "Last reboot reason : Cold reboot",
            f"Boot image: flash:/{series}-CMW710-BOOT-R{image}.bin",
            f"Boot image version: {release}",
            "  Compiled Sep 17 2019 15:00:00",
            f"System image: flash:/{series}-CMW710-SYSTEM-R{image}.bin",
            f"System image version: {release}",
            "  Compiled Sep 17 2019 15:00:00",
            "",
            "",
            "SLOT 0",
            "CPU type:         Multi-core CPU",
            "DDR4 SDRAM Memory 4096M bytes",
            "FLASH:            4096M bytes",
            "CPLD_A Version:   2.0",
            "Release Version:  H3C MSR-0821P16",
            "Basic  BootWare Version:  1.42",
            "Extend BootWare Version:  1.42",
        ]
    )


def manuinfo_text(device: Device, _: list[str]) -> str:
    return "\n".join(
        [
            "Chassis self:",
            f"DEVICE_NAME          : {device.model}",
            f"DEVICE_SERIAL_NUMBER : {device.serial}",
            "MAC_ADDRESS          : NONE",
            "MANUFACTURING_DATE   : 2019-06-12",
            "VENDOR_NAME          : H3C",
        ]
    )


def silent_text(_device: Device, _: list[str]) -> str:
    return ""


# --- configuration ------------------------------------------------------------------------


def config_text(device: Device, _: list[str]) -> str:
    lines = ["#", f" version {device.os_version}", "#", f" sysname {device.sysname}", "#"]
    if device.mpls:  # per-interface mpls enable / mpls ldp enable are not modelled
        lines += [f"mpls lsr-id {device.router_id}", "#", "mpls ldp", "#"]
    for vpn in device.vpn_instances:
        lines.append(f"ip vpn-instance {vpn.name}")
        if vpn.description:
            lines.append(f" description {vpn.description}")
        if vpn.route_distinguisher:
            lines.append(f" route-distinguisher {vpn.route_distinguisher}")
        lines += [f" vpn-target {t} import-extcommunity" for t in vpn.import_targets]
        lines += [f" vpn-target {t} export-extcommunity" for t in vpn.export_targets]
        lines.append("#")
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
    for iface in device.interfaces:
        lines.append(f"interface {iface.name}")
        if iface.kind is InterfaceKind.PHYSICAL:
            lines.append(" port link-mode route")
        if iface.description:
            lines.append(f" description {iface.description}")
        if iface.vpn_instance:
            lines.append(f" ip binding vpn-instance {iface.vpn_instance}")
        if iface.address is not None:
            lines.append(f" ip address {iface.address.ip} {iface.address.netmask}")
        if iface.dot1q is not None:
            lines.append(f" vlan-type dot1q vid {iface.dot1q}")
        for rule in device.nat_rules:
            if rule.interface != iface.name:
                continue
            if rule.kind is NatKind.EASY_IP:
                lines.append(f" nat outbound {rule.acl}")
            elif rule.kind is NatKind.OUTBOUND:
                lines.append(f" nat outbound {rule.acl} address-group {_group(device, rule.pool)}")
            elif rule.kind is NatKind.STATIC:
                lines.append(" nat static enable")
            else:
                lines.append(
                    f" nat server global {rule.global_address} inside {rule.inside_address}"
                )
        if not iface.admin_up:
            lines.append(" shutdown")
        lines.append("#")
    lines += _bgp_config(device)
    for s in device.static_routes:
        scope = f"vpn-instance {s.vpn_instance} " if s.vpn_instance else ""
        parts = [f" ip route-static {scope}{s.prefix.network_address} {s.prefix.prefixlen}"]
        if s.interface:
            parts.append(s.interface)
        if s.next_hop:
            parts.append(str(s.next_hop))
        if s.preference != 60:
            parts.append(f"preference {s.preference}")
        lines.append(" ".join(parts))
    if device.static_routes:
        lines.append("#")
    for acl in device.acls:
        kind = "basic" if not acl.number.isdigit() or int(acl.number) < 3000 else "advanced"
        lines.append(
            f"acl {kind} {acl.number}" if acl.number.isdigit() else f"acl {kind} name {acl.number}"
        )
        what = "" if kind == "basic" else "ip "
        for i, net in enumerate(acl.permit):
            lines.append(f" rule {5 * i} permit {what}source {net.network_address} {net.hostmask}")
        lines.append("#")
    for rule in device.nat_rules:
        if rule.kind is NatKind.OUTBOUND and rule.pool_start:
            lines += [
                f"nat address-group {_group(device, rule.pool)}",
                f" address {rule.pool_start} {rule.pool_end}",
                "#",
            ]
    for rule in device.nat_rules:
        if rule.kind is NatKind.STATIC:
            lines.append(f"nat static outbound {rule.inside_address} {rule.global_address}")
    if any(r.kind is NatKind.STATIC for r in device.nat_rules):
        lines.append("#")
    lines += [
        "line class console",
        " user-role network-admin",
        "#",
        "line vty 0 63",
        " authentication-mode scheme",
        " user-role network-operator",
        "#",
        " ssh server enable",
        "#",
        "return",
    ]
    return "\n".join(lines)


def _group(device: Device, pool: str | None) -> str:
    if pool and pool.isdigit():
        return pool
    pools: list[str] = []
    for r in device.nat_rules:
        if r.kind is NatKind.OUTBOUND and r.pool and r.pool not in pools:
            pools.append(r.pool)
    return str(pools.index(pool) + 1) if pool in pools else "0"


def _bgp_config(device: Device) -> list[str]:
    """``bgp`` as Comware 7 writes it: peers, ``address-family ipv4 unicast`` with
    ``network A M`` and ``peer X enable`` / ``peer X prefix-list N export``, each VPN
    instance's peers and family under ``ip vpn-instance``; then ``ip prefix-list``.
    Follows the Comware 7 BGP and routing policy command references' syntax (``network
    ip-address [ mask-length | mask ]``, ``peer ... prefix-list ... export``, ``ip
    prefix-list NAME index N permit A L``); no saved Comware configuration with these lines
    was found (doubtful: the mask is written in full)."""
    if device.bgp_as is None:
        return []
    lines = [f"bgp {device.bgp_as}"]
    if device.router_id:
        lines.append(f" router-id {device.router_id}")
    public = [p for p in device.bgp_peers if p.vpn_instance is None]
    for p in public:
        lines.append(f" peer {p.address} as-number {p.remote_as}")
        if p.connect_interface is not None:
            lines.append(f" peer {p.address} connect-interface {p.connect_interface}")
        if p.ebgp_max_hop is not None:
            lines.append(f" peer {p.address} ebgp-max-hop {p.ebgp_max_hop}")
    lines += [" #", " address-family ipv4 unicast"]
    lines += _family_lines(device, None, "  ")
    vpnv4 = [p for p in public if p.vpnv4]
    if vpnv4:  # H3C MPLS L3VPN configuration examples: address-family vpnv4 / peer enable
        lines += [" #", " address-family vpnv4"]
        lines += [f"  peer {p.address} enable" for p in vpnv4]
    for vpn in bgp_tables(device)[1:]:
        peers = [p for p in device.bgp_peers if p.vpn_instance == vpn]
        lines += [" #", f" ip vpn-instance {vpn}"]
        lines += [f"  peer {p.address} as-number {p.remote_as}" for p in peers]
        lines += ["  #", "  address-family ipv4 unicast"]
        lines += _family_lines(device, vpn, "   ")
    lines.append("#")
    return lines + _vrp.prefix_list_lines(device, "ip prefix-list")


def _family_lines(device: Device, vpn: str | None, indent: str) -> list[str]:
    lines: list[str] = []
    for origin in (o for o in device.bgp_origins if o.vpn_instance == vpn):
        if origin.protocol is not None:
            lines.append(f"{indent}import-route {origin.protocol}")
        elif origin.prefix is not None:
            lines.append(f"{indent}network {origin.prefix.network_address} {origin.prefix.netmask}")
    for peer in (p for p in device.bgp_peers if p.vpn_instance == vpn):
        if peer.vpnv4 and vpn is None:
            continue  # a VPNv4 peer: enabled in that family only
        lines.append(f"{indent}peer {peer.address} enable")
        if peer.export is not None:
            lines.append(f"{indent}peer {peer.address} prefix-list {peer.export_list} export")
    return lines


# --- tables -------------------------------------------------------------------------------


def _link(up: bool, admin: bool) -> str:
    return "UP" if up else ("DOWN" if admin else "ADM")


def _proto(kind: InterfaceKind, up: bool) -> str:
    if kind is InterfaceKind.LOOPBACK:
        return "UP(s)" if up else "DOWN"
    return "UP" if up else "DOWN"


def interface_brief_text(device: Device, _: list[str]) -> str:
    widths = [21, 5, 9, 16]
    lines = [
        "Brief information on interfaces in route mode:",
        "Link: ADM - administratively down; Stby - standby",
        "Protocol: (s) - spoofing",
        "Interface            Link Protocol Primary IP      Description",
    ]
    for iface in device.interfaces:
        lines.append(
            row(
                [
                    _short(iface.name),
                    _link(iface.oper_up, iface.admin_up),
                    _proto(iface.kind, iface.oper_up),
                    iface.address.ip if iface.address else "--",
                    truncate(iface.description, 27),
                ],
                widths,
            )
        )
    lines.append(row(["NULL0", "UP", "UP(s)", "--"], widths))
    return "\n".join(lines)


def ip_interface_brief_text(device: Device, _: list[str]) -> str:
    widths = [25, 9, 9, 16]
    lines = [
        "*down: administratively down",
        "(s): spoofing  (l): loopback",
        "Interface                Physical Protocol IP Address      Description",
    ]
    for iface in device.interfaces:
        physical = "up" if iface.oper_up else ("down" if iface.admin_up else "*down")
        proto = _proto(iface.kind, iface.oper_up).lower()
        lines.append(
            row(
                [
                    _short(iface.name),
                    physical,
                    proto,
                    iface.address.ip if iface.address else "--",
                    truncate(iface.description, 12) or "--",
                ],
                widths,
            )
        )
    return "\n".join(lines)


def _routing_table(device: Device, vpn: str | None) -> str:
    entries: list[tuple[IPv4Network, str, int, int, str, str]] = []
    for r in get_routing_table(device, vpn):
        iface = _short(r.interface or "NULL0")
        if r.protocol == "direct":
            if r.local:
                entries.append((r.prefix, "Direct", 0, 0, "127.0.0.1", "InLoop0"))
                continue
            nh = str(r.next_hop)
            entries.append((r.prefix, "Direct", 0, 0, nh, iface))
            if r.prefix.prefixlen < 31:
                for host in (r.prefix.network_address, r.prefix.broadcast_address):
                    entries.append((IPv4Network(f"{host}/32"), "Direct", 0, 0, nh, iface))
            continue
        proto = {"static": "Static", "ospf": "O_INTRA", "bgp": "BGP"}[r.protocol]
        entries.append((r.prefix, proto, r.preference, r.cost, str(r.next_hop or "0.0.0.0"), iface))
    fixed = [
        ("0.0.0.0/32", "127.0.0.1", "InLoop0"),
        ("127.0.0.0/8", "127.0.0.1", "InLoop0"),
        ("127.0.0.0/32", "127.0.0.1", "InLoop0"),
        ("127.0.0.1/32", "127.0.0.1", "InLoop0"),
        ("127.255.255.255/32", "127.0.0.1", "InLoop0"),
        ("224.0.0.0/4", "0.0.0.0", "NULL0"),
        ("224.0.0.0/24", "0.0.0.0", "NULL0"),
        ("255.255.255.255/32", "127.0.0.1", "InLoop0"),
    ]
    for prefix, nh, iface in fixed:
        entries.append((IPv4Network(prefix), "Direct", 0, 0, nh, iface))
    entries.sort(key=lambda e: (int(e[0].network_address), e[0].prefixlen))
    lines = [
        "",
        f"Destinations : {len(entries):<9} Routes : {len(entries)}",
        "",
        "Destination/Mask   Proto   Pre Cost        NextHop         Interface",
    ]
    for network, proto, pre, cost, nh, name in entries:
        lines.append(row([network, proto, pre, cost, nh, name], [19, 8, 4, 12, 16]))
    return "\n".join(lines)


def routing_table_text(device: Device, _: list[str]) -> str:
    return _routing_table(device, None)


def vpn_routing_table_text(device: Device, args: list[str]) -> str:
    if device.get_vpn_instance(args[0]) is None:
        return " % The VPN instance does not exist."
    return _routing_table(device, args[0])


def vpn_instance_text(device: Device, _: list[str]) -> str:
    lines = [
        f"  Total VPN-Instances configured : {len(device.vpn_instances)}",
        "",
        "  VPN-Instance Name               RD                     Create time",
    ]
    for vpn in device.vpn_instances:
        lines.append(
            "  " + row([vpn.name, vpn.route_distinguisher or "", "2019/06/12 10:00:00"], [32, 23])
        )
    return "\n".join(lines)


def _bgp_peers(device: Device, vpn: str | None, vpnv4: bool = False) -> str:
    """``display bgp peer ipv4 [vpn-instance V]``, or with ``vpnv4`` ``display bgp peer
    vpnv4``: one address family's peers. On Comware 7 a peer is in no family until ``peer X
    enable`` there (H3C BGP command reference, "peer enable"), so a VPNv4 peer of the
    hand-off (enabled under ``address-family vpnv4`` only) is listed by ``display bgp peer
    vpnv4``, not by ``display bgp peer ipv4`` (H3C MPLS L3VPN configuration examples verify
    the PE-to-PE session with ``display bgp peer vpnv4``; same columns as the IPv4 table)."""
    if device.bgp_as is None:
        return ""
    peers = [
        p
        for p in device.bgp_peers
        if p.vpn_instance == vpn and (p.vpnv4 if vpnv4 else vpn is not None or not p.vpnv4)
    ]
    established = sum(1 for p in peers if p.established)
    lines = [
        "",
        f" BGP local router ID: {device.router_id or '0.0.0.0'}",
        f" Local AS number: {device.bgp_as}",
        f" Total number of peers: {len(peers):<17}Peers in established state: {established}",
        "",
        "  * - Dynamically created peer",
        "  Peer                    AS  MsgRcvd  MsgSent OutQ PrefRcv Up/Down  State",
        "",
    ]
    for p in peers:
        rcvd, sent = peer_counters(p.uptime_s, p.established)
        prefixes = 0
        if p.established:
            prefixes = (
                vpnv4_prefixes_from(device, p.address)
                if vpnv4
                else prefixes_from(device, p.address, vpn)
            )
        state = "Established" if p.established else "Idle"
        lines.append(
            f"  {p.address!s:<15} {p.remote_as:>10} {rcvd:>8} {sent:>8} {0:>4} {prefixes:>7} "
            f"{_vrp.get_peer_age(p.uptime_s)} {state}"
        )
    return "\n".join(lines)


def bgp_peer_text(device: Device, _: list[str]) -> str:
    return _bgp_peers(device, None)


def vpn_bgp_peer_text(device: Device, args: list[str]) -> str:
    return _bgp_peers(device, args[0])


def vpnv4_bgp_peer_text(device: Device, _: list[str]) -> str:
    return _bgp_peers(device, None, vpnv4=True)


def ospf_peer_text(device: Device, _: list[str]) -> str:
    lines: list[str] = []
    for process in sorted({n.process for n in device.ospf_neighbours}):
        lines += [
            "",
            f"         OSPF Process {process} with Router ID {device.router_id or '0.0.0.0'}",
            "               Neighbor Brief Information",
        ]
        neighbours = [n for n in device.ospf_neighbours if n.process == process]
        for area in sorted({n.area for n in neighbours}):
            lines += [
                "",
                f" Area: {area}",
                " Router ID       Address         Pri Dead-Time  State             Interface",
            ]
            for n in neighbours:
                if n.area == area:
                    state = "Full/DR" if n.full else "Init/DROther"
                    lines.append(
                        " "
                        + row(
                            [n.router_id, n.address, 1, 37, state, _short(n.interface)],
                            [16, 16, 4, 11, 18],
                        )
                    )
    return "\n".join(lines)


def nat_outbound_text(device: Device, _: list[str]) -> str:
    rules = [r for r in device.nat_rules if r.kind in (NatKind.OUTBOUND, NatKind.EASY_IP)]
    lines = ["NAT outbound information:", f"  There are {len(rules)} NAT outbound rules."]
    for rule in rules:
        group = _group(device, rule.pool) if rule.kind is NatKind.OUTBOUND else "---"
        lines += [
            f"  Interface: {rule.interface}",
            f"    ACL: {rule.acl or '---':<10} Address group ID: {group:<7} Port-preserved: N",
            "    NO-PAT: N         Reversible: N",
            "    Config status: Active",
            "",
        ]
    return "\n".join(lines).rstrip("\n")


def lldp_list_text(device: Device, _: list[str]) -> str:
    lines = [
        "Chassis ID : * -- -- Nearest nontpmr bridge neighbor",
        "             # -- -- Nearest customer bridge neighbor",
        "             Default -- -- Nearest bridge neighbor",
        "System Name           Local Interface Chassis ID      Port ID",
    ]
    for n in device.lldp_neighbours:
        lines.append(
            row(
                [n.system_name, _short(n.local_interface), pseudo_mac(n.system_name), n.port],
                [22, 16, 16],
            )
        )
    return "\n".join(lines)


def arp_text(device: Device, _: list[str]) -> str:
    lines = [
        "  Type: S-Static   D-Dynamic   O-Openflow   R-Rule   M-Multiport  I-Invalid",
        "IP address      MAC address    VLAN/VSI name Interface                Aging Type",
    ]
    for entry in device.arp:
        iface = device.get_interface(entry.interface)
        vlan = str(iface.dot1q) if iface is not None and iface.dot1q is not None else "N/A"
        lines.append(
            row(
                [entry.address, entry.mac, vlan, _short(entry.interface), 1167, "D"],
                [16, 15, 14, 25, 6],
            )
        )
    return "\n".join(lines)


COMMANDS: tuple[Command, ...] = (
    command("di:splay ver:sion", version_text),
    command("di:splay dev:ice m:anuinfo", manuinfo_text),
    command("di:splay cu:rrent-configuration", config_text),
    command("di:splay saved:-configuration", _saved.saved_text(config_text)),
    command("di:splay ip int:erface br:ief", ip_interface_brief_text),
    command("di:splay int:erface br:ief", interface_brief_text),
    counted_command("di:splay int:erface", _detail.comware_text),
    counted_command("di:splay int:erface <name>", _detail.comware_text),
    counted_command("di:splay int:erface <type> <number>", _detail.comware_text),
    command("di:splay ip ro:uting-table", routing_table_text),
    command("di:splay ip ro:uting-table vpn:-instance <name>", vpn_routing_table_text),
    command("di:splay ip vpn:-instance", vpn_instance_text),
    command("di:splay bg:p pe:er ipv4", bgp_peer_text),
    command("di:splay bg:p pe:er vpnv4", vpnv4_bgp_peer_text),
    command("di:splay bg:p pe:er", bgp_peer_text),
    command("di:splay bg:p pe:er ipv4 vpn:-instance <name>", vpn_bgp_peer_text),
    command("di:splay ospf pe:er", ospf_peer_text),
    command("di:splay nat outb:ound", nat_outbound_text, gated=1),
    command("di:splay ll:dp n:eighbor-information l:ist", lldp_list_text, gated=1),
    command("di:splay a:rp", arp_text),
    *_comware_detail.COMMANDS,  # display ip interface, display lldp neighbor-information verbose
    command("screen-length dis:able", silent_text),
)


# --- configuration mode -------------------------------------------------------------------

TABLE: list[tuple[str, str, Handler]] = [
    ("system", "sysname {name:text}", h.sysname),
    ("system", "ip vpn-instance {vpn:word}", h.enter_vpn),
    ("system", "undo ip vpn-instance {vpn:word}", h.undo_vpn),
    ("vpn", "address-family ipv4 [unicast]", h.vpn_af),
    ("vpn", "route-distinguisher {rd:rt}", h.rd),
    (
        "vpn vpn-af",
        "vpn-target {rt:rt} [{dir:export-extcommunity|import-extcommunity|both}]",
        h.vpn_target,
    ),
    ("vpn", "description {text:text}", h.description),
    ("interface", "vlan-type dot1q vid {vid:int(1-4094)}", h.dot1q),
    *_vrp.INTERFACE,
    ("interface", "undo nat outbound {acl:int(2000-3999)}", h.undo_nat),  # no address-group
    *_vrp.ROUTES,
    ("system", "bgp {asn:asn}", h.enter_bgp),
    ("bgp bgp-vpn", "address-family ipv4 [unicast]", h.bgp_af),
    ("bgp", "ip vpn-instance {vpn:word}", h.bgp_vpn),
    ("bgp bgp-vpn", "peer {peer:ip} as-number {asn:asn}", h.peer),
    ("bgp bgp-vpn", "peer {peer:ip} description {text:text}", h.peer_description),
    ("bgp-af bgp-vpn-af", "peer {peer:ip} enable", h.peer_exists),
    ("bgp bgp-vpn", "undo peer {peer:ip}", h.undo_peer),
    ("bgp-af bgp-vpn-af", "network {prefix:ip} [{mask:mask}]", h.bgp_network),
    ("bgp-af bgp-vpn-af", "undo network {prefix:ip} [{mask:mask}]", h.undo_bgp_network),
    ("bgp-af bgp-vpn-af", "import-route {proto:word}", h.import_route),
    ("bgp-af bgp-vpn-af", "undo import-route {proto:word}", h.undo_import_route),
    ("system", "acl basic {acl:int(2000-2999)}", h.enter_acl),
    ("system", "acl number {acl:int(2000-2999)}", h.enter_acl),
    ("system", "undo acl {kind:basic|number} {acl:int(2000-2999)}", h.undo_acl),
    *_vrp.ACL,
    # The VPNv4 hand-off (H3C MPLS command reference: mpls lsr-id, mpls ldp, on the
    # interface mpls enable / mpls ldp enable; MPLS L3VPN: bgp address-family vpnv4 / peer
    # enable; BGP: peer connect-interface, peer ebgp-max-hop).
    ("system", "mpls lsr-id {ip:ip}", h.noop),
    ("system", "mpls ldp", mpls.enter_ldp),
    ("system", "undo mpls ldp", mpls.disable_mpls),
    ("interface", "mpls enable", mpls.enable_mpls),
    ("interface", "mpls ldp enable", h.noop),
    ("bgp", "peer {peer:ip} connect-interface {if:iface}", mpls.peer_source),
    ("bgp", "undo peer {peer:ip} connect-interface", mpls.undo_peer_source),
    ("bgp", "peer {peer:ip} ebgp-max-hop [{hops:int(1-255)}]", mpls.peer_max_hop),
    ("bgp", "undo peer {peer:ip} ebgp-max-hop", mpls.undo_peer_max_hop),
    ("bgp", "address-family vpnv4", mpls.enter_vpnv4),
    ("bgp-vpnv4", "peer {peer:ip} enable", mpls.peer_vpnv4),
    ("bgp-vpnv4", "undo peer {peer:ip} enable", mpls.undo_peer_vpnv4),
]


def get_config_prompt(session: ConfigSession) -> str:
    view = session.view
    name = view.name or ""
    parts = {
        "system": [],
        "interface": [name],
        "vpn": ["vpn-instance", name],
        "vpn-af": ["vpn-ipv4", name],
        "bgp": ["bgp-default"],
        "bgp-af": ["bgp-default", "ipv4"],
        "bgp-vpn": ["bgp-default", name],
        "bgp-vpn-af": ["bgp-default", "ipv4", name],
        "acl": ["acl-ipv4-basic", name],
        "mpls-ldp": ["ldp"],
        "bgp-vpnv4": ["bgp-default", "vpnv4"],
    }[view.kind]
    return _vrp.get_prompt(session.device.sysname, parts)


CONFIG = ConfigSyntax(
    enter="system-view",
    prompt=get_config_prompt,
    exec_command=_vrp.get_exec_command,
    rules=compile_table(TABLE),
    interface_types=(
        "GigabitEthernet",
        "Ten-GigabitEthernet",
        "Vlan-interface",
        "LoopBack",
        "Route-Aggregation",
        "Tunnel",
        "Dialer",
        "Cellular",
        "NULL",
        "Virtual-Template",
    ),
    syntax_texts={
        SyntaxKind.UNRECOGNIZED: " % Unrecognized command found at '^' position.",
        SyntaxKind.WRONG: " % Wrong parameter found at '^' position.",
        SyntaxKind.INCOMPLETE: " % Incomplete command found at '^' position.",
        SyntaxKind.TOO_MANY: " % Too many parameters found at '^' position.",
        SyntaxKind.AMBIGUOUS: " % Ambiguous command found at '^' position.",
    },
    problems={
        "no_vpn": "The VPN instance does not exist.",
        "overlap": "The IP address {ip} overlaps with interface {other}.",
        "bad_host": "Invalid IP address.",
        "rd_first": "Please configure the RD first.",
        "rd_set": "The RD has been configured.",
        "no_rd": "Please configure the RD first.",
        "not_bound": "The interface is not bound to the VPN instance.",
        "vlan_in_use": "The VLAN ID has been used by another subinterface.",
        "no_route": "The static route does not exist.",
        "inconsistent_mask": "The destination address and mask do not match.",
        "bgp_as": "A BGP process with AS number {asn} already exists.",
        "no_peer": "The peer does not exist.",
        "no_nat": "The NAT configuration does not exist.",
        "vpn_deleted": "",
        "bind": "",
        "unbind": "",
    },
    description_max=255,
    rt_needs_rd=True,
    leave_all="return",
    leave_one="quit",
)


# --- the shell ----------------------------------------------------------------------------

STAR = "*" * 78
BANNER = (
    f"\r\n{STAR}\r\n"
    "* Copyright (c) 2004-2021 New H3C Technologies Co., Ltd. All rights reserved.*\r\n"
    "* Without the owner's prior written consent,                                 *\r\n"
    "* no decompiling or reverse-engineering shall be allowed.                    *\r\n"
    f"{STAR}\r\n\r\n"
)
SYSTEM_VIEW = "System View: return to User View with Ctrl+Z."
SAVED = (
    "Validating file. Please wait...\n"
    "Saved the current configuration to mainboard device successfully.\n"
)


def run_session_command(session: Session, words: list[str]) -> list[Chunk] | None:
    """``save force`` and ``screen-length disable``, then VRP's own."""
    text = " ".join(w.lower() for w in words)
    if text == "save force":
        session.save_config()
        return [session.output(SAVED)]
    if text == "screen-length disable":
        session.page_lines = 0
        return [session.output("")]
    return _vrp.run_session_command(session, words, SYSTEM_VIEW)


# --- the hardware the generator gives its routers -----------------------------------------

MODELS = (
    ("MSR3620", ("7.1.064, Release 0821P16", "7.1.064, Release 0707P03")),
    ("MSR3640", ("7.1.064, Release 0821P16",)),
    ("MSR5620", ("7.1.064, Release 0615P08",)),
)


def make_serial(rng: random.Random) -> str:
    return f"210235A1BSH{rng.randrange(10, 23)}C{rng.randrange(10**6):06d}"


def get_port_names(legacy: bool) -> Iterator[str]:
    """Slot (from 1), then 24 ports on card 0."""
    for slot in itertools.count(1):
        for port in range(24):
            yield f"GigabitEthernet{slot}/0/{port}"


# --- what the oracle's facts take from this output ----------------------------------------


def get_nat_as_shown(device: Device, rule: NatRule) -> tuple[str | None, str | None]:
    """An address group by its number; ``nat static outbound`` is global, so a static rule
    shows the interface that enables it only when there is one."""
    pool = _group(device, rule.pool) if rule.kind is NatKind.OUTBOUND else rule.pool
    interface: str | None = rule.interface
    if rule.kind is NatKind.STATIC:
        static = {r.interface for r in device.nat_rules if r.kind is NatKind.STATIC}
        interface = rule.interface if len(static) == 1 else None
    return pool, interface


VENDOR = Vendor(
    platform="hp_comware",
    order=2,
    name="h3c",
    commands=COMMANDS,
    show_syntax=SYNTAX,
    running_config="display current-configuration",
    banner=BANNER,
    prompt=_vrp.get_exec_prompt,
    more=("---- More ----", "\x1b[16D" + " " * 16 + "\x1b[16D"),
    saved=SAVED,
    session_command=run_session_command,
    config=CONFIG,
    models=MODELS,
    make_serial=make_serial,
    port_names=get_port_names,
    mac_prefix="3891-d5",
    loopback="LoopBack0",
    first_acl=2000,
    factory_sysname="H3C",
    nat_as_shown=get_nat_as_shown,
    # `display arp` lists learnt and static entries only, by VLAN/VSI, never a VPN instance
    # (ntc-templates tests/hp_comware/display_arp/hp_comware_display_arp.raw)
    arp_shows_own=False,
    arp_shows_vpn=False,
    probes=COMWARE_PROBES,
)
