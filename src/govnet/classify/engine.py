"""Classification: every line and business network gets one target, the rule that decided it
and the facts it used; every internet exit and isolation breach is found (DOMAIN.md §3, §4).

The input is one snapshot: the inventory and ledger (units, devices, lines) and what the
survey read from each device. Lines come from both sides and are reconciled, never merged
silently: a ledger line is matched to the device interface it names; a device link no ledger
line names becomes a line of its own (``<host>:<interface>``), and both mismatches are
reported. Each line's *signals* (DOMAIN terms: zombie, zone, classified, own exit, ...) are
derived from facts, then ``playbooks/policy.yaml``'s ordered rules give the target. A unit's
lines of one kind of network form its business network (``<unit>:<catalogue key>``), judged
by the same rules on the signals of its lines together.

>>> _vlan_of("GigabitEthernet0/0/1.200"), _vlan_of("GigabitEthernet0/0/1")
(200, None)
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import TYPE_CHECKING, Any

from govnet.classify.rules import get_rule_tests, why_not
from govnet.model.facts import HostFacts, Interface, NatRule, Route
from govnet.model.policy import (
    Category,
    Policy,
    SubjectKind,
    System,
    Target,
    Zone,
)
from govnet.model.snapshot import CORE_ROLE, HostRecord, LedgerLine, Snapshot
from govnet.model.verdicts import (
    Breach,
    Classification,
    Evidence,
    Exit,
    Finding,
    UnitAccess,
    Verdict,
)
from govnet.platforms import expand_interface

UNASSIGNED = "unassigned"  # the unit of a host the inventory does not know
WAN_KINDS = frozenset({"dialer", "cellular"})
if TYPE_CHECKING:
    pass

CARRIER_CATEGORIES = frozenset({Category.EXTRANET, Category.INTERNET, Category.INTRANET})


# --- helpers -------------------------------------------------------------------------------


def _compile(patterns: Iterable[str]) -> re.Pattern[str] | None:
    joined = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(joined, re.IGNORECASE) if joined else None


def _physical(name: str) -> str:
    return name.split(".", 1)[0]


def _vlan_of(name: str) -> int | None:
    tail = name.rpartition(".")[2] if "." in name else ""
    return int(tail) if tail.isdigit() else None


def _interfaces_of(facts: HostFacts) -> dict[str, Interface]:
    return {i.name: i for i in facts.interfaces}


def _nat_text(rule: NatRule) -> str:
    parts = [rule.kind.replace("_", "-")]
    if rule.acl:
        parts.append(f"ACL {rule.acl}")
    if rule.pool:
        parts.append(f"pool {rule.pool}")
    if rule.addresses:
        parts.append("-".join(rule.addresses))
    return " ".join(parts)


def _route_text(route: Route) -> str:
    where = "global" if route.vpn_instance is None else f"vpn {route.vpn_instance}"
    via = ", ".join(route.next_hops) or "-"
    out = f" out {route.interface}" if route.interface else ""
    return f"{route.protocol} {route.prefix} ({where}) via {via}{out}"


# --- lines as the classifier sees them -----------------------------------------------------


@dataclass
class _Line:
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


class _Classifier:
    def __init__(self, snapshot: Snapshot, policy: Policy) -> None:
        self.snapshot = snapshot
        self.policy = policy
        self.hosts = {h.hostname: h for h in snapshot.hosts}
        self.units = {u.key: u for u in snapshot.units}
        self.catalogue = [(s, _compile(s.patterns)) for s in policy.catalogue]
        self.zone_patterns = [
            (zone, _compile(policy.zones[zone].vpn_patterns), set(policy.zones[zone].vlans))
            for zone in policy.zones
        ]
        blocks = policy.address_blocks
        self.blocks: dict[str, tuple[IPv4Network, ...]] = {
            "extranet_public": blocks.extranet_public,
            "extranet_local": blocks.extranet_local,
            "intranet": blocks.intranet,
        }
        self.extranet_blocks = blocks.extranet_public + blocks.extranet_local
        self.platform_units = {
            h.unit for h in snapshot.hosts if h.role == CORE_ROLE and h.unit is not None
        }
        self.system_by_category: dict[Category, System] = {}
        for system in policy.catalogue:
            self.system_by_category.setdefault(system.category, system)
        self.findings: list[Finding] = []
        self.lines: list[_Line] = []
        self.by_port: dict[tuple[str, str], _Line] = {}
        self.claimed_subs: dict[str, list[str]] = defaultdict(list)  # ledger-named sub-ifs
        self.rule_tests = [(rule, get_rule_tests(rule)) for rule in policy.rules]
        self.exceptions = {e.subject: e for e in reversed(policy.exceptions)}  # first wins
        self.decisions: dict[tuple[Any, ...], Decision] = {}  # equal signals, equal verdict
        self.line_signals: dict[int, dict[str, Any]] = {}
        self.signal_pool: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.catalogue_cache: dict[str, System | None] = {}
        internet = next((s for s in policy.catalogue if s.category is Category.INTERNET), None)
        self.internet_key = internet.key if internet else None
        self.sysnames: dict[str, str] = {}
        self.owners: dict[int, list[tuple[str, str]]] = defaultdict(list)  # address -> (host, if)
        self.address_cache: dict[int, list[IPv4Interface]] = {}
        self.interface_maps: dict[str, dict[str, Interface]] = {}
        # (unit, system key) -> where the system runs in a dedicated-zone VPN (migrated)
        self.carried: dict[tuple[str, str], tuple[_Line, Evidence]] = {}

    # --- indexes ---------------------------------------------------------------------

    def unit_of(self, host: str) -> str:
        record = self.hosts.get(host)
        return record.unit if record is not None and record.unit else UNASSIGNED

    def _index(self) -> None:
        for host in self.snapshot.hosts:
            self.sysnames.setdefault(host.hostname, host.hostname)
            if not host.has_facts:
                continue
            assert host.facts is not None
            if host.facts.device.hostname:
                self.sysnames.setdefault(host.facts.device.hostname, host.hostname)
            for iface in host.facts.interfaces:
                if iface.kind == "loopback":
                    continue
                for address in self._addresses(iface):
                    if address.network.prefixlen < 32:
                        self.owners[int(address.ip)].append((host.hostname, iface.name))

    def _addresses(self, iface: Interface) -> list[IPv4Interface]:
        """Parsed once per interface: a province has millions of them."""
        found = self.address_cache.get(id(iface))
        if found is None:
            found = self.address_cache[id(iface)] = iface.get_ipv4()
        return found

    def _interfaces(self, host: str) -> dict[str, Interface]:
        found = self.interface_maps.get(host)
        if found is None:
            facts = self.hosts[host].facts
            found = self.interface_maps[host] = _interfaces_of(facts) if facts else {}
        return found

    def _ports(self, facts: HostFacts) -> dict[str, list[str]]:
        ports: dict[str, list[str]] = defaultdict(list)
        for iface in facts.interfaces:
            ports[_physical(iface.name)].append(iface.name)
        return ports

    def _is_wan(self, iface: Interface, nat_interfaces: set[str]) -> bool:
        if iface.kind == "loopback":
            return False
        if iface.kind in WAN_KINDS or iface.name in nat_interfaces:
            return True
        for address in self._addresses(iface):
            length = address.network.prefixlen
            if 29 <= length < 32 or (length < 32 and address.ip.is_global):
                return True
        return False

    def _peers(self, host: HostRecord, names: Sequence[str]) -> list[tuple[str, str]]:
        """Other inventory hosts at the far end of these interfaces: the other address of a
        point-to-point subnet, LLDP/CDP, or a description naming the host."""
        assert host.facts is not None
        interfaces = self._interfaces(host.hostname)
        found: list[tuple[str, str]] = []
        for name in names:
            iface = interfaces.get(name)
            if iface is None:
                continue
            for address in self._addresses(iface):
                net = address.network
                if net.prefixlen not in (30, 31):
                    continue
                for other in net.hosts() if net.prefixlen == 30 else net:
                    if other == address.ip:
                        continue
                    owners = [o for o in self.owners.get(int(other), []) if o[0] != host.hostname]
                    if len(owners) == 1:
                        found.append(owners[0])
        port = _physical(names[0]) if names else None
        for n in host.facts.neighbours:
            if n.protocol in ("lldp", "cdp") and n.interface == port:
                peer = self.sysnames.get(n.peer)
                if peer is not None and peer != host.hostname:
                    found.append((peer, n.remote_interface or ""))
        if not found:
            for name in names:
                iface = interfaces.get(name)
                for token in re.findall(r"[A-Za-z0-9_.-]+", (iface and iface.description) or ""):
                    candidate = token[3:] if token.lower().startswith("to-") else token
                    if candidate in self.hosts and candidate != host.hostname:
                        found.append((candidate, ""))
        return found

    # --- lines from the ledger and from the devices ------------------------------------

    def _match_interface(self, host: HostRecord, written: str) -> str | None:
        assert host.facts is not None
        names = [i.name for i in host.facts.interfaces]
        if written in names:
            return written
        table = self.snapshot.interface_names.get(host.platform or "", {})
        wanted = expand_interface(written.replace(" ", ""), table).lower()
        return next((n for n in names if n.lower() == wanted), None)

    def _ledger_lines(self) -> None:
        for ledger in self.snapshot.lines:
            line = _Line(ledger.circuit_id, ledger.unit, ledger)
            line.ledger_system = self._ledger_system(ledger)
            line.evidence.append(
                Evidence(
                    "ledger",
                    f"ledger line {ledger.circuit_id}: {ledger.network}, {ledger.carrier} "
                    f"{ledger.kind}"
                    + (f", {ledger.bandwidth_mbps:g} Mbps" if ledger.bandwidth_mbps else "")
                    + (
                        f", A end {ledger.a_device} {ledger.a_interface or ''}".rstrip()
                        if ledger.a_device
                        else ", no device named"
                    )
                    + (", classified" if ledger.classified else ""),
                    circuit_id=ledger.circuit_id,
                )
            )
            self.lines.append(line)
            host = self.hosts.get(ledger.a_device or "")
            if host is None:
                continue
            line.host = host.hostname
            if not host.has_facts:
                line.surveyed = False
                why = "not in this survey" if host.status is None else host.message or host.status
                line.evidence.append(
                    Evidence("survey", f"{host.hostname} was not read: {why}", host.hostname)
                )
                self.findings.append(
                    Finding(
                        "not_surveyed",
                        line.unit,
                        f"{host.hostname} gave no answer ({why}): line {line.key} is unchecked",
                        ledger.circuit_id,
                        host.hostname,
                    )
                )
                continue
            if ledger.a_interface is None:
                line.surveyed = True
                continue
            port = self._match_interface(host, ledger.a_interface)
            if port is None:
                if host.status == "partial":
                    line.surveyed = False
                    line.evidence.append(
                        Evidence(
                            "survey",
                            f"{host.hostname} answered only in part and shows no "
                            f"{ledger.a_interface}",
                            host.hostname,
                        )
                    )
                    continue
                line.surveyed, line.missing, line.port = True, True, ledger.a_interface
                line.evidence.append(
                    Evidence(
                        "interfaces",
                        f"{host.hostname} has no interface {ledger.a_interface}",
                        host.hostname,
                        ledger.a_interface,
                        ledger.circuit_id,
                    )
                )
                self.findings.append(
                    Finding(
                        "ledger_only",
                        line.unit,
                        f"the ledger puts {ledger.circuit_id} on {host.hostname} "
                        f"{ledger.a_interface}, which the device does not have",
                        ledger.circuit_id,
                        host.hostname,
                        ledger.a_interface,
                    )
                )
                continue
            line.surveyed, line.port = True, port
            self.by_port[(host.hostname, port)] = line
            if "." in port:
                self.claimed_subs[host.hostname].append(port)

    def _ledger_system(self, ledger: LedgerLine) -> System | None:
        if ledger.classified:
            return self.system_by_category.get(Category.INTRANET)
        return self._match_catalogue(ledger.network)

    def _match_catalogue(self, text: str | None) -> System | None:
        if not text:
            return None
        if text not in self.catalogue_cache:
            self.catalogue_cache[text] = next(
                (s for s, p in self.catalogue if p is not None and p.search(text)), None
            )
        return self.catalogue_cache[text]

    def _device_lines(self) -> None:
        """Claim every port for its ledger line, a PE side, an internal link or a new line."""
        attachments: list[tuple[str, str, str, list[str]]] = []
        for host in self.snapshot.hosts:
            if not host.has_facts:
                continue
            assert host.facts is not None
            interfaces = self._interfaces(host.hostname)
            nat_interfaces = {n.interface for n in host.facts.nat if n.interface}
            claimed_subs = set(self.claimed_subs.get(host.hostname, ()))
            for sub in claimed_subs:
                self.by_port[(host.hostname, sub)].local = [sub]
            for port, names in self._ports(host.facts).items():
                line = self.by_port.get((host.hostname, port))
                if line is not None:
                    line.local = [n for n in names if n not in claimed_subs]
                    continue
                names = [n for n in names if n not in claimed_subs]
                if not names or not any(self._is_wan(interfaces[n], nat_interfaces) for n in names):
                    continue
                wan = [n for n in names if self._is_wan(interfaces[n], nat_interfaces)]
                peers = self._peers(host, wan)
                units = {self.unit_of(p) for p, _ in peers}
                if host.unit is not None and host.unit in units:
                    continue  # a patch cable inside the unit's own node, not a line
                if peers and host.role == CORE_ROLE:
                    peer_host, peer_port = peers[0]
                    if self.hosts[peer_host].role != CORE_ROLE:
                        attachments.append((peer_host, _physical(peer_port), host.hostname, wan))
                        continue
                line = _Line(f"{host.hostname}:{port}", host.unit or UNASSIGNED, None)
                line.host, line.port, line.local, line.surveyed = host.hostname, port, names, True
                self.by_port[(host.hostname, port)] = line
                self.lines.append(line)
        by_host: dict[str, list[_Line]] = defaultdict(list)
        for line in self.lines:
            if line.host is not None:
                by_host[line.host].append(line)
        for peer_host, peer_port, host_name, names in attachments:
            target = self.by_port.get((peer_host, peer_port))
            if target is None:  # the far end's port is unknown: the line on that host
                candidates = [ln for ln in by_host.get(peer_host, ()) if ln.on_device]
                target = candidates[0] if len(candidates) == 1 else None
            if target is not None:
                target.remote += [f"{host_name}:{n}" for n in names]
                target.evidence.append(
                    Evidence(
                        "interfaces",
                        f"the provider-edge side of this line ({', '.join(names)})",
                        host_name,
                        names[0],
                    )
                )
        for line in self.lines:
            if line.ledger is None:
                self.findings.append(
                    Finding(
                        "device_only",
                        line.unit,
                        f"{line.host} {line.port} is a live link no ledger line names",
                        None,
                        line.host,
                        line.port,
                    )
                )

    # --- what the device says about each line ------------------------------------------

    def _read_device(self, line: _Line) -> None:
        if not line.on_device:
            return
        host = self.hosts[line.host or ""]
        assert host.facts is not None and line.host is not None
        interfaces = self._interfaces(host.hostname)
        mine = [interfaces[n] for n in line.local if n in interfaces]
        names = {i.name for i in mine}
        subnets = [a.network for i in mine for a in self._addresses(i)]
        ups = [i.oper_up for i in mine if i.oper_up is not None]
        line.up = any(ups) if ups else None
        for iface in mine:
            state = {True: "up", False: "down", None: "state unknown"}[iface.oper_up]
            if iface.admin_up is False:
                state = "shut down"
            details = [state]
            if iface.description:
                details.append(f"description {iface.description!r}")
            if iface.vpn_instance:
                details.append(f"VPN instance {iface.vpn_instance}")
            if iface.addresses:
                details.append("address " + ", ".join(iface.addresses))
            line.evidence.append(Evidence("interfaces", ", ".join(details), line.host, iface.name))
            self._zones_of(line, iface)
            if line.device_system is None and iface.description:
                system = self._match_catalogue(iface.description)
                if system is not None:
                    line.device_system = system
                    line.device_system_why = f"description {iface.description!r}"
            for address in self._addresses(iface):
                self._address_signs(line, iface, address)
        for rule in host.facts.nat:
            if rule.interface in names and rule.kind in ("outbound", "easy_ip"):
                sign = "nat_outbound" if rule.kind == "outbound" else "easy_ip"
                if sign not in line.exit_signs:
                    line.exit_signs.insert(0, sign)
                line.evidence.append(
                    Evidence(
                        "nat",
                        f"NAT {_nat_text(rule)} on {rule.interface}",
                        line.host,
                        rule.interface,
                    )
                )
        for iface in mine:
            if iface.kind in WAN_KINDS and iface.kind not in line.exit_signs:
                line.exit_signs.append(iface.kind)
        for route in host.facts.routes:
            if route.protocol in ("direct", "local"):
                continue
            hops = []
            for hop in route.next_hops:
                try:
                    hops.append(IPv4Address(hop))
                except ValueError:
                    continue
            via = route.interface in names or any(h in net for h in hops for net in subnets)
            if not via:
                continue
            line.routes_via.append(route)
            for name, blocks in self.blocks.items():
                if any(h in b for h in hops for b in blocks):
                    line.next_hop_in.add(name)
            if route.prefix == "0.0.0.0/0" and route.vpn_instance is None:
                toward_extranet = any(h in b for h in hops for b in self.extranet_blocks)
                if toward_extranet:
                    line.default_to_extranet = True
                elif "default_route" not in line.exit_signs:
                    line.exit_signs.append("default_route")
        for route in line.routes_via[:5]:
            line.evidence.append(Evidence("routes", _route_text(route), line.host, route.interface))
        if len(line.routes_via) > 5:
            line.evidence.append(
                Evidence("routes", f"and {len(line.routes_via) - 5} more routes", line.host)
            )
        if line.on_device and line.up is False and not line.routes_via:
            line.evidence.append(
                Evidence(
                    "routes",
                    "no route uses it (ARP is not collected: the routing table stands for traffic)",
                    line.host,
                    line.port,
                )
            )
        if "public_address" in line.exit_signs:  # the order every exit is listed in
            line.exit_signs.remove("public_address")
            line.exit_signs.append("public_address")

    def _zones_of(self, line: _Line, iface: Interface) -> None:
        zone: Zone | None = None
        if iface.vpn_instance:
            zone = next(
                (
                    z
                    for z, p, _ in self.zone_patterns
                    if p is not None and p.search(iface.vpn_instance)
                ),
                None,
            )
            if zone is None and line.device_system is None:
                system = self._match_catalogue(iface.vpn_instance)
                if system is not None:
                    line.device_system = system
                    line.device_system_why = f"VPN instance {iface.vpn_instance}"
        elif "." in iface.name:
            vlan = _vlan_of(iface.name)
            zone = next((z for z, _, vlans in self.zone_patterns if vlan in vlans), None)
        if zone is None:
            return
        line.zones.add(zone)
        if zone is Zone.DEDICATED and iface.vpn_instance and iface.oper_up:
            carried = self._match_catalogue(iface.vpn_instance)
            if carried is not None and carried.category not in CARRIER_CATEGORIES:
                self.carried.setdefault(
                    (line.unit, carried.key),
                    (
                        line,
                        Evidence(
                            "interfaces",
                            f"{carried.name} runs in the {self.policy.zones[zone].name}:"
                            f" VPN instance {iface.vpn_instance} on {iface.name} (up)",
                            line.host,
                            iface.name,
                        ),
                    ),
                )
        extranet = self.system_by_category.get(Category.EXTRANET)
        if extranet is not None and (
            line.device_system is None
            or (line.device_system_why is not None and not line.device_system_why.startswith("VPN"))
        ):
            line.device_system = extranet
            line.device_system_why = f"{iface.name} in the {self.policy.zones[zone].name}"

    def _address_signs(self, line: _Line, iface: Interface, address: IPv4Interface) -> None:
        ip = address.ip  # a /32 counts too: PPPoE and cellular addresses are host routes
        if any(ip in b for b in self.extranet_blocks):
            if line.device_system is None:
                line.device_system = self.system_by_category.get(Category.EXTRANET)
                line.device_system_why = f"extranet address {address}"
            return
        if any(ip in b for b in self.policy.address_blocks.intranet):
            line.classified = True
            if line.device_system is None:
                line.device_system = self.system_by_category.get(Category.INTRANET)
                line.device_system_why = f"intranet address {address}"
            return
        for system in self.policy.catalogue:
            if any(ip in p for p in system.prefixes):
                if line.device_system is None:
                    line.device_system = system
                    line.device_system_why = f"address {address} in {system.name}'s block"
                return
        if ip.is_global:
            if "public_address" not in line.exit_signs:
                line.exit_signs.append("public_address")
            if line.device_system is None:
                line.device_system = self.system_by_category.get(Category.INTERNET)
                line.device_system_why = f"public address {address} on {iface.name}"

    # --- breaches --------------------------------------------------------------------------

    def _is_classified(self, line: _Line) -> bool:
        system = line.system
        return (
            line.classified
            or bool(line.ledger and line.ledger.classified)
            or (system is not None and (system.classified or system.category is Category.INTRANET))
        )

    def _find_breaches(self) -> list[Breach]:
        by_host: dict[str, list[_Line]] = defaultdict(list)
        for line in self.lines:
            if line.on_device and line.host is not None:
                by_host[line.host].append(line)
        breaches: list[Breach] = []
        for host, lines in sorted(by_host.items()):
            classified = [ln for ln in lines if self._is_classified(ln)]
            others = [ln for ln in lines if not self._is_classified(ln)]
            if not classified or not others:
                continue
            for ln in others:
                ln.breach = True
                ln.evidence.insert(
                    0,
                    Evidence(
                        "interfaces",
                        "the same device carries the classified network on "
                        + ", ".join(c.port or "?" for c in classified),
                        host,
                    ),
                )
            names = []
            for ln in classified + others:
                name = self._line_name(ln)
                if name not in names:
                    names.append(name)
            breaches.append(
                Breach(
                    host,
                    self.unit_of(host),
                    names,
                    sorted(f"{host}:{ln.port}" for ln in classified + others),
                    [e for ln in classified + others for e in ln.evidence[:3]],
                )
            )
        return breaches

    def _line_name(self, line: _Line) -> str:
        if line.ledger is not None:
            return line.ledger.network
        system = line.system
        return system.name if system is not None else f"{line.host} {line.port}"

    # --- signals and rules -----------------------------------------------------------------

    def _line_signals(self, line: _Line) -> dict[str, Any]:
        """The line's signals, JSON-ready (lists, enum values); equal ones are one object,
        since a province has hundreds of thousands of lines and few kinds of them."""
        found = self.line_signals.get(id(line))
        if found is not None:
            return found
        system = line.system
        signals = {
            "subject": SubjectKind.LINE.value,
            "breach": line.breach,
            "surveyed": line.surveyed,
            "zombie": line.zombie,
            "in_ledger": line.ledger is not None,
            "on_device": line.on_device,
            "missing_on_device": line.missing,
            "conflict": line.conflict,
            "classified": self._is_classified(line),
            "system": system.key if system else None,
            "system_category": system.category.value if system else None,
            "national_plan": system.national_plan if system else None,
            "known_system": system is not None,
            "line_kind": [line.ledger.kind] if line.ledger else [],
            "zone": sorted(z.value for z in line.zones),
            "own_exit": self._is_own_exit(line),
            "unified_exit": self._is_unified_exit(line),
            "next_hop_in": sorted(line.next_hop_in),
            "carried": self._is_carried(line.unit, system, [line]),
        }
        key = tuple(tuple(v) if isinstance(v, list) else v for v in signals.values())
        signals = self.signal_pool.setdefault(key, signals)
        self.line_signals[id(line)] = signals
        return signals

    def _is_exit(self, line: _Line) -> bool:
        if line.exit is None:
            line.exit = self.internet_key is not None and any(
                s is not None and s.key == self.internet_key
                for s in (line.system, line.device_system)
            )
        return line.exit

    def _is_own_exit(self, line: _Line) -> bool:
        return self._is_exit(line) and line.live and line.unit not in self.platform_units

    def _is_unified_exit(self, line: _Line) -> bool:
        return self._is_exit(line) and line.live and line.unit in self.platform_units

    def _network_signals(self, lines: list[_Line], system: System | None) -> dict[str, Any]:
        signals = [self._line_signals(ln) for ln in lines]
        zombies = [s["zombie"] for s in signals]

        def union(name: str) -> list[str]:
            return sorted(set().union(*(s[name] for s in signals)))

        return {
            "subject": SubjectKind.NETWORK.value,
            "breach": any(s["breach"] for s in signals),
            "surveyed": not any(s["surveyed"] is False for s in signals),
            "zombie": None if None in zombies else all(zombies),
            "in_ledger": any(s["in_ledger"] for s in signals),
            "on_device": any(s["on_device"] for s in signals),
            "missing_on_device": all(s["missing_on_device"] for s in signals),
            "conflict": any(s["conflict"] for s in signals),
            "classified": any(s["classified"] for s in signals),
            "system": system.key if system else None,
            "system_category": system.category.value if system else None,
            "national_plan": system.national_plan if system else None,
            "known_system": system is not None,
            "line_kind": union("line_kind"),
            "zone": union("zone"),
            "own_exit": any(s["own_exit"] for s in signals),
            "unified_exit": any(s["unified_exit"] for s in signals),
            "next_hop_in": union("next_hop_in"),
            "carried": self._is_carried(lines[0].unit, system, lines),
        }

    def _is_carried(self, unit: str, system: System | None, lines: Sequence[_Line]) -> bool:
        """Migrated: the system runs in a dedicated-zone VPN of the unit's extranet access and
        its own lines carry nothing any more (a live old line means the move is not done)."""
        return (
            system is not None
            and (unit, system.key) in self.carried
            and not any(ln.live for ln in lines if ln.system and ln.system.key == system.key)
        )

    def _decide(
        self, kind: SubjectKind, key: str, circuits: Iterable[str], signals: dict[str, Any]
    ) -> Decision:
        exception = None
        if self.exceptions and not signals["breach"]:
            exception = next(
                (self.exceptions[s] for s in (key, *circuits) if s in self.exceptions), None
            )
        if exception is not None:
            reason = f"approved exception: {exception.document} ({exception.date})"
            if exception.note:
                reason += f": {exception.note}"
            return exception.target, "exception", reason, 1.0, exception.document, []
        memo = tuple(tuple(v) if isinstance(v, list) else v for v in signals.values())
        decided = self.decisions.get(memo)
        if decided is not None:
            return decided
        tried: list[tuple[str, str]] = []
        for rule, tests in self.rule_tests:
            why = why_not(tests, signals)
            if why is None:
                decided = (rule.target, rule.id, rule.reason, rule.confidence, None, tried)
                self.decisions[memo] = decided
                return decided
            tried.append((rule.id, why))
        raise AssertionError("the policy's last rule is a catch-all")  # checked at load

    # --- the whole run ---------------------------------------------------------------------

    def run(self) -> Classification:
        self._index()
        self._ledger_lines()
        self._device_lines()
        for line in self.lines:
            self._read_device(line)
        breaches = self._find_breaches()
        groups: dict[str, list[_Line]] = defaultdict(list)
        network_of: dict[int, str] = {}
        for line in self.lines:
            if line.breach:
                continue
            system = line.system
            if system is not None:
                key = f"{line.unit}:{system.key}"
            elif line.ledger is not None:
                key = f"{line.unit}:{line.ledger.network}"
            else:
                key = f"{line.unit}:{line.key}"
            groups[key].append(line)
            network_of[id(line)] = key
        line_verdicts = [self._line_verdict(ln, network_of.get(id(ln))) for ln in self.lines]
        network_verdicts = [self._network_verdict(k, ls) for k, ls in groups.items()]
        by_key = {s.key: s for s in self.policy.catalogue}
        for (unit, system_key), (carrier, _) in self.carried.items():
            key = f"{unit}:{system_key}"
            if key not in groups:  # its own lines are gone: the carrier's line shows it
                network_verdicts.append(self._network_verdict(key, [carrier], by_key[system_key]))
        units = self._units()
        order = {u.key: i for i, u in enumerate(self.snapshot.units)}

        def place(v: Verdict) -> tuple[int, str]:
            return (order.get(v.unit, len(order)), v.key)

        return Classification(
            breaches,
            sorted(line_verdicts, key=place),
            sorted(network_verdicts, key=place),
            units,
            self.findings,
            self.snapshot.survey_run_id,
            self.snapshot.campaign,
        )

    def _line_verdict(self, line: _Line, network: str | None) -> Verdict:
        signals = self._line_signals(line)
        circuits = [line.ledger.circuit_id] if line.ledger else []
        subjects = [*circuits, network] if network else circuits  # its network's exception
        target, rule, reason, confidence, document, tried = self._decide(
            SubjectKind.LINE, line.key, subjects, signals
        )
        system = line.system
        evidence = list(line.evidence)
        evidence.append(self._system_evidence(line))
        return Verdict(
            SubjectKind.LINE,
            line.key,
            line.unit,
            self._line_name(line),
            system.key if system else None,
            target,
            rule,
            reason,
            confidence,
            signals,
            evidence,
            circuits,
            [line.host] if line.on_device and line.host else [],
            line.all_interfaces,
            self._vpn_of(line),
            document,
            tried,
            line.host,
            line.port,
            network,
        )

    def _system_evidence(self, line: _Line) -> Evidence:
        parts = []
        if line.ledger_system is not None and line.ledger is not None:
            parts.append(f"ledger {line.ledger.network!r} -> {line.ledger_system.name}")
        elif line.ledger is not None:
            parts.append(f"ledger {line.ledger.network!r} is not in the catalogue")
        if line.device_system is not None:
            parts.append(f"device {line.device_system_why} -> {line.device_system.name}")
        elif line.on_device:
            parts.append("the device names no network the catalogue knows")
        return Evidence("catalogue", "; ".join(parts) or "no name to match", line.host)

    def _vpn_of(self, line: _Line) -> str | None:
        if not line.on_device or line.host is None:
            return None
        interfaces = self._interfaces(line.host)
        vpns = sorted({v for n in line.local if (v := interfaces[n].vpn_instance) is not None})
        return vpns[0] if vpns else None

    def _network_verdict(
        self, key: str, lines: list[_Line], system: System | None = None
    ) -> Verdict:
        if system is None:
            system = next((ln.system for ln in lines if ln.system is not None), None)
        signals = self._network_signals(lines, system)
        circuits = sorted(ln.ledger.circuit_id for ln in lines if ln.ledger)
        target, rule, reason, confidence, document, tried = self._decide(
            SubjectKind.NETWORK, key, circuits, signals
        )
        names = sorted({ln.ledger.network for ln in lines if ln.ledger})
        name = names[0] if names else (system.name if system else self._line_name(lines[0]))
        interfaces = sorted({i for ln in lines if ln.on_device for i in ln.all_interfaces})
        evidence = [
            Evidence(
                "line",
                f"line {ln.key}: "
                + ("zombie" if ln.zombie else "on device" if ln.on_device else "ledger only"),
                ln.host,
                ln.port,
                ln.ledger.circuit_id if ln.ledger else None,
            )
            for ln in lines
        ]
        carried = self.carried.get((lines[0].unit, system.key)) if system else None
        if carried is not None:
            evidence.insert(0, carried[1])
        vpns = sorted({v for ln in lines if (v := self._vpn_of(ln)) is not None})
        return Verdict(
            SubjectKind.NETWORK,
            key,
            lines[0].unit,
            name,
            system.key if system else None,
            target,
            rule,
            reason,
            confidence,
            signals,
            evidence,
            circuits,
            sorted({i.split(":", 1)[0] for i in interfaces}),
            interfaces,
            vpns[0] if vpns else None,
            document,
            tried,
        )

    # --- exits and access classes ---------------------------------------------------------------

    def _units(self) -> list[UnitAccess]:
        by_unit: dict[str, list[_Line]] = defaultdict(list)
        for line in self.lines:
            by_unit[line.unit].append(line)
        keys = [u.key for u in self.snapshot.units] + sorted(set(by_unit) - set(self.units))
        result = []
        for key in keys:
            lines = by_unit.get(key, [])
            exits = [e for ln in lines if (e := self._exit(ln)) is not None]
            extranet = [
                ln
                for ln in lines
                if ln.system is not None and ln.system.category is Category.EXTRANET
            ]
            public = any(ln.live for ln in extranet)
            seen = any(ln.live and ln.on_device for ln in extranet)
            dedicated = any(Zone.DEDICATED in ln.zones for ln in extranet)
            unified = key in self.platform_units or any(
                ln.default_to_extranet for ln in lines if ln.live
            )
            own = any(e.own_exit for e in exits)
            category: str | None = None
            if public:
                if own:
                    category = "E" if dedicated else "C"
                elif unified:
                    category = "D" if dedicated else "B"
                else:
                    category = "A"
            evidence = []
            for ln in extranet:
                state = "live" if ln.live else "zombie" if ln.zombie else "not on a device"
                zones = ", ".join(sorted(self.policy.zones[z].name for z in ln.zones))
                evidence.append(
                    Evidence(
                        "line",
                        f"extranet line {ln.key} ({state})" + (f": {zones}" if zones else ""),
                        ln.host,
                        ln.port,
                    )
                )
            if key in self.platform_units:
                evidence.append(Evidence("inventory", "runs the level's extranet node (core)"))
            for ln in lines:
                if ln.default_to_extranet and ln.live:
                    evidence.append(
                        Evidence("routes", "default route toward the extranet", ln.host, ln.port)
                    )
            unit = self.units.get(key)
            result.append(
                UnitAccess(
                    key,
                    unit.name if unit else key,
                    category,
                    own,
                    public,
                    dedicated,
                    unified,
                    exits,
                    evidence,
                    "survey" if seen else "ledger" if public else None,
                )
            )
        return result

    def _exit(self, line: _Line) -> Exit | None:
        if not self._is_exit(line) or not line.live:
            return None
        ledger = line.ledger
        if line.on_device and line.exit_signs:
            signs = list(line.exit_signs)
            kind = signs[0]
        else:
            signs = ["ledger"]
            kind = (
                ledger.kind
                if ledger and ledger.kind in ("broadband", "cellular")
                else ("public_address")
            )
        return Exit(
            line.unit,
            line.host if line.on_device else None,
            line.port if line.on_device else None,
            kind,
            line.unit not in self.platform_units,
            signs,
            ledger.circuit_id if ledger else None,
            ledger.carrier if ledger else None,
            ledger.bandwidth_mbps if ledger else None,
            ledger.monthly_fee if ledger else None,
            ledger.yearly_fee if ledger else None,
            [e for e in line.evidence if e.source in ("nat", "routes", "interfaces", "ledger")],
        )


def classify(snapshot: Snapshot, policy: Policy) -> Classification:
    """Every line, business network and unit of the snapshot, judged by the policy."""
    return _Classifier(snapshot, policy).run()
