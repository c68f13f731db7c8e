"""A ledger (台账) as a county office keeps it, built with openpyxl: a merged title, a 填报
line, 单位名称 merged down over its rows, fees written 2600元/月 and 5.8万元/年 and in a 万元
column, dates like 2019年6月, 2019.6 and 长期, 移动公司 and 中国电信股份有限公司重庆分公司,
MSTP专线, 2M*2, a 备注 over two lines, an empty 对端, a 合计 row and a 制表人/审核人 footer.
It imports with the right numbers; what cannot be read stops the import, naming sheet, row
and column, and nothing is written. No column is dropped unseen."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from conftest import FIXTURES
from govnet.cli import app
from govnet.ledger import (
    COLUMNS_FILE,
    VOCABULARY_FILE,
    export_ledger,
    get_ledger_choices,
    get_ledger_headers,
    import_ledger,
)
from govnet.model.divisions import DivisionTree
from govnet.model.inventory import LINES_FILE, Carrier, LineKind, SecurityGrade
from govnet.model.problems import Problem, ProblemsError

PROJECT = FIXTURES / "ledger" / "project"
DSJ = "重庆市九龙坡区大数据应用发展管理局"
HEADER = [
    "序号", "单位名称", "电路编号", "承载业务", "运营商", "专线类型", "带宽", "月租费（元）",
    "年租费（万元）", "开通时间", "到期日期", "等保级别", "经费来源", "付费单位", "对端", "备注",
    "联系人",
]  # fmt: skip


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "ledger-project"
    shutil.copytree(PROJECT, root)
    return root


def messy_workbook(path: Path, rows: Sequence[Sequence[object]] | None = None) -> Path:
    """The office's 台账: title and 填报 rows, the header on row 3, seven lines on rows 4-10
    (单位名称 merged over rows 4-6), a 合计 row and a signature footer."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "专线台账2024"
    sheet.append(["九龙坡区电子政务专线台账（2024年）"])
    sheet.merge_cells("A1:Q1")
    sheet.append(["填报单位：九龙坡区大数据局", *[None] * 6, "填报日期：2024年5月20日"])
    sheet.append(HEADER)
    for row in rows if rows is not None else LINES:
        sheet.append(list(row))
    sheet.merge_cells("B4:B6")
    sheet.append(["合计", None, None, None, None, None, None, 4400, 9.4])
    sheet.append(["制表人：张三        审核人：李四", *[None] * 6, "联系电话：023-68780000"])
    book.save(path)
    return path


LINES: list[list[object]] = [
    [1, DSJ, "CQ-001", "电子政务外网", "中国电信股份有限公司重庆分公司", "MSTP专线", "2M*2",
     "2600元/月", None, "2019年6月", "长期", "三级", "区级财政", "区大数据局", "区级节点",
     "2019年扩容\n原带宽2M", "张三"],
    [2, None, "CQ-002", "视频会议", "移动公司", "MPLS VPN", "100M", None, "5.8万元/年",
     "2019.6", "2024/6/1", "等保二级", None, None, "市视频会议中心", None, "张三"],
    [3, None, "CQ-003", "互联网接入", "联通", "互联网专线", "1G", 1800, None,
     dt.date(2020, 3, 1), "2025-02-28", None, "部门预算", None, None, None, None],
    [4, "九龙坡区华岩镇人民政府", "CQ-004", "电子政务外网", "电信", "裸纤", "2×10M", None, 3.6,
     "2021.10", "2026年9月", "2级", None, "华岩镇", "区级节点", None, "李四"],
    [5, "中共重庆市九龙坡区委机要局", "CQ-005", "机要专网", "中国电信", "SDH", 2,
     "5.8万元/年", None, None, None, "机密", "专项经费", None, "市机要局", None, None],
    [6, "九龙坡区华岩镇人民政府", "CQ-006", "视频监控", "中国移动", "MSTP", "百兆", "1,200元",
     None, "2022年1月1日", "长期有效", None, None, None, "华岩派出所", "", None],
    [7, DSJ, "CQ-007", "备用上联", "广电", "其他", "-", None, None, None, None, None, None,
     None, None, "停用待撤", None],
]  # fmt: skip


