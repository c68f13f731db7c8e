"""The statistics workbook's sheet writer: layout for printing, and text that stays text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import Cell

from govnet.model.settings import Statistics, UnitNote
from govnet.reports.base import COUNT, MONEY, RATE, Column, SheetSpec
from govnet.reports.workbook import write_workbook


def test_a_sheet_is_laid_out_for_printing_and_text_never_becomes_a_formula(tmp_path: Path) -> None:
    spec = SheetSpec(
        "线路与费用",
        "专线及费用情况表（测试）",
        "数据来源：测试",
        [
            Column("电路编号"),
            Column("条数", COUNT),
            Column("月租（元）", MONEY),
            Column("比例", RATE),
        ],
        [
            ['=HYPERLINK("http://x","点我")', 1, 1200.5, 0.25],
            ["CQ-DX-1", 2, None, None],
        ],
        [["合计", 3, 1200.5, None]],
        highlight=[1],
    )
    path = tmp_path / "statistics.xlsx"
    write_workbook(path, [spec])
    assert not list(tmp_path.glob(".statistics*"))  # no temporary file left behind
    sheet = openpyxl.load_workbook(path)["线路与费用"]
    assert sheet["A1"].value == "专线及费用情况表（测试）" and sheet["A3"].value == "数据来源：测试"
    assert sheet["A2"].value == "填报单位（盖章）：" and sheet["C2"].value == "表号："
    assert [c.value for c in sheet[4]] == ["电路编号", "条数", "月租（元）", "比例"]
    assert sheet["A5"].value == '=HYPERLINK("http://x","点我")' and sheet["A5"].data_type == "s"
    assert (sheet["B5"].number_format, sheet["C5"].number_format, sheet["D5"].number_format) == (
        COUNT,
        MONEY,
        RATE,
    )
    assert sheet["A7"].value == "合计" and sheet["A7"].font.b and sheet["B7"].value == 3
    assert sheet["A6"].fill.fgColor.rgb.endswith("F8CBAD")  # highlighted (overdue)
    # the signature block below the totals, two pairs to a row on a sheet four wide, to fill
    # in by hand: nothing in the settings
    assert [sheet.cell(9, c).value for c in (1, 3)] == ["填报人：", "审核人："]
    assert [sheet.cell(10, c).value for c in (1, 3)] == ["联系电话：", "填报日期："]
    assert sheet["B9"].value is None and sheet["B9"].border.bottom.style == "thin"
    assert sheet.freeze_panes == "A5" and sheet.print_title_rows == "$4:$4"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.column_dimensions["A"].width >= len('=HYPERLINK("http://x","点我")')


def test_the_office_block_and_the_notes_come_from_the_settings(tmp_path: Path) -> None:
    block = Statistics(
        unit="潍坊市奎文区大数据中心",
        preparer="张三",
        reviewer="李四",
        phone="0536-8888888",
        form_number="奎政数统{n}表",
        notes={"u1": UnitNote(problems="合同未到期", next_steps="到期后撤销")},
    )
    columns = [Column(h) for h in ("区划代码", "区划名称", "层级", "单位数", "比例", "甲", "乙")]
    tree = SheetSpec(
        "覆盖情况",
        "覆盖",
        "数据来源：测试",
        [*columns, Column("存在问题", wrap=True)],
        [
            ["370705", "奎文区", "县", 1, 1, "", "", None],
            ["370705001", "东关街道", "乡", 1, 1, "", "", "x"],
        ],
        indents=[0, 1],
    )
    path = tmp_path / "statistics.xlsx"
    write_workbook(
        path,
        [tree, tree.__class__(**{**tree.__dict__, "title": "二"})],
        block,
        dt.date(2026, 12, 1),
    )
    book = openpyxl.load_workbook(path)
    sheet = book["覆盖情况"]
    assert sheet["A2"].value == "填报单位（盖章）：潍坊市奎文区大数据中心"
    assert (
        sheet["G2"].value == "表号：奎政数统1表" and book["二"]["G2"].value == "表号：奎政数统2表"
    )
    assert sheet["B6"].value == "东关街道" and sheet["B6"].alignment.indent == 1  # no U+3000
    assert sheet["H6"].alignment.wrap_text and sheet.column_dimensions["H"].width >= 30
    labels = {sheet.cell(r, c).value: sheet.cell(r, c + 1) for r in (8, 9) for c in (1, 3, 5, 7)}
    assert labels["填报人："].value == "张三" and labels["审核人："].value == "李四"
    assert labels["联系电话："].value == "0536-8888888"
    day = labels["填报日期："]
    assert isinstance(day, Cell) and day.is_date and day.value == dt.datetime(2026, 12, 1)
    assert "年" in day.number_format
