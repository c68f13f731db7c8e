"""Handlers for the VPNv4 hand-off's lines (MPLS, loopback sessions, the VPNv4 family),
shared by every vendor's command table as the rest of ``handlers``; what the lab makes of
them is in govnet_lab.dataplane.vpnv4 (MPLS is one switch per router there)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from govnet_lab.configure.operations import find_peer
from govnet_lab.configure.patterns import Captures, SyntaxFault, SyntaxKind
from govnet_lab.configure.syntax import SYSTEM, View

if TYPE_CHECKING:
    from govnet_lab.configure.session import ConfigSession

DEFAULT_MAX_HOP = 255  # ``peer X ebgp-max-hop`` without a count (VRP, Comware); IOS the same


def enable_mpls(s: ConfigSession, c: Captures) -> str:
    """``mpls`` / ``mpls ldp`` / IOS ``mpls ip``: the router label-switches."""
    s.device.mpls = True
    return ""


def enter_mpls(s: ConfigSession, c: Captures) -> str:
    """VRP ``mpls``: MPLS on, and its view."""
    s.device.mpls = True
    s.view = View("mpls", None, SYSTEM)
    return ""


def enter_ldp(s: ConfigSession, c: Captures) -> str:
    """``mpls ldp`` (VRP, Comware): LDP on, and its view."""
    s.device.mpls = True
    s.view = View("mpls-ldp", None, SYSTEM)
    return ""


def disable_mpls(s: ConfigSession, c: Captures) -> str:
    """``undo mpls`` / ``undo mpls ldp`` / IOS ``no mpls ip``: no label-switched paths."""
    s.device.mpls = False
    return ""


def peer_source(s: ConfigSession, c: Captures) -> str:
    """``peer X connect-interface I`` / IOS ``neighbor X update-source I``."""
    peer = find_peer(s.device, c.get("peer"), None)
    peer.connect_interface = s.resolve_interface(c, "if", create=False).name
    return ""


def undo_peer_source(s: ConfigSession, c: Captures) -> str:
    find_peer(s.device, c.get("peer"), None).connect_interface = None
    return ""


def peer_max_hop(s: ConfigSession, c: Captures) -> str:
    """``peer X ebgp-max-hop [N]`` / IOS ``neighbor X ebgp-multihop [N]``."""
    find_peer(s.device, c.get("peer"), None).ebgp_max_hop = c.get("hops", DEFAULT_MAX_HOP)
    return ""


def undo_peer_max_hop(s: ConfigSession, c: Captures) -> str:
    find_peer(s.device, c.get("peer"), None).ebgp_max_hop = None
    return ""


def enter_vpnv4(s: ConfigSession, c: Captures) -> str:
    """``ipv4-family vpnv4`` / ``address-family vpnv4``: the BGP VPNv4 family's view."""
    bgp = s.view
    while bgp.kind != "bgp" and bgp.parent is not None:
        bgp = bgp.parent
    if bgp.kind != "bgp":
        raise SyntaxFault(SyntaxKind.UNRECOGNIZED, c.keywords[0][0])
    s.view = View("bgp-vpnv4", None, bgp)
    return ""


def peer_vpnv4(s: ConfigSession, c: Captures) -> str:
    """``peer X enable`` / ``neighbor X activate`` in the VPNv4 family."""
    find_peer(s.device, c.get("peer"), None).vpnv4 = True
    return ""


def undo_peer_vpnv4(s: ConfigSession, c: Captures) -> str:
    find_peer(s.device, c.get("peer"), None).vpnv4 = False
    return ""
