"""Terminal output never cuts what one types next or reads as a figure (issue 20, item 7).

A lab district is surveyed from its saved outputs and classified. `govnet classify show` is
then run as a user does, at 60, 80 and 200 columns: every id it prints is pasted into `govnet
explain`, every fee it prints is compared with the stored one, and nothing is stored."""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from govnet.app.classify import get_classification
from govnet.app.project import Project
from govnet.classify.explain import explain_subject
from govnet.cli import app
from govnet.cli.common import SafeConsole, visible
from govnet.cli.tables import Col, fit_widths, print_table
from govnet.platforms import load_platforms
from govnet.store import open_store
from govnet.survey.collect import RawText
from govnet.survey.offline import write_saved_host
from govnet_cli import run_govnet
from govnet_lab.control import get_free_port_run, get_lab_paths
from govnet_lab.district import load_district
from govnet_lab.generate import generate_lab
from govnet_lab.render import render

ROUTERS = 16
runner = CliRunner()

# --- the table helper ------------------------------------------------------------------------

LONG_ID = "c370702-ziranziyuan-ce1:GigabitEthernet1/0/4.3001"
FEE = "1,234,567.89"


def drawn(width: int, wide: bool = False) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None, soft_wrap=True)
    columns = [Col("id", keep=True), Col("name"), Col("CNY/month", "right", keep=True)]
    rows = [[LONG_ID, "潍坊市潍城区自然资源局 电子政务外网 专线", FEE], ["a:b", "短", "0"]]
    print_table(console, columns, rows, "lines", wide)
    output = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(output, str)
    return output


def test_a_table_that_fits_keeps_ids_and_money_whole_and_wraps_the_text() -> None:
    output = drawn(100)
    assert "┃ id" in output and "…" not in output
    row = next(line for line in output.splitlines() if LONG_ID in line)
    assert FEE in row  # on the row's first line, whole
    assert all(len(line) <= 100 for line in output.splitlines())
    assert "潍坊市潍城区自然资源局 电子政务外网 专线" not in output  # the text column wrapped


def test_too_narrow_a_terminal_stacks_the_rows_into_records() -> None:
    output = drawn(60)
    assert output.splitlines() == [
        "lines",
        f"id: {LONG_ID}",
        "  name: 潍坊市潍城区自然资源局 电子政务外网 专线",
        f"  CNY/month: {FEE}",
        "id: a:b",
        "  name: 短",
        "  CNY/month: 0",
    ]


def test_wide_draws_the_table_whole_whatever_the_terminal() -> None:
    output = drawn(40, wide=True)
    assert "潍坊市潍城区自然资源局 电子政务外网 专线" in output and "…" not in output
    assert max(len(line) for line in output.splitlines()) > 40


@pytest.mark.parametrize("width", [40, 80])
def test_a_kept_cell_is_measured_as_shown_with_its_escapes(width: int) -> None:
    """A control character is shown as its escape (four cells for one): measured so, the id
    still prints whole, in a table or in a record."""
    console = SafeConsole()
    console.file = io.StringIO()
    console.width = width
    hostile = "r1-ce1:ge0/0\x1b]0;x\x07" + "\x1b[2J" * 3
    print_table(console, [Col("id", keep=True), Col("note")], [[hostile, "long " * 6]])
    output = console.file.getvalue()
    assert visible(hostile) in output and "\x1b" not in output, output
    assert ("┃ id" in output) == (width == 80)


def test_a_text_column_wraps_at_spaces_but_never_folds_a_phone_number() -> None:
    """Levelled evenly, both columns would be 10 cells wide and fold the numbers."""
    console = Console(file=io.StringIO(), width=28, color_system=None, soft_wrap=True)
    people = "张三 13912345678 李四 0536-8234567 王五 13800001111"
    print_table(console, [Col("单位"), Col("联系人")], [["潍坊市潍城区大数据局", people]])
    output = console.file.getvalue()  # type: ignore[attr-defined]
    assert "┃ 单位" in output, output
    for number in ("13912345678", "0536-8234567", "13800001111"):
        assert number in output, output


