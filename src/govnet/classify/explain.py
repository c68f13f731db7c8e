"""The reasoning behind one verdict, in words an auditor can follow.

``govnet explain ID`` takes a business network (``<unit>:<system>``), a line (its circuit id,
or ``<host>:<interface>`` for a link the ledger lacks) or a unit key, and says what was
decided, by which rule, which rules before it did not apply and why, and every fact used,
each with where it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govnet.classify.rules import get_rules_tried
from govnet.model.labels import CATEGORY_LABELS, TARGET_LABELS
from govnet.model.policy import Policy, SubjectKind
from govnet.model.verdicts import Classification, Evidence, UnitAccess, Verdict


@dataclass
class Explanation:
    subject: str  # network, line, unit
    key: str
    title: str
    lines: list[str] = field(default_factory=list)


class NotFoundError(LookupError):
    """No network, line or unit of the classification has this id."""


def _evidence_line(e: Evidence) -> str:
    where = " ".join(p for p in (e.host, e.interface) if p)
    return f"[{e.source}] " + (f"{where}: " if where else "") + e.text


def _signal_text(signals: dict[str, object]) -> str:
    shown = []
    for name, value in signals.items():
        if name == "subject":
            continue
        if isinstance(value, list):
            value = ", ".join(map(str, value)) or "none"
        elif value is None:
            value = "unknown"
        elif isinstance(value, bool):
            value = str(value).lower()
        shown.append(f"{name}={value}")
    return "; ".join(shown)


def _explain_verdict(c: Classification, v: Verdict, policy: Policy | None) -> Explanation:
    kind = "Network" if v.kind is SubjectKind.NETWORK else "Line"
    title = f"{kind} {v.key}: {v.name} (unit {v.unit})"
    out = [
        f"Target: {TARGET_LABELS[v.target]}   confidence {v.confidence:.2f}",
        (
            f"Decided by approved exception {v.document}: {v.reason}"
            if v.rule == "exception"
            else f"Decided by rule `{v.rule}`: {v.reason}"
        ),
    ]
    tried = v.tried
    if not tried and policy is not None and v.rule != "exception":
        tried = get_rules_tried(policy, v.signals, v.rule)
    if tried:
        out.append("Rules tried first, in policy order, and why each did not apply:")
        out += [f"  - {rule}: {why}" for rule, why in tried]
    out.append(f"Signals: {_signal_text(v.signals)}")
    if v.circuits:
        out.append(f"Ledger lines: {', '.join(v.circuits)}")
    if v.interfaces:
        out.append(f"Interfaces: {', '.join(v.interfaces)}")
    if v.vpn_instance:
        out.append(f"VPN instance: {v.vpn_instance}")
    out.append("Evidence:")
    out += [f"  {_evidence_line(e)}" for e in v.evidence]
    if v.kind is SubjectKind.LINE:
        network = next((n for n in c.networks if n.key == v.network), None)
        if network is not None:
            out.append(
                f"Part of network {network.key}, whose target is {TARGET_LABELS[network.target]}."
            )
        elif v.signals.get("breach"):
            out.append("Not part of any business network: it is an isolation breach.")
    else:
        out.append("Its lines:")
        for line in c.lines:
            if line.network == v.key:
                out.append(f"  {line.key}: {TARGET_LABELS[line.target]} (rule {line.rule})")
    breach = [b for b in c.breaches if b.host in v.devices or b.unit == v.unit]
    for b in breach:
        out.append(f"CRITICAL: {b.host} touches {' and '.join(b.touches)} (isolation breach)")
    out.append(_source(c))
    subject = "network" if v.kind is SubjectKind.NETWORK else "line"
    return Explanation(subject, v.key, title, out)


def _explain_unit(c: Classification, u: UnitAccess) -> Explanation:
    title = f"Unit {u.unit}: {u.name}"
    category = CATEGORY_LABELS.get(u.category or "", "none: reaches no extranet")
    out = [
        f"Access class: {category}",
        f"Public zone reached: {'yes' if u.public else 'no'};"
        f" dedicated zone: {'yes' if u.dedicated else 'no'};"
        f" unified internet exit: {'yes' if u.unified else 'no'};"
        f" own internet exit: {'yes' if u.own_exit else 'no'}"
        f" -> {'compliant' if u.compliant else 'NOT compliant: consolidate its own exits'}",
    ]
    out += [f"  {_evidence_line(e)}" for e in u.evidence]
    for b in c.breaches:
        if b.unit == u.unit:
            out.append(f"CRITICAL: {b.host} touches {' and '.join(b.touches)} (isolation breach)")
    if u.exits:
        out.append("Internet exits:")
    for e in u.exits:
        where = f"{e.host} {e.interface}" if e.host else "ledger only"
        fee = f", {e.monthly_fee:g} CNY/month" if e.monthly_fee else ""
        line = f" ({e.circuit_id}, {e.carrier}{fee})" if e.circuit_id else ""
        own = "own exit" if e.own_exit else "the level's unified exit"
        out.append(f"  {where}: {e.kind} [{', '.join(e.signs)}], {own}{line}")
    networks = [n for n in c.networks if n.unit == u.unit]
    if networks:
        out.append("Business networks:")
        out += [f"  {n.key} {n.name}: {TARGET_LABELS[n.target]} (rule {n.rule})" for n in networks]
    findings = [f for f in c.findings if f.unit == u.unit]
    if findings:
        out.append("Ledger and devices disagree:")
        out += [f"  {f.kind}: {f.text}" for f in findings]
    out.append(_source(c))
    return Explanation("unit", u.unit, title, out)


def _source(c: Classification) -> str:
    campaign = f", campaign {c.campaign}" if c.campaign else ""
    return f"Computed from survey run {c.survey_run_id}{campaign}."


def explain_subject(c: Classification, key: str, policy: Policy | None = None) -> Explanation:
    """The explanation of one network, line or unit; NotFoundError naming close ids. With the
    policy, a stored verdict's rules tried before the deciding one are worked out again."""
    for verdict in (*c.networks, *c.lines):
        if verdict.key == key:
            return _explain_verdict(c, verdict, policy)
    for verdict in c.lines:  # a line with a circuit id, named by where it ends on a device
        if verdict.host and f"{verdict.host}:{verdict.interface}" == key:
            return _explain_verdict(c, verdict, policy)
    for unit in c.units:
        if unit.unit == key:
            return _explain_unit(c, unit)
    lowered = key.lower()
    close = [v.key for v in (*c.networks, *c.lines) if lowered in v.key.lower()] + [
        u.unit for u in c.units if lowered in u.unit.lower()
    ]
    hint = f"; did you mean: {', '.join(close[:8])}" if close else ""
    raise NotFoundError(
        f"no network, line or unit {key!r} in the classification{hint}"
        " (ids: <unit>:<system>, a circuit id, <host>:<interface>, or a unit key)"
    )
