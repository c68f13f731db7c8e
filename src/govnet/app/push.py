"""Push one host's share of a plan (or undo it), with the project's platforms and inventory."""

from __future__ import annotations

from govnet.app.project import Project
from govnet.push import OnStep, PushResult, push_host
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
