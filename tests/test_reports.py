"""The reports as a registry: a report that is not part of govnet (tests/devices_report.py,
devices per platform, with its page template) is registered in a temporary registry, and
every output takes it up: its CSV and JSON, its workbook sheet after the others, its page
section after the others, and a command `govnet report devices` of its own. No module of
govnet is edited to make that happen."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

import devices_report
import govnet.reports
from govnet.app.classify import classify_store
from govnet.app.project import Project
from govnet.app.reports import load_reports, write_reports
from govnet.model.facts import HostFacts, HostSnapshot
from govnet.model.policy import load_policy
from govnet.reports import REGISTRY, get_shown
from govnet.reports.files import ALL_FORMATS

TESTS = Path(__file__).resolve().parent
SHEETS = [
    "覆盖情况",
    "业务专网整合",
    "区划汇总",
    "进度趋势",
    "互联网出口",
    "线路与费用",
    "逾期事项",
    "单位联系人",
]


@pytest.fixture
def classified(example_project: Path) -> Project:
    """The example project with one survey run (every device answered, nothing learnt)
    classified: enough for every report."""
    project = Project.find(example_project, None)
    project.load_inventory_into_store()
    store = project.open_store()
    try:
        run = store.start_survey_run("test")
        devices = store.get_inventory_rows("devices")
        store.add_snapshots(
            run,
            [
                HostSnapshot(d["hostname"], "ok", d["platform"], d["unit_key"], facts=HostFacts())
                for d in devices
            ],
        )
        store.finish_survey_run(run)
        classify_store(store, load_policy(project.root))
    finally:
        store.dispose()
    return project


def test_a_new_report_is_written_as_csv_json_a_sheet_and_a_section(classified: Project) -> None:
    registry = (*REGISTRY, devices_report.REPORT)
    reports = load_reports(classified, registry=registry)
    folder, written = write_reports(classified, reports, ALL_FORMATS, registry=registry)
    assert {folder / "devices.csv", folder / "devices.json"} <= set(written)
    platforms = json.loads((folder / "devices.json").read_text(encoding="utf-8"))["platforms"]
    assert {p["platform"] for p in platforms} == {"huawei", "hp_comware", "cisco_ios"}
    assert sum(p["devices"] for p in platforms) == 30
    csv_lines = (folder / "devices.csv").read_text(encoding="utf-8-sig").splitlines()
    assert csv_lines[0] == "platform,devices,units" and len(csv_lines) == 1 + len(platforms)

    book = openpyxl.load_workbook(folder / "statistics.xlsx")
    assert book.sheetnames == [*SHEETS, "设备平台"]  # in the registry's order, after the others
    sheet = book["设备平台"]
    assert sheet["A1"].value == "设备平台统计（重庆市九龙坡区）"
    assert re.match(r"数据来源：\d{4}年\d+月\d+日网络设备采集", str(sheet["A3"].value))
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert ("合计", 30, None) in rows  # the totals, before the signature block

    page = (folder / "index.html").read_text(encoding="utf-8")
    sections = [part.split('"', 1)[0] for part in page.split('<section id="')[1:]]
    assert sections == [
        "coverage",
        "progress",
        "exits",
        "lines",
        "deadlines",
        "contacts",
        "devices",
    ]
    assert '<svg class="chart platforms"' in page and "<title>huawei: " in page

    builtin = load_reports(classified)  # the registry itself is untouched
    assert "devices" not in builtin.rows and len(get_shown("progress")) == 2


def govnet_with_devices(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    """govnet in a fresh process whose registry lists the devices report, as a registry
    that lists it would: nothing else is done to the command line."""
    code = (
        f"import sys; sys.path.insert(0, {str(TESTS)!r}); import devices_report, govnet.reports"
        "; govnet.reports.REGISTRY = (*govnet.reports.REGISTRY, devices_report.REPORT)"
        "; from govnet.cli import main; main()"
    )
    return subprocess.run(
        [sys.executable, "-c", code, "--project", str(project.root), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "120"},
        stdin=subprocess.DEVNULL,
    )


def test_a_new_report_gets_a_command_of_its_own(classified: Project) -> None:
    done = govnet_with_devices(classified, "report", "--help")
    assert done.returncode == 0, done.stderr
    assert "devices   Devices per platform in the inventory" in done.stdout

    done = govnet_with_devices(classified, "report", "devices", "--format", "csv,json")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "devices" and "platform" in lines[2] and "huawei" in done.stdout
    folder = next((classified.root / "reports").glob("*/"))
    assert lines[-2:] == [
        f"written: {folder / 'devices.csv'}",
        f"written: {folder / 'devices.json'}",
    ]

    done = govnet_with_devices(classified, "report", "devices", "--json")
    assert done.returncode == 0, done.stderr
    on_file = json.loads((folder / "devices.json").read_text(encoding="utf-8"))
    assert json.loads(done.stdout) == on_file

    done = govnet_with_devices(classified, "report", "all", "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert "9 files in" in done.stdout  # the registry's 8 tables, and its own


def test_the_registry_shows_the_deadlines_with_the_progress() -> None:
    names = [r.name for r in govnet.reports.REGISTRY]
    assert names == ["coverage", "progress", "exits", "lines", "deadlines", "contacts"]
    assert [r.name for r in get_shown("progress")] == ["progress", "deadlines"]
    assert [r.name for r in get_shown("exits")] == ["exits"]


def test_the_lines_sheet_shows_each_lines_grade_funding_and_payer(classified: Project) -> None:
    reports = load_reports(classified)
    folder, _ = write_reports(classified, reports, ALL_FORMATS)
    sheet = openpyxl.load_workbook(folder / "statistics.xlsx")["线路与费用"]
    header = [c.value for c in sheet[4]]  # below the title, the office's row and the source
    assert header[-3:] == ["等保/分保", "经费来源", "付费单位"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=5, values_only=True)}
    assert rows["CQ-DX-DF-2018-0006"][-3:] == (
        "等保三级",
        "区级财政预算",
        "重庆市九龙坡区大数据应用发展管理局",
    )
    assert rows["CQ-LT-MSTP-2021-0288"][-3:] == ("等保二级", "部门预算", "重庆市九龙坡区医疗保障局")
    assert rows["CQ-LT-MPLS-2021-0315"][-3:] == (None, None, None)  # the ledger does not say
    lines = json.loads((folder / "lines.json").read_text(encoding="utf-8"))["lines"]
    graded = {ln["circuit_id"]: ln["security_grade"] for ln in lines if ln["security_grade"]}
    assert graded == {"CQ-DX-DF-2018-0006": "dengbao_3", "CQ-LT-MSTP-2021-0288": "dengbao_2"}
