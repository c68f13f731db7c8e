"""Signals of each line and business network, and the policy's rules over them: a verdict
with its evidence."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from govnet.classify.lines import Decision, Line
from govnet.classify.reading import Reader
from govnet.classify.rules import why_not
from govnet.model.policy import SubjectKind, System
from govnet.model.verdicts import Evidence, Verdict


class Judge(Reader):
    def _line_signals(self, line: Line) -> dict[str, Any]:
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

    def _network_signals(self, lines: list[Line], system: System | None) -> dict[str, Any]:
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

    def _line_verdict(self, line: Line, network: str | None) -> Verdict:
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

    def _system_evidence(self, line: Line) -> Evidence:
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

    def _network_verdict(
        self, key: str, lines: list[Line], system: System | None = None
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
