"""The inventory workbook (`govnet inventory template`): one .xlsx with the project's units
(单位), devices (设备) and ledger (专线台账) under Chinese headers, drop-downs for every
enumeration and a 填写说明 sheet, so an office fills in its inventory in Excel or WPS and
`govnet inventory import` reads all three sheets back.

The sheets hold the project's own rows (after `init --county`, its county's units) and no
made-up example rows: an example row left in place would be imported as a real unit or
device. Examples are in the 填写说明 sheet instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from govnet.ledger import FIELDS as LEDGER_FIELDS
from govnet.ledger import get_ledger_choices, get_ledger_columns
from govnet.ledger.columns import REQUIRED_FIELDS as LEDGER_REQUIRED
from govnet.ledger.columns import SHEET_TITLE  # the ledger export's sheet
from govnet.model.inventory import (
    HOSTNAME_RULE,
    Carrier,
    ContactRole,
    Inventory,
    LineKind,
    Role,
    SecurityGrade,
    Unit,
)
from govnet.model.labels import (
    CARRIER_LABELS,
    CONTACT_ROLE_LABELS,
    KIND_LABELS,
    PLATFORM_LABELS,
    ROLE_LABELS,
    SECURITY_GRADE_LABELS,
    UNIT_KIND_LABELS,
)

UNITS_SHEET = "单位"
DEVICES_SHEET = "设备"
LEDGER_SHEET = SHEET_TITLE
HELP_SHEET = "填写说明"
ROWS = 1000  # rows the drop-downs cover
YES, NO = "是", "否"


@dataclass(frozen=True)
class BookColumn:
    """One column of the units or devices sheet: the field it fills and how to fill it."""

    field: str
    header: str
    required: bool
    help: str
    example: str = ""
    width: int = 14
    choices: tuple[str, ...] = ()  # a drop-down of these words
    unit_list: bool = False  # a drop-down of the units sheet's names


def _contact_columns() -> list[BookColumn]:
    columns: list[BookColumn] = []
    for role, label in CONTACT_ROLE_LABELS.items():
        columns.append(BookColumn(f"contact:{role.value}", label, False, f"{label}姓名", "张三"))
        phone = "联系电话" if role is ContactRole.CONTACT else f"{label}电话"
        columns.append(
            BookColumn(
                f"phone:{role.value}",
                phone,
                False,
                "手机或座机，如 13800000000、0536-8888888、0536-8888888转123；"
                "同一角色多人时姓名和电话都用“、”分隔，顺序对应",
                "0536-8888888",
            )
        )
    return columns


UNIT_COLUMNS: tuple[BookColumn, ...] = (
    BookColumn(
        "id",
        "单位编号",
        True,
        "小写字母、数字、“-”或“_”，最长 64 位；其他表可写单位编号或单位名称",
        "c370705-renshe",
        18,
    ),
    BookColumn("name", "单位名称", True, "单位全称", "潍坊市奎文区人力资源和社会保障局", 36),
    BookColumn(
        "kind", "单位类型", True, "从下拉列表选择", "部门", choices=tuple(UNIT_KIND_LABELS.values())
    ),
    BookColumn(
        "division_code",
        "区划代码",
        True,
        "统计用区划代码：区县政府和部门填区县代码，乡镇（街道）填乡镇代码；可写 6 位或 9 位",
        "370705",
        16,
    ),
    BookColumn("parent", "上级单位", False, "上级单位的编号或名称（部门、乡镇一般为区县政府）"),
    BookColumn(
        "classified",
        "是否涉密",
        False,
        "承载涉密业务填“是”，否则“否”或留空",
        NO,
        10,
        choices=(YES, NO),
    ),
    *_contact_columns(),
    BookColumn("note", "备注", False, "其他说明", "", 30),
)


def get_device_columns(platforms: Sequence[str]) -> tuple[BookColumn, ...]:
    """The devices sheet's columns; ``platforms`` are the project's known platforms."""
    return (
        BookColumn(
            "name",
            "设备名称",
            True,
            f"设备在清单中的名称：{HOSTNAME_RULE}",
            "c370705-dsj-core1",
            22,
        ),
        BookColumn("hostname", "管理地址", True, "SSH 登录的 IP 地址或域名", "10.0.0.1", 16),
        BookColumn("port", "端口", False, "SSH 端口，留空为 22", "22", 8),
        BookColumn(
            "platform",
            "设备平台",
            True,
            "从下拉列表选择设备厂商与系统",
            get_platform_label("huawei"),
            choices=tuple(get_platform_label(p) for p in platforms),
        ),
        BookColumn(
            "unit",
            "所属单位",
            True,
            f"“{UNITS_SHEET}”表中的单位名称或编号",
            "潍坊市奎文区电子政务中心",
            30,
            unit_list=True,
        ),
        BookColumn(
            "division_code", "区划代码", False, "设备所在区划；留空取所属单位的区划", "", 16
        ),
        BookColumn("site", "安装位置", True, "机房或安装地点", "区政务服务中心三楼机房", 30),
        BookColumn(
            "role",
            "设备角色",
            True,
            "从下拉列表选择",
            ROLE_LABELS[Role.CORE],
            choices=tuple(ROLE_LABELS.values()),
        ),
    )


def get_platform_label(platform: str) -> str:
    """A platform as the workbook names it: 华为 VRP (huawei); the code alone when unknown."""
    label = PLATFORM_LABELS.get(platform)
    return f"{label} ({platform})" if label else platform


# --- cells of the project's rows ----------------------------------------------------------------


def _join(values: Sequence[str]) -> str | None:
    return "、".join(values) or None


def unit_to_cells(unit: Unit) -> dict[str, object]:
    cells: dict[str, object] = {
        "id": unit.id,
        "name": unit.name,
        "kind": UNIT_KIND_LABELS[unit.kind],
        "division_code": unit.division_code,
        "parent": unit.parent,
        "classified": YES if unit.classified else NO,
        "note": unit.note,
    }
    for role in ContactRole:
        people = [c for c in unit.contacts if c.role is role]
        cells[f"contact:{role.value}"] = _join([c.name for c in people])
        phones = [c.phone or "" for c in people]
        cells[f"phone:{role.value}"] = _join(phones) if any(phones) else None
    return cells


def _line_cells(inventory: Inventory, root: Path) -> tuple[list[str], list[list[object]]]:
    """The ledger sheet's header (the export's) and rows, in the ledger's own words."""
    columns = get_ledger_columns(root)
    header = [columns[name][0] for name in LEDGER_FIELDS]
    names = {u.id: u.name for u in inventory.units}
    labels: dict[type[Enum], dict[str, str]] = {
        Carrier: {k.value: v for k, v in CARRIER_LABELS.items()},
        LineKind: {k.value: v for k, v in KIND_LABELS.items()},
        SecurityGrade: {k.value: v for k, v in SECURITY_GRADE_LABELS.items()},
    }
    rows: list[list[object]] = []
    for line in inventory.lines:
        row: list[object] = []
        for name in LEDGER_FIELDS:
            value = getattr(line, name)
            if name == "unit":
                value = names.get(value, value)
            elif isinstance(value, Enum):
                value = labels.get(type(value), {}).get(value.value, value.value)
            elif isinstance(value, bool):
                value = YES if value else NO
            row.append(value)
        rows.append(row)
    return header, rows


