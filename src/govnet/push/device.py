"""One router as a push talks to it: read it as a survey does, type lines, save; and the
hier_config comparisons a push makes (drift, intended change)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from govnet.model.facts import HostFacts
from govnet.model.inventory import ResolvedHost
from govnet.model.plans import Check, PingAnswer, QuietAnswer
from govnet.model.problems import UsageError
from govnet.plan.configsafe import UnsafeValue
from govnet.platforms import Dialect, Platforms, PushSpec, any_of
from govnet.platforms.specs import RevertSpec
from govnet.push.journal import Stop, Stopped
from govnet.push.ping import get_ping_command, get_ping_timeout, read_ping
from govnet.push.quiet import get_counters_command, read_counters
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


class PushError(UsageError):
    """The push cannot start (unknown plan, host not in the plan); the message says why."""


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
            credentials = self.credentials.for_host(self.target.name)
            conn = connect(self.target, credentials, self.budget, session.device_type)
            cli = Cli(conn.remote_conn, self.budget.command)
            cli.start(session, credentials.secret or credentials.password)
            yield cli
        except (DeviceError, Stopped):
            raise
        except Exception as exc:
            raise DeviceError(
                f"{self.target.name}: session lost while {doing}: {get_error_message(exc)}"
            ) from None
        finally:
            if conn is not None:
                close_quickly(conn)

    def configure(
        self,
        lines: Sequence[str],
        *,
        stop_at_refusal: bool,
        stop: Stop | None = None,
        on_line: Callable[[int], None] | None = None,
        revert: RevertSpec | None = None,
    ) -> list[str]:
        """Type ``lines`` in configuration mode; the refused ones, as 'line: answer'.
        ``stop`` is checked before each line (:class:`Stopped` leaves configuration mode
        first); ``on_line`` gets the count of lines sent after each one. With ``revert``,
        configuration mode is entered with the device's revert timer running."""
        spec = self.spec
        refused, notices = any_of(spec.refused), any_of(spec.notices)
        rejected: list[str] = []
        enter = [spec.configure]
        if revert is not None:
            enter = [line.format(minutes=revert.minutes) for line in revert.arm]
        with self.cli("configuring") as cli:
            for line in enter:
                answer = cli.send(line, spec.questions)
                if refused is not None and _is_refusal(answer, refused, notices):
                    raise DeviceError(f"{line!r} refused: {answer.strip()}")
            for count, line in enumerate(lines, 1):
                if stop is not None:
                    try:
                        stop.check()
                    except Stopped:
                        cli.send(spec.end, spec.questions)
                        raise
                answer = cli.send(line, spec.questions)
                if on_line is not None:
                    on_line(count)
                if refused is not None and _is_refusal(answer, refused, notices):
                    rejected.append(f"{line.strip()}: {' '.join(answer.split())}")
                    if stop_at_refusal:
                        break
            cli.send(spec.end, spec.questions)
        return rejected

    def confirm(self, revert: RevertSpec) -> None:
        """Keep the changes made under the revert timer; DeviceError when refused or lost."""
        spec = self.spec
        refused, notices = any_of(spec.refused), any_of(spec.notices)
        with self.cli("confirming") as cli:
            for line in revert.confirm:
                answer = cli.send(line, spec.questions)
                if refused is not None and _is_refusal(answer, refused, notices):
                    raise DeviceError(f"{self.target.name}: {line!r} refused: {answer.strip()}")

    def wait_reverted(
        self,
        backup: str,
        seconds: float,
        poll_s: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> str | None:
        """Read the device every ``poll_s`` until its running configuration equals
        ``backup`` (returned) or ``seconds`` have passed (None); an unreachable device (its
        management path cut) is read again at the next poll."""
        deadline = clock() + seconds
        while True:
            try:
                now, _facts = self.read()
            except DeviceError:
                now = None
            if now is not None and not get_config_diff(
                self.dialect, backup, now, self.spec.volatile
            ):
                return now
            if clock() >= deadline:
                return None
            sleep(min(poll_s, max(0.0, deadline - clock())))

    def ping(self, checks: Sequence[Check]) -> dict[Check, PingAnswer | str]:
        """Run the ping of each ping check in one session: the device's own count of what
        went out and came back, or why there is none (not understood, a value refused)."""
        wanted = [c for c in checks if c.kind == "ping"]
        if not wanted:
            return {}
        ping = self.spec.ping
        if ping is None:
            why = f"platform {self.target.platform} has no push: ping: in its platform.yaml"
            return dict.fromkeys(wanted, why)
        answers: dict[Check, PingAnswer | str] = {}
        with self.cli("pinging") as cli:
            command_timeout = cli.timeout
            for check in wanted:
                try:
                    command = get_ping_command(ping, check)
                except UnsafeValue as exc:
                    answers[check] = f"not typed: {exc}"
                    continue
                cli.timeout = max(command_timeout, get_ping_timeout(ping, check))
                text = cli.send(command)
                answer = read_ping(ping, text)
                first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "nothing")
                answers[check] = answer or f"answer not understood: {first[:120]}"
            cli.timeout = command_timeout
        return answers

    def quiet(
        self,
        checks: Sequence[Check],
        stop: Stop | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> dict[Check, QuietAnswer | str]:
        """Read the counters of each quiet check's interface, then again once its
        ``seconds`` have passed, all in one session (several lines are watched at once, not
        one after another); or why they could not be read. ``stop`` is checked while
        waiting. A pre-check is read the same way: the line carries nothing before any
        step is typed."""
        wanted = [c for c in checks if c.kind == "quiet"]
        if not wanted:
            return {}
        spec = self.spec.counters
        if spec is None:
            why = f"platform {self.target.platform} has no push: counters: in its platform.yaml"
            return dict.fromkeys(wanted, why)
        answers: dict[Check, QuietAnswer | str] = {}
        commands: dict[Check, str] = {}
        for check in wanted:
            try:
                commands[check] = get_counters_command(spec, check)
            except UnsafeValue as exc:
                answers[check] = f"not typed: {exc}"
        first: dict[Check, tuple[int, int, float]] = {}
        with self.cli("reading counters") as cli:

            def read(check: Check) -> tuple[int, int, float] | None:
                text = cli.send(commands[check])
                at = clock()
                counts = read_counters(spec, text)
                if counts is None:  # its first line with words (not VRP's "^" marker)
                    lines = (ln.strip() for ln in text.splitlines() if re.search("[A-Za-z]", ln))
                    said = next(lines, "nothing")
                    answers[check] = f"no packet counters in the answer: {said[:120]}"
                    return None
                return counts[0], counts[1], at

            for check in commands:
                reading = read(check)
                if reading is not None:
                    first[check] = reading
            for check in sorted(first, key=lambda c: c.seconds or 0):
                in_before, out_before, since = first[check]
                while (left := since + (check.seconds or 0) - clock()) > 0:
                    if stop is not None:
                        stop.check()
                    sleep(min(left, 0.5))
                reading = read(check)
                if reading is not None:
                    in_after, out_after, at = reading
                    answers[check] = QuietAnswer(
                        in_before, out_before, in_after, out_after, at - since
                    )
        return answers

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


def get_device(
    platforms: Platforms,
    hosts: Mapping[str, ResolvedHost],
    host: str,
    platform: str,
    plan_id: int,
    credentials: Credentials,
    budget: Budget | None,
) -> Device:
    """The inventory's device ``host``, checked to be pushable as the plan's ``platform``."""
    if (
        platforms.get_push(platform) is None
        or platforms.get_session(platform) is None
        or platforms.get_dialect(platform) is None
    ):
        raise PushError(
            f"govnet does not configure platform {platform!r} (push:, session: and"
            f" dialect: in collectors/{platform}/platform.yaml)"
        )
    known = hosts.get(host)
    if known is None:
        raise PushError(f"{host} is not in the inventory")
    if known.platform != platform:
        raise PushError(
            f"{host} is {known.platform} in the inventory but {platform} in plan"
            f" {plan_id}: make the plan again"
        )
    return Device(
        Target(host, known.address, known.port, known.platform),
        platforms,
        credentials,
        budget or Budget(),
    )
