"""The shared VPNv4 session over SSH (issue 23; in process: test_vpnv4_session): a vpnv4
district served as VRP whose county PEs' sessions to the city's reflector are taken off
over SSH before the survey, surveyed, classified, `plan --all`. On one PE:

* the dependant's PE push is refused, naming the plan that builds the session (a dry run
  says it);
* the builder, then the dependant, pushed host by host: applied, the dependant's flows
  answer over SSH;
* the builder rolled back: the session stays (the rollback says so), the dependant's flows
  still answer;
* the dependant rolled back, the last user: the session is gone from the PE.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from govnet.platforms import load_platforms
from govnet.push import Device
from govnet.survey.collect import Budget, Credentials, Target
from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.district import load_district
from govnet_lab.generate.upstream import CITY
from govnet_lab.server import read_credentials
from push_lab import Lab, planned
from test_push_vpnv4 import detail, flows_answer

COUNTY, SEED, SIZE = "370702", 1, 30
RR = "10.253.0.1"  # the lab's city core's loopback: the route reflector

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("push-vpnv4-session") / "county"
    start_lab(
        root,
        county=COUNTY,
        seed=SEED,
        devices=SIZE,
        first_port=get_free_port_run(SIZE),
        handoff="vpnv4",
        platform="huawei",
        timeout=120,
    )
    try:
        district = load_district(get_lab_paths(root).district)
        username, password = read_credentials(get_lab_paths(root).credentials)
        for pe in district.devices:  # typed over SSH, as the county's engineer would
            if pe.hostname == CITY or not any(p.vpnv4 for p in pe.bgp_peers):
                continue
            device = Device(
                Target(pe.hostname, "127.0.0.1", pe.port, pe.platform),
                load_platforms(root),
                Credentials(username, password),
                Budget(),
            )
            lines = [f"bgp {pe.bgp_as}", f" undo peer {RR}", " quit", "undo mpls"]
            assert device.configure(lines, stop_at_refusal=True) == []
            assert device.save()
    except BaseException:
        stop_lab(root)
        raise
    with planned(root) as lab:
        yield lab


def hosts(lab: Lab, unit: str) -> list[str]:
    parts = detail(lab, unit)["parts"]
    return sorted(parts, key=lambda h: min(parts[h]["steps"]))


def push(lab: Lab, unit: str, host: str, *flags: str) -> dict[str, Any]:
    _code, done = lab.push(unit, host, "--commit", *flags)
    return done


def has_session(lab: Lab, pe: str) -> bool:
    running, _facts = lab.device(pe).read()
    return f"peer {RR} as-number" in running


def test_the_session_is_built_once_kept_for_the_others_and_removed_with_the_last(
    lab: Lab,
) -> None:
    users: dict[str, list[tuple[str, bool]]] = {}  # PE -> (unit, builds it), in plan order
    for unit, _row in sorted(lab.plans.items(), key=lambda kv: kv[1]["plan"]):
        for host, part in (detail(lab, unit).get("parts") or {}).items():
            if part.get("session"):
                users.setdefault(host, []).append((unit, part["session"]["builder"] is None))
    pe, found = next(((pe, u) for pe, u in users.items() if len(u) >= 2 and u[0][1]), ("", []))
    assert found, users
    (builder, _), (dependant, builds) = found[:2]
    assert not builds and not has_session(lab, pe)

    _code, dry = lab.push(dependant, pe)  # a dry run says so; push --all lists it after
    assert dry["result"] == "dry_run" and f"push plan {lab.plans[builder]['plan']}" in dry["reason"]
    first = push(lab, dependant, pe)
    assert first["result"] == "refused"
    assert f"push plan {lab.plans[builder]['plan']} ({builder}) on {pe} first" in first["reason"]

    for unit in (builder, dependant):
        lab.play_city(unit)
        for host in hosts(lab, unit):
            done = push(lab, unit, host)
            assert done["result"] == "applied", (unit, host, done["reason"], done["checks"])
    assert has_session(lab, pe)
    assert flows_answer(lab, dependant) == []

    for host in reversed(hosts(lab, builder)):
        done = push(lab, builder, host, "--rollback")
        assert done["result"] == "applied", (host, done["reason"], done["rollback_notes"])
        if host == pe:
            assert any("stay" in n for n in done["rollback_notes"]), done["rollback_notes"]
            assert not any(f"undo peer {RR}" in line for line in done["lines"])
    assert has_session(lab, pe)
    assert flows_answer(lab, dependant) == []

    for host in reversed(hosts(lab, dependant)):
        done = push(lab, dependant, host, "--rollback")
        assert done["result"] == "applied", (host, done["reason"], done["rollback_notes"])
        if host == pe:
            assert any("removed" in n for n in done["rollback_notes"]), done["rollback_notes"]
            assert any(f"undo peer {RR}" in line for line in done["lines"])
    assert not has_session(lab, pe)
