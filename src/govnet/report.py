"""Report files: each report's tables as CSV and JSON under ``reports/<date>/``, written whole
(a temporary file renamed into place, so a reader never sees half a report)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from govnet.problems import UsageError

FORMATS = ("csv", "json")


class ReportError(UsageError):
    """A report option cannot be used; the message says why."""


def get_formats(text: str | None) -> list[str]:
    """``csv,json`` as a list, checked.

    >>> get_formats("json, csv")
    ['json', 'csv']
    >>> get_formats("pdf")
    Traceback (most recent call last):
    ...
    govnet.report.ReportError: --format: 'pdf' is not one of csv, json
    """
    formats = [f.strip().lower() for f in (text or "").split(",") if f.strip()]
    for name in formats:
        if name not in FORMATS:
            raise ReportError(f"--format: {name!r} is not one of {', '.join(FORMATS)}")
    return formats


def get_report_dir(reports: Path, day: dt.date) -> Path:
    return reports / day.isoformat()


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


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
    for fmt in formats:
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
            write_csv(folder / "progress-deadlines.csv", data["deadlines"]),
        ]
    if "json" in formats:
        written.append(write_json(folder / "progress.json", data))
    return written
