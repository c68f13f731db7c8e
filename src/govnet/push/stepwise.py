"""A host's push goes step by step, and a step may be proved from another router.

Make before break holds only if each step's checks hold before the next step is typed: a
CE that builds its VPN and then moves its LAN's gateway must see the new path work first.
So a host's part is split into its steps (:class:`PushStep`, each with its lines, its
rollback and its post-checks); a part stored before plans kept per-step lines is one step.

A check may name another host than the one pushed: after the old gateway is shut on one
router, the business is proved by a ping from the new gateway. Such a check runs over a
read-only session to that host (read and ping, the same credentials and Device class;
no lease, nothing typed, never configuration mode). A host that cannot be reached fails
its checks with the reason, never passes them; a host done by hand on site (a classified
or police device in the plan) is never logged in to, so its checks fail saying so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from govnet.model.facts import HostFacts
from govnet.model.inventory import ResolvedHost
from govnet.model.plans import Check
from govnet.plan import evaluate_checks
from govnet.plan.checks import Traffic
from govnet.platforms import Platforms
from govnet.push.device import Device, DeviceError
from govnet.push.journal import Stop
from govnet.survey.collect import Budget, Credentials, Target

Judged = tuple[Check, bool, str]
Reach = Callable[[str], Device]  # another host's Device, or DeviceError saying why not
Ask = Callable[[Device, Sequence[Check], Stop | None], Mapping[Check, Traffic]]


def _ping(device: Device, checks: Sequence[Check], _stop: Stop | None) -> Mapping[Check, Traffic]:
    return device.ping(checks)


def _quiet(device: Device, checks: Sequence[Check], stop: Stop | None) -> Mapping[Check, Traffic]:
    return device.quiet(checks, stop)  # waits: ``stop`` (Ctrl-C) is heard while it does


# Check kinds answered by what the device does (not by its facts), and how each is asked:
# a ping's replies, or an interface's counters read twice (the old line has gone quiet).
TRAFFIC: dict[str, Ask] = {"ping": _ping, "quiet": _quiet}


@dataclass(frozen=True)
class PushStep:
    """One plan step as a host's push types it: its lines, how to undo them, its checks."""

    number: int
    lines: tuple[str, ...]
    rollback: tuple[str, ...]
    checks: tuple[Check, ...]


def get_push_steps(
    steps: Sequence[tuple[int, Sequence[str], Sequence[str]]],
    config: Sequence[str],
    rollback: Sequence[str],
    post: Sequence[Check],
    numbers: Sequence[int],
) -> list[PushStep]:
    """The host's steps in order, each with the post-checks of its number (a check of no
    step of the host's is run after the last one). ``steps`` empty (a part stored before
    per-step lines): the whole part is one step, checked at the end, as it was pushed."""
    if not steps:
        return [PushStep(min(numbers, default=0), tuple(config), tuple(rollback), tuple(post))]
    known = {n for n, _lines, _undo in steps}
    out = []
    for i, (number, lines, undo) in enumerate(steps):
        last = i == len(steps) - 1
        checks = tuple(c for c in post if c.step == number or (last and c.step not in known))
        out.append(PushStep(number, tuple(lines), tuple(undo), checks))
    return out


def get_reach(
    platforms: Platforms,
    hosts: Mapping[str, ResolvedHost],
    credentials: Credentials,
    budget: Budget | None,
) -> Reach:
    """How a push reaches another inventory host to check something there (read-only)."""

    def reach(host: str) -> Device:
        known = hosts.get(host)
        if known is None:
            raise DeviceError(f"{host} is not in the inventory")
        platform = known.platform
        if platforms.get_push(platform) is None or platforms.get_session(platform) is None:
            raise DeviceError(f"govnet does not log in to platform {platform!r} to check")
        target = Target(host, known.address, known.port, platform)
        return Device(target, platforms, credentials, budget or Budget())

    return reach


def prove(
    checks: Sequence[Check],
    device: Device,
    facts: HostFacts,
    reach: Reach,
    on_site: Sequence[str] = (),
    say: Callable[[str], None] | None = None,
    stop: Stop | None = None,
) -> list[Judged]:
    """Each check judged, in order: on the pushed ``device`` (its ``facts`` just read, its
    traffic asked now), or on the host it names over a read-only session. ``on_site``:
    hosts never logged in to (done by hand): their checks fail saying so. ``stop``: heard
    while a quiet check waits between its two readings."""
    here = device.target.name
    by_host: dict[str, list[Check]] = {}
    for check in checks:
        by_host.setdefault(check.host, []).append(check)
    judged: dict[Check, tuple[bool, str]] = {}
    for host, mine in by_host.items():
        if say is not None and any(c.kind in TRAFFIC for c in mine):
            say(f"checking traffic from {host}{_watching(mine)}")
        if host == here:
            found = evaluate_checks(mine, {here: facts}, get_traffic(device, mine, stop))
        else:
            found = _prove_elsewhere(host, mine, reach, host in on_site, stop)
        judged.update((c, (held, seen)) for c, held, seen in found)
    return [(c, *judged[c]) for c in checks]


def _watching(checks: Sequence[Check]) -> str:
    """What the operator waits for: a quiet check holds the session for its seconds."""
    quiet = [c for c in checks if c.kind == "quiet"]
    if not quiet:
        return ""
    longest = max(c.seconds or 0 for c in quiet)
    return f" (watching {len(quiet)} interface(s) for {longest} s: quiet?)"


def _prove_elsewhere(
    host: str, checks: list[Check], reach: Reach, on_site: bool, stop: Stop | None
) -> list[Judged]:
    if on_site:
        why = f"{host} is never logged in to over the network: check it on site"
        return [(c, False, why) for c in checks]
    try:
        other = reach(host)
        facts = {} if all(c.kind in TRAFFIC for c in checks) else {host: other.read()[1]}
    except DeviceError as exc:
        return [(c, False, f"cannot check on {host}: {exc}") for c in checks]
    return evaluate_checks(checks, facts, get_traffic(other, checks, stop))


def get_traffic(
    device: Device, checks: Sequence[Check], stop: Stop | None = None
) -> dict[Check, Traffic]:
    """The device's answers to the traffic checks among ``checks``, each kind in one
    session (a session that cannot even start answers each of its checks with why)."""
    answers: dict[Check, Traffic] = {}
    for kind, ask in TRAFFIC.items():
        wanted = [c for c in checks if c.kind == kind]
        if not wanted:
            continue
        try:
            answers.update(ask(device, wanted, stop))
        except DeviceError as exc:
            answers.update(dict.fromkeys(wanted, str(exc)))
    return answers
