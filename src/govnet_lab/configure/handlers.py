"""The handlers of configuration mode, shared by every vendor's command table.

Each reads the values its pattern captured, by name, and calls the model operations; vendors
differ in how a command is written, not in what it does.
"""

from __future__ import annotations

from ipaddress import IPv4Interface, IPv4Network
from typing import TYPE_CHECKING

from govnet_lab.configure.operations import (
    add_nat,
    add_peer,
    add_static,
    add_target,
    bind_vpn,
    create_acl,
    create_vpn,
    delete_interface,
    delete_nat,
    delete_peer,
    delete_static,
    delete_vpn,
    find_peer,
    find_vpn,
    set_address,
    set_dot1q,
    set_rd,
    start_bgp,
    unbind_vpn,
)
from govnet_lab.configure.patterns import Captures, Refused, SyntaxFault, SyntaxKind
from govnet_lab.configure.syntax import SYSTEM, View
from govnet_lab.model import BgpOrigin, InterfaceKind, NatKind, NatRule, StaticRoute

if TYPE_CHECKING:
    from govnet_lab.configure.session import ConfigSession


def sysname(s: ConfigSession, c: Captures) -> str:
    name = c.get("name")
    if not name.isprintable() or len(name) > 64:
        raise c.wrong("name")
    s.device.prompt_name = None if name == s.device.hostname else name
    return ""


def noop(s: ConfigSession, c: Captures) -> str:
    """Accepted lines the model has no place for (e.g. ``ip nat inside``)."""
    return ""


def description(s: ConfigSession, c: Captures) -> str:
    text = c.get("text")  # None: undo/no description
    if text is not None and len(text) > s.syntax.description_max:
        raise c.wrong("text")
    view = s.view
    if view.kind == "interface":
        s.interface.description = text
    elif view.kind in ("vpn", "vpn-af"):
        find_vpn(s.device, s.vpn_name).description = text
    return ""


def enter_vpn(s: ConfigSession, c: Captures) -> str:
    create_vpn(s.device, c.get("vpn"))
    s.view = View("vpn", c.get("vpn"), SYSTEM)
    return ""


def undo_vpn(s: ConfigSession, c: Captures) -> str:
    unbound = delete_vpn(s.device, c.get("vpn"))
    return s.syntax.text("vpn_deleted", vpn=c.get("vpn")) if unbound else ""


def vpn_af(s: ConfigSession, c: Captures) -> str:
    s.view = View("vpn-af", s.view.name, s.view)
    return ""


def rd(s: ConfigSession, c: Captures) -> str:
    set_rd(find_vpn(s.device, s.vpn_name), c.get("rd"))
    return ""


def vpn_target(s: ConfigSession, c: Captures) -> str:
    direction = c.get("dir", "both")
    direction = {"export-extcommunity": "export", "import-extcommunity": "import"}.get(
        direction, direction
    )
    vpn = find_vpn(s.device, s.vpn_name)
    add_target(vpn, c.get("rt"), direction, s.syntax.rt_needs_rd)
    return ""


def enter_interface(s: ConfigSession, c: Captures) -> str:
    iface = s.resolve_interface(c, "if", create=True)
    s.view = View("interface", iface.name, SYSTEM)
    return ""


def undo_interface(s: ConfigSession, c: Captures) -> str:
    iface = s.resolve_interface(c, "if", create=False)
    if iface.kind == InterfaceKind.PHYSICAL:
        raise c.wrong("if")
    delete_interface(s.device, iface)
    return ""


def dot1q(s: ConfigSession, c: Captures) -> str:
    iface = s.interface
    if iface.kind != InterfaceKind.SUBINTERFACE:  # the command exists on sub-interfaces only
        raise SyntaxFault(SyntaxKind.UNRECOGNIZED, c.keywords[0][0])
    set_dot1q(s.device, iface, c.get("vid"))
    return ""


def bind(s: ConfigSession, c: Captures) -> str:
    iface = s.interface
    had = iface.address
    if bind_vpn(s.device, iface, c.get("vpn")):
        return s.syntax.bind_text(iface, c.get("vpn"), had)
    return ""


