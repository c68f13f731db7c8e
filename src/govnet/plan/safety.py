"""Devices no plan may change over the network: those carrying classified business or an
isolated network (the police network). Their steps are done on site, by hand, with the
secrecy office's sign-off, and nothing of theirs is ever rolled back toward the extranet or
the internet (DOMAIN.md §5: "never touched over the network, never reconnected by a
rollback")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from govnet.model.plans import KEEP_DISCONNECTED, Step
from govnet.model.policy import Category, Policy
from govnet.model.verdicts import Classification


def get_sensitive_hosts(classification: Classification, policy: Policy) -> dict[str, str]:
    """Each device carrying classified business or an isolated network, with what it carries
    in Chinese (the catalogue's names, never a key), for the step and the document."""
    systems = {s.key: s for s in policy.catalogue}
    found: dict[str, list[str]] = {}
    for line in classification.lines:
        if line.host is None:
            continue
        system = systems.get(line.system or "")
        if line.signals.get("classified") is True or (
            system is not None and (system.classified or system.category is Category.INTRANET)
        ):
            what = "涉密业务"
        elif system is not None and system.isolated:
            what = system.name
        else:
            continue
        names = found.setdefault(line.host, [])
        if what not in names:
            names.append(what)
    for breach in classification.breaches:  # the classifier's word, whatever the lines say
        found.setdefault(breach.host, ["涉密业务"])
    return {host: "、".join(names) for host, names in found.items()}


def mark_manual(steps: Iterable[Step], sensitive: Mapping[str, str]) -> None:
    """Every step on a sensitive device becomes manual, and loses its rollback lines: undoing
    a shut line or a closed exit there would reconnect it, so it stays disconnected until
    the secrecy office has reviewed it."""
    for step in steps:
        what = sensitive.get(step.host)
        if what is None:
            continue
        step.manual = f"该设备承载{what}：禁止远程推送，须现场手工操作，并经保密办签字确认"
        step.rollback = []
        step.rollback_note = KEEP_DISCONNECTED
