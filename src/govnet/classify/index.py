"""The snapshot indexed: hosts, interfaces, addresses, peers, and what a line's facts say."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from ipaddress import IPv4Interface, IPv4Network
from typing import Any

from govnet.classify.lines import (
    UNASSIGNED,
    WAN_KINDS,
    Decision,
    Line,
    compile_patterns,
    interfaces_of,
)
from govnet.classify.rules import get_rule_tests
from govnet.model.facts import HostFacts, Interface, physical_port
from govnet.model.policy import Category, Policy, System
from govnet.model.snapshot import CORE_ROLE, HostRecord, LedgerLine, Snapshot
from govnet.model.verdicts import Evidence, Finding
from govnet.platforms import expand_interface


class Index:
    def __init__(self, snapshot: Snapshot, policy: Policy) -> None:
        self.snapshot = snapshot
        self.policy = policy
        self.hosts = {h.hostname: h for h in snapshot.hosts}
        self.units = {u.key: u for u in snapshot.units}
        self.catalogue = [(s, compile_patterns(s.patterns)) for s in policy.catalogue]
        self.zone_patterns = [
            (zone, compile_patterns(policy.zones[zone].vpn_patterns), set(policy.zones[zone].vlans))
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
        self.lines: list[Line] = []
        self.by_port: dict[tuple[str, str], Line] = {}
        self.claimed_subs: dict[str, list[str]] = defaultdict(list)  # ledger-named sub-ifs
        # host -> VPN instances it terminates as the provider edge of units' lines
        self.pe_vpns: dict[str, set[str]] = defaultdict(set)
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
        self.carried: dict[tuple[str, str], tuple[Line, Evidence]] = {}

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
            found = self.interface_maps[host] = interfaces_of(facts) if facts else {}
        return found

    def _ports(self, facts: HostFacts) -> dict[str, list[str]]:
        ports: dict[str, list[str]] = defaultdict(list)
        for iface in facts.interfaces:
            ports[physical_port(iface.name)].append(iface.name)
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
        port = physical_port(names[0]) if names else None
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

    def _match_interface(self, host: HostRecord, written: str) -> str | None:
        assert host.facts is not None
        names = [i.name for i in host.facts.interfaces]
        if written in names:
            return written
        table = self.snapshot.interface_names.get(host.platform or "", {})
        wanted = expand_interface(written.replace(" ", ""), table).lower()
        return next((n for n in names if n.lower() == wanted), None)

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

    def _is_classified(self, line: Line) -> bool:
        system = line.system
        return (
            line.classified
            or bool(line.ledger and line.ledger.classified)
            or (system is not None and (system.classified or system.category is Category.INTRANET))
        )

    def _line_name(self, line: Line) -> str:
        if line.ledger is not None:
            return line.ledger.network
        system = line.system
        return system.name if system is not None else f"{line.host} {line.port}"

    def _vpn_of(self, line: Line) -> str | None:
        if not line.on_device or line.host is None:
            return None
        interfaces = self._interfaces(line.host)
        vpns = sorted({v for n in line.local if (v := interfaces[n].vpn_instance) is not None})
        return vpns[0] if vpns else None

    def _is_exit(self, line: Line) -> bool:
        if line.exit is None:
            line.exit = self.internet_key is not None and any(
                s is not None and s.key == self.internet_key
                for s in (line.system, line.device_system)
            )
        return line.exit

    def _is_own_exit(self, line: Line) -> bool:
        return self._is_exit(line) and line.live and line.unit not in self.platform_units

    def _is_unified_exit(self, line: Line) -> bool:
        return self._is_exit(line) and line.live and line.unit in self.platform_units

    def _is_carried(self, unit: str, system: System | None, lines: Sequence[Line]) -> bool:
        """Migrated: the system runs in a dedicated-zone VPN of the unit's extranet access and
        its own lines carry nothing any more (a live old line means the move is not done)."""
        return (
            system is not None
            and (unit, system.key) in self.carried
            and not any(ln.live for ln in lines if ln.system and ln.system.key == system.key)
        )
