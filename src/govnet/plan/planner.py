"""The planner: one unit's networks and lines, with their targets, become ordered steps per
device (a migration approach each, rendered from the platform's templates), the checks that
prove them, the lines to cancel, the risks, and what cannot be planned yet and why."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path
from typing import Any

import jinja2

from govnet.model.facts import HostFacts, Interface
from govnet.model.plans import Cancel, Check, Plan, Risk, Step
from govnet.model.policy import Category, Policy, Target, Zone
from govnet.model.snapshot import CORE_ROLE, Snapshot
from govnet.model.verdicts import Classification, Verdict
from govnet.plan.configsafe import (
    to_address,
    to_description,
    to_interface,
    to_name,
    to_route_target,
)
from govnet.plan.templates import (
    PlanError,
    get_template_env,
    mask,
    render_approach,
    route_context,
    static_context,
)
from govnet.platforms import Dialect


@dataclass(frozen=True)
class PlanInput:
    classification: Classification
    snapshot: Snapshot
    configs: Mapping[str, str]  # each host's running configuration, as surveyed
    policy: Policy
    dialects: Mapping[str, Dialect]  # how each platform writes its configuration
    templates: Sequence[Path]  # template folders, searched in order (the project's first)
    classify_run_id: int | None = None

    @cached_property
    def template_env(self) -> jinja2.Environment:
        return get_template_env(self.templates)

    @cached_property
    def networks_in_use(self) -> tuple[IPv4Network, ...]:
        """Every subnet on a surveyed interface: worked out once for all the unit's plans."""
        return tuple(
            a.network
            for host in self.snapshot.hosts
            if host.facts is not None
            for iface in host.facts.interfaces
            for a in iface.get_ipv4()
        )


@dataclass
class _Uplink:
    """A unit's live extranet access: CE port, and the PE port facing it."""

    ce: str  # hostnames
    port: str
    pe: str | None
    pe_port: str | None
    pe_address: IPv4Interface | None


