"""Lines from both sides, reconciled: each ledger line matched to the interface it names,
each WAN link the ledger lacks made a line of its own; both mismatches reported."""

from __future__ import annotations

from collections import defaultdict

from govnet.classify.index import Index
from govnet.classify.lines import UNASSIGNED, Line
from govnet.model.facts import physical_port, split_subinterface
from govnet.model.snapshot import CORE_ROLE
from govnet.model.verdicts import Evidence, Finding


class Reconciler(Index):
    def _ledger_lines(self) -> None:
        for ledger in self.snapshot.lines:
            line = Line(ledger.circuit_id, ledger.unit, ledger)
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
            if split_subinterface(port) is not None:
                self.claimed_subs[host.hostname].append(port)

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
                        attachments.append(
                            (peer_host, physical_port(peer_port), host.hostname, wan)
                        )
                        continue
                line = Line(f"{host.hostname}:{port}", host.unit or UNASSIGNED, None)
                line.host, line.port, line.local, line.surveyed = host.hostname, port, names, True
                self.by_port[(host.hostname, port)] = line
                self.lines.append(line)
        by_host: dict[str, list[Line]] = defaultdict(list)
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
                interfaces = self._interfaces(host_name)
                self.pe_vpns[host_name].update(
                    vpn for n in names if n in interfaces and (vpn := interfaces[n].vpn_instance)
                )
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
