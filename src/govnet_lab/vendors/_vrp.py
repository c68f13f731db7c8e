"""What Huawei VRP and H3C Comware share in the lab (Comware grew out of VRP).

Not a vendor (the registry skips modules named ``_...``): the configuration rules both
write alike, the shape of their prompts, ``display`` typed in configuration mode, how they
print a peer's age, and the session commands both know.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from govnet_lab.configure import handlers as h
from govnet_lab.configure.patterns import Token
from govnet_lab.configure.syntax import Handler
from govnet_lab.render.common import clock, export_lists
from govnet_lab.shell import Chunk, Mode, abbreviates

if TYPE_CHECKING:
    from govnet_lab.model import Device
    from govnet_lab.session import Session

# --- configuration mode -------------------------------------------------------------------

_ROUTE = "[vpn-instance {vpn:word}] {prefix:ip} {mask:mask}"
ROUTES: list[tuple[str, str, Handler]] = [
    ("system", f"ip route-static {_ROUTE} {{nh:ip}} [preference {{pref:int(1-255)}}]", h.route),
    (
        "system",
        f"ip route-static {_ROUTE} {{oif:iface}} [{{nh:ip}}] [preference {{pref:int(1-255)}}]",
        h.route,
    ),
    ("system", f"undo ip route-static {_ROUTE} [{{nh:ip}}]", h.undo_route),
    ("system", f"undo ip route-static {_ROUTE} {{oif:iface}} [{{nh:ip}}]", h.undo_route),
]
INTERFACE: list[tuple[str, str, Handler]] = [
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
ACL: list[tuple[str, str, Handler]] = [
    (
        "acl",
        "rule [{id:int(0-4294967294)}] {action:permit|deny} source {src:ip} {wild:wild}",
        h.acl_rule,
    ),
    ("acl", "rule [{id:int(0-4294967294)}] {action:permit|deny} [source {any:any}]", h.acl_rule),
]


def get_prompt(sysname: str, parts: list[str]) -> str:
    """A configuration view's prompt: ``[R1-GigabitEthernet0/0/1]``, ``[R1-bgp-af-ipv4]``."""
    return "[" + "-".join(p for p in [sysname, *parts] if p) + "]"


def get_exec_command(line: str, tokens: list[Token]) -> str | None:
    """``display ...`` works in every view: the command, or None for a configuration line."""
    first = tokens[0].text.lower()
    return line.strip() if len(first) >= 3 and "display".startswith(first) else None


# --- display output -----------------------------------------------------------------------


def get_peer_age(seconds: int) -> str:
    """A Huawei/H3C peer age: ``00:20:13`` within a day, else ``0049h57m``."""
    if seconds < 86_400:
        return clock(seconds)
    return f"{seconds // 3600:04d}h{seconds % 3600 // 60:02d}m"


# --- the shell ----------------------------------------------------------------------------


def get_exec_prompt(sysname: str, mode: Mode) -> str:
    return f"<{sysname}>"


def run_session_command(session: Session, words: list[str], system_view: str) -> list[Chunk] | None:
    """``quit`` and ``system-view`` (which says ``system_view``); None for anything else."""
    text = " ".join(w.lower() for w in words)
    if text == "quit":
        session.closed = True
        return []
    if len(words) == 1 and abbreviates(words[0].lower(), "system-view", 3):
        return session.enter_config(system_view)
    return None


def prefix_list_lines(device: Device, keyword: str) -> list[str]:
    """Each BGP peer's export list as VRP (``ip ip-prefix``) and Comware (``ip prefix-list``)
    write it: ``KEYWORD NAME index 10 permit A L``...; an empty list denies everything."""
    lines: list[str] = []
    for name, prefixes in export_lists(device):
        for i, prefix in enumerate(prefixes):
            address, length = prefix.network_address, prefix.prefixlen
            lines.append(f"{keyword} {name} index {10 * (i + 1)} permit {address} {length}")
        if not prefixes:  # sends nothing
            lines.append(f"{keyword} {name} index 10 deny 0.0.0.0 0 less-equal 32")
    return [*lines, "#"] if lines else []
