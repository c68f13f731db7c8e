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
from govnet.reports import files, get_registry
from govnet.reports.base import Reading, ReportSpec
from govnet.reports.bundle import Reports
from govnet.reports.bundle import load_reports as load_from_store
from govnet.reports.coverage import REPORT as COVERAGE
from govnet.reports.coverage import coverage_from_store
from govnet.reports.rollup import coverage_from_submissions


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
) -> Reports:
    """The coverage alone, of a stored classification (default: the latest; in a province
    store, the roll-up of its counties' newest month of submissions)."""
    settings = load_settings(project.root)
    with project.store() as store:
        if classification is None and store.get_submission_periods():  # a province's store
            rows = coverage_from_submissions(store, get_bundled_tree(), None, division, level)
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
