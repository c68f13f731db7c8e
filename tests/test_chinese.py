"""Deliverables in proper Chinese (issue 20, item 4): a project for 潍坊市奎文区 (370705)
surveyed on a lab twice, a month apart, with its office's settings; every output of the
report commands (each CSV cell and header, each workbook cell, the web page's text, the
terminal's text) is scanned for the model's internal codes, which must never show; the
statistics workbook, opened back, has the office row, the signature block and date cells;
the times are Beijing's; the lines' yearly fees are shown and totalled; the trend chart has
dates under its x axis and whole-number y ticks (in headless Chromium)."""

from __future__ import annotations

import csv
import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from openpyxl.cell.cell import Cell
from sqlalchemy import update
from typer.testing import CliRunner

from browser import open_page
from govnet.app.classify import classify_store
from govnet.app.project import Project
from govnet.cli import app
from govnet.model.facts import HostSnapshot
from govnet.model.labels import get_internal_codes
from govnet.model.policy import load_policy
from govnet.model.problems import ProblemsError
from govnet.model.settings import SETTINGS_FILE, Settings, load_settings
from govnet.store.models import LineRow, SurveyRun
from govnet_lab.district import load_district
from govnet_lab.facts import get_device_facts
from govnet_lab.generate import generate_lab

COUNTY, SEED, SIZE = "370705", 5, 40
BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
# The two surveys, in UTC as the store keeps them: the second is already the next day in
# Beijing (2026-02-03 02:30), which every Chinese output must say.
SURVEYED = (dt.datetime(2026, 1, 5, 9, 0), dt.datetime(2026, 2, 2, 18, 30))
SETTINGS = """\
timezone: Asia/Shanghai
statistics:
  unit: 潍坊市奎文区大数据中心
  preparer: 张三
  reviewer: 李四
  phone: 0536-8888888
  form_number: 奎政数统{n}表
  notes:
    %s: {problems: "专线合同未到期", next_steps: "合同到期后撤销"}
"""
REPORT_COMMANDS = (["coverage"], ["progress"], ["exits"], ["lines"], ["contacts"], ["all"])


@dataclass
class Surveyed:
    project: Project
    folder: Path  # reports/<date>/
    terminal: dict[str, str]  # report command -> its stdout
    yearly: str  # a line paid by the year only
    cancelled: str  # a line gone from the ledger before the second survey
    noted: str  # the unit the settings have a note for


def _survey(project: Project, devices: dict[str, Any], at: dt.datetime) -> None:
    """A survey run of every router as the lab's oracle reads it (a perfect survey), at ``at``
    (UTC), classified."""
    with project.store() as store:
        run = store.start_survey_run("lab")
        hosts = store.get_inventory_rows("devices")
        store.add_snapshots(
            run,
            [
                HostSnapshot(
                    h["hostname"],
                    "ok",
                    h["platform"],
                    h["unit_key"],
                    facts=get_device_facts(devices[h["hostname"]]),
                )
                for h in hosts
            ],
        )
        store.finish_survey_run(run)
        with store.session() as session:  # as if surveyed then
            session.execute(update(SurveyRun).where(SurveyRun.id == run).values(started_at=at))
        classify_store(store, load_policy(project.root))


