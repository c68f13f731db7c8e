"""A province store reads like a county's (issue 21 item 4 follow-up): progress, exits and
lines rolled up by county from the counties' submissions, the statistics workbook with a
row per county, `--period`, and `submission list`.

Three lab counties of 潍坊市 are surveyed (the lab's perfect-survey oracle), classified and
exported as in tests/test_submission.py; 坊子区 (370704) sends nothing. The truth for each
county's row is that county's own reports computed from its own store. 奎文区 (370705) also
sent a file two months earlier, whose ledger still lists one more line (its 年租费 12,000):
that month shows 370705 alone, with the line; this month shows the line cancelled and its
fee saved, as the county's own progress would once the line left its ledger.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from govnet.app.project import Project
from govnet.app.province import LATE, ON_TIME, list_submissions
from govnet.app.province import MISSING as NOT_SENT
from govnet.app.reports import load_coverage, load_province
from govnet.app.submission import export_submission, import_submission
from govnet.model.divisions import get_bundled_tree
from govnet.model.problems import UsageError
from govnet.model.submission import dump_submission, load_submission
from govnet.reports.base import Reading
from govnet.reports.coverage import UNREPORTED
from govnet.reports.exits import REPORT as EXITS
from govnet.reports.files import ReportError
from govnet.reports.lines import REPORT as LINES
from govnet.reports.progress import REPORT as PROGRESS
from govnet.reports.province import ProvinceReport
from govnet_cli import run_govnet
from test_chinese import find_codes
from test_submission import CITY, COUNTIES, MISSING, make_county, province

TWICE = "370705"  # sent two months: the older with one more line in its ledger
EXTRA_FEE = Decimal(12000)


def month_before(period: str, months: int) -> str:
    year, month = (int(p) for p in period.split("-"))
    index = year * 12 + month - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class Truth:
    """A county's figures from its own store's reports."""

    progress: dict[str, Any]
    exits: dict[str, Any]
    lines: dict[str, Any]


def own_truth(project: Project) -> Truth:
    with project.store() as store:
        reading = Reading(store, get_bundled_tree())
        tally = reading.rows_of(PROGRESS).total
        exits = reading.rows_of(EXITS)
        lines = reading.rows_of(LINES).rows
    open_exits = [e for e in exits.rows if e.closed_in is None]
    kept = [ln for ln in lines if ln.status != "cancelled"]
    return Truth(
        {
            "networks": tally.networks,
            "migrated": tally.migrated,
            "retained": tally.retained,
            "to_cancel": tally.to_cancel,
            "remaining": tally.remaining,
            "exits_found": tally.exits_found,
            "exits_closed": tally.exits_closed,
            "lines_cancelled": tally.lines_cancelled,
            "annual_saved": float(tally.annual_saved),
        },
        {
            "exits_found": len(exits.rows),
            "exits_open": len(open_exits),
            "annual_fee_open": float(
                sum(Decimal(str(e.annual_fee or (e.monthly_fee or 0) * 12)) for e in open_exits)
            ),
            "breaches": len(exits.breaches),
        },
        {
            "lines": len(kept),
            "annual_fee": float(sum((ln.annual_fee for ln in kept), Decimal(0))),
            "to_cancel": sum(ln.status == "to_cancel" for ln in kept),
            "cancelled": len(lines) - len(kept),
        },
    )


@dataclass(frozen=True)
class Province:
    project: Project
    period: str  # this month: every county but 370704
    old: str  # two months before: 370705 alone
    truth: dict[str, Truth]
    files: list[Path]  # in the order imported
    county: Project  # 370705's own project


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> Province:
    """The province store fed by the three counties (and 370705's older month)."""
    files: dict[str, Path] = {}
    truth: dict[str, Truth] = {}
    projects: dict[str, Project] = {}
    for county, seed in COUNTIES.items():
        root = tmp_path_factory.mktemp(county)
        project = projects[county] = make_county(root, county, seed)
        files[county] = root / f"{county}-upload.json"
        export_submission(project, files[county])
        truth[county] = own_truth(project)
    prov = province(tmp_path_factory.mktemp("prov"))
    # a project folder for the command line (a province surveys nothing: no hosts)
    config = files[TWICE].parent / "nornir_config.yaml"
    (prov.root / "nornir_config.yaml").write_text(config.read_text(encoding="utf-8"))
    sub = load_submission(files[TWICE])
    old = month_before(sub.period, 2)
    extra = {**sub.content["ledger"][0], "circuit_id": "OLD-LINE-1"}
    extra |= {"monthly_fee": 1000.0, "annual_fee": float(EXTRA_FEE)}
    started = dt.datetime.fromisoformat(sub.content["snapshot"]["started_at"])
    snapshot = {**sub.content["snapshot"], "started_at": (started - dt.timedelta(60)).isoformat()}
    content = {**sub.content, "ledger": [*sub.content["ledger"], extra], "snapshot": snapshot}
    older = files[TWICE].with_name("370705-old.json")
    older.write_bytes(dump_submission(replace(sub, period=old, content=content)))
    order = [older, *files.values()]
    for path in order:
        import_submission(prov, path, CITY)
    return Province(prov, sub.period, old, truth, order, projects[TWICE])


def figures(report: ProvinceReport, name: str) -> dict[str, dict[str, Any]]:
    """Each county's row of the report's JSON (by 6-digit code), and the total as 'total'."""
    from govnet.reports.province_views import PROVINCE_REPORTS

    spec = next(r for r in PROVINCE_REPORTS if r.name == name)
    data = spec.data(report)
    rows = {r["code"][:6]: r for r in data["rows"]}
    return rows | {"total": data["total"]}


def test_each_rolled_up_report_is_the_sum_of_the_counties_own_reports(fed: Province) -> None:
    reports, shown = load_province(fed.project, division=CITY)
    assert [s.name for s in shown] == ["coverage", "progress", "exits", "lines"]
    report: ProvinceReport = reports.rows["progress"]
    assert report.period == fed.period and reports.coverage.period == fed.period
    for name in ("progress", "exits", "lines"):
        rows = figures(report, name)
        for county, truth in fed.truth.items():
            want = dict(getattr(truth, name))
            if county == TWICE and name == "progress":  # the line gone since the older month
                want["lines_cancelled"] += 1
                want["annual_saved"] += float(EXTRA_FEE)
            if county == TWICE and name == "lines":
                want["cancelled"] += 1
            got = {k: rows[county][k] for k in want}
            assert got == pytest.approx(want), (name, county)
            assert rows[county]["reported"] is True
        missing = rows[MISSING]
        assert missing["reported"] is False
        assert all(missing[k] is None for k in getattr(fed.truth[TWICE], name)), name
        for key in getattr(fed.truth[TWICE], name):
            want_total = sum(rows[c][key] for c in COUNTIES)
            assert rows["total"][key] == pytest.approx(want_total), (name, key)
    # the lab has what is counted: a sum of zeros would prove nothing
    total = figures(report, "progress")["total"]
    assert total["networks"] > 0 and total["exits_found"] > 0
    lines = figures(report, "lines")["total"]
    assert lines["lines"] > 0 and lines["annual_fee"] > 0 and lines["to_cancel"] > 0
    assert figures(report, "lines")[TWICE]["annual_cancelled"] == float(EXTRA_FEE)


def test_period_picks_the_months_submissions(fed: Province) -> None:
    reports, _ = load_province(fed.project, period=fed.old, division=CITY)
    report: ProvinceReport = reports.rows["lines"]
    assert report.period == fed.old
    rows = figures(report, "lines")
    assert {c for c in COUNTIES if rows[c]["reported"]} == {TWICE}
    truth = fed.truth[TWICE].lines
    assert rows[TWICE]["lines"] == truth["lines"] + 1  # the line it still had
    assert rows[TWICE]["annual_fee"] == pytest.approx(truth["annual_fee"] + float(EXTRA_FEE))
    assert rows[TWICE]["cancelled"] == 0
    assert rows["total"]["annual_fee"] == rows[TWICE]["annual_fee"]
    progress = figures(report, "progress")[TWICE]
    assert (progress["lines_cancelled"], progress["annual_saved"]) == (0, 0)
    coverage = load_coverage(fed.project, division=CITY, period=fed.old).coverage
    assert coverage.period == fed.old and coverage.rows[0].counties_reported == 1
    with pytest.raises(UsageError, match="no county submitted for 1999-01"):
        load_province(fed.project, period="1999-01", division=CITY)
    with pytest.raises(ReportError, match="--period is for a province store"):
        load_coverage(fed.county, period=fed.old)  # a county's store reports its own survey
    with pytest.raises(UsageError, match="--period '2026-13': a month as YYYY-MM"):
        load_province(fed.project, period="2026-13")


def test_the_cli_shows_a_month_and_names_the_reports_a_province_store_makes(fed: Province) -> None:
    with pytest.raises(ReportError, match=r"report contacts: not made on a province store.*"):
        load_province(fed.project, ["contacts"])
    env = {k: v for k, v in os.environ.items() if k != "GOVNET_DB_URL"}
    env["GOVNET_DB_URL"] = fed.project.db_url
    done = run_govnet(fed.project.root, env, "report", "contacts")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "coverage, progress, exits, lines" in done.stderr, done.stderr
    shown = run_govnet(fed.project.root, env, "report", "lines", "--period", fed.old, "--wide")
    assert shown.returncode == 0, shown.stderr
    assert f"（{fed.old}，已上报 1/" in shown.stdout and UNREPORTED in shown.stdout


def test_statistics_workbook_has_a_row_per_county(fed: Province) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GOVNET_DB_URL"}
    env["GOVNET_DB_URL"] = fed.project.db_url
    done = run_govnet(
        fed.project.root, env, "report", "all", "--division", CITY, "--format", "csv,xlsx"
    )
    assert done.returncode == 0, done.stderr
    assert f"{fed.period}: 已上报 3/" in done.stdout
    path = next((fed.project.root / "reports").glob("*/statistics.xlsx"))
    book = openpyxl.load_workbook(path)
    reports, _ = load_province(fed.project, division=CITY)
    counties = [c for c in reports.rows["lines"].counties]
    sheet = book["各县专线及费用"]
    top = [str(c.value) for row in sheet.iter_rows(max_row=4) for c in row if c.value]
    assert any(f"各县专线及费用统计表（山东省潍坊市，{fed.period}）" in c for c in top), top
    header = next(
        i for i, row in enumerate(sheet.iter_rows(values_only=True), 1) if row[0] == "区划代码"
    )
    titles = [str(c.value) for c in sheet[header]]
    rows: dict[str, dict[str, Any]] = {}
    for values in sheet.iter_rows(min_row=header + 1, values_only=True):
        rows[str(values[0])] = dict(zip(titles, values, strict=True))
        if values[0] == "合计":  # the signature block follows
            break
    assert [code for code in rows if code != "合计"] == [c.code for c in counties]
    assert rows[MISSING + "000000"]["上报情况"] == UNREPORTED
    assert rows[MISSING + "000000"]["年租费（元）"] is None
    fees = sum(fed.truth[c].lines["annual_fee"] for c in COUNTIES)
    assert rows["合计"]["年租费（元）"] == pytest.approx(fees)
    assert rows["合计"]["上报情况"] == f"已上报 3/{len(counties)}"
    progress = book["各县业务专网整合进度"]
    cells = [c.value for row in progress.iter_rows() for c in row]
    assert UNREPORTED in cells and "合计" in cells
    assert "覆盖情况" in book.sheetnames
    assert (path.parent / "lines-counties.csv").exists()
    texts = {
        f"{p.name} {i}": text
        for p in path.parent.glob("*.csv")
        for i, text in enumerate(p.read_text(encoding="utf-8-sig").split(","))
    }
    texts |= {
        f"{sheet.title} {cell.coordinate}": str(cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    }
    assert find_codes(texts) == []  # people's files: no internal code


def test_submission_list_says_who_is_late_and_who_is_missing(fed: Province) -> None:
    now = list_submissions(fed.project, division=CITY)
    assert now.period == fed.period
    by = {e.county: e for e in now.entries}
    for county in COUNTIES:
        entry = by[county]
        assert entry.status == ON_TIME  # due on the 25th of the month after: not yet
        assert entry.file_name == f"{county}-upload.json"
        assert entry.checksum and entry.checksum.startswith("sha256:") and entry.imported_by
        assert entry.imported_at is not None and entry.imported_at.utcoffset() is not None
    assert by[MISSING].status == NOT_SENT and by[MISSING].latest is None
    old = {e.county: e for e in list_submissions(fed.project, fed.old, CITY).entries}
    assert old[TWICE].status == LATE  # imported today, due weeks ago
    assert old[TWICE].file_name == "370705-old.json"
    assert (old["370702"].status, old["370702"].latest) == (NOT_SENT, fed.period)
    env = {k: v for k, v in os.environ.items() if k != "GOVNET_DB_URL"}
    env["GOVNET_DB_URL"] = fed.project.db_url
    done = run_govnet(fed.project.root, env, "submission", "list", "--division", CITY, "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["period"] == fed.period
    assert {c["county"]: c["status"] for c in data["counties"]}[MISSING] == NOT_SENT


@pytest.mark.postgres
def test_a_postgresql_province_store_reads_the_same(fed: Province, pg_url: str) -> None:
    prov = Project(fed.project.root, pg_url)
    for path in fed.files:
        import_submission(prov, path, CITY)
    for period in (fed.period, fed.old):
        want, _ = load_province(fed.project, period=period, division=CITY)
        got, _ = load_province(prov, period=period, division=CITY)
        for name in ("progress", "exits", "lines"):
            assert figures(got.rows[name], name) == figures(want.rows[name], name), name
    listed = {e.county: e for e in list_submissions(prov, fed.old, CITY).entries}
    imported = listed[TWICE].imported_at
    assert listed[TWICE].status == LATE and imported is not None
    assert imported.utcoffset() == dt.timedelta(hours=8)  # shown in the project's zone
