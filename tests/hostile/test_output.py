"""The attack on what govnet prints and writes: device and inventory text on the terminal,
formula cells in CSV files, store passwords in messages, the store file's mode, secrets in
``connection_options`` and circuit ids that differ only in case or width.

Each test names the attack and the defence in its docstring; run this file to see them.
"""

from __future__ import annotations

import csv
import json
import os
import re
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from govnet.app.project import init_project
from govnet.cli import app
from govnet.store import open_store
from govnet_cli import run_govnet

HOST = "jlp-dsj-core1"  # a Huawei router of the example district
# What a hostile or careless hand writes in an interface description: rich markup, a
# hyperlink, a terminal title (OSC), clear screen (CSI, 7-bit and C1), a bell, a backspace, a
# right-to-left override. The survey may drop control bytes before the store; what it keeps
# must reach the terminal as text.
HOSTILE_DESCRIPTION = (
    "A[/]B [link=http://x]y[/link] \x1b]0;title\x07 \x1b[2J \x9b2J :smile: \x08Z \u202eevil"
)
MARKUP = "A[/]B [link=http://x]y[/link]"
UNSAFE = {"\x1b", "\x07", "\x08", "\x9b", "\x9d", "\u202e"}
# What a spreadsheet runs when a CSV cell starts with it (inventory text, unit and line).
FORMULAS = {
    "name": '=HYPERLINK("http://evil.example","大数据局")',  # a unit's name
    "circuit_id": "-2+3+cmd|'/Ccalc'!A0",  # a line's circuit id
    "network": "@SUM(1+1)*cmd|' /C calc'!A0",  # a line's network
}
FORMULA_STARTS = ("=", "+", "-", "@", "\r")


def yaml_quote(field: str) -> str:
    return "'" + FORMULAS[field].replace("'", "''") + "'"


def huawei_config(description: str) -> str:
    return (
        f"sysname {HOST}\n#\ninterface GigabitEthernet0/0/1\n description {description}\n"
        " ip address 10.50.1.1 255.255.255.0\n#\nreturn\n"
    )


runner = CliRunner()