def unbind(s: ConfigSession, c: Captures) -> str:
    iface = s.interface
    had = iface.address
    unbind_vpn(s.device, iface, c.get("vpn"))
    return s.syntax.unbind_text(iface, c.get("vpn"), had)


def address(s: ConfigSession, c: Captures) -> str:
    set_address(s.device, s.interface, IPv4Interface(f"{c.get('ip')}/{c.get('mask')}"))
    return ""


def no_address(s: ConfigSession, c: Captures) -> str:
    s.interface.address = None
    return ""


def shutdown(s: ConfigSession, c: Captures) -> str:
    s.interface.admin_up = False
    s.device.follow_port(s.interface)  # its sub-interfaces go down with it
    return ""


def no_shutdown(s: ConfigSession, c: Captures) -> str:
    s.interface.admin_up = True
    s.device.follow_port(s.interface)
    return ""


def nat(s: ConfigSession, c: Captures) -> str:
    pool = None if c.get("pool") is None else str(c.get("pool"))
    kind = NatKind.EASY_IP if pool is None else NatKind.OUTBOUND
    iface = s.interface.name if s.view.kind == "interface" else None
    if iface is None:  # IOS: ip nat inside source list 1 interface X overload
        iface = s.resolve_interface(c, "if", create=False).name
    add_nat(s.device, NatRule(kind, iface, acl=str(c.get("acl")), pool=pool))
    return ""


def undo_nat(s: ConfigSession, c: Captures) -> str:
    iface = s.interface.name if s.view.kind == "interface" else None
    if iface is None:
        iface = s.resolve_interface(c, "if", create=False).name
    pool = None if c.get("pool") is None else str(c.get("pool"))
    delete_nat(s.device, iface, str(c.get("acl")), pool)
    return ""


def _route_parts(s: ConfigSession, c: Captures) -> tuple[IPv4Network, str | None, str | None]:
    try:
        prefix = IPv4Network(f"{c.get('prefix')}/{c.get('mask')}")
    except ValueError:
        raise Refused("inconsistent_mask") from None
    vpn = c.get("vpn")
    if vpn is not None:
        find_vpn(s.device, vpn)
    oif = None
    if c.get("oif") is not None:
        oif = s.resolve_interface(c, "oif", create=False, allow_null=True).name
    return prefix, vpn, oif


def route(s: ConfigSession, c: Captures) -> str:
    prefix, vpn, oif = _route_parts(s, c)
    preference = c.get("pref", 60)
    if preference == s.syntax.static_default:
        preference = 60  # e.g. IOS's distance 1: the model keeps VRP's (the renderers map back)
    add_static(s.device, StaticRoute(prefix, c.get("nh"), oif, vpn, preference))
    return ""


def undo_route(s: ConfigSession, c: Captures) -> str:
    prefix, vpn, oif = _route_parts(s, c)
    delete_static(s.device, prefix, vpn, c.get("nh"), oif)
    return ""


def enter_bgp(s: ConfigSession, c: Captures) -> str:
    start_bgp(s.device, c.get("asn"))
    s.view = View("bgp", None, SYSTEM)
    return ""


def bgp_af(s: ConfigSession, c: Captures) -> str:
    kind = "bgp-vpn-af" if s.view.kind == "bgp-vpn" else "bgp-af"
    s.view = View(kind, s.view.name, s.view)
    return ""


def bgp_vpn(s: ConfigSession, c: Captures) -> str:
    vpn = find_vpn(s.device, c.get("vpn"))
    if s.syntax.bgp_vpn_needs_rd and vpn.route_distinguisher is None:
        raise Refused("no_rd", vpn=vpn.name)
    bgp = s.view if s.view.kind == "bgp" else s.view.parent
    s.view = View("bgp-vpn", vpn.name, bgp)
    return ""


def peer(s: ConfigSession, c: Captures) -> str:
    add_peer(s.device, c.get("peer"), c.get("asn"), s.bgp_vpn)
    return ""


def peer_exists(s: ConfigSession, c: Captures) -> str:
    """``peer X enable`` / ``neighbor X activate``: only valid for a configured peer."""
    find_peer(s.device, c.get("peer"), s.bgp_vpn)
    return ""


