"""The checks of a cutover plan catch a wrong plan: for the plans that move a business
(the README's district, every vendor's syntax is the same data plane), removing any one
step, or swapping two neighbouring steps, either makes some check fail no later than the
step where a flow first breaks (a push would stop and roll back there), or breaks no flow
at all (the step was not needed for the flows: its reason is in the plan, e.g. cancelling a
zombie line)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from cutover import Player, get_first, play
from govnet.model.plans import Plan
from govnet.plan import make_plan
from govnet.plan.registry import Registry
from govnet_lab.district import load_district
from govnet_lab.generate import generate_lab
from test_plan import DIALECTS, District

COUNTY, SEED, SIZE = "370702", 1, 60
MOVING = ("retire_gateway", "rebind_business")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mutations")
    generate_lab(path, COUNTY, SEED, SIZE, None)
    return path


def moving_plans(root: Path) -> list[Plan]:
    lab = load_district(root / ".govnet/lab/district.json")
    inp, _, snapshot = District(root).plan_input(lab.devices)
    registry = Registry.from_snapshot(snapshot)
    plans = [make_plan(inp, u.key, registry) for u in snapshot.units]
    return [p for p in plans if any(s.approach in MOVING for s in p.steps)]


def replay(root: Path, plan: Plan) -> tuple[int | None, int | None]:
    player = Player(load_district(root / ".govnet/lab/district.json"), DIALECTS)
    return get_first(play(player, [plan]))


def renumbered(plan: Plan, order: list[int]) -> Plan:
    """The plan with its steps in ``order`` (indexes); a request stays before its step, or,
    its step removed, before the next one left (the operators still do their part)."""
    steps = [plan.steps[i] for i in order]
    where = {s.number: n + 1 for n, s in enumerate(steps)}

    def before(number: int) -> int:
        later = [where[k] for k in sorted(where) if k >= number]
        return later[0] if later else len(steps) + 1

    return replace(
        plan,
        steps=[replace(s, number=n + 1) for n, s in enumerate(steps)],
        requests=[replace(r, before_step=before(r.before_step)) for r in plan.requests],
        system_requests=[
            replace(r, before_step=before(r.before_step)) for r in plan.system_requests
        ],
    )


def test_the_plan_as_made_breaks_nothing(root: Path) -> None:
    plans = moving_plans(root)
    assert plans
    for plan in plans:
        assert replay(root, plan) == (None, None), plan.unit


@pytest.mark.slow  # about 70 s: every plan replayed once per mutant
def test_a_missing_or_swapped_step_is_caught_before_a_flow_breaks(root: Path) -> None:
    uncaught, harmless, caught = [], 0, 0
    for plan in moving_plans(root):
        n = len(plan.steps)
        mutants = [(f"without step {k + 1}", [i for i in range(n) if i != k]) for k in range(n)]
        for k in range(n - 1):
            order = list(range(n))
            order[k], order[k + 1] = order[k + 1], order[k]
            mutants.append((f"steps {k + 1} and {k + 2} swapped", order))
        for name, order in mutants:
            check, flow = replay(root, renumbered(plan, order))
            if flow is None:
                harmless += 1
            elif check is not None and check <= flow:
                caught += 1
            else:
                uncaught.append(
                    f"{plan.unit} {name}: first broken flow at step {flow}, "
                    f"first failed check at {check}"
                )
    assert uncaught == []
    assert caught > 0
