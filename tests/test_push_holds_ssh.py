"""Issue 23's must-show with `push --all` (slow): three synthesized districts, each served
over SSH as one vendor, surveyed, classified, `plan --all`, then every plan pushed in one
batch with --commit (`push_all`). At each hold point the operators do what it asks, from
the hold point's own request (the city's side on the city core, a system's return routes
on its node, typed into the running lab), and confirm. Every host push that is not done on
site is applied, none refused for drift another plan of the batch caused; each hold point
comes right before the host push that needs it; afterwards the running lab sends every
ground-truth flow as before, none that worked and must work stopped, none that must never
work started (`govnet lab flows`). The plans' steps are played in-process on every vendor
by test_cutover_flows.py and host by host over SSH by test_cutover_ssh.py."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cutover import get_cut_off
from govnet.app.push import push_all
from govnet.model.plans import CityRequest, SystemRequest
from govnet.push import APPLIED
from govnet.push.batch import SKIPPED
from govnet.push.holds import CONFIRMED, Hold
from govnet_lab.city import get_city_lines, get_system_lines
from govnet_lab.control import apply_upstream
from govnet_lab.generate.upstream import CITY
from test_cutover_flows import DISTRICTS
from test_cutover_ssh import Night, served

# One vendor per district: each vendor's pushes once, in a batch.
NIGHTS = list(zip(DISTRICTS, ["huawei", "hp_comware", "cisco_ios"], strict=True))


def operators(night: Night, hold: Hold) -> list[tuple[str, list[str]]]:
    """What the operators type for the hold point's requests, read from the requests as
    the batch stored and showed them (not from the plan objects), router by router."""
    district = night.district
    typed = []
    for r in hold.requests:
        if r.kind == "city":
            typed.append((CITY, get_city_lines(district, CityRequest(**r.detail))))
        else:
            typed.append(get_system_lines(district, SystemRequest(**r.detail)))
    return typed


@pytest.mark.slow
@pytest.mark.parametrize(("county", "platform"), NIGHTS, ids=[d[0] for d, _ in NIGHTS])
def test_push_all_holds_for_the_operators_and_keeps_every_flow(
    county: tuple[str, int, int], platform: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    with served(county, platform, tmp_path / "county") as night:
        written = {w.plan_id: w for w in night.plans}
        events: list[str] = []

        def on_request(hold: Hold) -> bool:
            events.append(f"hold {hold.plan_id} {hold.host}")
            plan = written[hold.plan_id].plan
            steps = {s.number for s in plan.steps if s.host == hold.host}
            asked = [r.before_step for r in plan.requests]
            asked += [r.before_step for r in plan.system_requests]
            assert len(hold.requests) == sum(n in steps for n in asked), hold.describe()
            for router, lines in operators(night, hold):
                refused = apply_upstream(night.root, router, lines)
                assert not refused, f"{hold.describe()}: {router} refused {refused}"
            return True

        def on_step(text: str) -> None:
            if text.startswith("plan "):  # "plan 3 (unit) on host": a push starts
                events.append(text)

        batch, report = push_all(
            night.project,
            [],
            night.credentials,
            commit=True,
            on_step=on_step,
            on_request=on_request,
        )
        assert batch.stopped is None and batch.held is None, batch.to_dict()["stopped"]
        assert report.is_file()
        pushed = [i for i in batch.items if i.status != SKIPPED]
        assert pushed and all(i.status == APPLIED for i in pushed), [
            (i.unit, i.host, i.status, i.reason) for i in pushed if i.status != APPLIED
        ]
        skipped = {(i.unit, i.host) for i in batch.items if i.status == SKIPPED}
        manual = {(w.plan.unit, h) for w in night.plans for h in w.plan.manual_hosts}
        assert skipped == manual
        # Another plan's lines on a shared PE are recorded as its own, never drift.
        assert any(i.result and i.result.by_pushes for i in pushed)
        assert not any(i.result and i.result.drift for i in pushed)
        # Each hold point right before its host's push, not at the start.
        holds = [h for _, h in sorted(batch.holds.items())]
        assert holds and all(h.answer == CONFIRMED and h.by for h in holds)
        for hold in holds:
            at = events.index(f"hold {hold.plan_id} {hold.host}")
            assert events[at + 1] == f"plan {hold.plan_id} ({hold.unit}) on {hold.host}"
        assert any(events.index(f"hold {h.plan_id} {h.host}") > 0 for h in holds)
        for item in pushed:
            night.stopped |= get_cut_off(written[item.plan_id].plan, item.steps)
        end = night.flows("after push --all")
        assert night.findings == [], "\n".join(night.findings)
        truth = {f.id: f for f in night.district.truth.flows}
        # As they must be at the end, but for the breaches of the routers done on site by
        # hand (never pushed: their steps are typed there, later).
        wrong = [
            f"{f.id}: {'works' if f.works else f.reason}"
            for f in end.values()
            if not f.as_it_should
            and (truth[f.id].host, f.source) not in night.stopped
            and truth[f.id].host not in {h for _u, h in skipped}
        ]
        assert wrong == []
        good = sum(1 for f in end.values() if f.as_it_should)
        print(
            f"\n{county[0]} {platform}: {len(night.plans)} plans, {len(pushed)} host pushes"
            f" applied, {len(skipped)} on site, {len(holds)} hold points"
            f" ({sum(len(h.requests) for h in holds)} requests), {good}/{len(end)} flows as"
            f" they must be, {time.monotonic() - started:.0f} s"
        )
