"""The push journal: one writer per device, pushes left unfinished, a push that stops cleanly.

:class:`Lease`: the per-device lock a push, rollback or recovery holds in the store for as long
as it runs (a row lease, so it holds on SQLite and PostgreSQL alike and across the machines
of several collectors), renewed by a thread while the push runs. A lease is *stale* when it
has expired or its process is gone on this machine: a push killed with -9 leaves one.

:class:`Stop`: Ctrl-C and SIGTERM during a commit ask the push to stop at the next line
boundary (never inside a line's exchange with the device), roll back and say so.

:func:`get_unfinished_pushes`: pushes that left a device possibly half-configured: still
``running`` with nobody holding the device for them (killed, crashed, machine gone), or
ended ``rollback_incomplete``. Every later push, rollback or dry run on that device names
them and refuses until `govnet push recover` has restored the backup.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from govnet.model.pids import is_running
from govnet.model.problems import UsageError
from govnet.store import Store, get_os_user

LEASE = dt.timedelta(seconds=60)  # renewed every LEASE / 4 while the push runs


class DeviceBusyError(UsageError):
    """Another push, rollback or recovery holds the device; the message names it."""


def get_machine() -> str:
    return socket.gethostname()[:128] or "unknown"


def is_stale(lock: dict[str, Any], now: dt.datetime | None = None) -> bool:
    """A lease nobody holds any more: expired, or its process gone on this machine."""
    if lock["expires_at"] < (now or dt.datetime.now(dt.UTC)):
        return True
    return lock["machine"] == get_machine() and not is_running(int(lock["pid"]))


def describe_lock(lock: dict[str, Any]) -> str:
    """'push 12 by ops@collector1 pid 4242 since 15:40:01 UTC' (what holds a device)."""
    what = f"push {lock['push_id']}" if lock["push_id"] is not None else "a push starting"
    since = lock["acquired_at"].astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{what} by {lock['holder']} since {since}"


@dataclass
class Lease:
    """The store's lock on one device, held from :meth:`take` to :meth:`release`."""

    store: Store
    hostname: str
    machine: str = field(default_factory=get_machine)
    pid: int = field(default_factory=os.getpid)
    lost: bool = False
    _done: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    @property
    def holder(self) -> str:
        return f"{get_os_user()}@{self.machine} pid {self.pid}"[:200]

    def take(self) -> None:
        """Hold the device, or raise :class:`DeviceBusyError` naming who holds it."""
        held = self.store.take_device_lock(
            self.hostname, self.holder, self.machine, self.pid, LEASE, is_stale
        )
        if held is not None:
            raise DeviceBusyError(
                f"{self.hostname} is busy: {describe_lock(held)}; one push at a time per"
                " device, try again when it has finished (`govnet push status`)"
            )
        self._thread = threading.Thread(target=self._renew, name="push-lease", daemon=True)
        self._thread.start()

    def _renew(self) -> None:
        while not self._done.wait(LEASE.total_seconds() / 4):
            try:
                if not self.store.renew_device_lock(self.hostname, self.holder, LEASE):
                    self.lost = True
                    return
            except Exception:  # the store is away for a moment: the next renewal may work
                continue

    def release(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        if not self.lost:
            self.store.release_device_lock(self.hostname, self.holder)


@contextmanager
def holding(store: Store, hostname: str) -> Iterator[Lease]:
    lease = Lease(store, hostname)
    lease.take()
    try:
        yield lease
    finally:
        lease.release()


class Stopped(Exception):
    """Raised at a line boundary after Ctrl-C or SIGTERM (or with the device's lease lost)."""

    def __init__(self, signum: int | None, reason: str) -> None:
        super().__init__(reason)
        self.signum = signum


@dataclass
class Stop:
    """What a signal asked: ``signum`` once Ctrl-C or SIGTERM came (the first one counts)."""

    signum: int | None = None
    lease: Lease | None = None

    def check(self) -> None:
        """Raise :class:`Stopped` if the push must stop here (called between lines)."""
        if self.signum is not None:
            name = signal.Signals(self.signum).name
            raise Stopped(self.signum, f"stopped by {name}")
        if self.lease is not None and self.lease.lost:
            raise Stopped(None, f"the lease on {self.lease.hostname} was lost")


@contextmanager
def stopping_on_signals(stop: Stop) -> Iterator[Stop]:
    """Ctrl-C and SIGTERM set ``stop`` instead of interrupting; a second Ctrl-C interrupts
    at once (the push then records itself as incomplete: `govnet push status` names it)."""
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, _frame: object) -> None:
        if stop.signum is None:
            stop.signum = signum
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


RUNNING, INCOMPLETE = "running", "rollback_incomplete"


def get_unfinished_pushes(store: Store, hostname: str | None = None) -> list[dict[str, Any]]:
    """Pushes (oldest first) that may have left their device half-configured."""
    locks = {lock["hostname"]: lock for lock in store.get_device_locks(hostname)}
    found = []
    for row in store.get_pushes(hostname=hostname, results=(RUNNING, INCOMPLETE)):
        lock = locks.get(row["hostname"])
        live = lock is not None and lock["push_id"] == row["id"] and not is_stale(lock)
        if row["result"] == INCOMPLETE or not live:
            found.append(row)
    return found


def check_device_free(store: Store, hostname: str, *, leased: bool) -> None:
    """Refuse a push, rollback or dry run on a device with an unfinished push (named), or,
    unless this process holds its lease (``leased``), with a push running on it now."""
    unfinished = get_unfinished_pushes(store, hostname)  # leased: ours has not started yet
    if unfinished:
        raise refuse_unfinished(unfinished, hostname)
    locks = [] if leased else store.get_device_locks(hostname)
    busy = [lock for lock in locks if not is_stale(lock)]
    if busy:  # what a dry run would read now is half-way through that push
        raise DeviceBusyError(f"{hostname} is busy: {describe_lock(busy[0])}; try again later")


def get_started_at(row: dict[str, Any]) -> dt.datetime:
    """When a push started, in UTC (SQLite gives back naive datetimes)."""
    started: dt.datetime = row["started_at"]
    return started.replace(tzinfo=dt.UTC) if started.tzinfo is None else started


def describe_push(row: dict[str, Any]) -> str:
    """'push 7 (apply of plan 3 by ops, started 2026-12-03 15:40:01 UTC, 4 of 15 line(s)
    typed) was interrupted'"""
    when = get_started_at(row).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    total = len(row["detail"].get("lines") or [])
    how = "was interrupted" if row["result"] == RUNNING else f"ended {row['result']}"
    return (
        f"push {row['id']} ({row['action']} of plan {row['plan_id']} by {row['made_by']},"
        f" started {when}, {row['typed']} of {total} line(s) typed) {how}"
    )


def refuse_unfinished(unfinished: list[dict[str, Any]], hostname: str) -> UnfinishedPushError:
    """The one-line refusal every command touching a half-configured device gives."""
    first = unfinished[0]
    return UnfinishedPushError(
        f"{hostname}: {describe_push(first)}; the device may be half-configured:"
        f" `govnet push recover --host {hostname} --commit` restores push {first['id']}'s"
        " backup (`govnet push status` lists unfinished pushes)"
    )


class UnfinishedPushError(UsageError):
    """A push on this device was left unfinished; the message names it and the way out."""
