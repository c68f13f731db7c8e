"""Report files under ``reports/<date>/``: each report's tables as CSV and its document as
JSON, the workbook and the web page, written whole (a temporary file renamed into place, so
a reader never sees half a report)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from govnet.model.files import neutralise_csv_cell, write_atomically
from govnet.model.problems import UsageError
from govnet.reports.base import ReportSpec
from govnet.reports.bundle import Reports

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
    r"""CSV with a header row; UTF-8 with a byte-order mark so Excel reads the Chinese. Text
    from inventories and devices never runs as a formula (:func:`neutralise_csv_cell`);
    numbers are written as numbers.

    >>> rows_to_csv([{"unit": "=HYPERLINK(1)", "saving": -1200.5}]).splitlines()
    ['\ufeffunit,saving', '\t=HYPERLINK(1),-1200.5']
    """
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows({k: _to_cell(v) for k, v in row.items()} for row in rows)
    return "\ufeff" + buffer.getvalue()


def _to_cell(value: Any) -> Any:
    return neutralise_csv_cell(value) if isinstance(value, str) else value


def write_csv(path: Path, rows: Sequence[Mapping[str, Any]]) -> Path:
    write_atomically(path, rows_to_csv(rows))
    return path


def write_json(path: Path, data: Any) -> Path:
    write_atomically(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    return path


def write_files(
    folder: Path, reports: Reports, shown: Sequence[ReportSpec[Any]], formats: Sequence[str]
) -> list[Path]:
    """The shown reports' CSV tables and JSON documents in ``folder``, as asked: for each
    format in the order asked, each report in the order shown."""
    written = []
    for fmt in [f for f in formats if f in FORMATS]:
        for report in shown:
            data = reports.data_of(report)
            if fmt == "csv":
                for stem, rows in report.tables(data).items():
                    written.append(write_csv(folder / f"{stem}.csv", rows))
            elif report.json_file:
                written.append(write_json(folder / f"{report.name}.json", data))
    return written


def write_reports(
    reports_dir: Path,
    reports: Reports,
    registry: Sequence[ReportSpec[Any]],
    formats: Sequence[str],
    lang: str = "zh",
) -> tuple[Path, list[Path]]:
    """Every report's files in ``reports/<date>/``: tables as csv/json, statistics.xlsx,
    index.html (openpyxl and Jinja2 are loaded only when the workbook or the page is asked)."""
    folder = get_report_dir(reports_dir, reports.made_at.date())
    written = write_files(folder, reports, registry, formats)
    if "xlsx" in formats:
        from govnet.reports.workbook import reports_to_sheets, write_workbook

        path = folder / "statistics.xlsx"
        day = reports.settings.local(reports.made_at).date()
        sheets = reports_to_sheets(reports, registry)
        write_workbook(path, sheets, reports.settings.statistics, day)
        written.append(path)
    if "html" in formats:
        from govnet.reports.webpage import reports_to_html

        path = folder / "index.html"
        write_atomically(path, reports_to_html(reports, registry, lang))
        written.append(path)
    return folder, written
