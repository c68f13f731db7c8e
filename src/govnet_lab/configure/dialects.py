"""Each vendor's configuration mode: its command table, interface types and texts."""

from __future__ import annotations

from govnet_lab.configure import handlers as h
from govnet_lab.configure.patterns import SyntaxKind
from govnet_lab.configure.syntax import ConfigSyntax, Handler, compile_table
from govnet_lab.model import Platform

_ROUTE = "[vpn-instance {vpn:word}] {prefix:ip} {mask:mask}"
_VRP_ROUTES: list[tuple[str, str, Handler]] = [
    ("system", f"ip route-static {_ROUTE} {{nh:ip}} [preference {{pref:int(1-255)}}]", h.route),
    (
        "system",
        f"ip route-static {_ROUTE} {{oif:iface}} [{{nh:ip}}] [preference {{pref:int(1-255)}}]",
        h.route,
    ),
    ("system", f"undo ip route-static {_ROUTE} [{{nh:ip}}]", h.undo_route),
    ("system", f"undo ip route-static {_ROUTE} {{oif:iface}} [{{nh:ip}}]", h.undo_route),
]
_VRP_INTERFACE: list[tuple[str, str, Handler]] = [
    ("system", "interface {if:iface}", h.enter_interface),
    ("system", "undo interface {if:iface}", h.undo_interface),
    ("interface", "description {text:text}", h.description),
    ("interface", "undo description", h.description),
    ("interface", "ip binding vpn-instance {vpn:word}", h.bind),
    ("interface", "undo ip binding vpn-instance {vpn:word}", h.unbind),
    ("interface", "ip address {ip:ip} {mask:mask}", h.address),
    ("interface", "undo ip address [{ip:ip} {mask:mask}]", h.no_address),
    ("interface", "shutdown", h.shutdown),
    ("interface", "undo shutdown", h.no_shutdown),
    ("interface", "nat outbound {acl:int(2000-3999)} [address-group {pool:int(0-255)}]", h.nat),
]
_VRP_ACL: list[tuple[str, str, Handler]] = [
    (
        "acl",
        "rule [{id:int(0-4294967294)}] {action:permit|deny} source {src:ip} {wild:wild}",
        h.acl_rule,
    ),
    ("acl", "rule [{id:int(0-4294967294)}] {action:permit|deny} [source {any:any}]", h.acl_rule),
]

_HUAWEI_TABLE: list[tuple[str, str, Handler]] = [
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
    *_VRP_INTERFACE,
    (
        "interface",
        "undo nat outbound {acl:int(2000-3999)} [address-group {pool:int(0-255)}]",
        h.undo_nat,
    ),
    *_VRP_ROUTES,
    ("system", "bgp {asn:asn}", h.enter_bgp),
    ("bgp", "ipv4-family unicast", h.bgp_af),
    ("bgp", "ipv4-family vpn-instance {vpn:word}", h.bgp_vpn),
    ("bgp bgp-vpn", "peer {peer:ip} as-number {asn:asn}", h.peer),
    ("bgp bgp-vpn", "peer {peer:ip} description {text:text}", h.peer_description),
    ("bgp-af", "peer {peer:ip} enable", h.peer_exists),
    ("bgp bgp-vpn", "undo peer {peer:ip}", h.undo_peer),
    ("system", "acl [number] {acl:int(2000-2999)}", h.enter_acl),
    *_VRP_ACL,
]

_H3C_TABLE: list[tuple[str, str, Handler]] = [
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
    *_VRP_INTERFACE,
    ("interface", "undo nat outbound {acl:int(2000-3999)}", h.undo_nat),  # no address-group
    *_VRP_ROUTES,
    ("system", "bgp {asn:asn}", h.enter_bgp),
    ("bgp bgp-vpn", "address-family ipv4 [unicast]", h.bgp_af),
    ("bgp", "ip vpn-instance {vpn:word}", h.bgp_vpn),
    ("bgp bgp-vpn", "peer {peer:ip} as-number {asn:asn}", h.peer),
    ("bgp bgp-vpn", "peer {peer:ip} description {text:text}", h.peer_description),
    ("bgp-af bgp-vpn-af", "peer {peer:ip} enable", h.peer_exists),
    ("bgp bgp-vpn", "undo peer {peer:ip}", h.undo_peer),
    ("system", "acl basic {acl:int(2000-2999)}", h.enter_acl),
    ("system", "acl number {acl:int(2000-2999)}", h.enter_acl),
    *_VRP_ACL,
]

_IOS_ROUTE = "[vrf {vpn:word}] {prefix:ip} {mask:dmask}"
_IOS_TABLE: list[tuple[str, str, Handler]] = [
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
    ("bgp-af bgp-vpn", "exit-address-family", h.exit_af),
    (
        "system",
        "access-list {acl:int(1-99)} {action:permit|deny} {src:ip} [{wild:wild}]",
        h.acl_rule,
    ),
    ("system", "access-list {acl:int(1-99)} {action:permit|deny} {any:any}", h.acl_rule),
    ("system", "ip access-list {type:standard|extended} {acl:word}", h.ios_named_acl),
    ("acl", "[{seq:int(1-2147483647)}] {action:permit|deny} {src:ip} [{wild:wild}]", h.acl_rule),
    ("acl", "[{seq:int(1-2147483647)}] {action:permit|deny} {any:any}", h.acl_rule),
]


_VRP_BIND = "Info: All IPv4 related configurations on this interface are removed!"

_HUAWEI = ConfigSyntax(
    platform=Platform.HUAWEI,
    rules=compile_table(_HUAWEI_TABLE),
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
        "bind": _VRP_BIND,
        "unbind": _VRP_BIND,
    },
    description_max=242,
    rt_needs_rd=True,
    leave_all="return",
    leave_one="quit",
)

_COMWARE = ConfigSyntax(
    platform=Platform.COMWARE,
    rules=compile_table(_H3C_TABLE),
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

_IOS = ConfigSyntax(
    platform=Platform.IOS,
    rules=compile_table(_IOS_TABLE),
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
)

SYNTAXES = {s.platform: s for s in (_HUAWEI, _COMWARE, _IOS)}
