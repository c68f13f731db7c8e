"""The order of `govnet push --all` (issue 23), on stored plan rows: plans in the order they
were made (each unit's latest, none cancelled), each plan's hosts by their first step, hosts
done on site skipped before any connection, and the operators' requests with the router of
the step that needs them. The pushes themselves are tested over SSH in test_push.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govnet.push.batch import SKIPPED, get_batch_plans, get_items, get_requests
from govnet.store import open_store


def part(steps: list[int], manual: str | None = None) -> dict[str, Any]:
    return {"steps": steps, "config": [f"! step {steps[0]}"], "manual": manual}


CITY = {
    "network": "金保工程专网",
    "pe": "pe1",
    "uplink": "GigabitEthernet0/1/1",
    "vlan": 2002,
    "vpn": "zw-jinbao",
    "route_distinguisher": "65001:105",
    "route_target": "65001:105",
    "city_address": "172.16.0.1/30",
    "pe_address": "172.16.0.2",
    "routes": ["10.249.0.0/27"],
    "new_subinterface": True,
    "before_step": 1,
}
SYSTEM = {
    "network": "金保工程专网",
    "system": "金保",
    "vpn": "zw-jinbao",
    "routes": ["10.249.0.0/27"],
    "old_circuit": "SD-1",
    "old_next_hop": "10.0.0.1",
    "before_step": 3,
}


def test_plans_in_the_order_made_and_hosts_by_their_first_step(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/govnet.db")
    try:

        def add(unit: str, parts: dict[str, Any], **detail: Any) -> int:
            return store.add_plan(unit, None, str(tmp_path / unit), "x", {"parts": parts, **detail})

        old = add("a", {"ce-a": part([1])})
        b = add("b", {"ce-b": part([2, 3]), "pe": part([1])}, city_requests=[CITY])
        a = add("a", {"ce-a": part([1]), "inet-a": part([2])}, system_requests=[SYSTEM])
        gone = add("c", {"ce-c": part([1])})
        store.cancel_plan(gone)
        secret = add("d", {"ce-d": part([1], manual="涉密")})
        plans = get_batch_plans(store, [])
        assert [p["id"] for p in plans] == [b, a, secret]  # a's latest; c cancelled
        assert [p["id"] for p in get_batch_plans(store, [str(old), "b"])] == [old, b]
    finally:
        store.dispose()
    items = get_items(plans)
    assert [(i.plan_id, i.host) for i in items] == [
        (b, "pe"),
        (b, "ce-b"),
        (a, "ce-a"),
        (a, "inet-a"),
        (secret, "ce-d"),
    ]
    assert [i.status for i in items][-1] == SKIPPED and "涉密" in str(items[-1].reason)
    requests = get_requests(plans)
    assert [(r.plan_id, r.kind, r.before_step, r.host) for r in requests] == [
        (b, "city", 1, "pe"),
        (a, "system", 3, None),
    ]
    assert "VLAN 2002" in requests[0].text and "SD-1" in requests[1].text
