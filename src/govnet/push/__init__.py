"""Push one host's share of a cutover plan, safely: a dry run unless told to commit.

A push with ``commit``:

1. reads the device (running configuration and facts, as a survey does) and refuses when it
   was changed by hand, since the snapshot the plan was made from, in what the plan touches
   (:mod:`.drift`: other plans' pushes recorded since, and edits elsewhere, are reported and
   do not block), when a pre-check fails, or when a host whose steps come first in the plan
   has not been pushed yet;
2. records the push in the store with the running configuration as its backup;
3. goes step by step (:mod:`.stepwise`): types a step's lines in configuration mode,
   stopping at the first line refused, reads the device again and runs that step's
   post-checks before the next step is typed: state checks on the facts read, ping checks by
   pinging from the device (its own count of replies), since a sub-interface can be up while
   the carrier drops its VLAN, quiet checks by reading an interface's counters twice, some
   seconds apart (the old line carries nothing); a check naming another host is run there,
   read-only;
4. if a line was refused or a check fails, rolls back: the rollback lines of the steps typed
   so far, in reverse, then, if the device still differs from the backup, hier_config's
   remediation toward the backup, and reads it again to say whether the backup's state is
   back; the result names the step that failed;
5. saves the configuration only once the checks hold (or the backup is restored).

``rollback`` pushes the plan's rollback file the same way: the device must be as the last
successful push left it, but for other plans' pushes since and hand edits the plan does not
touch; afterwards it must equal that push's backup, or, when something else changed since,
the device as it is without this plan's share (what its push added gone, what it removed
back: another department's VPN pushed later on the same PE stays; hier_config's remediation,
if needed, aims there too). Hosts are rolled back in the reverse of their apply order (a host
whose steps come later is rolled back first).

A commit holds the device's lease in the store for its whole run (one writer per device) and
journals itself before the first line is typed, then counts the lines as they go. Ctrl-C and
SIGTERM stop it at a line boundary and restore the backup. A push left unfinished (killed,
crashed, or a rollback that could not restore) blocks every later command on that device,
named in the refusal, until `govnet push recover` (:mod:`.recover`) has restored its backup.
The lines typed are the plan's stored ones; a plan's ``configs/<host>.cfg`` edited since is
refused, not ignored.

Where the platform declares a revert timer (``push: revert:``, IOS), an apply is typed
under it and confirmed only once its checks hold (:mod:`.revert`): a change that cuts the
management path undoes itself on the device, and the push is recorded ``reverted``. Elsewhere
(VRP5 AR routers have no trial commit) the rollback file is the safety net, verified by
reading the device back, not assumed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govnet.model.inventory import ResolvedHost
from govnet.model.plans import Check
from govnet.platforms import Platforms
from govnet.push.device import (
    Device,
    DeviceError,
    PushError,
    get_config_diff,
    get_device,
    get_intended_diff,
)
from govnet.push.drift import get_changes, get_pushes_since, get_share_undone, get_touched, judge
from govnet.push.journal import (
    INCOMPLETE,
    Lease,
    Stop,
    Stopped,
    check_device_free,
    holding,
    stopping_on_signals,
)
from govnet.push.part import (
    APPLIED,
    APPLY,
    ROLLBACK,
    HostPart,
    check_written_config,
    get_dependent_hosts,
    get_host_part,
    get_pending_hosts,
    get_plan_row,
    get_push_states,
)
from govnet.push.revert import RevertTimer
from govnet.push.shared import check_built, get_goal, get_session_rollback, get_users
from govnet.push.stepwise import PushStep, Reach, get_reach, prove
from govnet.store import Store
from govnet.survey.collect import Budget, Credentials

__all__ = [
    "APPLIED",
    "APPLY",
    "ROLLBACK",
    "Device",
    "DeviceError",
    "HostPart",
    "PushError",
    "PushResult",
    "get_config_diff",
    "get_host_part",
    "get_intended_diff",
    "get_plan_row",
    "get_push_states",
    "push_host",
]

# How a push ends. Only a commit is recorded; "dry_run" is never stored. APPLIED (part.py):
# the lines went in, the checks hold, the configuration is saved.
DRY_RUN = "dry_run"
REFUSED = "refused"  # nothing was typed: drift, a failed pre-check, order, device unreadable
FAILED = "failed"  # a line was refused; rolled back to the backup
ROLLED_BACK = "rolled_back"  # a post-check failed; rolled back to the backup
# INCOMPLETE, "rollback_incomplete": rolled back, but the device still differs from the backup
INTERRUPTED = "interrupted"  # Ctrl-C or SIGTERM: stopped at a line boundary, backup restored
RECOVER = "recover"  # the action of `govnet push recover`
RECOVERED = "recovered"  # an unfinished push whose backup `govnet push recover` restored


@dataclass
class PushResult:
    plan_id: int
    unit: str
    host: str
    action: str
    commit: bool
    result: str = DRY_RUN
    reason: str | None = None
    push_id: int | None = None
    lines: list[str] = field(default_factory=list)  # what is (or would be) typed
    steps: list[tuple[int, list[str]]] = field(default_factory=list)  # the lines by step
    step: int | None = None  # the step whose line or check failed (or that was stopped)
    diff: list[str] = field(default_factory=list)  # running -> intended, hier_config's diff
    drift: list[str] = field(default_factory=list)  # hand edits in what the plan touches
    drift_elsewhere: list[str] = field(default_factory=list)  # hand edits elsewhere: no block
    by_pushes: list[str] = field(default_factory=list)  # changes recorded pushes made since
    rejected: list[str] = field(default_factory=list)  # "line: answer"
    checks: list[tuple[Check, bool, str]] = field(default_factory=list)
    rollback_notes: list[str] = field(default_factory=list)
    saved: bool = False
    signal: int | None = None  # the Ctrl-C (2) or SIGTERM (15) that stopped the push

    @property
    def ok(self) -> bool:
        return self.result in (DRY_RUN, APPLIED)

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan_id,
            "unit": self.unit,
            "host": self.host,
            "action": self.action,
            "commit": self.commit,
            "result": self.result,
            "reason": self.reason,
            "push": self.push_id,
            "lines": self.lines,
            "steps": [[n, lines] for n, lines in self.steps],
            "step": self.step,
            "diff": self.diff,
            "drift": self.drift,
            "drift_elsewhere": self.drift_elsewhere,
            "by_pushes": self.by_pushes,
            "rejected": self.rejected,
            "checks": [
                {"host": c.host, "check": c.text, "held": held, "seen": seen}
                for c, held, seen in self.checks
            ],
            "rollback_notes": self.rollback_notes,
            "saved": self.saved,
            "signal": self.signal,
        }


OnStep = Callable[[str], None]


def push_host(
    store: Store,
    platforms: Platforms,
    hosts: Mapping[str, ResolvedHost],
    ref: str,
    host: str,
    credentials: Credentials,
    *,
    commit: bool = False,
    rollback: bool = False,
    budget: Budget | None = None,
    on_step: OnStep | None = None,
) -> PushResult:
    """Push (or, with ``rollback``, undo) one host's share of a plan; see the module doc.
    ``hosts``: the inventory's devices by name (how to reach them)."""
    part = get_host_part(store, ref, host)
    if part.manual:
        return refuse_manual(store, part, commit, rollback)
    device = get_device(platforms, hosts, host, part.platform, part.plan_id, credentials, budget)
    check_written_config(part, rollback)
    reach = get_reach(platforms, hosts, credentials, budget)
    if not commit:
        check_device_free(store, host, leased=False)
        return _push(store, device, part, rollback, reach, None, None, on_step)
    with holding(store, host) as lease:
        check_device_free(store, host, leased=True)
        with stopping_on_signals(Stop(lease=lease)) as stop:
            return _push(store, device, part, rollback, reach, lease, stop, on_step)


