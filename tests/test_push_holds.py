"""Hold points of `govnet push --all` through the CLI (issue 23): a commit nobody can answer
(stdin not a terminal, as in cron) is refused before anything is pushed; --requests-done
declares only the requests that may be done early (the city's side), never a system's
return routes; at a terminal each hold point shows its request in Chinese and waits for y
or n, and "n" stops the batch there, recorded in the report. The plans are stored rows
whose hosts are not in the inventory: a push that gets past its hold point is refused for
that, naming the host, so nothing here needs a lab. The same over SSH, on three served
districts: test_push_holds_ssh.py (slow)."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from govnet.app.project import Project
from govnet.cli import app
from govnet.store import get_os_user
from govnet_cli import run_govnet_at_terminal
from test_push_batch import CITY, SYSTEM


def part(steps: list[int]) -> dict[str, Any]:
    lines = [f"! step {n}" for n in steps]
    return {
        "steps": steps,
        "platform": "huawei",
        "config": lines,
        "rollback": lines,
        "pre": [],
        "post": [],
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new project with two plans: 人社's (the city's side before its PE step 1) and
    卫健's (its system's return routes before its CE's step 2)."""
    root = tmp_path_factory.mktemp("holds") / "county"
    assert run(root, "init", str(root)).returncode == 0
    store = Project.find(root, None).open_store()
    try:
        city = {"parts": {"pe-x": part([1]), "ce-x": part([2])}, "city_requests": [CITY]}
        system = dict(SYSTEM, system="卫健", before_step=2)
        ask = {"parts": {"ce-y": part([1, 2])}, "system_requests": [system]}
        store.add_plan("renshe", None, str(root / "renshe"), "t", {"survey_run": 1, **city})
        store.add_plan("weijian", None, str(root / "weijian"), "t", {"survey_run": 1, **ask})
    finally:
        store.dispose()
    return root


ENV = {"GOVNET_USERNAME": "u", "GOVNET_PASSWORD": "p"}


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


def run(root: Path, *args: str) -> Done:
    """govnet in this process (faster than a new one), its stdin not a terminal."""
    result = CliRunner().invoke(app, ["--project", str(root), *args], env=ENV)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Done(result.exit_code, result.stdout, result.stderr)


def report_of(stdout: str) -> dict[str, Any]:
    (path,) = re.findall(r"^report: (.+\.md)$", stdout, re.M)
    data: dict[str, Any] = json.loads(Path(path).with_suffix(".json").read_text("utf-8"))
    data["markdown"] = Path(path).read_text(encoding="utf-8")
    return data


def test_the_dry_run_lists_the_hold_points_in_order(project: Path) -> None:
    done = run(project, "push", "--all")
    assert "dry run: nothing was changed" in done.stdout, done.stderr
    lines = done.stdout.splitlines()
    first = lines.index("  -- hold point: 市级外网运营方: listed")
    second = lines.index("  -- hold point: 卫健系统运维方: listed")
    assert first < second  # each right before its host push, however it ends
    assert lines[first + 1] == "  plan 1 (renshe) pe-x: refused: pe-x is not in the inventory"
    assert lines[second + 1] == "  plan 2 (weijian) ce-y: refused: ce-y is not in the inventory"
    assert [h["host"] for h in report_of(done.stdout)["holds"]] == ["pe-x", "ce-y"]


def test_a_commit_nobody_can_answer_is_refused_before_anything(project: Path) -> None:
    for flags in ([], ["--requests-done"]):  # the system's return routes: never in advance
        done = run(project, "push", "--all", "--commit", *flags)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert "stdin is not a terminal" in done.stderr and "Nothing was pushed" in done.stderr
        assert "plan 2 (weijian) before ce-y" in done.stderr
        assert "cannot be declared done in advance" in done.stderr
    assert not list((project / "reports").glob("*/push-commit-*"))
    # The city's side alone may be declared done: the batch goes past its hold point (and
    # is refused at the push itself: this project's hosts are not in its inventory).
    done = run(project, "push", "1", "--all-hosts", "--commit", "--requests-done")
    assert done.returncode == 1
    assert "stopped at plan 1 (renshe) on pe-x: refused: pe-x is not in the inventory" in (
        done.stderr
    )
    (hold,) = report_of(done.stdout)["holds"]
    assert (hold["host"], hold["answer"], hold["by"]) == ("pe-x", "declared_done", get_os_user())
    assert hold["at"]
    done = run(project, "push", "1", "--host", "pe-x", "--requests-done")
    assert done.returncode == 1 and "goes with --all or --all-hosts" in done.stderr


def test_at_a_terminal_no_stops_the_batch_at_the_hold_point(project: Path) -> None:
    # 卫健's hold point shows its request in Chinese and asks; an unclear answer is asked
    # again; "n" stops the batch there, nothing pushed.
    done = run_govnet_at_terminal(
        project,
        dict(os.environ, **ENV),
        *["push", "2", "--all-hosts", "--commit"],
        typed="perhaps\nn\n",
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "步骤 2（ce-y）之前：卫健系统运维方：在卫健系统的上级业务节点上" in done.stderr
    assert "10.249.0.0/27" in done.stderr and "不可提前" in done.stderr
    assert done.stderr.count("done? [y/n]") == 2
    assert "stopped at the hold point plan 2 (weijian) before ce-y" in done.stderr
    data = report_of(done.stdout)
    assert data["held"]["answer"] == "declined" and data["held"]["by"] == get_os_user()
    assert [p["status"] for p in data["pushes"]] == ["not_reached"]
    assert "**Stopped at the hold point** plan 2 (weijian) before ce-y" in data["markdown"]
