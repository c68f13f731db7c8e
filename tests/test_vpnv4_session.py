"""A county PE's VPNv4 session to the city's route reflector is shared infrastructure (issue
23): on a vpnv4 district whose PEs have no session yet (the lab's own taken off before the
survey), `plan --all` makes, per PE, one plan that builds it and others that depend on it
(their plan.md names the plan that builds it). Played in process host by host, as push does,
then rolled back with the lines and the goal push uses (govnet.push.shared): rolling back the
builder while a dependant is applied keeps the session and the dependant's flows; rolling
back the dependant, the last user, removes the session, and every flow is as before.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from cutover import Player
from govnet.model.files import search_path
from govnet.model.plans import Plan
from govnet.model.registry import BUILD, USE, Kind
from govnet.plan import RUNBOOKS, get_host_parts, make_plan, plan_to_markdown
from govnet.plan.registry import Registry
from govnet.push import HostPart, get_config_diff, get_host_part
from govnet.push.drift import get_share_undone, get_tree
from govnet.push.shared import check_built, get_goal, get_session_rollback, get_users
from govnet.store import open_store
from govnet_lab.district import load_district, save_district
from govnet_lab.facts import get_running_config
from govnet_lab.generate import generate_lab
from govnet_lab.generate.devices import as_platform
from govnet_lab.generate.upstream import CITY
from test_cutover_flows import PLATFORMS
from test_plan import DIALECTS, District

COUNTY, SEED, SIZE = "370702", 1, 30
RR = "10.253.0.1"  # the lab's city core's loopback: the route reflector
CREATE = ("ip vpn-instance", "vrf definition")  # a VPN instance made (VRP, Comware; IOS)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A vpnv4 district whose county PEs have no VPNv4 session (nor MPLS) yet; the city
    still peers toward them, and their loopbacks still reach each other."""
    path = tmp_path_factory.mktemp("vpnv4-session")
    generate_lab(path, COUNTY, SEED, SIZE, None, handoff="vpnv4")
    file = path / ".govnet/lab/district.json"
    lab = load_district(file)
    for device in lab.devices:
        if device.hostname != CITY and any(p.vpnv4 for p in device.bgp_peers):
            device.bgp_peers = [p for p in device.bgp_peers if not p.vpnv4]
            device.mpls = False
    save_district(lab, file)
    return path


def plan_all(root: Path, platform: str = "huawei") -> tuple[Player, list[Plan], Registry]:
    """`plan --all` from the lab's survey (every router as ``platform``), with the registry
    the plans took from."""
    lab = load_district(root / ".govnet/lab/district.json")
    lab.devices = [as_platform(d, platform) for d in lab.devices]
    inp, _, snapshot = District(root).plan_input(lab.devices)
    registry = Registry.from_snapshot(snapshot)
    plans = [make_plan(inp, u.key, registry) for u in snapshot.units]
    return Player(lab, DIALECTS), [p for p in plans if p.steps], registry


def by_pe(plans: list[Plan]) -> dict[str, list[tuple[Plan, bool]]]:
    """Each PE's plans that need a session there, in the order made: (plan, builds it)."""
    out: dict[str, list[tuple[Plan, bool]]] = {}
    for plan in plans:
        for step in plan.steps:
            if step.session is not None:
                out.setdefault(step.host, []).append((plan, step.session.builder is None))
    return out


def test_one_plan_per_pe_builds_the_session_and_the_others_depend_on_it(root: Path) -> None:
    _player, plans, registry = plan_all(root)
    pes = by_pe(plans)
    assert len(pes) == 2 and all(len(users) >= 2 for users in pes.values())
    for pe, users in pes.items():
        assert [build for _, build in users] == [True] + [False] * (len(users) - 1), pe
        builder = users[0][0]
        held = [h for h in registry.made if h.kind is Kind.SESSION and h.scope == pe]
        assert [(h.unit, h.value, h.meaning) for h in held] == [
            (plan.unit, RR, BUILD if build else USE) for plan, build in users
        ]
        for plan, build in users:
            (step,) = [s for s in plan.steps if s.host == pe and s.session is not None]
            config, rollback = "\n".join(step.config), "\n".join(step.rollback)
            # the builder types the session and undoes it; a dependant neither
            assert (f"peer {RR} connect-interface LoopBack0" in config) is build
            assert ("mpls lsr-id" in config) is build
            assert (f"undo peer {RR}" in rollback) is build
            assert "import-route static" in config  # its own VPN goes into BGP either way
            assert any(c.kind == "bgp" and c.next_hop == RR for c in step.checks)
            (request,) = [r for r in plan.requests if r.before_step == step.number]
            assert request.new_peer is build  # the city is asked to peer back once
            text = plan_to_markdown(plan, "t", "now", search_path(None, RUNBOOKS), DIALECTS)
            named = f"由本批次方案（单位 {builder.unit}）建立，本方案依赖它"
            assert (named in text) is not build
            assert ("由本方案建立" in text) is build
            part = get_host_parts(plan, DIALECTS)[pe]
            assert part["session"]["peers"] == [RR]
            assert any(f"undo peer {RR}" in line for line in part["session"]["rollback"])
            if build:  # and its rollback that keeps the session for the others
                assert any(f"undo peer {RR}" in line for line in part["rollback"])
                assert not any("undo peer" in line for line in part["rollback_keep"])
            else:  # and its rollback as the last user, the session's undo merged in
                assert set(part["session"]["rollback"]) <= set(part["rollback_last"])
            for key in ("config", "rollback", "rollback_keep", "rollback_last"):
                # each read as one configuration, no section twice (drift, the dry run's diff)
                get_tree(DIALECTS[part["platform"]], part.get(key) or [])


