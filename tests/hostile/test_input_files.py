"""Hostile input files: YAML nested to crash the parser or aliased to explode, inventory
files that are FIFOs or devices, spreadsheets that are zip bombs or whose formulas were never
calculated, files past their size limits. Each refused by name in one problem, at once, within
2 GiB of memory; built here byte by byte.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from govnet.model.problems import ProblemsError
from govnet_cli import run_govnet
from hostile.refusals import no_traceback, run_limited

# --- hostile YAML and files that are not files ------------------------------------------------

HOSTS = "inventory/hosts.yaml"
BOMB = "".join(  # 10 ** 9 strings from 700 bytes
    [f"a0: &a0 [{', '.join(['x'] * 10)}]\n"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)]
)


def check_refused(root: Path, file: str, message: str) -> None:
    done = run_limited(root, dict(os.environ), "inventory", "check")
    assert done.returncode != 0 and not done.stdout
    no_traceback(done)
    assert done.stderr.splitlines()[0].startswith(file), done.stderr
    assert message in done.stderr.splitlines()[0], done.stderr


@pytest.mark.parametrize("file", [HOSTS, "inventory/groups.yaml", "playbooks/policy.yaml"])
def test_yaml_nested_20000_deep_is_refused_in_one_line(example_project: Path, file: str) -> None:
    """YAML nested 20,000 deep (the parser recurses): refused by file and line, no traceback."""
    path = example_project / file
    path.parent.mkdir(exist_ok=True)
    path.write_text("a: " + "[" * 20_000 + "]" * 20_000 + "\n", encoding="utf-8")
    if file.startswith("playbooks"):
        done = run_limited(example_project, dict(os.environ), "classify")
        no_traceback(done)
        assert done.returncode != 0 and f"{file}:1: not read: nested deeper" in done.stderr
    else:
        check_refused(example_project, f"{file}:1: ", "nested deeper than 100 levels")


def test_a_yaml_alias_bomb_is_refused_in_one_line(example_project: Path) -> None:
    """A YAML alias bomb (10**9 values from 700 bytes) as hosts.yaml: refused at once, no hang."""
    hosts = example_project / HOSTS
    text = hosts.read_text(encoding="utf-8")
    hosts.write_text(BOMB, encoding="utf-8")
    check_refused(example_project, f"{HOSTS}:", "alias bomb")
    # ordinary aliases, one per host, are no bomb: the inventory still loads
    assert text.count("  groups: [huawei]\n") > 3
    line = "  groups: [huawei]\n"
    first = text.index(line) + len(line)
    text = text[:first].replace(line, "  groups: &hw [huawei]\n") + text[first:].replace(
        line, "  groups: *hw\n"
    )
    hosts.write_text(text, encoding="utf-8")
    done = run_govnet(example_project, dict(os.environ), "inventory", "check")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero"])
def test_hosts_yaml_that_is_no_regular_file_is_refused(example_project: Path, kind: str) -> None:
    """hosts.yaml as a FIFO or a link to /dev/zero: refused at once, no hang, no memory eaten."""
    hosts = example_project / HOSTS
    hosts.unlink()
    if kind == "fifo":
        os.mkfifo(hosts)
    else:
        hosts.symlink_to(kind)
    check_refused(example_project, f"{HOSTS}: ", "not a regular file")


def test_a_yaml_file_past_the_size_limit_is_refused(
    example_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hosts.yaml past the size limit: refused by name, never read whole into memory."""
    from govnet.model import problems

    monkeypatch.setattr(problems, "MAX_YAML_BYTES", 1000)
    (example_project / HOSTS).write_text("# padding\n" * 200, encoding="utf-8")
    doc, found = problems.load_yaml(example_project / HOSTS, HOSTS)
    assert doc is None and [str(p) for p in found] == [
        f"{HOSTS}: not read: larger than 1,000 bytes"
    ]


# --- spreadsheets -----------------------------------------------------------------------------

