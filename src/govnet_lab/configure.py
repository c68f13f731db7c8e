"""Configuration mode for the lab routers: vendor syntax in, model changes out.

A cutover plan is only proven if the lab accepts the very lines a real router would (and
rejects the ones it would reject, with the same text), and if a later survey then sees the
change. So this module keeps ONE set of model operations (create a sub-interface, bind a VPN
instance and clear the address, set an address, add a route or peer...) and three thin
syntax layers: per vendor, a table of command patterns -> shared handler, the prompts of
each view, and the vendor's texts for each error. A rejected line never changes the model:
handlers check everything before they change anything.

Pattern mini-language (one string per command, expanded once at import): literal words
match case-insensitively; ``{name:type}`` captures a typed value (``word``, ``ip``, ``mask``
dotted or length, ``dmask`` dotted only, ``len``, ``wild`` wildcard, ``asn``, ``rt``
route distinguisher/target, ``iface`` interface name (may be written with a space,
``GigabitEthernet 0/0/1``), ``text`` the rest of the line, ``int(a-b)``, ``a|b|c``
choice); ``[ ... ]`` marks an optional group.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from ipaddress import AddressValueError, IPv4Address, IPv4Interface, IPv4Network
from typing import Any

from govnet_lab.model import (
    Acl,
    BgpPeer,
    Device,
    Fault,
    Interface,
    InterfaceKind,
    NatKind,
    NatRule,
    Platform,
    StaticRoute,
    VpnInstance,
)

__all__ = ["ConfigSession", "ExecInConfig", "apply_lines", "get_config_command"]


class ExecInConfig(Exception):
    """Raised by :meth:`ConfigSession.feed` for an exec command typed in config mode.

    IOS ``do show ...`` and Huawei/H3C ``display ...`` (valid in every view) are not
    configuration: the SSH session catches this, renders ``command`` (``do`` removed) as
    it would in user view, and prints the current prompt again. The model is unchanged.
    """

    def __init__(self, command: str) -> None:
        super().__init__(command)
        self.command = command


# --------------------------------------------------------------------------- errors


class SyntaxKind(StrEnum):
    UNRECOGNIZED = "unrecognized"
    WRONG = "wrong"
    INCOMPLETE = "incomplete"
    TOO_MANY = "too_many"
    AMBIGUOUS = "ambiguous"


class _SyntaxFault(Exception):
    """A parse-level rejection, reported with a caret under token ``column``."""

    def __init__(self, kind: SyntaxKind, column: int) -> None:
        super().__init__(kind)
        self.kind = kind
        self.column = column


class _Problem(Exception):
    """A semantic rejection (the line parses but the device refuses it)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# --------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class _Token:
    text: str
    column: int


@dataclass
class _Captures:
    """Typed values a pattern captured, with the column each started at (for carets)."""

    values: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, int] = field(default_factory=dict)
    keywords: list[tuple[int, str]] = field(default_factory=list)  # (column, keyword)
    exact: int = 0  # keywords typed in full: they win over abbreviations of others

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def wrong(self, name: str) -> _SyntaxFault:
        return _SyntaxFault(SyntaxKind.WRONG, self.columns[name])