def test_a_stored_builder_is_found_by_a_later_run_and_named_by_its_id(root: Path) -> None:
    _player, plans, registry = plan_all(root)
    stored = [replace(h, plan_id=7 + i) for i, h in enumerate(registry.made)]
    later = Registry(stored)
    (pe, users), *_ = by_pe(plans).items()
    found = later.get_session_builder("another-unit", pe, RR)
    assert found is not None and found.unit == users[0][0].unit and found.meaning == BUILD
    assert found.plan_name == f"方案 {found.plan_id}"
    # the builder's own unit made again does not depend on its old plan: it builds again
    assert later.get_session_builder(users[0][0].unit, pe, RR) is None
    assert later.get_session_builder("another-unit", "another-pe", RR) is None


def host_part(plan: Plan, host: str, plan_id: int) -> HostPart:
    """The host's share of ``plan`` as push reads it back from the store."""
    parts = get_host_parts(plan, DIALECTS)
    p = parts[host]
    return HostPart(
        plan_id,
        plan.unit,
        host,
        p["platform"],
        tuple(p["steps"]),
        tuple(p["config"]),
        tuple(p["rollback"]),
        (),
        (),
        0,
        parts,
        "",
        session=p.get("session"),
        rollback_keep=tuple(p.get("rollback_keep") or ()),
        rollback_last=tuple(p.get("rollback_last") or ()),
    )


class Night:
    """Plans pushed and rolled back in process, host by host as `govnet push` does."""

    def __init__(self, player: Player) -> None:
        self.player = player
        self.pushed: dict[tuple[int, str], tuple[str, str]] = {}  # backup, after

    def running(self, host: str) -> str:
        device = self.player.district.get_device(host)
        assert device is not None
        return get_running_config(device)

    def push(self, plan: Plan, plan_id: int) -> list[str]:
        """Each host's steps (requests due first), in the plan's order; what failed."""
        failed: list[str] = []
        for host in plan.hosts:
            backup = self.running(host)
            for step in plan.steps:
                if step.host == host:
                    window = self.player.step(plan, step)
                    failed += window.rejected + window.failed_checks + window.broken_flows
            self.pushed[plan_id, host] = (backup, self.running(host))
        return failed

    def roll_back(self, plan: Plan, plan_id: int, users: list[int]) -> tuple[list[str], list[str]]:
        """Each host in reverse order, with the lines and goal push would use: (lines the
        router refused, what differs from the goal afterwards)."""
        rejected: list[str] = []
        left: list[str] = []
        for host in reversed(plan.hosts):
            part = host_part(plan, host, plan_id)
            shared = get_session_rollback(part, users if part.session else [])
            dialect = DIALECTS[part.platform]
            running = self.running(host)
            backup, after = self.pushed.pop((plan_id, host))
            goal = get_share_undone(dialect, running, backup, after)
            goal = get_goal(dialect, goal, running, part, shared, ())
            rejected += self.player.type_lines(host, shared.lines)
            left += get_config_diff(dialect, goal, self.running(host))
        return rejected, left

    def has_session(self, host: str) -> bool:
        device = self.player.district.get_device(host)
        assert device is not None
        return any(str(p.address) == RR and p.vpnv4 for p in device.bgp_peers)