def _push(
    store: Store,
    device: Device,
    part: HostPart,
    rollback: bool,
    reach: Reach,
    lease: Lease | None,
    stop: Stop | None,
    on_step: OnStep | None,
) -> PushResult:
    """The push itself; ``lease`` and ``stop`` given for a commit. ``reach``: another
    host a check names, read-only."""
    host, spec, commit = part.host, device.spec, lease is not None
    action = ROLLBACK if rollback else APPLY
    # --rollback types the whole rollback as one step, proved by the pre-checks; the PE's
    # shared VPNv4 sessions stay while another applied plan uses them (.shared)
    shared = get_session_rollback(part, get_users(store, part) if rollback else ())
    steps = [PushStep(0, shared.lines, (), part.pre)] if rollback else part.push_steps
    lines = [line for step in steps for line in step.lines]
    result = PushResult(part.plan_id, part.unit, host, action, commit, lines=lines)
    result.steps = [(step.number, list(step.lines)) for step in steps]
    say = on_step or (lambda _text: None)
    pushes = store.get_pushes(part.plan_id)
    mine = [p for p in pushes if p["hostname"] == host and p["result"] == APPLIED]
    mine = [p for p in mine if p["action"] in (APPLY, ROLLBACK)]
    if rollback:
        last = mine[-1] if mine else None
        if last is None or last["action"] != APPLY:
            raise PushError(f"plan {part.plan_id} is not applied on {host}: nothing to roll back")
        expected, goal = str(last["after"]), str(last["backup"])
        others = get_pushes_since(store, host, after_push=last["id"])
    else:
        if mine and mine[-1]["action"] == APPLY:
            raise PushError(
                f"plan {part.plan_id} is already applied on {host} (push {mine[-1]['id']})"
            )
        config_command = device.collectors.get_config_command(part.platform) or ""
        snapshot = store.get_running_configs(part.survey_run, [config_command])
        if host not in snapshot:
            raise PushError(f"survey run {part.survey_run} has no running configuration of {host}")
        expected, goal = snapshot[host], snapshot[host]
        others = get_pushes_since(store, host, survey_run=part.survey_run)

    say(f"reading {host}")
    try:
        running, facts = device.read()
    except DeviceError as exc:
        return _refuse(store, result, str(exc), None)
    result.diff = get_intended_diff(device.dialect, running, lines)
    changes = get_changes(device.dialect, expected, running, spec.volatile)
    touched = get_touched(device.dialect, host, part.config, part.rollback, part.pre + part.post)
    drift = judge(device.dialect, changes, touched, others, spec.volatile)
    result.drift, result.drift_elsewhere, result.by_pushes = (
        drift.blocking,
        drift.elsewhere,
        drift.by_pushes,
    )
    if drift.blocking:
        since = "the last push" if rollback else f"survey run {part.survey_run}"
        named = "; ".join(drift.blocking[:5]) + ("; ..." if len(drift.blocking) > 5 else "")
        return _refuse(
            store,
            result,
            f"{host} has changed since {since} in what plan {part.plan_id} touches"
            f" ({len(drift.blocking)} line(s): {named}): survey it again and make the plan"
            " again",
            running,
        )
    if rollback and changes:  # others' pushes or edits elsewhere since: undo only this share
        goal = get_share_undone(device.dialect, running, goal, expected, spec.volatile)
    if rollback:
        goal = get_goal(device.dialect, goal, running, part, shared, spec.volatile)
        result.rollback_notes += [shared.note] if shared.note else []
        dependents = get_dependent_hosts(part, pushes)
        if dependents:
            return _refuse(
                store,
                result,
                f"roll back {', '.join(dependents)} first: their steps come after step"
                f" {min(part.steps)} on {host} and are still applied",
                running,
            )
    else:
        pending = get_pending_hosts(part, pushes)
        if pending:
            return _refuse(
                store,
                result,
                f"push {', '.join(pending)} first: their steps come before step"
                f" {min(part.steps)} on {host}",
                running,
            )
        unbuilt = check_built(store, part)  # a dry run says it (push --all: builder earlier)
        if unbuilt and commit:
            return _refuse(store, result, unbuilt, running)
        result.reason = unbuilt
        prechecks = prove(part.pre, device, facts, reach, part.on_site, say, stop)
        failed = [f"{c.text} (seen: {seen})" for c, held, seen in prechecks if not held]
        if failed:
            result.checks = prechecks
            return _refuse(store, result, "pre-check failed: " + "; ".join(failed), running)
    if lease is None or stop is None:
        return result

    push_id = store.start_push(
        part.plan_id, host, action, running, {"lines": lines}, holder=lease.holder
    )
    result.push_id = push_id
    typed = offset = 0  # lines sent so far, over every step: the journal `push recover` reads
    done: list[PushStep] = []  # the steps typed so far, wholly or in part
    after = running

    def journal(count: int) -> None:  # ``count``: of the step being typed
        nonlocal typed
        typed = offset + count
        store.journal_push(push_id, typed)

    def undo() -> list[str]:
        return [line for step in reversed(done) for line in step.rollback]

    # the platform's revert timer (.revert), armed with the first step's lines
    timer = RevertTimer(device, None if rollback else spec.revert)

    def undone(outcome: str, reason: str, lost: bool = False) -> PushResult:
        def typed_back() -> PushResult:
            return restore(store, device, part, result, running, outcome, reason, undo())

        return timer.settle(store, result, running, reason, typed_back, lost=lost)

    try:
        for step in steps:
            stop.check()
            result.step, offset = None if rollback else step.number, typed
            named = "" if rollback or len(steps) == 1 else f"step {step.number}: "
            before = [c for c in step.checks if c.before and not rollback]
            if before:  # the step's own conditions (the old line quiet before it is shut)
                held = prove(before, device, facts, reach, part.on_site, say, stop)
                result.checks += held
                failed = [f"{c.text} (seen: {seen})" for c, ok, seen in held if not ok]
                if failed:
                    reason = f"{named}check failed before typing: " + "; ".join(failed)
                    return undone(ROLLED_BACK, reason)
            done.append(step)
            say(f"{named}typing {len(step.lines)} line(s) on {host}")
            rejected = device.configure(
                step.lines,
                stop_at_refusal=not rollback,
                stop=stop,
                on_line=journal,
                revert=timer.arm(),
            )
            result.rejected += rejected
            if rejected and not rollback:
                return undone(FAILED, f"{named}{host} refused: {rejected[0]}")
            stop.check()
            say(f"{named}checking {host}")
            after, facts = device.read()
            stop.check()
            after_checks = [c for c in step.checks if not c.before or rollback]
            checks = prove(after_checks, device, facts, reach, part.on_site, say, stop)
            result.checks += checks
            stop.check()
            failed = [f"{c.text} (seen: {seen})" for c, held, seen in checks if not held]
            if rollback:
                left = get_config_diff(device.dialect, goal, after, spec.volatile)
                if left:
                    reason = f"the rollback lines left {len(left)} line(s) unlike the backup"
                    return restore(store, device, part, result, goal, APPLIED, reason)
                if failed:  # the configuration is back; what still differs is not configuration
                    result.reason = "configuration restored, but: " + "; ".join(failed)
            elif failed:
                return undone(ROLLED_BACK, f"{named}check failed: " + "; ".join(failed))
        result.step = None
        if timer.armed:
            say(f"confirming {host}'s change (its revert timer stops)")
            timer.confirm()
        say(f"saving {host}")
        result.saved = device.save()
        result.result = APPLIED
        if not result.saved:
            result.reason = "done and checked, but saving the configuration failed: save it"
        _finish(store, result, after)
        return result
    except Stopped as stopped:
        result.signal = stopped.signum
        reason = f"{stopped} after {typed} of {len(lines)} line(s)"
        say(f"{reason}: restoring {host}'s backup")
        if typed == 0 and not result.rejected:
            result.result, result.reason = INTERRUPTED, f"{reason}: nothing was changed"
            timer.stop(result)
            _finish(store, result, running)
            return result
        try:
            return undone(INTERRUPTED, reason)
        except DeviceError as exc:
            return _incomplete(store, result, f"{reason}; then {exc}")
    except KeyboardInterrupt:  # a second Ctrl-C: stop at once, the push left unfinished
        _incomplete(store, result, "interrupted twice")
        raise
    except DeviceError as exc:
        try:  # the device may be half-configured: back to the backup if it answers
            if not rollback:
                return undone(FAILED, str(exc), lost=True)
            return restore(store, device, part, result, goal, FAILED, str(exc), undo())
        except DeviceError as again:
            return _incomplete(store, result, f"{exc}; then {again}")


