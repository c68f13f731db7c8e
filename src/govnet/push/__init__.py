"""Push one host's share of a cutover plan, safely: a dry run unless told to commit.

A push with ``commit``:

1. reads the device (running configuration and facts, as a survey does) and refuses when it
   no longer matches the snapshot the plan was made from (drift), when a pre-check fails, or
   when a host whose steps come first in the plan has not been pushed yet;
2. records the push in the store with the running configuration as its backup;
3. types the plan's lines in configuration mode, stopping at the first line refused;
4. reads the device again and runs the post-checks of the host's steps;
5. if a line was refused or a check fails, rolls back: the plan's rollback lines, then, if
   the device still differs from the backup, hier_config's remediation toward the backup,
   and reads it again to say whether the backup's state is back;
6. saves the configuration only once the checks hold (or the backup is restored).

``rollback`` pushes the plan's rollback file the same way: the device must be as the last
successful push left it, and afterwards must equal that push's backup.

NAPALM is not used: none of its drivers for these platforms offers a commit-confirm the lab
(or a VRP5 AR router) supports, so the rollback file is the safety net, verified by reading
the device back, not assumed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govnet.model.facts import HostFacts
from govnet.model.inventory import ResolvedHost
from govnet.model.plans import Check
from govnet.model.problems import UsageError
from govnet.plan import evaluate_checks
from govnet.platforms import Dialect, Platforms, PushSpec, any_of
from govnet.store import Store
from govnet.survey.collect import (
    Budget,
    Cli,
    Credentials,
    Target,
    close_quickly,
    collect_host,
    connect,
    get_error_message,
)

APPLY, ROLLBACK = "apply", "rollback"
# How a push ends. Only a commit is recorded; "dry_run" is never stored.
DRY_RUN = "dry_run"
APPLIED = "applied"  # the lines went in, the checks hold, the configuration is saved
REFUSED = "refused"  # nothing was typed: drift, a failed pre-check, order, device unreadable
FAILED = "failed"  # a line was refused; rolled back to the backup
ROLLED_BACK = "rolled_back"  # a post-check failed; rolled back to the backup
INCOMPLETE = "rollback_incomplete"  # rolled back, but the device still differs from the backup


class PushError(UsageError):
    """The push cannot start (unknown plan, host not in the plan); the message says why."""


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
    )


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
    diff: list[str] = field(default_factory=list)  # running -> intended, hier_config's diff
    drift: list[str] = field(default_factory=list)  # snapshot -> device now
    rejected: list[str] = field(default_factory=list)  # "line: answer"
    checks: list[tuple[Check, bool, str]] = field(default_factory=list)
    rollback_notes: list[str] = field(default_factory=list)
    saved: bool = False

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
            "diff": self.diff,
            "drift": self.drift,
            "rejected": self.rejected,
            "checks": [
                {"check": c.text, "held": held, "seen": seen} for c, held, seen in self.checks
            ],
            "rollback_notes": self.rollback_notes,
            "saved": self.saved,
        }


class DeviceError(Exception):
    """The device could not be read or configured (login, timeout, lost session)."""


@dataclass
class Device:
    """One router as push talks to it: read it as a survey does, type lines, save."""

    target: Target
    collectors: Platforms
    credentials: Credentials
    budget: Budget

    @property
    def spec(self) -> PushSpec:
        spec = self.collectors.get_push(self.target.platform)
        assert spec is not None  # checked before a Device is made
        return spec

    @property
    def dialect(self) -> Dialect:
        dialect = self.collectors.get_dialect(self.target.platform)
        assert dialect is not None  # checked before a Device is made
        return dialect

    def read(self) -> tuple[str, HostFacts]:
        """The running configuration and the facts, from the collector commands."""
        from govnet.survey import to_snapshot

        platform = self.target.platform
        collected = collect_host(
            self.target,
            self.collectors.get_session(platform),
            self.collectors.get_commands(platform),
            self.credentials,
            self.budget,
            followups=lambda texts: self.collectors.get_followup_commands(platform, texts),
        )
        if collected.error is not None:
            raise DeviceError(f"cannot read {self.target.name}: {collected.message}")
        snapshot = to_snapshot(self.target.name, platform, None, collected, self.collectors, None)
        command = self.collectors.get_config_command(platform)
        config = collected.outputs.get(command) if command else None
        if config is None or snapshot.facts is None:
            raise DeviceError(f"{self.target.name} gave no running configuration")
        return config.text, snapshot.facts

    @contextmanager
    def cli(self, doing: str) -> Iterator[Cli]:
        """A logged-in CLI session; any failure in it is a DeviceError saying what was done."""
        conn: Any = None
        try:
            session = self.collectors.get_session(self.target.platform)
            assert session is not None  # checked before a Device is made
            conn = connect(self.target, self.credentials, self.budget, session.device_type)
            cli = Cli(conn.remote_conn, self.budget.command)
            cli.start(session, self.credentials.secret or self.credentials.password)
            yield cli
        except DeviceError:
            raise
        except Exception as exc:
            raise DeviceError(
                f"{self.target.name}: session lost while {doing}: {get_error_message(exc)}"
            ) from None
        finally:
            if conn is not None:
                close_quickly(conn)

    def configure(self, lines: Sequence[str], *, stop_at_refusal: bool) -> list[str]:
        """Type ``lines`` in configuration mode; the refused ones, as 'line: answer'."""
        spec = self.spec
        refused, notices = any_of(spec.refused), any_of(spec.notices)
        rejected: list[str] = []
        with self.cli("configuring") as cli:
            answer = cli.send(spec.configure, spec.questions)
            if refused is not None and _is_refusal(answer, refused, notices):
                raise DeviceError(f"{spec.configure!r} refused: {answer.strip()}")
            for line in lines:
                answer = cli.send(line, spec.questions)
                if refused is not None and _is_refusal(answer, refused, notices):
                    rejected.append(f"{line.strip()}: {' '.join(answer.split())}")
                    if stop_at_refusal:
                        break
            cli.send(spec.end, spec.questions)
        return rejected

    def save(self) -> bool:
        """Write the running configuration to startup; False when the device did not say so."""
        try:
            with self.cli("saving") as cli:
                return (
                    re.search(self.spec.saved, cli.send(self.spec.save, self.spec.questions))
                    is not None
                )
        except DeviceError:
            return False


def _is_refusal(answer: str, refused: re.Pattern[str], notices: re.Pattern[str] | None) -> bool:
    """Whether an answer to a configuration line says the line was refused.

    >>> _is_refusal("Error: The VPN instance does not exist.", re.compile(r"^\\s*Error:"), None)
    True
    >>> _is_refusal("Info: ...removed!", re.compile(r"^\\s*Error:"), None)
    False
    """
    for line in answer.splitlines():
        if refused.search(line) and not (notices is not None and notices.search(line)):
            return True
    return False


def get_config_diff(
    dialect: Dialect, before: str, after: str, volatile: Iterable[str] = ()
) -> list[str]:
    """What tells two running configurations apart, as hier_config's diff ([] when equal);
    lines matching ``volatile`` (byte counts, timestamps) are left out."""
    drop = any_of(volatile)

    def tree(text: str) -> Any:
        lines = [ln for ln in text.splitlines() if drop is None or not drop.search(ln)]
        return dialect.get_hconfig(lines)

    return list(tree(before).unified_diff(tree(after)))


def get_intended_diff(dialect: Dialect, running: str, lines: Sequence[str]) -> list[str]:
    """running -> running + the plan's lines, as hier_config sees it (the dry run shows it)."""
    exits = {"quit", "exit", "exit-address-family", "return", "end"}
    change = [ln for ln in lines if ln.strip() not in exits]
    before = dialect.get_hconfig(running)
    return list(before.unified_diff(before.future(dialect.get_hconfig(change))))


