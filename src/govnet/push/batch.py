"""Every host push of several plans in one night window (``govnet push --all``, issue 23):
plans in the order they were made, each plan's hosts in the order of their steps (the PE's
share before the CE's, as :func:`~govnet.push.get_pending_hosts` enforces), a dry run unless
``commit``. A commit stops at the first push that does not end applied (refused, rolled
back, failed): everything before it is applied and checked, nothing after it is tried.

Hosts done on site by hand (classified and police networks) are skipped, saying so; hosts a
plan already applied are skipped too. The operators' requests the plans need (the city's
side of a hand-off, a system's return routes) are listed before anything starts: a step
whose request was not done fails its traffic check and is rolled back, as it should be.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from govnet.model.inventory import ResolvedHost
from govnet.model.problems import UsageError
from govnet.platforms import Platforms
from govnet.push import (
    APPLIED,
    APPLY,
    DRY_RUN,
    OnStep,
    PushResult,
    get_push_states,
    push_host,
)
from govnet.push.part import get_plan_row
from govnet.store import CANCELLED, Store
from govnet.survey.collect import Budget, Credentials

# How one host push of a batch ends, besides a push's own results (applied, refused, ...)
SKIPPED = "skipped"  # done on site by hand: never pushed
ALREADY = "already_applied"  # the plan's push to this host is applied already
WAITS = "waits"  # dry run: hosts before it in the plan are pushed first, in the batch
NOT_REACHED = "not_reached"  # the batch stopped before it


@dataclass
class BatchItem:
    """One host's share of one plan, in the batch's order, and how it ended."""

    plan_id: int
    unit: str
    host: str
    steps: tuple[int, ...]
    status: str = NOT_REACHED
    reason: str | None = None
    lines: list[str] = field(default_factory=list)
    result: PushResult | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan_id,
            "unit": self.unit,
            "host": self.host,
            "steps": list(self.steps),
            "status": self.status,
            "reason": self.reason,
            "push": self.result.push_id if self.result else None,
            "result": self.result.to_dict() if self.result else None,
        }


@dataclass
class Request:
    """An operator's part a plan needs done before one of its steps (never pushed)."""

    plan_id: int
    unit: str
    kind: str  # city, system
    before_step: int
    host: str | None  # the router of that step
    text: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__, plan=self.plan_id)


