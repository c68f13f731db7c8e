"""The ledger (台账) import/export: round trips, realistic sheets, and every user mistake."""

from __future__ import annotations

import datetime as dt
import shutil
import string
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from govnet.ledger import (
    COLUMNS_FILE,
    FIELDS,
    LedgerColumns,
    export_ledger,
    get_ledger_columns,
    import_ledger,
    lines_to_yaml,
)
from govnet.model.divisions import DivisionTree
from govnet.model.inventory import LINES_FILE, Carrier, Line, LineKind, SecurityGrade
from govnet.model.inventory_files import get_circuit_key, get_inventory
from govnet.model.problems import Problem, ProblemsError

PROJECT = FIXTURES / "ledger" / "project"
DEFAULT_HEADERS = [
    "电路编号",
    "单位名称",
    "网络名称",
    "线路运营商",
    "线路类型",
    "带宽（Mbps）",
    "月租费（元）",
    "年租费（元）",
    "合同开始日期",
    "合同到期日期",
    "提前通知天数",
    "违约/解约条款",
    "是否涉密",
    "等保/分保级别",
    "经费来源",
    "付费单位",
    "设备",
    "接口",
    "Z端",
    "备注",
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the small ledger test project (two units share a name)."""
    root = tmp_path / "ledger-project"
    shutil.copytree(PROJECT, root)
    return root


def save_sheet(path: Path, rows: Sequence[Sequence[object]], title: str = "Sheet1") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def errors_of(excinfo: pytest.ExceptionInfo[ProblemsError]) -> list[Problem]:
    return [p for p in excinfo.value.problems if p.severity == "error"]


def test_column_model_covers_every_line_field() -> None:
    assert set(LedgerColumns.model_fields) == {*Line.model_fields, "ignore"}
    assert [get_ledger_columns()[name][0] for name in FIELDS] == DEFAULT_HEADERS


# --- (1) export then import -------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_example_project_round_trips(
    example_project: Path, tree: DivisionTree, tmp_path: Path, suffix: str
) -> None:
    lines = get_inventory(example_project, tree).lines
    assert lines, "the example project should have a ledger"
    before = (example_project / LINES_FILE).read_bytes()
    target = tmp_path / f"台账{suffix}"

    assert export_ledger(example_project, target, tree) == len(lines)
    result = import_ledger(example_project, target, tree, dry_run=True)

    assert result.lines == lines
    assert result.rows == len(lines)
    assert (result.added, result.changed, result.removed) == ([], [], [])
    assert result.sheet == (None if suffix == ".csv" else "专线台账")
    assert not result.written
    assert (example_project / LINES_FILE).read_bytes() == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left


def test_exported_workbook_is_laid_out_for_people(
    example_project: Path, tree: DivisionTree, tmp_path: Path
) -> None:
    lines = get_inventory(example_project, tree).lines
    export_ledger(example_project, tmp_path / "out.xlsx", tree)

    workbook = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert workbook.sheetnames == ["专线台账"]
    sheet = workbook["专线台账"]
    header = [c.value for c in sheet[1]]
    assert header == DEFAULT_HEADERS
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:T{len(lines) + 1}"
    assert sheet.max_row == len(lines) + 1

    col = {name: header.index(name) for name in header}
    index, line = next((i, ln) for i, ln in enumerate(lines) if ln.monthly_fee is not None)
    row = sheet[index + 2]
    fee = row[col["月租费（元）"]]
    assert fee.data_type == "n" and fee.number_format == "#,##0.00"
    assert Decimal(repr(fee.value)) == line.monthly_fee
    assert row[col["电路编号"]].value == line.circuit_id
    assert row[col["线路运营商"]].value in {"电信", "联通", "移动", "广电", "其他"}
    unit = get_inventory(example_project, tree).get_unit(line.unit)
    assert unit is not None and row[col["单位名称"]].value == unit.name

    index, line = next((i, ln) for i, ln in enumerate(lines) if ln.contract_end is not None)
    end = sheet[index + 2][col["合同到期日期"]]
    assert end.data_type == "d" and end.number_format == "yyyy-mm-dd"
    assert isinstance(end.value, dt.datetime) and end.value.date() == line.contract_end
    classified = {c.value for c in sheet["M"][1:]}
    assert classified <= {"是", "否", None} and header[12] == "是否涉密"
    index, line = next((i, ln) for i, ln in enumerate(lines) if ln.termination_terms)
    row = sheet[index + 2]
    notice = row[col["提前通知天数"]]
    assert notice.data_type == "n" and notice.value == line.notice_days
    assert row[col["违约/解约条款"]].value == line.termination_terms
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["F"].width >= 8


def test_exported_csv_opens_in_excel(project: Path, tree: DivisionTree, tmp_path: Path) -> None:
    lines_yaml = project / LINES_FILE
    text = lines_yaml.read_text(encoding="utf-8") + (
        "  - circuit_id: '-0042'\n    unit: xxzx-b\n    network: '=HYPERLINK(\"x\")'\n"
        "    carrier: mobile\n    kind: cellular\n    monthly_fee: 99.5\n    z_end: 基站\n"
    )
    lines_yaml.write_text(text, encoding="utf-8")
    export_ledger(project, tmp_path / "out.csv", tree)

    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    rows = raw.decode("utf-8-sig").splitlines()
    assert rows[0].split(",") == DEFAULT_HEADERS
    assert rows[1].split(",")[:8] == [
        "CQ-DX-MSTP-2020-0001",
        "重庆市九龙坡区大数据应用发展管理局",
        "电子政务外网",
        "电信",
        "MSTP",
        "100",
        "1800.00",
        "",
    ]
    # Formula-like text is kept from Excel's formula engine; a shared unit name becomes the id.
    assert rows[3].startswith('\t-0042,xxzx-b,"\t=HYPERLINK(""x"")",移动,4G/5G,,99.50,')
    result = import_ledger(project, tmp_path / "out.csv", tree, dry_run=True)
    assert result.lines == get_inventory(project, tree).lines
    assert result.lines[2].circuit_id == "-0042" and result.lines[2].unit == "xxzx-b"


# --- (2) a realistic spreadsheet ---------------------------------------------------------------


def test_realistic_sheet_imports(example_project: Path, tree: DivisionTree, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = "2024年"
    sheet["A1"] = "九龙坡区电子政务专线台账（2024年）"
    sheet.merge_cells("A1:P1")
    sheet.append([])
    sheet.append(["序号", " 电路代号 ", "使用单位", "承载业务", "运营商", "专线类型", "带宽",
                  "月租费(元)", "年租费", "起租日期", "到期日期", "涉密", "A端", None, "对端",
                  "备注"])  # fmt: skip
    sheet.merge_cells("M3:N3")
    sheet.append([None, None, None, None, None, None, None, None, None, None, None, None,
                  "设备", "接口"])  # fmt: skip
    sheet.append([1, 20190123, "重庆市九龙坡区财政局", "电子政务外网", "中国电信", "MSTP",
                  "100M", "1,800.00", None, "2024年1月31日", dt.datetime(2027, 1, 30), "否",
                  "jlp-caizheng-ce1", 17, "区级节点", " 主用 "])  # fmt: skip
    sheet.append([])
    sheet.append([2, "CQ-LT-2024-7", "jlp-minzheng", "互联网", "联通", "互联网专线", "1G",
                  None, "24000元", "2024/3/1", "2025.2.28", None, None, None,
                  "联通城域网", None])  # fmt: skip
    sheet.append([3, "CQ-YD-2024-8", "九龙坡区华岩镇人民政府", "视频会议", "移动", "MPLS VPN",
                  "2×2M", "￥1800", None, None, None, "是", "town-huayan-ce1",
                  "GigabitEthernet0/0/1", "区级节点", None])  # fmt: skip
    sheet.append(["合计", None, None, None, None, None, None, 3600, 24000])
    sheet.append([])
    sheet.append([])
    path = tmp_path / "九龙坡区专线台账.xlsx"
    workbook.save(path)
    _write_numbers_as_floats(path, {"20190123", "17"})  # as WPS writes them: 20190123.0

    result = import_ledger(example_project, path, tree)

    assert result.sheet == "2024年" and result.rows == 3 and result.written
    assert result.lines == (
        Line(circuit_id="20190123", unit="jlp-caizheng", network="电子政务外网",
             carrier=Carrier.TELECOM, kind=LineKind.MSTP, bandwidth_mbps=100.0,
             monthly_fee=Decimal("1800.00"), contract_start=dt.date(2024, 1, 31),
             contract_end=dt.date(2027, 1, 30), classified=False, a_device="jlp-caizheng-ce1",
             a_interface="17", z_end="区级节点", note="主用"),
        Line(circuit_id="CQ-LT-2024-7", unit="jlp-minzheng", network="互联网",
             carrier=Carrier.UNICOM, kind=LineKind.INTERNET, bandwidth_mbps=1000.0,
             annual_fee=Decimal("24000"), contract_start=dt.date(2024, 3, 1),
             contract_end=dt.date(2025, 2, 28), z_end="联通城域网"),
        Line(circuit_id="CQ-YD-2024-8", unit="town-huayan", network="视频会议",
             carrier=Carrier.MOBILE, kind=LineKind.MPLS_VPN, bandwidth_mbps=4.0,
             monthly_fee=Decimal("1800"), classified=True, a_device="town-huayan-ce1",
             a_interface="GigabitEthernet0/0/1", z_end="区级节点"),
    )  # fmt: skip
    assert result.added == ["20190123", "CQ-LT-2024-7", "CQ-YD-2024-8"]
    assert result.removed and result.changed == []
    # 华岩镇 carries no classified business: imported, with a warning naming the cell.
    assert [(p.entry, p.field) for p in result.warnings] == [
        ("sheet '2024年' row 8", "column L 涉密")
    ]

    written = (example_project / LINES_FILE).read_text(encoding="utf-8")
    assert written.startswith("# ") and "九龙坡区专线台账.xlsx" in written
    assert str(tmp_path) not in written
    assert "monthly_fee: 1800.00\n" in written and "contract_start: 2024-01-31\n" in written
    assert "circuit_id: '20190123'\n" in written
    assert get_inventory(example_project, tree).lines == result.lines


def _write_numbers_as_floats(path: Path, numbers: set[str]) -> None:
    """Rewrite <v>N</v> as <v>N.0</v>, as some spreadsheet programs store whole numbers."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for number in numbers:
        assert f"<v>{number}</v>" in sheet
        sheet = sheet.replace(f"<v>{number}</v>", f"<v>{number}.0</v>")
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)


