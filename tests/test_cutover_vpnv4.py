"""Cutover plans over a VPNv4 hand-off keep every business flow up: a district made with
``handoff="vpnv4"`` (its policy says so, the city core is the route reflector), every
router served as each vendor, `plan --all`, every step played in order on the lab's data
plane with the city's operator doing each request just before its step (as
test_cutover_flows does for Option A). No check fails, no line is refused, no flow breaks
or leaks, the old lines of every moved business end quiet, and each dedicated-zone VPN the
plans build reaches the city over VPNv4 (no Option A sub-interface)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cutover import play
from govnet_lab.generate import generate_lab
from govnet_lab.generate.upstream import CITY
from test_cutover_flows import DISTRICT_PARAMS, PLATFORMS, plans_for


@pytest.fixture(scope="module", params=DISTRICT_PARAMS)
def root(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    county, seed, size = request.param
    path = tmp_path_factory.mktemp(f"cutover-vpnv4-{county}")
    generate_lab(path, county, seed, size, None, handoff="vpnv4")
    return path


@pytest.mark.parametrize(
    "platform",
    [pytest.param(p, marks=[pytest.mark.slow] if p != "huawei" else []) for p in PLATFORMS],
)
def test_every_plan_keeps_every_flow_up_over_vpnv4(root: Path, platform: str) -> None:
    player, plans = plans_for(root, platform)
    requests = [r for p in plans for r in p.requests]
    assert requests and all(r.handoff == "vpnv4" for r in requests)
    assert not any("vpnv4" in b for p in plans for b in p.blocked)
    window = play(player, plans)
    assert window.rejected == []
    assert window.failed_checks == []
    assert window.broken_flows == []
    assert window.leaked_flows == []
    city = player.net.get_device(CITY)
    for request in requests:  # the VPN reaches the city over VPNv4, both ways
        pe = player.net.get_device(request.pe)
        assert not any(
            i.vpn_instance == request.vpn and (i.dot1q or 0) > 2000 for i in pe.interfaces
        )
        assert any(r.remote_vpn == request.vpn for r in pe.learned_routes)
        assert any(
            r.remote_vpn == request.vpn
            for r in city.learned_routes
            if r.vpn_instance == request.vpn
        )
    for plan in plans:  # the old lines of every moved business carry nothing
        for step in plan.steps:
            for check in step.checks:
                if check.kind == "quiet":
                    assert player.rate(check.host, check.interface or "") == 0, check.text
