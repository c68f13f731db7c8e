"""Periodic campaigns (issue 21, item 2): the monthly survey and what follows it, with nobody
typing. The project's ``schedule:`` (playbooks/settings.yaml) says when (a cron in the
project's time zone), which zones, and what follows: ``classify``, ``reports`` (as `govnet
report all`) or report names (as `govnet report <name>`).

Workers started with ``--schedule`` defer each tick once between them (procrastinate's periodic
deferrer); the tick's job starts the campaign as `govnet campaign start` does and queues one
follow-up job, which waits for the campaign's run to end and then classifies and reports. The
follow-up waits rather than being deferred by the last host written: the survey's jobs need
not know about schedules, and a run ended any other way (finished by another worker, marked
incomplete) still gets its follow-up or a failed one to show.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

import procrastinate

from govnet.app.campaign import QUEUE_SOURCE, start_campaign
from govnet.app.classify import classify_checked
from govnet.app.project import Project
from govnet.app.reports import load_reports, write_report_files, write_reports
from govnet.model.problems import Problem, ProblemsError, UsageError
from govnet.model.settings import FOLLOW_UPS, SETTINGS_FILE, Schedule, Settings, load_settings
from govnet.reports import get_registry, get_shown
from govnet.reports.files import ALL_FORMATS, FORMATS
from govnet.survey.jobs import ensure_queue_schema, make_app, opened, require_postgres
from govnet.survey.jobs_schedule import (
    FOLLOW_UP_TASK,
    TICK_TASK,
    NotYet,
    add_periodic_tasks,
    defer_follow_up,
    get_campaign_name,
    get_last_job,
    get_next_run,
)


def get_schedule(settings: Settings) -> Schedule:
    """The project's schedule, its follow-ups checked (report names are known here only)."""
    if settings.schedule is None:
        raise UsageError(
            f'{SETTINGS_FILE} has no schedule: add one (schedule: survey: "0 2 20 * *")'
            " to survey on the 20th at 02:00"
        )
    names = [r.name for r in get_registry()]
    problems = [
        Problem(
            SETTINGS_FILE,
            f"schedule.then[{i}]: {step!r} is none of {', '.join([*FOLLOW_UPS, *names])}",
        )
        for i, step in enumerate(settings.schedule.then)
        if step not in FOLLOW_UPS and step not in names
    ]
    if problems:
        raise ProblemsError(problems)
    return settings.schedule


def add_schedule(app: procrastinate.App, project: Project) -> list[str]:
    """The schedule's tasks on a worker's app (its periodic deferrer among them); the queues
    the worker must also listen to."""
    settings = load_settings(project.root)
    schedule = get_schedule(settings)

    async def tick(timestamp: int) -> str:
        name = get_campaign_name(timestamp, settings.zone)
        run_id = await asyncio.to_thread(start_once, project, schedule.zones, name)
        await defer_follow_up(app, run_id)
        return f"campaign {name} (run {run_id})"

    async def follow_up(run_id: int) -> str:
        return await asyncio.to_thread(run_follow_up, project, run_id, schedule)

    return add_periodic_tasks(
        app, schedule.survey, settings.zone, tick, follow_up, schedule.check_every
    )


def start_once(project: Project, zones: list[str] | None, name: str) -> int:
    """The tick's campaign, started; or its run, when a retried tick finds it started."""
    with project.store() as store:
        started = [r["id"] for r in store.get_survey_runs() if r["campaign"] == name]
    if started:
        return int(started[0])
    return start_campaign(project, zones, name).run_id


def run_follow_up(project: Project, run_id: int, schedule: Schedule) -> str:
    """Classification and reports once the run has ended; NotYet while it runs."""
    with project.store() as store:
        run = next((r for r in store.get_survey_runs() if r["id"] == run_id), None)
    if run is None:
        raise UsageError(f"the scheduled campaign's run {run_id} is not in the store")
    if run["status"] == "running":
        raise NotYet(f"campaign {run['campaign']} (run {run_id}) is still running")
    if run["status"] != "complete" and not schedule.allow_incomplete:
        raise UsageError(
            f"campaign {run['campaign']} (run {run_id}) ended {run['status']}: not classified"
            f" (schedule.allow_incomplete in {SETTINGS_FILE} classifies it as it is)"
        )
    done = []
    for step in schedule.then:
        if step == "classify":
            stored, _ = classify_checked(project, run_id, schedule.allow_incomplete)
            done.append(f"classification {stored.classify_run_id}")
        elif step == "reports":
            reports = load_reports(project)
            folder, written = write_reports(project, reports, ALL_FORMATS)
            done.append(f"{len(written)} report files in {folder}")
        else:
            shown = get_shown(step)
            reports = load_reports(project, registry=shown)
            written = write_report_files(project, reports, shown, FORMATS)
            done.append(f"report {step}: {len(written)} files")
    return "; ".join(done)


@dataclass
class ScheduleStatus:
    survey: str  # the cron
    timezone: str
    zones: list[str] | None
    then: list[str]
    next_run: dt.datetime  # in the project's time zone
    last: dict[str, Any] | None  # the last tick: campaign, run, its status, the follow-up's

    def to_dict(self) -> dict[str, Any]:
        return {
            "survey": self.survey,
            "timezone": self.timezone,
            "zones": self.zones,
            "then": self.then,
            "next_run": self.next_run.isoformat(),
            "last": self.last,
        }


def get_schedule_status(project: Project, now: dt.datetime | None = None) -> ScheduleStatus:
    """When the schedule runs next, and how its last run went (survey, then follow-up)."""
    settings = load_settings(project.root)
    schedule = get_schedule(settings)
    when = get_next_run(schedule.survey, settings.zone, now or dt.datetime.now(dt.UTC))
    with project.store() as store:
        require_postgres(store)
        app = make_app(store)
        with opened(app):
            ensure_queue_schema(app, store)
            last = _get_last(app, store.get_survey_runs(), settings)
    return ScheduleStatus(
        schedule.survey, settings.timezone, schedule.zones, list(schedule.then), when, last
    )


def _get_last(
    app: procrastinate.App, runs: list[dict[str, Any]], settings: Settings
) -> dict[str, Any] | None:
    tick = get_last_job(app, TICK_TASK)
    if tick is None:
        return None
    timestamp = int(tick["args"]["timestamp"])
    name = get_campaign_name(timestamp, settings.zone)
    last: dict[str, Any] = {
        "at": dt.datetime.fromtimestamp(timestamp, settings.zone).isoformat(),
        "campaign": name,
        "tick": tick["status"],
        "run": None,
        "survey": None,
        "hosts": None,
        "follow_up": None,
    }
    run = next((r for r in runs if r["campaign"] == name and r["source"] == QUEUE_SOURCE), None)
    if run is None:
        return last
    last.update(run=run["id"], survey=run["status"], hosts=run.get("hosts"))
    follow = get_last_job(app, FOLLOW_UP_TASK, run["id"])
    if follow is not None:
        at = follow["at"]
        last["follow_up"] = {
            "status": follow["status"],  # todo (waiting for the survey), doing, succeeded...
            "looks": follow["attempts"],
            "at": settings.local(at).isoformat() if at is not None else None,
        }
    return last
