"""Issue 19's first must-show, for real: three synthesized districts, each served over SSH
as one vendor (`govnet lab up --platform`), surveyed over SSH, classified, `plan --all`,
then every plan that is not blocked pushed host by host with --commit in the plans' order
(the city's and the systems' operators doing what each plan asks just before the host
whose step needs it; a classified or police router's steps typed on site by hand, as its
plan says). Before anything, after each host push (the push itself proves its steps) and
at the end, the running lab sends every ground-truth flow (`govnet lab flows`): none that
worked and must work stops, none that must never work starts; each plan's unit's flows
are also pinged over SSH from the router that sends them now, in its vendor's syntax, and
must agree; at the end every old line the plans shut or watched carries nothing (its
counters read twice over SSH).

The 9 combinations are slow (about 1 to 2 minutes each, 11.5 minutes in all on a shared
2-core machine); tests/test_cutover_flows.py plays the same plans in-process on every
default run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cutover import compare_flows, get_cut_off, get_operators_lines
from govnet.app.classify import classify_project
from govnet.app.plan import WrittenPlan, make_plans
from govnet.app.project import Project
from govnet.app.push import push
from govnet.app.survey import survey
from govnet.model.plans import Check, PingAnswer, QuietAnswer
from govnet.push import Device
from govnet.survey.collect import Budget, Credentials, Target
from govnet_lab.control import (
    FlowState,
    apply_upstream,
    get_free_port_run,
    get_lab_flows,
    get_lab_paths,
    start_lab,
    stop_lab,
)
from govnet_lab.district import District, load_district
from govnet_lab.server import read_credentials
from test_cutover_flows import DISTRICTS, PLATFORMS


@dataclass
class Night:
    """One district served as one vendor, surveyed and planned; what the window found."""

    root: Path
    project: Project
    credentials: Credentials
    district: District  # as built: the operators' requests are typed from it
    plans: list[WrittenPlan]
    before: dict[str, FlowState]
    stopped: set[tuple[str, str | None]] = field(default_factory=set)
    findings: list[str] = field(default_factory=list)
    pushed: list[str] = field(default_factory=list)  # "unit host": applied over SSH
    by_hand: list[str] = field(default_factory=list)  # "unit host": typed on site
    pinged: int = 0  # flows also checked by a real ping over SSH

    def device(self, host: str) -> Device:
        known = {h.name: h for h in self.project.get_inventory().hosts}[host]
        target = Target(host, known.address, known.port, known.platform)
        return Device(target, self.project.load_platforms(), self.credentials, Budget())

    def flows(self, when: str) -> dict[str, FlowState]:
        """Every flow sent now by the running lab; what stopped or started, as findings."""
        now = {f.id: f for f in get_lab_flows(self.root)}
        broken, leaked = compare_flows(
            self.district.truth.flows,
            {k: f.works for k, f in self.before.items()},
            {k: f.works for k, f in now.items()},
            self.stopped,
            when,
        )
        self.findings += [f"flow stopped: {x}: {now[x.rsplit(': ', 1)[1]].reason}" for x in broken]
        self.findings += [f"flow started that must never work: {x}" for x in leaked]
        return now

    def operators(self, written: WrittenPlan, host: str) -> None:
        """The city's and the systems' sides due before this host's steps, typed into the
        running lab's upstream routers (`govnet lab apply`)."""
        numbers = {s.number for s in written.plan.steps if s.host == host}
        for router, lines in get_operators_lines(self.district, written.plan, numbers):
            refused = apply_upstream(self.root, router, lines)
            if refused:
                self.findings.append(f"{written.plan.unit} {router} refused: {refused}")

    def push_host(self, written: WrittenPlan, host: str) -> bool:
        """`govnet push PLAN --host HOST --commit`, or the steps typed on site when the plan
        says so (a classified or police router is never configured over the network)."""
        plan = written.plan
        self.operators(written, host)
        steps = [s for s in plan.steps if s.host == host]
        if host in plan.manual_hosts:
            device = self.device(host)
            dialect = device.dialect
            lines = [ln for s in steps for ln in dialect.to_push_lines(s.config)]
            refused = device.configure(lines, stop_at_refusal=True)
            if refused:
                self.findings.append(f"{plan.unit} {host} (on site) refused: {refused}")
                return False
            self.by_hand.append(f"{plan.unit} {host}")
        else:
            result = push(self.project, str(written.plan_id), host, self.credentials, commit=True)
            if not result.ok:
                failed = [f"{c.text} (seen: {seen})" for c, held, seen in result.checks if not held]
                self.findings.append(
                    f"{plan.unit} {host} step {result.step}: {result.result}: {result.reason}"
                    + (f"; failed checks: {failed}" if failed else "")
                )
                return False
            self.pushed.append(f"{plan.unit} {host}")
        self.stopped |= get_cut_off(plan, {s.number for s in steps})
        return True

    def ping_unit(self, unit: str, flows: dict[str, FlowState]) -> None:
        """The unit's flows pinged over SSH from the router that sends them now (the side
        channel is not the only evidence): the device's answer agrees with the lab's."""
        mine = [f for f in flows.values() if f.unit == unit]
        by_sender: dict[str, list[tuple[FlowState, Check]]] = {}
        for flow in mine:
            check = Check(
                flow.sender,
                "ping",
                0,
                vpn=flow.sender_vpn,
                source=flow.source,
                destination=flow.destination,
                count=3,
            )
            by_sender.setdefault(flow.sender, []).append((flow, check))
        for sender, pairs in by_sender.items():
            answers = self.device(sender).ping([c for _, c in pairs])
            for flow, check in pairs:
                answer = answers[check]
                replied = isinstance(answer, PingAnswer) and answer.received > 0
                self.pinged += 1
                if replied != flow.works:
                    self.findings.append(
                        f"ping over SSH disagrees with the lab on {flow.id}: {answer}"
                    )


