"""County submissions to a province store (issue 21 item 4).

Three lab counties of 潍坊市 (16 routers each) are surveyed by the lab's perfect-survey oracle
into their own stores, classified and exported; a province store for 潍坊市 imports them. Each
county's own coverage report is the truth its row in the province's roll-up must equal; 坊子区
(370704) sends nothing and must read 未上报, never 0%, and the city's totals must be the three
counties' sums. A file changed after export, an unknown schema, a county outside the division
and an older month over a newer one are refused, each leaving the store as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import zoneinfo
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from govnet.app.classify import classify_project
from govnet.app.project import Project
from govnet.app.submission import export_submission, import_submission
from govnet.model.divisions import Level, get_bundled_tree
from govnet.model.facts import HostSnapshot
from govnet.model.submission import (
    Submission,
    SubmissionError,
    dump_submission,
    load_submission,
)
from govnet.reports.base import SheetContext, ViewTable
from govnet.reports.coverage import (
    REPORT,
    UNREPORTED,
    CoverageRow,
    coverage_from_store,
)
from govnet.reports.rollup import coverage_from_submissions
from govnet.store import open_store
from govnet_cli import run_govnet
from govnet_lab.district import load_district
from govnet_lab.facts import get_device_facts
from govnet_lab.generate import generate_lab

COUNTIES = {"370702": 3, "370703": 4, "370705": 5}  # county: seed; 370704 sends nothing
MISSING = "370704"
CITY = "370700"
SIZE = 16


def make_county(root: Path, county: str, seed: int) -> Project:
    """A county's project: its lab, surveyed (perfectly) into its own store and classified."""
    district = load_district(generate_lab(root, county, seed, SIZE, None))
    project = Project(root, f"sqlite:///{root / 'county.db'}")
    project.load_inventory_into_store()
    hosts = {h.name: h for h in project.get_inventory().hosts}
    with project.store() as store:
        run = store.start_survey_run("lab oracle")
        store.add_snapshots(
            run,
            [
                HostSnapshot(
                    d.hostname, "ok", d.platform, hosts[d.hostname].unit, facts=get_device_facts(d)
                )
                for d in district.devices
            ],
        )
        store.finish_survey_run(run)
    classify_project(project)
    return project


@pytest.fixture(scope="module")
def counties(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Project, Path]]:
    """Each county's project and its exported submission."""
    out: dict[str, tuple[Project, Path]] = {}
    for county, seed in COUNTIES.items():
        root = tmp_path_factory.mktemp(county)
        project = make_county(root, county, seed)
        out[county] = project, root / f"{county}.json"
        export_submission(project, out[county][1])
    return out


def province(tmp_path: Path, url: str | None = None) -> Project:
    root = tmp_path / "province"
    root.mkdir()
    return Project(root, url or f"sqlite:///{root / 'province.db'}")


def own_row(project: Project) -> CoverageRow:
    """The county's row in its own store's coverage report: the truth for the roll-up."""
    with project.store() as store:
        return coverage_from_store(store, get_bundled_tree(), deepest=Level.COUNTY).rows[0]