LEDGER = "inventory/lines.yaml"
HEADER = [
    "电路编号",
    "单位名称",
    "网络名称",
    "线路运营商",
    "线路类型",
    "月租费（元）",
    "年租费（元）",
    "Z端",
]


def write_ledger(path: Path, fee_formulas: bool) -> Path:
    """Two lines of jlp-dsj; the annual fees are formulas (=monthly*12) when asked."""
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = "台账"
    sheet.append(HEADER)
    for row, circuit in ((2, "CQ-T-0001"), (3, "CQ-T-0002")):
        annual: object = f"=F{row}*12" if fee_formulas else 1800 * 12
        sheet.append([circuit, "jlp-dsj", "政务外网", "电信", "MSTP", 1800, annual, "市大数据局"])
    workbook.save(path)
    return path


def test_formulas_without_saved_values_do_not_import_as_empty_fees(
    example_project: Path, tmp_path: Path
) -> None:
    """An xlsx of uncalculated fee formulas: refused by sheet and cells, not imported fee-less."""
    before = (example_project / LEDGER).read_bytes()
    path = write_ledger(tmp_path / "ledger.xlsx", fee_formulas=True)
    done = run_govnet(example_project, dict(os.environ), "inventory", "import", str(path))
    assert done.returncode != 0, done.stdout
    no_traceback(done)
    assert "sheet '台账': 2 formula cell(s) have no saved value (G2, G3)" in done.stderr
    assert (example_project / LEDGER).read_bytes() == before
    # the same formulas with the results a spreadsheet program saves: imported, fees kept
    calculated = tmp_path / "calculated.xlsx"
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(calculated, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                # an empty value as openpyxl writes it: <v /> with the standard library's
                # XML writer, <v></v> with lxml's (installed with python-docx)
                data = re.sub(rb"(<f>F[23]\*12</f>)<v\s*(/>|></v>)", rb"\1<v>21600</v>", data)
            new.writestr(info, data)
    done = run_govnet(example_project, dict(os.environ), "inventory", "import", str(calculated))
    assert done.returncode == 0, done.stderr
    text = (example_project / LEDGER).read_text(encoding="utf-8")
    assert text.count("annual_fee: 21600.00") == 2, text


def test_an_xlsx_zip_bomb_is_refused_before_it_expands(
    example_project: Path, tmp_path: Path
) -> None:
    """An xlsx of 5 MB whose sheet expands to 1 GiB: refused from the zip directory, no memory."""
    small = write_ledger(tmp_path / "small.xlsx", fee_formulas=False)
    bomb = tmp_path / "bomb.xlsx"
    with (
        zipfile.ZipFile(small) as old,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as new,
    ):
        for info in old.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                new.writestr(info, old.read(info))
                continue
            head, cell, tail = old.read(info).partition(b"<t>CQ-T-0001</t>")
            assert cell
            with new.open(info.filename, "w", force_zip64=True) as part:
                part.write(head + b"<t>")
                chunk = b"A" * (1 << 24)
                for _ in range(64):
                    part.write(chunk)
                part.write(b"CQ-T-0001</t>" + tail)
    assert bomb.stat().st_size < 8 << 20
    done = run_limited(example_project, dict(os.environ), "inventory", "import", str(bomb))
    assert done.returncode != 0
    no_traceback(done)
    assert "expands to 1,024 MiB" in done.stderr and "zip bomb" in done.stderr, done.stderr


def test_a_csv_ledger_past_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CSV ledger past the size limit: refused by name, never read whole into memory."""
    from govnet.ledger import sheets

    monkeypatch.setattr(sheets, "MAX_CSV_BYTES", 1000)
    path = tmp_path / "ledger.csv"
    path.write_text("电路编号,单位名称\n" + "CQ-T-0001,jlp-dsj\n" * 100, encoding="utf-8")
    columns = {"circuit_id": ["电路编号"], "unit": ["单位名称"]}
    with pytest.raises(ProblemsError) as excinfo:
        sheets.read_table(path, "ledger.csv", None, columns)
    assert [str(p) for p in excinfo.value.problems] == [
        "ledger.csv: not read: larger than 1,000 bytes"
    ]
