"""A county office's own project (issue 20): `govnet init --county`, the inventory workbook
(`inventory template`, filled in with openpyxl as an office would, `inventory import`), and
the pipeline from that project to its reports on a lab built from it."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner, Result

from govnet.app.book import DEVICES_SHEET, HELP_SHEET, LEDGER_SHEET, UNIT_COLUMNS, UNITS_SHEET
from govnet.app.county import CountyError, init_county_project
from govnet.app.inventory import import_inventory_book, write_inventory_template
from govnet.app.project import Project, init_project
from govnet.cli import app
from govnet.ledger import FIELDS, get_ledger_columns
from govnet.model.divisions import Level, get_bundled_tree
from govnet.model.inventory_files import get_inventory
from govnet.model.labels import CARRIER_LABELS, KIND_LABELS, ROLE_LABELS, UNIT_KIND_LABELS
from govnet.model.problems import ProblemsError
from govnet.platforms import load_platforms
from govnet.survey.collect import RawText
from govnet.survey.offline import write_saved_host
from govnet_cli import run_govnet
from govnet_lab.generate import build_district, synthesize_inventory
from govnet_lab.render import UnknownCommand, render

COUNTY = "370705"  # 山东省潍坊市奎文区
SEED = 3


def govnet(root: Path, *args: str) -> Any:
    env = {"PATH": os.environ["PATH"], "HOME": str(root)}
    return run_govnet(root, env, *args)


def cli(root: Path, *args: str) -> Result:
    """govnet in this process (the same command line, without a new interpreter's start)."""
    return CliRunner().invoke(app, ["--project", str(root), *args])


def govnet_json(root: Path, *args: str) -> Any:
    done = govnet(root, *args, "--json")
    assert done.returncode == 0, done.stderr + done.stdout
    return json.loads(done.stdout)


def init_county(root: Path) -> Path:
    init_county_project(root, COUNTY)
    return root


def template(root: Path, name: str = "book.xlsx") -> Path:
    write_inventory_template(Project.find(root, None), root / name)
    return root / name


def header_of(sheet: Worksheet) -> list[str]:
    return [str(c.value) for c in sheet[1] if c.value is not None]


def choices_of(sheet: Worksheet, column: int) -> list[str] | str:
    """The drop-down of a column: its words, or the range it lists."""
    letter = get_column_letter(column)
    for validation in sheet.data_validations.dataValidation:
        if any(str(r).startswith(f"{letter}2:") for r in validation.sqref.ranges):
            formula = validation.formula1 or ""
            return formula.strip('"').split(",") if formula.startswith('"') else formula
    raise AssertionError(f"no drop-down on column {letter} of {sheet.title}")


# --- init --county -----------------------------------------------------------------------------


def test_init_county_has_a_unit_for_every_town(tmp_path: Path) -> None:
    root = tmp_path / "kuiwen"
    done = cli(tmp_path, "init", str(root), "--county", COUNTY)
    assert done.exit_code == 0, done.stderr
    towns = get_bundled_tree().get_descendants(COUNTY, Level.TOWN)
    assert len(towns) == 10  # 奎文区: ten streets in the NBS 2023 data
    inventory = get_inventory(root, get_bundled_tree())
    by_code = {u.division_code: u for u in inventory.units if u.kind.value == "town"}
    assert sorted(by_code) == [t.code for t in towns]
    assert by_code["370705001000"].name == "奎文区东关街道办事处"
    county = [u for u in inventory.units if u.kind.value == "county"]
    assert [(u.id, u.name) for u in county] == [("c370705", "潍坊市奎文区人民政府")]
    assert {u.parent for u in inventory.units} == {None, "c370705"}
    assert inventory.hosts == () and inventory.lines == ()
    assert (
        (root / "playbooks/policy.yaml")
        .read_text(encoding="utf-8")
        .startswith("# 电子政务网络整合政策（山东省潍坊市奎文区")
    )
    checked = cli(root, "inventory", "check", "--json")
    assert json.loads(checked.stdout) == {"ok": True, "problems": []}


def test_init_county_refuses_an_unknown_code_and_a_folder_in_use(tmp_path: Path) -> None:
    done = cli(tmp_path, "init", str(tmp_path / "x"), "--county", "370799")
    assert done.exit_code == 1
    assert "370799 is not a county" in done.stderr and "370705 奎文区" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "x").exists()
    with pytest.raises(CountyError, match="山东省潍坊市, not a county"):
        init_county_project(tmp_path / "x", "3707")
    with pytest.raises(CountyError, match="names 4 counties: 320106 江苏省南京市鼓楼区"):
        init_county_project(tmp_path / "x", "鼓楼区")
    assert not (tmp_path / "x").exists()
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    with pytest.raises(CountyError, match="is not empty"):
        init_county_project(used, COUNTY)
    assert sorted(p.name for p in used.iterdir()) == ["notes.txt"]
    init_county_project(tmp_path / "k", "奎文区")  # by its name, when one county has it
    assert (tmp_path / "k/inventory/units.yaml").read_text(encoding="utf-8").count(
        "id: town-"
    ) == 10


