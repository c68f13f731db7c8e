"""Honest inputs: a survey that is unfinished, a store that is not what it seems, a place
govnet cannot write. Each case an attack a careless or hostile user can make, answered by one
clear line, a non-zero exit, no traceback and nothing half-written.

Surveys are the real store's runs, left exactly as an interrupted or still running survey
leaves them (the survey's own store calls write them); the full disk is a real one (a small
tmpfs, so those tests need root).
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from govnet.model.divisions import get_bundled_tree
from govnet.model.facts import HostSnapshot
from govnet.model.inventory_files import get_inventory
from govnet.platforms import load_platforms
from govnet.store import open_store
from govnet_cli import run_govnet
from govnet_lab.control import get_free_port_run, stop_lab
from govnet_lab.district import load_district
from govnet_lab.facts import get_device_facts, get_running_config
from govnet_lab.generate import generate_lab
from hostile.refusals import one_error

COUNTY, SEED, SIZE = "370702", 3, 60
MIGRATED = "c370702-renshe"  # 金保 (vertical) + an internet line of its own: steps on 3 hosts


# --- unfinished surveys -----------------------------------------------------------------------


@dataclass
class District:
    root: Path
    env: dict[str, str]
    full: dict[str, Any]  # the plan of MIGRATED from the whole survey

    def govnet(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_govnet(self.root, self.env, *args, timeout=120)

    def json(self, *args: str) -> Any:
        done = self.govnet(*args, "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def survey(self, campaign: str, skip: set[str], status: str | None) -> int:
        """A survey run of every router but ``skip``, recorded as the survey records it:
        ``status`` None leaves it running (its process, this one, alive)."""
        inventory = get_inventory(self.root, get_bundled_tree())
        platforms = load_platforms(self.root)
        devices = load_district(self.root / ".govnet/lab/district.json").devices
        units = {h.name: h.unit for h in inventory.hosts}
        store = open_store(f"sqlite:///{self.root}/.govnet/govnet.db")
        try:
            store.sync_inventory(inventory.to_store_rows(), inventory.get_digest())
            run = store.start_survey_run("ssh", campaign)
            snapshots = [
                HostSnapshot(
                    d.hostname,
                    "ok",
                    d.platform,
                    units[d.hostname],
                    outputs={
                        str(platforms.get_config_command(d.platform)): (
                            get_running_config(d),
                            "utf-8",
                        )
                    },
                    facts=get_device_facts(d),
                )
                for d in devices
                if d.hostname not in skip
            ]
            store.add_snapshots(run, snapshots)
            if status is not None:
                store.finish_survey_run(run, status)
            return run
        finally:
            store.dispose()


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    root = tmp_path_factory.mktemp("inputs") / "county"
    generate_lab(root, COUNTY, SEED, SIZE, None)
    district = District(root, dict(os.environ), {})
    district.survey("whole", set(), "complete")
    district.json("classify")
    district.full = district.json("plan", MIGRATED)[0]
    assert len(district.full["hosts"]) == 3 and not district.full["blocked"]
    yield district


def test_an_interrupted_survey_is_refused_by_classify_and_plan(district: District) -> None:
    """An interrupted survey (hosts missing) fed to classify and plan: refused by name and count."""
    ce = district.full["hosts"][1]
    run = district.survey("cut", {ce}, "incomplete")
    error = one_error(district.govnet("classify"))
    assert f"survey run {run} is incomplete: 1 of {SIZE} host(s) have no result ({ce})" in error
    assert "--retry-failed" in error and "--allow-incomplete" in error
    # a classification made anyway: the plan refuses it in the same words
    district.json("classify", "--allow-incomplete")
    error = one_error(district.govnet("plan", MIGRATED))
    assert f"survey run {run} is incomplete" in error and "--allow-incomplete" in error


def test_a_survey_still_running_is_refused(district: District) -> None:
    """A survey still running (its process alive) read by classify: refused, said to be running."""
    run = district.survey("live", {"jlp-none"}, None)
    error = one_error(district.govnet("classify"))
    assert f"survey run {run} is still running" in error and "wait for it" in error
    store = open_store(f"sqlite:///{district.root}/.govnet/govnet.db")
    try:
        store.finish_survey_run(run, "complete")  # so the later tests read a finished one
    finally:
        store.dispose()


def test_allow_incomplete_names_the_missing_hosts_everywhere(district: District) -> None:
    """An incomplete survey used on purpose: every output names the missing host; plan blocked."""
    ce = district.full["hosts"][1]
    run = district.survey("half", {ce}, "incomplete")

    classified = district.govnet("classify", "--allow-incomplete", "--show", "none")
    assert classified.returncode == 0, classified.stderr
    assert f"survey run {run} is incomplete: 1 of {SIZE} host(s) have no result" in (
        classified.stderr
    )
    assert f"hosts without a result: {ce}" in classified.stderr
    as_json = district.json("classify", "--allow-incomplete")
    assert as_json["survey"] == {
        "run": run,
        "status": "incomplete",
        "complete": False,
        "missing_hosts": [ce],
    }

    planned = district.json("plan", MIGRATED, "--allow-incomplete")[0]
    assert planned["missing_hosts"] == [ce] and planned["survey"]["missing_hosts"] == [ce]
    assert ce not in planned["hosts"] and planned["steps"] < district.full["steps"]
    assert any(ce in b and "没有结果" in b for b in planned["blocked"])
    text = (Path(planned["path"]) / "plan.md").read_text(encoding="utf-8")
    assert "暂不能实施" in text and f"设备 {ce} 在采集批次 {run} 中没有结果" in text
    terminal = district.govnet("plan", MIGRATED, "--allow-incomplete")
    assert terminal.returncode == 0, terminal.stderr
    assert f"blocked: no survey result for {ce}" in terminal.stdout
    assert f"hosts without a result: {ce}" in terminal.stderr


# --- stores that are not what they seem -------------------------------------------------------


def test_a_store_from_a_newer_govnet_is_one_line_without_upgrade_advice(
    example_project: Path,
) -> None:
    """A store migrated by a newer govnet: every command says so in one line, never 'db upgrade'."""
    env = dict(os.environ)
    db = example_project / ".govnet" / "govnet.db"
    open_store(f"sqlite:///{db}").dispose()
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    conn.close()
    for args in (("db", "status"), ("db", "upgrade"), ("classify",)):
        error = one_error(run_govnet(example_project, env, *args))
        assert "made by a newer govnet" in error and "0099_from_the_future" in error, args
        assert "db upgrade" not in error, args
    conn = sqlite3.connect(db)
    try:  # nothing migrated
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("0099_from_the_future",)
        ]
    finally:
        conn.close()


def test_random_bytes_as_the_store_is_one_line(example_project: Path) -> None:
    """Random bytes where the store should be: one line 'not a govnet store', the file untouched."""
    db = example_project / ".govnet" / "govnet.db"
    db.parent.mkdir()
    noise = random.Random(22).randbytes(8192)
    db.write_bytes(noise)
    for args in (("db", "status"), ("inventory", "load")):
        error = one_error(run_govnet(example_project, dict(os.environ), *args))
        assert "is not a govnet store" in error, args
    assert db.read_bytes() == noise


@pytest.mark.parametrize(("port", "given"), [("abc", "--db"), ("2x", "env")])
def test_a_store_url_with_a_bad_port_is_one_line(
    example_project: Path, port: str, given: str
) -> None:
    """--db or GOVNET_DB_URL with a port that is no number: one line, no traceback."""
    url = f"postgresql://govnet:s3cret@127.0.0.1:{port}/govnet"
    env = dict(os.environ, GOVNET_DB_URL=url) if given == "env" else dict(os.environ)
    option = ("--db", url) if given == "--db" else ()
    error = one_error(run_govnet(example_project, env, *option, "survey", "runs"))
    assert "store" in error and "port" in error and "s3cret" not in error


# --- writing where it cannot -------------------------------------------------------------------


@contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted on ``folder`` for the block: a disk that really fills
    (ENOSPC). Needs root; skips where it cannot mount."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    folder.mkdir(parents=True, exist_ok=True)
    command = ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)]
    mounted = subprocess.run(command, capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_while_writing_reports_is_one_line_and_nothing_half_written(
    district: District,
) -> None:
    """The disk fills while `report all` writes: one line naming the file; files whole or absent."""
    with small_disk(district.root / "reports", "64k") as reports:
        error = one_error(district.govnet("report", "all"))
        assert error.startswith("error: no space writing ") and "No space left" in error, error
        assert "nothing was left half-written" in error
        left = list(reports.rglob("*"))
        assert not [p for p in left if p.name.startswith(".")], left  # no temporary file
        for path in left:
            if path.suffix == ".json":
                json.loads(path.read_text(encoding="utf-8"))
            elif path.suffix == ".html":
                assert path.read_text(encoding="utf-8").rstrip().endswith("</html>")
            elif path.suffix == ".xlsx":
                openpyxl.load_workbook(path).close()


def test_a_full_disk_while_writing_plans_is_one_line_and_nothing_half_written(
    district: District,
) -> None:
    """The disk fills while plans are written: one line; each plan folder whole or absent."""
    with small_disk(district.root / "reports" / "plans", "96k") as plans:
        error = one_error(district.govnet("plan", "--all", "--classification", "1"))
        assert error.startswith("error: no space writing ") and "No space left" in error, error
        folders = list(plans.iterdir())
        assert folders and not [p for p in folders if p.name.startswith(".")], folders
        for folder in folders:
            assert (folder / "plan.md").is_file() and (folder / "checks.yaml").is_file(), folder


def test_init_onto_a_file_is_one_line(tmp_path: Path) -> None:
    """`govnet init` onto a file, or below one: one line, the file untouched."""
    file = tmp_path / "notes.txt"
    file.write_text("mine\n", encoding="utf-8")
    error = one_error(run_govnet(tmp_path, dict(os.environ), "init", str(file)))
    assert f"{file} is a file, not a folder" in error
    error = one_error(run_govnet(tmp_path, dict(os.environ), "init", str(file / "project")))
    assert f"{file} is a file, not a folder" in error
    assert file.read_text(encoding="utf-8") == "mine\n"


def test_survey_export_onto_a_file_or_into_proc_is_refused(district: District) -> None:
    """`survey export` onto a file, into /proc or a folder in use: one line, nothing written."""
    file = district.root / "notes.txt"
    file.write_text("mine\n", encoding="utf-8")
    used = district.root / "used"
    used.mkdir()
    (used / "keep.txt").write_text("keep\n", encoding="utf-8")
    for target, message in (
        (file, "is a file, not a folder"),
        (Path("/proc/govnet-export"), "a system folder"),
        (Path("/proc/self"), "a system folder"),
        (used, "is not empty"),
    ):
        error = one_error(district.govnet("survey", "export", str(target), "--run", "1"))
        assert message in error, (target, error)
    assert file.read_text(encoding="utf-8") == "mine\n"
    assert [p.name for p in used.iterdir()] == ["keep.txt"]
    done = district.govnet("survey", "export", str(district.root / "saved"), "--run", "1")
    assert done.returncode == 0, done.stderr
    assert len(list((district.root / "saved").iterdir())) == SIZE


def test_lab_up_with_no_devices_is_refused(tmp_path: Path) -> None:
    """`govnet lab up --devices 0`: refused (it started 30 routers), nothing started."""
    project = tmp_path / "lab"
    port = str(get_free_port_run(30))  # were it started, on ports no one else uses
    args = ("lab", "up", "--project", str(project), "--devices", "0", "--first-port", port)
    try:
        done = run_govnet(tmp_path, dict(os.environ), *args)
        assert one_error(done) == "error: a district needs at least 6 routers, not 0"
        assert not (project / "nornir_config.yaml").exists()
    finally:
        if (project / ".govnet" / "lab" / "lab.pid").exists():
            stop_lab(project)
