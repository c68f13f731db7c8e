"""`govnet schedule show`: when the project's periodic campaign runs next, and how the last
one went (its survey, then its classification and reports)."""

from __future__ import annotations

from typing import Any

import typer

from govnet.cli.campaign import _campaigns
from govnet.cli.common import JsonOpt, app, get_options, handles_errors, out, print_json

schedule_app = typer.Typer(
    help="Periodic campaigns (schedule: in playbooks/settings.yaml), run by `worker --schedule`.",
    no_args_is_help=True,
)
app.add_typer(schedule_app, name="schedule")


def describe_last(last: dict[str, Any] | None) -> str:
    """The last tick in one line.

    >>> describe_last(None)
    'last run: none yet'
    >>> describe_last({"at": "12-20 02:00", "campaign": "c", "tick": "succeeded", "run": 4,
    ...     "survey": "complete", "hosts": 8, "follow_up": {"status": "todo", "looks": 3}})
    'last run: 12-20 02:00, campaign c (run 4): survey complete, 8 hosts; then: waiting (3 looks)'
    """
    if last is None:
        return "last run: none yet"
    line = f"last run: {last['at']}, campaign {last['campaign']}"
    if last["run"] is None:
        return f"{line}: not started (its job: {last['tick']})"
    line += f" (run {last['run']}): survey {last['survey']}, {last['hosts']} hosts"
    follow = last["follow_up"]
    if follow is None:
        return f"{line}; then: not queued"
    if follow["status"] == "todo":
        return f"{line}; then: waiting ({follow['looks']} looks)"
    at = f" at {follow['at']}" if follow.get("at") else ""
    return f"{line}; then: {follow['status']}{at}"


@schedule_app.command("show")
@handles_errors
def schedule_show(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The schedule, its next run (the project's time zone) and the last run's outcome."""
    _campaigns()  # the jobs extra, or how to install it
    from govnet.app.schedule import get_schedule_status

    status = get_schedule_status(get_options(ctx).get_project())
    if as_json:
        print_json(status.to_dict())
        return
    zones = ", ".join(status.zones) if status.zones else "every zone"
    out.print(
        f"schedule: survey at {status.survey!r} ({status.timezone}), {zones};"
        f" then {', '.join(status.then)}",
        markup=False,
    )
    out.print(f"next run: {status.next_run.isoformat()}", markup=False)
    out.print(describe_last(status.last), markup=False)