def get_pending_hosts(part: HostPart, pushes: Sequence[dict[str, Any]]) -> list[str]:
    """Hosts whose steps come before this host's first step and that are not pushed yet."""
    first = min(part.steps)
    state: dict[str, str] = {}
    for push in pushes:  # in order: the last word on each host counts
        if push["result"] == APPLIED:
            state[push["hostname"]] = push["action"]
    return [
        host
        for host, other in part.parts.items()
        if host != part.host and min(other["steps"]) < first and state.get(host) != APPLY
    ]


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
    collectors = platforms
    spec = collectors.get_push(part.platform)
    if (
        spec is None
        or collectors.get_session(part.platform) is None
        or collectors.get_dialect(part.platform) is None
    ):
        raise PushError(
            f"govnet does not configure platform {part.platform!r} (push:, session: and"
            f" dialect: in collectors/{part.platform}/platform.yaml)"
        )
    known = hosts.get(host)
    if known is None:
        raise PushError(f"{host} is not in the inventory")
    if known.platform != part.platform:
        raise PushError(
            f"{host} is {known.platform} in the inventory but {part.platform} in plan"
            f" {part.plan_id}: make the plan again"
        )
    device = Device(
        Target(host, known.address, known.port, known.platform),
        collectors,
        credentials,
        budget or Budget(),
    )
    action = ROLLBACK if rollback else APPLY
    lines = list(part.rollback if rollback else part.config)
    result = PushResult(part.plan_id, part.unit, host, action, commit, lines=lines)
    say = on_step or (lambda _text: None)
    pushes = store.get_pushes(part.plan_id)
    mine = [p for p in pushes if p["hostname"] == host and p["result"] == APPLIED]
    if rollback:
        last = mine[-1] if mine else None
        if last is None or last["action"] != APPLY:
            raise PushError(f"plan {part.plan_id} is not applied on {host}: nothing to roll back")
        expected, goal = str(last["after"]), str(last["backup"])
    else:
        if mine and mine[-1]["action"] == APPLY:
            raise PushError(
                f"plan {part.plan_id} is already applied on {host} (push {mine[-1]['id']})"
            )
        config_command = collectors.get_config_command(part.platform) or ""
        snapshot = store.get_running_configs(part.survey_run, [config_command])
        if host not in snapshot:
            raise PushError(f"survey run {part.survey_run} has no running configuration of {host}")
        expected, goal = snapshot[host], snapshot[host]

    say(f"reading {host}")
    try:
        running, facts = device.read()
    except DeviceError as exc:
        return _refuse(store, result, str(exc), None)
    result.drift = get_config_diff(device.dialect, expected, running, spec.volatile)
    result.diff = get_intended_diff(device.dialect, running, lines)
    if result.drift:
        since = "the last push" if rollback else f"survey run {part.survey_run}"
        return _refuse(
            store,
            result,
            f"{host} has changed since {since} ({len(result.drift)} line(s) differ):"
            " survey it again and make the plan again",
            running,
        )
    if not rollback:
        pending = get_pending_hosts(part, pushes)
        if pending:
            return _refuse(
                store,
                result,
                f"push {', '.join(pending)} first: their steps come before step"
                f" {min(part.steps)} on {host}",
                running,
            )
        prechecks = evaluate_checks(part.pre, {host: facts})
        failed = [f"{c.text} (seen: {seen})" for c, held, seen in prechecks if not held]
        if failed:
            result.checks = prechecks
            return _refuse(store, result, "pre-check failed: " + "; ".join(failed), running)
    if not commit:
        return result

    result.push_id = store.start_push(part.plan_id, host, action, running, {"lines": lines})
    say(f"typing {len(lines)} line(s) on {host}")
    try:
        result.rejected = device.configure(lines, stop_at_refusal=not rollback)
        if result.rejected and not rollback:
            reason = f"{host} refused: {result.rejected[0]}"
            return _restore(store, device, part, result, running, FAILED, reason)
        say(f"checking {host}")
        after, facts = device.read()
        result.checks = evaluate_checks(part.pre if rollback else part.post, {host: facts})
        failed = [f"{c.text} (seen: {seen})" for c, held, seen in result.checks if not held]
        if rollback:
            left = get_config_diff(device.dialect, goal, after, spec.volatile)
            if left:
                reason = f"the rollback lines left {len(left)} line(s) unlike the backup"
                return _restore(store, device, part, result, goal, APPLIED, reason)
            if failed:  # the configuration is back; what still differs is not configuration
                result.reason = "configuration restored, but: " + "; ".join(failed)
        elif failed:
            reason = "check failed: " + "; ".join(failed)
            return _restore(store, device, part, result, running, ROLLED_BACK, reason)
        say(f"saving {host}")
        result.saved = device.save()
        result.result = APPLIED
        if not result.saved:
            result.reason = "done and checked, but saving the configuration failed: save it"
        _finish(store, result, after)
        return result
    except KeyboardInterrupt:
        result.result = INCOMPLETE
        result.reason = (
            f"interrupted: {host} may be half-configured; its backup is in push"
            f" {result.push_id} (`govnet push {part.plan_id} --host {host}` shows the drift)"
        )
        _finish(store, result, None)
        raise
    except DeviceError as exc:
        try:  # the device may be half-configured: back to the backup if it answers
            return _restore(
                store, device, part, result, goal if rollback else running, FAILED, str(exc)
            )
        except DeviceError as again:
            reason = f"{exc}; then {again}: the device may be half-configured, backup in push"
            result.result, result.reason = INCOMPLETE, f"{reason} {result.push_id}"
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


def _restore(
    store: Store,
    device: Device,
    part: HostPart,
    result: PushResult,
    backup: str,
    outcome: str,
    reason: str,
) -> PushResult:
    """Bring the device back to ``backup`` and prove it by reading it back: nothing to do if
    it already is; else the plan's rollback lines (after an apply), then hier_config's
    remediation toward the backup while it still differs."""
    spec = device.spec
    # what to try, in order; None: hier_config's remediation from what the device shows
    tries: list[tuple[str, list[str] | None]] = [("remediation", None)] * 2
    if result.action == APPLY:
        tries.insert(0, ("rollback", list(part.rollback)))
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
        f" (backup in push {result.push_id}): restore it by hand"
    )
    result.drift = left
    _finish(store, result, now)
    return result