# --- (3) CSV as Chinese Excel saves it ------------------------------------------------------------


def test_gbk_csv_imports(project: Path, tree: DivisionTree, tmp_path: Path) -> None:
    text = (
        "电路编号,单位,网络名称,运营商,线路类型,带宽(M),月租金,合同截止日期,Z端,A端设备\r\n"
        'CQ-GD-1,重庆市九龙坡区大数据应用发展管理局,广电专网,中国广电,裸纤,1000,"3,200.50",'
        "2026年6月30日,市级节点,jlp-dsj-core1\r\n"
        ",,,,,,,,,\r\n"
    )
    path = tmp_path / "台账.csv"
    path.write_bytes(text.encode("gbk"))

    result = import_ledger(project, path, tree)

    assert result.sheet is None and result.rows == 1
    assert result.lines == (
        Line(circuit_id="CQ-GD-1", unit="jlp-dsj", network="广电专网",
             carrier=Carrier.BROADCAST, kind=LineKind.DARK_FIBRE, bandwidth_mbps=1000,
             monthly_fee=Decimal("3200.50"), contract_end=dt.date(2026, 6, 30),
             a_device="jlp-dsj-core1", z_end="市级节点"),
    )  # fmt: skip
    assert result.removed == ["CQ-DX-MSTP-2020-0001", "CQ-LT-INT-2021-0002"]
    assert get_inventory(project, tree).lines == result.lines


