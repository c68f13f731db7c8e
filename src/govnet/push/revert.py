"""A push under the device's revert timer, where its platform declares one (``push:
revert:`` in platform.yaml: IOS ``configure terminal revert timer``).

The first step is typed with the timer armed; the push confirms only once every step's
checks hold. When the session is lost (a line that cut the path the collector reaches the
router by), it cannot confirm: the device restores its own archive when the timer runs out,
even where no session can reach it any more. The push then reads the device until it equals
the backup and records the push ``reverted``; if the device does not come back equal in
time, it falls back to typing the rollback lines (``restore``), as on a platform without a
timer. When a line is refused or a check fails while the session answers, the rollback lines
restore the backup at once, as without a timer (waiting ten minutes for it would hold the
change window and the department's traffic), and a confirm then stops the timer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from govnet.platforms.specs import RevertSpec
from govnet.push.device import Device, DeviceError
from govnet.push.journal import INCOMPLETE
from govnet.store import Store

if TYPE_CHECKING:
    from govnet.push import PushResult

REVERTED = "reverted"  # not confirmed: the device's revert timer restored the backup itself
GRACE_S = 60.0  # beyond the timer: the device's own restore, then a survey's read
POLL_S = 5.0  # between reads while waiting


@dataclass
class RevertTimer:
    """The revert timer of one push: armed with the first step typed, stopped by a confirm
    once every check holds (or once the rollback lines have restored the backup)."""

    device: Device
    spec: RevertSpec | None  # None: the platform has none (or a --rollback: not used)
    armed: bool = False

    def arm(self) -> RevertSpec | None:
        """What the next configuration session is entered with: the timer, the first time."""
        if self.spec is None or self.armed:
            return None
        self.armed = True
        return self.spec

    def confirm(self) -> None:
        """Keep the changes (DeviceError when the device cannot be reached)."""
        if self.armed and self.spec is not None:
            self.device.confirm(self.spec)
            self.armed = False

    def stop(self, result: PushResult) -> None:
        """After the backup is back by the rollback lines: no timer left running (else a
        later push on the device could be undone with it)."""
        try:
            self.confirm()
        except DeviceError as exc:
            result.rollback_notes.append(f"revert timer left running: {exc}")

    def settle(
        self,
        store: Store,
        result: PushResult,
        backup: str,
        reason: str,
        typed_back: Callable[[], PushResult],
        *,
        lost: bool,
    ) -> PushResult:
        """A step failed: while the session answers, the rollback lines restore the backup
        at once (no waiting for the timer), then the timer is stopped; when the session is
        lost (``lost``, or lost while typing back), the device's own revert is awaited."""
        if not self.armed or self.spec is None:
            return typed_back()
        if not lost:
            try:
                done = typed_back()
            except DeviceError as exc:
                reason = f"{reason}; then {exc}"
            else:
                if done.result != INCOMPLETE:
                    self.stop(done)
                return done
        return await_revert(store, self.device, result, backup, reason, self.spec, typed_back)


def await_revert(
    store: Store,
    device: Device,
    result: PushResult,
    backup: str,
    reason: str,
    revert: RevertSpec,
    fallback: Callable[[], PushResult],
    *,
    poll_s: float = POLL_S,
) -> PushResult:
    """Wait for the device to revert to ``backup`` by itself, and record the push
    ``reverted``; else ``fallback()`` (the rollback lines typed)."""
    seconds = revert.minutes * 60 + GRACE_S
    now = device.wait_reverted(backup, seconds, poll_s=poll_s)
    if now is None:
        result.rollback_notes.append(
            f"not back to the backup {seconds:.0f} s after the revert timer was armed:"
            " typing the rollback lines"
        )
        return fallback()
    result.result = REVERTED
    result.reason = (
        f"{reason}; not confirmed: the device's revert timer restored the backup by itself"
        " (read back equal)"
    )
    detail = result.to_dict()
    for key in ("plan", "unit", "host", "action", "commit", "result", "reason", "push"):
        detail.pop(key)
    assert result.push_id is not None
    store.finish_push(result.push_id, result.result, result.reason, now, detail)
    return result