# --- the workbook ---------------------------------------------------------------------------------


def test_template_has_three_sheets_with_headers_drop_downs_and_the_units(tmp_path: Path) -> None:
    root = init_county(tmp_path / "kuiwen")
    done = cli(root, "inventory", "template", str(root / "book.xlsx"))
    assert done.exit_code == 0, done.stderr
    assert "单位 12, 设备 0, 专线台账 0" in done.stdout
    book = load_workbook(root / "book.xlsx")
    assert book.sheetnames == [UNITS_SHEET, DEVICES_SHEET, LEDGER_SHEET, HELP_SHEET]
    units = book[UNITS_SHEET]
    assert header_of(units) == [c.header for c in UNIT_COLUMNS]
    assert {"分管负责人", "联系人", "联系电话", "技术负责人"} <= set(header_of(units))
    assert units.max_row == 1 + 12  # the county, its e-government centre, ten streets
    assert units["A2"].value == "c370705" and units["C2"].value == "县（区）政府"
    assert choices_of(units, 3) == list(UNIT_KIND_LABELS.values())
    assert choices_of(units, 6) == ["是", "否"]
    devices = book[DEVICES_SHEET]
    header = header_of(devices)
    assert header[:2] == ["设备名称", "管理地址"] and devices.max_row == 1
    platforms = choices_of(devices, header.index("设备平台") + 1)
    assert "华为 VRP (huawei)" in platforms and "华三 Comware (hp_comware)" in platforms
    assert choices_of(devices, header.index("所属单位") + 1) == "'单位'!$B$2:$B$1001"
    assert choices_of(devices, header.index("设备角色") + 1) == list(ROLE_LABELS.values())
    ledger = book[LEDGER_SHEET]
    columns = get_ledger_columns(root)
    assert header_of(ledger) == [columns[name][0] for name in FIELDS]
    assert choices_of(ledger, FIELDS.index("carrier") + 1) == list(CARRIER_LABELS.values())
    assert choices_of(ledger, FIELDS.index("kind") + 1) == list(KIND_LABELS.values())
    help_rows = [[c.value for c in row] for row in book[HELP_SHEET].iter_rows()]
    listed = {(r[0], r[1]) for r in help_rows if r[0] in book.sheetnames}
    expected = {(UNITS_SHEET, h) for h in header_of(units)}
    expected |= {(DEVICES_SHEET, h) for h in header} | {
        (LEDGER_SHEET, h) for h in header_of(ledger)
    }
    assert listed == expected  # every column of every sheet explained


