"""What every approach builds on: the unit's hosts and facts, its extranet uplink, steps
with their baseline checks, lines shut and cancelled, links taken from the district registry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path
from typing import Any

import jinja2

from govnet.model.facts import HostFacts, Interface, physical_port
from govnet.model.plans import (
    CONTRACT_MISSING,
    CONTRACT_RUNNING,
    Cancel,
    ChangeWindow,
    Check,
    CityRequest,
    Risk,
    SharedSession,
    Step,
    SystemRequest,
)
from govnet.model.policy import Category, Policy, Target
from govnet.model.snapshot import CORE_ROLE, Snapshot
from govnet.model.verdicts import Classification, Verdict
from govnet.plan.configsafe import to_interface
from govnet.plan.registry import Registry
from govnet.plan.templates import PlanError, get_template_env, merge_sections, render_approach
from govnet.platforms import Dialect

PING_COUNT = 5  # echoes per ping check: one lost to ARP resolution is no fault

# What a check is there for, where no traffic check of the plan would show its fault (the
# check mutation test, tests/test_cutover_check_mutations.py, finds no flow it keeps up).
WHY_VPN = (
    "RD、RT须齐全：推送中断会留下缺RT的VPN实例，经VPNv4交换路由时收不到路由，而本地的流量验证看不出"
)
WHY_VERIFY = "核验现网：采集后该VPN的子接口、地址或路由被改动即停止，不在改动过的VPN上迁移业务"
WHY_SHUT = "原线路端口确已关闭（不再承载任何业务）后，方可向运营商申请撤销电路"
WHY_QUIET = (
    "关闭前线路须已无业务流量：无论前面的步骤是否完成（网关未迁移、终端未改入新VLAN、"
    "上级系统回程未改），仍有流量即停止，不关闭"
)
WHY_GATEWAY_VLAN = (
    "业务终端改入新VLAN后经此子接口到达网关：VLAN不符则终端到不了网关，"
    "而从网关自身地址发出的ping看不出"
)
WHY_EXIT = (
    "自建互联网出口须彻底关闭：端口关闭，NAT和默认路由删除，端口日后被重新开启也不会恢复私自出网"
)


@dataclass(frozen=True)
class PlanInput:
    classification: Classification
    snapshot: Snapshot
    configs: Mapping[str, str]  # each host's running configuration, as surveyed
    policy: Policy
    dialects: Mapping[str, Dialect]  # how each platform writes its configuration
    templates: Sequence[Path]  # template folders, searched in order (the project's first)
    classify_run_id: int | None = None
    # The plan's date: what a line's contract is measured against (ended, running, the day
    # notice must be given). Today unless given (tests pin it).
    on: dt.date = field(default_factory=dt.date.today)
    window: ChangeWindow | None = None  # the night it is done in (`plan --window`)

    @cached_property
    def template_env(self) -> jinja2.Environment:
        return get_template_env(self.templates)


@dataclass
class Handoff:
    """What the PE step adds for the hand-off of a VPN to the city (govnet.plan.upstream,
    govnet.plan.vpnv4), and what the city is asked for."""

    sub: dict[str, Any] | None  # Option A: the new sub-interface (None: reused, or VPNv4)
    routes: list[dict[str, Any]]  # on the PE, in the VPN: the system's prefixes to the city
    checks: list[Check]
    request: CityRequest
    vpnv4: dict[str, Any] | None = None  # VPNv4: the redistribution (templates)
    session: SharedSession | None = None  # VPNv4: the sessions the survey did not see


@dataclass
class Uplink:
    """A unit's live extranet access: CE port, and the PE port facing it."""

    ce: str  # hostnames
    port: str
    pe: str | None
    pe_port: str | None
    pe_address: IPv4Interface | None