@pytest.mark.parametrize(
    ("header", "cell", "field", "expected"),
    [
        ("带宽", "100Mbps", "bandwidth_mbps", 100.0),
        ("带宽（M）", "100 Mb/s", "bandwidth_mbps", 100.0),
        ("BANDWIDTH_MBPS", "512K", "bandwidth_mbps", 0.512),
        ("带宽", "千兆", "bandwidth_mbps", 1000.0),
        ("带宽", "2.5", "bandwidth_mbps", 2.5),
        ("月租费", "1.2万", "monthly_fee", Decimal("12000")),
        ("月租费", "¥ 1,800", "monthly_fee", Decimal("1800")),
        ("月租费", "-", "monthly_fee", None),
        ("开通日期", "2024.1.31", "contract_start", dt.date(2024, 1, 31)),
        ("开通日期", "20240131", "contract_start", dt.date(2024, 1, 31)),
        ("开通日期", "2024-01-31 00:00:00", "contract_start", dt.date(2024, 1, 31)),
        ("是否涉密", "非涉密", "classified", False),
        ("提前通知天数", "30天", "notice_days", 30),
        ("提前通知期", "提前 60 日", "notice_days", 60),
        ("通知期（天）", "90", "notice_days", 90),
        ("提前通知天数", "无", "notice_days", None),
        ("违约条款", "按剩余月租费30%收取违约金", "termination_terms", "按剩余月租费30%收取违约金"),
        ("是否涉密", "Y", "classified", True),
        ("是否涉密", "", "classified", None),
        ("专线类型", "mpls-vpn", "kind", LineKind.MPLS_VPN),
        ("专线类型", "4G-5G", "kind", LineKind.CELLULAR),
        ("专线类型", "光宽带", "kind", LineKind.BROADBAND),
        ("专线类型", "Dark_Fibre", "kind", LineKind.DARK_FIBRE),
        ("运营商", "Unicom", "carrier", Carrier.UNICOM),
        ("单位名称", "xxzx-a", "unit", "xxzx-a"),
    ],
)
def test_cell_values_people_write(
    project: Path, tree: DivisionTree, tmp_path: Path, header: str, cell: str, field: str,
    expected: object,
) -> None:  # fmt: skip
    base = {"电路编号": "C1", "单位名称": "jlp-dsj", "网络名称": "外网", "运营商": "电信",
            "专线类型": "MSTP", "Z端": "区级节点"}  # fmt: skip
    base = {k: v for k, v in base.items() if _field_of(k) != field}
    base[header] = cell
    path = tmp_path / "one.csv"
    csv_text = ",".join(base) + "\n" + ",".join(f'"{v}"' for v in base.values()) + "\n"
    path.write_text(csv_text, encoding="utf-8")

    (line,) = import_ledger(project, path, tree, dry_run=True).lines

    assert getattr(line, field) == expected