def errors_of(excinfo: pytest.ExceptionInfo[ProblemsError]) -> list[Problem]:
    return [p for p in excinfo.value.problems if p.severity == "error"]


def test_an_office_ledger_imports_with_the_right_numbers(
    project: Path, tree: DivisionTree, tmp_path: Path
) -> None:
    path = messy_workbook(tmp_path / "台账.xlsx")

    result = import_ledger(project, path, tree)

    lines = {line.circuit_id: line for line in result.lines}
    assert list(lines) == [f"CQ-00{n}" for n in range(1, 8)] and result.rows == 7
    one, two, three, four, five, six, seven = lines.values()
    # 单位名称 merged over rows 4-6 is that unit on each of them
    assert [ln.unit for ln in lines.values()] == [
        "jlp-dsj", "jlp-dsj", "jlp-dsj", "town-huayan", "jlp-jiyao", "town-huayan", "jlp-dsj",
    ]  # fmt: skip
    assert result.merged == ("B4:B6",)
    # carriers and kinds by any of their names
    assert [ln.carrier for ln in lines.values()] == [
        Carrier.TELECOM, Carrier.MOBILE, Carrier.UNICOM, Carrier.TELECOM, Carrier.TELECOM,
        Carrier.MOBILE, Carrier.BROADCAST,
    ]  # fmt: skip
    assert [ln.kind for ln in lines.values()] == [
        LineKind.MSTP, LineKind.MPLS_VPN, LineKind.INTERNET, LineKind.DARK_FIBRE, LineKind.SDH,
        LineKind.MSTP, LineKind.OTHER,
    ]  # fmt: skip
    # bandwidths: 2M*2, 100M, 1G, 2×10M, 2, 百兆, -
    assert [ln.bandwidth_mbps for ln in lines.values()] == [4, 100, 1000, 20, 2, 100, None]
    # fees: 2600元/月; 5.8万元/年 in the 万元 column; 3.6 in the 万元 column is 36000 a year;
    # 5.8万元/年 in the 月租费 column is a yearly fee, not a monthly one
    fees = [(ln.monthly_fee, ln.annual_fee) for ln in lines.values()]
    assert fees == [
        (Decimal("2600.00"), None),
        (None, Decimal("58000.00")),
        (Decimal("1800.00"), None),
        (None, Decimal("36000.00")),
        (None, Decimal("58000.00")),
        (Decimal("1200.00"), None),
        (None, None),
    ]
    # dates: a month is its first day for a start, its last for an end; 长期 is no end
    assert (one.contract_start, one.contract_end) == (dt.date(2019, 6, 1), None)
    assert (two.contract_start, two.contract_end) == (dt.date(2019, 6, 1), dt.date(2024, 6, 1))
    assert (three.contract_start, three.contract_end) == (dt.date(2020, 3, 1), dt.date(2025, 2, 28))
    assert (four.contract_start, four.contract_end) == (dt.date(2021, 10, 1), dt.date(2026, 9, 30))
    assert (six.contract_start, six.contract_end) == (dt.date(2022, 1, 1), None)
    # 等保/分保, funding and payer
    assert [ln.security_grade for ln in lines.values()] == [
        SecurityGrade.DENGBAO_3, SecurityGrade.DENGBAO_2, None, SecurityGrade.DENGBAO_2,
        SecurityGrade.FENBAO_JIMI, None, None,
    ]  # fmt: skip
    assert (one.funding_source, one.payer) == ("区级财政", "区大数据局")
    assert (three.funding_source, four.payer) == ("部门预算", "华岩镇")
    assert five.funding_source == "专项经费"
    # a 备注 over two lines keeps them; an empty 对端 is fine
    assert one.note == "2019年扩容\n原带宽2M" and seven.note == "停用待撤"
    assert (three.z_end, seven.z_end, one.z_end) == (None, None, "区级节点")
    # every column read or not is said; the title, 填报, 合计 and footer rows are not lines
    assert [(name, column) for name, column, _ in result.used] == [
        ("unit", "column B 单位名称"), ("circuit_id", "column C 电路编号"),
        ("network", "column D 承载业务"), ("carrier", "column E 运营商"),
        ("kind", "column F 专线类型"), ("bandwidth_mbps", "column G 带宽"),
        ("monthly_fee", "column H 月租费（元）"), ("annual_fee", "column I 年租费（万元）"),
        ("contract_start", "column J 开通时间"), ("contract_end", "column K 到期日期"),
        ("security_grade", "column L 等保级别"), ("funding_source", "column M 经费来源"),
        ("payer", "column N 付费单位"), ("z_end", "column O 对端"), ("note", "column P 备注"),
    ]  # fmt: skip
    assert dict((n, s) for n, _, s in result.used)["annual_fee"] == Decimal(10000)
    assert result.ignored == ("column A 序号", "column Q 联系人")
    assert [row for row, _ in result.skipped] == [11, 12]
    assert result.skipped[1][1].startswith("制表人：张三 审核人：李四")

    # written, and the export reads back as the same lines
    assert "CQ-005" in (project / LINES_FILE).read_text(encoding="utf-8")
    export_ledger(project, tmp_path / "out.xlsx", tree)
    again = import_ledger(project, tmp_path / "out.xlsx", tree, dry_run=True)
    assert again.lines == result.lines and again.changed == []
    exported = openpyxl.load_workbook(tmp_path / "out.xlsx")["专线台账"]
    row = next(r for r in exported.iter_rows(values_only=True) if r[0] == "CQ-005")
    assert {"分保机密级", "专项经费"} <= set(row)


