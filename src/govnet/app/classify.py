"""Classify a stored snapshot and keep the result; read a stored classification; explain one
of its verdicts."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from govnet.app.project import Project
from govnet.classify import classify, get_policy_digest
from govnet.classify.explain import Explanation, NotFoundError, explain_subject
from govnet.model.policy import Policy
from govnet.model.problems import UsageError
from govnet.model.snapshot import Snapshot
from govnet.model.verdicts import Classification, StoredClassification
from govnet.store import Store

ALLOW_INCOMPLETE = "--allow-incomplete"


@dataclass(frozen=True)
class SurveyGaps:
    """How complete the survey behind a snapshot is: its run's status, the runs of its
    campaign still running, and the inventory's hosts it holds no result for."""

    run_id: int
    status: str  # complete, incomplete, running
    running: tuple[int, ...]  # runs of the snapshot still running
    missing: tuple[str, ...]  # inventory hosts without any result in the snapshot
    hosts: int  # inventory hosts in the snapshot

    @property
    def complete(self) -> bool:
        return self.status == "complete" and not self.running

    def describe(self) -> str:
        """One line: which run, what state, how many hosts have no result (a few named)."""
        if self.running:
            runs = ", ".join(str(r) for r in self.running)
            state = f"survey run {self.run_id} is still running" + (
                "" if self.running == (self.run_id,) else f" (runs {runs} of its campaign)"
            )
        else:
            state = f"survey run {self.run_id} is {self.status}"
        return f"{state}: {len(self.missing)} of {self.hosts} host(s) have no result" + (
            f" ({_some(self.missing)})" if self.missing else ""
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "status": "running" if self.running else self.status,
            "complete": self.complete,
            "missing_hosts": list(self.missing),
        }


def _some(names: tuple[str, ...], shown: int = 5) -> str:
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def get_survey_gaps(store: Store, snapshot: Snapshot) -> SurveyGaps:
    """What the snapshot lacks: a run killed on this machine is marked incomplete first, so
    a dead survey never passes for a running one."""
    store.mark_abandoned_runs()
    runs = store.get_survey_runs()
    run = next((r for r in runs if r["id"] == snapshot.survey_run_id), None)
    if run is None:
        raise UsageError(f"no survey run {snapshot.survey_run_id}")
    if run["campaign"] is None:
        included = [run]
    else:
        included = [r for r in runs if r["campaign"] == run["campaign"] and r["id"] <= run["id"]]
    running = tuple(r["id"] for r in included if r["status"] == "running")
    inventory = [h for h in snapshot.hosts if h.role is not None]  # the rest: not in it
    missing = tuple(h.hostname for h in inventory if h.status is None)
    return SurveyGaps(run["id"], str(run["status"]), running, missing, len(inventory))


def check_survey(gaps: SurveyGaps, allow_incomplete: bool, what: str) -> None:
    """Refuse an unfinished survey unless the user said to use it anyway."""
    if gaps.complete or allow_incomplete:
        return
    advice = (
        "wait for it to finish, or finish it with `govnet survey --retry-failed`"
        if gaps.running
        else "finish it with `govnet survey --retry-failed`"
    )
    raise UsageError(
        f"{gaps.describe()}: {what} would silently lack them; {advice},"
        f" or add {ALLOW_INCOMPLETE} to use it as it is"
    )


def classify_store(
    store: Store,
    policy: Policy,
    run_id: int | None = None,
    interface_names: Mapping[str, Mapping[str, str]] | None = None,
) -> StoredClassification:
    """Classify a stored snapshot (the latest survey run by default) and store the result."""
    snapshot = store.get_snapshot(run_id)
    if interface_names is not None:
        snapshot = dataclasses.replace(snapshot, interface_names=interface_names)
    result = classify(snapshot, policy)
    del snapshot  # the facts are not needed to store the verdicts: free them first
    classify_run_id = store.add_classification(result, get_policy_digest(policy))
    return StoredClassification(classify_run_id, result)


def classify_project(
    project: Project, run_id: int | None = None, allow_incomplete: bool = False
) -> StoredClassification:
    """The project's latest survey run (or ``run_id``) classified with its policy, stored;
    an unfinished survey refused unless ``allow_incomplete``."""
    return classify_checked(project, run_id, allow_incomplete)[0]


def classify_checked(
    project: Project, run_id: int | None = None, allow_incomplete: bool = False
) -> tuple[StoredClassification, SurveyGaps]:
    """:func:`classify_project`, with what the survey lacks (to say in every output)."""
    policy = project.load_policy()
    names = project.load_platforms().get_all_interface_names()
    with project.store() as store:
        snapshot = store.get_snapshot(run_id)
        gaps = get_survey_gaps(store, snapshot)
        check_survey(gaps, allow_incomplete, "the classification")
        snapshot = dataclasses.replace(snapshot, interface_names=names)
        result = classify(snapshot, policy)
        del snapshot
        classify_run_id = store.add_classification(result, get_policy_digest(policy))
        return StoredClassification(classify_run_id, result), gaps


def get_classification(project: Project, classify_run_id: int | None = None) -> Classification:
    """A stored classification (the latest by default), or a UsageError saying what to do."""
    with project.store() as store:
        result = store.get_classification(classify_run_id)
    if result is None:
        which = (
            "no classification yet"
            if classify_run_id is None
            else f"no classification {classify_run_id}"
        )
        raise UsageError(f"{which}: run `govnet classify` first")
    return result


def get_stored_classification(
    project: Project, classify_run_id: int | None = None
) -> StoredClassification:
    """:func:`get_classification` with its id (the latest by default): read, never made."""
    if classify_run_id is None:
        with project.store() as store:
            runs = store.get_classify_runs()
        if not runs:
            raise UsageError("no classification yet: run `govnet classify` first")
        classify_run_id = int(runs[-1]["id"])
    return StoredClassification(classify_run_id, get_classification(project, classify_run_id))


def explain(project: Project, subject: str, classify_run_id: int | None = None) -> Explanation:
    """The full reasoning for one network, line or unit of a stored classification."""
    result = get_classification(project, classify_run_id)
    try:
        return explain_subject(result, subject, project.load_policy())
    except NotFoundError as exc:
        raise UsageError(str(exc)) from None