@pytest.fixture(params=DISTRICTS, ids=[d[0] for d in DISTRICTS])
def county(request: pytest.FixtureRequest) -> tuple[str, int, int]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def night(county: tuple[str, int, int], platform: str, tmp_path: Path) -> Iterator[Night]:
    with served(county, platform, tmp_path / "county") as night:
        yield night


@contextmanager
def served(county: tuple[str, int, int], platform: str, root: Path) -> Iterator[Night]:
    """The district served at ``root`` as ``platform``, surveyed over SSH, classified and
    planned (`plan --all`), its flows read before anything; stopped whatever happens."""
    code, seed, size = county
    start_lab(
        root,
        county=code,
        seed=seed,
        devices=size,
        first_port=get_free_port_run(size),
        platform=platform,
        timeout=120,
    )
    try:
        paths = get_lab_paths(root)
        credentials = Credentials(*read_credentials(paths.credentials))
        project = Project.find(root, None)
        assert survey(project, credentials).done == size
        classify_project(project)
        plans = make_plans(project, []).written
        before = {f.id: f for f in get_lab_flows(root)}
        yield Night(root, project, credentials, load_district(paths.district), plans, before)
    finally:
        stop_lab(root)


@pytest.mark.slow
@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_plan_pushed_over_ssh_keeps_every_flow(
    night: Night, county: tuple[str, int, int], platform: str
) -> None:
    started = time.monotonic()
    truth = {f.id: f for f in night.district.truth.flows}
    # Before anything: the lab sends every flow as the ground truth says it was built.
    assert {k: f.works for k, f in night.before.items()} == {k: f.works for k, f in truth.items()}
    assert any(f.must_work and f.works for f in night.before.values())
    assert all(d.platform == platform for d in night.district.devices)
    doing = [w for w in night.plans if w.plan.steps]
    assert doing, "no plan to push: the test would prove nothing"
    for written in doing:
        plan = written.plan
        hosts = sorted(plan.hosts, key=lambda h: min(s.number for s in plan.steps if s.host == h))
        for host in hosts:
            if not night.push_host(written, host):
                break  # the plan's later hosts wait for this one
            night.flows(f"{plan.unit} after {host}")
        night.ping_unit(plan.unit, night.flows(f"{plan.unit} done"))
    end = night.flows("at the end")
    # Every flow that must work works, every one that must never work does not (a breach
    # the plans cut off included), unless a plan cut it off on purpose.
    wrong = [
        f"{f.id}: {'works' if f.works else f.reason}"
        for f in end.values()
        if not f.as_it_should and (truth[f.id].host, f.source) not in night.stopped
    ]
    night.findings += [f"at the end, not as it must be: {x}" for x in wrong]
    quiet_lines(night)
    seconds = time.monotonic() - started
    print(
        f"\n{county[0]} {platform}: {len(night.plans)} plans made"
        f" ({sum(1 for w in night.plans if w.plan.blocked)} with something blocked),"
        f" {len(doing)} with steps, {len(night.pushed)} host pushes"
        f" over SSH, {len(night.by_hand)} on site, {len(end)} flows after each,"
        f" {night.pinged} pinged over SSH, {seconds:.0f} s"
    )
    assert night.findings == [], "\n".join(night.findings)
    assert night.pushed


def quiet_lines(night: Night) -> None:
    """Every line a pushed plan watched go quiet carries nothing now: its counters read
    twice over SSH, two seconds apart."""
    pushed = {tuple(x.split(" ", 1)) for x in night.pushed}
    watched: dict[str, set[str]] = {}
    for written in night.plans:
        for step in written.plan.steps:
            if (written.plan.unit, step.host) not in pushed:
                continue
            for check in step.checks:
                if check.kind == "quiet" and check.interface:
                    watched.setdefault(check.host, set()).add(check.interface)
    assert watched, "no line was watched go quiet: the end proves nothing about old lines"
    for host, ports in sorted(watched.items()):
        checks = [Check(host, "quiet", 0, interface=p, seconds=2, rate=0) for p in sorted(ports)]
        for check, answer in night.device(host).quiet(checks).items():
            if not isinstance(answer, QuietAnswer) or answer.wrapped or answer.rate > 0:
                seen = answer.seen if isinstance(answer, QuietAnswer) else answer
                night.findings.append(f"old line {host} {check.interface} not quiet: {seen}")
