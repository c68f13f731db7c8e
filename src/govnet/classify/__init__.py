"""Classification: every line and business network gets one target, the rule that decided it
and the facts it used; every internet exit and isolation breach is found (DOMAIN.md §3, §4).

A pure engine: :func:`classify` takes a snapshot and a policy and returns the verdicts; it
reads no store and no file. :mod:`.explain` words one verdict for an auditor.
"""

from govnet.classify.engine import classify
from govnet.classify.rules import get_policy_digest, get_rule_tests, get_rules_tried

__all__ = ["classify", "get_policy_digest", "get_rule_tests", "get_rules_tried"]
