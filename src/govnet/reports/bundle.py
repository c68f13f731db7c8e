"""Every report's rows read at once: what `govnet report all` writes and the demo shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from govnet.model.settings import Settings
from govnet.reports.base import Reading, ReportSpec
from govnet.reports.coverage import REPORT as COVERAGE
from govnet.reports.coverage import CoverageReport
from govnet.reports.progress import REPORT as PROGRESS
from govnet.reports.progress import ProgressReport

R = TypeVar("R")


@dataclass(frozen=True)
class Reports:
    """Each report's rows by its name, and when they were read."""

    rows: dict[str, Any]
    made_at: dt.datetime
    settings: Settings = field(default_factory=Settings)  # time zone, the workbook's block
    _data: dict[str, dict[str, Any]] = field(default_factory=dict, init=False, repr=False)

    def rows_of(self, report: ReportSpec[R]) -> R:
        return cast(R, self.rows[report.name])

    def data_of(self, report: ReportSpec[Any]) -> dict[str, Any]:
        """The report's JSON document, made once."""
        if report.name not in self._data:
            self._data[report.name] = report.data(self.rows[report.name])
        return self._data[report.name]

    @property
    def coverage(self) -> CoverageReport:
        """The coverage: the place reported on, and what the page's key figures start from."""
        return self.rows_of(COVERAGE)

    @property
    def progress(self) -> ProgressReport:
        return self.rows_of(PROGRESS)


def load_reports(
    reading: Reading, registry: Sequence[ReportSpec[Any]], made_at: dt.datetime | None = None
) -> Reports:
    """Every report of the registry read from the store (``reading``), in its order."""
    rows = {report.name: reading.rows_of(report) for report in registry}
    made = made_at or dt.datetime.now(reading.settings.zone)
    return Reports(rows, made, reading.settings)