def run_in_process(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """govnet in this process (fast): exit code, stdout and stderr together."""
    result = runner.invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout + result.stderr


@dataclass
class Project:
    root: Path
    env: dict[str, str]

    def govnet(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_govnet(self.root, self.env, *args, timeout=120)


def make_project(root: Path) -> Project:
    init_project(root)
    env = {"PATH": os.environ["PATH"], "HOME": str(root), "COLUMNS": "400"}
    return Project(root, env)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The example district with formulas in its inventory text, surveyed offline twice
    (run 1 a plain description, run 2 the hostile one) and classified."""
    project = make_project(tmp_path_factory.mktemp("output") / "county")
    units = project.root / "inventory/units.yaml"
    text = units.read_text(encoding="utf-8")
    text = text.replace("name: 重庆市九龙坡区大数据应用发展管理局", f"name: {yaml_quote('name')}")
    units.write_text(text, encoding="utf-8")
    lines = project.root / "inventory/lines.yaml"
    text = lines.read_text(encoding="utf-8")
    text = text.replace("circuit_id: CQ-DX-DF-2018-0006", f"circuit_id: {yaml_quote('circuit_id')}")
    second = "circuit_id: CQ-LT-MPLS-2021-0315\n    unit: jlp-dsj\n    network: "
    text = text.replace(second + "电子政务外网", second + yaml_quote("network"))
    lines.write_text(text, encoding="utf-8")
    saved = project.root / "saved"
    saved.mkdir()
    here = ("--project", str(project.root))
    for description in ("uplink", HOSTILE_DESCRIPTION):
        (saved / f"{HOST}.cfg").write_text(huawei_config(description), encoding="utf-8")
        code, output = run_in_process(*here, "survey", "--offline", str(saved), "--host", HOST)
        assert code == 0, output
    for args in (("inventory", "load"), ("classify",)):
        code, output = run_in_process(*here, *args)
        assert code == 0, output
    return project


# --- the terminal ------------------------------------------------------------------------


def assert_shown_as_text(output: str) -> None:
    """The description's markup printed as written, its escapes shown as text (or dropped by
    the survey before the store), none sent to the terminal."""
    assert not UNSAFE & set(output), repr(output)
    assert MARKUP in output and ":smile:" in output and "\\u202eevil" in output


def test_device_description_with_markup_and_escapes_prints_literally(hostile: Project) -> None:
    """Markup and terminal escapes in a description: `survey show` prints them as text."""
    done = hostile.govnet("survey", "show", HOST)
    assert done.returncode == 0, done.stderr
    assert_shown_as_text(done.stdout)


def test_json_output_carries_no_raw_terminal_controls(hostile: Project) -> None:
    """C1 CSI and bidi characters in JSON output: written as \\u escapes, the same data."""
    done = hostile.govnet("survey", "show", HOST, "--json")
    assert done.returncode == 0, done.stderr
    assert not UNSAFE & set(done.stdout), repr(done.stdout)
    facts = json.loads(done.stdout)["facts"]
    description = next(i["description"] for i in facts["interfaces"] if i["description"])
    assert MARKUP in description and "\u202eevil" in description


def test_survey_diff_shows_the_hostile_description_as_text(hostile: Project) -> None:
    """The same description in a run-to-run diff: printed as text, nothing run."""
    done = hostile.govnet("survey", "diff", "1", "2")
    assert done.returncode == 0, done.stderr
    assert_shown_as_text(done.stdout)
    assert "uplink" in done.stdout


def test_an_error_naming_hostile_text_prints_it_escaped(hostile: Project) -> None:
    """A host name with escapes and markup in an error message: shown escaped, one line."""
    done = hostile.govnet("survey", "show", "r1\x1b[2J\x1b]8;;http://x\x07[/]")
    assert done.returncode == 1
    assert not UNSAFE & set(done.stderr), repr(done.stderr)
    assert "r1\\x1b[2J\\x1b]8;;http://x\\x07[/]" in done.stderr
    assert "Traceback" not in done.stderr


# --- CSV files ---------------------------------------------------------------------------


def read_cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def assert_neutralised(files: list[Path]) -> int:
    """Every cell of every file opens as text in a spreadsheet; the number of formula cells."""
    formula_cells = 0
    for path in files:
        for cell in read_cells(path):
            assert not cell.startswith(FORMULA_STARTS), f"{path.name}: {cell!r}"
            formula_cells += cell.startswith("\t") and cell[1:].startswith(FORMULA_STARTS)
    return formula_cells


def test_formula_text_in_the_inventory_is_neutralised_in_every_report_csv(
    hostile: Project,
) -> None:
    """Unit names and ledger text starting = + - @ in every report CSV: a leading tab."""
    code, output = run_in_process(
        "--project", str(hostile.root), "report", "all", "--format", "csv"
    )
    assert code == 0, output
    files = sorted((hostile.root / "reports").rglob("*.csv"))
    assert len(files) >= 5
    assert assert_neutralised(files) >= 3
    cells = {c for path in files for c in read_cells(path)}
    assert {"\t" + text for text in FORMULAS.values()} <= cells  # each there whole
    fees = [float(c) for c in cells if re.fullmatch(r"-?\d+\.\d+", c)]
    assert len(fees) > 10  # numbers are written as numbers, no tab before them


# --- store passwords -----------------------------------------------------------------------


@pytest.mark.postgres
def test_a_store_password_is_never_printed_in_any_url_form(pg_url: str, tmp_path: Path) -> None:
    """A store password as user:pw@, ?password=, libpq keywords, with a raw '@': never shown."""
    root = make_project(tmp_path / "county").root
    server = make_url(pg_url)  # the test server trusts every password: each form connects
    where, db = f"{server.host}:{server.port}", server.database
    secret = "Xq7s3cretPw"
    forms = {
        f"postgresql://postgres:{secret}@{where}/{db}": ("upgraded", "status", "load"),
        f"postgresql://postgres@{where}/{db}?password={secret}": ("upgraded", "status", "load"),
        f"postgresql://postgres@{server.host}:1/{db}?password={secret}": ("unreachable",),
        f"host={server.host} port={server.port} password={secret} dbname={db}": ("refused",),
        f"postgresql://postgres:p@{secret}@{where}/{db}": ("refused",),
    }
    for url, outcomes in forms.items():
        for outcome in outcomes:
            args = {
                "upgraded": ("db", "upgrade"),
                "status": ("db", "status", "--json"),
                "load": ("inventory", "load"),
            }.get(outcome, ("db", "status"))
            code, output = run_in_process("--project", str(root), "--db", url, *args)
            assert secret not in output, (url, args, output)
            assert (code == 0) == (outcome in ("upgraded", "status", "load")), output
            assert "***" in output, output
        code, output = run_in_process(
            "--project", str(root), "db", "status", env={"GOVNET_DB_URL": url}
        )
        assert secret not in output, (url, output)


# --- the store file ------------------------------------------------------------------------


def test_a_new_sqlite_store_is_readable_by_its_owner_alone(tmp_path: Path) -> None:
    """The store holds running configurations: it and its -wal/-shm are made 0600."""
    database = tmp_path / ".govnet" / "govnet.db"
    old = os.umask(0o022)  # what most accounts have: new files readable by everyone
    try:
        store = open_store(f"sqlite:///{database}")
        try:
            store.sync_inventory({}, "digest")  # a write: the WAL is there while it is open
            files = sorted(tmp_path.glob(".govnet/govnet.db*"))
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in files if "lock" not in p.name}
        finally:
            store.dispose()
    finally:
        os.umask(old)
    assert modes == {"govnet.db": 0o600, "govnet.db-shm": 0o600, "govnet.db-wal": 0o600}


# --- secrets and ports in the inventory ----------------------------------------------------


def test_secrets_in_connection_options_are_refused_and_never_echoed(tmp_path: Path) -> None:
    """Passwords in connection_options (and their extras, at any depth): refused, not shown."""
    root = make_project(tmp_path / "county").root
    groups = root / "inventory/groups.yaml"
    groups.write_text(
        groups.read_text(encoding="utf-8")
        + "  connection_options:\n    netmiko:\n      password: Pw1s3cret\n"
        + "      extras:\n        conn_timeout: 20\n        secret: Pw2s3cret\n"
        + "        ssh:\n          key-passphrase: Pw3s3cret\n",
        encoding="utf-8",
    )
    hosts = root / "inventory/hosts.yaml"
    text = hosts.read_text(encoding="utf-8")
    hosts.write_text(text.replace("  port: 20003\n", "  port: 20003\n  password: Pw4s3cret\n"))
    code, output = run_in_process("--project", str(root), "inventory", "check")
    assert code == 1
    assert "s3cret" not in output, output
    for field in ("connection_options.netmiko.password", "jlp-dsj-inet1: password"):
        assert f"{field}: credentials never go in inventory files" in output, output
    extras = [line for line in output.splitlines() if "connection_options.netmiko.extras" in line]
    assert [line.split(": ", 1)[0] for line in extras] == ["inventory/groups.yaml:11"]
    assert "extras: secret: credentials never go" in extras[0]


@pytest.mark.parametrize("word", ["true", "yes", "on", "false"])
def test_a_yaml_boolean_port_is_refused_not_read_as_port_1(tmp_path: Path, word: str) -> None:
    """`port: true` (YAML reads yes/on as true): refused naming the host, never port 1."""
    root = make_project(tmp_path / "county").root
    hosts = root / "inventory/hosts.yaml"
    text = hosts.read_text(encoding="utf-8")
    hosts.write_text(text.replace("  port: 20001\n", f"  port: {word}\n"), encoding="utf-8")
    code, output = run_in_process("--project", str(root), "inventory", "check")
    assert code == 1
    assert "inventory/hosts.yaml:16: jlp-dsj-core1: port: must be a port number" in output


# --- circuit ids -------------------------------------------------------------------------


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_circuit_ids_differing_only_in_case_or_width_are_duplicates(tmp_path: Path) -> None:
    """A ledger repeating a circuit id in other case or full-width: both rows named, refused."""
    root = make_project(tmp_path / "county").root
    ledger = tmp_path / "ledger.csv"
    code, output = run_in_process("--project", str(root), "inventory", "export", str(ledger))
    assert code == 0, output
    with ledger.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    first, second = rows[1], rows[2]
    rows.append([first[0].lower(), *first[1:]])  # row 36
    rows.append([full_width(second[0]), *second[1:]])  # row 37
    with ledger.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    before = (root / "inventory/lines.yaml").read_bytes()
    code, output = run_in_process("--project", str(root), "inventory", "import", str(ledger))
    assert code == 1
    duplicates = [line for line in output.splitlines() if "duplicate circuit id" in line]
    assert len(duplicates) == 2, output
    assert f"row {len(rows) - 1}" in duplicates[0] and "(also row 2 " in duplicates[0]
    assert f"row {len(rows)}" in duplicates[1] and "(also row 3 " in duplicates[1]
    assert (root / "inventory/lines.yaml").read_bytes() == before
