"""Hard limits per host: a third of the lab's routers stall after login or trickle output
forever; the survey cuts each off within its budget, records it as a timeout, and leaves no
descriptor, thread or SSH transport behind (counted in this process before and after)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from govnet.model.divisions import get_bundled_tree
from govnet.model.inventory_files import get_inventory
from govnet.platforms import load_platforms
from govnet.store import Store, open_store
from govnet.survey import SurveyOptions, SurveySummary, run_survey
from govnet.survey.collect import Budget, Credentials
from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.server import read_credentials

ROUTERS = 30
BUDGET = Budget(connect=5.0, command=2.0, host=6.0)


def survey_lab(
    root: Path, store: Store, credentials: Credentials, options: SurveyOptions
) -> SurveySummary:
    """The survey step over the lab project's inventory and the bundled platforms."""
    inventory = get_inventory(root, get_bundled_tree())
    return run_survey(store, inventory, load_platforms(root), credentials, options)


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("limits") / "county"
    start_lab(
        root,
        county="370702",
        devices=ROUTERS,
        seed=5,
        faults="stall=5,trickle=5",
        first_port=get_free_port_run(ROUTERS),
        timeout=120,
    )
    try:
        yield root
    finally:
        stop_lab(root)


def survey(root: Path, budget: Budget) -> tuple[object, float]:
    user, password = read_credentials(get_lab_paths(root).credentials)
    store = open_store(f"sqlite:///{root}/.govnet/govnet.db")
    try:
        began = time.monotonic()
        summary = survey_lab(
            root, store, Credentials(user, password), SurveyOptions(10, budget=budget)
        )
        return summary, time.monotonic() - began
    finally:
        store.dispose()


def test_stalling_and_trickling_hosts_are_cut_off_and_release_everything(lab: Path) -> None:
    from govnet_lab.district import load_district
    from govnet_lab.model import Fault

    devices = load_district(get_lab_paths(lab).district).devices
    bad = {d.hostname for d in devices if d.faults & {Fault.STALL, Fault.TRICKLE}}
    assert len(bad) == 10
    survey(lab, BUDGET)  # a first run: imports and pools warmed up, as in a long night
    time.sleep(1)
    fds, threads = open_descriptors(), threading.active_count()
    summary, seconds = survey(lab, BUDGET)
    time.sleep(1)
    assert (open_descriptors(), threading.active_count()) == (fds, threads)
    failed = {f["hostname"]: f for f in summary.failed}  # type: ignore[attr-defined]
    assert set(failed) == bad
    assert {f["category"] for f in failed.values()} == {"timeout"}
    # ten bad hosts over ten workers: one round of budgets, not one per command or forever
    assert seconds < BUDGET.connect + BUDGET.host + 10, seconds


def test_the_whole_host_budget_cuts_off_a_device_that_keeps_answering(lab: Path) -> None:
    """With a command budget longer than the host's, only the watchdog stops a trickle."""
    from govnet_lab.district import load_district
    from govnet_lab.model import Fault

    devices = load_district(get_lab_paths(lab).district).devices
    trickling = sorted(d.hostname for d in devices if Fault.TRICKLE in d.faults)
    budget = Budget(connect=5.0, command=60.0, host=3.0)
    user, password = read_credentials(get_lab_paths(lab).credentials)
    store = open_store(f"sqlite:///{lab}/.govnet/govnet.db")
    try:
        began = time.monotonic()
        summary = survey_lab(
            lab,
            store,
            Credentials(user, password),
            SurveyOptions(10, hosts=tuple(trickling), budget=budget),
        )
        seconds = time.monotonic() - began
    finally:
        store.dispose()
    messages = {f["hostname"]: f["message"] for f in summary.failed}
    assert set(messages) == set(trickling)
    assert all("3 s budget" in m for m in messages.values()), messages
    assert seconds < 3.0 + 5.0 + 5, seconds


def test_sharded_collectors_make_one_snapshot_with_every_host_once(lab: Path) -> None:
    """Three collectors, each its part of the inventory, one campaign: every host surveyed by
    exactly one of them, the campaign's snapshot has them all."""
    user, password = read_credentials(get_lab_paths(lab).credentials)
    store = open_store(f"sqlite:///{lab}/.govnet/govnet.db")
    try:
        parts = []
        for k in (1, 2, 3):
            options = SurveyOptions(10, campaign="sharded", budget=BUDGET, shard=(k, 3))
            summary = survey_lab(lab, store, Credentials(user, password), options)
            parts.append({h["hostname"] for h in store.get_host_results(summary.run_id)})
        snapshot = store.get_campaign_hosts("sharded")
    finally:
        store.dispose()
    assert sum(len(p) for p in parts) == ROUTERS == len(set().union(*parts))
    assert all(parts) and set(snapshot) == set().union(*parts)
