"""`govnet submission list`: who reported to the province store for a month, when, from
which file and by whom; who is late and who is missing.

A month's submission is due by day ``due_day`` (default 25) of the month after it, in the
project's time zone: the monthly survey runs on the 20th and the province's statistics are
read after the counties' files are in (issue 21 item 2's schedule). One imported after
that day is late (逾期); a county below the store's division with no file for the month is
missing (未上报), with the newest month it did send, if any.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from govnet.app.project import Project
from govnet.model.divisions import Level, get_bundled_tree
from govnet.model.settings import load_settings
from govnet.model.submission import SubmissionError, check_period
from govnet.reports.rollup import coverage_from_submissions

DUE_DAY = 25
ON_TIME, LATE, MISSING = "按时上报", "逾期上报", "未上报"


@dataclass(frozen=True)
class SubmissionEntry:
    """One county's line of the list for the month."""

    county: str  # 6 digits
    name: str
    status: str  # ON_TIME, LATE, MISSING
    period: str | None = None  # the month's file (None: none)
    imported_at: dt.datetime | None = None  # in the project's zone
    imported_by: str | None = None
    file_name: str | None = None
    checksum: str | None = None
    made_at: str | None = None  # when the county exported it (ISO, UTC)
    latest: str | None = None  # the newest month it sent (when missing for this one)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["imported_at"] = self.imported_at.isoformat() if self.imported_at else None
        return data


@dataclass(frozen=True)
class SubmissionList:
    period: str
    due: dt.date
    division: str
    division_name: str
    entries: list[SubmissionEntry]

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "due": self.due.isoformat(),
            "division": self.division,
            "division_name": self.division_name,
            "counties": [e.to_dict() for e in self.entries],
        }


def get_due_date(period: str, due_day: int = DUE_DAY) -> dt.date:
    """The day a month's submission is due by: ``due_day`` of the month after.

    >>> get_due_date("2026-12")
    datetime.date(2027, 1, 25)
    """
    year, month = (int(p) for p in period.split("-"))
    return dt.date(year + month // 12, month % 12 + 1, due_day)


def list_submissions(
    project: Project,
    period: str | None = None,
    division: str | None = None,
    due_day: int = DUE_DAY,
) -> SubmissionList:
    """Every county below the store's division for ``period`` (default: the newest month
    any county sent): its file, or missing."""
    if period is not None:
        check_period(period)
    if not 1 <= due_day <= 28:
        raise SubmissionError(f"--due-day {due_day}: a day of the month, 1 to 28")
    settings = load_settings(project.root)
    with project.store() as store:
        coverage = coverage_from_submissions(
            store, get_bundled_tree(), period, division, Level.COUNTY
        )
        index = store.get_submission_index()
    month = coverage.period
    assert month is not None
    due = get_due_date(month, due_day)
    sent = {(r["county"], r["period"]): r for r in index}
    newest: dict[str, str] = {}
    for row in index:
        newest[row["county"]] = max(row["period"], newest.get(row["county"], row["period"]))
    entries = []
    for place in coverage.rows:
        if place.level is not Level.COUNTY:
            continue
        county = place.code[:6]
        found = sent.get((county, month))
        if found is None:
            entries.append(SubmissionEntry(county, place.name, MISSING, latest=newest.get(county)))
            continue
        imported = settings.local(found["imported_at"])
        entries.append(
            SubmissionEntry(
                county,
                place.name,
                LATE if imported.date() > due else ON_TIME,
                month,
                imported,
                found["imported_by"],
                found["file_name"],
                found["checksum"],
                found["made_at"],
                newest.get(county),
            )
        )
    return SubmissionList(month, due, coverage.root, coverage.root_name, entries)
