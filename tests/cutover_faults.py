"""What goes wrong in a real cutover night, made in the lab for one plan: the city's or a
system's operator not doing (or mistyping) what the plan asks, the carrier not passing the
new VLAN, a step (or one of its lines) that did not take. Each fault is played with the
plan on tests/cutover.py's Player; the checks that fail and the flows that break are what
the check mutation test judges.

The operators' lines are VRP, as govnet_lab.city writes them (the city's and the systems'
nodes are Huawei); a blackhole is a static route to NULL0, as VRP writes one ("ip
route-static 10.1.1.0 255.255.255.192 NULL0", Huawei NE/AR configuration guide, static
routes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv4Network

from cutover import Player, Window, get_first, play
from govnet.model.facts import physical_port
from govnet.model.plans import Check, Plan, Step
from govnet.platforms import Dialect
from govnet_lab.city import get_system_device
from govnet_lab.district import District, FlowTruth

MOVES = ("retire_gateway", "rebind_business")  # the steps that move a business's gateway
Lines = Callable[[str, list[str]], list[str]]  # what an operator types on a node, given the ask


@dataclass(frozen=True)
class Fault:
    """One thing that goes wrong, as the plan meets it."""

    name: str
    plan: Callable[[Plan], Plan] = lambda p: p  # the plan as carried out
    lab: Callable[[District], None] = lambda d: None  # the lab as the window finds it
    typed: Lines | None = None  # what the operators type on their nodes instead


@dataclass(frozen=True)
class Played:
    """A fault played with a plan: the checks that failed (at which step), the first step
    where a flow broke (None: none did), lines the routers refused, and flows broken that
    the player did not follow step by step (it must follow every flow that can break)."""

    failed: list[tuple[int, Check]]
    flow: int | None
    refused: int | None  # the step where a router first refused a line (the push stops)
    unfollowed: list[str]


class FaultPlayer(Player):
    """The Player, with the operators typing what the fault makes them type, and, to play
    some hundred faults in reasonable time, the flows sent again after each step limited to
    those ``plan`` can reach (see ``follow``); it stops after the step where a flow first
    breaks (what comes after cannot catch it in time)."""

    def __init__(
        self, district: District, dialects: dict[str, Dialect], plan: Plan, typed: Lines | None
    ):
        super().__init__(district, dialects)
        self.typed = typed
        self.upstream = {d.hostname for d in district.upstream}
        self.tracked = follow(district, plan)
        self.broken_at: int | None = None
        self.refused_at: int | None = None

    def type_lines(self, host: str, lines: Sequence[str]) -> list[str]:
        if self.typed is not None and host in self.upstream:
            lines = self.typed(host, list(lines))
        return super().type_lines(host, lines)

    def step(self, plan: Plan, step: Step) -> Window:
        window = super().step(plan, step)
        if window.broken_flows or window.leaked_flows:
            self.broken_at = step.number
        if window.rejected and self.refused_at is None:
            self.refused_at = step.number
        return window

    def unfollowed(self) -> list[str]:
        """Flows broken or leaked now among those not followed step by step."""
        followed = {f.id for f in self.tracked}
        self.tracked = [f for f in self.district.truth.flows if f.id not in followed]
        broken, leaked = self.flows("the end")
        return broken + leaked


def follow(district: District, plan: Plan) -> list[FlowTruth]:
    """The flows a plan, its operators' requests or its faults can change: those whose path
    (as the truth has it) crosses a router the plan or its operators type into, those of
    its unit's routers, and those that must never work (a leak can come from anywhere)."""
    hosts = {s.host for s in plan.steps} | {"city-zwww-core"}
    hosts |= {get_system_device(district, r).hostname for r in plan.system_requests}
    return [
        f
        for f in district.truth.flows
        if not f.must_work or f.host in hosts or hosts.intersection(f.path)
    ]


def play_fault(
    district: District, dialects: dict[str, Dialect], plan: Plan, fault: Fault
) -> Played:
    """The plan played under ``fault`` on a fresh copy of the lab (``district``: loaded anew
    by the caller each time, it is changed)."""
    fault.lab(district)  # before the Player: the lab as the window finds it
    player = FaultPlayer(district, dialects, plan, fault.typed)
    window = play(player, [fault.plan(plan)], skip=lambda p, s: player.broken_at is not None)
    flow = get_first(window)[1]
    return Played(window.failed, flow, player.refused_at, player.unfollowed())


# --- the faults of one plan --------------------------------------------------------------


def get_faults(plan: Plan, district: District) -> list[Fault]:
    """Every fault this plan can meet: its operators' requests, its new circuits' VLANs,
    each step not done, each line of a step that did not take."""
    faults = [*_operator_faults(plan, district), *_carrier_faults(plan, district)]
    for step in plan.steps:  # the move postponed on the night: nobody moved anything
        if step.approach in MOVES and plan.system_requests:
            name = f"business not moved (system's request and step {step.number} not done)"
            faults.append(Fault(name, _postponed(step)))
    for step in plan.steps:
        if step.config:
            faults.append(Fault(f"step {step.number} not done ({step.approach})", _without(step)))
        for index, line in _leaves(step.config):
            # a description changes no forwarding on any vendor: not a fault worth a night
            if len(step.config) > 1 and not line.strip().startswith("description "):
                name = f"step {step.number} line {line.strip()!r} did not take"
                faults.append(Fault(name, _without(step, index)))
    return faults


