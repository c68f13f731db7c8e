"""Configuration changes that undo themselves unless confirmed, and the management path.

What the lab imitates:

* Cisco IOS "Configuration Rollback Confirmed Change" (Configuration Replace and
  Configuration Rollback, IOS XE 17 System Management guide, m_cm-config-rollback-confirmed-
  change): ``configure terminal revert timer <minutes>`` archives the running configuration
  and enters configuration mode; ``configure confirm`` keeps the changes; "If no
  confirmation is entered within the requested time limit, the configuration reverts to its
  previous state". The feature needs ``archive`` / ``path`` configured; the lab's routers
  are taken to have it (the lab does not model ``archive``).
* Comware 7 ``configuration commit delay`` / ``configuration commit`` (H3C/HPE Fundamentals,
  "Configuring configuration commit delay": "If no manual commit is performed within the
  allowed delay time, the device rolls back the configuration to the settings before the
  configuration commit delay command was executed") works the same way; the lab does not
  type it yet.
* Huawei: the lab imitates VRP5 AR routers (V200R0xx), which have no trial commit (VRP8's
  two-phase ``commit trial <seconds>`` is NE/CE only), so there is none here.

Not checked against a real output: the texts IOS prints when the timer is armed, confirmed
or expires (the lab answers ``configure terminal revert timer`` as ``configure terminal``
and ``configure confirm`` with nothing), and a second configuration session while the
timer runs (the lab accepts it and undoes it with the rest: the archive is the
configuration when the first timer was armed; typing the timer again restarts it).

Time scaling: a device takes minutes; the lab's ``minute_s`` (``--revert-minute``, default
60) says how many real seconds a lab minute lasts, so a test waits one second, not one
minute. On expiry the device's configuration is the archive again, and its data plane
follows (the network is told, as after a typed line).

The management path: a router's ``management`` interface is the one the collector reaches
it through (the lab serves every router on 127.0.0.1, so reachability is not otherwise
modelled). While it is down, the lab refuses new logins and closes open shells, as a real
router whose management address went away would be unreachable (a real session would hang
until TCP gives up; closing at once keeps tests fast).
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass

from govnet_lab.dataplane import Network
from govnet_lab.model import Device

MINUTE_S = 60.0


@dataclass
class _Pending:
    archive: Device  # the device as it was when the timer was armed
    deadline: float


class Reverts:
    """The revert timers running on a lab's devices (one instance per server)."""

    def __init__(
        self,
        minute_s: float = MINUTE_S,
        network: Network | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.minute_s = minute_s
        self.network = network
        self._clock = clock
        self._pending: dict[str, _Pending] = {}

    def arm(self, device: Device, minutes: int) -> None:
        """Start (or, typed again while one runs, restart) the timer; the archive is the
        configuration when the first timer was armed."""
        pending = self._pending.get(device.hostname)
        archive = pending.archive if pending else copy.deepcopy(device)
        self._pending[device.hostname] = _Pending(archive, self._clock() + minutes * self.minute_s)

    def confirm(self, device: Device) -> bool:
        """Keep the changes; False when no timer was running."""
        return self._pending.pop(device.hostname, None) is not None

    def is_pending(self, device: Device) -> bool:
        return device.hostname in self._pending

    def seconds_left(self, device: Device) -> float | None:
        pending = self._pending.get(device.hostname)
        return None if pending is None else max(0.0, pending.deadline - self._clock())

    def expire(self, devices: dict[str, Device]) -> list[str]:
        """Restore every device whose timer ran out; returns their hostnames."""
        now = self._clock()
        due = [host for host, p in self._pending.items() if p.deadline <= now]
        for host in due:
            pending = self._pending.pop(host)
            device = devices.get(host)
            if device is None:
                continue
            if self.network is not None:
                self.network.before_change(host)
            restore(device, pending.archive)
            if self.network is not None:
                self.network.note_change()
        return due


def restore(device: Device, archive: Device) -> None:
    """``device``'s running configuration becomes ``archive``'s again, in place (the data
    plane holds this object); what it saved meanwhile stays saved, as a rollback replaces
    the running configuration only."""
    again = copy.deepcopy(archive)
    for f in dataclasses.fields(Device):
        if f.name != "saved_config":
            setattr(device, f.name, getattr(again, f.name))


def is_reachable(device: Device) -> bool:
    """Whether the collector reaches the router: its management interface is up (a
    sub-interface's port too: :meth:`Device.follow_port` keeps ``port_up``)."""
    if device.management is None:
        return True
    iface = device.get_interface(device.management)
    return iface is not None and iface.oper_up