def _field_of(header: str) -> str:
    columns = get_ledger_columns()
    return next(name for name, headers in columns.items() if header in headers)


# --- (4) bad input -------------------------------------------------------------------------------


def test_every_bad_cell_is_reported_and_nothing_written(
    example_project: Path, tree: DivisionTree, tmp_path: Path
) -> None:
    def row(circuit: str, **changes: object) -> list[object]:
        values: dict[str, object] = {
            "电路编号": circuit, "单位名称": "重庆市九龙坡区财政局", "网络名称": "电子政务外网",
            "线路运营商": "电信", "线路类型": "MSTP", "带宽（Mbps）": 20,
            "月租费（元）": 1800, "合同开始日期": dt.date(2024, 1, 1),
            "合同到期日期": dt.date(2026, 12, 31), "设备": "jlp-caizheng-ce1", "Z端": "区级节点",
        }  # fmt: skip
        values.update(changes)
        return [values.get(h) for h in DEFAULT_HEADERS]

    path = save_sheet(
        tmp_path / "bad.xlsx",
        [
            ["九龙坡区专线台账"],
            DEFAULT_HEADERS,
            row("DUP-1"),
            row("C-4", 单位名称="九龙坡区财政"),
            row("C-5", **{"月租费（元）": "12OO"}),
            row("DUP-1"),
            row("C-7", 网络名称="电子政务\n外网"),
            row("C-8", 合同开始日期=dt.date(2025, 1, 1), 合同到期日期=dt.date(2024, 1, 1)),
            row("C-9", 设备="jlp-nosuch-ce9"),
            row("C-10"),
        ],
        title="台账",
    )
    before = (example_project / LINES_FILE).read_bytes()

    with pytest.raises(ProblemsError) as excinfo:
        import_ledger(example_project, path, tree)

    expected = [
        (4, "B 单位名称", "did you mean 重庆市九龙坡区财政局"),
        (5, "G 月租费（元）", "'12OO'"),
        (6, "A 电路编号", "duplicate circuit id (also row 3)"),
        (7, "C 网络名称", "line break"),
        (8, "J 合同到期日期", "before contract_start"),
        (9, "Q 设备", "'jlp-nosuch-ce9'"),
    ]
    found = [(p.entry, p.field, p.message) for p in errors_of(excinfo)]
    assert len(found) == len(expected), found
    for (entry, field, message), (row_number, column, text) in zip(found, expected, strict=True):
        assert entry == f"sheet '台账' row {row_number}"
        assert field == f"column {column}"
        assert text in message
    assert all(p.file == str(path) for p in excinfo.value.problems)
    assert (example_project / LINES_FILE).read_bytes() == before