@pytest.fixture(scope="module")
def surveyed(tmp_path_factory: pytest.TempPathFactory) -> Surveyed:
    root = tmp_path_factory.mktemp("chinese") / "kuiwen"
    district = load_district(generate_lab(root, COUNTY, SEED, SIZE, None))
    devices = {d.hostname: d for d in district.devices}
    ledger_file = root / "inventory" / "lines.yaml"
    ledger = yaml.safe_load(ledger_file.read_text(encoding="utf-8"))
    lines = ledger["lines"]
    yearly = next(ln for ln in lines if ln.get("monthly_fee"))
    yearly["annual_fee"], yearly["monthly_fee"] = 58000, None  # 5.8万元/年, no monthly fee
    ledger_file.write_text(yaml.safe_dump(ledger, allow_unicode=True), encoding="utf-8")
    cancelled = next(ln for ln in lines if ln is not yearly and ln.get("monthly_fee"))
    noted = cancelled["unit"]  # listed in the units' sheet: a line of it was cancelled
    (root / SETTINGS_FILE).write_text(SETTINGS % noted, encoding="utf-8")
    project = Project.find(root, None)
    project.load_inventory_into_store()
    _survey(project, devices, SURVEYED[0])
    ledger["lines"] = [ln for ln in lines if ln is not cancelled]  # the carrier cancelled it
    ledger_file.write_text(yaml.safe_dump(ledger, allow_unicode=True), encoding="utf-8")
    project.load_inventory_into_store()
    with project.store() as store, store.session() as session:  # cancelled between the two
        session.execute(
            update(LineRow)
            .where(LineRow.circuit_id == cancelled["circuit_id"])
            .values(retired_at=dt.datetime(2026, 1, 20))
        )
    _survey(project, devices, SURVEYED[1])
    runner = CliRunner()
    terminal = {}
    for args in REPORT_COMMANDS:
        result = runner.invoke(
            app, ["--project", str(root), "report", *args], env={"COLUMNS": "250"}
        )
        assert result.exit_code == 0, result.output
        terminal[args[0]] = result.stdout
    (folder,) = (root / "reports").iterdir()
    return Surveyed(project, folder, terminal, yearly["circuit_id"], cancelled["circuit_id"], noted)


class _Text(HTMLParser):
    """A page's text as people see it: text nodes (SVG titles and labels too) and the
    attributes read out (aria-label, title)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        self.parts += [v for k, v in attrs if k in ("aria-label", "title") and v]

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if not self._in_style:
            self.parts.append(data)


TOKEN = re.compile(r"[A-Za-z0-9_]+(?:[-./:][A-Za-z0-9_]+)*")


def find_codes(texts: dict[str, str]) -> list[str]:
    """Where an internal code shows: "<place>: <code>" for each (a whole token, so a host
    named town-ce1 or an interface is not one)."""
    codes = get_internal_codes()
    return [
        f"{place}: {token}"
        for place, text in texts.items()
        for token in TOKEN.findall(text)
        if token in codes
    ]


def every_output(surveyed: Surveyed) -> dict[str, str]:
    """Every Chinese output, as text by where it is: CSV cells (headers included), workbook
    cells, the page's text and the report commands' terminal text. The JSON files are the
    engineers' and keep the codes."""
    texts: dict[str, str] = {}
    for path in sorted(surveyed.folder.glob("*.csv")):
        rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
        for r, line in enumerate(rows):
            for c, text in enumerate(line):
                texts[f"{path.name} row {r + 1} col {c + 1}"] = text
    book = openpyxl.load_workbook(surveyed.folder / "statistics.xlsx")
    for sheet in book.worksheets:
        texts[f"statistics.xlsx tab {sheet.title}"] = sheet.title
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    texts[f"statistics.xlsx {sheet.title}!{cell.coordinate}"] = str(cell.value)
    parser = _Text()
    parser.feed((surveyed.folder / "index.html").read_text(encoding="utf-8"))
    texts["index.html"] = "\n".join(parser.parts)
    for command, out in surveyed.terminal.items():
        shown = [ln for ln in out.splitlines() if not ln.startswith("written: ")]
        texts[f"govnet report {command}"] = "\n".join(shown)
    return texts


