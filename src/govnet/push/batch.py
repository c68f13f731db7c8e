"""Every host push of several plans in one night window (``govnet push --all``, issue 23):
plans in the order they were made, each plan's hosts in the order of their steps (the PE's
share before the CE's, as :func:`~govnet.push.get_pending_hosts` enforces), a dry run unless
``commit``. A commit stops at the first push that does not end applied (refused, rolled
back, failed): everything before it is applied and checked, nothing after it is tried.

Hosts done on site by hand (classified and police networks) are skipped, saying so; hosts a
plan already applied are skipped too. The operators' requests the plans need (the city's
side of a hand-off, a system's return routes) are listed before anything starts, and the
batch holds before each host push whose steps need them (:mod:`govnet.push.holds`): it goes
on once the operators say they are done (``on_request``), or, for requests that may be done
early, once ``requests_done`` declares them done; "no" stops it there. A commit with a hold
point and nobody to ask is refused before anything is pushed. A step whose request was not
done anyway fails its traffic check and is rolled back, as it should be.
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
from govnet.push.holds import (
    CONFIRMED,
    DECLARED,
    DECLINED,
    LISTED,
    STOPPED,
    Hold,
    OnRequest,
    Request,
    get_holds,
    get_requests,
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
class Batch:
    commit: bool
    items: list[BatchItem]
    requests: list[Request]
    stopped: BatchItem | None = None  # the push that stopped a commit
    holds: dict[int, Hold] = field(default_factory=dict)  # by the index of the item after it
    held: Hold | None = None  # the hold point that stopped a commit (the operators said no)

    @property
    def ok(self) -> bool:
        fine = (SKIPPED, ALREADY, WAITS, NOT_REACHED, APPLIED, DRY_RUN)
        done = self.stopped is None and self.held is None
        return done and all(i.status in fine for i in self.items)

    def to_dict(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for item in self.items:
            counts[item.status] = counts.get(item.status, 0) + 1
        return {
            "commit": self.commit,
            "ok": self.ok,
            "stopped": self.stopped.to_dict() if self.stopped else None,
            "held": self.held.to_dict() if self.held else None,
            "counts": counts,
            "requests": [r.to_dict() for r in self.requests],
            "holds": [h.to_dict() for _, h in sorted(self.holds.items())],
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
    if batch.held is not None:
        h = batch.held
        why = f": {h.reason}" if h.reason else ""
        out += [f"**Stopped at the hold point** {h.describe()}: {h.answer} by {h.by}{why}"]
        out += ["", "Everything before it is applied and checked; nothing after it was tried.", ""]
    if batch.requests:
        out += ["## Operators' requests (done before the step that needs them)", ""]
        out += [
            f"- plan {r.plan_id} ({r.unit}), before step {r.before_step}"
            f" ({r.host or '?'}): {r.text}"
            for r in batch.requests
        ]
        out.append("")
    if batch.holds:
        out += [
            "## Hold points, in order",
            "",
            "| plan | unit | before | who | answer | by | when |",
        ]
        out.append("|---|---|---|---|---|---|---|")
        for h in (h for _, h in sorted(batch.holds.items())):
            who = "、".join(dict.fromkeys(r.who for r in h.requests))
            steps = ",".join(map(str, h.steps))
            answer = h.answer + (f" ({h.reason})" if h.reason else "")
            answer = answer.replace("|", "/").replace("\n", " ")
            out.append(
                f"| {h.plan_id} | {h.unit} | {h.host} (step {steps}) | {who} | {answer}"
                f" | {h.by or ''} | {h.at or ''} |"
            )
        out.append("")
        for h in (h for _, h in sorted(batch.holds.items())):
            out += [f"- {h.describe()}:"] + [f"  - {r.chinese}" for r in h.requests]
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
    on_request: OnRequest | None = None,
    requests_done: bool = False,
) -> Batch:
    """Push every item in order; see the module doc. ``on_request``: asked at each hold
    point (None: nobody to ask); ``requests_done``: the requests that may be done early
    were, before the batch."""
    say = on_step or (lambda _text: None)
    batch = Batch(commit, get_items(plans), get_requests(plans))
    for item in batch.items:
        if item.status != SKIPPED:
            state = get_push_states(store.get_pushes(item.plan_id))
            if state.get(item.host) == APPLY:
                item.status, item.reason = ALREADY, "applied by an earlier push"
    pushed = [i for i in batch.items if i.status not in (SKIPPED, ALREADY)]
    batch.holds = {
        n: h for n, h in get_holds(batch.items, batch.requests).items() if batch.items[n] in pushed
    }
    if commit:
        check_someone_answers(batch.holds.values(), on_request, requests_done)
    for r in batch.requests:  # said before anything starts: done by others, in the window
        say(f"needed before step {r.before_step} of plan {r.plan_id} ({r.host}): {r.text}")
    for n, item in enumerate(batch.items):
        if item.status == SKIPPED:
            say(f"plan {item.plan_id} ({item.unit}) on {item.host}: skipped, {item.reason}")
            continue
        if item.status == ALREADY:
            continue
        state = get_push_states(store.get_pushes(item.plan_id))
        earlier = [
            i.host
            for i in batch.items
            if i.plan_id == item.plan_id
            and min(i.steps) < min(item.steps)
            and state.get(i.host) != APPLY
            and i.status != SKIPPED
        ]
        hold = batch.holds.get(n)
        if hold is not None and not commit:
            hold.answer = LISTED
        if earlier and not commit:  # a dry run cannot prove what needs them done first
            item.status = WAITS
            item.reason = f"after {', '.join(earlier)}: its checks can run only then"
            continue
        if hold is not None and commit and not wait_at(hold, on_request, requests_done, say):
            batch.held = hold
            item.reason = f"stopped at the hold point before it: {hold.answer}"
            break
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


def check_someone_answers(
    holds: Iterable[Hold], on_request: OnRequest | None, requests_done: bool
) -> None:
    """A commit whose hold points nobody can answer (no terminal, nothing declared) is
    refused before anything is pushed: it would otherwise stop half-way, or hang."""
    if on_request is not None:
        return
    unanswered = [h for h in holds if not (requests_done and h.early)]
    if not unanswered:
        return
    just_before = [h for h in unanswered if not h.early]
    names = "; ".join(
        f"{h.describe()}: {', '.join(dict.fromkeys(r.who for r in h.requests))}" for h in unanswered
    )
    if just_before:
        how = (
            "a system's return routes must be done just before the step that needs them"
            " (earlier they cut off the business still on the old line), so they cannot be"
            " declared done in advance (--requests-done covers the city's side only): run it"
            " at a terminal, where each hold point asks"
        )
    else:
        how = (
            "these requests may be done early: once the operators have done them, add"
            " --requests-done, or run it at a terminal, where each hold point asks"
        )
    raise UsageError(
        f"{len(unanswered)} hold point(s) need the operators' word and nobody can be asked"
        f" (stdin is not a terminal): {names}. Nothing was pushed; {how}"
    )


def wait_at(hold: Hold, on_request: OnRequest | None, requests_done: bool, say: OnStep) -> bool:
    """The hold point before a host push: True once its requests are done (confirmed, or
    declared done before the batch when they may be done early)."""
    if requests_done and hold.early:
        hold.answered(DECLARED)
        say(f"hold point {hold.describe()}: declared done before the batch (--requests-done)")
        return True
    if on_request is None:  # check_someone_answers refused the batch before this
        raise UsageError(f"hold point {hold.describe()}: nobody to ask")
    try:
        done = on_request(hold)
    except Exception as exc:  # the callback's way to stop: recorded, the batch stops cleanly
        hold.answered(STOPPED, f"{type(exc).__name__}: {exc}")
        return False
    hold.answered(CONFIRMED if done else DECLINED)
    return done
