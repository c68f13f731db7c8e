"""How a platform writes its configuration (``config:`` in platform.yaml, plus the optional
``hooks.py``): the word that leaves a section, hier_config's driver, how the running
configuration writes a static route and the BGP process, the longest description. Plans
and pushes read and write configurations through a :class:`Dialect`, never through a test
of the platform's name.

>>> vrp = Dialect("huawei", "huawei_vrp", "quit")
>>> vrp.to_push_lines(["interface GE0/0/2", " shutdown", "ip route-static 0.0.0.0 0 1.1.1.1"])
['interface GE0/0/2', ' shutdown', ' quit', 'ip route-static 0.0.0.0 0 1.1.1.1']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from ipaddress import IPv4Address, IPv4Network

from hier_config import HConfig, get_hconfig
from hier_config import Platform as HierPlatform

__all__ = ["Dialect", "StaticRoute"]


def _unchanged(text: str) -> str:
    return text


@dataclass(frozen=True)
class StaticRoute:
    """A static route as the running configuration writes it."""

    vpn: str | None
    prefix: IPv4Network
    next_hop: IPv4Address | None
    interface: str | None
    preference: int | None


@dataclass(frozen=True)
class Dialect:
    platform: str
    hier_config: str  # hier_config's Platform, by name (huawei_vrp, hp_comware5, cisco_ios)
    exit: str  # the word that leaves a configuration section
    exits: Mapping[str, str] = field(default_factory=dict)  # opener prefix -> its own word
    # named groups vpn, prefix, mask, iface, nh, pref; None: plans read no static routes
    static_route: re.Pattern[str] | None = None
    bgp_asn: re.Pattern[str] | None = None  # group 1: the device's own AS
    description_max: int = 240  # characters a description line takes
    acl_number: re.Pattern[str] | None = None  # group 1: an ACL the configuration defines
    basic_acls: tuple[int, int] | None = None  # the numbers a basic (source-only) ACL takes
    prepare_config: Callable[[str], str] = _unchanged  # the hooks module's, if it has one
    # kind (interface, vpn) -> regexes whose group `name` is an object a line names
    objects: Mapping[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict)

    @cached_property
    def negation(self) -> str:
        """The word that undoes a line (``undo ``, ``no ``), as hier_config's driver says."""
        return str(self.get_hconfig("").driver.negation_prefix)

    def get_objects(self, line: str) -> set[tuple[str, str]]:
        """The objects one configuration line names, as (kind, name): its interfaces and
        VPN instances (``objects:``), and a static route as ("route", "vpn prefix"). A
        negated line (``undo``/``no``) names what it removes.

        >>> vrp = Dialect("x", "huawei_vrp", "quit", static_route=re.compile(
        ...     r"ip route-static (?:vpn-instance (?P<vpn>\\S+) )?(?P<prefix>[\\d.]+) "
        ...     r"(?P<mask>[\\d.]+)(?: (?P<iface>[A-Za-z]\\S*))?(?: (?P<nh>[\\d.]+))?"
        ...     r"(?: preference (?P<pref>\\d+))?$"),
        ...     objects={"vpn": (re.compile(r"^ip route-static vpn-instance (?P<name>\\S+)"),)})
        >>> sorted(vrp.get_objects("undo ip route-static vpn-instance zw-a 10.1.0.0 16 1.1.1.1"))
        [('route', 'zw-a 10.1.0.0/16'), ('vpn', 'zw-a')]
        """
        text = line.strip()
        negation = self.negation
        if negation and text.startswith(negation):
            text = text[len(negation) :].strip()
        found = {
            (kind, m["name"])
            for kind, patterns in self.objects.items()
            for pattern in patterns
            if (m := pattern.search(text)) is not None
        }
        route = self.static_route.match(text) if self.static_route is not None else None
        if route is not None:
            try:
                prefix = IPv4Network(f"{route['prefix']}/{route['mask']}", strict=False)
            except ValueError:
                prefix = None
            if prefix is not None:
                found.add(("route", f"{route['vpn'] or ''} {prefix}".strip()))
        return found

    def to_push_lines(self, config: Sequence[str]) -> list[str]:
        """Hierarchical config lines as typed into the CLI: each section left with its exit."""
        out: list[str] = []
        stack: list[tuple[int, str]] = []  # open sections: (indent, opening line)
        for i, line in enumerate(config):
            depth = _indent(line)
            while stack and depth <= stack[-1][0]:
                out.append(self._exit_line(*stack.pop()))
            out.append(line)
            if i + 1 < len(config) and _indent(config[i + 1]) > depth:
                stack.append((depth, line.strip()))
        while stack:
            out.append(self._exit_line(*stack.pop()))
        return out

    def _exit_line(self, depth: int, opener: str) -> str:
        word = next((w for start, w in self.exits.items() if opener.startswith(start)), self.exit)
        return " " * (depth + 1) + word

    def get_hconfig(self, text: str | Sequence[str]) -> HConfig:
        """A configuration (running config, or a plan's lines) as a hier_config tree, after
        the platform's own preparation (its hooks) where hier_config's driver needs help."""
        if not isinstance(text, str):
            text = "\n".join(text)
        return get_hconfig(HierPlatform[self.hier_config.upper()], self.prepare_config(text))

    def get_static_routes(self, config: str) -> list[StaticRoute]:
        """The static routes a running configuration holds, each as written."""
        if self.static_route is None:
            return []
        out = []
        for raw in config.splitlines():
            m = self.static_route.match(raw.strip())
            if m is None:
                continue
            try:
                prefix = IPv4Network(f"{m['prefix']}/{m['mask']}")
                nh = IPv4Address(m["nh"]) if m["nh"] else None
            except ValueError:
                continue
            pref = int(m["pref"]) if m["pref"] else None
            out.append(StaticRoute(m["vpn"], prefix, nh, m["iface"], pref))
        return out

    def get_bgp_asn(self, config: str) -> int | None:
        """The device's own BGP AS, from its running configuration.

        >>> Dialect("x", "generic", "exit", bgp_asn=re.compile(r"^bgp (\\d+)\\s*$", re.M)
        ...         ).get_bgp_asn("#\\nbgp 65105\\n router-id 1.1.1.1\\n")
        65105
        """
        m = self.bgp_asn.search(config) if self.bgp_asn is not None else None
        return int(m[1]) if m else None

    def get_free_acl(self, config: str, taken: Sequence[str] = ()) -> int | None:
        """The first basic ACL number the configuration does not define and ``taken`` does
        not hold; None when the platform says nothing of ACLs or every number is used.

        >>> Dialect("x", "generic", "exit", acl_number=re.compile(r"^acl number (\\d+)", re.M),
        ...         basic_acls=(2000, 2999)).get_free_acl("acl number 2000\\n rule 5 permit\\n")
        2001
        """
        if self.acl_number is None or self.basic_acls is None:
            return None
        used = {m[1] for m in self.acl_number.finditer(config)} | set(taken)
        first, last = self.basic_acls
        return next((n for n in range(first, last + 1) if str(n) not in used), None)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))
