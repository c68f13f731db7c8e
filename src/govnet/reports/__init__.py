"""The reports people read, as a registry: one module per report, each holding its rows
(read from the store) and how every output shows them (govnet.reports.base.ReportSpec).

The files (CSV, JSON), the workbook statistics.xlsx, the web page index.html and the
command line (`govnet report ...`) iterate :data:`REGISTRY` in its order. A new report is
one module here (its ``REPORT``), listed below; and, when it draws a section of the page,
its template under data/reports/. It gets `govnet report <name>` by being listed.
"""

from __future__ import annotations

from typing import Any

from govnet.reports import contacts, coverage, deadlines, exits, lines, progress
from govnet.reports.base import ReportSpec

# The order of the workbook's sheets, the page's sections and `report all`'s files.
REGISTRY: tuple[ReportSpec[Any], ...] = (
    coverage.REPORT,
    progress.REPORT,
    exits.REPORT,
    lines.REPORT,
    deadlines.REPORT,
    contacts.REPORT,
)


def get_registry() -> tuple[ReportSpec[Any], ...]:
    """The registry as it is now (a test may register a report of its own)."""
    return REGISTRY


def get_report(name: str) -> ReportSpec[Any]:
    """A report of the registry by its name (KeyError when there is none such)."""
    for report in get_registry():
        if report.name == name:
            return report
    raise KeyError(name)


def get_shown(name: str) -> list[ReportSpec[Any]]:
    """What `govnet report <name>` shows: that report, then those shown with it."""
    return [get_report(name), *(r for r in get_registry() if r.shown_with == name)]
