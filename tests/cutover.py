"""Playing a district's cutover plans on the lab's data plane, step by step, as a night
window would: the city's and the systems' operators do what each plan asks of them just
before the step that needs it, every step's lines go into its router, its checks are
evaluated on the live state (state from the router's facts, ping by the data plane, quiet
by the counters), and every ground-truth flow is sent again after each step.

Shared by the cutover tests (in-process, every vendor) and the mutation test.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface

from govnet.model.plans import Check, PingAnswer, Plan, Step
from govnet.plan import evaluate_checks
from govnet.platforms import Dialect
from govnet_lab.city import get_city_lines, get_system_lines
from govnet_lab.configure import apply_lines
from govnet_lab.dataplane import Network, Outcome, ProbeRequest
from govnet_lab.district import District, FlowTruth
from govnet_lab.facts import get_device_facts
from govnet_lab.generate.upstream import CITY


class FakeClock:
    """The counters' clock, moved by the quiet checks instead of waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Window:
    """What happened while the plans were played."""

    failed_checks: list[str] = field(default_factory=list)  # step, check, what was seen
    broken_flows: list[str] = field(default_factory=list)  # step, flow that stopped
    leaked_flows: list[str] = field(default_factory=list)  # step, flow that must never work
    rejected: list[str] = field(default_factory=list)  # lines a router refused
    failed: list[tuple[int, Check]] = field(default_factory=list)  # step number, check

    @property
    def ok(self) -> bool:
        return not (self.failed_checks or self.broken_flows or self.leaked_flows or self.rejected)


class Player:
    """One district's lab and data plane, with the plans played on it."""

    def __init__(self, district: District, dialects: dict[str, Dialect]) -> None:
        self.district = district
        self.dialects = dialects
        self.clock = FakeClock()
        self.net = Network(district, clock=self.clock)
        self.works = {f.id: self.sends(f) for f in district.truth.flows}
        self.tracked = list(district.truth.flows)  # the flows sent again after each step
        self.stopped: set[tuple[str, str | None]] = set()  # (host, source) cut off on purpose

    def sends(self, flow: FlowTruth) -> bool:
        return self.net.check_flow(flow).outcome is Outcome.REPLY

    def type_lines(self, host: str, lines: Sequence[str]) -> list[str]:
        device = self.district.get_device(host)
        assert device is not None, host
        self.net.before_change(host)
        rejected = apply_lines(device, list(lines))
        self.net.note_change()
        return [f"{host}: {line}" for line in rejected]

    def step(self, plan: Plan, step: Step) -> Window:
        """The operators' requests due before ``step``, the step itself, its checks, and
        every flow sent again."""
        window = Window()
        for router, lines in get_operators_lines(self.district, plan, {step.number}):
            window.rejected += self.type_lines(router, lines)
        before = [c for c in step.checks if c.before]  # the step's own conditions
        self._note(window, step, self.judge(before))
        device = self.district.get_device(step.host)
        assert device is not None
        window.rejected += self.type_lines(
            step.host, self.dialects[device.platform].to_push_lines(step.config)
        )
        self._note(window, step, self.judge([c for c in step.checks if not c.before]))
        self.stopped |= get_cut_off(plan, {s.number for s in plan.steps if s.number <= step.number})
        window.broken_flows, window.leaked_flows = self.flows(f"step {step.number}")
        return window

    @staticmethod
    def _note(window: Window, step: Step, failed: list[tuple[Check, str]]) -> None:
        window.failed_checks += [f"step {step.number} {step.host}: {text}" for _, text in failed]
        window.failed += [(step.number, c) for c, _ in failed]

    def check(self, checks: Sequence[Check]) -> list[str]:
        """The checks that do not hold, with what was seen."""
        return [text for _, text in self.judge(checks)]

    def judge(self, checks: Sequence[Check]) -> list[tuple[Check, str]]:
        """The checks that do not hold, each with its text and what was seen."""
        failed: list[tuple[Check, str]] = []
        for check in checks:
            if check.kind == "quiet":
                rate = self.rate(check.host, check.interface or "")
                if check.rate is not None and rate > check.rate:
                    failed.append((check, f"{check.text} (seen: {rate} packets/s)"))
        others = [c for c in checks if c.kind != "quiet"]
        facts = {  # each router's facts read once, as a push reads a device once per step
            host: get_device_facts(self.district.get_device(host))  # type: ignore[arg-type]
            for host in {c.host for c in others if c.kind != "ping"}
        }
        pings: dict[Check, PingAnswer | str] = {c: self.ping(c) for c in others if c.kind == "ping"}
        for c, held, seen in evaluate_checks(others, facts, pings):
            if not held:
                failed.append((c, f"{c.text} (seen: {seen})"))
        return failed

    def ping(self, check: Check) -> PingAnswer:
        assert check.destination and check.source
        request = ProbeRequest(
            IPv4Interface(check.destination).ip, check.vpn, IPv4Address(check.source)
        )
        count = check.count or 5
        reply = self.net.probe(check.host, request).outcome is Outcome.REPLY
        return PingAnswer(count, count if reply else 0)

    def rate(self, host: str, port: str) -> int:
        """Packets per second the port carries now, in and out."""
        counts = self.net.get_counter_reader(host)().get(port)
        return 0 if counts is None else counts.in_pps + counts.out_pps

    def flows(self, when: str) -> tuple[list[str], list[str]]:
        """Flows that worked and must work but no longer do; flows that must never work
        and now do."""
        now = {f.id: self.sends(f) for f in self.tracked}
        return compare_flows(self.tracked, self.works, now, self.stopped, when)


