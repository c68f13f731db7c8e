"""The push's revert timer without a device (tests/test_push_revert.py plays it over SSH):
what a lost session, a failed check and a success do with it, and the platform.yaml
declaration it is read from."""

from __future__ import annotations

from typing import Any, cast

import pytest
from pydantic import ValidationError

from govnet.platforms import load_platforms
from govnet.platforms.specs import RevertSpec
from govnet.push import PushResult
from govnet.push.device import Device, DeviceError
from govnet.push.revert import REVERTED, RevertTimer
from govnet.store import Store

SPEC = RevertSpec(
    arm=("configure terminal revert timer {minutes}",), confirm=("configure confirm",)
)
BACKUP = "hostname R1\nend\n"


class FakeDevice:
    def __init__(self, comes_back: bool = True, reachable: bool = True) -> None:
        self.comes_back = comes_back
        self.reachable = reachable
        self.confirmed = 0
        self.waited: list[float] = []

    def confirm(self, revert: RevertSpec) -> None:
        if not self.reachable:
            raise DeviceError("R1: session lost while confirming")
        self.confirmed += 1

    def wait_reverted(self, backup: str, seconds: float, poll_s: float = 5.0) -> str | None:
        self.waited.append(seconds)
        return backup if self.comes_back else None


class FakeStore:
    def __init__(self) -> None:
        self.finished: list[tuple[int, str, str | None, str | None]] = []

    def finish_push(
        self, push_id: int, result: str, reason: str | None, after: str | None, detail: Any
    ) -> None:
        self.finished.append((push_id, result, reason, after))


def make(device: FakeDevice) -> tuple[RevertTimer, PushResult, FakeStore]:
    timer = RevertTimer(cast(Device, device), SPEC)
    result = PushResult(1, "u", "R1", "apply", True, push_id=7)
    return timer, result, FakeStore()


def test_armed_once_and_confirmed_once() -> None:
    device = FakeDevice()
    timer, _result, _store = make(device)
    assert timer.arm() is SPEC and timer.armed
    assert timer.arm() is None  # later steps: plain configuration mode
    timer.confirm()
    timer.confirm()  # nothing armed any more: nothing sent
    assert device.confirmed == 1 and not timer.armed


def test_a_lost_session_waits_for_the_device_and_is_recorded_reverted() -> None:
    device = FakeDevice(reachable=False)
    timer, result, store = make(device)
    timer.arm()

    def typed_back() -> PushResult:
        raise AssertionError("nothing is typed while the device reverts by itself")

    done = timer.settle(cast(Store, store), result, BACKUP, "lost", typed_back, lost=True)
    assert done.result == REVERTED and "restored the backup by itself" in (done.reason or "")
    assert device.waited == [10 * 60 + 60]  # the timer, then a minute's grace
    assert store.finished == [(7, REVERTED, done.reason, BACKUP)]


def test_a_device_that_does_not_come_back_gets_the_rollback_lines() -> None:
    device = FakeDevice(comes_back=False, reachable=False)
    timer, result, store = make(device)
    timer.arm()
    typed: list[str] = []

    def typed_back() -> PushResult:
        typed.append("rollback")
        result.result = "failed"
        return result

    done = timer.settle(cast(Store, store), result, BACKUP, "lost", typed_back, lost=True)
    assert typed == ["rollback"] and done.result == "failed"
    assert store.finished == []  # the fallback records it (restore), not the wait
    assert "typing the rollback lines" in done.rollback_notes[0]


def test_a_failed_check_is_typed_back_at_once_then_the_timer_is_stopped() -> None:
    device = FakeDevice()
    timer, result, store = make(device)
    timer.arm()

    def typed_back() -> PushResult:
        result.result = "rolled_back"
        return result

    done = timer.settle(cast(Store, store), result, BACKUP, "check", typed_back, lost=False)
    assert done.result == "rolled_back" and device.waited == [] and device.confirmed == 1
    assert not timer.armed


def test_typing_back_that_loses_the_session_waits_for_the_device() -> None:
    device = FakeDevice()
    timer, result, store = make(device)
    timer.arm()
    calls: list[int] = []

    def typed_back() -> PushResult:
        calls.append(1)
        raise DeviceError("R1: session lost while configuring")

    done = timer.settle(cast(Store, store), result, BACKUP, "check", typed_back, lost=False)
    assert done.result == REVERTED and calls == [1]
    assert "session lost while configuring" in (done.reason or "")


def test_not_armed_is_todays_rollback() -> None:
    device = FakeDevice()
    timer = RevertTimer(cast(Device, device), None)
    assert timer.arm() is None
    result = PushResult(1, "u", "R1", "apply", True, push_id=7)

    def typed_back() -> PushResult:
        result.result = "failed"
        return result

    done = timer.settle(cast(Store, FakeStore()), result, BACKUP, "x", typed_back, lost=True)
    assert done.result == "failed" and device.waited == []


def test_the_platforms_declare_it_as_data() -> None:
    platforms = load_platforms()
    ios = platforms.get_push("cisco_ios")
    assert ios is not None and ios.revert is not None
    assert ios.revert.arm == ("configure terminal revert timer {minutes}",)
    for vrp5_or_not_imitated in ("huawei", "hp_comware"):
        spec = platforms.get_push(vrp5_or_not_imitated)
        assert spec is not None and spec.revert is None


@pytest.mark.parametrize(
    ("arm", "minutes", "says"),
    [
        (("configure terminal revert timer 10",), 10, "placeholder {minutes}"),
        (("configure terminal revert timer {minutes} {vpn}",), 10, "only placeholder"),
        (("configure terminal revert timer {minutes}",), 121, "less than or equal to 120"),
    ],
)
def test_a_bad_declaration_is_refused(arm: tuple[str, ...], minutes: int, says: str) -> None:
    with pytest.raises(ValidationError, match=says.replace("{", r"\{").replace("}", r"\}")):
        RevertSpec(arm=arm, confirm=("configure confirm",), minutes=minutes)
