"""Pushes left unfinished, listed and recovered.

`govnet push status` lists the pushes that may have left a device half-configured (killed,
crashed, or a rollback that could not restore; see :mod:`.journal`) and the pushes running
now. `govnet push recover --host H --commit` takes the device's lease, reads it, types
hier_config's remediation from what it shows toward the backup the unfinished push recorded
(its running configuration before the first line), reads it back and compares; once they are
equal it saves, and the unfinished pushes are marked ``recovered``. Without ``--commit`` it
shows the remediation and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from govnet.model.inventory import ResolvedHost
from govnet.platforms import Platforms
from govnet.push import (
    APPLIED,
    RECOVER,
    RECOVERED,
    OnStep,
    PushError,
    PushResult,
    get_host_part,
    restore,
)
from govnet.push.device import DeviceError, get_config_diff, get_device
from govnet.push.journal import (
    describe_lock,
    describe_push,
    get_started_at,
    get_unfinished_pushes,
    holding,
    is_stale,
)
from govnet.store import Store
from govnet.survey.collect import Budget, Credentials


@dataclass(frozen=True)
class PushStatus:
    unfinished: list[dict[str, Any]]  # push rows, oldest first
    running: list[dict[str, Any]]  # live device leases

    def to_dict(self) -> dict[str, Any]:
        return {
            "unfinished": [
                {
                    "push": row["id"],
                    "host": row["hostname"],
                    "plan": row["plan_id"],
                    "action": row["action"],
                    "result": row["result"],
                    "made_by": row["made_by"],
                    "holder": row["holder"],
                    "started_at": get_started_at(row),
                    "typed": row["typed"],
                    "lines": len(row["detail"].get("lines") or []),
                    "reason": row["reason"],
                    "text": describe_push(row),
                }
                for row in self.unfinished
            ],
            "running": [
                {
                    "host": lock["hostname"],
                    "push": lock["push_id"],
                    "holder": lock["holder"],
                    "since": lock["acquired_at"],
                    "text": describe_lock(lock),
                }
                for lock in self.running
            ],
        }


def get_push_status(store: Store) -> PushStatus:
    running = [lock for lock in store.get_device_locks() if not is_stale(lock)]
    return PushStatus(get_unfinished_pushes(store), running)


def recover_host(
    store: Store,
    platforms: Platforms,
    hosts: Mapping[str, ResolvedHost],
    host: str,
    credentials: Credentials,
    *,
    commit: bool = False,
    budget: Budget | None = None,
    on_step: OnStep | None = None,
) -> PushResult:
    """Bring ``host`` back to the backup of its oldest unfinished push; see the module doc."""
    unfinished = get_unfinished_pushes(store, host)
    if not unfinished:
        raise PushError(f"{host} has no unfinished push: nothing to recover (`govnet push status`)")
    first = unfinished[0]
    backup = first["backup"]
    if backup is None:
        raise PushError(f"push {first['id']} recorded no backup of {host}: restore it by hand")
    part = get_host_part(store, str(first["plan_id"]), host)
    device = get_device(platforms, hosts, host, part.platform, part.plan_id, credentials, budget)
    result = PushResult(part.plan_id, part.unit, host, RECOVER, commit)
    say = on_step or (lambda _text: None)
    say(f"reading {host}")
    try:
        now, _facts = device.read()
    except DeviceError as exc:
        raise PushError(str(exc)) from None
    result.drift = get_config_diff(device.dialect, backup, now, device.spec.volatile)
    dialect = device.dialect
    remedy = dialect.get_hconfig(now).config_to_get_to(dialect.get_hconfig(backup))
    result.lines = dialect.to_push_lines(list(remedy.dump_simple())) if result.drift else []
    if not commit:
        return result
    with holding(store, host) as lease:
        unfinished = get_unfinished_pushes(store, host)  # under the lease: all not ours
        ids = [row["id"] for row in unfinished]
        result.push_id = store.start_push(
            part.plan_id, host, RECOVER, now, {"lines": result.lines, "recovers": ids}, lease.holder
        )
        say(f"restoring the backup of push {first['id']} on {host}")
        done = restore(store, device, part, result, backup, APPLIED, describe_push(first))
        if done.result == APPLIED:
            mine = store.get_pushes(part.plan_id, host)
            after = next(p["after"] for p in mine if p["id"] == result.push_id)
            for row in unfinished:
                store.finish_push(
                    row["id"],
                    RECOVERED,
                    f"{row['reason'] or describe_push(row)}; backup restored by push"
                    f" {result.push_id}",
                    after,
                    {},
                )
        return done
