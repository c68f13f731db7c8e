"""Which line of a district is what, and its deliberate mistakes (the second step of
building a district): a zombie line, a ledger line no device shows, a live line the ledger
lacks, which units are zoned and which use the unified exit."""

from __future__ import annotations

from dataclasses import dataclass, field

from govnet.model.inventory import Inventory, Line, Role, UnitKind
from govnet_lab.district import BreachTruth
from govnet_lab.generate.devices import DeviceBuilder
from govnet_lab.generate.networks import SYSTEMS, System, get_system
from govnet_lab.model import NatKind


@dataclass
class LinePlan:
    """What the generator decided for one ledger or device-only line."""

    line: Line | None
    unit: str
    network: str
    system: System
    host: str | None
    interface: str | None
    circuit_id: str | None
    zombie: bool = False
    ledger_only: bool = False  # deliberately missing on the device
    device_only: bool = False
    on_device: bool = False
    vpn_instance: str | None = None
    zoned: bool = False  # extranet: sub-interfaces per zone, dedicated-zone VPN
    own_exit: bool = False
    nat_kind: NatKind | None = None
    interfaces: list[str] = field(default_factory=list)  # "host:interface" it uses
    extra_hosts: list[str] = field(default_factory=list)  # lab peers (the county core)
    # A vertical line in its own VPN instance whose business terminals sit on a segment of
    # that instance on the same router (their gateway, "10.249.0.1/27"): the business only.
    terminal: str | None = None


class LinePlanner(DeviceBuilder):
    """Decides what each line is before any is built."""

    def __init__(self, inventory: Inventory, seed: int) -> None:
        super().__init__(inventory, seed)
        self.plans: list[LinePlan] = []
        self.breaches: list[BreachTruth] = []
        self.core_unit: str | None = None
        self.unified_units: set[str] = set()
        self.zoned_units: set[str] = set()
        self.breach_plan: LinePlan | None = None
        self.exposed_plans: list[LinePlan] = []  # extranet/internet lines on a police router

    def _plan_lines(self) -> None:
        for line in self.inventory.lines:
            system = get_system(line)
            self.plans.append(
                LinePlan(
                    line,
                    line.unit,
                    line.network,
                    system,
                    line.a_device if line.a_device in self.devices else None,
                    line.a_interface,
                    line.circuit_id,
                    zombie="停用" in (line.note or ""),
                )
            )
        on_devices = [p for p in self.plans if p.host is not None]
        if not any(p.zombie for p in on_devices):
            candidates = [p for p in on_devices if p.system.category in ("vertical", "internet")]
            if candidates and self.core_unit is not None:
                candidates = [p for p in candidates if p.unit != self.core_unit] or candidates
            if candidates:
                self.rng("zombie").choice(candidates).zombie = True
        # A ledger line no device shows: the interface it names is simply not there.
        candidates = [
            p
            for p in on_devices
            if not p.zombie
            and p.unit != self.core_unit
            and p.system.category in ("vertical", "local", "other")
        ] or [p for p in on_devices if not p.zombie and p.system.category == "extranet"]
        if candidates:
            self.rng("ledger_only").choice(candidates).ledger_only = True
        # A device line the ledger lacks: a self-rented internet line on an edge router.
        internet_units = {p.unit for p in self.plans if p.system.category == "internet"}
        hosts = [
            h
            for h in sorted(self.inventory.hosts, key=lambda h: h.port)
            if h.role is Role.EDGE
            and h.unit != self.core_unit
            and h.unit not in internet_units
            and not self._is_classified_unit(h.unit)
        ]
        lineless = [h for h in hosts if not any(p.host == h.name for p in self.plans)]
        if hosts:
            host = self.rng("device_only").choice(lineless or hosts)
            self.plans.append(
                LinePlan(
                    None, host.unit, "互联网", SYSTEMS[2], host.name, None, None, device_only=True
                )
            )
        for plan in self.plans:
            if plan.system.category == "internet" and plan.host and not plan.zombie:
                plan.own_exit = plan.unit != self.core_unit
        own = {p.unit for p in self.plans if p.own_exit}
        zonable: list[str] = []
        for unit in sorted({p.unit for p in self.plans if p.system.category == "extranet"}):
            rng = self.rng("unit", unit)
            kind = self.inventory.get_unit(unit)
            department = kind is not None and kind.kind is UnitKind.DEPARTMENT
            if department and unit != self.core_unit:
                zonable.append(unit)
                if rng.random() < 0.5:
                    self.zoned_units.add(unit)
            # Only a device shows a default route toward the extranet: a unit whose access
            # no inventory device carries (a 4G router) cannot be known to use the unified exit.
            on_device = any(
                p.host for p in self.plans if p.unit == unit and p.system.category == "extranet"
            )
            if unit == self.core_unit or (unit not in own and on_device and rng.random() < 0.8):
                self.unified_units.add(unit)
        if zonable and not self.zoned_units:  # every district has a department already zoned
            self.zoned_units.add(self.rng("zoned").choice(zonable))
        for unit in self.zoned_units - own:
            self.unified_units.add(unit)

    def _is_classified_unit(self, unit: str) -> bool:
        found = self.inventory.get_unit(unit)
        return found is not None and found.classified

    @staticmethod
    def _is_carrier_of(system: System) -> bool:
        """Whether a unit's dedicated-zone VPN is named for (and carries) this system."""
        return system.category in ("vertical", "local") and not system.national

    def _unit_system(self, unit: str) -> System:
        for plan in self.plans:
            if plan.unit == unit and plan.system.category in ("vertical", "local"):
                return plan.system
        return System("zw", "专用网络区", (), "extranet")
