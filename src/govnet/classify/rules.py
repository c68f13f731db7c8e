"""The policy's rules as tests of signals: which rule holds, why the ones before it did not,
and which policy a stored classification was computed with."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from govnet.model.policy import Condition, Policy, Rule

RuleTests = list[tuple[str, bool | frozenset[str]]]


def get_rule_tests(rule: Rule) -> RuleTests:
    """A rule's condition as (signal, wanted) pairs, worked out once per classification."""
    condition: Condition = rule.when
    tests: RuleTests = []
    for name in condition.signals():
        wanted = getattr(condition, name)
        tests.append((name, wanted if isinstance(wanted, bool) else frozenset(map(str, wanted))))
    return tests


def why_not(tests: RuleTests, signals: Mapping[str, Any]) -> str | None:
    """None when every test holds, else why the first does not (a signal may be a set, or a
    list as stored)."""
    for name, wanted in tests:
        value = signals.get(name)
        if value is None:
            return f"{name} is unknown"
        if isinstance(wanted, bool):
            if value != wanted:
                return f"{name} is {str(value).lower()}"
        elif isinstance(value, (set, list)):
            if not wanted.intersection(map(str, value)):
                shown = ", ".join(sorted(map(str, value))) or "none"
                return f"{name} is {shown}"
        elif str(value) not in wanted:
            return f"{name} is {value}"
    return None


def get_rules_tried(
    policy: Policy, signals: Mapping[str, Any], rule_id: str
) -> list[tuple[str, str]]:
    """The rules before ``rule_id`` and why each did not hold for these (stored) signals."""
    tried = []
    for rule in policy.rules:
        if rule.id == rule_id:
            break
        why = why_not(get_rule_tests(rule), signals)
        tried.append((rule.id, why or "holds now: the policy changed since"))
    return tried


def get_policy_digest(policy: Policy) -> str:
    """Which policy a stored classification was computed with (SHA-256 of its content)."""
    return hashlib.sha256(policy.model_dump_json().encode()).hexdigest()
