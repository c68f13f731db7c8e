"""Quiet checks: an interface's packet counters, read twice some seconds apart, say whether
the old line still carries traffic (issue 19: watch the old line go quiet, then shut it).

The command and the counter lines are data (``push: counters:`` in the platform's
``platform.yaml``); this module fills in the interface name, checked first, and reads the
totals back. A counter that cannot be read is never taken for zero.
"""

from __future__ import annotations

import re

from govnet.model.plans import Check
from govnet.plan.configsafe import UnsafeValue, to_interface
from govnet.platforms.specs import CountersSpec

MAX_SECONDS = 600  # one check never holds a session (and the change window) longer


def get_counters_command(spec: CountersSpec, check: Check) -> str:
    """The command that shows the check's interface; UnsafeValue when a value is not safe
    to type or the check cannot be watched (no interface, no time, no rate)."""
    if check.interface is None:
        raise UnsafeValue("quiet", check.text, "needs an interface")
    if check.seconds is None or not 1 <= check.seconds <= MAX_SECONDS:
        raise UnsafeValue("quiet seconds", check.seconds, f"must be 1 to {MAX_SECONDS}")
    if check.rate is None or not check.rate >= 0:
        raise UnsafeValue("quiet rate", check.rate, "must be 0 or more packets per second")
    return spec.command.format(interface=to_interface(check.interface))


def read_counters(spec: CountersSpec, text: str) -> tuple[int, int] | None:
    """(input packets, output packets) since the counters were cleared, as the device printed
    them; None when either is missing (an error, an interface that counts nothing itself).

    >>> spec = CountersSpec(command="display interface {interface}",
    ...                     input=[r"^\\s*Input: *(?P<packets>\\d+) packets,"],
    ...                     output=[r"^\\s*Output: *(?P<packets>\\d+) packets,"])
    >>> read_counters(spec, "Input:  24 packets, 4936 bytes\\nOutput:  8 packets, 1012 bytes")
    (24, 8)
    >>> read_counters(spec, "Error: Wrong parameter found at '^' position.") is None
    True
    """
    found = [_first(patterns, text) for patterns in (spec.input, spec.output)]
    if found[0] is None or found[1] is None:
        return None
    return found[0], found[1]


def _first(patterns: tuple[str, ...], text: str) -> int | None:
    for pattern in patterns:
        match = re.search(pattern, text, re.MULTILINE)
        if match is not None:
            return int(match.group("packets"))
    return None