@pytest.mark.parametrize(
    ("header", "cell", "message"),
    [
        ("带宽（Mbps）", "fast", "not a bandwidth"),
        ("带宽（Mbps）", "0", "greater than 0"),
        ("月租费（元）", "-5", "cannot be negative"),
        ("月租费（元）", "1800.123", "more than 2 decimal places"),
        ("合同开始日期", "2024-02-30", "not a real date"),
        ("合同开始日期", "31/01/2024", "not a date"),
        ("是否涉密", "maybe", "是 or 否"),
        ("提前通知天数", "1个月", "not a number of calendar days"),
        ("提前通知天数", "30个工作日", "not a number of calendar days"),
        ("提前通知天数", "-3", "not a number of calendar days"),
        ("提前通知天数", "5000", "less than or equal to 3650"),
        ("线路运营商", "鹏博士", "电信, 联通, 移动, 广电, 其他"),
        ("线路类型", "ATM", "MSTP, SDH, MPLS VPN"),
        ("电路编号", "CQ 001", "no spaces"),
        ("网络名称", "", "empty"),
        ("单位名称", "九龙坡区信息中心", "2 units are named"),
        ("单位名称", "大数据局", "did you mean 重庆市九龙坡区大数据应用发展管理局 (jlp-dsj)"),
        ("单位名称", "jlp-dsjj", "did you mean 重庆市九龙坡区大数据应用发展管理局 (jlp-dsj)"),
    ],
)
def test_bad_cell_names_its_row_and_column(
    project: Path, tree: DivisionTree, tmp_path: Path, header: str, cell: str, message: str
) -> None:
    values = {"电路编号": "C1", "单位名称": "jlp-dsj", "网络名称": "外网", "线路运营商": "电信",
              "线路类型": "MSTP", "Z端": "区级节点"}  # fmt: skip
    values[header] = cell
    path = tmp_path / "bad.csv"
    path.write_text(
        "\n".join(
            [",".join(DEFAULT_HEADERS), ",".join(values.get(h, "") for h in DEFAULT_HEADERS)]
        ),
        encoding="utf-8",
    )

    with pytest.raises(ProblemsError) as excinfo:
        import_ledger(project, path, tree)

    (problem,) = errors_of(excinfo)
    letter = string.ascii_uppercase[DEFAULT_HEADERS.index(header)]
    assert (problem.entry, problem.field) == ("row 2", f"column {letter} {header}")
    assert message in problem.message


def test_missing_required_column_names_accepted_headers(
    project: Path, tree: DivisionTree, tmp_path: Path
) -> None:
    headers = [h for h in DEFAULT_HEADERS if h not in ("线路运营商", "线路类型")]
    path = save_sheet(tmp_path / "x.xlsx", [headers, ["C1", "jlp-dsj", "外网", "20"]])

    with pytest.raises(ProblemsError) as excinfo:
        import_ledger(project, path, tree)

    problems = errors_of(excinfo)
    assert [p.entry for p in problems] == ["sheet 'Sheet1' row 1"] * 2
    assert "carrier" in problems[0].message and "线路运营商 / 运营商" in problems[0].message
    assert "kind" in problems[1].message and "专线类型" in problems[1].message


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00\x01not a spreadsheet" * 50)


def _old_xls(path: Path) -> None:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500)


