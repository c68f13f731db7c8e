"""The order of `govnet push --all` (issue 23), on stored plan rows: plans in the order they
were made (each unit's latest, none cancelled), each plan's hosts by their first step, hosts
done on site skipped before any connection, and the operators' requests with the router of
the step that needs them; the hold points (the operators' word) right before the host push
that needs them, with push_host replaced. The pushes themselves are tested over SSH in
test_push.py and test_push_holds.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import govnet.push.batch as batch_module
from govnet.model.problems import UsageError
from govnet.push import APPLIED, PushResult
from govnet.push.batch import (
    NOT_REACHED,
    SKIPPED,
    Batch,
    get_batch_plans,
    get_items,
    run_batch,
    to_markdown,
)
from govnet.push.holds import CONFIRMED, DECLARED, DECLINED, STOPPED, Hold, get_requests
from govnet.store import get_os_user, open_store


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


def night_plans(tmp_path: Path) -> list[dict[str, Any]]:
    """Two plans: the first needs the city's side before its PE step (1) and a system's
    return routes before step 3 (its CE's second step); the second a system's before its
    only host's step 2."""
    store = open_store(f"sqlite:///{tmp_path}/govnet.db")
    try:
        first = {"pe": part([1]), "ce": part([2, 3]), "inet": part([4, 5])}
        second_ask = dict(SYSTEM, system="卫健", before_step=2)
        store.add_plan(
            "x",
            None,
            str(tmp_path / "x"),
            "x",
            {"parts": first, "city_requests": [CITY], "system_requests": [SYSTEM]},
        )
        store.add_plan(
            "y",
            None,
            str(tmp_path / "y"),
            "x",
            {"parts": {"ce-y": part([1, 2])}, "system_requests": [second_ask]},
        )
        return get_batch_plans(store, [])
    finally:
        store.dispose()


class Window:
    """A commit of the night plans with push_host replaced: what happened, in order."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[str] = []
        self.plans = night_plans(tmp_path)
        self.store = open_store(f"sqlite:///{tmp_path}/govnet.db")
        self.fail_on: str | None = None

        def push_host(_s: Any, _p: Any, _h: Any, ref: str, host: str, *_a: Any, **_k: Any) -> Any:
            self.events.append(f"push {host}")
            failed = host == self.fail_on
            return PushResult(
                int(ref), "?", host, "apply", True, "rolled_back" if failed else APPLIED
            )

        monkeypatch.setattr(batch_module, "push_host", push_host)

    def run(self, answers: dict[str, bool] | None, requests_done: bool = False) -> Batch:
        def on_request(hold: Hold) -> bool:
            self.events.append(f"hold {hold.host}: {'+'.join(r.kind for r in hold.requests)}")
            assert answers is not None
            return answers[hold.host]

        try:
            return run_batch(
                self.store,
                None,  # type: ignore[arg-type]
                {},
                self.plans,
                None,  # type: ignore[arg-type]
                commit=True,
                on_request=None if answers is None else on_request,
                requests_done=requests_done,
            )
        finally:
            self.store.dispose()


def test_hold_points_come_right_before_the_host_push_that_needs_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = Window(tmp_path, monkeypatch)
    batch = window.run({"pe": True, "ce": True, "ce-y": True})
    # Not first: the system's return routes wait until just before the CE whose step 3
    # moves the gateway (the PE's share is pushed before them).
    assert window.events == [
        "hold pe: city",
        "push pe",
        "hold ce: system",
        "push ce",
        "push inet",
        "hold ce-y: system",
        "push ce-y",
    ]
    assert batch.ok and batch.held is None
    holds = batch.to_dict()["holds"]
    assert [(h["host"], h["answer"]) for h in holds] == [
        ("pe", CONFIRMED),
        ("ce", CONFIRMED),
        ("ce-y", CONFIRMED),
    ]
    assert all(h["by"] == get_os_user() and h["at"] for h in holds)
    report = to_markdown(batch, "now")
    assert "## Hold points, in order" in report
    assert "| 1 | x | ce (step 2,3) | 金保系统运维方 | confirmed |" in report
    # The operator's text is Chinese, with no internal codes, and says it is not to be early.
    ce = batch.holds[1].requests[0].chinese
    assert "10.249.0.0/27" in ce and "SD-1" in ce and "不可提前" in ce
    pe = batch.holds[0].requests[0].chinese
    assert (
        pe.startswith("市级外网运营方：在市级节点上") and "VLAN 2002" in pe and "可提前完成" in pe
    )


def test_no_at_a_hold_point_stops_the_batch_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = Window(tmp_path, monkeypatch)
    batch = window.run({"pe": True, "ce": False})
    assert window.events == ["hold pe: city", "push pe", "hold ce: system"]
    assert not batch.ok and batch.stopped is None
    assert batch.held is not None and batch.held.host == "ce" and batch.held.answer == DECLINED
    assert [i.status for i in batch.items] == [APPLIED, NOT_REACHED, NOT_REACHED, NOT_REACHED]
    assert batch.holds[3].answer == "not_reached"  # the second plan's: never asked
    report = to_markdown(batch, "now")
    assert "**Stopped at the hold point** plan 1 (x) before ce (step(s) 2,3): declined" in report


def test_requests_done_declares_only_what_may_be_done_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = Window(tmp_path, monkeypatch)
    batch = window.run({"ce": True, "ce-y": True}, requests_done=True)
    assert window.events[:3] == ["push pe", "hold ce: system", "push ce"]  # the city's: early
    assert batch.holds[0].answer == DECLARED and batch.ok


def test_a_commit_nobody_can_answer_is_refused_before_any_push(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = Window(tmp_path, monkeypatch)
    with pytest.raises(UsageError, match="cannot be declared done in advance") as caught:
        window.run(None, requests_done=True)
    assert window.events == []
    assert "plan 1 (x) before ce" in str(caught.value) and "before pe" not in str(caught.value)


def test_a_callback_that_raises_stops_the_batch_at_its_hold_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = Window(tmp_path, monkeypatch)

    def gone(hold: Hold) -> bool:
        raise RuntimeError(f"the operator of {hold.host} cannot be reached")

    window.plans = window.plans[1:]  # 卫健's alone: its hold point is the first
    batch = run_batch(window.store, None, {}, window.plans, None, commit=True, on_request=gone)  # type: ignore[arg-type]
    window.store.dispose()
    assert window.events == [] and batch.held is not None
    assert batch.held.answer == STOPPED
    assert batch.held.reason == "RuntimeError: the operator of ce-y cannot be reached"
