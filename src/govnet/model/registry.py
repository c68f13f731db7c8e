"""The district registry's entries: one value in use (a route distinguisher, a route target, a
VLAN on one end of a carrier circuit, a link subnet) and who holds it, a surveyed device or a
stored plan. DOMAIN.md section 5: these are allocated from one district-wide register, never
per plan, so two departments' VPNs cannot meet by accident."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    RD = "rd"  # route distinguisher
    RT = "rt"  # route target, import or export
    VLAN = "vlan"  # a dot1q VLAN (or sub-interface number) on one port: scope "host:port"
    LINK = "link"  # an IPv4 subnet on an interface, or a CE-PE link a plan allocated
    # a BGP session a plan needs on a PE and the survey did not see (VPNv4 to the city's
    # route reflector): value the peer, scope the PE, meaning BUILD or USE (govnet.plan.vpnv4)
    SESSION = "session"


BUILD, USE = "build", "use"  # a SESSION holding's meaning: the plan builds it, or uses it


@dataclass(frozen=True)
class Holding:
    """One value in use and its holder: a device (``host``, ``where`` the VPN instance or
    interface) or a plan (``plan_id``, None while the plan is being made in this run)."""

    kind: Kind
    value: str  # "65000:12", "200", "10.255.0.0/30"
    scope: str | None = None  # VLAN: the port, "host:port"; else None (district-wide)
    meaning: str | None = None  # RD/RT: the VPN instance the value belongs to; SESSION: BUILD/USE
    unit: str | None = None  # the plan's unit, or the device's unit when known
    host: str | None = None
    where: str | None = None
    plan_id: int | None = None

    @property
    def from_plan(self) -> bool:
        return self.host is None

    @property
    def plan_name(self) -> str:
        """The holding plan, in the words of a plan's text (Chinese, like the plan)."""
        return f"方案 {self.plan_id}" if self.plan_id is not None else "本批次方案"

    def describe(self) -> str:
        """Who holds it, in the words a plan's refusal uses (Chinese, like the plan)."""
        if self.from_plan:
            plan = self.plan_name
            vpn = f"的 VPN {self.meaning}" if self.meaning else ""
            return f"{plan}（单位 {self.unit or '—'}）{vpn} "
        unit = f"（单位 {self.unit}）" if self.unit else " "
        what = f"VPN {self.where}" if self.kind in (Kind.RD, Kind.RT) else f"接口 {self.where}"
        return f"设备 {self.host}{unit}上的 {what} "