def _zip_as_csv(path: Path) -> None:
    save_sheet(path.with_suffix(".xlsx"), [["电路编号", "单位"]]).rename(path)


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("ledger.xls", _garbage, "save it as .xlsx"),
        ("ledger.et", _garbage, "save it as .xlsx"),
        ("ledger.xlsx", _garbage, "cannot be read as an Excel .xlsx workbook"),
        ("ledger.xlsx", _old_xls, "Excel 97-2003"),
        ("ledger.csv", _zip_as_csv, "rename it to .xlsx"),
        ("ledger.csv", _garbage, "NUL"),
        ("ledger.txt", _garbage, "unknown file type .txt"),
        ("missing.xlsx", lambda path: None, "file not found"),
        ("empty.xlsx", lambda path: save_sheet(path, []), "no data"),
        ("empty.csv", lambda path: path.write_text("\n\n"), "empty"),
        ("nohead.xlsx", lambda path: save_sheet(path, [["a", "b"]] * 12), "no sheet has a header"),
        ("headonly.xlsx", lambda path: save_sheet(path, [DEFAULT_HEADERS]), "no lines under"),
    ],
)
def test_unreadable_file_is_one_clear_problem(
    project: Path,
    tree: DivisionTree,
    tmp_path: Path,
    name: str,
    make: Callable[[Path], object],
    message: str,
) -> None:
    path = tmp_path / name
    make(path)
    before = (project / LINES_FILE).read_bytes()

    with pytest.raises(ProblemsError) as excinfo:
        import_ledger(project, path, tree)

    (problem,) = excinfo.value.problems
    assert problem.file == str(path)
    assert message in problem.message, problem
    assert (project / LINES_FILE).read_bytes() == before