def test_the_widest_columns_give_way_first_and_none_below_its_floor() -> None:
    assert fit_widths([30, 20, 12], [30, 8, 8], 50) == [30, 10, 10]
    assert fit_widths([30, 20, 12], [30, 8, 8], 45) is None


# --- classify show, as a user runs it ----------------------------------------------------------


@dataclass
class Classified:
    root: Path
    env: dict[str, str]
    stored: dict[str, Any]  # `classify show --json`

    def classify_runs(self) -> int:
        store = open_store(f"sqlite:///{self.root}/.govnet/govnet.db")
        try:
            return len(store.get_classify_runs())
        finally:
            store.dispose()


def invoke(root: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--project", str(root), *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout + result.stderr


def invoke_json(root: Path, *args: str) -> Any:
    result = runner.invoke(app, ["--project", str(root), *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def classified(tmp_path_factory: pytest.TempPathFactory) -> Classified:
    """A 16-router district surveyed from the outputs its routers give, then classified."""
    root = tmp_path_factory.mktemp("terminal") / "county"
    generate_lab(root, "370702", 3, ROUTERS, None, get_free_port_run(ROUTERS))
    platforms = load_platforms(root)
    for device in load_district(get_lab_paths(root).district).devices:
        texts = {c: render(device, c) for c in platforms.get_commands(device.platform)}
        for command in platforms.get_followup_commands(device.platform, texts):
            texts[command] = render(device, command)
        outputs = {c: RawText.from_bytes(t.encode()) for c, t in texts.items()}
        write_saved_host(root / "saved", device.hostname, device.platform, outputs)
    for args in (("survey", "--offline", str(root / "saved")), ("classify", "--show", "none")):
        code, output = invoke(root, *args)
        assert code == 0, output
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "GOVNET_DB_URL")}
    return Classified(root, env, invoke_json(root, "classify", "show"))


KEYS = ("id", "unit", "exit", "circuit")
MONEY = ("CNY/month", "CNY/year")


def parse(output: str) -> list[dict[str, str]]:
    """Every row `classify show` printed, as {header: cell}, from its tables (rows start with
    │; a cell's wrapped lines continue below it) or its stacked records (``header: value``,
    the first at the margin, the others indented by two)."""
    rows: list[dict[str, str]] = []
    headers: list[str] = []
    for line in output.splitlines():
        if line.startswith("┃"):
            parts = [p.strip() for p in line.strip("┃").split("┃")]
            headers = parts if not headers or len(headers) != len(parts) else headers
        elif line.startswith("┏"):
            headers = []
        elif line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            if cells[0]:
                rows.append(dict(zip(headers, cells, strict=True)))
            else:  # a wrapped line of the row above: its text columns go on
                for header, cell in zip(headers, cells, strict=True):
                    rows[-1][header] = f"{rows[-1][header]} {cell}".strip()
        elif match := re.fullmatch(r"(\w[\w.]*): (.*)", line):
            rows.append({match[1]: match[2]})
        elif rows and (match := re.fullmatch(r"  ([\w./]+): (.*)", line)):
            rows[-1][match[1]] = match[2]
    return rows


def fee(text: str) -> Decimal | None:
    return None if text == "-" else Decimal(text.replace(",", ""))


def shown_at(classified: Classified, columns: int) -> tuple[str, list[dict[str, str]]]:
    """`classify show` run as a user does at ``columns``: its output and rows; it stores
    nothing and cuts nothing."""
    before = classified.classify_runs()
    env = {**classified.env, "COLUMNS": str(columns)}
    done = run_govnet(classified.root, env, "classify", "show")
    assert done.returncode == 0, done.stderr
    assert classified.classify_runs() == before  # read only: nothing classified nor stored
    assert "…" not in done.stdout
    assert all(cell_len(line) <= columns for line in done.stdout.splitlines() if line[:1] in "┏│┃")
    return done.stdout, parse(done.stdout)


def get_ids(rows: list[dict[str, str]]) -> set[str]:
    return {row[k] for row in rows for k in KEYS if row.get(k) not in (None, "-", "(ledger only)")}


@pytest.mark.parametrize("columns", [60, 80, 200])
def test_every_id_classify_show_prints_is_one_explain_knows_and_every_fee_the_stored_one(
    classified: Classified, columns: int
) -> None:
    output, rows = shown_at(classified, columns)
    if columns == 200:
        assert "┃ id" in output  # the subjects fit as a table: the table parser is tried
    printed = get_ids(rows)
    stored = classified.stored
    every = {v["key"] for v in (*stored["networks"], *stored["lines"])}
    every |= {u["unit"] for u in stored["units"]}
    assert every <= printed, sorted(every - printed)  # nothing left out either
    project = Project.find(classified.root, None)
    result = get_classification(project)
    policy = project.load_policy()
    for key in sorted(printed):  # what `govnet explain KEY` does once it has the classification
        assert explain_subject(result, key, policy).title, key
    exits = {
        (u["unit"], f"{e['host']}:{e['interface']}" if e["host"] else "(ledger only)"): e
        for u in stored["units"]
        for e in u["exits"]
    }
    shown = [row for row in rows if row.get("exit", "-") != "-" and "CNY/month" in row]
    assert len(shown) == len(exits) >= 3
    assert any(e["monthly_fee"] for e in exits.values())  # fees to compare
    for row in shown:
        e = exits[(row["unit"], row["exit"])]
        assert row["circuit"] == (e["circuit_id"] or "-")
        for header, field in zip(MONEY, ("monthly_fee", "annual_fee"), strict=True):
            want = None if e[field] is None else Decimal(str(e[field]))
            assert fee(row[header]) == want, (row, e)
    if columns == 80:  # pasted into `govnet explain` itself: one id of each kind
        for key in {
            next(r[k] for r in rows if r.get(k, "-") not in ("-", "(ledger only)")) for k in KEYS
        }:
            code, text = invoke(classified.root, "explain", key)
            assert code == 0 and key in text, (key, text)


@pytest.mark.slow
def test_every_id_printed_at_80_columns_pasted_into_govnet_explain(classified: Classified) -> None:
    """Every id, each through the command line (in-process): ~0.3 s an id."""
    for key in sorted(get_ids(shown_at(classified, 80)[1])):
        code, output = invoke(classified.root, "explain", key)
        assert code == 0, (key, output)


def test_classify_stores_and_classify_show_filters_by_unit(classified: Classified) -> None:
    before = classified.classify_runs()
    code, output = invoke(classified.root, "classify", "--show", "lines")
    assert code == 0, output
    assert "hint: `govnet classify show`" in output
    assert classified.classify_runs() == before + 1  # `classify` proper still stores
    unit = next(u for u in classified.stored["units"] if u["exits"])
    code, output = invoke(classified.root, "classify", "show", "--unit", unit["unit"], "--wide")
    assert code == 0, output
    rows = parse(output)
    assert {r["unit"] for r in rows if "unit" in r} == {unit["unit"]}
    assert classified.classify_runs() == before + 1
    code, output = invoke(classified.root, "classify", "show", "--unit", "no-such-unit")
    assert code == 1 and "--unit 'no-such-unit': no such unit in classification" in output
    code, output = invoke(classified.root, "classify", "show", "--what", "everything")
    assert code == 1 and "--what 'everything'" in output


def test_report_lines_at_80_columns_prints_every_circuit_with_its_exact_monthly_fee(
    classified: Classified,
) -> None:
    """A report's view (drawn by render_view): no circuit id cut, no fee rounded."""
    env = {**classified.env, "COLUMNS": "80"}
    done = run_govnet(classified.root, env, "report", "lines")
    assert done.returncode == 0, done.stderr
    assert "…" not in done.stdout
    printed = {row["电路编号"]: row["月租费"] for row in parse(done.stdout) if "电路编号" in row}
    stored = invoke_json(classified.root, "report", "lines")["lines"]
    assert len(printed) == len(stored) > 10
    for line in stored:
        want = None if line["monthly_fee"] is None else Decimal(str(line["monthly_fee"]))
        assert fee(printed[line["circuit_id"]]) == want, line
