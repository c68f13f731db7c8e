"""Push one host's share of a plan (or undo it), list unfinished pushes and recover them,
with the project's platforms and inventory."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

from govnet.app.project import Project
from govnet.push import OnStep, PushResult, push_host
from govnet.push.batch import Batch, get_batch_plans, run_batch, to_markdown
from govnet.push.holds import OnRequest
from govnet.push.recover import PushStatus, get_push_status, recover_host
from govnet.survey.collect import Budget, Credentials


def push(
    project: Project,
    plan_ref: str,
    host: str,
    credentials: Credentials,
    *,
    commit: bool = False,
    rollback: bool = False,
    budget: Budget | None = None,
    on_step: OnStep | None = None,
) -> PushResult:
    """A dry run unless ``commit``; see :mod:`govnet.push`."""
    platforms = project.load_platforms()
    hosts = {h.name: h for h in project.get_inventory().hosts}
    with project.store() as store:
        return push_host(
            store,
            platforms,
            hosts,
            plan_ref,
            host,
            credentials,
            commit=commit,
            rollback=rollback,
            budget=budget,
            on_step=on_step,
        )


def push_all(
    project: Project,
    plan_refs: Sequence[str],
    credentials: Credentials,
    *,
    commit: bool = False,
    budget: Budget | None = None,
    on_step: OnStep | None = None,
    on_request: OnRequest | None = None,
    requests_done: bool = False,
) -> tuple[Batch, Path]:
    """Every host push of the plans named (none: every plan not cancelled), in order; see
    :mod:`govnet.push.batch`. ``on_request`` is asked at each hold point (the operators'
    requests due before the next host push): True once they are done, False (or raising)
    stops the batch there; None: nobody can be asked, so a commit with hold points is
    refused unless ``requests_done`` declares them all done (only those that may be done
    early can be). The report (JSON and markdown) goes under reports/<date>/; its
    markdown's path is returned."""
    platforms = project.load_platforms()
    hosts = {h.name: h for h in project.get_inventory().hosts}
    with project.store() as store:
        plans = get_batch_plans(store, plan_refs)
        batch = run_batch(
            store,
            platforms,
            hosts,
            plans,
            credentials,
            commit=commit,
            budget=budget,
            on_step=on_step,
            on_request=on_request,
            requests_done=requests_done,
        )
    now = dt.datetime.now().astimezone()
    folder = project.root / "reports" / now.date().isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"push-{'commit' if commit else 'dry-run'}-{now:%H%M%S}"
    made_at = now.isoformat(timespec="seconds")
    data = {"made_at": made_at, **batch.to_dict()}
    (folder / f"{name}.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    report = folder / f"{name}.md"
    report.write_text(to_markdown(batch, made_at), encoding="utf-8")
    return batch, report


def push_status(project: Project) -> PushStatus:
    """Unfinished pushes (a device possibly half-configured) and the pushes running now."""
    with project.store() as store:
        return get_push_status(store)


def recover(
    project: Project,
    host: str,
    credentials: Credentials,
    *,
    commit: bool = False,
    budget: Budget | None = None,
    on_step: OnStep | None = None,
) -> PushResult:
    """Restore the backup of ``host``'s unfinished push; see :mod:`govnet.push.recover`."""
    platforms = project.load_platforms()
    hosts = {h.name: h for h in project.get_inventory().hosts}
    with project.store() as store:
        return recover_host(
            store,
            platforms,
            hosts,
            host,
            credentials,
            commit=commit,
            budget=budget,
            on_step=on_step,
        )