@dataclass
class Batch:
    commit: bool
    items: list[BatchItem]
    requests: list[Request]
    stopped: BatchItem | None = None  # the push that stopped a commit

    @property
    def ok(self) -> bool:
        fine = (SKIPPED, ALREADY, WAITS, NOT_REACHED, APPLIED, DRY_RUN)
        return self.stopped is None and all(i.status in fine for i in self.items)

    def to_dict(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for item in self.items:
            counts[item.status] = counts.get(item.status, 0) + 1
        return {
            "commit": self.commit,
            "ok": self.ok,
            "stopped": self.stopped.to_dict() if self.stopped else None,
            "counts": counts,
            "requests": [r.to_dict() for r in self.requests],
            "pushes": [i.to_dict() for i in self.items],
        }


def to_markdown(batch: Batch, made_at: str) -> str:
    """The batch's report for the change record: what was needed, done, skipped, left."""
    what = "pushed (--commit)" if batch.commit else "dry run: nothing was changed"
    out = [f"# govnet push: {len(batch.items)} host push(es), {what}", "", f"Made {made_at}.", ""]
    if batch.stopped is not None:
        s = batch.stopped
        out += [f"**Stopped** at plan {s.plan_id} ({s.unit}) on {s.host}: {s.status}, {s.reason}"]
        out += ["", "Everything before it is applied and checked; nothing after it was tried.", ""]
    if batch.requests:
        out += ["## Operators' requests (done before the step that needs them)", ""]
        out += [
            f"- plan {r.plan_id} ({r.unit}), before step {r.before_step}"
            f" ({r.host or '?'}): {r.text}"
            for r in batch.requests
        ]
        out.append("")
    out += ["## Pushes, in order", "", "| plan | unit | host | steps | result | push | reason |"]
    out.append("|---|---|---|---|---|---|---|")
    for i in batch.items:
        reason = (i.reason or "").replace("|", "/").replace("\n", " ")
        push = i.result.push_id if i.result and i.result.push_id else ""
        steps = ",".join(map(str, i.steps))
        out.append(
            f"| {i.plan_id} | {i.unit} | {i.host} | {steps} | {i.status} | {push} | {reason} |"
        )
    return "\n".join(out) + "\n"


def get_batch_plans(store: Store, refs: Sequence[str]) -> list[dict[str, Any]]:
    """The plans named (in the order given), or, with no ``refs``, every plan not cancelled,
    each unit's latest, in the order they were made."""
    if refs:
        return [get_plan_row(store, ref) for ref in refs]
    latest: dict[str, dict[str, Any]] = {}
    for row in store.get_plans():
        if row.get("status") != CANCELLED:
            latest[row["unit_key"]] = row
    return sorted(latest.values(), key=lambda row: row["id"])


def get_items(plans: Iterable[Mapping[str, Any]]) -> list[BatchItem]:
    """Each plan's hosts in the order of their first step."""
    items = []
    for row in plans:
        parts: dict[str, Any] = row["detail"].get("parts") or {}
        for host in sorted(parts, key=lambda h: (min(parts[h]["steps"]), h)):
            part = parts[host]
            item = BatchItem(row["id"], row["unit_key"], host, tuple(part["steps"]))
            item.lines = list(part["config"])
            if part.get("manual"):
                item.status, item.reason = SKIPPED, f"done on site by hand: {part['manual']}"
            items.append(item)
    return items


def get_requests(plans: Iterable[Mapping[str, Any]]) -> list[Request]:
    """The operators' requests of the plans, each with the step (and router) needing it."""
    out = []
    for row in plans:
        detail = row["detail"]
        parts: dict[str, Any] = detail.get("parts") or {}

        def host_of(step: int, parts: dict[str, Any] = parts) -> str | None:
            return next((h for h, p in parts.items() if step in p["steps"]), None)

        for city in detail.get("city_requests") or []:
            text = (
                f"city operator: {city['network']}: VLAN {city['vlan']} on the uplink of"
                f" {city['pe']} ({city['uplink']}), VPN {city['vpn']} RD"
                f" {city['route_distinguisher']} RT {city['route_target']}, city end"
                f" {city['city_address']}, PE end {city['pe_address']}, routes back:"
                f" {', '.join(city['routes']) or 'none'}"
            )
            step = int(city["before_step"])
            out.append(Request(row["id"], row["unit_key"], "city", step, host_of(step), text))
        for ask in detail.get("system_requests") or []:
            text = (
                f"{ask['system']} operator: {ask['network']}: route"
                f" {', '.join(ask['routes'])} back through the extranet (VPN {ask['vpn']})"
                + (f" instead of the old line {ask['old_circuit']}" if ask["old_circuit"] else "")
            )
            step = int(ask["before_step"])
            out.append(Request(row["id"], row["unit_key"], "system", step, host_of(step), text))
    return out


def run_batch(
    store: Store,
    platforms: Platforms,
    hosts: Mapping[str, ResolvedHost],
    plans: Sequence[Mapping[str, Any]],
    credentials: Credentials,
    *,
    commit: bool = False,
    budget: Budget | None = None,
    on_step: OnStep | None = None,
) -> Batch:
    """Push every item in order; see the module doc."""
    say = on_step or (lambda _text: None)
    batch = Batch(commit, get_items(plans), get_requests(plans))
    for r in batch.requests:  # said before anything starts: done by others, in the window
        say(f"needed before step {r.before_step} of plan {r.plan_id} ({r.host}): {r.text}")
    for item in batch.items:
        if item.status == SKIPPED:
            say(f"plan {item.plan_id} ({item.unit}) on {item.host}: skipped, {item.reason}")
            continue
        state = get_push_states(store.get_pushes(item.plan_id))
        if state.get(item.host) == APPLY:
            item.status, item.reason = ALREADY, "applied by an earlier push"
            continue
        earlier = [
            i.host
            for i in batch.items
            if i.plan_id == item.plan_id
            and min(i.steps) < min(item.steps)
            and state.get(i.host) != APPLY
            and i.status != SKIPPED
        ]
        if earlier and not commit:  # a dry run cannot prove what needs them done first
            item.status = WAITS
            item.reason = f"after {', '.join(earlier)}: its checks can run only then"
            continue
        say(f"plan {item.plan_id} ({item.unit}) on {item.host}")
        try:
            result = push_host(
                store,
                platforms,
                hosts,
                str(item.plan_id),
                item.host,
                credentials,
                commit=commit,
                budget=budget,
                on_step=on_step,
            )
        except UsageError as exc:
            item.status, item.reason = "refused", str(exc)
        else:
            item.result, item.status, item.reason = result, result.result, result.reason
        if commit and item.status != APPLIED:
            batch.stopped = item
            break
    return batch