class _Planner:
    def __init__(self, inp: PlanInput, unit: str, taken: Iterable[IPv4Network]) -> None:
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
        self.used = [*inp.networks_in_use, *taken]
        self.links: list[IPv4Network] = []

    # -- helpers --

    def _allocate_link(self) -> IPv4Network:
        for subnet in self.migration.link_pool.subnets(new_prefix=30):
            if not any(subnet.overlaps(u) for u in self.used):
                self.used.append(subnet)
                self.links.append(subnet)
                return subnet
        raise PlanError(f"migration.link_pool {self.migration.link_pool} has no free /30")

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
    ) -> Step:
        platform = self._platform(host)
        config = render_approach(self.env, platform, approach, ctx)
        rollback = render_approach(self.env, platform, approach, ctx, rollback=True)
        step = Step(
            len(self.steps) + 1, host, platform, approach, title, subjects, config, rollback
        )
        step.checks = [Check(**{**c.__dict__, "step": step.number}) for c in checks]
        self.steps.append(step)
        self._baseline(host, [c.interface for c in checks if c.interface])
        return step

    def _baseline(self, host: str, interfaces: Iterable[str]) -> None:
        """Pre-checks: the touched interfaces and the routes through them, as surveyed."""
        facts = self._facts(host)
        if facts is None:
            return
        for name in dict.fromkeys(interfaces):
            iface = self._iface(host, name) or self._iface(host, name.split(".", 1)[0])
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
                if route.interface == iface.name and route.protocol not in ("direct", "local"):
                    self.prechecks[(host, iface.name, route.vpn_instance, route.prefix)] = Check(
                        host,
                        "route",
                        0,
                        iface.name,
                        route.vpn_instance,
                        route.prefix,
                        route.next_hops[0] if route.next_hops else None,
                    )

    def _uplink(self) -> _Uplink | None:
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
                addr = self._global_address(host, name.split(".", 1)[0])
                if ce_addr is not None and addr is not None and ce_addr.ip in addr.network:
                    pe, pe_port, pe_addr = host, name.split(".", 1)[0], addr
                    break
            return _Uplink(line.host, line.interface, pe, pe_port, pe_addr)
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
        if any(c.key == line.key for c in self.cancel):
            return
        ledger = self.ledger.get(line.key)
        self.cancel.append(
            Cancel(
                line.key,
                ledger.circuit_id if ledger else None,
                ledger.carrier if ledger else None,
                ledger.kind if ledger else None,
                line.name,
                ledger.monthly_fee if ledger else None,
                ledger.annual_fee if ledger else None,
            )
        )
        if ledger is None:
            self.risks.append(
                Risk(f"线路 {line.key} 台账无记录：须先与运营商核实电路编号和资费再申请撤销")
            )

    def _shut_line(self, line: Verdict, why: str) -> None:
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
                [Check(line.host, "interface", 0, iface.name, admin_up=False)],
            )

    # -- approaches --

    def plan(self) -> None:
        for line in self.lines:
            if line.rule == "breach-disconnect":
                self._shut_line(line, "涉密设备与外网相连，立即断开")
                self.risks.insert(0, Risk(f"隔离违规：{line.key} 须立即断开并上报保密部门"))
        uplink = self._uplink()
        for network in self.networks:
            if network.target is Target.EXTRANET_DEDICATED_VPN and network.rule not in (
                "extranet-dedicated",
                "migrated",
            ):
                self._dedicated(network, uplink)
            elif network.target is Target.EXTRANET_PUBLIC and self._category(network) is (
                Category.LOCAL
            ):
                self._public(network, uplink)
        if self.access is not None and self.access.own_exit:
            self._internet(uplink)
        for line in self.lines:
            if line.rule == "zombie":
                self._shut_line(line, "僵尸线路")
                self._cancel_line(line)

    def _category(self, network: Verdict) -> Category | None:
        system = self.systems.get(network.system or "")
        return system.category if system else None

    def _old_lines(self, network: Verdict) -> list[Verdict]:
        return [ln for ln in self.lines if ln.network == network.key and ln.rule != "zombie"]

    def _dedicated(self, network: Verdict, uplink: _Uplink | None) -> None:
        system = self.systems.get(network.system or "")
        if uplink is None or uplink.pe is None or uplink.pe_port is None:
            self.blocked.append(
                f"{network.key}（{network.name}）：本单位尚无可用的电子政务外网接入线路（或其PE端未采集），"
                "须先开通外网接入，才能以专用网络区VPN承载"
            )
            return
        if system is None or system.vpn_id is None:
            self.blocked.append(
                f"{network.key}（{network.name}）：目录中没有该系统的 vpn_id，无法分配专用网络区VPN"
            )
            return
        old = self._old_lines(network)
        name = to_name(self.migration.dedicated_vpn.format(key=system.key), "VPN instance")
        rd = to_route_target(f"{self.migration.extranet_asn}:{system.vpn_id}")
        for host in (uplink.pe, uplink.ce):  # both sides checked before either gets a step
            facts = self._facts(host)
            clash = [
                v.name
                for v in (facts.vpn_instances if facts else ())
                if v.route_distinguisher == rd and v.name != name
            ]
            if clash:
                self.blocked.append(
                    f"{network.key}：{host} 上的 VPN {clash[0]} 已使用 RD {rd}，须先调整目录 vpn_id"
                )
                return
        link = self._allocate_link()
        pe_ip, ce_ip = list(link.hosts())[:2]
        by_host: dict[str, list[IPv4Network]] = {}
        for ln in old:
            if ln.host and ln.interface:
                by_host.setdefault(ln.host, []).extend(self._remote_routes(ln.host, ln.interface))
        remote = list(dict.fromkeys(by_host.pop(uplink.ce, [])))
        for host, there in sorted(by_host.items()):
            self.risks.append(
                Risk(
                    f"{network.name} 的原线路在 {host}，"
                    f"与外网接入路由器 {uplink.ce} 不同："
                    f"业务终端须改由 {uplink.ce} 接入（或在两台设备间互联）"
                    + (f"，原远端网段 {', '.join(map(str, there))}" if there else "")
                )
            )
            remote += [p for p in there if p not in remote]
        vlan = self._free_vlan(uplink.ce, uplink.port)
        pe_vlan_free = self._free_vlan(uplink.pe, uplink.pe_port)
        vlan = max(vlan, pe_vlan_free)
        sides = [
            (uplink.pe, uplink.pe_port, pe_ip, ce_ip, uplink.ce, "PE"),
            (uplink.ce, uplink.port, ce_ip, pe_ip, uplink.pe, "CE"),
        ]
        for host, port, mine, theirs, peer_host, side in sides:
            limit = self._dialect(host).description_max
            facts = self._facts(host)
            existing = {v.name for v in (facts.vpn_instances if facts else ())}
            sub = f"{port}.{vlan}"
            routes = remote if side == "CE" else []
            ctx = {
                "side": side.lower(),
                "vpn": {
                    "name": name,
                    "create": name not in existing,
                    "description": to_description(f"专用网络区 {network.name}", limit),
                    "rd": rd,
                    "rt": rd,
                },
                "sub": {
                    "name": to_interface(sub),
                    "parent": to_interface(port),
                    "vlan": vlan,
                    "description": to_description(f"To-{peer_host}-{name}", limit),
                    "address": to_address(mine),
                    "mask": mask(30),
                    "prefixlen": 30,
                },
                "routes": [route_context(p, theirs) for p in routes],
                "bgp": self._bgp(host, side, theirs, uplink),
                "rebind": [],
            }
            checks = [Check(host, "interface", 0, sub, name, up=True, address=f"{mine}/30")]
            checks += [Check(host, "route", 0, sub, name, str(p), str(theirs)) for p in routes]
            self._add_step(
                host,
                "dedicated_vpn",
                f"{side}：建立专用网络区VPN {name}（{network.name}），子接口 {sub} VLAN {vlan}",
                [network.key],
                ctx,
                checks,
            )
        for line in old:
            self._shut_line(line, f"{network.name} 已由专用网络区VPN {name} 承载")
            self._cancel_line(line)
        self.risks.append(
            Risk(
                f"{network.name} 上级（市级/省级）节点须同时在外网专用网络区接入 {name}"
                f"（RD/RT {rd}），否则切换后业务不通：切换前与上级主管部门确认"
            )
        )

    def _bgp(self, host: str, side: str, peer: IPv4Address, uplink: _Uplink) -> Any:
        if self.migration.routing != "bgp":
            return None
        asn = self._dialect(host).get_bgp_asn(self.inp.configs.get(host, ""))
        if side == "PE":
            peer_asn = self._dialect(uplink.ce).get_bgp_asn(self.inp.configs.get(uplink.ce, ""))
        else:
            peer_asn = self.migration.extranet_asn
        if asn is None or peer_asn is None:
            self.risks.append(Risk(f"{host}：未从配置中读到 BGP AS，本步改用静态路由"))
            return None
        return {"asn": asn, "peer": to_address(peer), "peer_asn": peer_asn}

    def _free_vlan(self, host: str, port: str) -> int:
        facts = self._facts(host)
        used = {
            int(i.name.rsplit(".", 1)[1])
            for i in (facts.interfaces if facts else ())
            if i.parent == port and i.name.rsplit(".", 1)[1].isdigit()
        }
        wanted = [v for v in self.policy.zones[Zone.DEDICATED].vlans if v not in used]
        return wanted[0] if wanted else max(used | {199}) + 1

    def _public(self, network: Verdict, uplink: _Uplink | None) -> None:
        if uplink is None or uplink.pe_address is None:
            self.blocked.append(
                f"{network.key}（{network.name}）：本单位尚无可用的电子政务外网接入线路，须先开通"
            )
            return
        old = self._old_lines(network)
        remote = [
            p
            for ln in old
            if ln.host and ln.interface
            for p in self._remote_routes(ln.host, ln.interface)
        ]
        hop = uplink.pe_address.ip
        host = uplink.ce
        if remote:
            self._add_step(
                host,
                "public_zone",
                f"{network.name} 远端网段经外网公用网络区访问",
                [network.key],
                {"routes": [route_context(p, hop) for p in remote]},
                [Check(host, "route", 0, uplink.port, None, str(p), str(hop)) for p in remote],
            )
        for line in old:
            self._shut_line(line, f"{network.name} 并入公用网络区")
            self._cancel_line(line)

    def _internet(self, uplink: _Uplink | None) -> None:
        exits = [e for e in (self.access.exits if self.access else []) if e.own_exit]
        if uplink is None or uplink.pe_address is None:
            self.blocked.append(
                "自建互联网出口：本单位尚无可用的电子政务外网接入线路，须先开通外网接入，"
                "再将互联网访问迁至外网互联网接入区"
            )
            return
        for exit_ in exits:
            if exit_.host is None or exit_.interface is None:
                self.blocked.append(f"自建互联网出口（{exit_.kind}）无设备证据：须现场核实后关闭")
                continue
            iface = self._iface(exit_.host, exit_.interface)
            facts = self._facts(exit_.host)
            if iface is None or facts is None:
                continue
            nat = [
                {
                    "acl": to_name(n.acl, "ACL"),
                    "pool": to_name(n.pool, "address group") if n.pool else None,
                }
                for n in facts.nat
                if n.interface == iface.name and n.kind in ("outbound", "easy_ip") and n.acl
            ]
            subnets = [a.network for a in iface.get_ipv4()]
            routes = [
                static_context(r)
                for r in self._dialect(exit_.host).get_static_routes(
                    self.inp.configs.get(exit_.host, "")
                )
                if r.interface == iface.name
                or (r.next_hop is not None and any(r.next_hop in s for s in subnets))
            ]
            checks = [
                Check(exit_.host, "interface", 0, iface.name, admin_up=False),
                Check(exit_.host, "nat", 0, iface.name, present=False),
            ]
            checks += [
                Check(
                    exit_.host,
                    "route",
                    0,
                    None,
                    r["vpn"],
                    f"{r['prefix']}/{r['prefixlen']}",
                    r["next_hop"],
                    present=False,
                )
                for r in routes
            ]
            self._add_step(
                exit_.host,
                "close_exit",
                f"关闭自建互联网出口 {exit_.host} {iface.name}",
                [exit_.circuit_id or f"{exit_.host}:{exit_.interface}"],
                {
                    "interface": to_interface(iface.name),
                    "nat": nat,
                    "routes": routes,
                    "shutdown": iface.admin_up is not False,
                },
                checks,
            )
            line = next(
                (
                    ln
                    for ln in self.lines
                    if ln.host == exit_.host and ln.interface == exit_.interface
                ),
                None,
            )
            if line is not None:
                self._cancel_line(line)
        host = uplink.ce
        hop = uplink.pe_address.ip
        existing = self._dialect(host).get_static_routes(self.inp.configs.get(host, ""))
        if not any(
            r.prefix.prefixlen == 0 and r.vpn is None and r.next_hop == hop for r in existing
        ):
            self._add_step(
                host,
                "internet_zone",
                "互联网访问改经电子政务外网互联网接入区（默认路由指向外网PE）",
                [f"{self.unit}:internet"],
                {"default": {"vpn": None, "next_hop": to_address(hop)}},
                [Check(host, "route", 0, uplink.port, None, "0.0.0.0/0", str(hop))],
            )
        self.risks.append(
            Risk("关闭自建出口到新默认路由生效之间互联网访问中断（数秒）：须在夜间窗口执行")
        )
        if any(e.host != host for e in exits if e.host):
            self.risks.append(
                Risk(f"内网终端的默认网关须指向外网接入路由器 {host}（原经自建出口设备上网）")
            )