def fill(path: Path, synthesized: tuple[str, str, str]) -> dict[str, int]:
    """The template filled in as an office would, from a synthesized district of the county:
    its departments added under the generated units, contacts for two units, every router on
    the devices sheet and every line on the ledger sheet, each in the sheet's own words."""
    units = yaml.safe_load(synthesized[0])["units"]
    hosts = yaml.safe_load(synthesized[1])
    groups = {"huawei", "hp_comware", "cisco_ios"}
    lines = yaml.safe_load(synthesized[2])["lines"]
    book = load_workbook(path)
    sheet = book[UNITS_SHEET]
    header = header_of(sheet)
    col = {h: i + 1 for i, h in enumerate(header)}
    names = {
        sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value
        for r in range(2, sheet.max_row + 1)
    }
    for unit in units:
        if unit["id"] in names:
            continue
        row = sheet.max_row + 1
        sheet.cell(row=row, column=col["单位编号"], value=unit["id"])
        sheet.cell(row=row, column=col["单位名称"], value=unit["name"])
        sheet.cell(row=row, column=col["单位类型"], value="部门")
        sheet.cell(row=row, column=col["区划代码"], value=int(COUNTY))  # a number cell, 6 digits
        sheet.cell(row=row, column=col["上级单位"], value="潍坊市奎文区人民政府")  # by its name
        sheet.cell(row=row, column=col["是否涉密"], value="是" if unit["classified"] else "否")
        names[unit["id"]] = unit["name"]
    sheet.cell(row=2, column=col["分管负责人"], value="王建国")
    sheet.cell(row=2, column=col["分管负责人电话"], value=13805360001)  # typed as a number
    sheet.cell(row=3, column=col["联系人"], value="李娜、赵强")
    sheet.cell(row=3, column=col["联系电话"], value="0536-8231001、0536-8231002转12")
    devices = book[DEVICES_SHEET]
    dcol = {h: i + 1 for i, h in enumerate(header_of(devices))}
    words = choices_of(devices, dcol["设备平台"])
    role_words = {role.value: label for role, label in ROLE_LABELS.items()}
    for row, (name, host) in enumerate(hosts.items(), start=2):
        platform = next(g for g in host["groups"] if g in groups)
        devices.cell(row=row, column=dcol["设备名称"], value=name)
        devices.cell(row=row, column=dcol["管理地址"], value=host["hostname"])
        devices.cell(row=row, column=dcol["端口"], value=host["port"])
        devices.cell(
            row=row, column=dcol["设备平台"], value=next(w for w in words if f"({platform})" in w)
        )
        devices.cell(row=row, column=dcol["所属单位"], value=names[host["data"]["unit"]])
        devices.cell(row=row, column=dcol["安装位置"], value=host["data"]["site"])
        devices.cell(row=row, column=dcol["设备角色"], value=role_words[host["data"]["role"]])
        if host["data"]["division_code"] != names and host["data"]["unit"].startswith("town-"):
            devices.cell(row=row, column=dcol["区划代码"], value=host["data"]["division_code"])
    ledger = book[LEDGER_SHEET]
    carriers = {c.value: label for c, label in CARRIER_LABELS.items()}
    kinds = {k.value: label for k, label in KIND_LABELS.items()}
    for row, line in enumerate(lines, start=2):
        for column, name in enumerate(FIELDS, start=1):
            value = line.get(name)
            if value is None:
                continue
            if name == "unit":
                value = names[value]
            elif name == "carrier":
                value = carriers[value]
            elif name == "kind":
                value = kinds[value]
            elif name == "classified":
                value = "是" if value else "否"
            elif isinstance(value, Decimal):
                value = float(value)
            ledger.cell(row=row, column=column, value=value)
    book.save(path)
    return {"units": len(names), "devices": len(hosts), "lines": len(lines)}


def saved_outputs(root: Path, folder: Path) -> int:
    """What a survey of a lab built from the project's inventory would read (offline)."""
    platforms = load_platforms()
    inventory = get_inventory(root, get_bundled_tree())
    devices = build_district(inventory, SEED).devices
    for device in devices:

        def answer(command: str, device: Any = device) -> str:
            try:
                return render(device, command)
            except UnknownCommand as exc:
                return str(exc)

        outputs = {c: answer(c) for c in platforms.get_commands(device.platform)}
        for command in platforms.get_followup_commands(device.platform, outputs):
            outputs[command] = answer(command)
        write_saved_host(
            folder, device.hostname, None, {c: RawText(t, "utf-8") for c, t in outputs.items()}
        )
    return len(devices)


def files_of(root: Path) -> dict[str, list[str]]:
    """The inventory files' lines, the comments (which name the workbook) left out."""
    return {
        p.name: [line for line in p.read_text(encoding="utf-8").split("\n") if line[:1] != "#"]
        for p in (root / "inventory").iterdir()
    }