# --- the workbook ---------------------------------------------------------------------------------

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")


def _write_rows(
    sheet: Worksheet,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    required: Sequence[bool],
    notes: Sequence[str],
    widths: Sequence[int],
) -> None:
    for col, text in enumerate(header, start=1):
        cell = sheet.cell(row=1, column=col, value=text)
        cell.font = Font(bold=True)
        cell.fill = _REQUIRED_FILL if required[col - 1] else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if notes[col - 1]:
            cell.comment = Comment(
                ("必填。" if required[col - 1] else "") + notes[col - 1], "govnet"
            )
        sheet.column_dimensions[get_column_letter(col)].width = widths[col - 1]
    for number, values in enumerate(rows, start=2):
        for col, value in enumerate(values, start=1):
            if value is None:
                continue
            target: Any = sheet.cell(row=number, column=col)
            if isinstance(value, Decimal):
                target.value = float(value)
                target.number_format = "#,##0.00"
            elif isinstance(value, dt.date):
                target.value = value
                target.number_format = "yyyy-mm-dd"
            elif isinstance(value, str):
                target.value = value
                target.data_type = "s"  # text that starts with "=" stays text, never a formula
                target.number_format = "@"
            else:
                target.value = value
    sheet.freeze_panes = "A2"


def _add_list(sheet: Worksheet, column: int, formula: str, what: str) -> None:
    letter = get_column_letter(column)
    validation = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="请从下拉列表选择",
        error=f"{what}：请从下拉列表中选择",
    )
    validation.add(f"{letter}2:{letter}{ROWS + 1}")
    sheet.add_data_validation(validation)


def _quoted(words: Sequence[str]) -> str:
    return '"' + ",".join(words) + '"'


def _write_sheet(
    sheet: Worksheet, columns: Sequence[BookColumn], rows: Sequence[Mapping[str, object]]
) -> None:
    _write_rows(
        sheet,
        [c.header for c in columns],
        [[row.get(c.field) for c in columns] for row in rows],
        [c.required for c in columns],
        [c.help for c in columns],
        [c.width for c in columns],
    )
    units = f"'{UNITS_SHEET}'!$B$2:$B${ROWS + 1}"
    for index, column in enumerate(columns, start=1):
        if column.choices:
            _add_list(sheet, index, _quoted(column.choices), column.header)
        elif column.unit_list:
            _add_list(sheet, index, units, column.header)


