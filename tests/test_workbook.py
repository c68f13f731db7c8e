"""The statistics workbook's sheet writer: layout for printing, and text that stays text."""

from __future__ import annotations

from pathlib import Path

import openpyxl

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
    assert sheet["A1"].value == "专线及费用情况表（测试）" and sheet["A2"].value == "数据来源：测试"
    assert [c.value for c in sheet[3]] == ["电路编号", "条数", "月租（元）", "比例"]
    assert sheet["A4"].value == '=HYPERLINK("http://x","点我")' and sheet["A4"].data_type == "s"
    assert (sheet["B4"].number_format, sheet["C4"].number_format, sheet["D4"].number_format) == (
        COUNT,
        MONEY,
        RATE,
    )
    assert sheet["A6"].value == "合计" and sheet["A6"].font.b and sheet["B6"].value == 3
    assert sheet["A5"].fill.fgColor.rgb.endswith("F8CBAD")  # highlighted (overdue)
    assert sheet.freeze_panes == "A4" and sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.column_dimensions["A"].width >= len('=HYPERLINK("http://x","点我")')
