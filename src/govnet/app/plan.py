"""Make the cutover plans of a classification, write them and record them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from govnet.app.classify import SurveyGaps, check_survey, get_survey_gaps
from govnet.app.project import Project
from govnet.model.plans import ChangeWindow, Plan
from govnet.plan import (
    RUNBOOKS,
    TEMPLATES,
    PlanError,
    PlanInput,
    get_host_parts,
    get_plan_digest,
    get_unsurveyed_hosts,
    make_plan,
    write_plan,
)
from govnet.plan.registry import Registry
from govnet.push import APPLY, get_push_states
from govnet.push.journal import get_unfinished_pushes
from govnet.store import get_os_user


@dataclass(frozen=True)
class WrittenPlan:
    plan: Plan
    path: Path
    plan_id: int
    missing_hosts: tuple[str, ...] = ()  # devices it concerns that the survey did not read


@dataclass(frozen=True)
class Plans:
    written: list[WrittenPlan]
    gaps: SurveyGaps  # what the survey behind them lacks


def make_plans(
    project: Project,
    units: Sequence[str],
    classify_run_id: int | None = None,
    allow_incomplete: bool = False,
    window: str | None = None,
) -> Plans:
    """Plans for ``units`` (every unit with something to do when empty) from a stored
    classification (the latest by default) and its snapshot: each written under
    ``reports/plans/`` and recorded, its links kept from every later plan's. An unfinished
    survey is refused unless ``allow_incomplete``; then each plan is blocked on the devices
    it concerns that were not read. ``window``: the change window the plans are made for
    ("2026-12-20 22:00-02:00"; by default the policy's ``migration.window``, if any)."""
    policy = project.load_policy()
    change_window = get_window(window, policy.migration.window if policy.migration else None)
    platforms = project.load_platforms()
    dialects = platforms.get_dialects()
    made_at = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    with project.store() as store:
        runs = store.get_classify_runs()
        if classify_run_id is None and runs:
            classify_run_id = runs[-1]["id"]
        run = next((r for r in runs if r["id"] == classify_run_id), None)
        classification = store.get_classification(classify_run_id) if run else None
        if run is None or classification is None:
            which = (
                "no classification yet"
                if classify_run_id is None
                else (f"no classification {classify_run_id}")
            )
            raise PlanError(f"{which}: run `govnet classify` first")
        snapshot = store.get_snapshot(run["survey_run_id"])
        gaps = get_survey_gaps(store, snapshot)
        check_survey(gaps, allow_incomplete, "the plans")
        configs = store.get_running_configs(run["survey_run_id"], platforms.get_config_commands())
        known = [u.key for u in snapshot.units]
        unknown = [u for u in units if u not in known]
        if unknown:
            raise PlanError(f"unknown unit(s): {', '.join(unknown)} (see `govnet inventory check`)")
        inp = PlanInput(
            classification,
            snapshot,
            configs,
            policy,
            dialects,
            project.search_path(TEMPLATES),
            classify_run_id,
            window=change_window,
        )
        runbooks = project.search_path(RUNBOOKS)
        reports = project.root / "reports"
        written = []
        with store.locked("plans"):  # one registry: a plan made elsewhere meanwhile is seen
            registry = Registry.from_snapshot(snapshot, store.get_plan_holdings())
            for unit in units or known:
                plan = make_plan(inp, unit, registry)
                if not units and not plan.steps and not plan.blocked:
                    continue
                missing = tuple(get_unsurveyed_hosts(inp, unit))
                path = write_plan(plan, reports, get_os_user(), made_at, runbooks, dialects)
                plan_id = store.add_plan(
                    unit,
                    classify_run_id,
                    str(path),
                    get_plan_digest(plan),
                    {
                        "links": [str(n) for n in plan.links],
                        "city_requests": [r.to_dict() for r in plan.requests],
                        "system_requests": [r.to_dict() for r in plan.system_requests],
                        "hosts": plan.hosts,
                        "steps": len(plan.steps),
                        "blocked": len(plan.blocked),
                        "monthly_saving": plan.monthly_saving,
                        "annual_saving": plan.annual_saving,
                        "cancel": [c.circuit_id or c.key for c in plan.cancel],
                        "survey_run": plan.survey_run_id,
                        "parts": get_host_parts(plan, dialects),
                        "missing_hosts": list(missing),
                    },
                    registry.get_claims(unit),
                )
                written.append(WrittenPlan(plan, path, plan_id, missing))
    return Plans(written, gaps)


def get_window(given: str | None, default: str | None) -> ChangeWindow | None:
    """The change window from `plan --window`, else from the policy; bad text names where."""
    text, where = (given, "--window") if given is not None else (default, "migration.window")
    if text is None:
        return None
    try:
        return ChangeWindow.parse(text)
    except ValueError as e:
        source = "" if given is not None else " in playbooks/policy.yaml"
        raise PlanError(f"{where}{source}: {e}") from None


def cancel_plan(project: Project, plan_id: int) -> None:
    """Cancel a plan: the RDs, RTs, VLANs and links it took go back to the district registry.
    Refused while any of its hosts still carries its change (applied and not rolled back) or
    has an unfinished push: those values are on a device until it is undone."""
    with project.store() as store:
        if store.get_plan(plan_id) is None:
            raise PlanError(f"no plan {plan_id} (see `govnet plan --all --json` or reports/plans/)")
        pushes = store.get_pushes(plan_id)
        applied = [h for h, state in get_push_states(pushes).items() if state == APPLY]
        unfinished = [
            p["hostname"] for p in get_unfinished_pushes(store) if p["plan_id"] == plan_id
        ]
        if applied or unfinished:
            hosts = ", ".join(dict.fromkeys([*applied, *unfinished]))
            raise PlanError(
                f"plan {plan_id} is still on {hosts}: roll it back first"
                f" (`govnet push {plan_id} --host HOST --rollback --commit`), then cancel it"
            )
        store.cancel_plan(plan_id)