def test_province_rollup_says_unreported_and_totals_only_what_was_reported(
    counties: dict[str, tuple[Project, Path]], tmp_path: Path
) -> None:
    prov = province(tmp_path)
    for county, (_, path) in counties.items():
        done = import_submission(prov, path, CITY)
        assert (done.county, done.outcome) == (county, "added")
    with prov.store() as store:
        report = coverage_from_submissions(store, get_bundled_tree(), None, CITY, Level.TOWN)
    rows = {r.code[:6]: r for r in report.rows if r.level is Level.COUNTY}
    truth = {c: own_row(p) for c, (p, _) in counties.items()}
    for county, row in truth.items():
        got = rows[county]
        assert got.reported is True
        assert (got.units, got.connected, got.towns, got.towns_covered) == (
            row.units,
            row.connected,
            row.towns,
            row.towns_covered,
        )
        assert 0 < got.connected < got.units  # the lab has both
    missing = rows[MISSING]
    assert missing.reported is False
    assert (missing.units, missing.towns, missing.rate) == (0, 0, None)
    city = report.rows[0]
    assert city.code[:6] == CITY
    assert city.counties_reported == 3
    assert city.counties == len(rows) > 4  # 潍坊市's every county is a row
    for field in ("units", "connected", "towns", "towns_covered"):
        assert getattr(city, field) == sum(getattr(r, field) for r in truth.values()), field
    # towns of a county that did not report are in no total (not counted uncovered)
    assert all(r.reported is False and r.towns == 0 for r in report.rows if r.code[:6] == MISSING)
    # what people read: 未上报 where the rate would be, never 0.0%
    table = next(v for v in REPORT.view(report, REPORT.data(report)) if isinstance(v, ViewTable))
    line = next(cells for cells in table.rows if cells[1] == MISSING + "000000")
    assert UNREPORTED in line and not any("0.0%" in c for c in line)
    assert "已上报 3/" in table.title
    csv_rows = REPORT.tables(REPORT.data(report))["coverage"]
    assert {r["上报情况"] for r in csv_rows if r["区划代码"].startswith(MISSING)} == {UNREPORTED}
    sheet = REPORT.sheets(report, REPORT.data(report), SheetContext("潍坊市", "各县上报"))[0]
    said = {cells[0]: cells[-1] for cells in sheet.rows}
    assert (said[CITY + "000000"], said[MISSING + "000000"]) == (
        f"已上报 3/{len(rows)}",
        UNREPORTED,
    )


def test_a_tampered_file_is_refused_and_nothing_is_written(
    counties: dict[str, tuple[Project, Path]], tmp_path: Path
) -> None:
    _, path = counties["370702"]
    data = json.loads(path.read_text(encoding="utf-8"))
    unit = next(u for u in data["classification"]["units"] if u["category"] is None)
    unit["category"], unit["connected_by"] = "A", "survey"  # a county looking better
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    prov = province(tmp_path)
    with pytest.raises(SubmissionError, match="checksum does not match"):
        import_submission(prov, tampered, CITY)
    with prov.store() as store:
        assert store.get_submission_periods() == []
    # the same bytes, untouched, load
    assert import_submission(prov, path, CITY).outcome == "added"
    assert import_submission(prov, path, CITY).outcome == "unchanged"


def test_wrong_county_unknown_schema_and_older_month_are_refused(
    counties: dict[str, tuple[Project, Path]], tmp_path: Path
) -> None:
    project, path = counties["370703"]
    prov = province(tmp_path)
    with pytest.raises(SubmissionError, match="not under this store's division 370800"):
        import_submission(prov, path, "370800")  # 济宁市 does not collect 寒亭区
    sub = load_submission(path)
    newer = tmp_path / "newer.json"
    newer.write_bytes(dump_submission(_with(sub, period="2099-01")))
    future = tmp_path / "v2.json"
    future.write_bytes(dump_submission(_with(sub, version=2)))
    with pytest.raises(SubmissionError, match="schema version 2 is unknown"):
        import_submission(prov, future, CITY)
    assert import_submission(prov, newer, CITY).period == "2099-01"
    with pytest.raises(SubmissionError, match=r"holds its submission for 2099-01.*older"):
        import_submission(prov, path, CITY)
    with prov.store() as store:
        assert store.get_submission_periods() == ["2099-01"]
    with project.store() as store:  # the period is the survey's month in Asia/Shanghai
        started = store.get_survey_runs()[-1]["started_at"]
    assert sub.period == get_month(started)


def _with(sub: Submission, **changes: Any) -> Submission:
    return replace(sub, **changes)


def get_month(when: object) -> str:
    assert isinstance(when, dt.datetime)
    aware = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return aware.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")