def refuse_manual(store: Store, part: HostPart, commit: bool, rollback: bool) -> PushResult:
    """A classified or police network's device is never configured, nor rolled back, over
    the network: refused before any connection, nothing typed; a commit is recorded."""
    action = ROLLBACK if rollback else APPLY
    result = PushResult(part.plan_id, part.unit, part.host, action, commit)
    reason = (
        f"{part.host} is never configured over the network ({part.manual}): nothing was typed"
        " and nothing is rolled back automatically. An engineer types its steps on site, by"
        f" hand, from {Path(part.path) / 'plan.md'}, once the secrecy office (保密办) has"
        " signed them; a disconnected line there stays down until the secrecy office's review"
    )
    return _refuse(store, result, reason, None)


def _incomplete(store: Store, result: PushResult, reason: str) -> PushResult:
    result.result = INCOMPLETE
    result.reason = (
        f"{reason}: {result.host} may be half-configured; `govnet push recover --host"
        f" {result.host} --commit` restores the backup of push {result.push_id}"
    )
    _finish(store, result, None)
    return result


def _refuse(store: Store, result: PushResult, reason: str, running: str | None) -> PushResult:
    result.result, result.reason = REFUSED, reason
    if result.commit:
        result.push_id = store.start_push(
            result.plan_id, result.host, result.action, running, {"lines": result.lines}
        )
        _finish(store, result, None)
    return result