def test_sheet_choice(project: Path, tree: DivisionTree, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.worksheets[0].title = "说明"
    workbook.worksheets[0].append(["本台账由区大数据局维护"])
    ledger = workbook.create_sheet("专线")
    ledger.append(DEFAULT_HEADERS)
    ledger.append(
        ["C1", "jlp-dsj", "外网", "电信", "MSTP"] + [None] * 10 + ["区级节点"]
    )  # Z端: the 16th column
    path = tmp_path / "two.xlsx"
    workbook.save(path)

    assert import_ledger(project, path, tree, dry_run=True).sheet == "专线"  # first with a header
    assert import_ledger(project, path, tree, dry_run=True, sheet="专线").rows == 1
    with pytest.raises(ProblemsError) as excinfo:
        import_ledger(project, path, tree, sheet="Sheet1")
    (problem,) = excinfo.value.problems
    assert "no sheet named 'Sheet1'" in problem.message and "'说明', '专线'" in problem.message
    with pytest.raises(ProblemsError) as excinfo:
        import_ledger(project, path, tree, sheet="说明")
    assert "sheet '说明' has no header row" in excinfo.value.problems[0].message


def test_export_refuses_unknown_suffix_and_broken_ledger(
    project: Path, tree: DivisionTree, tmp_path: Path
) -> None:
    with pytest.raises(ProblemsError) as excinfo:
        export_ledger(project, tmp_path / "out.xls", tree)
    (problem,) = excinfo.value.problems
    assert ".xlsx" in problem.message and ".csv" in problem.message
    assert not (tmp_path / "out.xls").exists()

    lines = project / LINES_FILE
    lines.write_text(lines.read_text(encoding="utf-8").replace("kind: mstp", "kind: atm"))
    with pytest.raises(ProblemsError) as excinfo:
        export_ledger(project, tmp_path / "out.xlsx", tree)
    assert [p.file for p in excinfo.value.problems] == [LINES_FILE]
    assert not (tmp_path / "out.xlsx").exists()


# --- (5) dry run, and what changed -------------------------------------------------------------


def test_dry_run_writes_nothing_and_reports_changes(
    example_project: Path, tree: DivisionTree, tmp_path: Path
) -> None:
    lines = get_inventory(example_project, tree).lines
    path = tmp_path / "edited.xlsx"
    export_ledger(example_project, path, tree)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    z_end = DEFAULT_HEADERS.index("Z端") + 1
    sheet.cell(row=2, column=z_end, value="新的Z端")  # Z端 of the first line
    sheet.delete_rows(sheet.max_row)  # the last line
    new_line: list[object] = ["NEW-1", "jlp-dsj", "外网", "电信", "MSTP", None, 100]
    sheet.append(new_line + [None] * (z_end - len(new_line) - 1) + ["区级节点"])
    workbook.save(path)
    before = (example_project / LINES_FILE).read_bytes()

    preview = import_ledger(example_project, path, tree, dry_run=True)

    assert not preview.written
    assert (example_project / LINES_FILE).read_bytes() == before
    assert preview.added == ["NEW-1"]
    assert preview.changed == [lines[0].circuit_id]
    assert preview.removed == [lines[-1].circuit_id]

    done = import_ledger(example_project, path, tree)
    assert done.written and (done.added, done.changed, done.removed) == (
        preview.added, preview.changed, preview.removed,
    )  # fmt: skip
    assert get_inventory(example_project, tree).lines == done.lines
    again = import_ledger(example_project, path, tree, dry_run=True)
    assert (again.added, again.changed, again.removed) == ([], [], [])


def test_broken_lines_yaml_is_replaced(project: Path, tree: DivisionTree, tmp_path: Path) -> None:
    good = get_inventory(project, tree).lines
    path = tmp_path / "good.csv"
    export_ledger(project, path, tree)
    broken = "lines:\n  - circuit_id: CQ-DX-MSTP-2020-0001\n    unit: nobody\n    kind: [\n"
    (project / LINES_FILE).write_text(broken, encoding="utf-8")  # not even YAML
    result = import_ledger(project, path, tree)
    assert result.written and get_inventory(project, tree).lines == good

    (project / LINES_FILE).write_text(
        "lines:\n  - circuit_id: CQ-DX-MSTP-2020-0001\n    unit: nobody\n  - circuit_id: OLD\n",
        encoding="utf-8",
    )  # YAML, but no valid line
    result = import_ledger(project, path, tree)
    assert result.changed == ["CQ-DX-MSTP-2020-0001"]
    assert result.added == ["CQ-LT-INT-2021-0002"] and result.removed == ["OLD"]
    assert get_inventory(project, tree).lines == good


def test_broken_project_blocks_import(project: Path, tree: DivisionTree, tmp_path: Path) -> None:
    path = tmp_path / "good.csv"
    export_ledger(project, path, tree)
    units = project / "inventory" / "units.yaml"
    units.write_text(units.read_text(encoding="utf-8").replace("kind: town", "kind: towm"))
    before = (project / LINES_FILE).read_bytes()

    with pytest.raises(ProblemsError) as excinfo:
        import_ledger(project, path, tree)

    assert "inventory/units.yaml" in {p.file for p in errors_of(excinfo)}
    assert (project / LINES_FILE).read_bytes() == before


# --- (6) a project's own column names ------------------------------------------------------------


def test_project_column_override(project: Path, tree: DivisionTree, tmp_path: Path) -> None:
    override = "# ours\ncircuit_id: [资源编号, 电路编号]\nnote: [说明]\n"
    (project / COLUMNS_FILE).write_text(override, encoding="utf-8")
    path = tmp_path / "ours.xlsx"
    header = ["资源编号", "单位", "网络名称", "运营商", "线路类型", "Z端", "说明", "备注"]
    save_sheet(path, [header, ["R-1", "jlp-dsj", "外网", "电信", "SDH", "区级节点", "新装", "x"]])

    (line,) = import_ledger(project, path, tree).lines

    assert (line.circuit_id, line.kind, line.note) == ("R-1", LineKind.SDH, "新装")
    export_ledger(project, tmp_path / "back.xlsx", tree)
    back = [c.value for c in openpyxl.load_workbook(tmp_path / "back.xlsx").worksheets[0][1]]
    assert back[0] == "资源编号" and back[-1] == "说明" and back[1] == "单位名称"


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        ("circuit_id: [资源编号]\nbandwith_mbps: [速率]\n", 2, "bandwith_mbps", "unknown field"),
        ("circuit_id: []\n", 1, "circuit_id", "at least 1"),
        ("z_end: [对端]\nnote:\n  - 备注\n  - 单位名称\n", 4, "note", "both unit and note"),
    ],
)
def test_bad_column_override_names_file_line_and_field(
    project: Path, tree: DivisionTree, tmp_path: Path, text: str, line: int, field: str,
    message: str,
) -> None:  # fmt: skip
    (project / COLUMNS_FILE).write_text(text, encoding="utf-8")
    path = tmp_path / "x.csv"
    path.write_text("电路编号,单位\n", encoding="utf-8")

    with pytest.raises(ProblemsError) as excinfo:
        import_ledger(project, path, tree)

    (problem,) = errors_of(excinfo)
    assert (problem.file, problem.line, problem.field) == (COLUMNS_FILE, line, field)
    assert message in problem.message