def make_plan(inp: PlanInput, unit: str, taken: Iterable[IPv4Network] = ()) -> Plan:
    """The cutover plan of one unit, from a classification and its snapshot.

    ``taken``: CE-PE links other plans allocated (not on any device yet).
    """
    units = {u.key: u for u in inp.snapshot.units}
    if unit not in units:
        raise PlanError(f"unknown unit {unit!r}: not in the surveyed inventory")
    planner = _Planner(inp, unit, taken)
    planner.plan()
    record = units[unit]
    return Plan(
        unit,
        record.name,
        record.division_code,
        inp.classification.survey_run_id,
        inp.classify_run_id,
        planner.access,
        planner.networks,
        planner.lines,
        list(planner.access.exits if planner.access else []),
        planner.steps,
        list(planner.prechecks.values()),
        planner.risks,
        planner.cancel,
        [
            v
            for v in planner.networks
            if v.target in (Target.RETAIN_NATIONAL, Target.RETAIN_EXCEPTION)
        ],
        [v for v in planner.networks if v.target is Target.REVIEW],
        planner.blocked,
        [
            v
            for v in planner.networks
            if v.rule == "migrated"
            or (
                v.rule in ("extranet-dedicated", "extranet-public")
                and planner._category(v) is Category.EXTRANET
            )
        ],
        planner.links,
    )
