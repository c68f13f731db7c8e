"""Classify a stored snapshot and keep the result."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from govnet.classify import classify, get_policy_digest
from govnet.model.policy import Policy
from govnet.model.verdicts import StoredClassification
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
