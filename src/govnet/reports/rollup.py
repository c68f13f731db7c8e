"""A province store's coverage: the roll-up of its counties' submissions for one month
(issue 21 item 4). A county with no submission for the month is 未上报, in no total: the
rates are over what was reported, so a silent county never reads as 0%."""

from __future__ import annotations

from typing import TYPE_CHECKING

from govnet.model.divisions import DivisionCodeError, DivisionTree, Level, to_full_code
from govnet.reports.coverage import (
    COUNTRY,
    CoverageError,
    CoverageReport,
    UnitPlace,
    get_coverage,
    get_root_code,
)

if TYPE_CHECKING:
    from govnet.store import Store


def coverage_from_submissions(
    store: Store,
    tree: DivisionTree,
    period: str | None = None,
    division: str | None = None,
    deepest: Level = Level.TOWN,
) -> CoverageReport:
    """A province store's roll-up of its counties' submissions for ``period`` (default: the
    newest any county sent), below ``division`` (default: the smallest division holding the
    store's units, else every county that ever submitted: a county silent this month is
    still a row). A county with no submission for the period is 未上报 and in
    no total: the rates are over what was reported."""
    periods = store.get_submission_periods()
    if not periods:
        raise CoverageError("no county submission yet: `govnet submission import FILE` first")
    period = period or periods[-1]
    submissions = store.get_submissions(period)
    if not submissions:
        raise CoverageError(f"no county submitted for {period} (months: {', '.join(periods)})")
    places: list[UnitPlace] = []
    for sub in submissions:
        content = sub["content"]
        access = {
            u["unit"]: u.get("connected_by")
            for u in content["classification"]["units"]
            if u.get("category") is not None
        }
        places += [
            UnitPlace(u["key"], u["division_code"], access.get(u["key"]))
            for u in content["snapshot"]["units"]
        ]
    if division in ("all", "CN"):
        root = ""
    elif division:
        try:
            root = to_full_code(division)
        except DivisionCodeError as exc:
            raise CoverageError(f"--division {division!r}: {exc}") from None
        if tree.get(root) is None:
            raise CoverageError(f"--division {division}: no such division in the NBS data")
    else:
        units = store.get_inventory_rows("units")
        root = get_root_code(
            [u["division_code"] for u in units]
            or [c.ljust(12, "0") for c in store.get_submission_counties()]
        )
    reported = {sub["county"] for sub in submissions}
    rows = get_coverage(tree, places, root, deepest, (), reported)
    name = tree.get_full_name(root) if root else COUNTRY
    return CoverageReport(root, name, deepest, None, None, rows, period=period)