def _write_ledger(sheet: Worksheet, header: list[str], rows: list[list[object]]) -> None:
    required = set(LEDGER_REQUIRED)
    _write_rows(
        sheet,
        header,
        rows,
        [name in required for name in LEDGER_FIELDS],
        ["" for _ in LEDGER_FIELDS],
        [
            30 if name in ("unit", "z_end", "note", "termination_terms") else 14
            for name in LEDGER_FIELDS
        ],
    )
    lists = {name: _quoted(words) for name, words in get_ledger_choices().items()}
    lists["unit"] = f"'{UNITS_SHEET}'!$B$2:$B${ROWS + 1}"
    for index, name in enumerate(LEDGER_FIELDS, start=1):
        if name in lists:
            _add_list(sheet, index, lists[name], header[index - 1])


_LEDGER_HELP: dict[str, tuple[bool, str, str]] = {
    "circuit_id": (True, "运营商的电路编号，唯一", "SD-DX-MSTP-2021-0001"),
    "unit": (True, f"“{UNITS_SHEET}”表中的单位名称或编号", "潍坊市奎文区电子政务中心"),
    "network": (True, "线路承载的网络或业务", "电子政务外网"),
    "carrier": (True, "从下拉列表选择", "电信"),
    "kind": (True, "从下拉列表选择", "MSTP"),
    "bandwidth_mbps": (False, "带宽，单位 Mbps", "100"),
    "monthly_fee": (False, "月租费（元）；与年租费填其一", "3000"),
    "annual_fee": (False, "年租费（元）；与月租费填其一", "36000"),
    "contract_start": (False, "日期，如 2024-01-01", "2024-01-01"),
    "contract_end": (False, "日期，如 2026-12-31", "2026-12-31"),
    "notice_days": (False, "撤销前须提前书面通知运营商的天数", "30"),
    "termination_terms": (False, "合同中的提前解约/违约条款", ""),
    "classified": (False, "“是”或“否”", NO),
    "security_grade": (
        False,
        "从下拉列表选择：等保一级至四级，涉密线路选分保秘密/机密/绝密级",
        "等保二级",
    ),
    "funding_source": (False, "线路费用的经费来源", "区级财政预算"),
    "payer": (False, "实际付费的单位", "潍坊市奎文区电子政务中心"),
    "a_device": (False, f"“{DEVICES_SHEET}”表中的设备名称（不掌握时留空）", ""),
    "a_interface": (False, "设备上的接口名，按厂商写法", "GigabitEthernet0/0/1"),
    "z_end": (False, "线路对端位置（不掌握时留空）", "市电子政务外网市级节点"),
    "note": (False, "其他说明", ""),
}


def _write_help(sheet: Worksheet, devices: Sequence[BookColumn], ledger_header: list[str]) -> None:
    sheet.append(["工作表", "列", "是否必填", "填写说明", "示例"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    for title, columns in ((UNITS_SHEET, UNIT_COLUMNS), (DEVICES_SHEET, devices)):
        for c in columns:
            sheet.append([title, c.header, YES if c.required else NO, c.help, c.example])
    for name, header in zip(LEDGER_FIELDS, ledger_header, strict=True):
        required, text, example = _LEDGER_HELP.get(name, (False, "", ""))
        sheet.append([LEDGER_SHEET, header, YES if required else NO, text, example])
    sheet.append([])
    for text in (
        "1. 每个工作表第一行为表头，请勿修改表头文字；从第二行起每行一条记录，不要合并单元格。",
        "2. 橙色表头为必填列；带下拉箭头的列请从列表中选择。",
        "3. 示例只列在本表中；各表已有的行是本项目当前数据（单位按区划生成，请核对并补充部门）。",
        "4. 填好后运行 govnet inventory import 本文件.xlsx：三张表一起检查，有任何错误都不写入，"
        "并指出工作表、行和列。",
    ):
        sheet.append([text])
    for letter, width in zip("ABCDE", (12, 18, 10, 70, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def write_template(
    target: Path, inventory: Inventory, platforms: Sequence[str], root: Path
) -> dict[str, int]:
    """Write the workbook to ``target`` (atomically by the caller); rows written per sheet."""
    workbook = Workbook()
    units_sheet = workbook.worksheets[0]
    units_sheet.title = UNITS_SHEET
    _write_sheet(units_sheet, UNIT_COLUMNS, [unit_to_cells(u) for u in inventory.units])
    device_columns = get_device_columns(platforms)
    unit_names = {u.id: u.name for u in inventory.units}
    hosts = [
        {
            "name": h.name,
            "hostname": h.address,
            "port": h.port,
            "platform": get_platform_label(h.platform),
            "unit": unit_names.get(h.unit, h.unit),
            "division_code": h.division_code,
            "site": h.site,
            "role": ROLE_LABELS[h.role],
        }
        for h in inventory.hosts
    ]
    _write_sheet(workbook.create_sheet(DEVICES_SHEET), device_columns, hosts)
    header, lines = _line_cells(inventory, root)
    _write_ledger(workbook.create_sheet(LEDGER_SHEET), header, lines)
    _write_help(workbook.create_sheet(HELP_SHEET), device_columns, header)
    workbook.save(target)
    return {UNITS_SHEET: len(inventory.units), DEVICES_SHEET: len(hosts), LEDGER_SHEET: len(lines)}