def get_operators_lines(
    district: District, plan: Plan, steps: Collection[int]
) -> list[tuple[str, list[str]]]:
    """What the city's and the systems' operators type, router by router, for the requests
    the plan makes due before any of ``steps``: played just before the step that needs it."""
    asked = [(CITY, get_city_lines(district, r)) for r in plan.requests if r.before_step in steps]
    asked += [get_system_lines(district, r) for r in plan.system_requests if r.before_step in steps]
    return asked


def get_cut_off(plan: Plan, done: Collection[int]) -> set[tuple[str, str | None]]:
    """(router, source) of the traffic the plan cuts off on purpose in steps ``done`` (a
    breach closed): each proved stopped by a ping that must fail."""
    return {
        (c.host, c.source)
        for s in plan.steps
        for c in s.checks
        if c.kind == "ping" and not c.present and s.number in done
    }


def compare_flows(
    flows: Sequence[FlowTruth],
    before: Mapping[str, bool],
    now: Mapping[str, bool],
    stopped: Collection[tuple[str, str | None]],
    when: str,
) -> tuple[list[str], list[str]]:
    """Flows that worked ``before`` and must work but no longer do (unless a plan cut them
    off on purpose and proved it); flows that must never work, did not, and now do."""
    broken, leaked = [], []
    for flow in flows:
        cut_off = (flow.host, flow.source) in stopped
        if flow.must_work and before[flow.id] and not now[flow.id] and not cut_off:
            broken.append(f"{when}: {flow.id}")
        if not flow.must_work and not before[flow.id] and now[flow.id]:
            leaked.append(f"{when}: {flow.id}")
    return broken, leaked


def play(
    player: Player, plans: Sequence[Plan], skip: Callable[[Plan, Step], bool] | None = None
) -> Window:
    """Every plan, every step in order (manual steps too: done on site, by hand)."""
    total = Window()
    for plan in plans:
        started: set[str] = set()
        for step in plan.steps:
            if skip is not None and skip(plan, step):
                continue
            if step.host not in started:  # the host's pre-checks, before its first line
                started.add(step.host)
                pre = player.judge([c for c in plan.prechecks if c.host == step.host])
                total.failed_checks += [
                    f"{plan.unit} before step {step.number}: {x}" for _, x in pre
                ]
                total.failed += [(step.number, c) for c, _ in pre]
            window = player.step(plan, step)
            total.failed_checks += [f"{plan.unit} {x}" for x in window.failed_checks]
            total.broken_flows += [f"{plan.unit} {x}" for x in window.broken_flows]
            total.leaked_flows += [f"{plan.unit} {x}" for x in window.leaked_flows]
            total.rejected += [f"{plan.unit} {x}" for x in window.rejected]
            total.failed += window.failed
    return total


def get_first(window: Window) -> tuple[int | None, int | None]:
    """The step numbers of the first failed check and the first broken flow (None: none)."""

    def number(text: str) -> int:
        return int(text.split("step ", 1)[1].split()[0].rstrip(":"))

    checks = [number(x) for x in window.failed_checks]
    flows = [number(x) for x in window.broken_flows + window.leaked_flows]
    return (min(checks) if checks else None), (min(flows) if flows else None)
