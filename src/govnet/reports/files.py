"""Report files: each report's tables as CSV and JSON under ``reports/<date>/``, written whole
(a temporary file renamed into place, so a reader never sees half a report)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govnet.model.files import write_atomically
from govnet.model.problems import UsageError

if TYPE_CHECKING:
    from govnet.reports.coverage import CoverageReport
    from govnet.model.divisions import DivisionTree, Level
    from govnet.model.policy import Deadline
    from govnet.model.verdicts import Breach
    from govnet.reports.progress import ExitRow, LineRow, ProgressReport
    from govnet.store import Store

FORMATS = ("csv", "json")  # every report
ALL_FORMATS = (*FORMATS, "xlsx", "html")  # `report all`: also the workbook and the web page


class ReportError(UsageError):
    """A report option cannot be used; the message says why."""


def get_formats(text: str | None, allowed: Sequence[str] = FORMATS) -> list[str]:
    """``csv,json`` as a list, checked.

    >>> get_formats("json, csv")
    ['json', 'csv']
    >>> get_formats("pdf")
    Traceback (most recent call last):
    ...
    govnet.reports.files.ReportError: --format: 'pdf' is not one of csv, json
    """
    formats = [f.strip().lower() for f in (text or "").split(",") if f.strip()]
    for name in formats:
        if name not in allowed:
            raise ReportError(f"--format: {name!r} is not one of {', '.join(allowed)}")
    return formats


def get_report_dir(reports: Path, day: dt.date) -> Path:
    return reports / day.isoformat()


def rows_to_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """CSV with a header row; UTF-8 with a byte-order mark so Excel reads the Chinese."""
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return "\ufeff" + buffer.getvalue()


def write_table(
    folder: Path, name: str, data: Mapping[str, Any], rows_key: str, formats: Sequence[str]
) -> list[Path]:
    """``<folder>/<name>.csv`` (the rows) and ``<name>.json`` (everything), as asked."""
    written = []
    for fmt in [f for f in formats if f in FORMATS]:
        path = folder / f"{name}.{fmt}"
        if fmt == "csv":
            written.append(write_csv(path, data[rows_key]))
        else:
            written.append(write_json(path, data))
    return written


def write_csv(path: Path, rows: Sequence[Mapping[str, Any]]) -> Path:
    write_atomically(path, rows_to_csv(rows))
    return path


def write_json(path: Path, data: Any) -> Path:
    write_atomically(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    return path


def write_progress(folder: Path, data: Mapping[str, Any], formats: Sequence[str]) -> list[Path]:
    """progress.json (everything); progress-trend/-units/-deadlines.csv (one table each)."""
    written = []
    if "csv" in formats:
        units = [{k: v for k, v in u.items() if k != "network_status"} for u in data["units"]]
        written += [
            write_csv(folder / "progress-trend.csv", data["points"]),
            write_csv(folder / "progress-units.csv", units),
            write_csv(folder / "progress-divisions.csv", data["divisions"]),
            write_csv(folder / "progress-deadlines.csv", data["deadlines"]),
        ]
    if "json" in formats:
        written.append(write_json(folder / "progress.json", data))
    return written


@dataclass(frozen=True)
class Reports:
    """Everything the reports show, read from the store once."""

    coverage: CoverageReport
    progress: ProgressReport
    exits: list[ExitRow]
    lines: list[LineRow]
    breaches: list[Breach]
    unit_names: dict[str, str]
    made_at: dt.datetime

    def progress_data(self) -> dict[str, Any]:
        """The progress, with its totals per division of the coverage table (the root down
        to towns) as ``divisions``."""
        data = self.progress.to_dict()
        places = {r.code: r for r in self.coverage.rows}
        data["divisions"] = [
            {"code": code, "name": places[code].name, "level": places[code].to_dict()["level"]}
            | tally.to_dict()
            for code, tally in self.progress.get_rows(self.coverage.root)
            if code in places
        ]
        return data

    def exits_data(self) -> dict[str, Any]:
        return {
            "exits": [
                {"unit_name": self.unit_names.get(e.unit, e.unit), **e.to_dict()}
                for e in self.exits
            ],
            "breaches": [b.to_dict() for b in self.breaches],
        }

    def lines_data(self) -> dict[str, Any]:
        rows = [
            {"unit_name": self.unit_names.get(ln.unit, ln.unit), **ln.to_dict()}
            for ln in self.lines
        ]
        totals: dict[str, dict[str, float]] = {}
        for row in rows:
            total = totals.setdefault(
                row["status"], {"lines": 0, "monthly_fee": 0.0, "annual_fee": 0.0}
            )
            total["lines"] += 1
            total["monthly_fee"] += row["monthly_fee"] or 0.0
            total["annual_fee"] += row["annual_fee"] or 0.0
        return {"lines": rows, "totals": totals}


def load_reports(
    store: Store,
    tree: DivisionTree,
    deadlines: Sequence[Deadline],
    today: dt.date,
    division: str | None = None,
    deepest: Level | None = None,
) -> Reports:
    from govnet.reports.coverage import coverage_from_store
    from govnet.model.divisions import Level
    from govnet.reports.progress import (
        ProgressReport,
        get_deadline_states,
        get_exit_rows,
        get_ledger,
        get_line_rows,
        get_snapshots,
        progress_from_store,
    )

    snapshots = get_snapshots(store)
    latest = snapshots[-1]
    coverage = coverage_from_store(
        store, tree, latest.classify_run_id, division, deepest or Level.TOWN
    )
    progress = progress_from_store(store, snapshots)
    root = coverage.rows[0] if coverage.rows else None
    states = get_deadline_states(deadlines, progress.total, {"root": root}, today)
    names = {u["key"]: u["name"] for u in store.get_inventory_rows("units", include_retired=True)}
    return Reports(
        coverage,
        ProgressReport(progress.points, progress.units, states),
        get_exit_rows(snapshots),
        get_line_rows(latest, get_ledger(store)),
        latest.classification.breaches,
        names,
        dt.datetime.now().astimezone(),
    )


def write_reports(
    reports_dir: Path, reports: Reports, formats: Sequence[str], lang: str = "zh"
) -> tuple[Path, list[Path]]:
    """Every report's files in ``reports/<date>/``: tables as csv/json, statistics.xlsx,
    index.html."""
    folder = get_report_dir(reports_dir, reports.made_at.date())
    written = write_table(folder, "coverage", reports.coverage.to_dict(), "rows", formats)
    written += write_progress(folder, reports.progress_data(), formats)
    written += write_table(folder, "exits", reports.exits_data(), "exits", formats)
    written += write_table(folder, "lines", reports.lines_data(), "lines", formats)
    if "xlsx" in formats:
        from govnet.reports.workbook import reports_to_sheets, write_workbook

        path = folder / "statistics.xlsx"
        write_workbook(path, reports_to_sheets(reports))
        written.append(path)
    if "html" in formats:
        from govnet.reports.webpage import reports_to_html

        path = folder / "index.html"
        write_atomically(path, reports_to_html(reports, lang))
        written.append(path)
    return folder, written