@pytest.mark.parametrize(
    "platform",
    [pytest.param(p, marks=[pytest.mark.slow] if p != "huawei" else []) for p in PLATFORMS],
)
def test_the_session_stays_while_a_plan_uses_it_and_goes_with_the_last(
    root: Path, platform: str
) -> None:
    player, plans, _ = plan_all(root, platform)
    # a dependant that creates its VPN on the PE: its rollback takes the VPN away whole (one
    # whose VPN the PE already redistributes undoes that too: noticed, another matter)
    (pe, builder, dependant), *_ = [
        (pe, users[0][0], plan)
        for pe, users in by_pe(plans).items()
        for plan, build in users
        if not build and any(s.host == pe and s.config[0].startswith(CREATE) for s in plan.steps)
    ]
    ids = {builder.unit: 1, dependant.unit: 2}
    night = Night(player)
    assert not night.has_session(pe)
    assert night.push(builder, 1) == []
    assert night.has_session(pe)
    assert night.push(dependant, 2) == []

    # the builder rolled back while the dependant is applied: its rollback without the
    # session's undo; the session and every flow of the dependant stay
    part = host_part(builder, pe, ids[builder.unit])
    kept = get_session_rollback(part, [2])
    assert part.session is not None
    (undo,) = [line for line in part.session["rollback"] if RR in line]  # undo peer, no neighbor
    assert undo in part.rollback and undo not in kept.lines  # the whole would undo it
    assert kept.note and "stay" in kept.note and "plan 2" in kept.note
    rejected, left = night.roll_back(builder, 1, users=[2])
    assert rejected == [] and left == []
    assert night.has_session(pe)
    assert broken_units(player, "builder rolled back") <= {builder.unit}
    assert works(player, dependant.unit)
    (step,) = [s for s in dependant.steps if s.host == pe and s.session is not None]
    assert player.check(step.checks) == []  # the dependant's PE checks hold (bgp, routes, ping)

    # the dependant, the last user, rolled back: the session's undo typed too, and gone
    part = host_part(dependant, pe, ids[dependant.unit])
    last = get_session_rollback(part, [])
    assert part.session is not None and part.session["builder"] is not None
    assert last.lines == part.rollback_last and last.drop
    assert set(part.rollback) < set(last.lines)
    assert set(part.session["rollback"]) <= set(last.lines)
    rejected, left = night.roll_back(dependant, 2, users=[])
    assert rejected == []
    # MPLS is not undone by the rollback lines (VRP asks to confirm `undo mpls`): push's
    # remediation toward the goal takes it off, as for a builder rolled back alone
    assert all(line.lstrip("+- ").startswith("mpls") for line in left), left
    assert not night.has_session(pe)
    assert broken_units(player, "both rolled back") <= {builder.unit, dependant.unit}


def broken_units(player: Player, when: str) -> set[str]:
    """The units of the flows broken or leaked since the start. A rolled-back plan's own
    flows may stay broken: the city's and the systems' operators' side is not undone by a
    push (its return routes still go to the new path)."""
    broken, leaked = player.flows(when)
    ids = {text.split(": ", 1)[1] for text in broken + leaked}
    return {f.unit for f in player.tracked if f.id in ids}


def works(player: Player, unit: str) -> bool:
    """Every flow of ``unit`` that must work works."""
    flows = [f for f in player.tracked if f.unit == unit and f.must_work]
    return bool(flows) and all(player.sends(f) for f in flows)


def test_push_refuses_a_dependant_until_a_user_is_applied_and_keeps_it_for_the_others(
    root: Path, db_url: str
) -> None:
    """The store's side: plans stored with their holdings and parts, pushes recorded."""
    _player, plans, registry = plan_all(root)
    (pe, users), *_ = by_pe(plans).items()
    (builder, _), (dependant, _) = users[:2]
    store = open_store(db_url)
    try:
        ids = {
            plan.unit: store.add_plan(
                plan.unit,
                None,
                "p",
                "d",
                {"parts": get_host_parts(plan, DIALECTS), "survey_run": 1},
                registry.get_claims(plan.unit),
            )
            for plan in (builder, dependant)
        }
        first, second = ids[builder.unit], ids[dependant.unit]
        built = get_host_part(store, str(first), pe)
        depends = get_host_part(store, str(second), pe)
        assert built.session is not None and built.session["builder"] is None
        assert depends.session is not None and depends.session["builder"] is not None

        def record(plan_id: int, action: str) -> None:
            push = store.start_push(plan_id, pe, action, "backup", {})
            store.finish_push(push, "applied", None, "after", {})

        refusal = check_built(store, depends)
        assert refusal and f"push plan {first} ({builder.unit}) on {pe} first" in refusal
        assert check_built(store, built) is None  # the builder needs nobody
        record(first, "apply")
        assert check_built(store, depends) is None
        record(second, "apply")
        assert get_users(store, built) == [second] and get_users(store, depends) == [first]
        kept = get_session_rollback(built, get_users(store, built))
        assert kept.lines == built.rollback_keep and kept.keep
        record(first, "rollback")  # the session stays: the dependant still uses it
        assert get_users(store, depends) == []
        last = get_session_rollback(depends, get_users(store, depends))
        assert last.drop and last.lines == depends.rollback_last
        record(second, "rollback")  # the last user: the session gone, the builder needed again
        refusal = check_built(store, depends)
        assert refusal and f"push plan {first} ({builder.unit}) on {pe} first" in refusal
        store.cancel_plan(first)
        refusal = check_built(store, depends)
        assert refusal and "no plan that builds it is left" in refusal
    finally:
        store.dispose()
