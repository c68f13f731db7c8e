"""A plan's checks against fresh facts, and a plan's digest."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import TypeAlias

from govnet.model.facts import HostFacts
from govnet.model.plans import Check, PingAnswer, Plan, QuietAnswer

Traffic: TypeAlias = PingAnswer | QuietAnswer | str  # a text: why the device gave no answer


def evaluate_checks(
    checks: Iterable[Check],
    facts: Mapping[str, HostFacts],
    traffic: Mapping[Check, Traffic] | None = None,
) -> list[tuple[Check, bool, str]]:
    """Each check against fresh facts, and each traffic check against what the device
    answered (``traffic``: its ping's replies, or its counters read twice for a quiet
    check): (check, held, what was seen)."""
    out = []
    for check in checks:
        if check.kind == "ping":
            out.append(_evaluate_ping(check, (traffic or {}).get(check, "not pinged")))
            continue
        if check.kind == "quiet":
            out.append(_evaluate_quiet(check, (traffic or {}).get(check, "counters not read")))
            continue
        host = facts.get(check.host)
        if host is None:
            out.append((check, False, "no facts for the host"))
            continue
        if check.kind == "interface":
            iface = next((i for i in host.interfaces if i.name == check.interface), None)
            if iface is None:
                out.append((check, False, "interface not found"))
                continue
            held = (
                (check.up is None or iface.oper_up == check.up)
                and (check.admin_up is None or iface.admin_up == check.admin_up)
                and (check.address is None or check.address in iface.addresses)
                and (check.vpn is None or iface.vpn_instance == check.vpn)
                and (check.vlan is None or iface.vlan == check.vlan)
            )
            seen = (
                f"admin {'up' if iface.admin_up else 'down'}, oper "
                f"{'up' if iface.oper_up else 'down'}, vpn {iface.vpn_instance}, "
                f"{', '.join(iface.addresses) or 'no address'}"
                + (f", VLAN {iface.vlan}" if iface.vlan is not None else "")
            )
            out.append((check, held, seen))
        elif check.kind == "route":
            # Present: the router forwards by it. Absent: not even configured, inactive (its
            # port shut): a route left in the configuration comes back with the port.
            found = [
                r
                for r in host.routes
                if (r.forwards or (not check.present and r.configured))
                and r.prefix == check.prefix
                and r.vpn_instance == check.vpn
                and (check.next_hop is None or check.next_hop in r.next_hops)
            ]
            out.append((check, bool(found) == check.present, f"{len(found)} matching route(s)"))
        elif check.kind == "nat":
            rules = [
                n
                for n in host.nat
                if n.interface == check.interface and n.kind in ("outbound", "easy_ip")
            ]
            out.append((check, bool(rules) == check.present, f"{len(rules)} NAT rule(s)"))
        elif check.kind == "vpn":
            out.append(_evaluate_vpn(check, host))
        elif check.kind == "bgp":
            peers = [
                n
                for n in host.neighbours
                if n.protocol == "bgp" and n.peer == check.next_hop and n.vpn_instance == check.vpn
            ]
            up = [n for n in peers if (n.state or "").lower() == "established"]
            seen = ", ".join(n.state or "?" for n in peers) or "no such peer"
            out.append((check, bool(up) == check.present, seen))
        else:
            out.append((check, False, f"unknown check kind {check.kind}"))
    return out


def _evaluate_ping(check: Check, answer: Traffic) -> tuple[Check, bool, str]:
    """A path works when at least one echo of several comes back (one lost to ARP or a busy
    CPU is no fault); it is closed when none does. No answer is never a pass either way."""
    if isinstance(answer, str):
        return check, False, answer
    if not isinstance(answer, PingAnswer):
        return check, False, f"not a ping's answer: {answer.seen}"
    replied = answer.received > 0
    return check, replied == check.present, answer.seen


def _evaluate_quiet(check: Check, answer: Traffic) -> tuple[Check, bool, str]:
    """A line is quiet when its counters grew by at most ``rate`` packets per second, in and
    out together. Counters not read, or gone back (wrapped, cleared), never pass. A pre-check
    is judged the same way: "before anything changes, this line carries nothing" (a line
    with no business to move is shut only once quiet)."""
    if isinstance(answer, str):
        return check, False, answer
    if not isinstance(answer, QuietAnswer):
        return check, False, f"not counters: {answer.seen}"
    if answer.wrapped:
        return check, False, answer.seen
    return check, answer.rate <= (check.rate if check.rate is not None else 0.0), answer.seen


def _evaluate_vpn(check: Check, host: HostFacts) -> tuple[Check, bool, str]:
    """A VPN instance is there only when whole: an instance without its RD or targets (an
    interrupted push leaves one) carries no traffic, however up its interfaces are."""
    vpn = next((v for v in host.vpn_instances if v.name == check.vpn), None)
    if vpn is None:
        return check, False, "VPN instance not found"
    target = check.route_target
    held = (
        check.route_distinguisher is None or vpn.route_distinguisher == check.route_distinguisher
    ) and (target is None or (target in vpn.import_targets and target in vpn.export_targets))
    seen = (
        f"RD {vpn.route_distinguisher or 'none'}, import {', '.join(vpn.import_targets) or 'none'}"
        f", export {', '.join(vpn.export_targets) or 'none'}"
    )
    return check, held, seen


def get_plan_digest(plan: Plan) -> str:
    """What the plan would change, hashed: two plans with equal digests push the same lines."""
    h = hashlib.sha256()
    for step in plan.steps:
        h.update(f"{step.host}\n{step.approach}\n".encode())
        h.update("\n".join([*step.config, "--", *step.rollback]).encode())
    return h.hexdigest()