def test_no_internal_code_in_any_chinese_output(surveyed: Surveyed) -> None:
    texts = every_output(surveyed)
    csvs = {p.name for p in surveyed.folder.glob("*.csv")}
    assert csvs == {
        "coverage.csv",
        "progress-trend.csv",
        "progress-units.csv",
        "progress-divisions.csv",
        "progress-deadlines.csv",
        "exits.csv",
        "lines.csv",
        "contacts.csv",
    }
    assert find_codes(texts) == []
    # the scan sees codes where they are: the engineers' JSON keeps them
    json_text = (surveyed.folder / "lines.json").read_text(encoding="utf-8")
    assert find_codes({"lines.json": json_text})
    # no run id in a Chinese output: dates, in Beijing time (the second survey is already
    # 3 February there)
    everything = "\n".join(texts.values())
    assert "批次" not in everything and "survey run" not in everything
    assert "2026年2月3日" in texts["index.html"]
    assert "2026年2月3日" in texts["govnet report coverage"]
    assert "2026年1月5日 17:00" in texts["govnet report progress"]
    # names as they are: the tree is indented by alignment, never by U+3000 or spaces
    names = [t for p, t in texts.items() if "xlsx" in p or ".csv" in p]
    assert not [t for t in names if t[:1].isspace()]


def _rows(sheet: Any) -> list[tuple[Any, ...]]:
    """The sheet's table: below the header (row 4) down to the first empty row."""
    rows = []
    for row in sheet.iter_rows(min_row=5):
        if all(c.value is None for c in row):
            break
        rows.append(row)
    return rows


def test_the_statistics_workbook_has_the_office_block_and_dates(surveyed: Surveyed) -> None:
    book = openpyxl.load_workbook(surveyed.folder / "statistics.xlsx")
    today = dt.datetime.now(BEIJING).date()
    for n, sheet in enumerate(book.worksheets, start=1):
        assert sheet["A2"].value == "填报单位（盖章）：潍坊市奎文区大数据中心", sheet.title
        assert f"表号：奎政数统{n}表" in [c.value for c in sheet[2]], sheet.title
        assert str(sheet["A3"].value).startswith("数据来源：2026年2月3日网络设备采集")
        below = len(_rows(sheet)) + 6  # the header's row, the rows, an empty row
        block = {
            sheet.cell(r, c).value: sheet.cell(r, c + 1)
            for r in (below, below + 1)
            for c in range(1, sheet.max_column, 2)
        }
        assert block["填报人："].value == "张三" and block["审核人："].value == "李四"
        assert block["联系电话："].value == "0536-8888888"
        day = block["填报日期："]
        assert isinstance(day, Cell) and day.is_date
        assert isinstance(day.value, dt.datetime) and day.value.date() == today
    trend = book["进度趋势"]
    assert trend["A4"].value == "采集时间"
    times = [row[0] for row in _rows(trend)]
    assert all(c.is_date for c in times)
    assert [c.value for c in times] == [dt.datetime(2026, 1, 5, 17), dt.datetime(2026, 2, 3, 2, 30)]
    deadlines = _rows(book["逾期事项"])[:-1]  # each deadline, not the count overdue
    assert deadlines and all(row[4].is_date for row in deadlines)
    exits = book["互联网出口"]
    headers = [c.value for c in exits[4]]
    found = headers.index("发现日期")
    each = _rows(exits)[:-1]  # each exit, not the total
    assert each and all(row[found].is_date for row in each)
    units = book["业务专网整合"]
    headers = [c.value for c in units[4]]
    assert headers[-2:] == ["存在问题", "下步计划"]
    names = {u["key"]: u["name"] for u in _units(surveyed.project)}
    (noted,) = [r for r in _rows(units) if r[0].value == names[surveyed.noted]]
    assert [c.value for c in noted[-2:]] == ["专线合同未到期", "合同到期后撤销"]
    assert noted[headers.index("已撤销线路")].value == 1
    others = [r for r in _rows(units) if r[0].value != names[surveyed.noted]]
    assert all(r[-1].value is None for r in others)  # left empty for a pen


def _units(project: Project) -> list[dict[str, Any]]:
    with project.store() as store:
        return store.get_inventory_rows("units")


