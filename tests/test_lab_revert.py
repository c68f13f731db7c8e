"""The lab's revert timer (IOS ``configure terminal revert timer`` / ``configure confirm``)
and its management path, played through a shell session with a hand-driven clock: a change
not confirmed in time is undone by the device itself; a confirmed one stays; a router whose
management interface is shut is unreachable."""

from __future__ import annotations

import dataclasses

from govnet_lab.model import Device
from govnet_lab.revert import Reverts, is_reachable
from govnet_lab.session import Session
from govnet_lab.shell import ChunkKind
from test_lab_configure import IOS, make_device

SECRET = "Lab#pass1"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def type_lines(session: Session, *lines: str) -> str:
    """Type each line; everything the device printed (not the echo)."""
    out = []
    for line in lines:
        for chunk in session.feed(line + "\r"):
            if chunk.kind is ChunkKind.OUTPUT:
                out.append(chunk.text)
    return "".join(out)


def ios_session(reverts: Reverts) -> tuple[Device, Session]:
    device = make_device(IOS)
    session = Session(device, SECRET, page_lines=0, reverts=reverts)
    type_lines(session, "enable", SECRET)
    return device, session


def shut_wan(session: Session, arm: str = "configure terminal revert timer 2") -> str:
    return type_lines(session, arm, f"interface {IOS.wan}", " shutdown", "end")


def test_a_change_not_confirmed_is_undone_by_the_device_when_the_timer_runs_out() -> None:
    clock = Clock()
    reverts = Reverts(minute_s=60, clock=clock)
    device, session = ios_session(reverts)
    said = shut_wan(session)
    assert "Enter configuration commands" in said
    wan = device.get_interface(IOS.wan)
    assert wan is not None and not wan.admin_up
    assert reverts.seconds_left(device) == 120
    clock.now += 119
    assert reverts.expire({device.hostname: device}) == []
    assert not device.get_interface(IOS.wan).admin_up  # type: ignore[union-attr]
    clock.now += 1
    assert reverts.expire({device.hostname: device}) == [device.hostname]
    back = device.get_interface(IOS.wan)
    assert back is not None and back.admin_up
    # all of it as it was, not only the port (what the router saved is no part of a revert)
    assert dataclasses.replace(device, saved_config=None) == make_device(IOS)
    assert not reverts.is_pending(device)


def test_a_confirmed_change_stays() -> None:
    clock = Clock()
    reverts = Reverts(minute_s=60, clock=clock)
    device, session = ios_session(reverts)
    shut_wan(session)
    assert type_lines(session, "configure confirm").strip() == ""
    clock.now += 3600
    assert reverts.expire({device.hostname: device}) == []
    assert not device.get_interface(IOS.wan).admin_up  # type: ignore[union-attr]


def test_the_archive_is_the_configuration_before_the_first_timer() -> None:
    """A later configuration session while the timer runs (a push's next step) is undone
    with the rest: the archive is the configuration when the timer was armed."""
    clock = Clock()
    reverts = Reverts(minute_s=1, clock=clock)
    device, session = ios_session(reverts)
    shut_wan(session, "conf t revert timer 1")
    type_lines(session, "configure terminal", f"interface {IOS.lan}", " shutdown", "end")
    assert not device.get_interface(IOS.lan).admin_up  # type: ignore[union-attr]
    clock.now += 1  # a lab minute of one second
    reverts.expire({device.hostname: device})
    assert dataclasses.replace(device, saved_config=None) == make_device(IOS)


def test_a_timer_out_of_range_is_refused_and_nothing_is_armed() -> None:
    reverts = Reverts(clock=Clock())
    device, session = ios_session(reverts)
    said = type_lines(session, "configure terminal revert timer 121")
    assert "% Invalid input detected" in said
    assert not reverts.is_pending(device)
    assert session.prompt.endswith("#") and "(config)" not in session.prompt


def test_the_management_path_follows_its_interface() -> None:
    device = make_device(IOS)
    assert is_reachable(device)  # no management interface named: always reachable
    device.management = IOS.wan
    assert is_reachable(device)
    wan = device.get_interface(IOS.wan)
    assert wan is not None
    wan.admin_up = False
    assert not is_reachable(device)
    device.management = "GigabitEthernet9/9/9"  # gone: unreachable
    assert not is_reachable(device)
