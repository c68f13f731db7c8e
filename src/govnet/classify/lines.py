"""Lines as the classifier sees them: one leased line (a ledger line, a device link the ledger
lacks, or both reconciled) with everything read about it, and the small helpers that read
interface names, NAT rules and routes.

>>> vlan_of(Interface("GigabitEthernet0/0/1.200")), vlan_of(Interface("GigabitEthernet0/0/1"))
(200, None)
>>> vlan_of(Interface("GigabitEthernet0/0/1.1", vlan=3104))
3104
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from govnet.model.facts import HostFacts, Interface, NatRule, Route, split_subinterface
from govnet.model.policy import Category, System, Target, Zone
from govnet.model.snapshot import LedgerLine
from govnet.model.verdicts import Evidence

UNASSIGNED = "unassigned"  # the unit of a host the inventory does not know
WAN_KINDS = frozenset({"dialer", "cellular"})

CARRIER_CATEGORIES = frozenset({Category.EXTRANET, Category.INTERNET, Category.INTRANET})


def compile_patterns(patterns: Iterable[str]) -> re.Pattern[str] | None:
    joined = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(joined, re.IGNORECASE) if joined else None


def vlan_of(iface: Interface) -> int | None:
    """The VLAN a sub-interface terminates: as configured, else its number (the usual
    convention, ``GE0/0/1.100`` for VLAN 100), else None."""
    if iface.vlan is not None:
        return iface.vlan
    parts = split_subinterface(iface.name)
    return parts[1] if parts else None


def interfaces_of(facts: HostFacts) -> dict[str, Interface]:
    return {i.name: i for i in facts.interfaces}


def nat_text(rule: NatRule) -> str:
    parts = [rule.kind.replace("_", "-")]
    if rule.acl:
        parts.append(f"ACL {rule.acl}")
    if rule.pool:
        parts.append(f"pool {rule.pool}")
    if rule.addresses:
        parts.append("-".join(rule.addresses))
    return " ".join(parts)


def route_text(route: Route) -> str:
    """A route as evidence says it.

    >>> route_text(Route("0.0.0.0/0", "static", ("10.1.1.1",), vpn_instance="zw",
    ...                  next_hop_vpn="_public_"))
    'static 0.0.0.0/0 (vpn zw) via 10.1.1.1 in the global table'
    """
    where = "global" if route.vpn_instance is None else f"vpn {route.vpn_instance}"
    via = ", ".join(route.next_hops) or "-"
    if route.next_hop_vpn is not None:  # the next hop is in another table: a leak between them
        other = "the global table" if route.next_hop_vpn == "_public_" else route.next_hop_vpn
        via += f" in {other}"
    out = f" out {route.interface}" if route.interface else ""
    return f"{route.protocol} {route.prefix} ({where}) via {via}{out}"


@dataclass
class Line:
    key: str
    unit: str
    ledger: LedgerLine | None
    host: str | None = None
    port: str | None = None  # the interface that carries it (physical, or a named sub-interface)
    local: list[str] = field(default_factory=list)  # interfaces on host: port + its subs
    remote: list[str] = field(default_factory=list)  # "host:interface" of the PE side
    surveyed: bool | None = None
    missing: bool = False
    ledger_system: System | None = None
    device_system: System | None = None
    device_system_why: str | None = None
    zones: set[Zone] = field(default_factory=set)
    classified: bool = False
    up: bool | None = None
    routes_via: list[Route] = field(default_factory=list)
    next_hop_in: set[str] = field(default_factory=set)
    exit_signs: list[str] = field(default_factory=list)
    default_to_extranet: bool = False
    breach: bool = False
    exit: bool | None = None  # an internet path (worked out once the device was read)
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def system(self) -> System | None:
        if self.ledger is not None and self.ledger_system is not None:
            return self.ledger_system
        return self.device_system or self.ledger_system

    @property
    def on_device(self) -> bool:
        return self.host is not None and self.port is not None and not self.missing

    @property
    def zombie(self) -> bool | None:
        if not self.on_device or self.up is None:
            return None
        return not self.up and not self.routes_via

    @property
    def conflict(self) -> bool:
        return (
            self.ledger_system is not None
            and self.device_system is not None
            and self.ledger_system.key != self.device_system.key
        )

    @property
    def all_interfaces(self) -> list[str]:
        local = [f"{self.host}:{i}" for i in self.local] if self.on_device else []
        return sorted(set(local) | set(self.remote))

    @property
    def live(self) -> bool:
        return self.zombie is not True and not self.missing and not self.breach


# target, rule id, reason, confidence, approving document, rules tried before (rule, why not)
Decision = tuple[Target, str, str, float, str | None, list[tuple[str, str]]]
