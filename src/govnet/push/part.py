"""One host's share of a stored plan, as push reads it back from the store: its steps'
lines, rollback and checks; and the refusal of a plan file edited since it was written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govnet.model.plans import Check
from govnet.push.device import PushError
from govnet.push.stepwise import PushStep, get_push_steps
from govnet.store import CANCELLED, Store

APPLY, ROLLBACK = "apply", "rollback"
APPLIED = "applied"  # the lines went in, the checks hold, the configuration is saved


@dataclass(frozen=True)
class HostPart:
    """One host's share of a stored plan: what is typed, undone and checked there."""

    plan_id: int
    unit: str
    host: str
    platform: str
    steps: tuple[int, ...]
    config: tuple[str, ...]
    rollback: tuple[str, ...]
    pre: tuple[Check, ...]
    post: tuple[Check, ...]
    survey_run: int
    parts: dict[str, Any]  # every host's part, by host: the order of pushes
    path: str  # the plan's folder, where configs/<host>.cfg was written
    manual: str | None = None  # why its steps are done on site by hand: never pushed
    # (step, lines, rollback lines) in order; () for a part stored before: pushed as one step
    step_lines: tuple[tuple[int, tuple[str, ...], tuple[str, ...]], ...] = ()
    # the PE's VPNv4 sessions shared with other plans (peers, builder, config, rollback),
    # the builder's rollback keeping them, a dependant's removing them too (.shared)
    session: dict[str, Any] | None = None
    rollback_keep: tuple[str, ...] = ()
    rollback_last: tuple[str, ...] = ()

    @property
    def push_steps(self) -> list[PushStep]:
        return get_push_steps(self.step_lines, self.config, self.rollback, self.post, self.steps)

    @property
    def on_site(self) -> list[str]:
        """The plan's hosts done by hand on site: never logged in to, not even to check."""
        return [h for h, p in self.parts.items() if p.get("manual")]


def get_plan_row(store: Store, ref: str) -> dict[str, Any]:
    """A stored plan from a plan id, a plan folder, or a unit key (its latest plan)."""
    plans = store.get_plans()
    if ref.isdigit():
        row = store.get_plan(int(ref))
        if row is None:
            raise PushError(f"no plan {ref} (see `govnet plan`)")
        return row
    path = Path(ref)
    if path.exists():
        wanted = str(path.resolve())
        found = [p for p in plans if str(Path(p["path"]).resolve()) == wanted]
    else:
        found = [p for p in plans if p["unit_key"] == ref]
    if not found:
        raise PushError(f"no plan for {ref!r}: give a plan id, a plan folder or a unit key")
    return found[-1]


def get_host_part(store: Store, ref: str, host: str) -> HostPart:
    row = get_plan_row(store, ref)
    if row.get("status") == CANCELLED:  # its values may belong to another plan by now
        raise PushError(f"plan {row['id']} is cancelled: make a new plan for {row['unit_key']}")
    parts: dict[str, Any] = row["detail"].get("parts") or {}
    if not parts:
        raise PushError(f"plan {row['id']} was made by an older govnet: make it again")
    part = parts.get(host)
    if part is None:
        hosts = ", ".join(parts) or "none"
        raise PushError(f"{host} has no step in plan {row['id']} (its hosts: {hosts})")
    return HostPart(
        row["id"],
        row["unit_key"],
        host,
        part["platform"],
        tuple(part["steps"]),
        tuple(part["config"]),
        tuple(part["rollback"]),
        tuple(Check(**c) for c in part["pre"]),
        tuple(Check(**c) for c in part["post"]),
        int(row["detail"]["survey_run"]),
        parts,
        str(row["path"]),
        part.get("manual"),
        _get_step_lines(row["id"], part),
        part.get("session"),
        tuple(part.get("rollback_keep") or ()),
        tuple(part.get("rollback_last") or ()),
    )


def get_push_states(pushes: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Each host's last successful apply or rollback of a plan, from its pushes in order."""
    state: dict[str, str] = {}
    for push in pushes:  # in order: the last word on each host counts
        if push["result"] == APPLIED and push["action"] in (APPLY, ROLLBACK):
            state[push["hostname"]] = push["action"]
    return state


def _get_step_lines(
    plan_id: int, part: dict[str, Any]
) -> tuple[tuple[int, tuple[str, ...], tuple[str, ...]], ...]:
    """A host part's lines per step, as stored; () for a part stored before they were."""
    config, rollback = part.get("step_config") or [], part.get("step_rollback") or []
    if [n for n, _ in config] != [n for n, _ in rollback]:
        raise PushError(f"plan {plan_id}'s stored steps are damaged: make the plan again")
    return tuple(
        (int(n), tuple(lines), tuple(undo))
        for (n, lines), (_n, undo) in zip(config, rollback, strict=True)
    )


def check_written_config(part: HostPart, rollback: bool) -> None:
    """Refuse when the plan's ``configs/<host>[.rollback].cfg`` no longer holds the stored
    lines: push types what the plan stored, so an edit there must not pass unnoticed."""
    lines = part.rollback if rollback else part.config
    path = Path(part.path) / "configs" / f"{part.host}{'.rollback' if rollback else ''}.cfg"
    try:
        written = path.read_text(encoding="utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError) as exc:
        raise PushError(f"{path}: cannot read it ({exc})") from None
    if written is not None and written != "\n".join(lines) + "\n":
        raise PushError(
            f"{path} differs from the lines stored with plan {part.plan_id}: push types only"
            " what the plan stored; undo the edit, or change the inventory or policy and make"
            f" the plan again (`govnet plan {part.unit}`)"
        )


def get_pending_hosts(part: HostPart, pushes: Sequence[dict[str, Any]]) -> list[str]:
    """Hosts whose steps come before this host's first step and that are not pushed yet."""
    first = min(part.steps)
    state = get_push_states(pushes)
    return [
        host
        for host, other in part.parts.items()
        if host != part.host and min(other["steps"]) < first and state.get(host) != APPLY
    ]


def get_dependent_hosts(part: HostPart, pushes: Sequence[dict[str, Any]]) -> list[str]:
    """Hosts whose steps come after this host's first step and that are still applied: they
    depend on this host's part, so they are rolled back first (the reverse of apply order)."""
    first = min(part.steps)
    state = get_push_states(pushes)
    return [
        host
        for host, other in part.parts.items()
        if host != part.host and min(other["steps"]) > first and state.get(host) == APPLY
    ]