def _without(step: Step, index: int | None = None) -> Callable[[Plan], Plan]:
    """The plan with ``step``'s lines not typed (its checks still run), or only one line."""
    config = [] if index is None else [x for i, x in enumerate(step.config) if i != index]

    def edit(plan: Plan) -> Plan:
        return replace(
            plan,
            steps=[replace(s, config=config) if s.number == step.number else s for s in plan.steps],
        )

    return edit


def _postponed(step: Step) -> Callable[[Plan], Plan]:
    """Neither the system's operator nor the department moved the business tonight."""
    edit = _without(step)
    return lambda plan: edit(replace(plan, system_requests=[]))


def _leaves(config: list[str]) -> Iterator[tuple[int, str]]:
    """Lines with no lines under them (a parent dropped would take its children along)."""
    depth = [len(x) - len(x.lstrip()) for x in config]
    for i, line in enumerate(config):
        if line.strip() and (i + 1 == len(config) or depth[i + 1] <= depth[i]):
            yield i, line


def _operator_faults(plan: Plan, district: District) -> Iterator[Fault]:
    if plan.requests:
        yield Fault("city: request not done", lambda p: replace(p, requests=[]))
        business = [n for r in plan.requests for n in map(IPv4Network, r.routes)]
        business = [n for n in business if not _is_link(n, plan)]
        yield Fault("city: no route back to the LAN", typed=_drop_routes(business))
        yield Fault(
            "city: blackhole (half the LAN to NULL0)",
            typed=_blackhole(_halves(plan, business), "city-zwww-core", vpn=plan.requests[0].vpn),
        )
    if plan.system_requests:
        yield Fault("system: request not done", lambda p: replace(p, system_requests=[]))
        nodes = {get_system_device(district, r).hostname for r in plan.system_requests}
        routes = [n for r in plan.system_requests for n in map(IPv4Network, r.routes)]
        yield Fault(
            "system: old route removed, none back via the extranet",
            typed=_drop_routes(routes, nodes),
        )
        yield Fault(
            "system: blackhole (half the LAN to NULL0)",
            typed=_blackhole(_halves(plan, routes), *sorted(nodes), vpn=None),
        )


def _is_link(network: IPv4Network, plan: Plan) -> bool:
    """A /30 hand-off link of the plan (routed back so the CE's own pings answer)."""
    return network.prefixlen >= 30


def _drop_routes(prefixes: list[IPv4Network], hosts: set[str] | None = None) -> Lines:
    """The operator leaves out the routes (not their undo) to ``prefixes``."""
    texts = [f" {n.network_address} {n.netmask} " for n in prefixes]

    def typed(host: str, lines: list[str]) -> list[str]:
        if hosts is not None and host not in hosts:
            return lines
        return [
            x
            for x in lines
            if not (x.startswith("ip route-static") and any(t in x + " " for t in texts))
        ]

    return typed


def _halves(plan: Plan, prefixes: list[IPv4Network]) -> list[IPv4Network]:
    """The half of each business prefix the plan's proof pings send from (the gateway's
    address): the half whose loss a check can see, as the lab's blackhole fault picks."""
    sources = [IPv4Address(c.source) for s in plan.steps for c in s.checks if c.source]
    halves = []
    for prefix in prefixes:
        low, high = prefix.subnets()
        halves.append(high if any(a in high for a in sources) else low)
    return halves


def _blackhole(halves: list[IPv4Network], *hosts: str, vpn: str | None) -> Lines:
    table = f"vpn-instance {vpn} " if vpn else ""
    extra = [f"ip route-static {table}{n.network_address} {n.netmask} NULL0" for n in halves]

    def typed(host: str, lines: list[str]) -> list[str]:
        return [*lines, *extra] if host in hosts else lines

    return typed


def _carrier_faults(plan: Plan, district: District) -> Iterator[Fault]:
    """The carrier does not pass a VLAN the plan's sub-interfaces use on its circuit."""
    seen: set[tuple[str, int]] = set()
    for step in plan.steps:
        for check in step.checks:
            name = check.interface or ""
            if check.kind != "interface" or "." not in name:
                continue
            end = f"{check.host}:{physical_port(name)}"
            vlan = int(name.rsplit(".", 1)[1])
            link = next((ln for ln in district.links if end in (ln.a, ln.b)), None)
            if link is None or link.circuit is None or (end, vlan) in seen:
                continue
            seen.add((end, vlan))
            circuit = link.circuit

            def drop(d: District, circuit: str = circuit, vlan: int = vlan) -> None:
                next(ln for ln in d.links if ln.circuit == circuit).dropped_vlans.append(vlan)

            yield Fault(f"carrier drops VLAN {vlan} on {circuit} ({end})", lab=drop)