@pytest.mark.postgres
def test_submissions_in_a_postgresql_province_store(
    counties: dict[str, tuple[Project, Path]], tmp_path: Path, pg_url: str
) -> None:
    prov = province(tmp_path, pg_url)
    for _, path in counties.values():
        import_submission(prov, path, CITY)
    store = open_store(pg_url)
    try:
        report = coverage_from_submissions(store, get_bundled_tree(), None, CITY, Level.COUNTY)
    finally:
        store.dispose()
    assert report.rows[0].counties_reported == 3
    assert {r.code[:6] for r in report.rows if r.reported is False} >= {MISSING}


def test_cli_export_import_and_a_clear_error(
    counties: dict[str, tuple[Project, Path]], tmp_path: Path
) -> None:
    project, _ = counties["370705"]
    env = {k: v for k, v in os.environ.items() if k != "GOVNET_DB_URL"}
    env["GOVNET_DB_URL"] = project.db_url
    out = tmp_path / "370705.json"
    done = run_govnet(project.root, env, "submission", "export", str(out), "--period", "2026-11")
    assert done.returncode == 0, done.stderr
    assert "370705" in done.stdout and load_submission(out).period == "2026-11"
    text = out.read_text(encoding="utf-8").replace('"2026-11"', '"2026-12"')
    (tmp_path / "edited.json").write_text(text, encoding="utf-8")
    prov = tmp_path / "prov.db"
    env["GOVNET_DB_URL"] = f"sqlite:///{prov}"
    refused = run_govnet(
        project.root, env, "submission", "import", str(tmp_path / "edited.json"), "--division", CITY
    )
    assert refused.returncode != 0 and "checksum" in refused.stderr
    assert "Traceback" not in refused.stderr
    loaded = run_govnet(
        project.root, env, "submission", "import", str(out), "--division", CITY, "--json"
    )
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(loaded.stdout)["outcome"] == "added"


def test_each_month_is_its_own_rollup(
    counties: dict[str, tuple[Project, Path]], tmp_path: Path
) -> None:
    """A county that sent last month but not this one is 未上报 this month (never carried
    over); the report reads the newest month unless told (here through `report coverage`'s
    use case)."""
    from govnet.app.reports import load_coverage

    prov = province(tmp_path)
    old = load_submission(counties["370702"][1])
    import_submission(prov, counties["370702"][1], CITY)
    later = tmp_path / "later.json"
    sub = load_submission(counties["370703"][1])
    later.write_bytes(dump_submission(_with(sub, period="2099-01")))
    import_submission(prov, later, CITY)
    newest = load_coverage(prov, division=CITY, level=Level.COUNTY).rows["coverage"]
    assert newest.period == "2099-01"
    state = {r.code[:6]: r.reported for r in newest.rows if r.level is Level.COUNTY}
    assert (state["370702"], state["370703"]) == (False, True)
    with prov.store() as store:
        first = coverage_from_submissions(store, get_bundled_tree(), old.period, CITY)
    state = {r.code[:6]: r.reported for r in first.rows if r.level is Level.COUNTY}
    assert (state["370702"], state["370703"]) == (True, False)


def test_a_file_made_by_hand_with_a_good_checksum_is_still_checked(
    counties: dict[str, tuple[Project, Path]], tmp_path: Path
) -> None:
    """Someone who recomputes the checksum gets past it, not past the shape the province
    reads: the error names the field, nothing is loaded."""
    sub = load_submission(counties["370705"][1])
    units = [dict(u) for u in sub.get_units()]
    units[2]["division_code"] = "3707"
    snapshot = {**sub.content["snapshot"], "units": units}
    forged = tmp_path / "forged.json"
    forged.write_bytes(dump_submission(_with(sub, content={**sub.content, "snapshot": snapshot})))
    prov = province(tmp_path)
    with pytest.raises(SubmissionError, match=r"snapshot\.units\[2\]\.division_code.*'3707'"):
        import_submission(prov, forged, CITY)
    with prov.store() as store:
        assert store.get_submission_periods() == []