class Steps:
    def __init__(self, inp: PlanInput, unit: str, registry: Registry) -> None:
        self.inp = inp
        self.unit = unit
        self.policy = inp.policy
        if self.policy.migration is None:
            raise PlanError("playbooks/policy.yaml has no `migration` section: plans need it")
        self.migration = self.policy.migration
        self.env = inp.template_env
        c = inp.classification
        self.hosts = {h.hostname: h for h in inp.snapshot.hosts}
        self.systems = {s.key: s for s in self.policy.catalogue}
        self.ledger = {ln.circuit_id: ln for ln in inp.snapshot.lines}
        self.networks = [v for v in c.networks if v.unit == unit]
        self.lines = [v for v in c.lines if v.unit == unit]
        self.access = next((u for u in c.units if u.unit == unit), None)
        self.steps: list[Step] = []
        self.prechecks: dict[tuple[str, str, str | None, str | None], Check] = {}
        self.risks: list[Risk] = []
        self.cancel: list[Cancel] = []
        self.blocked: list[str] = []
        self.registry = registry
        self.links: list[IPv4Network] = []
        self.requests: list[CityRequest] = []  # the city's side of hand-offs, asked for
        self.system_requests: list[SystemRequest] = []  # the systems' operators' side

    @cached_property
    def line_ports(self) -> set[tuple[str | None, str | None]]:
        """Every line's (router, port): a port that is a line is never a LAN."""
        return {(ln.host, ln.interface) for ln in self.inp.classification.lines}

    def _lan_of(
        self, host: str, networks: Sequence[IPv4Network]
    ) -> tuple[Interface, IPv4Interface] | None:
        """The router's global port on the same LAN as ``networks`` (a subnet shared with
        them), and its address there."""
        facts = self._facts(host)
        for iface in facts.interfaces if facts else ():
            if (
                iface.vpn_instance is not None
                or iface.parent is not None
                or iface.kind == "loopback"
                or iface.admin_up is False
            ):
                continue
            for address in iface.get_ipv4():
                if any(address.network.overlaps(n) for n in networks):
                    return iface, address
        return None

    def _allocate_link(self) -> IPv4Network:
        link = self.registry.allocate_link(self.unit, self.migration.link_pool)
        self.links.append(link)
        return link

    def _facts(self, host: str) -> HostFacts | None:
        record = self.hosts.get(host)
        return record.facts if record is not None and record.has_facts else None

    def _iface(self, host: str, name: str) -> Interface | None:
        facts = self._facts(host)
        if facts is None:
            return None
        return next((i for i in facts.interfaces if i.name == name), None)

    def _platform(self, host: str) -> str:
        return self._dialect(host).platform

    def _dialect(self, host: str) -> Dialect:
        platform = self.hosts[host].platform
        dialect = self.inp.dialects.get(platform or "")
        if dialect is None:
            raise PlanError(
                f"{host}: govnet plans nothing for platform {platform!r}"
                " (no `dialect:` in its collectors/<platform>/platform.yaml)"
            )
        return dialect

    def _add_step(
        self,
        host: str,
        approach: str,
        title: str,
        subjects: list[str],
        ctx: dict[str, Any],
        checks: list[Check],
        session: SharedSession | None = None,
    ) -> Step:
        """The next step; ``session``: the shared sessions it needs, typed first (and undone
        last) when this plan builds them."""
        platform = self._platform(host)
        config = render_approach(self.env, platform, approach, ctx)
        rollback = render_approach(self.env, platform, approach, ctx, rollback=True)
        own = rollback
        if session is not None and session.builder is None:
            config = merge_sections(session.config + config, last=True)
            rollback = merge_sections(rollback + session.rollback)
        step = Step(
            len(self.steps) + 1,
            host,
            platform,
            approach,
            title,
            subjects,
            config,
            rollback,
            session=session,
            own_rollback=own,
        )
        step.checks = [Check(**{**c.__dict__, "step": step.number}) for c in checks]
        self.steps.append(step)
        self._baseline(host, [c.interface for c in checks if c.interface])
        return step

    @staticmethod
    def _ping(host: str, vpn: str | None, source: IPv4Address, destination: IPv4Address) -> Check:
        """A check that sends traffic: ``host`` pings ``destination`` from its own address
        ``source`` in ``vpn`` (None: the global table) and at least one of PING_COUNT echoes
        comes back. State checks cannot see a carrier that drops a VLAN; this can."""
        return Check(
            host,
            "ping",
            0,
            vpn=vpn,
            source=str(source),
            destination=str(destination),
            count=PING_COUNT,
        )

    def _baseline(self, host: str, interfaces: Iterable[str]) -> None:
        """Pre-checks: the touched interfaces and the routes through them, as surveyed."""
        facts = self._facts(host)
        if facts is None:
            return
        for name in dict.fromkeys(interfaces):
            iface = self._iface(host, name) or self._iface(host, physical_port(name))
            if iface is None or (host, iface.name, None, None) in self.prechecks:
                continue
            self.prechecks[(host, iface.name, None, None)] = Check(
                host,
                "interface",
                0,
                iface.name,
                iface.vpn_instance,
                up=iface.oper_up,
                address=iface.addresses[0] if iface.addresses else None,
            )
            for route in facts.routes:
                if (
                    route.interface == iface.name
                    and route.protocol not in ("direct", "local")
                    and route.forwards
                ):
                    self.prechecks[(host, iface.name, route.vpn_instance, route.prefix)] = Check(
                        host,
                        "route",
                        0,
                        iface.name,
                        route.vpn_instance,
                        route.prefix,
                        route.next_hops[0] if route.next_hops else None,
                    )

    def _uplink(self) -> Uplink | None:
        for line in self.lines:
            system = self.systems.get(line.system or "")
            if system is None or system.category is not Category.EXTRANET:
                continue
            if line.target not in (Target.EXTRANET_PUBLIC, Target.EXTRANET_DEDICATED_VPN):
                continue
            if line.host is None or line.interface is None or self._facts(line.host) is None:
                continue
            ce_addr = self._global_address(line.host, line.interface)
            pe = pe_port = pe_addr = None
            for ref in line.interfaces:
                host, _, name = ref.partition(":")
                record = self.hosts.get(host)
                if record is None or record.role != CORE_ROLE or host == line.host:
                    continue
                addr = self._global_address(host, physical_port(name))
                if ce_addr is not None and addr is not None and ce_addr.ip in addr.network:
                    pe, pe_port, pe_addr = host, physical_port(name), addr
                    break
            return Uplink(line.host, line.interface, pe, pe_port, pe_addr)
        return None

    def _global_address(self, host: str, port: str) -> IPv4Interface | None:
        """The global-table address of a port, or of its sub-interface carrying the public zone."""
        facts = self._facts(host)
        if facts is None:
            return None
        for iface in facts.interfaces:
            if (iface.name == port or iface.parent == port) and iface.vpn_instance is None:
                addresses = iface.get_ipv4()
                if addresses:
                    return addresses[0]
        return None

    def _remote_routes(self, host: str, interface: str) -> list[IPv4Network]:
        """Prefixes a line's far end gives: routes through it, not its own subnet."""
        facts = self._facts(host)
        if facts is None:
            return []
        out = []
        for route in facts.routes:
            if route.interface != interface or route.protocol in ("direct", "local"):
                continue
            prefix = IPv4Network(route.prefix)
            if prefix.prefixlen and prefix not in out:
                out.append(prefix)
        return out

    def _cancel_line(self, line: Verdict) -> None:
        """Add the line to its carrier's work order with what its contract says; a contract
        still running is a risk the department decides on (the penalty terms), one the
        ledger knows nothing of is a risk to check: no date or term is ever assumed."""
        if any(c.key == line.key for c in self.cancel):
            return
        ledger = self.ledger.get(line.key)
        if ledger is None:
            self.cancel.append(
                Cancel(line.key, None, None, None, line.name, None, None, on=self.inp.on)
            )
            self.risks.append(
                Risk(f"线路 {line.key} 台账无记录：须先与运营商核实电路编号和资费再申请撤销")
            )
            return
        a_end = " ".join(p for p in (ledger.a_device, ledger.a_interface) if p) or None
        cancel = Cancel(
            line.key,
            ledger.circuit_id,
            ledger.carrier,
            ledger.kind,
            line.name,
            ledger.monthly_fee,
            ledger.annual_fee,
            a_end=a_end,
            z_end=ledger.z_end,
            bandwidth_mbps=ledger.bandwidth_mbps,
            contract_start=ledger.contract_start,
            contract_end=ledger.contract_end,
            notice_days=ledger.notice_days,
            termination_terms=ledger.termination_terms,
            on=self.inp.on,
        )
        self.cancel.append(cancel)
        owner = self._unit_name()
        if cancel.contract == CONTRACT_MISSING:
            self.risks.append(
                Risk(
                    f"线路 {ledger.circuit_id} 合同信息缺失：请核实合同期限、提前通知期和违约条款"
                    "（补入台账后重新生成方案），再向运营商申请撤销",
                    owner,
                )
            )
        elif cancel.contract == CONTRACT_RUNNING:
            terms = ledger.termination_terms or "台账未载明违约条款：请核实合同"
            if cancel.notice_by is None:
                notice = "提前通知期未载明：请核实"
            elif cancel.notice_by >= self.inp.on:
                notice = f"最迟于 {cancel.notice_by} 书面通知运营商"
            else:
                notice = f"提前 {ledger.notice_days} 天通知，已赶不上合同到期日"
            self.risks.append(
                Risk(
                    f"线路 {ledger.circuit_id} 合同至 {cancel.contract_end} 未到期，提前撤销须承担"
                    f"违约责任：{terms}。免违约撤销最早为 {cancel.free_from}（{notice}）；"
                    "提前撤销还是保留至合同到期，由本单位决定",
                    owner,
                )
            )

    def _unit_name(self) -> str:
        return next((u.name for u in self.inp.snapshot.units if u.key == self.unit), self.unit)

    def _shut_line(
        self,
        line: Verdict,
        why: str,
        proof: Sequence[Check] = (),
        guard: Sequence[Check] = (),
    ) -> None:
        """Shut an old line's port; ``proof``: traffic checks that must hold after,
        ``guard``: checks that must hold before (the line quiet)."""
        if line.host is None or line.interface is None or self._facts(line.host) is None:
            return
        iface = self._iface(line.host, line.interface)
        if iface is None:
            return
        if iface.admin_up is not False:
            self._add_step(
                line.host,
                "decommission_line",
                f"关闭线路 {line.key}（{why}）",
                [line.key],
                {"interface": to_interface(iface.name)},
                [
                    *guard,
                    Check(line.host, "interface", 0, iface.name, admin_up=False, why=WHY_SHUT),
                    *proof,
                ],
            )

    def _category(self, network: Verdict) -> Category | None:
        system = self.systems.get(network.system or "")
        return system.category if system else None

    def _old_lines(self, network: Verdict) -> list[Verdict]:
        return [ln for ln in self.lines if ln.network == network.key and ln.rule != "zombie"]