def test_a_filled_workbook_imports_and_the_county_project_reports(tmp_path: Path) -> None:
    """init --county, template, filled, import, inventory check clean; then a lab built from
    that inventory is surveyed (offline), classified and reported, contacts included."""
    root = init_county(tmp_path / "kuiwen")
    synthesized = synthesize_inventory(COUNTY, SEED, 16, get_bundled_tree())
    counts = fill(template(root), synthesized)
    done = cli(root, "inventory", "import", str(root / "book.xlsx"))
    assert done.exit_code == 0, done.stderr + done.stdout
    assert f"{counts['units']} units, 16 devices, {counts['lines']} lines" in done.stdout
    checked = cli(root, "inventory", "check", "--json")
    assert json.loads(checked.stdout) == {"ok": True, "problems": []}
    inventory = get_inventory(root, get_bundled_tree())
    assert len(inventory.units) == counts["units"] > 12
    assert len(inventory.hosts) == counts["devices"] == 16
    assert len(inventory.lines) == counts["lines"] > 0
    county = inventory.get_unit("c370705")
    assert county is not None
    assert [(c.role.value, c.name, c.phone) for c in county.contacts] == [
        ("leader", "王建国", "13805360001")
    ]
    centre = inventory.get_unit("c370705-dsj")
    assert centre is not None
    assert [(c.role.value, c.name, c.phone) for c in centre.contacts] == [
        ("contact", "李娜", "0536-8231001"),
        ("contact", "赵强", "0536-8231002转12"),
    ]
    jiyao = inventory.get_unit("c370705-jiyao")
    assert jiyao is not None and jiyao.classified and jiyao.parent == "c370705"
    hosts = yaml.safe_load(synthesized[1])
    for host in inventory.hosts:  # every device back as the district has it
        given = hosts[host.name]
        assert (host.address, host.port, host.unit, host.role.value) == (
            given["hostname"],
            given["port"],
            given["data"]["unit"],
            given["data"]["role"],
        )
        assert host.platform in given["groups"]
        assert host.division_code == given["data"]["division_code"]
    by_id = {line.circuit_id: line for line in inventory.lines}
    for line in yaml.safe_load(synthesized[2])["lines"]:  # and every line
        mine = by_id[line["circuit_id"]]
        assert (mine.unit, mine.carrier.value, mine.kind.value, mine.z_end) == (
            line["unit"],
            line["carrier"],
            line["kind"],
            line["z_end"],
        )
        assert mine.monthly_fee == Decimal(str(line["monthly_fee"]))
        assert mine.contract_end == line.get("contract_end")
    # the project's own workbook imported again changes nothing
    before = files_of(root)
    again = import_inventory_book(Project.find(root, None), template(root, "again.xlsx"))
    assert (again.units, again.devices, again.lines) == (counts["units"], 16, counts["lines"])
    assert files_of(root) == before

    saved = tmp_path / "saved"
    assert saved_outputs(root, saved) == 16
    survey = govnet_json(root, "survey", "--offline", str(saved))
    assert survey["by_status"] == {"ok": 16}, survey
    govnet_json(root, "classify")
    done = govnet(root, "report", "all")
    assert done.returncode == 0, done.stderr
    (folder,) = [p for p in (root / "reports").iterdir() if p.is_dir()]
    assert {"statistics.xlsx", "index.html", "contacts.csv"} <= {p.name for p in folder.iterdir()}
    book = load_workbook(folder / "statistics.xlsx")
    assert book["覆盖情况"]["A1"].value == "电子政务外网覆盖情况统计表（山东省潍坊市奎文区）"
    sheet = book["单位联系人"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[3]  # below the title, the office's row and the source
    assert header[:5] == ["单位名称", "单位类型", "区划代码", "分管负责人", "分管负责人电话"]
    body = rows[4 : rows.index([None] * len(header))]  # the signature block follows
    by_name = {r[0]: r for r in body}
    assert by_name["潍坊市奎文区人民政府"][3:5] == ["王建国", "13805360001"]
    assert by_name["潍坊市奎文区电子政务中心"][5:7] == [
        "李娜、赵强",
        "0536-8231001、0536-8231002转12",
    ]
    assert by_name["奎文区东关街道办事处"][3:] == [None] * 6
    assert len(by_name) - 1 == counts["units"]  # and the total row
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert '<section id="contacts">' in page and "王建国" in page


def test_a_workbook_with_bad_cells_writes_nothing_and_names_sheet_row_column(
    tmp_path: Path,
) -> None:
    root = init_county(tmp_path / "kuiwen")
    book_path = template(root)
    book = load_workbook(book_path)
    units = book[UNITS_SHEET]
    units["C3"] = "科室"  # not a unit type
    units["G2"] = "王建国"
    units["H2"] = "8888转"  # not a phone
    units["A14"], units["B14"], units["C14"], units["D14"] = "c370705-x", "某局", "部门", "370799"
    devices = book[DEVICES_SHEET]
    devices.append(
        ["r1", "10.0.0.1", 22, "华为 VRP (huawei)", "某某局", None, "机房", "核心路由器"]
    )
    devices.append(["r2", "10.0.0.300", 22, "华为", "c370705-dsj", None, "机房", "核心"])
    units["Q1"] = "年租费（万元）"  # a column the sheet does not keep: its values would be lost
    book.save(book_path)
    before = {p.name: p.read_bytes() for p in (root / "inventory").iterdir()}
    with pytest.raises(ProblemsError) as raised:
        import_inventory_book(Project.find(root, None), book_path)
    found = {
        (p.entry, p.field, p.message.split(":")[0].split(" (got ")[0])
        for p in raised.value.problems
    }
    lost = "column Q '年租费（万元）' is not a column of this sheet, so its values would be lost"
    assert ("sheet '单位' row 1", None, lost) in found
    assert ("sheet '单位' row 3", "column C 单位类型", "unknown unit type '科室'") in found
    phone = "not a phone number (digits, '-', '+', brackets, spaces; an extension after 转)"
    assert ("sheet '单位' row 2", "column H 分管负责人电话", phone) in found
    code = "unknown division code 370799000000 (not in the NBS 2023 data)"
    assert ("sheet '单位' row 14", "column D 区划代码", code) in found
    address = "not an IP address or DNS name"
    assert ("sheet '设备' row 3", "column B 管理地址", address) in found
    assert ("sheet '设备' row 2", "column E 所属单位", "unknown unit '某某局'") in found
    assert ("sheet '设备' row 3", "column D 设备平台", "unknown platform '华为'") in found
    assert ("sheet '设备' row 3", "column H 设备角色", "unknown device role '核心'") in found
    assert len(found) == len(raised.value.problems) == 8  # r1's unit is not also a missing code
    assert {p.name: p.read_bytes() for p in (root / "inventory").iterdir()} == before


def test_a_bad_ledger_row_of_the_workbook_writes_nothing(tmp_path: Path) -> None:
    """The ledger sheet is read by the ledger import itself, against the sheets' units and
    devices: a device only the devices sheet names is known, a bad carrier is named."""
    root = init_county(tmp_path / "kuiwen")
    book_path = template(root)
    book = load_workbook(book_path)
    book[DEVICES_SHEET].append(
        ["r1", "10.0.0.1", None, "华为 VRP (huawei)", "c370705-dsj", None, "机房", "核心路由器"]
    )
    ledger = book[LEDGER_SHEET]
    row = {name: None for name in FIELDS} | {
        "circuit_id": "SD-DX-0001",
        "unit": "潍坊市奎文区电子政务中心",
        "network": "电子政务外网",
        "carrier": "鹏博士",  # not in the vocabulary (铁通 is: China Mobile)
        "kind": "MSTP",
        "monthly_fee": 3000,
        "a_device": "r1",
        "z_end": "市级节点",
    }
    ledger.append([row[name] for name in FIELDS])
    book.save(book_path)
    before = files_of(root)
    with pytest.raises(ProblemsError) as raised:
        import_inventory_book(Project.find(root, None), book_path)
    (problem,) = raised.value.problems
    assert problem.entry == f"sheet '{LEDGER_SHEET}' row 2"
    assert problem.field is not None and problem.field.endswith("线路运营商")
    assert "鹏博士" in problem.message
    assert files_of(root) == before
    ledger.cell(row=2, column=FIELDS.index("carrier") + 1, value="电信")
    book.save(book_path)
    done = import_inventory_book(Project.find(root, None), book_path)
    assert (done.units, done.devices, done.lines) == (12, 1, 1)
    (line,) = get_inventory(root, get_bundled_tree()).lines
    assert (line.unit, line.carrier.value, line.a_device) == ("c370705-dsj", "telecom", "r1")


def test_the_example_project_round_trips_through_its_workbook(tmp_path: Path) -> None:
    """template then import gives the same units, devices and lines; what the sheets have no
    column for (a host's connection options) stays in the hosts file."""
    root = tmp_path / "example"
    init_project(root)
    hosts_file = root / "inventory/hosts.yaml"
    text = hosts_file.read_text(encoding="utf-8")
    extra = "  connection_options:\n    netmiko:\n      extras: {conn_timeout: 30}\n"
    hosts_file.write_text(text.replace("jlp-dsj-core1:\n", "jlp-dsj-core1:\n" + extra, 1))
    before = get_inventory(root, get_bundled_tree())
    done = import_inventory_book(Project.find(root, None), template(root))
    assert (done.units, done.devices, done.lines) == (36, 30, 34)
    after = get_inventory(root, get_bundled_tree())
    assert (after.units, after.hosts, after.lines) == (before.units, before.hosts, before.lines)
    kept = yaml.safe_load(hosts_file.read_text(encoding="utf-8"))["jlp-dsj-core1"]
    assert kept["connection_options"] == {"netmiko": {"extras": {"conn_timeout": 30}}}
    assert kept["groups"] == ["huawei"]