def _with(row: int, column: str, value: object) -> list[list[object]]:
    rows = [list(r) for r in LINES]
    rows[row - 4][HEADER.index(column)] = value
    return rows


@pytest.mark.parametrize(
    ("row", "column", "value", "letter", "message"),
    [
        (4, "月租费（元）", "2600元/季", "H", "2600元/月"),
        (5, "运营商", "鹏博士", "E", "电信, 联通, 移动, 广电, 其他"),
        (6, "到期日期", "2019年13月", "K", "not a real month"),
        (7, "开通时间", "长期", "J", "not a start date"),
        (9, "带宽", "2×10M*2", "G", "2M*2"),
        (4, "年租费（万元）", "0.0000001", "I", "more than 2 decimal places"),
        (4, "年租费（万元）", "0.29万元/月", "I", "second fee per 月"),
    ],
)
def test_a_bad_cell_names_sheet_row_column_and_what_to_write(
    project: Path, tree: DivisionTree, tmp_path: Path, row: int, column: str, value: object,
    letter: str, message: str,
) -> None:  # fmt: skip
    path = messy_workbook(tmp_path / "bad.xlsx", _with(row, column, value))
    before = (project / LINES_FILE).read_bytes()

    with pytest.raises(ProblemsError) as excinfo:
        import_ledger(project, path, tree)

    (problem,) = errors_of(excinfo)
    assert problem.entry == f"sheet '专线台账2024' row {row}"
    assert problem.field is not None and problem.field.startswith(f"column {letter} ")
    assert message in problem.message, problem.message
    assert (project / LINES_FILE).read_bytes() == before


