"""The demo as a use case: the whole job on the example district, end to end, told as events.

:func:`run_demo` builds the project, loads it, starts the lab, surveys with two collectors at
once, classifies, plans, pushes the most telling plan and surveys again, stops the lab and
writes every report. It prints nothing: it yields what happens (:class:`Step`, :class:`Say`,
and the tables :class:`InventoryLoaded`, :class:`Breaches`, :class:`SurveyFailed`) for the
command line to render. The lab is stopped whatever happens, unless ``keep_lab``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govnet.app.classify import classify_project
from govnet.app.inventory import check_inventory, export_ledger_file, load_inventory
from govnet.app.plan import WrittenPlan, make_plans
from govnet.app.project import Project, init_project
from govnet.app.push import push, push_status
from govnet.app.reports import load_reports, write_reports
from govnet.app.survey import get_campaign_hosts, survey
from govnet.model.problems import ProblemsError, UsageError
from govnet.model.verdicts import Breach
from govnet.reports.files import ALL_FORMATS
from govnet.store import SyncResult
from govnet.survey import SurveyOptions, SurveySummary, get_campaign_name
from govnet.survey.collect import Credentials
from govnet_lab.city import get_city_lines, get_system_lines
from govnet_lab.control import (
    FlowState,
    apply_upstream,
    get_lab_flows,
    get_lab_paths,
    start_lab,
    stop_lab,
)
from govnet_lab.district import load_district
from govnet_lab.generate.upstream import CITY
from govnet_lab.server import read_credentials

STEPS = 11


@dataclass(frozen=True)
class Step:
    """A step begins: ``[number/total] text``."""

    number: int
    text: str
    total: int = STEPS


@dataclass(frozen=True)
class Say:
    """A line of what a step found (``markup``: rich markup may be in it, else plain text)."""

    text: str
    markup: bool = True


@dataclass(frozen=True)
class InventoryLoaded:
    sync: SyncResult
    summary: dict[str, Any]


@dataclass(frozen=True)
class Breaches:
    breaches: list[Breach]


@dataclass(frozen=True)
class SurveyFailed:
    summary: SurveySummary


Event = Step | Say | InventoryLoaded | Breaches | SurveyFailed


def run_demo(directory: Path, keep_lab: bool = False) -> Iterator[Event]:
    """Everything built so far, on the example district (see the module doc)."""
    yield Step(1, f"project: {directory}")
    if not (directory / "nornir_config.yaml").exists():
        init_project(directory)
    project = Project.find(directory, None)
    yield Step(2, "inventory check")
    inventory, problems = check_inventory(project)
    if inventory is None:
        raise ProblemsError(problems)
    yield Say(
        f"      ok: {len(inventory.units)} units, {len(inventory.hosts)} devices, "
        f"{len(inventory.lines)} lines"
    )
    yield Step(3, "load into the store")
    loaded = load_inventory(project)
    yield InventoryLoaded(loaded.sync, loaded.summary)
    yield Step(4, "export the ledger (台账) to Excel")
    ledger = project.root / "reports" / "ledger.xlsx"
    ledger.parent.mkdir(parents=True, exist_ok=True)
    rows = export_ledger_file(project, ledger)
    yield Say(f"      {rows} lines written")
    yield Step(5, "start the simulated routers (govnet lab up)")
    lab = start_lab(project.root)
    pushed: list[str] = []
    try:
        yield Say(
            f"      {len(lab.ports)} routers on 127.0.0.1:{lab.ports[0]}-{lab.ports[-1]}"
            f" (pid {lab.pid})"
        )
        yield Step(
            6,
            "survey every router over SSH, two collectors at once"
            " (govnet survey --shard K/2 --campaign C)",
        )
        username, password = read_credentials(lab.paths.credentials)
        credentials = Credentials(username, password)
        yield from _survey(project, credentials, len(lab.ports))
        yield Step(7, "classify every network and line (govnet classify)")
        stored = classify_project(project)
        classified = stored.result
        yield Breaches(classified.breaches)
        targets = Counter(v.target.value for v in classified.networks)
        yield Say(
            f"      classification {stored.classify_run_id}: {len(classified.networks)}"
            f" networks, {len(classified.lines)} lines; networks by target: "
            + ", ".join(f"{t} {n}" for t, n in sorted(targets.items()))
        )
        yield Step(8, "internet exits (govnet exits)")
        own = [u for u in classified.units if u.own_exit]
        yield Say(
            f"      {len(classified.exits)} exits; {len(own)} units with their own exit"
            f" (not compliant): {', '.join(u.unit for u in own)}"
        )
        yield Step(9, "cutover plans for every unit with something to change (govnet plan --all)")
        written = make_plans(project, [], None).written
        steps_total = sum(len(w.plan.steps) for w in written)
        saving = sum(w.plan.annual_saving for w in written)
        yield Say(
            f"      {len(written)} plans, {steps_total} steps; lines to cancel save"
            f" {saving:,.0f} CNY a year; {sum(bool(w.plan.blocked) for w in written)} plans"
            " wait for an extranet access line"
        )
        for manual in (w for w in written if w.plan.manual_hosts):
            yield from _refused(project, manual, credentials)
        chosen = choose_plan(written)
        if chosen is not None:
            yield Step(
                10,
                f"push plan {chosen.plan_id} ({chosen.plan.unit}) to the lab,"
                " host by host (govnet push --commit), and survey again",
            )
            pushed = yield from _push(project, chosen, credentials)
    finally:
        if not keep_lab:
            stop_lab(project.root)
    yield Step(
        11,
        "reports: coverage down to towns, progress over the two surveys, exits,"
        " lines, the statistics workbook and the web page (govnet report all)",
    )
    reports = load_reports(project)
    folder, _ = write_reports(project, reports, ALL_FORMATS)
    top = reports.coverage.rows[0]
    yield Say(
        f"      {top.name}: {top.connected}/{top.units} units connected,"
        f" {top.towns_covered}/{top.towns} towns covered"
    )
    progress = reports.progress
    now = progress.total
    yield Say(
        f"      {now.networks} business networks: {now.migrated} migrated, {now.retained}"
        f" retained, {now.remaining} remaining; own exits closed {now.exits_closed}/"
        f"{now.exits_found}; {sum(d.overdue for d in progress.deadlines)} deadline(s) overdue"
    )
    yield Say(f"demo project: {project.root}")
    yield Say(f"  store:        {project.display_db_url}")
    yield Say(f"  ledger:       {ledger}")
    yield Say(f"  ground truth: {project.root / 'lab' / 'ground_truth.yaml'}")
    yield Say(f"  survey:       govnet --project {project.root} survey show jlp-dsj-core1")
    yield Say(f"  classify:     govnet --project {project.root} classify --show all")
    yield Say(f"  why:          govnet --project {project.root} explain jlp-gongan")
    yield Say(f"  exits:        govnet --project {project.root} exits")
    yield Say(f"  plans:        {project.root / 'reports' / 'plans'}/*/plan.md (and plan.html)")
    yield Say(f"  web page:     {folder / 'index.html'} (one file, opens offline)")
    yield Say(f"  reports:      {folder}/ (statistics.xlsx; every table as csv and json)")
    for line in pushed:
        yield Say(f"  {line}", markup=False)
    if keep_lab:
        yield Say(
            f"  lab running:  source {lab.paths.credentials}; stop it with"
            f" `govnet lab down --project {project.root}`"
        )


def choose_plan(written: list[WrittenPlan]) -> WrittenPlan | None:
    """The plan that shows the most: a vertical network to carry, an own exit to close."""

    def score(w: WrittenPlan) -> tuple[bool, bool, int]:
        approaches = {s.approach for s in w.plan.steps}
        return ("dedicated_vpn" in approaches, "close_exit" in approaches, -w.plan_id)

    ready = [w for w in written if w.plan.steps and not w.plan.blocked and not w.plan.manual_hosts]
    return max(ready, key=score) if ready else None


def _survey(project: Project, credentials: Credentials, routers: int) -> Iterator[Event]:
    """Two collectors, each its half of the inventory, into the one store at once: one
    campaign, every host once."""
    campaign = get_campaign_name()

    def collector(k: int) -> SurveySummary:
        return survey(project, credentials, SurveyOptions(campaign=campaign, shard=(k, 2)))

    with ThreadPoolExecutor(2) as pool:
        summaries = list(pool.map(collector, (1, 2)))
    for k, summary in enumerate(summaries, 1):
        yield Say(
            f"      collector {k}/2: survey run {summary.run_id}, {summary.done}/{summary.hosts}"
            f" hosts in {summary.seconds:.1f} s, {summary.by_status.get('ok', 0)} ok"
        )
        if summary.any_failed:
            yield SurveyFailed(summary)
    hosts = get_campaign_hosts(project, campaign)
    results = sum(summary.done for summary in summaries)
    once = "each once" if results == len(hosts) else f"{results} results"
    yield Say(f"      campaign {campaign}: {len(hosts)}/{routers} hosts, {once}")


def _refused(project: Project, written: WrittenPlan, credentials: Credentials) -> Iterator[Event]:
    """A classified or police network's device: its plan is manual with no automatic rollback,
    and a push with --commit is refused before any connection (recorded as refused)."""
    for host in written.plan.manual_hosts:
        steps = [s for s in written.plan.steps if s.host == host]
        yield Say(
            f"      {host} ({written.plan.unit}): plan {written.plan_id} is manual, on site"
            f" with the secrecy office's (保密办) sign-off, {len(steps)} step(s), no automatic"
            f" rollback: {written.path / 'plan.md'}",
            markup=False,
        )
        result = push(project, str(written.plan_id), host, credentials, commit=True)
        if result.result != "refused" or result.lines:
            raise UsageError(f"the demo's push to {host} was not refused: {result.result}")
        yield Say(
            f"      govnet push {written.plan_id} --host {host} --commit: refused, nothing typed"
            f" (push {result.push_id})",
            markup=False,
        )


def _push(
    project: Project, chosen: WrittenPlan, credentials: Credentials
) -> Generator[Event, None, list[str]]:
    """Push every host of the plan in order, survey again, say what changed; returns the
    lines that tell the user how to undo it."""
    plan = chosen.plan
    hosts = sorted(plan.hosts, key=lambda h: min(s.number for s in plan.steps if s.host == h))
    district = load_district(get_lab_paths(project.root).district)
    for request in plan.requests:  # the city's operator does its side before the PE step
        lines = get_city_lines(district, request)
        refused = apply_upstream(project.root, CITY, lines)
        if refused:
            raise UsageError(f"the lab's {CITY} refused the city's side: {'; '.join(refused)}")
        yield Say(
            f"      {CITY} (the city's operator, govnet lab apply): VPN {request.vpn}, VLAN"
            f" {request.vlan} toward {request.pe}, {len(lines)} lines, as the plan asks",
            markup=False,
        )
    before = {f.id: f for f in get_lab_flows(project.root)}
    for host in hosts:
        numbers = {s.number for s in plan.steps if s.host == host}
        for ask in (r for r in plan.system_requests if r.before_step in numbers):
            node, lines = get_system_lines(district, ask)  # in the window, just before
            refused = apply_upstream(project.root, node, lines)
            if refused:
                raise UsageError(
                    f"the lab's {node} refused the system's side: {'; '.join(refused)}"
                )
            yield Say(
                f"      {node} ({ask.system} operator, govnet lab apply): routes back to"
                f" {', '.join(ask.routes)} via the extranet (VPN {ask.vpn}), as the plan asks",
                markup=False,
            )
        result = push(project, str(chosen.plan_id), host, credentials, commit=True)
        held = sum(h for _, h, _ in result.checks)
        yield Say(
            f"      {host}: {result.result}, {len(result.lines)} lines,"
            f" {held}/{len(result.checks)} checks hold"
            + (f" ({result.reason})" if result.reason else ""),
            markup=False,
        )
        if not result.ok:
            raise UsageError(f"the demo push to {host} failed: {result.reason}")
        yield Say(_flows_after(project, before, host), markup=False)
    status = push_status(project)  # each push journalled and its device lease let go
    yield Say(
        f"      push status: {len(status.unfinished)} unfinished,"
        f" {len(status.running)} running (govnet push status)"
    )
    if status.unfinished or status.running:
        raise UsageError("the demo's pushes left a push unfinished: see govnet push status")
    summary = survey(project, credentials)
    yield Say(f"      survey run {summary.run_id}: {summary.done}/{summary.hosts} hosts")
    after = classify_project(project).result
    for network in after.networks:
        if network.unit == plan.unit and network.rule == "migrated":
            yield Say(f"      {network.key}: migrated ({network.reason})", markup=False)
    unit = next(u for u in after.units if u.unit == plan.unit)
    yield Say(
        f"      {plan.unit}: access class {unit.category},"
        f" own internet exit: {'yes' if unit.own_exit else 'none'}"
    )
    undo = " ; ".join(
        f"govnet --project {project.root} push {chosen.plan_id} --host {h} --rollback --commit"
        for h in reversed(hosts)
    )
    return [f"pushed:       plan {chosen.plan_id} ({plan.unit}); undo with: {undo}"]


def _flows_after(project: Project, before: dict[str, FlowState], host: str) -> str:
    """What the running lab's data plane says of every business flow after a host push
    (``govnet lab flows``): each one that worked and must work still works, none that must
    never work started. A flow broken or leaked stops the demo, naming it."""
    now = get_lab_flows(project.root)
    broken = [f for f in now if f.must_work and before[f.id].works and not f.works]
    leaked = [f for f in now if not f.must_work and not before[f.id].works and f.works]
    if broken or leaked:
        named = ", ".join(f"{f.id} ({f.reason or 'works'})" for f in broken + leaked)
        raise UsageError(f"after the push to {host} these flows are not as they must be: {named}")
    must = [f for f in now if f.must_work]
    return (
        f"      flows (govnet lab flows): {sum(f.works for f in must)}/{len(must)} that must"
        f" work work, {sum(not f.works for f in now if not f.must_work)} that must never work"
        " do not; none broken by the push"
    )
