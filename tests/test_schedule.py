"""Periodic campaigns (issue 21, item 2): the project's ``schedule:`` read and checked, its cron
in the project's time zone, and on PostgreSQL with a served lab: two workers started with
``--schedule`` defer the tick once, the campaign surveys every host, then the classification
and the reports are made with nobody typing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import zoneinfo
from pathlib import Path
from typing import Any

import procrastinate
import pytest
from procrastinate.jobs import Job
from procrastinate.periodic import PeriodicDeferrer
from procrastinate.testing import InMemoryConnector
from sqlalchemy import text

from govnet.app.project import Project
from govnet.app.schedule import get_schedule, run_follow_up, start_once
from govnet.model.problems import ProblemsError, UsageError
from govnet.model.settings import SETTINGS_FILE, Schedule, load_settings
from govnet.store import open_store
from govnet.survey.jobs_schedule import (
    TICK_TASK,
    NotYet,
    WaitForRun,
    add_periodic_tasks,
    get_campaign_name,
)
from govnet_cli import run_govnet, run_govnet_json
from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.server import read_credentials

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
ROUTERS = 8


def write_settings(root: Path, body: str) -> None:
    path = root / SETTINGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")


def test_a_schedule_is_read_and_a_wrong_one_named_by_file_line_and_field(tmp_path: Path) -> None:
    write_settings(tmp_path, 'schedule:\n  survey: "0 2 20 * *"\n  zones: [a]\n')
    schedule = load_settings(tmp_path).schedule
    assert schedule is not None
    assert (schedule.survey, schedule.zones, schedule.then) == (
        "0 2 20 * *",
        ["a"],
        ["classify", "reports"],
    )
    assert load_settings(tmp_path / "none").schedule is None  # no file: no schedule
    for body, field, said in [
        ('schedule:\n  survey: "0 2 20 *"\n', "schedule.survey", "five fields"),
        ('schedule:\n  survey: "0 25 20 * *"\n', "schedule.survey", "not a valid cron"),
        ('schedule:\n  survey: "0 2 20 * *"\n  zone: [a]\n', "schedule.zone", ""),
        ('schedule:\n  survey: "0 2 20 * *"\n  zones: ["a b"]\n', "schedule.zones", ""),
    ]:
        write_settings(tmp_path, body)
        with pytest.raises(ProblemsError) as caught:
            load_settings(tmp_path)
        message = str(caught.value)
        line = 3 if field != "schedule.survey" else 2
        assert f"{SETTINGS_FILE}:{line}: {field}" in message and said in message, message


def test_an_unknown_follow_up_is_named_with_those_there_are(example_project: Path) -> None:
    write_settings(
        example_project, 'schedule:\n  survey: "0 2 20 * *"\n  then: [classify, statistic]\n'
    )
    env = dict(os.environ, GOVNET_DB_URL=f"sqlite:///{example_project}/store.db")
    done = run_govnet(example_project, env, "schedule", "show")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "schedule.then[1]" in done.stderr and "'statistic'" in done.stderr
    assert "coverage" in done.stderr  # the names there are
    write_settings(example_project, "timezone: Asia/Shanghai\n")
    with pytest.raises(UsageError, match="has no schedule"):
        get_schedule(load_settings(example_project))


def test_the_cron_is_read_in_the_projects_time_zone() -> None:
    """procrastinate's deferrer, given the schedule's task, defers the 20th at 02:00 Beijing
    time (18:00 UTC the day before), not 02:00 UTC."""

    async def job(_: int) -> str:
        return ""

    app = procrastinate.App(connector=InMemoryConnector())
    add_periodic_tasks(app, "0 2 20 * *", SHANGHAI, job, job, 60.0)
    deferrer = PeriodicDeferrer(app.periodic_registry)
    tick = dt.datetime(2026, 12, 20, 2, 0, tzinfo=SHANGHAI).timestamp()
    before, after = tick - 3600, tick + 60  # 01:00 and 02:01 in Beijing
    assert deferrer.get_next_tick(before) == pytest.approx(3600)
    assert [(t.task.name, s) for t, s in deferrer.get_previous_tasks(after)] == [
        (TICK_TASK, int(tick))
    ]
    assert get_campaign_name(int(tick), SHANGHAI) == "schedule-2026-12-20T020000"
    # no scheduled worker ran at 02:00: one started within 3 days defers the tick, not later
    late = PeriodicDeferrer(app.periodic_registry, **app.periodic_defaults)
    assert [s for _, s in late.get_previous_tasks(tick + 2 * 86400)] == [int(tick)]
    later = PeriodicDeferrer(app.periodic_registry, **app.periodic_defaults)
    assert list(later.get_previous_tasks(tick + 4 * 86400)) == []


def test_the_follow_up_waits_for_its_run_and_refuses_an_incomplete_one(
    example_project: Path,
) -> None:
    """While the run runs the follow-up says NotYet (procrastinate retries it every
    check_every seconds, for a week at most); an incomplete run is not classified."""
    project = Project(example_project, f"sqlite:///{example_project}/store.db")
    schedule = Schedule(survey="0 2 20 * *", check_every=30)
    with project.store() as store:
        run = store.start_survey_run("queue", "schedule-x", pid=0)
    with pytest.raises(NotYet):
        run_follow_up(project, run, schedule)
    wait = WaitForRun(schedule.check_every)
    job = Job(id=1, queue="schedule", lock=None, queueing_lock=None, task_name="t", attempts=3)
    decision = wait.get_retry_decision(exception=NotYet(), job=job)
    assert decision is not None and decision.retry_at is not None
    assert 25 < (decision.retry_at - dt.datetime.now(dt.UTC)).total_seconds() <= 30
    assert wait.get_retry_decision(exception=ValueError(), job=job) is None  # a real error
    week = Job(id=1, queue="s", lock=None, queueing_lock=None, task_name="t", attempts=20160)
    assert wait.get_retry_decision(exception=NotYet(), job=week) is None
    with project.store() as store:
        store.finish_survey_run(run, "incomplete")
    with pytest.raises(UsageError, match=r"ended incomplete: not classified.*allow_incomplete"):
        run_follow_up(project, run, schedule)


def query(url: str, sql: str) -> list[Any]:
    store = open_store(url, migrate=False)
    try:
        with store.session() as session:
            return list(session.execute(text(sql)))
    finally:
        store.dispose()


def start_worker(root: Path, env: dict[str, str], log: Path) -> subprocess.Popen[str]:
    """A worker with --schedule, its output in a file (it runs until stopped)."""
    args = ["worker", "--zone", "default", "--schedule", "--concurrency", "2", "--processes", "1"]
    args.append("--json")  # one process each: two deferrers, two procrastinate workers
    with log.open("w") as err:
        return subprocess.Popen(
            [sys.executable, "-c", "from govnet.cli import main; main()", *args],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            cwd=root,
            env=env,
        )


@pytest.mark.slow  # a served lab, two workers waiting for a tick 15 s ahead: 50-80 s
@pytest.mark.postgres
def test_two_scheduled_workers_survey_once_then_classify_and_report(
    tmp_path: Path, pg_url: str
) -> None:
    root = tmp_path / "county"
    start_lab(root, county="370702", devices=ROUTERS, seed=5, first_port=get_free_port_run(ROUTERS))
    workers: list[subprocess.Popen[str]] = []
    try:
        user, password = read_credentials(get_lab_paths(root).credentials)
        env = dict(os.environ, GOVNET_USERNAME=user, GOVNET_PASSWORD=password)
        env["GOVNET_DB_URL"] = pg_url
        tick = (dt.datetime.now(SHANGHAI) + dt.timedelta(seconds=15)).replace(microsecond=0)
        cron = f"{tick.minute} {tick.hour} {tick.day} {tick.month} * {tick.second}"  # once
        write_settings(
            root,
            f'timezone: Asia/Shanghai\nschedule:\n  survey: "{cron}"\n'
            "  then: [classify, reports]\n  check_every: 1\n",
        )
        shown = run_govnet_json(root, env, "schedule", "show")
        assert shown["next_run"] == tick.isoformat() and shown["last"] is None
        workers = [start_worker(root, env, tmp_path / f"worker{i}.log") for i in range(2)]
        deadline, last = time.monotonic() + 150, None
        while time.monotonic() < deadline:
            last = run_govnet_json(root, env, "schedule", "show")["last"]
            if (
                last
                and last["follow_up"]
                and last["follow_up"]["status"] in ("succeeded", "failed")
            ):
                break
            assert all(w.poll() is None for w in workers), "a worker stopped"
            time.sleep(1)
        assert last is not None and last["follow_up"]["status"] == "succeeded", last
        name = get_campaign_name(int(tick.timestamp()), SHANGHAI)
        assert (last["campaign"], last["survey"], last["hosts"]) == (name, "complete", ROUTERS)

        # two deferrers, one tick: one job, one campaign, every host once
        ticks = query(
            pg_url, f"SELECT count(*) FROM procrastinate_jobs WHERE task_name = '{TICK_TASK}'"
        )
        assert ticks == [(1,)]
        assert query(pg_url, "SELECT count(*) FROM procrastinate_workers") == [(2,)]
        hosts = query(
            pg_url,
            "SELECT h.hostname FROM host_results h JOIN survey_runs r ON r.id = h.run_id"
            f" WHERE r.campaign = '{name}'",
        )
        assert len(hosts) == len({h for (h,) in hosts}) == ROUTERS
        defers = query(pg_url, "SELECT count(*) FROM procrastinate_periodic_defers")
        assert defers == [(1,)]
        # a tick retried (its worker died) finds its campaign: nothing queued twice
        assert start_once(Project(root, pg_url), None, name) == last["run"]
        runs = query(pg_url, "SELECT count(*) FROM survey_runs")
        assert runs == [(1,)]
        # then: classified from that run, and the reports written
        classified = query(pg_url, "SELECT survey_run_id FROM classify_runs")
        assert [r for (r,) in classified] == [last["run"]]
        folders = list((root / "reports").iterdir())
        assert len(folders) == 1
        assert {"statistics.xlsx", "index.html", "coverage.csv"} <= {
            p.name for p in folders[0].iterdir()
        }
        table = run_govnet(root, env, "schedule", "show")
        assert f"campaign {name}" in table.stdout and "then: succeeded" in table.stdout
        assert f"next run: {tick.replace(year=tick.year + 1).isoformat()}" in table.stdout
        written = 0
        for process in workers:  # SIGTERM: a worker ends its jobs in flight and stops
            process.send_signal(signal.SIGTERM)
            stdout, _ = process.communicate(timeout=60)
            assert process.returncode == 0, (tmp_path / "worker0.log").read_text()
            written += json.loads(stdout).get("written", 0)
        assert written == ROUTERS
    finally:
        for process in workers:
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=30)
        stop_lab(root)