def peer_description(s: ConfigSession, c: Captures) -> str:
    find_peer(s.device, c.get("peer"), s.bgp_vpn).description = c.get("text")
    return ""


def undo_peer(s: ConfigSession, c: Captures) -> str:
    delete_peer(s.device, c.get("peer"), s.bgp_vpn)
    return ""


def _bgp_prefix(c: Captures) -> IPv4Network:
    """A ``network`` line's prefix; without a mask, the address's classful one (VRP, IOS)."""
    address = c.get("prefix")
    if c.get("mask") is None:
        first = int(address) >> 24
        length = 8 if first < 128 else 16 if first < 192 else 24
        return IPv4Network(f"{address}/{length}", strict=False)
    try:
        return IPv4Network(f"{address}/{c.get('mask')}")
    except ValueError:
        raise Refused("inconsistent_mask") from None


def bgp_network(s: ConfigSession, c: Captures) -> str:
    """``network A [M]``: advertise the prefix while it is in the routing table."""
    origin = BgpOrigin(s.bgp_vpn, _bgp_prefix(c))
    if origin not in s.device.bgp_origins:
        s.device.bgp_origins.append(origin)
    return ""


def undo_bgp_network(s: ConfigSession, c: Captures) -> str:
    origin = BgpOrigin(s.bgp_vpn, _bgp_prefix(c))
    if origin in s.device.bgp_origins:
        s.device.bgp_origins.remove(origin)
    return ""


def _protocol(c: Captures) -> str:
    word = str(c.get("proto")).lower()
    protocol = {"direct": "direct", "connected": "direct", "static": "static"}.get(word)
    if protocol is None:
        raise c.wrong("proto")
    return protocol


def import_route(s: ConfigSession, c: Captures) -> str:
    """``import-route direct|static`` (IOS ``redistribute connected|static``)."""
    origin = BgpOrigin(s.bgp_vpn, protocol=_protocol(c))
    if origin not in s.device.bgp_origins:
        s.device.bgp_origins.append(origin)
    return ""


def undo_import_route(s: ConfigSession, c: Captures) -> str:
    origin = BgpOrigin(s.bgp_vpn, protocol=_protocol(c))
    if origin in s.device.bgp_origins:
        s.device.bgp_origins.remove(origin)
    return ""


def enter_acl(s: ConfigSession, c: Captures) -> str:
    number = str(c.get("acl"))
    create_acl(s.device, number)
    s.view = View("acl", number, SYSTEM)
    return ""


def undo_acl(s: ConfigSession, c: Captures) -> str:
    """``undo acl [number] N`` / ``no ip access-list standard N``: the ACL and its rules go."""
    number = str(c.get("acl"))
    s.device.acls = [a for a in s.device.acls if a.number != number]
    return ""


def _acl_network(c: Captures) -> IPv4Network:
    if c.get("src") is None:  # "any", or a Huawei rule without a source
        return IPv4Network("0.0.0.0/0")
    wild = c.get("wild", 32 if c.get("src") is not None else None)
    try:
        return IPv4Network(f"{c.get('src')}/{wild}", strict=False)
    except ValueError:
        raise c.wrong("src") from None


def acl_rule(s: ConfigSession, c: Captures) -> str:
    """A rule in an ACL view, or IOS ``access-list N ...`` in global config.

    Only permits are kept: the model records which sources an ACL lets through."""
    network = _acl_network(c)
    acl = create_acl(s.device, s.view.name or str(c.get("acl")))
    if c.get("action") == "permit" and network not in acl.permit:
        acl.permit.append(network)
    return ""


def ios_named_acl(s: ConfigSession, c: Captures) -> str:
    name = str(c.get("acl"))
    create_acl(s.device, name)
    s.view = View("acl", name, SYSTEM)
    s.acl_extended = c.get("type") == "extended"
    return ""


def exit_af(s: ConfigSession, c: Captures) -> str:
    kinds = ("vpn-af", "bgp-af", "bgp-vpn", "bgp-vpn-af", "bgp-vpnv4")
    if s.view.kind not in kinds or s.view.parent is None:
        raise SyntaxFault(SyntaxKind.UNRECOGNIZED, c.keywords[0][0])
    s.view = s.view.parent
    return ""
