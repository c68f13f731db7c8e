"""Push one host's share of a plan (or undo it), list unfinished pushes and recover them,
with the project's platforms and inventory."""

from __future__ import annotations

from govnet.app.project import Project
from govnet.push import OnStep, PushResult, push_host
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
