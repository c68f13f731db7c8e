"""Checks judged on a router's facts, where the check mutation test found them weak: a
route that must be absent is not even configured (a static route left behind on a shut port
is inactive, and comes back the day the port is opened again: closing an internet exit
without its `undo ip route-static` line passed every check); a new sub-interface terminates
its VLAN (without it the moved gateway was up, addressed, and unreachable)."""

from __future__ import annotations

from govnet.model.facts import HostFacts, Interface, Route
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


def test_a_sub_interface_must_terminate_its_vlan() -> None:
    """The new gateway on the LAN port: up with its address, yet without its `dot1q
    termination vid` the terminals moved into that VLAN never reach it."""
    check = Check("ce1", "interface", 3, "GE0/0/0.200", "zw-a", up=True, vlan=200)
    iface = Interface("GE0/0/0.200", oper_up=True, vpn_instance="zw-a")
    judged = evaluate_checks([check], {"ce1": HostFacts(interfaces=(iface,))})
    assert [ok for _, ok, _ in judged] == [False]
    tagged = Interface(**{**iface.__dict__, "vlan": 200})
    judged = evaluate_checks([check], {"ce1": HostFacts(interfaces=(tagged,))})
    assert [(ok, seen.endswith("VLAN 200")) for _, ok, seen in judged] == [(True, True)]