def _finish(store: Store, result: PushResult, after: str | None) -> None:
    assert result.push_id is not None
    detail = result.to_dict()
    for key in ("plan", "unit", "host", "action", "commit", "result", "reason", "push"):
        detail.pop(key)
    store.finish_push(result.push_id, result.result, result.reason, after, detail)


def restore(
    store: Store,
    device: Device,
    part: HostPart,
    result: PushResult,
    backup: str,
    outcome: str,
    reason: str,
    undo: Sequence[str] | None = None,
) -> PushResult:
    """Bring the device back to ``backup`` and prove it by reading it back: nothing to do if
    it already is; else, after an apply, the rollback lines (``undo``: those of the steps
    typed, last first; else the plan's), then hier_config's remediation toward the backup
    while it still differs."""
    spec = device.spec
    # what to try, in order; None: hier_config's remediation from what the device shows
    tries: list[tuple[str, list[str] | None]] = [("remediation", None)] * 2
    if result.action == APPLY:
        tries.insert(0, ("rollback", list(part.rollback if undo is None else undo)))
    while True:
        now, _facts = device.read()
        left = get_config_diff(device.dialect, backup, now, spec.volatile)
        if not left:
            result.saved = device.save()
            result.result, result.reason = outcome, f"{reason}; the backup's state is back"
            _finish(store, result, now)
            return result
        if not tries:
            break
        label, lines = tries.pop(0)
        if lines is None:
            dialect = device.dialect
            remedy = dialect.get_hconfig(now).config_to_get_to(dialect.get_hconfig(backup))
            lines = dialect.to_push_lines(list(remedy.dump_simple()))
        refused = device.configure(lines, stop_at_refusal=False)
        result.rollback_notes += [f"{label}: {r}" for r in refused]
    result.result = INCOMPLETE
    result.reason = (
        f"{reason}; the device still differs from the backup in {len(left)} line(s)"
        f" (backup in push {result.push_id}): `govnet push recover --host {result.host}"
        " --commit` tries again, else restore it by hand"
    )
    result.drift = left
    _finish(store, result, now)
    return result
