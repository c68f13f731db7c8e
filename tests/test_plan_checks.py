"""A route check judged on a router's facts: present means the router forwards by it;
absent means it is not even configured (a static route left behind on a shut port is
inactive, and comes back the day the port is opened again: the check mutation test found
that closing an internet exit without its `undo ip route-static` line passed every check)."""

from __future__ import annotations

from govnet.model.facts import HostFacts, Route
from govnet.model.plans import Check
from govnet.plan import evaluate_checks

DEFAULT = Route("0.0.0.0/0", "static", ("202.98.102.5",), "GigabitEthernet0/0/3")


def held(check: Check, *routes: Route) -> bool:
    ((_, ok, _),) = evaluate_checks([check], {"inet1": HostFacts(routes=routes)})
    return ok


def test_a_route_left_configured_on_a_shut_port_is_not_absent() -> None:
    absent = Check("inet1", "route", 1, None, None, "0.0.0.0/0", "202.98.102.5", present=False)
    inactive = Route(**{**DEFAULT.__dict__, "configured": True, "active": False})
    assert not held(absent, inactive)
    assert held(absent)  # removed from the configuration
    assert not held(absent, DEFAULT)


def test_a_present_route_must_forward() -> None:
    present = Check("inet1", "route", 1, None, None, "0.0.0.0/0", "202.98.102.5")
    inactive = Route(**{**DEFAULT.__dict__, "configured": True, "active": False})
    assert not held(present, inactive)
    assert held(present, DEFAULT)
