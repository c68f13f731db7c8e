"""The VPNv4 hand-off pushed over SSH, as an engineer would at night: a district made with
``handoff="vpnv4"`` (its policy says vpnv4, the city core is the route reflector) served with
every router as one vendor, surveyed (each county PE's VPNv4 session to the reflector read
back Established), classified, planned (`plan --all`). One department whose business goes
into a dedicated-zone VPN is pushed host by host with --commit:

* the city's request not done: the PE's step finds no route to the system in its VPN and is
  rolled back by itself, the device equal to its backup; the session's check holds;
* the city does it, then drops its VPNv4 session to the PE: the step's BGP check sees the
  session idle, the step is rolled back, the device equal to its backup;
* the session back: the PE and the CE are pushed, every check holds (the session
  Established), every flow of the department answers over SSH from its sender as the
  ground truth says (the old line shut), and a new survey classifies the network migrated,
  its VPN's routes learned from the reflector over VPNv4.

The survey and the rollback without the city on VRP in the default run; the rest, and
Comware and IOS, with the slow tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from govnet.model.plans import Check, PingAnswer
from govnet.push import get_config_diff
from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab
from govnet_lab.district import load_district
from govnet_lab.generate.upstream import CITY
from push_lab import Lab, planned

COUNTY, SEED, SIZE = "370702", 1, 60  # test_cutover_vpnv4's README county, in process
DEDICATED = "extranet_dedicated_vpn"


def serve(root: Path, platform: str) -> None:
    """A vpnv4 district whose every router is served as ``platform``."""
    start_lab(
        root,
        county=COUNTY,
        seed=SEED,
        devices=SIZE,
        first_port=get_free_port_run(SIZE),
        handoff="vpnv4",
        platform=platform,
        timeout=120,
    )


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(p, marks=[] if p == "huawei" else [pytest.mark.slow])
        for p in ("huawei", "hp_comware", "cisco_ios")
    ],
)
def lab(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp(f"push-vpnv4-{request.param}") / "county"
    serve(root, request.param)
    with planned(root) as lab:
        yield lab


def detail(lab: Lab, unit: str) -> dict[str, Any]:
    store = lab.store()
    try:
        plan = store.get_plan(lab.plans[unit]["plan"])
    finally:
        store.dispose()
    assert plan is not None
    return dict(plan["detail"])


def chosen(lab: Lab) -> str:
    """The department to push: the first whose plan hands a dedicated-zone VPN to the city
    over VPNv4 from a PE and a CE of its own, is not blocked, and needs the city's request
    (the city does not carry that VPN in BGP yet: the PE's step cannot hold without it)."""
    city = load_district(get_lab_paths(lab.root).district).get_device(CITY)
    assert city is not None
    carried = {o.vpn_instance for o in city.bgp_origins if o.vpn_instance and o.protocol}
    networks = {n["key"]: n for n in lab.first["networks"]}
    for unit, row in sorted(lab.plans.items()):
        requests = detail(lab, unit)["city_requests"]
        if (
            row["blocked"] == []
            and len(row["hosts"]) == 2
            and requests
            and all(r["handoff"] == "vpnv4" and r["vpn"] not in carried for r in requests)
            and any(
                n["target"] == DEDICATED for k, n in networks.items() if k.startswith(f"{unit}:")
            )
        ):
            return unit
    raise AssertionError("no department hands a VPN to the city over VPNv4")


def session_lines(request: dict[str, Any], up: bool) -> list[str]:
    """The city's operator taking its VPNv4 session to the PE down (or building it again),
    in VRP's words on the city core (as govnet_lab.city writes them)."""
    pe, asn = request["pe_address"], request["reflector_asn"]
    if not up:
        return [f"bgp {asn}", f" undo peer {pe}"]
    lines = [f"bgp {asn}", f" peer {pe} as-number {request['pe_asn']}"]
    if request["pe_asn"] != asn:
        lines.append(f" peer {pe} ebgp-max-hop 255")
    lines += [f" peer {pe} connect-interface LoopBack0", " ipv4-family vpnv4"]
    return [*lines, f"  peer {pe} enable"]


def city_types(lab: Lab, lines: list[str]) -> None:
    path = lab.root / f"city-{len(list(lab.root.glob('city-*.cfg')))}.cfg"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = lab.govnet("lab", "apply", "--host", CITY, str(path))
    assert done.returncode == 0 and "applied" in done.stdout, done.stderr


def rolled_back(lab: Lab, unit: str, host: str) -> list[dict[str, Any]]:
    """Push ``host`` expecting its automatic rollback; the device is its backup again. The
    checks that failed."""
    code, done = lab.push(unit, host, "--commit")
    assert code == 1 and done["result"] == "rolled_back", done
    assert "backup's state is back" in done["reason"]
    record = lab.store_pushes(unit, host)[-1]
    assert record["result"] == "rolled_back" and record["backup"]
    device = lab.device(host)
    now, _facts = device.read()
    assert get_config_diff(device.dialect, record["backup"], now) == []
    return [c for c in done["checks"] if not c["held"]]


def flows_answer(lab: Lab, unit: str) -> list[str]:
    """Every ground-truth flow of the unit pinged over SSH from its sender, in the VPN its
    source address is in now: the ones that do not answer as the truth says."""
    truth = yaml.safe_load((lab.root / "lab" / "ground_truth.yaml").read_text("utf-8"))
    wrong = []
    for flow in (f for f in truth["flows"] if f["unit"] == unit):
        device = lab.device(flow["host"])
        _config, facts = device.read()
        source = f"{flow['source']}/"
        vpn = next(
            i.vpn_instance
            for i in facts.interfaces
            if any(a.startswith(source) for a in i.addresses)
        )
        check = Check(
            flow["host"],
            "ping",
            1,
            vpn=vpn,
            source=flow["source"],
            destination=flow["destination"],
            count=3,
        )
        answer = device.ping([check])[check]
        assert isinstance(answer, PingAnswer), answer
        if (answer.received > 0) != flow["works"]:
            wrong.append(f"{flow['id']}: {answer}")
    return wrong


def test_the_survey_reads_the_sessions_and_the_pe_needs_the_citys_side(lab: Lab) -> None:
    """Every county PE's session to the reflector surveyed Established; the department's PE
    step, the city's request not done, finds no route to the system and rolls back."""
    district = load_district(get_lab_paths(lab.root).district)
    pes = [d.hostname for d in district.devices if any(p.vpnv4 for p in d.bgp_peers)]
    store = lab.store()
    try:
        run = store.get_last_run()
        assert run is not None
        facts = {h: store.get_host_facts(run["id"], h) for h in pes if h != CITY}
    finally:
        store.dispose()
    unit = chosen(lab)
    (request,) = detail(lab, unit)["city_requests"]
    assert facts
    for host, found in facts.items():
        assert found is not None
        sessions = [
            n
            for n in found.neighbours
            if n.protocol == "bgp" and n.peer == request["reflector"] and n.vpn_instance is None
        ]
        assert [(n.state, n.remote_as) for n in sessions] == [
            ("established", request["reflector_asn"])
        ], host
    pe, _ce = lab.hosts_in_order(unit)
    assert pe == request["pe"] and not request["new_peer"]  # the surveyed session is reused
    failed = rolled_back(lab, unit, pe)
    assert failed and all(" BGP " not in c["check"] for c in failed)
    assert any("存在 present" in c["check"] and "0 matching" in c["seen"] for c in failed)


@pytest.mark.slow
def test_a_dedicated_vpn_goes_to_the_city_over_vpnv4_over_ssh(lab: Lab) -> None:
    """The city does its side, then drops its session to the PE: the BGP check rolls the
    PE's step back. The session back, the PE and the CE are pushed, the flows answer over
    SSH, the network is surveyed migrated with its VPN's routes from the reflector."""
    unit = chosen(lab)
    (request,) = detail(lab, unit)["city_requests"]
    reflector = request["reflector"]
    pe, ce = lab.hosts_in_order(unit)
    lab.play_city(unit)
    # The city drops the VPNv4 session to this PE: the step's BGP check sees it.
    city_types(lab, session_lines(request, up=False))
    failed = rolled_back(lab, unit, pe)
    assert any(f"BGP 邻居 {reflector}" in c["check"] and c["seen"] == "idle" for c in failed)
    city_types(lab, session_lines(request, up=True))

    for host in (pe, ce):
        code, done = lab.push(unit, host, "--commit")
        assert code == 0 and done["result"] == "applied", (done["reason"], done["checks"])
        assert done["checks"] and all(c["held"] for c in done["checks"])
        if host == pe:
            (bgp,) = [c for c in done["checks"] if f"BGP 邻居 {reflector}" in c["check"]]
            assert bgp["seen"] == "established"
    assert flows_answer(lab, unit) == []

    assert lab.govnet("survey").returncode == 0
    after = {n["key"]: n for n in lab.json("classify")["networks"]}
    moving = [
        n["key"]
        for n in lab.first["networks"]
        if n["key"].startswith(f"{unit}:") and n["target"] == DEDICATED
    ]
    assert moving and all(after[k]["rule"] == "migrated" for k in moving), moving
    store = lab.store()
    try:
        run = store.get_last_run()
        assert run is not None
        pe_facts = store.get_host_facts(run["id"], pe)
    finally:
        store.dispose()
    assert pe_facts is not None
    learned = [
        r for r in pe_facts.routes if r.vpn_instance == request["vpn"] and r.protocol == "bgp"
    ]
    assert learned and all(r.next_hops == (reflector,) for r in learned)