def test_yearly_fees_are_shown_and_totalled(surveyed: Surveyed) -> None:
    """A line paid by the year has no monthly fee: its 年租费 shows, and the annual total
    counts it (the page's total was of monthly fees only)."""
    rows = list(
        csv.DictReader((surveyed.folder / "lines.csv").read_text(encoding="utf-8-sig").splitlines())
    )
    yearly = next(r for r in rows if r["电路编号"] == surveyed.yearly)
    assert (yearly["月租费（元）"], float(yearly["年租费（元）"])) == ("", 58000.0)
    cancelled = next(r for r in rows if r["电路编号"] == surveyed.cancelled)
    assert cancelled["状态"] == "已撤销"
    annual = sum(float(r["年租费（元）"]) for r in rows)
    page = (surveyed.folder / "index.html").read_text(encoding="utf-8")
    lines = page.split('<section id="lines">', 1)[1].split("</section>", 1)[0]
    assert '<th class="num">年租费（元）</th>' in lines
    grand = re.search(r'<tr class="total grand"><td colspan="5">总计（(\d+)）</td>.*?</tr>', lines)
    assert grand is not None and int(grand[1]) == len(rows)
    cells = re.findall(r'<td class="num">([\d,]+)</td>', grand[0])
    assert float(cells[1].replace(",", "")) == pytest.approx(annual, abs=1)
    assert f"年租费 {annual:,.0f} 元" in surveyed.terminal["lines"]


def test_the_trend_chart_has_dates_and_a_real_y_axis(surveyed: Surveyed) -> None:
    with open_page(surveyed.folder / "index.html") as page:
        page.screenshot(surveyed.folder / "index.png")
        assert page.errors == [] and page.requests == [page.url]
        dates = page.evaluate(
            "[...document.querySelectorAll('svg.trend text.x-tick')].map(t => t.textContent)"
        )
        assert dates == ["2026-01-05", "2026-02-03"]
        ticks = page.evaluate(
            "[...document.querySelectorAll('svg.trend text.y-tick')]"
            ".map(t => [Number(t.textContent), t.getBoundingClientRect().top])"
        )
        values = [v for v, _ in ticks]
        assert len(values) > 2 and values == sorted(values) and values[0] == 0
        steps = {b - a for a, b in pairwise(values)}
        assert len(steps) == 1  # evenly spaced
        tops = [top for _, top in ticks]
        assert tops == sorted(tops, reverse=True)  # drawn upwards, 0 at the bottom
        peak = page.evaluate(
            "Math.max(...[...document.querySelectorAll('svg.trend circle title')]"
            ".map(t => Number(t.textContent.split(': ')[1])))"
        )
        assert values[-1] >= peak  # every point is inside the axis


def test_settings_are_checked_naming_the_line(tmp_path: Path) -> None:
    assert load_settings(None) == Settings()  # the bundled file: the defaults
    assert Settings(timezone="Asia/Urumqi").local(dt.datetime(2026, 1, 5, 18)).day == 6
    (tmp_path / "playbooks").mkdir()
    (tmp_path / SETTINGS_FILE).write_text(
        "timezone: Asia/Shanghai\nstatistics:\n  preparer: 张三\n  signer: 李四\n",
        encoding="utf-8",
    )
    with pytest.raises(ProblemsError) as caught:
        load_settings(tmp_path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.field) == (
        SETTINGS_FILE,
        4,
        "statistics.signer",
    )
    (tmp_path / SETTINGS_FILE).write_text("timezone: Beijing\n", encoding="utf-8")
    with pytest.raises(ProblemsError, match="unknown time zone 'Beijing'"):
        load_settings(tmp_path)


def test_a_typo_in_the_settings_stops_the_report_naming_file_and_line(
    example_project: Path,
) -> None:
    (example_project / "playbooks").mkdir()
    (example_project / SETTINGS_FILE).write_text(
        "statistics:\n  date: 2026-13-01\n", encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["--project", str(example_project), "report", "all"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{SETTINGS_FILE}:2" in result.stderr, result.stderr
