"""The command line, in-process, against temporary projects and stores."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from govnet.cli import app
from govnet.store import open_store

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_divisions_show_jiulongpo_lists_its_19_towns() -> None:
    code, stdout, _ = run("divisions", "show", "500107", "--json")
    assert code == 0
    data = json.loads(stdout)
    assert data["name"] == "九龙坡区" and data["full_name"] == "重庆市九龙坡区"
    assert len(data["children"]) == 19
    assert data["counts"] == {"街道": 9, "镇": 10}
    assert data["children"][0] == {
        "code": "500107001000",
        "name": "杨家坪街道",
        "level": "town",
        "parent": "500107000000",
        "town_type": "街道",
    }
    assert data["source"]["version"] == "2.7.0"


def test_divisions_show_weifang_has_122_town_level_units() -> None:
    code, stdout, _ = run("divisions", "show", "3707", "--level", "town", "--json")
    assert code == 0
    data = json.loads(stdout)
    assert data["name"] == "潍坊市"
    assert len(data["children"]) == 122
    assert data["below"] == {"county": 13, "town": 122}


@pytest.mark.parametrize("bad", ["5001x7", "12345", "990000"])
def test_divisions_show_rejects_bad_codes_without_traceback(bad: str) -> None:
    code, stdout, stderr = run("divisions", "show", bad)
    assert code == 1
    assert stderr.startswith("error: ") and "Traceback" not in stderr + stdout


def test_init_check_load_round(tmp_path: Path) -> None:
    project = tmp_path / "p"
    code, stdout, _ = run("init", str(project))
    assert code == 0 and (project / "inventory" / "units.yaml").is_file()
    assert (project / ".gitignore").read_text().startswith(".govnet/")

    code, stdout, stderr = run("--project", str(project), "inventory", "check")
    assert code == 0, stderr
    assert "inventory ok: 36 units, 30 devices, 34 lines" in stdout

    code, stdout, _ = run("--project", str(project), "inventory", "load", "--json")
    assert code == 0
    loaded = json.loads(stdout)
    assert loaded["unchanged"] is False and len(loaded["added"]["lines"]) == 34
    summary = loaded["summary"]
    assert summary["divisions"] == [{"code": "500107000000", "name": "重庆市九龙坡区"}]
    assert summary["towns_total"] == 19 and summary["towns_with_unit"] == 19
    assert summary["units"] == {"county": 1, "department": 16, "town": 19}
    assert (project / ".govnet" / "govnet.db").is_file()

    code, stdout, _ = run("--project", str(project), "inventory", "load", "--json")
    assert json.loads(stdout)["unchanged"] is True

    # init refuses to overwrite a project
    code, _, stderr = run("init", str(project))
    assert code == 1 and "already exist" in stderr


def test_check_on_a_broken_copy_prints_one_line_per_problem(example_project: Path) -> None:
    hosts = example_project / "inventory" / "hosts.yaml"
    hosts.write_text(hosts.read_text().replace("groups: [huawei]", "platform: huawai", 1))
    units = example_project / "inventory" / "units.yaml"
    units.write_text(units.read_text().replace('"500107102000"', '"500107199000"', 1))
    code, stdout, stderr = run("--project", str(example_project), "inventory", "check")
    assert code == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 3, stderr
    assert (
        lines[0].startswith("inventory/hosts.yaml:") and ": platform: unknown platform" in lines[0]
    )
    assert lines[1].startswith("inventory/units.yaml:") and "division_code: unknown" in lines[1]
    assert lines[2] == "2 error(s), 0 warning(s)"
    assert "Traceback" not in stdout + stderr
    assert not (example_project / ".govnet").exists()  # checking never creates a store

    code, stdout, _ = run("--project", str(example_project), "inventory", "check", "--json")
    data = json.loads(stdout)
    assert code == 1 and data["ok"] is False
    assert {p["field"] for p in data["problems"]} == {"platform", "division_code"}


def test_no_project_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, stderr = run("inventory", "check")
    assert code == 1 and "no govnet project" in stderr and "govnet init" in stderr


def test_db_upgrade_on_empty_sqlite_and_postgres(example_project: Path, pg_url: str) -> None:
    db = example_project / "empty.db"
    db.touch()
    for url in (f"sqlite:///{db}", pg_url):
        code, stdout, _ = run("--project", str(example_project), "--db", url, "db", "upgrade")
        assert code == 0 and "migrated empty →" in stdout
        code, stdout, _ = run(
            "--project", str(example_project), "--db", url, "db", "status", "--json"
        )
        status = json.loads(stdout)
        assert status["revision"] == status["head"]
    code, stdout, _ = run(
        "--project", str(example_project), "--db", pg_url, "inventory", "load", "--json"
    )
    assert code == 0 and len(json.loads(stdout)["added"]["devices"]) == 30


def test_db_url_password_is_never_printed(example_project: Path) -> None:
    url = "postgresql://govnet:Secr3t-pw@127.0.0.1:1/govnet"
    code, stdout, stderr = run("--project", str(example_project), "--db", url, "db", "status")
    assert code == 1 and "Secr3t-pw" not in stdout + stderr and "***" in stderr


def test_classify_before_a_survey_says_what_to_run(example_project: Path) -> None:
    project = ("--project", str(example_project))
    code, _, stderr = run(*project, "classify")
    assert code == 1 and stderr.startswith("error: no survey run yet: run `govnet survey`")
    code, _, stderr = run(*project, "survey", "--shard", "0/2")
    assert code == 1 and stderr.startswith("error: --shard 0/2: K/N with 1 <= K <= N")
    for args in (["explain", "jlp-dsj"], ["exits"], ["report", "coverage"], ["report", "progress"]):
        code, _stdout, stderr = run(*project, *args)
        assert code == 1 and "no classification yet: run `govnet classify` first" in stderr
        assert "Traceback" not in stderr


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    code, stdout, stderr = run("demo", "--dir", str(tmp_path / "demo"))
    assert code == 0, stderr
    assert "36 units, 30 devices, 34 lines" in stdout
    assert "inventory load 1:" in stdout
    assert str(tmp_path / "demo") in stdout
    ledger = tmp_path / "demo" / "reports" / "ledger.xlsx"
    assert re.search(rf"ledger: +{re.escape(str(ledger))}", stdout)
    sheet = openpyxl.load_workbook(ledger).active
    assert sheet is not None and sheet["A1"].value == "电路编号" and sheet.max_row == 35
    assert re.search(r"campaign \S+: 30/30 hosts, each once", stdout), stdout
    store = open_store(f"sqlite:///{tmp_path}/demo/.govnet/govnet.db")
    try:
        runs = store.get_survey_runs()[:2]  # the two collectors of step 6
        assert sorted(r["shard"] for r in runs) == ["1/2", "2/2"]
        assert {r["status"] for r in runs} == {"complete"}
        assert len({r["campaign"] for r in runs}) == 1
        results = [h for r in runs for h in store.get_host_results(r["id"])]
        assert len(results) == 30 == len({h["hostname"] for h in results})
        assert {h["status"] for h in results} == {"ok"}
        core = next(f for r in runs if (f := store.get_host_facts(r["id"], "jlp-dsj-core1")))
    finally:
        store.dispose()
    assert core is not None and core.device.vendor == "huawei" and core.interfaces
    assert (tmp_path / "demo" / "lab" / "ground_truth.yaml").is_file()
    assert stdout.index("CRITICAL isolation breach: jlp-jiyao-ce1") < stdout.index("[8/11]")
    assert re.search(r"classification 1: 34 networks, 36 lines", stdout), stdout
    assert "units with their own exit (not compliant): jlp-gongan" in stdout
    assert not (tmp_path / "demo" / ".govnet" / "lab" / "lab.pid").exists()  # lab stopped
    planned = re.search(r"(\d+) plans, (\d+) steps", stdout)
    assert planned is not None, stdout
    plans = sorted((tmp_path / "demo" / "reports" / "plans").glob("*/plan.md"))
    assert len(plans) == int(planned[1]) > 0
    huayan = next(p.parent for p in plans if p.parent.name.endswith("-town-huayan"))
    assert "方式 关闭自建互联网出口" in (huayan / "plan.md").read_text(encoding="utf-8")
    assert (huayan / "configs" / "town-huayan-ce1.rollback.cfg").read_text(encoding="utf-8")
    # the classified router's plan: manual, on site, no automatic rollback; push refuses it
    manual = re.search(r"jlp-jiyao-ce1 \(jlp-jiyao\): plan (\d+) is manual, on site.*", stdout)
    assert manual is not None and "no automatic rollback" in manual[0], stdout
    assert f"govnet push {manual[1]} --host jlp-jiyao-ce1 --commit: refused, nothing typed" in (
        stdout
    )
    jiyao = next(p.parent for p in plans if p.parent.name.endswith("-jlp-jiyao"))
    assert "保密办签字" in (jiyao / "plan.md").read_text(encoding="utf-8")
    assert not (jiyao / "configs" / "jlp-jiyao-ce1.rollback.cfg").exists()
    pushed = re.search(r"\[10/11\] push plan (\d+) \((\S+)\)", stdout)
    assert pushed is not None, stdout
    assert re.search(rf"{pushed[2]}:\w+: migrated", stdout), stdout
    # after each host push the running lab sends every business flow: none broken
    flows = re.findall(r"flows \(govnet lab flows\): (\d+)/(\d+) that must work work", stdout)
    assert flows and all(int(n) > 0 for _, n in flows), stdout
    assert stdout.count("none broken by the push") == len(flows)
    assert "survey run 3: 30/30 hosts" in stdout and "undo with: govnet" in stdout
    assert "push status: 0 unfinished, 0 running" in stdout  # every lease let go
    store = open_store(f"sqlite:///{tmp_path}/demo/.govnet/govnet.db")
    try:
        pushes = store.get_pushes(int(pushed[1]))
    finally:
        store.dispose()
    assert pushes and all(p["result"] == "applied" and p["backup"] for p in pushes)
    covered = re.search(r"九龙坡区: (\d+)/36 units connected, (\d+)/19 towns covered", stdout)
    assert covered is not None, stdout
    rows = list(
        csv.DictReader(
            next((tmp_path / "demo" / "reports").glob("*/coverage.csv"))
            .read_text(encoding="utf-8-sig")
            .splitlines()
        )
    )
    assert [r["层级"] for r in rows] == ["县（区）"] + ["乡镇（街道）"] * 19
    assert (rows[0]["已接入单位数"], rows[0]["已覆盖乡镇（街道）数"]) == (covered[1], covered[2])
    code, out, _ = run("--project", str(tmp_path / "demo"), "report", "coverage", "--json")
    assert code == 0 and json.loads(out)["rows"][0]["towns"] == 19
    code, out, _ = run(
        "--project",
        str(tmp_path / "demo"),
        "report",
        "coverage",
        "--division",
        "all",
        "--level",
        "province",
        "--json",
    )
    country, *rest = json.loads(out)["rows"]
    provinces = {r["name"]: r for r in rest}
    assert code == 0 and len(provinces) == 31 and country["name"] == "全国"
    assert country["units"] == 36 and country["towns"] == sum(r["towns"] for r in rest)
    assert provinces["重庆市"]["units"] == 36 and provinces["北京市"]["units"] == 0
    assert sum(r["towns"] for r in provinces.values()) > 40_000
    progress = json.loads(
        next((tmp_path / "demo" / "reports").glob("*/progress.json")).read_text(encoding="utf-8")
    )
    before, after = progress["points"]
    assert after["migrated"] == before["migrated"] + 1
    assert re.search(
        rf"{after['networks']} business networks: {after['migrated']} migrated", stdout
    )
    assert {d["measure"] for d in progress["deadlines"]} == {"town_coverage", "own_exits_closed"}
    demo = ("--project", str(tmp_path / "demo"))
    code, out, _ = run(*demo, "report", "lines", "--json")
    lines = json.loads(out)
    assert code == 0 and len(lines["lines"]) == 34
    assert sum(t["lines"] for t in lines["totals"].values()) == 34
    code, out, _ = run(*demo, "report", "exits", "--json")
    exits = json.loads(out)
    assert code == 0 and exits["breaches"] and len(exits["exits"]) == 10
    code, out, _ = run(*demo, "report", "all")
    assert code == 0 and "15 files in" in out
    page = next((tmp_path / "demo" / "reports").glob("*/index.html")).read_text(encoding="utf-8")
    assert "九龙坡区" in page and "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing from elsewhere
    check_statistics(next((tmp_path / "demo" / "reports").glob("*/statistics.xlsx")), lines)

    code, stdout, _ = run("demo", "--dir", str(tmp_path / "demo"))  # a re-run reuses it
    assert code == 0 and "inventory unchanged since load 1" in stdout
    assert "survey run 4" in stdout


def num(value: object) -> float:
    """A numeric cell (an empty one is 0)."""
    assert value is None or isinstance(value, int | float), value
    return float(value or 0)


def check_statistics(path: Path, lines: dict[str, object]) -> None:
    """The workbook officials print: a sheet per topic, headers, totals equal to the rows."""
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "覆盖情况",
        "业务专网整合",
        "区划汇总",
        "进度趋势",
        "互联网出口",
        "线路与费用",
        "逾期事项",
        "单位联系人",
    ]
    county = body(book["区划汇总"])[0]
    assert county[:3] == ("500107000000", "九龙坡区", "县（区）")
    unit_total = body(book["业务专网整合"])[-1]
    assert unit_total[0] == "合计"
    assert county[3:9] == unit_total[2:8]  # the county's roll-up equals the sum of its units
    coverage = book["覆盖情况"]
    assert coverage["A1"].value == "电子政务外网覆盖情况统计表（重庆市九龙坡区）"
    assert [c.value for c in coverage[4]][:5] == [
        "区划代码",
        "区划名称",
        "层级",
        "应接入单位数",
        "已接入单位数",
    ]
    towns = [r for r in body(coverage) if r[2] == "乡镇（街道）"]
    assert len(towns) == 19 and coverage["H5"].value == 19
    assert coverage["I5"].value == sum(num(r[8]) for r in towns)
    assert coverage["G5"].number_format == "0.0%"
    networks = book["业务专网整合"]
    rows = body(networks)
    units, total = rows[:-1], rows[-1]
    assert total[0] == "合计"
    for col in range(2, 8):
        assert total[col] == sum(num(r[col]) for r in units)
    fees = book["线路与费用"]
    rows = body(fees)
    data, totals = rows[:34], {r[0]: r for r in rows[34:]}
    assert totals["总计"][7] == pytest.approx(sum(num(r[7]) for r in data))
    parts = [totals[f"{s}合计"][6] for s in ("在用", "待撤销", "已撤销")]
    assert sum(num(p) for p in parts) == pytest.approx(totals["总计"][6])
    assert fees.freeze_panes == "A5" and fees.page_setup.orientation == "landscape"
    overdue = book["逾期事项"]
    assert [r[5] for r in body(overdue)[:2]] == ["逾期", "逾期"]


def body(sheet: Any) -> list[tuple[Any, ...]]:
    """A sheet's rows below its header (row 4) down to the first empty row (the signature
    block follows it)."""
    rows = []
    for row in sheet.iter_rows(min_row=5, values_only=True):
        if all(v is None for v in row):
            break
        rows.append(row)
    return rows


def test_divisions_import_villages_then_show_and_check(example_project: Path) -> None:
    villages = example_project / "villages.csv"
    villages.write_text(
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        "500107102001,华福社区居委会,500107102,50,5001,500107\n"
        "500107102201,华岩村委会,500107102,50,5001,500107\n"
        "110101001001,多福巷社区居委会,110101001,11,1101,110101\n",
        encoding="utf-8",
    )
    p = ("--project", str(example_project))
    code, stdout, stderr = run(*p, "divisions", "import", str(villages), "--under", "500107")
    assert code == 0, stderr
    assert "imported 2 villages" in stdout
    code, stdout, _ = run(*p, "divisions", "show", "500107102", "--json")
    assert [c["name"] for c in json.loads(stdout)["children"]] == ["华福社区居委会", "华岩村委会"]

    units = example_project / "inventory" / "units.yaml"
    units.write_text(
        units.read_text()
        + (
            "  - id: village-huayan\n    name: 华岩村村民委员会\n    kind: village\n"
            '    division_code: "500107102201"\n    parent: town-huayan\n'
        )
    )
    code, stdout, stderr = run(*p, "inventory", "check")
    assert code == 0, stderr

    bad = example_project / "bad.csv"
    bad.write_text("code,name\n5001071022,short\n", encoding="utf-8")
    code, _, stderr = run(*p, "divisions", "import", str(bad))
    assert code == 1 and "bad.csv:2: column 'code'" in stderr
