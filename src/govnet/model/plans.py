"""What a cutover plan holds: ordered steps per device (configuration and rollback lines),
the checks that prove each step (and the baseline before it), lines to cancel, risks and
what cannot be planned yet. Made by :mod:`govnet.plan`, pushed by :mod:`govnet.push`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from ipaddress import IPv4Interface, IPv4Network
from typing import Any

from govnet.model.verdicts import Exit, UnitAccess, Verdict


@dataclass(frozen=True)
class Check:
    """One machine-checkable assertion on a device, before (step 0) or after a step: on its
    facts (interface, route, nat, vpn), or on traffic it sends (ping: from ``source`` in
    ``vpn`` to ``destination``, ``count`` echoes; ``present``: at least one reply comes
    back, or, False, none does; quiet: ``interface`` carries at most ``rate`` packets per
    second, in and out together, over ``seconds``: the old line has gone quiet)."""

    host: str
    kind: str  # interface, route, nat, vpn, ping, quiet, bgp (peer ``next_hop`` Established)
    step: int  # 0: pre-check (the baseline from the snapshot)
    interface: str | None = None
    vpn: str | None = None
    prefix: str | None = None
    next_hop: str | None = None
    up: bool | None = None  # interface: operationally up
    admin_up: bool | None = None
    address: str | None = None  # interface: carries this address
    present: bool = True  # route / nat: there, or gone
    route_distinguisher: str | None = None  # vpn: the instance has this RD...
    route_target: str | None = None  # ...and imports and exports this target
    source: str | None = None  # ping: the device's own address it sends from
    destination: str | None = None  # ping: the address that must answer (or must not)
    count: int | None = None  # ping: echoes sent
    seconds: int | None = None  # quiet: how long the interface's counters are watched
    rate: float | None = None  # quiet: packets per second (in + out) still called quiet
    # Checked before the step's lines are typed: a condition of the step itself (the old
    # line is quiet before it is shut), which holds whatever steps before it did or missed.
    before: bool = False
    # What it is there for, when no traffic check of the plan would show that fault (a port
    # left up, a VPN without its targets, an existing VPN changed since the survey): plan.md
    # prints it beside the check.
    why: str | None = None
    vlan: int | None = None  # interface: the 802.1Q VLAN the sub-interface terminates

    def to_dict(self) -> dict[str, Any]:
        return {
            k: str(v) if isinstance(v, str) else v
            for k, v in self.__dict__.items()
            if v is not None
        }

    @property
    def text(self) -> str:
        return ("执行前 before: " if self.before else "") + self._text

    @property
    def _text(self) -> str:
        where = f"{self.host} {self.interface or ''}".strip()
        vpn = f" (VPN {self.vpn})" if self.vpn else ""
        if self.kind == "interface":
            parts = []
            if self.admin_up is False:
                parts.append("已关闭 shut down")
            elif self.up is not None:
                parts.append("up" if self.up else "down")
            if self.address:
                parts.append(f"地址 {self.address}")
            if self.vlan is not None:
                parts.append(f"VLAN {self.vlan}")
            return f"{where}{vpn}: {', '.join(parts) or '存在'}"
        if self.kind == "route":
            via = f" via {self.next_hop}" if self.next_hop else ""
            return f"{self.host}: 路由 {self.prefix}{vpn}{via} " + (
                "存在 present" if self.present else "不存在 absent"
            )
        if self.kind == "vpn":
            return (
                f"{self.host}: VPN {self.vpn} RD {self.route_distinguisher}，"
                f"RT {self.route_target} 收发齐全 complete"
            )
        if self.kind == "bgp":
            return f"{self.host}{vpn}: BGP 邻居 {self.next_hop} 已建立 Established"
        if self.kind == "ping":
            table = f"VPN {self.vpn} 内" if self.vpn else "全局路由表内"
            return (
                f"{self.host}: 在{table}以 {self.source} 为源地址 ping {self.destination}"
                f"（{self.count} 个报文），"
                + ("至少收到 1 个回应 replies" if self.present else "应无任何回应 no reply")
            )
        if self.kind == "quiet":
            return (
                f"{where}: {self.seconds} 秒内收发报文不超过每秒 {self.rate:g} 个"
                "（线路已无业务流量）quiet"
            )
        return f"{where}: NAT outbound " + ("存在 present" if self.present else "已删除 absent")


@dataclass(frozen=True)
class PingAnswer:
    """What one ping printed, as counted by the device itself."""

    sent: int
    received: int

    @property
    def seen(self) -> str:
        return f"sent {self.sent}, received {self.received}"


@dataclass(frozen=True)
class QuietAnswer:
    """Two readings of an interface's packet counters, as the device printed them, and the
    seconds between them (measured by push: the device's own clock is not in its answer)."""

    in_before: int
    out_before: int
    in_after: int
    out_after: int
    elapsed: float

    @property
    def wrapped(self) -> bool:
        """A counter went back: it wrapped or was cleared, so the difference means nothing."""
        return self.in_after < self.in_before or self.out_after < self.out_before

    @property
    def rate(self) -> float:
        """Packets per second, in and out together, between the readings."""
        packets = self.in_after - self.in_before + self.out_after - self.out_before
        return packets / self.elapsed if self.elapsed > 0 else float("inf")

    @property
    def seen(self) -> str:
        if self.wrapped:
            return (
                f"a counter went back (in {self.in_before} -> {self.in_after}, out"
                f" {self.out_before} -> {self.out_after}): wrapped or cleared, not read"
            )
        return f"{self.rate:.1f} packets/s over {self.elapsed:.3g} s"


# The rollback of a step on a classified or police network's device: none that reconnects it.
KEEP_DISCONNECTED = "保持断开，不自动回退；经保密办审查同意后方可恢复连接"


@dataclass
class SharedSession:
    """The VPNv4 sessions from a PE to the city's route reflectors that a PE step needs and
    the survey did not see: shared by every plan whose VPN goes upstream over them (issue
    23). The first plan made builds them (its step types ``config``); the others depend on
    it. A rollback types ``rollback`` only when no other applied plan still uses them: the
    last user rolled back removes them (govnet.push.shared)."""

    pe: str
    peers: list[str]  # the route reflectors' addresses
    config: list[str]  # the sessions' lines (MPLS/LDP, the peers, the VPNv4 family)
    rollback: list[str]  # their undo
    builder: str | None = None  # None: this plan builds them; else who does ("方案 3（单位 x）")


@dataclass
class Step:
    number: int
    host: str
    platform: str
    approach: str
    title: str
    subjects: list[str]  # network ids / line keys this step serves
    config: list[str]  # hierarchical config text, one line per item
    rollback: list[str]
    checks: list[Check] = field(default_factory=list)
    # Why it is done on site by hand, never pushed (a classified or police network's device);
    # None: pushed by `govnet push`.
    manual: str | None = None
    rollback_note: str | None = None  # said instead of rollback lines (KEEP_DISCONNECTED)
    minutes: int = 0  # estimated time in the window, its checks and requests included
    # VPNv4 sessions this step needs, built here (in config/rollback) or by another plan
    session: SharedSession | None = None
    # the rollback without the undo of the sessions the step builds (kept while other
    # applied plans use them); None: ``rollback``
    own_rollback: list[str] | None = None


@dataclass(frozen=True)
class CityRequest:
    """What the city's operator must configure on its side of a PE's hand-off before the
    PE's step: every value filled in. Never pushed (the city's device is not ours). Option A:
    the PE step's ping to ``city_address`` proves it was done. VPNv4 (``handoff``): the
    route reflector ``reflector`` (``city_address``, a /32) imports and exports the VPN's
    target and peers with the PE's loopback (``pe_address``) if ``new_peer``; the PE step's
    BGP, route and ping checks prove it; ``uplink`` names the circuit, ``vlan`` is 0."""

    network: str  # the business network's name, as the plan's scope shows it
    pe: str  # the county PE and its uplink to the city
    uplink: str
    vlan: int
    vpn: str
    route_distinguisher: str
    route_target: str
    city_address: str  # "172.16.0.9/30": the city's end of the hand-off
    pe_address: str  # the PE's end
    routes: list[str]  # the CE's business prefixes, routed back to ``pe_address`` in ``vpn``
    new_subinterface: bool  # False: the hand-off exists (surveyed), only routes are asked
    before_step: int  # the PE step that needs it done
    handoff: str = "option_a"  # or "vpnv4": the fields below
    reflector: str | None = None  # VPNv4: the route reflector's address
    pe_asn: int | None = None  # VPNv4: the PE's AS, as the reflector must name it
    reflector_asn: int | None = None  # VPNv4: the reflector's AS
    new_peer: bool = False  # VPNv4: the PE's session to the reflector is new (not surveyed)

    @property
    def mask(self) -> str:
        return str(IPv4Interface(self.city_address).netmask)

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        if self.handoff == "option_a":  # as before VPNv4 existed
            for key in ("handoff", "reflector", "pe_asn", "reflector_asn", "new_peer"):
                del data[key]
        return data


@dataclass
class SystemRequest:
    """What a vertical system's operator must change on its side (the node beyond the
    unit's old line) when the unit's business moves onto the extranet's dedicated zone:
    route the unit's business subnets back through the extranet (its attachment in
    ``vpn``) instead of the old line. Asked for, never pushed; done in the window just
    before ``before_step``, whose traffic check proves it."""

    network: str  # the business network's name, as the plan's scope shows it
    system: str  # the catalogue's name of the system (卫健)
    vpn: str  # the dedicated-zone VPN the system is reached through now
    routes: list[str]  # the unit's business subnets, routed back through the extranet
    old_circuit: str | None  # the old line, whose routes the operator replaces
    old_next_hop: str | None  # the unit's end of the old line: where those routes point now
    before_step: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# What the ledger says about a line's contract, on the plan's date.
CONTRACT_MISSING = "missing"  # no contract end in the ledger: nothing may be assumed
CONTRACT_ENDED = "ended"  # ended on or before the plan's date: cancelled with notice only
CONTRACT_RUNNING = "running"  # runs past the plan's date: cancelling before its end costs


@dataclass(frozen=True)
class Cancel:
    """A line to cancel with the carrier once the plan's last step has proved it quiet and
    shut it: one row of that carrier's work order (撤销工单), with the contract's terms.
    ``on``: the plan's date, from which "ended", "running" and the dates are counted."""

    key: str
    circuit_id: str | None
    carrier: str | None
    kind: str | None
    network: str
    monthly_fee: float | None
    annual_fee: float | None
    a_end: str | None = None  # "device interface", the unit's end
    z_end: str | None = None
    bandwidth_mbps: float | None = None
    contract_start: dt.date | None = None
    contract_end: dt.date | None = None
    notice_days: int | None = None
    termination_terms: str | None = None
    on: dt.date | None = None

    @property
    def yearly_fee(self) -> float | None:
        """The fee saved per year once cancelled: the annual fee, else twelve months."""
        if self.annual_fee is not None:
            return self.annual_fee
        return None if self.monthly_fee is None else self.monthly_fee * 12

    @property
    def contract(self) -> str:
        if self.contract_end is None:
            return CONTRACT_MISSING
        if self.on is not None and self.contract_end <= self.on:
            return CONTRACT_ENDED
        return CONTRACT_RUNNING

    @property
    def notice_by(self) -> dt.date | None:
        """A running contract: the last day to tell the carrier for the line to end with the
        contract (its end less the notice period); None when either is unknown."""
        if self.contract != CONTRACT_RUNNING or self.notice_days is None:
            return None
        assert self.contract_end is not None
        return self.contract_end - dt.timedelta(days=self.notice_days)

    @property
    def free_from(self) -> dt.date | None:
        """The earliest date the line can be cancelled without penalty: the contract's end,
        or, once the contract has ended (it runs on from period to period) or the notice
        would come too late, the plan's date plus the notice period: notice can first be
        given on the plan's date. None without contract data: nothing is invented."""
        if self.contract_end is None:
            return None
        if self.on is None:
            return self.contract_end
        after_notice = self.on + dt.timedelta(days=self.notice_days or 0)
        return max(self.contract_end, after_notice)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, dates as ISO dates, the derived dates included."""
        data: dict[str, Any] = {
            k: v.isoformat() if isinstance(v, dt.date) else v for k, v in self.__dict__.items()
        }
        data["yearly_fee"] = self.yearly_fee
        data["contract"] = self.contract
        for name in ("notice_by", "free_from"):
            value = getattr(self, name)
            data[name] = value.isoformat() if value is not None else None
        return data


@dataclass(frozen=True)
class CarrierOrder:
    """What a carrier is asked for besides cancelling a line (one row of its work order):
    ``vlan``: carry a new 802.1Q VLAN on a circuit before the step that builds it (a carrier
    dropping the VLAN breaks the step's ping); ``access``: open the unit's extranet access
    (no live extranet line: the plan cannot move its business until there is one)."""

    kind: str  # "vlan" or "access"
    network: str  # the business network it serves, as the plan's scope names it
    carrier: str | None = None  # None: the ledger does not say (or still to be chosen)
    circuit_id: str | None = None
    a_end: str | None = None  # "device interface", the unit's end
    z_end: str | None = None
    bandwidth_mbps: float | None = None
    vlan: int | None = None
    before_step: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Party:
    """Someone the plan needs: who it is (``role``, in Chinese), the organisation, the people
    it named (role, name, phone) from the inventory, and whether it signs the plan."""

    role: str
    name: str
    contacts: tuple[tuple[str, str, str | None], ...] = ()
    signs: bool = True


@dataclass(frozen=True)
class ChangeWindow:
    """The night the cutover is done in: an end at or before the start is on the next day."""

    start: dt.datetime
    end: dt.datetime

    @classmethod
    def parse(cls, text: str) -> ChangeWindow:
        """
        >>> w = ChangeWindow.parse("2026-12-20 22:00-02:00")
        >>> str(w), w.minutes
        ('2026-12-20 22:00 至 2026-12-21 02:00', 240)
        >>> ChangeWindow.parse("20/12 22:00")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: change window '20/12 22:00': write it as YYYY-MM-DD HH:MM-HH:MM ...
        """
        match = _WINDOW.match(text.strip())
        example = "YYYY-MM-DD HH:MM-HH:MM (2026-12-20 22:00-02:00)"
        if match is None:
            raise ValueError(f"change window {text!r}: write it as {example}")
        day, first, last = match.groups()
        try:
            start = dt.datetime.fromisoformat(f"{day} {first}")
            end = dt.datetime.fromisoformat(f"{day} {last}")
        except ValueError as e:
            raise ValueError(f"change window {text!r}: {e}; write it as {example}") from None
        if end <= start:  # past midnight
            end += dt.timedelta(days=1)
        return cls(start, end)

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} 至 {self.end:%Y-%m-%d %H:%M}"


_WINDOW = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(\d{2}:\d{2})\s*[-–~至]\s*(\d{2}:\d{2})$")


@dataclass(frozen=True)
class Risk:
    text: str
    owner: str = ""


@dataclass
class Plan:
    unit: str
    unit_name: str
    division_code: str
    survey_run_id: int | None
    classify_run_id: int | None
    access: UnitAccess | None
    networks: list[Verdict]
    lines: list[Verdict]
    exits: list[Exit]
    steps: list[Step]
    prechecks: list[Check]
    risks: list[Risk]
    cancel: list[Cancel]
    retained: list[Verdict]
    undecided: list[Verdict]
    blocked: list[str]  # what cannot be planned yet, and why
    in_place: list[Verdict]
    links: list[IPv4Network] = field(default_factory=list)  # CE-PE /30s it allocated
    requests: list[CityRequest] = field(default_factory=list)  # the city's side, not pushed
    # The vertical systems' operators' side (return routes via the extranet), not pushed.
    system_requests: list[SystemRequest] = field(default_factory=list)
    # The signable document: the change window, who takes part and signs, what the carriers
    # are asked for besides cancellations, whether a classified network is touched (the
    # secrecy office signs), and the days watched before the old lines are cancelled.
    window: ChangeWindow | None = None
    parties: list[Party] = field(default_factory=list)
    orders: list[CarrierOrder] = field(default_factory=list)
    classified: bool = False
    observation_days: int = 7

    @property
    def hosts(self) -> list[str]:
        return list(dict.fromkeys(s.host for s in self.steps))

    @property
    def manual_hosts(self) -> list[str]:
        """Devices whose steps are done on site by hand, with the secrecy office's sign-off."""
        return list(dict.fromkeys(s.host for s in self.steps if s.manual))

    @property
    def monthly_saving(self) -> float:
        return sum(c.monthly_fee or 0.0 for c in self.cancel)

    @property
    def annual_saving(self) -> float:
        return sum(c.yearly_fee or 0.0 for c in self.cancel)

    def get_work_orders(self) -> dict[str | None, list[Cancel]]:
        """The lines to cancel by carrier (None: a line the ledger does not know), in the
        order first met: one work order (撤销工单) per carrier."""
        orders: dict[str | None, list[Cancel]] = {}
        for cancel in self.cancel:
            orders.setdefault(cancel.carrier, []).append(cancel)
        return orders

    def get_carriers(self) -> list[str | None]:
        """Every carrier asked for something (a VLAN, an access, a cancellation), in the order
        first met: one work order document each (None: the ledger does not say)."""
        return list(dict.fromkeys([*(o.carrier for o in self.orders), *self.get_work_orders()]))

    def get_shut_step(self, cancel: Cancel) -> Step | None:
        """The step that shuts a line to cancel (a line, or an own internet exit, once proved
        quiet or replaced): the carrier is asked only after it."""
        names = {cancel.key, cancel.circuit_id}
        return next(
            (
                s
                for s in self.steps
                if s.approach in ("decommission_line", "close_exit") and names & set(s.subjects)
            ),
            None,
        )

    def get_config(self, host: str) -> list[str]:
        return [line for s in self.steps if s.host == host for line in s.config]

    def get_rollback(self, host: str, sessions: bool = True) -> list[str]:
        """The host's steps' rollbacks, last step first; without ``sessions``: without the
        undo of the shared sessions the plan builds (:class:`SharedSession`)."""
        return [
            line
            for s in reversed(self.steps)
            if s.host == host
            for line in (s.rollback if sessions or s.own_rollback is None else s.own_rollback)
        ]
