"""`govnet submission export|import`: a county hands its month to the province.

Export reads the county's store: the latest classification, the survey snapshot it was made
from, the ledger lines of that snapshot and the plans, in the JSON forms the model already has
(``to_dict``); the period defaults to the month of that survey in the project's time zone.
Import checks the file (schema, checksum: :mod:`govnet.model.submission`), that its county is
under the province store's division and that it is not older than what the store holds, and
writes it in one transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govnet.app.project import Project
from govnet.model.divisions import (
    DivisionCodeError,
    DivisionTree,
    Level,
    get_level_of_full_code,
    to_full_code,
)
from govnet.model.files import write_atomically
from govnet.model.problems import ProblemsError, UsageError
from govnet.model.settings import load_settings
from govnet.model.submission import (
    Submission,
    SubmissionError,
    check_period,
    dump_submission,
    get_checksum,
    load_submission,
    to_period,
)
from govnet.model.verdicts import Classification
from govnet.reports.coverage import get_ancestor_codes, get_root_code
from govnet.store import Store, SubmissionRefusedError


@dataclass(frozen=True)
class ExportResult:
    path: Path
    county: str
    county_name: str
    period: str
    units: int
    hosts: int
    lines: int
    plans: int
    checksum: str

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "path": str(self.path)}


@dataclass(frozen=True)
class ImportResult:
    county: str
    county_name: str
    period: str
    outcome: str  # added, replaced, unchanged
    units: int

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _jsonable(value: Any) -> Any:
    """Dates and times as ISO text, tuples as lists: what JSON holds."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    return str(value)


def _classification(result: Classification, run_id: int) -> dict[str, Any]:
    return {
        "classify_run": run_id,
        "units": [u.to_dict() for u in result.units],
        "lines": [v.to_dict() for v in result.lines],
        "networks": [v.to_dict() for v in result.networks],
        "breaches": [b.to_dict() for b in result.breaches],
        "findings": [f.to_dict() for f in result.findings],
    }


def make_submission(
    store: Store, tree: DivisionTree, zone: dt.tzinfo, period: str | None = None
) -> Submission:
    """The store's latest classification and what it was made from, as one submission."""
    runs = store.get_classify_runs()
    result = store.get_classification()
    if not runs or result is None:
        raise SubmissionError("no classification yet: run `govnet classify` first")
    snapshot = store.get_snapshot(result.survey_run_id)
    root = get_root_code(u.division_code for u in snapshot.units)
    if not root or get_level_of_full_code(root) is not Level.COUNTY:
        raise SubmissionError(
            f"the units are not one county's (they span {root or 'several provinces'}): "
            "a submission is one county's"
        )
    started = {r["id"]: r["started_at"] for r in store.get_survey_runs()}
    survey_at = started.get(result.survey_run_id)
    if period is None:
        if survey_at is None:
            raise SubmissionError("the classification names no survey run: give --period")
        period = to_period(survey_at, zone)
    county_name = tree.get_full_name(root)
    content = {
        "snapshot": {
            "survey_run": snapshot.survey_run_id,
            "started_at": survey_at,
            "campaign": snapshot.campaign,
            "units": snapshot.units,
            "hosts": [
                {
                    **{k: v for k, v in dataclasses.asdict(h).items() if k != "facts"},
                    "facts": h.facts.to_dict() if h.facts is not None else None,
                }
                for h in snapshot.hosts
            ],
        },
        "classification": _classification(result, int(runs[-1]["id"])),
        "ledger": snapshot.lines,
        "plans": store.get_plans(),
    }
    made_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return Submission(root[:6], county_name, period, made_at, _jsonable(content))


def export_submission(project: Project, path: Path, period: str | None = None) -> ExportResult:
    """Write the county's submission to ``path`` (atomically: a half-written file never)."""
    if period is not None:
        check_period(period)
    zone = load_settings(project.root).zone
    with project.store() as store:
        sub = make_submission(store, project.get_tree(store), zone, period)
    data = dump_submission(sub)
    write_atomically(path, data.decode())
    content = sub.content
    return ExportResult(
        path,
        sub.county,
        sub.county_name,
        sub.period,
        len(content["snapshot"]["units"]),
        len(content["snapshot"]["hosts"]),
        len(content["ledger"]),
        len(content["plans"]),
        json.loads(data)["checksum"],
    )


def get_division(project: Project, store: Store, division: str | None) -> str:
    """The province's division (12 digits): ``division``, else the smallest division holding
    the units of the project's inventory (of the store's, when the project has none)."""
    if division:
        try:
            return to_full_code(division)
        except DivisionCodeError as exc:
            raise SubmissionError(f"--division {division!r}: {exc}") from None
    codes = [u["division_code"] for u in store.get_inventory_rows("units")]
    if not codes:
        try:
            inventory, _ = project.check_inventory()
        except (OSError, UsageError, ProblemsError):
            inventory = None
        codes = [u.division_code for u in inventory.units] if inventory is not None else []
    root = get_root_code(codes)
    if not root:
        raise SubmissionError(
            "the project has no units to say which division it collects: give --division CODE"
        )
    return root


def import_submission(project: Project, path: Path, division: str | None = None) -> ImportResult:
    """Check a county's file and load it into the project's (the province's) store."""
    sub = load_submission(path)
    tree = project.get_tree()
    county = sub.county.ljust(12, "0")
    if tree.get(county) is None or get_level_of_full_code(county) is not Level.COUNTY:
        raise SubmissionError(f"{path.name}: {sub.county} is not a county of the NBS divisions")
    outside = [u["key"] for u in sub.get_units() if not u["division_code"].startswith(sub.county)]
    if outside:
        raise SubmissionError(
            f"{path.name}: unit {outside[0]!r} is not in county {sub.county} {sub.county_name}"
        )
    with project.store() as store:
        root = get_division(project, store, division)
        if root not in get_ancestor_codes(county):
            raise SubmissionError(
                f"{path.name}: county {sub.county} {tree.get_full_name(county)} is not under "
                f"this store's division {root} {tree.get_full_name(root)}"
            )
        try:
            outcome = store.put_submission(
                sub.county,
                sub.county_name,
                sub.period,
                sub.version,
                get_checksum(sub.body()),
                sub.made_at,
                sub.content,
                path.name,
            )
        except SubmissionRefusedError as exc:
            raise SubmissionError(f"{path.name}: {exc}") from None
    return ImportResult(sub.county, sub.county_name, sub.period, outcome, len(sub.get_units()))