# --- (7) any valid ledger round-trips ------------------------------------------------------------

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
ASCII = st.sampled_from(string.ascii_letters + string.digits + "-_/.()（）'\"=+@#%&,，")
WORDS = st.text(st.one_of(CJK, ASCII, st.sampled_from(" \u3000")), min_size=1, max_size=30)
TEXT = WORDS.map(str.strip).filter(bool)
CIRCUIT = st.one_of(
    st.text(st.one_of(CJK, ASCII).filter(lambda c: c not in " \u3000"), min_size=1, max_size=40),
    st.from_regex(r"0*[0-9]{1,12}", fullmatch=True),
)
INTERFACE = st.one_of(
    st.from_regex(
        r"(GigabitEthernet|Eth-Trunk|Serial)[0-9]{1,2}(/[0-9]{1,2}){0,2}", fullmatch=True
    ),
    st.from_regex(r"[0-9]{1,4}", fullmatch=True),
    TEXT,
)
FEE = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2)
BANDWIDTH = st.one_of(
    st.integers(1, 1_000_000).map(float),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal(1_000_000), places=3).map(float),
)
DATE = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31))
UNITS = ["jlp", "jlp-dsj", "jlp-jiyao", "xxzx-a", "xxzx-b", "town-huayan"]
HOSTS = ["jlp-dsj-core1", "town-huayan-ce1"]


@st.composite
def ledger_lines(draw: st.DrawFn) -> Line:
    start, end = draw(st.none() | DATE), draw(st.none() | DATE)
    if start is not None and end is not None and end < start:
        start, end = end, start
    classified = draw(st.none() | st.booleans())
    grades = [g for g in SecurityGrade if classified is None or g.is_classified == classified]
    return Line(
        circuit_id=draw(CIRCUIT),
        unit=draw(st.sampled_from(UNITS)),
        network=draw(TEXT),
        carrier=draw(st.sampled_from(Carrier)),
        kind=draw(st.sampled_from(LineKind)),
        bandwidth_mbps=draw(st.none() | BANDWIDTH),
        monthly_fee=draw(st.none() | FEE),
        annual_fee=draw(st.none() | FEE),
        contract_start=start,
        contract_end=end,
        notice_days=draw(st.none() | st.integers(0, 3650)),
        termination_terms=draw(st.none() | TEXT),
        classified=classified,
        security_grade=draw(st.none() | st.sampled_from(grades)),
        funding_source=draw(st.none() | TEXT),
        payer=draw(st.none() | TEXT),
        a_device=draw(st.none() | st.sampled_from(HOSTS)),
        a_interface=draw(st.none() | INTERFACE),
        z_end=draw(st.none() | TEXT),
        note=draw(st.none() | TEXT | st.lists(TEXT, min_size=2, max_size=3).map("\n".join)),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(  # circuit ids that differ only in case or width are one circuit: a duplicate
    st.lists(
        ledger_lines(),
        min_size=1,
        max_size=6,
        unique_by=lambda ln: get_circuit_key(ln.circuit_id),
    )
)
@example(  # text a spreadsheet program would take for a formula, a number or a date
    [
        Line(circuit_id="=1+1", unit="xxzx-b", network="-外网", carrier=Carrier.OTHER,
             kind=LineKind.OTHER, a_interface="0017", z_end="@区级节点", note="2024-01-31"),
        Line(circuit_id="00123", unit="jlp", network="+86", carrier=Carrier.MOBILE,
             kind=LineKind.CELLULAR, bandwidth_mbps=2.048, z_end="1.50"),
    ]
)  # fmt: skip
def test_any_valid_ledger_round_trips(tree: DivisionTree, lines: list[Line]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        shutil.copytree(PROJECT, root)
        (root / LINES_FILE).write_text(lines_to_yaml(lines), encoding="utf-8")
        assert get_inventory(root, tree).lines == tuple(lines)  # the YAML writer is exact too
        for suffix in (".xlsx", ".csv"):
            target = Path(tmp) / f"ledger{suffix}"
            assert export_ledger(root, target, tree) == len(lines)
            result = import_ledger(root, target, tree, dry_run=True)
            assert result.lines == tuple(lines), suffix
            assert (result.added, result.changed, result.removed) == ([], [], [])
