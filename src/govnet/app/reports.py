"""The reports of a project: read from its store with its policy's deadlines and the bundled
divisions, and written under its reports/<date>/ folder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from govnet.app.project import Project
from govnet.model.divisions import Level, get_bundled_tree
from govnet.model.settings import load_settings
from govnet.model.submission import check_period
from govnet.reports import files, get_registry
from govnet.reports.base import Reading, ReportSpec
from govnet.reports.bundle import Reports
from govnet.reports.bundle import load_reports as load_from_store
from govnet.reports.coverage import REPORT as COVERAGE
from govnet.reports.coverage import coverage_from_store
from govnet.reports.files import ReportError
from govnet.reports.province import province_from_submissions
from govnet.reports.province_views import PROVINCE_REPORTS
from govnet.reports.rollup import coverage_from_submissions

# What a province store (county submissions, no survey of its own) reports.
PROVINCE_SHOWN = ("coverage", *(r.name for r in PROVINCE_REPORTS))


def load_reports(
    project: Project,
    division: str | None = None,
    level: Level = Level.TOWN,
    registry: Sequence[ReportSpec[Any]] | None = None,
) -> Reports:
    """Every report of the registry (or of ``registry``: those a command shows), read from
    the project's store once; ``division`` and ``level`` choose the coverage's rows."""
    policy, settings = project.load_policy(), load_settings(project.root)
    today = dt.datetime.now(settings.zone).date()
    with project.store() as store:
        reading = Reading(
            store, get_bundled_tree(), policy.deadlines, today, division, level, settings
        )
        return load_from_store(reading, get_registry() if registry is None else registry)


def load_coverage(
    project: Project,
    classification: int | None = None,
    division: str | None = None,
    level: Level = Level.TOWN,
    period: str | None = None,
) -> Reports:
    """The coverage alone, of a stored classification (default: the latest; in a province
    store, the roll-up of its counties' submissions for ``period``, default the newest)."""
    settings = load_settings(project.root)
    with project.store() as store:
        province = store.get_submission_periods()
        if period is not None:
            check_province_period(period, province)
        if classification is None and province:  # a province's store
            rows = coverage_from_submissions(store, get_bundled_tree(), period, division, level)
        else:
            rows = coverage_from_store(
                store, get_bundled_tree(), classification, division, level, settings.zone
            )
    return Reports({COVERAGE.name: rows}, dt.datetime.now(settings.zone), settings)


def write_reports(
    project: Project,
    reports: Reports,
    formats: Sequence[str],
    lang: str = "zh",
    registry: Sequence[ReportSpec[Any]] | None = None,
) -> tuple[Path, list[Path]]:
    """Every report's files (``formats``: csv, json, xlsx, html) in reports/<date>/."""
    shown = get_registry() if registry is None else registry
    return files.write_reports(project.root / "reports", reports, shown, formats, lang)


def write_report_files(
    project: Project, reports: Reports, shown: Sequence[ReportSpec[Any]], formats: Sequence[str]
) -> list[Path]:
    """The CSV and JSON files of the reports a command shows, in today's reports/<date>/."""
    folder = files.get_report_dir(project.root / "reports", reports.made_at.date())
    return files.write_files(folder, reports, shown, formats)


def check_province_period(period: str, periods: Sequence[str]) -> None:
    """``--period`` is a month, and for a province store only."""
    check_period(period)
    if not periods:
        raise ReportError(
            "--period is for a province store (county submissions, `govnet submission "
            "import`); this store has none: its reports are of its own survey"
        )


def is_province(project: Project) -> bool:
    """Whether the project's store is a province's: it holds county submissions."""
    with project.store() as store:
        return bool(store.get_submission_periods())


def load_province(
    project: Project,
    names: Sequence[str] = PROVINCE_SHOWN,
    period: str | None = None,
    division: str | None = None,
    level: Level = Level.TOWN,
) -> tuple[Reports, list[ReportSpec[Any]]]:
    """A province store's reports ``names`` for ``period`` (default: the newest month any
    county sent), rolled up over the counties that reported, and the specs that show them;
    a report that has no province form is refused, naming those that have."""
    unknown = [n for n in names if n not in PROVINCE_SHOWN]
    if unknown:
        raise ReportError(
            f"report {unknown[0]}: not made on a province store (it holds county submissions, "
            f"not a survey of its own); there: {', '.join(PROVINCE_SHOWN)} and all "
            "(`govnet submission list` shows who reported)"
        )
    settings = load_settings(project.root)
    tree = get_bundled_tree()
    rows: dict[str, Any] = {}
    with project.store() as store:
        if period is not None:
            check_province_period(period, store.get_submission_periods())
        if "coverage" in names:
            rows["coverage"] = coverage_from_submissions(store, tree, period, division, level)
        if any(n != "coverage" for n in names):
            province = province_from_submissions(store, tree, period, division)
            rows |= {r.name: province for r in PROVINCE_REPORTS if r.name in names}
            rows.setdefault("coverage", province.coverage)
    shown: list[ReportSpec[Any]] = [COVERAGE] if "coverage" in names else []
    shown += [r for r in PROVINCE_REPORTS if r.name in names]
    return Reports(rows, dt.datetime.now(settings.zone), settings), shown