def test_a_grade_must_fit_whether_the_line_is_classified(
    project: Path, tree: DivisionTree, tmp_path: Path
) -> None:
    path = messy_workbook(tmp_path / "台账.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet["R3"], sheet["R8"], sheet["L8"] = "是否涉密", "是", "三级"  # 机要局's line: 涉密, 等保
    sheet["R4"], sheet["L4"] = "否", "机密"  # and a line not classified graded 机密
    book.save(path)

    with pytest.raises(ProblemsError) as excinfo:
        import_ledger(project, path, tree)

    found = [(p.entry, p.field, p.message) for p in errors_of(excinfo)]
    assert [(entry, field) for entry, field, _ in found] == [
        ("sheet '专线台账2024' row 4", "column L 等保级别"),
        ("sheet '专线台账2024' row 8", "column L 等保级别"),
    ]
    assert "等保 (level 1-4)" in found[0][2] and "分保 (秘密/机密/绝密)" in found[1][2]


def test_an_ignored_fee_column_that_looks_known_stops_the_import(
    project: Path, tree: DivisionTree, tmp_path: Path
) -> None:
    # A project that heads the annual fee 年费: the office's 年租费（万元） is not a column it
    # knows. Dropped, its fees would vanish; read as yuan, they would be 10,000x wrong.
    (project / COLUMNS_FILE).write_text("annual_fee: [年费, 年度费用]\n", encoding="utf-8")
    path = messy_workbook(tmp_path / "台账.xlsx")
    before = (project / LINES_FILE).read_bytes()

    with pytest.raises(ProblemsError) as excinfo:
        import_ledger(project, path, tree)

    (problem,) = errors_of(excinfo)
    assert problem.entry == "sheet '专线台账2024' row 3"
    assert problem.field == "column I 年租费（万元）"
    assert "looks like 年费 (annual_fee)" in problem.message
    assert "ignore:" in problem.message and COLUMNS_FILE in problem.message
    assert (project / LINES_FILE).read_bytes() == before

    # 年租金（万元） with the bundled headers: a money column of an unknown name
    (project / COLUMNS_FILE).unlink()
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet["I3"] = "年租金（万元）"
    book.save(path)
    with pytest.raises(ProblemsError) as excinfo:
        import_ledger(project, path, tree)
    (problem,) = errors_of(excinfo)
    assert problem.field == "column I 年租金（万元）"
    assert "年租费（元） (annual_fee)" in problem.message

    # listed under ignore:, the column is left out on purpose, and said so
    sheet["I3"] = "年租费（万元）"
    sheet["R3"] = "月租费用"
    book.save(path)
    (project / COLUMNS_FILE).write_text("ignore: [月租费用]\n", encoding="utf-8")
    result = import_ledger(project, path, tree, dry_run=True)
    assert "column R 月租费用" in result.ignored


def test_a_header_whose_period_contradicts_its_field_is_an_error(
    project: Path, tree: DivisionTree, tmp_path: Path
) -> None:
    path = messy_workbook(tmp_path / "台账.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet["H3"] = "月租费（元/年）"
    book.save(path)

    with pytest.raises(ProblemsError) as excinfo:
        import_ledger(project, path, tree)

    (problem,) = errors_of(excinfo)
    assert problem.field == "column H 月租费（元/年）" and "per 年" in problem.message


def test_a_formula_without_a_saved_value_names_its_cell(
    project: Path, tree: DivisionTree, tmp_path: Path
) -> None:
    rows = _with(6, "年租费（万元）", "=H6*12/10000")  # written by a script: never calculated
    path = messy_workbook(tmp_path / "台账.xlsx", rows)

    with pytest.raises(ProblemsError) as excinfo:
        import_ledger(project, path, tree)

    (problem,) = errors_of(excinfo)
    assert "'专线台账2024'" in problem.message and "(I6)" in problem.message
    assert "save it again" in problem.message


def test_a_project_extends_the_vocabulary(
    project: Path, tree: DivisionTree, tmp_path: Path
) -> None:
    rows = _with(5, "运营商", "鹏博士")
    rows[2][HEADER.index("单位名称")] = "大数据局"  # row 6, under the merge: its own name
    path = messy_workbook(tmp_path / "台账.xlsx", rows)
    with pytest.raises(ProblemsError):
        import_ledger(project, path, tree, dry_run=True)

    (project / VOCABULARY_FILE).write_text(
        "carriers:\n  other: [鹏博士]\nunit_aliases:\n  大数据局: jlp-dsj\n", encoding="utf-8"
    )
    result = import_ledger(project, path, tree, dry_run=True)
    lines = {line.circuit_id: line for line in result.lines}
    assert lines["CQ-002"].carrier is Carrier.OTHER and lines["CQ-003"].unit == "jlp-dsj"

    # a word that would mean two things names the file, line and field
    (project / VOCABULARY_FILE).write_text("carriers:\n  unicom: [移动]\n", encoding="utf-8")
    with pytest.raises(ProblemsError) as excinfo:
        import_ledger(project, path, tree, dry_run=True)
    (problem,) = errors_of(excinfo)
    assert (problem.file, problem.line, problem.field) == (VOCABULARY_FILE, 2, "carriers.unicom")
    assert "already means mobile" in problem.message

    # a misspelt section or member names them too
    (project / VOCABULARY_FILE).write_text("carrier:\n  other: [x]\nkinds:\n  fibre: [光]\n")
    with pytest.raises(ProblemsError) as excinfo:
        import_ledger(project, path, tree, dry_run=True)
    found = {(p.line, p.field) for p in errors_of(excinfo)}
    assert found == {(1, "carrier"), (4, "kinds.fibre")}


def test_a_template_can_ask_for_the_columns_and_the_choices() -> None:
    headers = get_ledger_headers()
    assert headers[0] == ("circuit_id", "电路编号", True)
    assert ("security_grade", "等保/分保级别", False) in headers
    assert ("z_end", "Z端", False) in headers
    choices = get_ledger_choices()
    assert choices["carrier"] == ["电信", "联通", "移动", "广电", "其他"]
    assert "分保机密级" in choices["security_grade"] and "等保三级" in choices["security_grade"]


def test_the_command_says_which_columns_it_read_and_which_it_did_not(
    project: Path, tmp_path: Path
) -> None:
    path = messy_workbook(tmp_path / "台账.xlsx")
    runner = CliRunner()
    p = ["--project", str(project), "inventory", "import", str(path)]

    result = runner.invoke(app, [*p, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "read    column I 年租费（万元） -> annual_fee (x10,000 yuan)" in result.stdout
    assert "ignored column A 序号" in result.stdout and "ignored column Q 联系人" in result.stdout
    assert "skipped row 12: 制表人：张三 审核人：李四" in result.stdout
    assert "merged cells filled down: B4:B6" in result.stdout
    as_json = json.loads(runner.invoke(app, [*p, "--dry-run", "--json"]).stdout)
    assert as_json["columns_ignored"] == ["column A 序号", "column Q 联系人"]

    (project / COLUMNS_FILE).write_text("annual_fee: [年费]\n", encoding="utf-8")
    before = (project / LINES_FILE).read_bytes()
    failed = runner.invoke(app, p)
    assert failed.exit_code == 1
    assert "column I 年租费（万元）" in failed.stderr and "looks like 年费" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert (project / LINES_FILE).read_bytes() == before


def test_a_line_without_its_circuit_id_is_never_taken_for_a_totals_row(
    project: Path, tree: DivisionTree, tmp_path: Path
) -> None:
    rows = _with(10, "电路编号", None)
    rows[6][HEADER.index("备注")] = "费用合计含设备租赁"  # says 合计, but is a line
    path = messy_workbook(tmp_path / "台账.xlsx", rows)

    with pytest.raises(ProblemsError) as excinfo:
        import_ledger(project, path, tree)

    (problem,) = errors_of(excinfo)
    assert (problem.entry, problem.field) == ("sheet '专线台账2024' row 10", "column C 电路编号")
    assert "empty" in problem.message