def _mask_length(text: str) -> int:
    """Prefix length of a dotted mask or a length; non-contiguous masks are refused."""
    if text.isdigit():
        length = int(text)
        if not 0 <= length <= 32 or (len(text) > 1 and text[0] == "0"):
            raise ValueError(text)
        return length
    mask = int(IPv4Address(text))
    length = bin(mask).count("1")
    if mask != (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF:
        raise ValueError(text)
    return length


def _dotted_mask_length(text: str) -> int:
    """IOS masks are always dotted."""
    if "." not in text:
        raise ValueError(text)
    return _mask_length(text)


def _wildcard_length(text: str) -> int:
    if text == "0":  # Huawei/H3C: a single host
        return 32
    inverse = 0xFFFFFFFF ^ int(IPv4Address(text))
    return _mask_length(str(IPv4Address(inverse)))


_RT = re.compile(r"^(\d+):(\d+)$|^(\d+\.\d+\.\d+\.\d+):(\d+)$")


def _route_target(text: str) -> str:
    """Validate an RD/RT: ASN(2 byte):nn(4 byte), ASN(4 byte):nn(2 byte) or IP:nn(2 byte)."""
    m = _RT.match(text)
    if m is None:
        raise ValueError(text)
    if m.group(1) is not None:
        asn, number = int(m.group(1)), int(m.group(2))
        if not (
            (asn <= 0xFFFF and number <= 0xFFFFFFFF) or (asn <= 0xFFFFFFFF and number <= 0xFFFF)
        ):
            raise ValueError(text)
    else:
        IPv4Address(m.group(3))
        if int(m.group(4)) > 0xFFFF:
            raise ValueError(text)
    return text


def _word(text: str) -> str:
    if not 1 <= len(text) <= 31 or not text.isprintable():
        raise ValueError(text)
    return text


def _asn(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 4294967295:
        raise ValueError(text)
    return int(text)


_SIMPLE_TYPES: dict[str, Callable[[str], Any]] = {
    "word": _word,
    "ip": IPv4Address,
    "mask": _mask_length,
    "dmask": _dotted_mask_length,
    "wild": _wildcard_length,
    "asn": _asn,
    "rt": _route_target,
}

_IFACE_NAME = re.compile(r"^([A-Za-z][A-Za-z-]*?)-?(\d[\d/:.]*)$")


@dataclass(frozen=True)
class _Element:
    """One element of a pattern: a literal word or a typed capture."""

    literal: str | None = None
    name: str | None = None
    kind: str | None = None

    def parse(self, text: str) -> Any:
        kind = self.kind or ""
        if kind in _SIMPLE_TYPES:
            return _SIMPLE_TYPES[kind](text)
        if kind.startswith("int("):
            low, high = (int(x) for x in kind[4:-1].split("-"))
            if not text.isdigit() or not low <= int(text) <= high:
                raise ValueError(text)
            return int(text)
        choices = kind.split("|")
        exact = [c for c in choices if c.lower() == text.lower()]
        prefixed = exact or [c for c in choices if c.lower().startswith(text.lower())]
        if len(prefixed) == 1:
            return prefixed[0]
        raise ValueError(text)


def _expand(pattern: str) -> list[list[_Element]]:
    """All variants of a pattern: each ``[...]`` group present or absent."""
    variants: list[list[str]] = [[]]
    for part in re.findall(r"\[[^\]]*\]|\S+", pattern):
        if part.startswith("["):
            words = part[1:-1].split()
            variants = [v for base in variants for v in (base, base + words)]
        else:
            variants = [[*v, part] for v in variants]
    result = []
    for words in variants:
        elements = []
        for word in words:
            if word.startswith("{"):
                name, kind = word[1:-1].split(":", 1)
                elements.append(_Element(name=name, kind=kind))
            else:
                elements.append(_Element(literal=word))
        result.append(elements)
    return result


@dataclass(frozen=True)
class _Failure:
    kind: SyntaxKind
    index: int  # token index where matching failed (for ranking)
    column: int


_RANK = {
    SyntaxKind.UNRECOGNIZED: 0,
    SyntaxKind.TOO_MANY: 1,
    SyntaxKind.WRONG: 2,
    SyntaxKind.INCOMPLETE: 3,
}


def _match(
    elements: Sequence[_Element], tokens: Sequence[_Token], line: str
) -> _Captures | _Failure:
    captures = _Captures()
    i = 0
    for element in elements:
        if i >= len(tokens):
            return _Failure(SyntaxKind.INCOMPLETE, len(tokens), len(line.rstrip()) + 1)
        token = tokens[i]
        if element.literal is not None:
            typed, keyword = token.text.lower(), element.literal.lower()
            if not keyword.startswith(typed):  # the CLIs accept any abbreviation
                return _Failure(SyntaxKind.UNRECOGNIZED, i, token.column)
            captures.keywords.append((token.column, keyword))
            captures.exact += typed == keyword
            i += 1
            continue
        name = element.name or ""
        captures.columns[name] = token.column
        if element.kind == "text":
            captures.values[name] = line[token.column :].rstrip()
            i = len(tokens)
            continue
        if element.kind == "iface":
            text, used = token.text, 1
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if token.text.isalpha() and nxt is not None and nxt.text[:1].isdigit():
                text, used = token.text + nxt.text, 2
            if _IFACE_NAME.match(text) is None:
                return _Failure(SyntaxKind.WRONG, i, token.column)
            captures.values[name] = text
            i += used
            continue
        try:
            captures.values[name] = element.parse(token.text)
        except (ValueError, AddressValueError):
            return _Failure(SyntaxKind.WRONG, i, token.column)
        i += 1
    if i < len(tokens):
        return _Failure(SyntaxKind.TOO_MANY, i, tokens[i].column)
    return captures


def _tokens(line: str) -> list[_Token]:
    return [_Token(m.group(), m.start()) for m in re.finditer(r"\S+", line)]


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class View:
    """Where the user is: kind (system, interface, vpn, vpn-af, bgp, bgp-af, bgp-vpn,
    bgp-vpn-af, acl), the name it is about, and the view ``quit``/``exit`` returns to."""

    kind: str
    name: str | None = None
    parent: View | None = None


_SYSTEM = View("system")


# --------------------------------------------------------------------------- model ops
# One set of operations for all vendors. Each checks first and changes last, so a
# rejected command leaves the device exactly as it was.


def _find_vpn(device: Device, name: str) -> VpnInstance:
    vpn = device.get_vpn_instance(name)
    if vpn is None:
        raise _Problem("no_vpn", vpn=name)
    return vpn


def _create_vpn(device: Device, name: str) -> VpnInstance:
    vpn = device.get_vpn_instance(name)
    if vpn is None:
        vpn = VpnInstance(name)
        device.vpn_instances.append(vpn)
    return vpn


def _delete_vpn(device: Device, name: str) -> list[Interface]:
    """Remove a VPN instance and everything in it; returns the interfaces it unbound."""
    _find_vpn(device, name)
    unbound = [i for i in device.interfaces if i.vpn_instance == name]
    for iface in unbound:
        iface.vpn_instance = None
        iface.address = None
    device.vpn_instances = [v for v in device.vpn_instances if v.name != name]
    device.static_routes = [r for r in device.static_routes if r.vpn_instance != name]
    device.bgp_peers = [p for p in device.bgp_peers if p.vpn_instance != name]
    return unbound


def _set_rd(vpn: VpnInstance, rd: str) -> None:
    if vpn.route_distinguisher not in (None, rd):
        raise _Problem("rd_set", vpn=vpn.name, rd=vpn.route_distinguisher)
    vpn.route_distinguisher = rd


def _add_target(vpn: VpnInstance, target: str, direction: str, need_rd: bool) -> None:
    if need_rd and vpn.route_distinguisher is None:
        raise _Problem("rd_first", vpn=vpn.name)
    if direction in ("import", "both") and target not in vpn.import_targets:
        vpn.import_targets.append(target)
    if direction in ("export", "both") and target not in vpn.export_targets:
        vpn.export_targets.append(target)


def _check_address(device: Device, iface: Interface, address: IPv4Interface) -> None:
    network = address.network
    if network.prefixlen < 31 and address.ip in (
        network.network_address,
        network.broadcast_address,
    ):
        raise _Problem("bad_host", ip=address.ip, length=network.prefixlen)
    if network.prefixlen == 32 and iface.kind != InterfaceKind.LOOPBACK:
        raise _Problem("bad_host", ip=address.ip, length=32)
    for other in device.interfaces:
        if other is iface or other.address is None or other.vpn_instance != iface.vpn_instance:
            continue
        if other.address.network.overlaps(network):
            raise _Problem(
                "overlap", network=network.network_address, other=other.name, ip=address.ip
            )


def _set_address(device: Device, iface: Interface, address: IPv4Interface) -> None:
    _check_address(device, iface, address)
    iface.address = address


def _bind_vpn(device: Device, iface: Interface, name: str) -> bool:
    """Bind; like the real devices, this removes the interface's IPv4 configuration.

    Returns whether anything changed (binding the VPN it is already in is a no-op)."""
    _find_vpn(device, name)
    if iface.vpn_instance == name:
        return False
    iface.vpn_instance = name
    iface.address = None
    return True


def _unbind_vpn(device: Device, iface: Interface, name: str) -> None:
    _find_vpn(device, name)
    if iface.vpn_instance != name:
        raise _Problem("not_bound", vpn=name, interface=iface.name)
    iface.vpn_instance = None
    iface.address = None


def _set_dot1q(device: Device, iface: Interface, vid: int) -> None:
    for other in device.interfaces:
        if other is not iface and other.parent == iface.parent and other.dot1q == vid:
            raise _Problem("vlan_in_use", vid=vid, other=other.name)
    iface.dot1q = vid


def _delete_interface(device: Device, iface: Interface) -> None:
    device.interfaces = [i for i in device.interfaces if i is not iface]
    device.nat_rules = [n for n in device.nat_rules if n.interface != iface.name]


def _add_static(device: Device, route: StaticRoute) -> None:
    for existing in device.static_routes:
        if (existing.prefix, existing.vpn_instance, existing.next_hop, existing.interface) == (
            route.prefix,
            route.vpn_instance,
            route.next_hop,
            route.interface,
        ):
            existing.preference = route.preference
            return
    device.static_routes.append(route)


def _delete_static(
    device: Device,
    prefix: IPv4Network,
    vpn: str | None,
    next_hop: IPv4Address | None,
    interface: str | None,
) -> None:
    def doomed(r: StaticRoute) -> bool:
        return (
            r.prefix == prefix
            and r.vpn_instance == vpn
            and (next_hop is None or r.next_hop == next_hop)
            and (interface is None or r.interface == interface)
        )

    if not any(doomed(r) for r in device.static_routes):
        raise _Problem("no_route")
    device.static_routes = [r for r in device.static_routes if not doomed(r)]


def _start_bgp(device: Device, asn: int) -> None:
    if device.bgp_as not in (None, asn):
        raise _Problem("bgp_as", asn=device.bgp_as)
    device.bgp_as = asn


def _find_peer(device: Device, address: IPv4Address, vpn: str | None) -> BgpPeer:
    for peer in device.bgp_peers:
        if peer.address == address and peer.vpn_instance == vpn:
            return peer
    raise _Problem("no_peer", peer=address)


def _add_peer(device: Device, address: IPv4Address, remote_as: int, vpn: str | None) -> None:
    """A new peer comes up established: the lab plays the far end (the PE or ISP) too."""
    try:
        _find_peer(device, address, vpn).remote_as = remote_as
    except _Problem:
        device.bgp_peers.append(BgpPeer(address, remote_as, vpn, established=True, uptime_s=0))


def _delete_peer(device: Device, address: IPv4Address, vpn: str | None) -> None:
    peer = _find_peer(device, address, vpn)
    device.bgp_peers = [p for p in device.bgp_peers if p is not peer]


def _create_acl(device: Device, number: str) -> Acl:
    acl = next((a for a in device.acls if a.number == number), None)
    if acl is None:
        acl = Acl(number)
        device.acls.append(acl)
    return acl


def _add_nat(device: Device, rule: NatRule) -> None:
    if rule not in device.nat_rules:
        device.nat_rules.append(rule)


def _delete_nat(device: Device, interface: str, acl: str, pool: str | None) -> None:
    def doomed(n: NatRule) -> bool:
        return (
            n.interface == interface
            and n.acl == acl
            and n.kind in (NatKind.EASY_IP, NatKind.OUTBOUND)
            and (pool is None or n.pool == pool)
        )

    if not any(doomed(n) for n in device.nat_rules):
        raise _Problem("no_nat", acl=acl, interface=interface)
    device.nat_rules = [n for n in device.nat_rules if not doomed(n)]


# --------------------------------------------------------------------------- handlers
# Shared across vendors: each reads captures by name and calls the model operations.

_Handler = Callable[["ConfigSession", _Captures], str]


def _h_sysname(s: ConfigSession, c: _Captures) -> str:
    name = c.get("name")
    if not name.isprintable() or len(name) > 64:
        raise c.wrong("name")
    s.device.prompt_name = None if name == s.device.hostname else name
    return ""


def _h_noop(s: ConfigSession, c: _Captures) -> str:
    """Accepted lines the model has no place for (e.g. ``ip nat inside``)."""
    return ""


def _h_description(s: ConfigSession, c: _Captures) -> str:
    text = c.get("text")  # None: undo/no description
    if text is not None and len(text) > s.syntax.description_max:
        raise c.wrong("text")
    view = s.view
    if view.kind == "interface":
        s.interface.description = text
    elif view.kind in ("vpn", "vpn-af"):
        _find_vpn(s.device, s.vpn_name).description = text
    return ""


def _h_enter_vpn(s: ConfigSession, c: _Captures) -> str:
    _create_vpn(s.device, c.get("vpn"))
    s.view = View("vpn", c.get("vpn"), _SYSTEM)
    return ""


def _h_undo_vpn(s: ConfigSession, c: _Captures) -> str:
    unbound = _delete_vpn(s.device, c.get("vpn"))
    return s.syntax.text("vpn_deleted", vpn=c.get("vpn")) if unbound else ""


def _h_vpn_af(s: ConfigSession, c: _Captures) -> str:
    s.view = View("vpn-af", s.view.name, s.view)
    return ""


def _h_rd(s: ConfigSession, c: _Captures) -> str:
    _set_rd(_find_vpn(s.device, s.vpn_name), c.get("rd"))
    return ""


def _h_vpn_target(s: ConfigSession, c: _Captures) -> str:
    direction = c.get("dir", "both")
    direction = {"export-extcommunity": "export", "import-extcommunity": "import"}.get(
        direction, direction
    )
    vpn = _find_vpn(s.device, s.vpn_name)
    _add_target(vpn, c.get("rt"), direction, s.syntax.rt_needs_rd)
    return ""


def _h_enter_interface(s: ConfigSession, c: _Captures) -> str:
    iface = s.resolve_interface(c, "if", create=True)
    s.view = View("interface", iface.name, _SYSTEM)
    return ""


def _h_undo_interface(s: ConfigSession, c: _Captures) -> str:
    iface = s.resolve_interface(c, "if", create=False)
    if iface.kind == InterfaceKind.PHYSICAL:
        raise c.wrong("if")
    _delete_interface(s.device, iface)
    return ""


def _h_dot1q(s: ConfigSession, c: _Captures) -> str:
    iface = s.interface
    if iface.kind != InterfaceKind.SUBINTERFACE:  # the command exists on sub-interfaces only
        raise _SyntaxFault(SyntaxKind.UNRECOGNIZED, c.keywords[0][0])
    _set_dot1q(s.device, iface, c.get("vid"))
    return ""


def _h_bind(s: ConfigSession, c: _Captures) -> str:
    iface = s.interface
    had = iface.address
    if _bind_vpn(s.device, iface, c.get("vpn")):
        return s.syntax.bind_text(iface, c.get("vpn"), had)
    return ""


def _h_unbind(s: ConfigSession, c: _Captures) -> str:
    iface = s.interface
    had = iface.address
    _unbind_vpn(s.device, iface, c.get("vpn"))
    return s.syntax.unbind_text(iface, c.get("vpn"), had)


def _h_address(s: ConfigSession, c: _Captures) -> str:
    _set_address(s.device, s.interface, IPv4Interface(f"{c.get('ip')}/{c.get('mask')}"))
    return ""


def _h_no_address(s: ConfigSession, c: _Captures) -> str:
    s.interface.address = None
    return ""


def _h_shutdown(s: ConfigSession, c: _Captures) -> str:
    s.interface.admin_up = False
    return ""


def _h_no_shutdown(s: ConfigSession, c: _Captures) -> str:
    s.interface.admin_up = True
    return ""


def _h_nat(s: ConfigSession, c: _Captures) -> str:
    pool = None if c.get("pool") is None else str(c.get("pool"))
    kind = NatKind.EASY_IP if pool is None else NatKind.OUTBOUND
    iface = s.interface.name if s.view.kind == "interface" else None
    if iface is None:  # IOS: ip nat inside source list 1 interface X overload
        iface = s.resolve_interface(c, "if", create=False).name
    _add_nat(s.device, NatRule(kind, iface, acl=str(c.get("acl")), pool=pool))
    return ""


def _h_undo_nat(s: ConfigSession, c: _Captures) -> str:
    iface = s.interface.name if s.view.kind == "interface" else None
    if iface is None:
        iface = s.resolve_interface(c, "if", create=False).name
    pool = None if c.get("pool") is None else str(c.get("pool"))
    _delete_nat(s.device, iface, str(c.get("acl")), pool)
    return ""


def _route_parts(s: ConfigSession, c: _Captures) -> tuple[IPv4Network, str | None, str | None]:
    try:
        prefix = IPv4Network(f"{c.get('prefix')}/{c.get('mask')}")
    except ValueError:
        raise _Problem("inconsistent_mask") from None
    vpn = c.get("vpn")
    if vpn is not None:
        _find_vpn(s.device, vpn)
    oif = None
    if c.get("oif") is not None:
        oif = s.resolve_interface(c, "oif", create=False, allow_null=True).name
    return prefix, vpn, oif


def _h_route(s: ConfigSession, c: _Captures) -> str:
    prefix, vpn, oif = _route_parts(s, c)
    preference = c.get("pref", 60)
    if s.syntax.platform == Platform.IOS and preference == 1:
        preference = 60  # IOS's default distance: the model keeps VRP's (render/ios.py maps back)
    _add_static(s.device, StaticRoute(prefix, c.get("nh"), oif, vpn, preference))
    return ""


def _h_undo_route(s: ConfigSession, c: _Captures) -> str:
    prefix, vpn, oif = _route_parts(s, c)
    _delete_static(s.device, prefix, vpn, c.get("nh"), oif)
    return ""


def _h_enter_bgp(s: ConfigSession, c: _Captures) -> str:
    _start_bgp(s.device, c.get("asn"))
    s.view = View("bgp", None, _SYSTEM)
    return ""


def _h_bgp_af(s: ConfigSession, c: _Captures) -> str:
    kind = "bgp-vpn-af" if s.view.kind == "bgp-vpn" else "bgp-af"
    s.view = View(kind, s.view.name, s.view)
    return ""


def _h_bgp_vpn(s: ConfigSession, c: _Captures) -> str:
    vpn = _find_vpn(s.device, c.get("vpn"))
    if s.syntax.platform == Platform.IOS and vpn.route_distinguisher is None:
        raise _Problem("no_rd", vpn=vpn.name)
    bgp = s.view if s.view.kind == "bgp" else s.view.parent
    s.view = View("bgp-vpn", vpn.name, bgp)
    return ""


def _h_peer(s: ConfigSession, c: _Captures) -> str:
    _add_peer(s.device, c.get("peer"), c.get("asn"), s.bgp_vpn)
    return ""


def _h_peer_exists(s: ConfigSession, c: _Captures) -> str:
    """``peer X enable`` / ``neighbor X activate``: only valid for a configured peer."""
    _find_peer(s.device, c.get("peer"), s.bgp_vpn)
    return ""


def _h_peer_description(s: ConfigSession, c: _Captures) -> str:
    _find_peer(s.device, c.get("peer"), s.bgp_vpn).description = c.get("text")
    return ""


def _h_undo_peer(s: ConfigSession, c: _Captures) -> str:
    _delete_peer(s.device, c.get("peer"), s.bgp_vpn)
    return ""


def _h_enter_acl(s: ConfigSession, c: _Captures) -> str:
    number = str(c.get("acl"))
    _create_acl(s.device, number)
    s.view = View("acl", number, _SYSTEM)
    return ""


def _acl_network(c: _Captures) -> IPv4Network:
    if c.get("src") is None:  # "any", or a Huawei rule without a source
        return IPv4Network("0.0.0.0/0")
    wild = c.get("wild", 32 if c.get("src") is not None else None)
    try:
        return IPv4Network(f"{c.get('src')}/{wild}", strict=False)
    except ValueError:
        raise c.wrong("src") from None


def _h_acl_rule(s: ConfigSession, c: _Captures) -> str:
    """A rule in an ACL view, or IOS ``access-list N ...`` in global config.

    Only permits are kept: the model records which sources an ACL lets through."""
    network = _acl_network(c)
    acl = _create_acl(s.device, s.view.name or str(c.get("acl")))
    if c.get("action") == "permit" and network not in acl.permit:
        acl.permit.append(network)
    return ""


def _h_ios_named_acl(s: ConfigSession, c: _Captures) -> str:
    name = str(c.get("acl"))
    _create_acl(s.device, name)
    s.view = View("acl", name, _SYSTEM)
    s.acl_extended = c.get("type") == "extended"
    return ""


def _h_exit_af(s: ConfigSession, c: _Captures) -> str:
    if s.view.kind not in ("vpn-af", "bgp-af", "bgp-vpn", "bgp-vpn-af") or s.view.parent is None:
        raise _SyntaxFault(SyntaxKind.UNRECOGNIZED, c.keywords[0][0])
    s.view = s.view.parent
    return ""


# --------------------------------------------------------------------------- vendors

_Rule = tuple[frozenset[str], list[_Element], _Handler]

_ALL = "system interface vpn vpn-af bgp bgp-af bgp-vpn bgp-vpn-af acl"
_ROUTE = "[vpn-instance {vpn:word}] {prefix:ip} {mask:mask}"
_VRP_ROUTES: list[tuple[str, str, _Handler]] = [
    ("system", f"ip route-static {_ROUTE} {{nh:ip}} [preference {{pref:int(1-255)}}]", _h_route),
    (
        "system",
        f"ip route-static {_ROUTE} {{oif:iface}} [{{nh:ip}}] [preference {{pref:int(1-255)}}]",
        _h_route,
    ),
    ("system", f"undo ip route-static {_ROUTE} [{{nh:ip}}]", _h_undo_route),
    ("system", f"undo ip route-static {_ROUTE} {{oif:iface}} [{{nh:ip}}]", _h_undo_route),
]
_VRP_INTERFACE: list[tuple[str, str, _Handler]] = [
    ("system", "interface {if:iface}", _h_enter_interface),
    ("system", "undo interface {if:iface}", _h_undo_interface),
    ("interface", "description {text:text}", _h_description),
    ("interface", "undo description", _h_description),
    ("interface", "ip binding vpn-instance {vpn:word}", _h_bind),
    ("interface", "undo ip binding vpn-instance {vpn:word}", _h_unbind),
    ("interface", "ip address {ip:ip} {mask:mask}", _h_address),
    ("interface", "undo ip address [{ip:ip} {mask:mask}]", _h_no_address),
    ("interface", "shutdown", _h_shutdown),
    ("interface", "undo shutdown", _h_no_shutdown),
    ("interface", "nat outbound {acl:int(2000-3999)} [address-group {pool:int(0-255)}]", _h_nat),
]
_VRP_ACL: list[tuple[str, str, _Handler]] = [
    (
        "acl",
        "rule [{id:int(0-4294967294)}] {action:permit|deny} source {src:ip} {wild:wild}",
        _h_acl_rule,
    ),
    ("acl", "rule [{id:int(0-4294967294)}] {action:permit|deny} [source {any:any}]", _h_acl_rule),
]

_HUAWEI_TABLE: list[tuple[str, str, _Handler]] = [
    ("system", "sysname {name:text}", _h_sysname),
    ("system", "ip vpn-instance {vpn:word}", _h_enter_vpn),
    ("system", "undo ip vpn-instance {vpn:word}", _h_undo_vpn),
    ("vpn", "ipv4-family", _h_vpn_af),
    ("vpn vpn-af", "route-distinguisher {rd:rt}", _h_rd),
    (
        "vpn vpn-af",
        "vpn-target {rt:rt} [{dir:export-extcommunity|import-extcommunity|both}]",
        _h_vpn_target,
    ),
    ("vpn", "description {text:text}", _h_description),
    ("interface", "dot1q termination vid {vid:int(1-4094)}", _h_dot1q),
    ("interface", "vlan-type dot1q {vid:int(1-4094)}", _h_dot1q),
    ("interface", "[undo] arp broadcast enable", _h_noop),  # rendered on every dot1q sub-if
    *_VRP_INTERFACE,
    (
        "interface",
        "undo nat outbound {acl:int(2000-3999)} [address-group {pool:int(0-255)}]",
        _h_undo_nat,
    ),
    *_VRP_ROUTES,
    ("system", "bgp {asn:asn}", _h_enter_bgp),
    ("bgp", "ipv4-family unicast", _h_bgp_af),
    ("bgp", "ipv4-family vpn-instance {vpn:word}", _h_bgp_vpn),
    ("bgp bgp-vpn", "peer {peer:ip} as-number {asn:asn}", _h_peer),
    ("bgp bgp-vpn", "peer {peer:ip} description {text:text}", _h_peer_description),
    ("bgp-af", "peer {peer:ip} enable", _h_peer_exists),
    ("bgp bgp-vpn", "undo peer {peer:ip}", _h_undo_peer),
    ("system", "acl [number] {acl:int(2000-2999)}", _h_enter_acl),
    *_VRP_ACL,
]

_H3C_TABLE: list[tuple[str, str, _Handler]] = [
    ("system", "sysname {name:text}", _h_sysname),
    ("system", "ip vpn-instance {vpn:word}", _h_enter_vpn),
    ("system", "undo ip vpn-instance {vpn:word}", _h_undo_vpn),
    ("vpn", "address-family ipv4 [unicast]", _h_vpn_af),
    ("vpn", "route-distinguisher {rd:rt}", _h_rd),
    (
        "vpn vpn-af",
        "vpn-target {rt:rt} [{dir:export-extcommunity|import-extcommunity|both}]",
        _h_vpn_target,
    ),
    ("vpn", "description {text:text}", _h_description),
    ("interface", "vlan-type dot1q vid {vid:int(1-4094)}", _h_dot1q),
    *_VRP_INTERFACE,
    ("interface", "undo nat outbound {acl:int(2000-3999)}", _h_undo_nat),  # no address-group
    *_VRP_ROUTES,
    ("system", "bgp {asn:asn}", _h_enter_bgp),
    ("bgp bgp-vpn", "address-family ipv4 [unicast]", _h_bgp_af),
    ("bgp", "ip vpn-instance {vpn:word}", _h_bgp_vpn),
    ("bgp bgp-vpn", "peer {peer:ip} as-number {asn:asn}", _h_peer),
    ("bgp bgp-vpn", "peer {peer:ip} description {text:text}", _h_peer_description),
    ("bgp-af bgp-vpn-af", "peer {peer:ip} enable", _h_peer_exists),
    ("bgp bgp-vpn", "undo peer {peer:ip}", _h_undo_peer),
    ("system", "acl basic {acl:int(2000-2999)}", _h_enter_acl),
    ("system", "acl number {acl:int(2000-2999)}", _h_enter_acl),
    *_VRP_ACL,
]

_IOS_ROUTE = "[vrf {vpn:word}] {prefix:ip} {mask:dmask}"
_IOS_TABLE: list[tuple[str, str, _Handler]] = [
    ("system", "hostname {name:word}", _h_sysname),
    ("system", "vrf definition {vpn:word}", _h_enter_vpn),
    ("system", "ip vrf {vpn:word}", _h_enter_vpn),
    ("system", "no vrf definition {vpn:word}", _h_undo_vpn),
    ("system", "no ip vrf {vpn:word}", _h_undo_vpn),
    ("vpn", "rd {rd:rt}", _h_rd),
    ("vpn", "address-family ipv4 [unicast]", _h_vpn_af),
    ("vpn vpn-af", "route-target [{dir:export|import|both}] {rt:rt}", _h_vpn_target),
    ("vpn", "description {text:text}", _h_description),
    ("vpn-af", "exit-address-family", _h_exit_af),
    ("system", "interface {if:iface}", _h_enter_interface),
    ("system", "no interface {if:iface}", _h_undo_interface),
    ("interface", "description {text:text}", _h_description),
    ("interface", "no description", _h_description),
    ("interface", "encapsulation {enc:dot1Q} {vid:int(1-4094)}", _h_dot1q),
    ("interface", "[ip] vrf forwarding {vpn:word}", _h_bind),
    ("interface", "no [ip] vrf forwarding {vpn:word}", _h_unbind),
    ("interface", "ip address {ip:ip} {mask:dmask}", _h_address),
    ("interface", "no ip address [{ip:ip} {mask:dmask}]", _h_no_address),
    ("interface", "shutdown", _h_shutdown),
    ("interface", "no shutdown", _h_no_shutdown),
    ("interface", "[no] ip nat {side:inside|outside}", _h_noop),
    (
        "system",
        "ip nat inside source list {acl:word} interface {if:iface} overload",
        _h_nat,
    ),
    (
        "system",
        "no ip nat inside source list {acl:word} interface {if:iface} overload",
        _h_undo_nat,
    ),
    ("system", f"ip route {_IOS_ROUTE} {{nh:ip}} [{{pref:int(1-255)}}]", _h_route),
    ("system", f"ip route {_IOS_ROUTE} {{oif:iface}} [{{nh:ip}}] [{{pref:int(1-255)}}]", _h_route),
    ("system", f"no ip route {_IOS_ROUTE} [{{nh:ip}}]", _h_undo_route),
    ("system", f"no ip route {_IOS_ROUTE} {{oif:iface}} [{{nh:ip}}]", _h_undo_route),
    ("system", "router bgp {asn:asn}", _h_enter_bgp),
    ("bgp", "address-family ipv4 [unicast]", _h_bgp_af),
    ("bgp", "address-family ipv4 vrf {vpn:word}", _h_bgp_vpn),
    ("bgp bgp-vpn", "neighbor {peer:ip} remote-as {asn:asn}", _h_peer),
    ("bgp bgp-vpn", "neighbor {peer:ip} description {text:text}", _h_peer_description),
    ("bgp-af bgp-vpn", "neighbor {peer:ip} activate", _h_peer_exists),
    ("bgp bgp-vpn", "no neighbor {peer:ip}", _h_undo_peer),
    ("bgp-af bgp-vpn", "exit-address-family", _h_exit_af),
    (
        "system",
        "access-list {acl:int(1-99)} {action:permit|deny} {src:ip} [{wild:wild}]",
        _h_acl_rule,
    ),
    ("system", "access-list {acl:int(1-99)} {action:permit|deny} {any:any}", _h_acl_rule),
    ("system", "ip access-list {type:standard|extended} {acl:word}", _h_ios_named_acl),
    ("acl", "[{seq:int(1-2147483647)}] {action:permit|deny} {src:ip} [{wild:wild}]", _h_acl_rule),
    ("acl", "[{seq:int(1-2147483647)}] {action:permit|deny} {any:any}", _h_acl_rule),
]


def _compile(table: list[tuple[str, str, _Handler]]) -> list[_Rule]:
    rules: list[_Rule] = []
    for views, pattern, handler in table:
        for elements in _expand(pattern):
            rules.append((frozenset(views.split()), elements, handler))
    return rules


@dataclass(frozen=True)
class _Syntax:
    """Everything that differs between vendors: commands, names, prompts and texts."""

    platform: Platform
    rules: list[_Rule]
    interface_types: tuple[str, ...]  # canonical spellings; the first match of a prefix wins
    syntax_texts: dict[SyntaxKind, str]
    problems: dict[str, str]
    description_max: int
    rt_needs_rd: bool
    leave_all: str  # return / end
    leave_one: str  # quit / exit

    def text(self, code: str, **params: object) -> str:
        return self.problems[code].format(**params)

    def syntax_error(self, kind: SyntaxKind, column: int, line: str = "") -> str:
        message = self.syntax_texts[kind].format(line=line.strip())
        if self.platform == Platform.IOS and kind in (SyntaxKind.INCOMPLETE, SyntaxKind.AMBIGUOUS):
            return message
        return " " * column + "^\n" + message

    def bind_text(self, iface: Interface, vpn: str, had: IPv4Interface | None) -> str:
        """What binding prints: VRP always says so; IOS (either syntax) only when it
        removed an address; Comware nothing."""
        if self.platform == Platform.IOS and had is None:
            return ""
        return self.text("bind", interface=iface.name, vpn=vpn)

    def unbind_text(self, iface: Interface, vpn: str, had: IPv4Interface | None) -> str:
        if self.platform == Platform.IOS and had is None:
            return ""
        return self.text("unbind", interface=iface.name, vpn=vpn)


_VRP_BIND = "Info: All IPv4 related configurations on this interface are removed!"

_HUAWEI = _Syntax(
    platform=Platform.HUAWEI,
    rules=_compile(_HUAWEI_TABLE),
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

_COMWARE = _Syntax(
    platform=Platform.COMWARE,
    rules=_compile(_H3C_TABLE),
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

_IOS = _Syntax(
    platform=Platform.IOS,
    rules=_compile(_IOS_TABLE),
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

_SYNTAXES = {s.platform: s for s in (_HUAWEI, _COMWARE, _IOS)}


def get_config_command(platform: Platform) -> str:
    """The exec command that enters configuration mode on this platform."""
    return "configure terminal" if platform == Platform.IOS else "system-view"


def _display_width(text: str) -> int:
    """Columns a terminal gives ``text``: CJK characters take two (the caret must line up)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _first_difference(spellings: Iterable[tuple[tuple[int, str], ...]]) -> int:
    """Column of the first keyword that the candidate commands spell differently."""
    unique = set(spellings)
    for position in range(max(len(s) for s in unique)):
        seen = {s[position] for s in unique if position < len(s)}
        if len(seen) > 1 or any(position >= len(s) for s in unique):
            return min(col for col, _ in seen)
    return 0


# --------------------------------------------------------------------------- session


class ConfigSession:
    """One user's configuration mode on one device, from ``system-view`` /
    ``configure terminal`` until ``return``/``end`` (or ``quit``/``exit`` at the top)."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self.syntax = _SYNTAXES[device.platform]
        self.view: View = _SYSTEM
        self.acl_extended = False
        self._active = True
        self.last_failed = False

    @property
    def active(self) -> bool:
        return self._active

    @property
    def prompt(self) -> str:
        name = self.device.sysname
        view = self.view
        if self.syntax.platform == Platform.IOS:
            return f"{name}({self._ios_mode(view)})#"
        parts = [name, *self._vrp_parts(view)]
        return "[" + "-".join(p for p in parts if p) + "]"

    def _ios_mode(self, view: View) -> str:
        if view.kind == "interface":
            iface = self.device.get_interface(view.name or "")
            sub = iface is not None and iface.kind == InterfaceKind.SUBINTERFACE
            return "config-subif" if sub else "config-if"
        if view.kind == "acl":
            return "config-ext-nacl" if self.acl_extended else "config-std-nacl"
        return {
            "system": "config",
            "vpn": "config-vrf",
            "vpn-af": "config-vrf-af",
            "bgp": "config-router",
        }.get(view.kind, "config-router-af")

    def _vrp_parts(self, view: View) -> list[str]:
        h3c = self.syntax.platform == Platform.COMWARE
        name = view.name or ""
        bgp = "bgp-default" if h3c else "bgp"
        return {
            "system": [],
            "interface": [name],
            "vpn": ["vpn-instance", name],
            "vpn-af": ["vpn-ipv4", name] if h3c else ["vpn-instance", name, "af-ipv4"],
            "bgp": [bgp],
            "bgp-af": [bgp, "ipv4"] if h3c else [bgp, "af-ipv4"],
            "bgp-vpn": [bgp, name],
            "bgp-vpn-af": [bgp, "ipv4", name],
            "acl": ["acl-ipv4-basic" if h3c else "acl-basic", name],
        }[view.kind]

    # -- context the handlers need -------------------------------------------------

    @property
    def interface(self) -> Interface:
        iface = self.device.get_interface(self.view.name or "")
        if iface is None:  # deleted from another session: the view is gone
            raise _SyntaxFault(SyntaxKind.UNRECOGNIZED, 0)
        return iface

    @property
    def vpn_name(self) -> str:
        return self.view.name or ""

    @property
    def bgp_vpn(self) -> str | None:
        view: View | None = self.view
        while view is not None:
            if view.kind == "bgp-vpn":
                return view.name
            view = view.parent
        return None

    def canonical_interface_name(self, text: str) -> str | None:
        """The vendor's spelling of an interface name typed in any case or abbreviation."""
        m = _IFACE_NAME.match(text)
        if m is None:
            return None
        typed, number = m.group(1).lower(), m.group(2)
        types = self.syntax.interface_types
        exact = [t for t in types if t.lower() == typed]
        prefixed = exact or [t for t in types if t.lower().startswith(typed)]
        if not prefixed:
            return None
        return prefixed[0] + number

    def resolve_interface(
        self, c: _Captures, key: str, *, create: bool, allow_null: bool = False
    ) -> Interface:
        """The interface a capture names; logical interfaces are created when asked to."""
        name = self.canonical_interface_name(c.get(key))
        if name is None:
            raise c.wrong(key)
        existing = next((i for i in self.device.interfaces if i.name.lower() == name.lower()), None)
        if existing is not None:
            return existing
        lowered = name.lower()
        if allow_null and lowered.startswith("null"):
            return Interface(name)  # NULL0 always exists and is never listed
        if not create:
            raise c.wrong(key)
        if "." in name:
            parent = self.device.get_interface(name.split(".", 1)[0])
            sub = name.split(".", 1)[1]
            if parent is None or parent.kind != InterfaceKind.PHYSICAL or not sub.isdigit():
                raise c.wrong(key)
            iface = Interface(
                name,
                InterfaceKind.SUBINTERFACE,
                link_up=parent.link_up and Fault.UNTAGGED not in self.device.faults,
                mac=parent.mac,
                bandwidth_mbps=parent.bandwidth_mbps,
            )
        elif lowered.startswith("loopback"):
            iface = Interface(name, InterfaceKind.LOOPBACK, bandwidth_mbps=0)
        elif lowered.startswith("vlan"):
            vid = name[len(name.rstrip("0123456789")) :]
            if not vid or not 1 <= int(vid) <= 4094:
                raise c.wrong(key)
            iface = Interface(name, InterfaceKind.VLAN)
        elif lowered.startswith("tunnel"):
            iface = Interface(name, InterfaceKind.TUNNEL, bandwidth_mbps=0)
        else:
            raise c.wrong(key)
        self.device.interfaces.append(iface)
        return iface

    # -- the one entry point -------------------------------------------------------

    def feed(self, line: str) -> str:
        """Apply one line; return "" or the vendor's output (an error or an info text).

        Raises :class:`ExecInConfig` for ``do ...`` (IOS) / ``display ...`` (Huawei/H3C).
        ``last_failed`` tells whether the line was rejected (the model is then unchanged).
        """
        self.last_failed = False
        if not self._active:
            raise RuntimeError("configuration mode was left")
        line = line.rstrip("\r\n")
        tokens = _tokens(line)
        prompt_width = _display_width(self.prompt)
        for index, ch in enumerate(line):
            if not ch.isprintable() and ch != "\t":
                return self._fail(self.syntax.syntax_error(SyntaxKind.WRONG, prompt_width + index))
        if not tokens or tokens[0].text.startswith(("#", "!")):
            return ""
        first = tokens[0].text.lower()
        ios = self.syntax.platform == Platform.IOS
        display = len(first) >= 3 and "display".startswith(first)
        if (ios and first == "do" and len(tokens) > 1) or (not ios and display):
            raise ExecInConfig(line[tokens[1].column :] if ios else line.strip())
        leaving = [w for w in (self.syntax.leave_all, self.syntax.leave_one) if w.startswith(first)]
        if len(tokens) == 1 and len(leaving) > 1:  # IOS "e": end or exit?
            return self._fail(self.syntax.syntax_error(SyntaxKind.AMBIGUOUS, prompt_width, line))
        if len(tokens) == 1 and leaving:
            self._leave(all_views=leaving[0] == self.syntax.leave_all)
            return ""
        return self._dispatch(line, tokens, prompt_width)

    def get_user_view_error(self, line: str) -> str:
        """What the device says to a configuration line typed after leaving config mode."""
        sysname = self.device.sysname
        prompt = f"{sysname}#" if self.syntax.platform == Platform.IOS else f"<{sysname}>"
        column = len(line) - len(line.lstrip())
        return self.syntax.syntax_error(
            SyntaxKind.UNRECOGNIZED, _display_width(prompt) + column, line
        )

    def _leave(self, *, all_views: bool) -> None:
        if all_views or self.view.parent is None:
            self._active = False
            self.view = _SYSTEM
        else:
            self.view = self.view.parent

    def _fail(self, text: str) -> str:
        self.last_failed = True
        return text

    def _dispatch(self, line: str, tokens: list[_Token], prompt_width: int) -> str:
        """Match in the current view, then (like the real CLIs) in its parent views."""
        best: _Failure | None = None
        view: View | None = self.view
        while view is not None:
            matches: list[tuple[_Captures, _Handler]] = []
            for views, elements, handler in self.syntax.rules:
                if view.kind not in views:
                    continue
                result = _match(elements, tokens, line)
                if isinstance(result, _Failure):
                    if best is None or (result.index, _RANK[result.kind]) > (
                        best.index,
                        _RANK[best.kind],
                    ):
                        best = result
                    continue
                matches.append((result, handler))
            if matches:
                most = max(c.exact for c, _ in matches)
                matches = [(c, h) for c, h in matches if c.exact == most]
                spellings = {tuple(c.keywords) for c, _ in matches}
                if len(spellings) > 1:
                    column = _first_difference(spellings)
                    return self._fail(
                        self.syntax.syntax_error(SyntaxKind.AMBIGUOUS, prompt_width + column, line)
                    )
                return self._run(view, matches[0][1], matches[0][0], prompt_width)
            view = view.parent
        assert best is not None
        return self._fail(self.syntax.syntax_error(best.kind, prompt_width + best.column))

    def _run(self, view: View, handler: _Handler, captures: _Captures, prompt_width: int) -> str:
        saved = self.view
        self.view = view
        try:
            return handler(self, captures)
        except _SyntaxFault as fault:
            self.view = saved
            return self._fail(self.syntax.syntax_error(fault.kind, prompt_width + fault.column))
        except _Problem as problem:
            self.view = saved
            return self._fail(self.syntax.text(problem.code, **problem.params))


def apply_lines(device: Device, lines: Iterable[str]) -> list[str]:
    """Enter configuration mode, feed each line, and return the rejected lines' outputs.

    ``system-view``/``configure terminal`` lines are skipped, and re-enter configuration
    mode after ``return``/``end``; other lines after leaving are rejected as in user view.
    Exec lines (``do``/``display``) are ignored. Info texts of accepted lines are not
    returned.
    """
    session = ConfigSession(device)
    errors: list[str] = []
    enter = get_config_command(device.platform)
    for line in lines:
        if line.strip().lower() in (enter, "conf t", "system"):
            if not session.active:
                session = ConfigSession(device)
            continue
        if not session.active:  # back in user view, where config lines are unknown
            errors.append(session.get_user_view_error(line))
            continue
        try:
            output = session.feed(line)
        except ExecInConfig:
            continue
        if session.last_failed:
            errors.append(output)
    return errors
