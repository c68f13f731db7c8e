"""Survey the project's routers into its store, and read what the runs hold."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govnet.app.project import Project
from govnet.model.facts import FactChange, HostFacts, get_fact_changes
from govnet.model.files import writing_folder
from govnet.model.problems import UsageError
from govnet.survey import SurveyOptions, SurveySummary, run_offline_survey, run_survey
from govnet.survey.collect import Credentials, RawText
from govnet.survey.offline import write_saved_host
from govnet.survey.run import OnHost

OnStart = Callable[[int, str, int], None]


def survey(
    project: Project,
    credentials: Credentials,
    options: SurveyOptions | None = None,
    on_start: OnStart | None = None,
    on_host: OnHost | None = None,
) -> SurveySummary:
    """Every router of the inventory (or the options' share of it) over SSH, into a new run."""
    inventory, platforms = project.get_inventory(), project.load_platforms()
    with project.store() as store:
        return run_survey(
            store, inventory, platforms, credentials, options or SurveyOptions(), on_start, on_host
        )


def survey_offline(
    project: Project,
    folder: Path,
    options: SurveyOptions | None = None,
    on_start: OnStart | None = None,
    on_host: OnHost | None = None,
) -> SurveySummary:
    """Saved outputs (``folder/<host>/<command>.txt`` or ``folder/<host>.cfg``) into a run."""
    if options is not None and options.retry_failed:
        raise UsageError("--retry-failed surveys over SSH; it cannot be used with --offline")
    if options is not None and (options.processes or 1) > 1:
        raise UsageError("--processes splits an SSH survey; --offline reads in one process")
    inventory, platforms = project.get_inventory(), project.load_platforms()
    with project.store() as store:
        return run_offline_survey(
            store, inventory, platforms, folder, options or SurveyOptions(), on_start, on_host
        )


def get_campaign_hosts(project: Project, campaign: str) -> dict[str, dict[str, Any]]:
    """Each host's latest result in a campaign."""
    with project.store() as store:
        return store.get_campaign_hosts(campaign)


def list_runs(project: Project) -> list[dict[str, Any]]:
    with project.store() as store:
        return store.get_survey_runs()


def _pick_run(runs: list[dict[str, Any]], run: int | None) -> dict[str, Any]:
    if not runs:
        raise UsageError("no survey run yet: run `govnet survey` first")
    if run is None:
        return dict(runs[-1])
    found = next((r for r in runs if r["id"] == run), None)
    if found is None:
        raise UsageError(f"no survey run {run} (runs: {runs[0]['id']}..{runs[-1]['id']})")
    return dict(found)


@dataclass(frozen=True)
class HostView:
    run: int
    result: dict[str, Any]
    facts: HostFacts | None


def show_host(project: Project, hostname: str, run: int | None = None) -> HostView:
    """One host's result and facts in a run (the latest by default)."""
    with project.store() as store:
        chosen = _pick_run(store.get_survey_runs(), run)
        results = {h["hostname"]: h for h in store.get_host_results(chosen["id"])}
        if hostname not in results:
            raise UsageError(f"run {chosen['id']} has no result for {hostname}")
        facts = store.get_host_facts(chosen["id"], hostname)
    return HostView(chosen["id"], results[hostname], facts)


def diff_runs(project: Project, run_a: int, run_b: int) -> list[tuple[str, FactChange]]:
    """What changed between two runs, host by host: presence, status, then the facts."""
    with project.store() as store:
        runs = store.get_survey_runs()
        a, b = _pick_run(runs, run_a), _pick_run(runs, run_b)
        results_a = {h["hostname"]: h for h in store.get_host_results(a["id"])}
        results_b = {h["hostname"]: h for h in store.get_host_results(b["id"])}
        changes = []
        for host in sorted(results_a.keys() | results_b.keys()):
            if host not in results_a or host not in results_b:
                missing = run_a if host not in results_a else run_b
                changes.append((host, FactChange("host", host, f"not in run {missing}")))
                continue
            status_a, status_b = results_a[host]["status"], results_b[host]["status"]
            if status_a != status_b:
                changes.append((host, FactChange("status", host, "changed", status_a, status_b)))
            if "failed" in (status_a, status_b):
                continue  # a failed host has no facts to compare
            before = store.get_host_facts(a["id"], host) or HostFacts()
            after = store.get_host_facts(b["id"], host) or HostFacts()
            changes += [(host, c) for c in get_fact_changes(before, after)]
    return changes


SYSTEM_FOLDERS = (Path("/proc"), Path("/sys"), Path("/dev"))


def check_export_target(folder: Path) -> None:
    """An export goes into a new (or empty) folder of an ordinary file system: never over a
    file, into files already there, or into the kernel's /proc, /sys or /dev."""
    resolved = folder.resolve()
    if any(resolved == s or s in resolved.parents for s in SYSTEM_FOLDERS):
        raise UsageError(f"{folder}: a system folder (/proc, /sys, /dev) takes no export")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file, not a folder: nothing written")
    blocker = next((p for p in folder.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise UsageError(f"{blocker} is a file, not a folder: cannot make {folder}")
    if folder.is_dir() and any(folder.iterdir()):
        raise UsageError(f"{folder} is not empty: export into a new or empty folder")


def export_run(project: Project, folder: Path, run: int | None = None) -> tuple[int, int]:
    """A run's raw outputs in the offline layout; (hosts written, the run). The folder is
    filled aside and put in place whole, so a failure leaves nothing half-written."""
    check_export_target(folder)
    with project.store() as store:
        chosen = _pick_run(store.get_survey_runs(), run)
        count = 0
        try:
            with writing_folder(folder) as work:
                for result in store.get_host_results(chosen["id"]):
                    hostname = result["hostname"]
                    outputs = store.get_raw_outputs_with_encoding(chosen["id"], hostname)
                    if outputs:
                        write_saved_host(
                            work,
                            hostname,
                            result["platform"],
                            {c: RawText(t, e) for c, (t, e) in outputs.items()},
                        )
                        count += 1
        except (PermissionError, FileNotFoundError, NotADirectoryError) as exc:
            raise UsageError(f"cannot write the export to {folder}: {exc.strerror}") from None
    return count, int(chosen["id"])
