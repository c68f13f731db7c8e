"""Classify a stored snapshot and keep the result; read a stored classification; explain one
of its verdicts."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from govnet.app.project import Project
from govnet.classify import classify, get_policy_digest
from govnet.classify.explain import Explanation, NotFoundError, explain_subject
from govnet.model.policy import Policy
from govnet.model.problems import UsageError
from govnet.model.verdicts import Classification, StoredClassification
from govnet.store import Store


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


def classify_project(project: Project, run_id: int | None = None) -> StoredClassification:
    """The project's latest survey run (or ``run_id``) classified with its policy, stored."""
    policy = project.load_policy()
    names = project.load_platforms().get_all_interface_names()
    with project.store() as store:
        return classify_store(store, policy, run_id, names)


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


def explain(project: Project, subject: str, classify_run_id: int | None = None) -> Explanation:
    """The full reasoning for one network, line or unit of a stored classification."""
    result = get_classification(project, classify_run_id)
    try:
        return explain_subject(result, subject, project.load_policy())
    except NotFoundError as exc:
        raise UsageError(str(exc)) from None
