"""Cutover plans keep every business flow up: three synthesized districts, every router
served as each vendor, `plan --all`, then every step of every plan played in order on the
lab's data plane (the city's and the systems' operators doing what the plans ask, just
before the step that needs it). After each step its checks hold and every ground-truth flow
that worked and must work still works; none that must never work starts; at the end the
old lines of every moved business carry nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from cutover import Player, play
from govnet.model.plans import Plan
from govnet.plan import make_plan
from govnet.plan.registry import Registry
from govnet_lab.district import load_district
from govnet_lab.generate import as_platform, generate_lab
from test_plan import DIALECTS, District

DISTRICTS = [("370702", 1, 60), ("500112", 4, 80), ("510104", 5, 60)]
PLATFORMS = ["huawei", "hp_comware", "cisco_ios"]


DISTRICT_PARAMS = [  # the README's county in the default run; the larger two with the slow tests
    pytest.param(d, id=d[0], marks=[pytest.mark.slow] if i else []) for i, d in enumerate(DISTRICTS)
]


@pytest.fixture(scope="module", params=DISTRICT_PARAMS)
def root(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    county, seed, size = request.param
    path = tmp_path_factory.mktemp(f"cutover-{county}")
    generate_lab(path, county, seed, size, None)
    return path


def plans_for(root: Path, platform: str) -> tuple[Player, list[Plan]]:
    """The lab served as one vendor, and `plan --all` made from its survey."""
    lab = load_district(root / ".govnet/lab/district.json")
    lab.devices = [as_platform(d, platform) for d in lab.devices]
    inp, _, snapshot = District(root).plan_input(lab.devices)
    registry = Registry.from_snapshot(snapshot)
    plans = [make_plan(inp, u.key, registry) for u in snapshot.units]
    return Player(lab, DIALECTS), [p for p in plans if p.steps]


@pytest.mark.parametrize(  # Comware with the slow tests (its plans replayed over SSH there too)
    "platform",
    [pytest.param(p, marks=[pytest.mark.slow] if p == "hp_comware" else []) for p in PLATFORMS],
)
def test_every_plan_keeps_every_flow_up_step_by_step(root: Path, platform: str) -> None:
    player, plans = plans_for(root, platform)
    moving = ("retire_gateway", "rebind_business")
    moved = [s for p in plans for s in p.steps if s.approach in moving]
    assert moved, "this district moves no business gateway: the test would prove little"
    window = play(player, plans)
    assert window.rejected == []
    assert window.failed_checks == []
    assert window.broken_flows == []
    assert window.leaked_flows == []
    for plan in plans:  # the old lines of every moved business carry nothing
        for step in plan.steps:
            for check in step.checks:
                if check.kind == "quiet":
                    assert player.rate(check.host, check.interface or "") == 0, check.text
