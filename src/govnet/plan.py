"""Per-department cutover plans: ordered steps with vendor configs, rollback and checks.

A plan is made from one classification and the survey snapshot it was computed from: the
unit's networks and lines with their targets say *what* moves; the facts (interfaces,
addresses, VPN instances, routes, NAT) and the running configurations say *how*. Each step
is one device and one migration approach (``playbooks/templates/<platform>/<approach>.j2``
and its ``.rollback.j2``), with the checks that prove it worked. The templates print only
values checked by :mod:`govnet.configsafe`: the engine refuses anything else.

Approaches: ``dedicated_vpn`` (carry a business network as a dedicated-zone VPN: PE and CE
side), ``public_zone`` (reach a local network's prefixes through the public zone),
``internet_zone`` (default route toward the extranet), ``close_exit`` (NAT outbound and the
ISP routes off, port shut) and ``decommission_line`` (shut a line's port).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from html import escape
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import yaml
from hier_config import HConfig, get_hconfig
from hier_config import Platform as HierPlatform
from markdown_it import MarkdownIt

from govnet.configsafe import (
    Safe,
    UnsafeValue,
    is_safe,
    to_address,
    to_description,
    to_interface,
    to_name,
    to_route_target,
)
from govnet.model.facts import HostFacts, Interface
from govnet.model.files import get_bundled_root, writing_folder
from govnet.model.plans import Cancel, Check, Plan, Risk, Step
from govnet.model.policy import Category, Policy, Target, Zone
from govnet.model.problems import UsageError
from govnet.model.snapshot import CORE_ROLE, Snapshot
from govnet.model.verdicts import Classification, Verdict

if TYPE_CHECKING:
    from govnet.store import Store

__all__ = [
    "APPROACHES",
    "Cancel",
    "Check",
    "Plan",
    "PlanError",
    "PlanInput",
    "Step",
    "evaluate_checks",
    "get_template_env",
    "make_plan",
    "render_approach",
    "to_push_lines",
]

APPROACHES = ("dedicated_vpn", "public_zone", "internet_zone", "close_exit", "decommission_line")
PLAYBOOKS = Path("playbooks")
TEMPLATES = PLAYBOOKS / "templates"


class PlanError(UsageError):
    """A plan that cannot be made (unknown unit, no classification, no migration policy)."""


@dataclass(frozen=True)
class PlanInput:
    classification: Classification
    snapshot: Snapshot
    configs: Mapping[str, str]  # each host's running configuration, as surveyed
    policy: Policy
    classify_run_id: int | None = None
    template_roots: Sequence[Path] = ()  # playbooks folders before the bundled one

    @cached_property
    def template_env(self) -> jinja2.Environment:
        return get_template_env(self.template_roots)

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


# --- templates -------------------------------------------------------------------------------


def _checked(value: Any) -> Any:
    if value is None or is_safe(value):
        return "" if value is None else value
    raise UnsafeValue("template value", value, "not checked by govnet.configsafe")


def get_template_env(roots: Sequence[Path]) -> jinja2.Environment:
    """Jinja2 over the project's templates, then the bundled ones; unchecked values refused."""
    paths = [*(r / "templates" for r in roots), get_bundled_root() / TEMPLATES]
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in paths]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=_checked,
    )


def render_approach(
    env: jinja2.Environment,
    platform: str,
    approach: str,
    context: Mapping[str, Any],
    *,
    rollback: bool = False,
) -> list[str]:
    """One approach's change (or rollback) for one device, as hierarchical config lines."""
    name = f"{platform}/{approach}{'.rollback' if rollback else ''}.j2"
    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound:
        raise PlanError(f"no template {TEMPLATES / name}") from None
    text = template.render(**context)
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def to_push_lines(config: Sequence[str], platform: str) -> list[str]:
    """Hierarchical config lines as typed into the CLI: each section left with its exit.

    >>> to_push_lines(["interface GE0/0/2", " shutdown", "ip route-static 0.0.0.0 0 1.1.1.1"],
    ...               "huawei")
    ['interface GE0/0/2', ' shutdown', ' quit', 'ip route-static 0.0.0.0 0 1.1.1.1']
    """
    out: list[str] = []
    stack: list[tuple[int, str]] = []  # open sections: (indent, opening line)
    for i, line in enumerate(config):
        depth = _indent(line)
        while stack and depth <= stack[-1][0]:
            out.append(_exit_line(*stack.pop(), platform))
        out.append(line)
        if i + 1 < len(config) and _indent(config[i + 1]) > depth:
            stack.append((depth, line.strip()))
    while stack:
        out.append(_exit_line(*stack.pop(), platform))
    return out


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _exit_line(depth: int, opener: str, platform: str) -> str:
    if platform != "cisco_ios":
        word = "quit"
    elif opener.startswith("address-family"):
        word = "exit-address-family"
    else:
        word = "exit"
    return " " * (depth + 1) + word


HIER_PLATFORMS = {
    "huawei": HierPlatform.HUAWEI_VRP,
    "hp_comware": HierPlatform.HP_COMWARE5,
    "cisco_ios": HierPlatform.CISCO_IOS,
}


def get_hconfig_of(platform: str, text: str | Sequence[str]) -> HConfig:
    """A configuration (running config, or a plan's lines) as a hier_config tree.

    Comware needs help hier_config's driver lacks: its ``#`` lines end a section, and it
    prints some global commands with one leading space right after one (`` ip route-static``
    after an interface is global, not the interface's).

    >>> text = "interface G1/0/1\\n shutdown\\n#\\n ip route-static 0.0.0.0 0 1.1.1.1\\n"
    >>> [c.text for c in get_hconfig_of("hp_comware", text).children]
    ['interface G1/0/1', 'ip route-static 0.0.0.0 0 1.1.1.1']
    """
    if not isinstance(text, str):
        text = "\n".join(text)
    if platform == "hp_comware":
        out, in_section = [], False
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                if not line.startswith(" "):
                    in_section = False
                continue
            if not line.startswith(" "):
                in_section = True
            elif not in_section:
                line = line[1:]
            out.append(line)
        text = "\n".join(out)
    return get_hconfig(HIER_PLATFORMS[platform], text)


# --- reading the snapshot --------------------------------------------------------------------


def _mask(prefixlen: int) -> Safe:
    return to_address(IPv4Network(f"0.0.0.0/{prefixlen}").netmask)


def _route(prefix: IPv4Network, next_hop: IPv4Address) -> dict[str, Any]:
    """A static route as the templates take it."""
    return {
        "prefix": to_address(prefix.network_address),
        "mask": _mask(prefix.prefixlen),
        "prefixlen": prefix.prefixlen,
        "next_hop": to_address(next_hop),
    }


_VRP_STATIC = re.compile(
    r"ip route-static (?:vpn-instance (?P<vpn>\S+) )?(?P<prefix>[\d.]+) (?P<mask>[\d.]+)"
    r"(?: (?P<iface>[A-Za-z][\w/.:-]*))?(?: (?P<nh>[\d.]+))?(?: preference (?P<pref>\d+))?$"
)
_STATIC = {
    # (vpn, prefix, mask or length, outgoing interface, next hop, preference)
    "huawei": _VRP_STATIC,
    "hp_comware": _VRP_STATIC,
    "cisco_ios": re.compile(
        r"ip route (?:vrf (?P<vpn>\S+) )?(?P<prefix>[\d.]+) (?P<mask>[\d.]+)"
        r"(?: (?P<iface>[A-Za-z][\w/.:-]*))?(?: (?P<nh>[\d.]+))?(?: (?P<pref>\d+))?$"
    ),
}


@dataclass(frozen=True)
class _Static:
    vpn: str | None
    prefix: IPv4Network
    next_hop: IPv4Address | None
    interface: str | None
    preference: int | None

    def context(self) -> dict[str, Any]:
        return {
            "vpn": to_name(self.vpn, "VPN instance") if self.vpn else None,
            "prefix": to_address(self.prefix.network_address),
            "mask": _mask(self.prefix.prefixlen),
            "prefixlen": self.prefix.prefixlen,
            "next_hop": to_address(self.next_hop) if self.next_hop else None,
            "interface": to_interface(self.interface) if self.interface else None,
            "preference": self.preference,
        }


def get_static_routes(config: str, platform: str) -> list[_Static]:
    """The static routes a running configuration holds, each as written (parsed, checked)."""
    pattern = _STATIC.get(platform)
    if pattern is None:
        return []
    out = []
    for raw in config.splitlines():
        m = pattern.match(raw.strip())
        if m is None:
            continue
        try:
            prefix = IPv4Network(f"{m['prefix']}/{m['mask']}")
            nh = IPv4Address(m["nh"]) if m["nh"] else None
        except ValueError:
            continue
        out.append(_Static(m["vpn"], prefix, nh, m["iface"], int(m["pref"]) if m["pref"] else None))
    return out


_BGP_AS = re.compile(r"^(?:router )?bgp (\d+)\s*$", re.MULTILINE)


def get_bgp_asn(config: str) -> int | None:
    """The device's own BGP AS, from its running configuration.

    >>> get_bgp_asn("#\\nbgp 65105\\n router-id 1.1.1.1\\n")
    65105
    """
    m = _BGP_AS.search(config)
    return int(m[1]) if m else None


# --- making a plan ---------------------------------------------------------------------------


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
        record = self.hosts[host]
        if record.platform not in HIER_PLATFORMS:
            raise PlanError(f"{host}: no templates for platform {record.platform!r}")
        return record.platform

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
            platform = self._platform(host)
            facts = self._facts(host)
            existing = {v.name for v in (facts.vpn_instances if facts else ())}
            sub = f"{port}.{vlan}"
            routes = remote if side == "CE" else []
            ctx = {
                "side": side.lower(),
                "vpn": {
                    "name": name,
                    "create": name not in existing,
                    "description": to_description(f"专用网络区 {network.name}", platform),
                    "rd": rd,
                    "rt": rd,
                },
                "sub": {
                    "name": to_interface(sub),
                    "parent": to_interface(port),
                    "vlan": vlan,
                    "description": to_description(f"To-{peer_host}-{name}", platform),
                    "address": to_address(mine),
                    "mask": _mask(30),
                    "prefixlen": 30,
                },
                "routes": [_route(p, theirs) for p in routes],
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
        asn = get_bgp_asn(self.inp.configs.get(host, ""))
        if side == "PE":
            peer_asn = get_bgp_asn(self.inp.configs.get(uplink.ce, ""))
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
                {"routes": [_route(p, hop) for p in remote]},
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
                r.context()
                for r in get_static_routes(
                    self.inp.configs.get(exit_.host, ""), self._platform(exit_.host)
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
        existing = get_static_routes(self.inp.configs.get(host, ""), self._platform(host))
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


# --- checking ---------------------------------------------------------------------------------


def evaluate_checks(
    checks: Iterable[Check], facts: Mapping[str, HostFacts]
) -> list[tuple[Check, bool, str]]:
    """Each check against fresh facts: (check, held, what was seen)."""
    out = []
    for check in checks:
        host = facts.get(check.host)
        if host is None:
            out.append((check, False, "no facts for the host"))
            continue
        if check.kind == "interface":
            iface = next((i for i in host.interfaces if i.name == check.interface), None)
            if iface is None:
                out.append((check, False, "interface not found"))
                continue
            held = (
                (check.up is None or iface.oper_up == check.up)
                and (check.admin_up is None or iface.admin_up == check.admin_up)
                and (check.address is None or check.address in iface.addresses)
                and (check.vpn is None or iface.vpn_instance == check.vpn)
            )
            seen = (
                f"admin {'up' if iface.admin_up else 'down'}, oper "
                f"{'up' if iface.oper_up else 'down'}, vpn {iface.vpn_instance}, "
                f"{', '.join(iface.addresses) or 'no address'}"
            )
            out.append((check, held, seen))
        elif check.kind == "route":
            found = [
                r
                for r in host.routes
                if r.prefix == check.prefix
                and r.vpn_instance == check.vpn
                and (check.next_hop is None or check.next_hop in r.next_hops)
            ]
            out.append((check, bool(found) == check.present, f"{len(found)} matching route(s)"))
        elif check.kind == "nat":
            rules = [
                n
                for n in host.nat
                if n.interface == check.interface and n.kind in ("outbound", "easy_ip")
            ]
            out.append((check, bool(rules) == check.present, f"{len(rules)} NAT rule(s)"))
        else:
            out.append((check, False, f"unknown check kind {check.kind}"))
    return out


def get_plan_digest(plan: Plan) -> str:
    """What the plan would change, hashed: two plans with equal digests push the same lines."""
    h = hashlib.sha256()
    for step in plan.steps:
        h.update(f"{step.host}\n{step.approach}\n".encode())
        h.update("\n".join([*step.config, "--", *step.rollback]).encode())
    return h.hexdigest()


# --- writing a plan ---------------------------------------------------------------------------

RUNBOOKS = PLAYBOOKS / "runbooks"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#])")


def _md(value: object) -> str:
    """Text for one Markdown table cell or line: no markup, no line breaks, no raw HTML."""
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def plan_to_markdown(plan: Plan, made_by: str, made_at: str, roots: Sequence[Path] = ()) -> str:
    """plan.md: scope with evidence, risks, checks, steps with configs, lines to cancel."""
    from govnet.model.labels import CARRIER_LABELS, CATEGORY_LABELS, TARGET_LABELS

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(
            [str(r / "runbooks") for r in roots] + [str(get_bundled_root() / RUNBOOKS)]
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["md"] = _md
    carriers = {c.value: label for c, label in CARRIER_LABELS.items()}
    access = plan.access
    if access is None or access.category is None:
        access_text = "未接入电子政务外网"
    else:
        access_text = CATEGORY_LABELS.get(access.category, access.category)

    def evidence(v: Verdict) -> str:
        return "；".join(e.text for e in v.evidence[:3]) + ("…" if len(v.evidence) > 3 else "")

    def money(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    return env.get_template("plan.md.j2").render(
        plan=plan,
        made_by=made_by,
        made_at=made_at,
        access_text=access_text,
        label=lambda t: TARGET_LABELS.get(t, str(t)),
        evidence=evidence,
        money=money,
        carrier=lambda c: carriers.get(c, c or "—"),
        push_lines=to_push_lines,
    )


_HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:2em auto;
max-width:1100px;padding:0 1em;color:#222;line-height:1.5}}
h1{{border-bottom:3px solid #b22;padding-bottom:.3em}}
h2{{border-bottom:1px solid #ccc;margin-top:2em}}
table{{border-collapse:collapse;margin:1em 0;font-size:.92em}}
th,td{{border:1px solid #bbb;padding:.3em .6em;vertical-align:top}} th{{background:#f2f2f2}}
pre{{background:#f7f7f7;border:1px solid #ddd;padding:.8em;overflow-x:auto;font-size:.9em}}
code{{font-family:"DejaVu Sans Mono",Consolas,monospace}}
@media print{{pre{{white-space:pre-wrap}} h3{{page-break-after:avoid}}}}
</style></head><body>
{body}
</body></html>
"""


def markdown_to_html(markdown: str, title: str) -> str:
    """One self-contained page (inline CSS, nothing fetched); raw HTML in the text is escaped."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    return _HTML.format(title=escape(title), body=md.render(markdown))


def checks_to_yaml(plan: Plan) -> str:
    data = {
        "unit": plan.unit,
        "survey_run": plan.survey_run_id,
        "classification": plan.classify_run_id,
        "pre": [c.to_dict() for c in plan.prechecks],
        "post": [c.to_dict() for s in plan.steps for c in s.checks],
    }
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def get_host_parts(plan: Plan) -> dict[str, dict[str, Any]]:
    """Each host's share of the plan as pushed (JSON-ready, kept in the store with the plan):
    platform, the steps, the lines typed (configuration and rollback), pre- and post-checks."""
    parts = {}
    for host in plan.hosts:
        steps = [s for s in plan.steps if s.host == host]
        platform = steps[0].platform
        parts[host] = {
            "platform": platform,
            "steps": [s.number for s in steps],
            "approaches": [s.approach for s in steps],
            "config": to_push_lines(plan.get_config(host), platform),
            "rollback": to_push_lines(plan.get_rollback(host), platform),
            "pre": [c.to_dict() for c in plan.prechecks if c.host == host],
            "post": [c.to_dict() for s in steps for c in s.checks],
        }
    return parts


def get_plan_dir(reports: Path, plan: Plan) -> Path:
    return reports / "plans" / f"{plan.division_code}-{plan.unit}"


def write_plan(
    plan: Plan, reports: Path, made_by: str, made_at: str, roots: Sequence[Path] = ()
) -> Path:
    """Write the plan's folder whole or not at all: built aside, then swapped in."""
    target = get_plan_dir(reports, plan)
    markdown = plan_to_markdown(plan, made_by, made_at, roots)
    html = markdown_to_html(markdown, f"割接方案：{plan.unit_name}")
    with writing_folder(target) as work:
        (work / "plan.md").write_text(markdown, encoding="utf-8")
        (work / "plan.html").write_text(html, encoding="utf-8")
        (work / "checks.yaml").write_text(checks_to_yaml(plan), encoding="utf-8")
        configs = work / "configs"
        configs.mkdir()
        for host, part in get_host_parts(plan).items():
            for name, lines in (
                (f"{host}.cfg", part["config"]),
                (f"{host}.rollback.cfg", part["rollback"]),
            ):
                (configs / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


@dataclass(frozen=True)
class WrittenPlan:
    plan: Plan
    path: Path
    plan_id: int


def plan_store(
    store: Store,
    policy: Policy,
    units: Sequence[str],
    reports: Path,
    *,
    config_commands: Iterable[str],
    classify_run_id: int | None = None,
    made_at: str,
    roots: Sequence[Path] = (),
) -> list[WrittenPlan]:
    """Plans for ``units`` (all units with something to do when empty) from a stored
    classification and its snapshot; each written under ``reports`` and recorded.

    ``config_commands``: how the platforms print their running configuration (collectors).
    """
    from govnet.store import get_os_user

    runs = store.get_classify_runs()
    if classify_run_id is None and runs:
        classify_run_id = runs[-1]["id"]
    run = next((r for r in runs if r["id"] == classify_run_id), None)
    classification = store.get_classification(classify_run_id) if run else None
    if run is None or classification is None:
        which = (
            "no classification yet"
            if classify_run_id is None
            else (f"no classification {classify_run_id}")
        )
        raise PlanError(f"{which}: run `govnet classify` first")
    snapshot = store.get_snapshot(run["survey_run_id"])
    configs = store.get_running_configs(run["survey_run_id"], config_commands)
    taken: set[IPv4Network] = set()
    for row in store.get_plans():
        taken.update(IPv4Network(n) for n in row["detail"].get("links", []))
    known = [u.key for u in snapshot.units]
    unknown = [u for u in units if u not in known]
    if unknown:
        raise PlanError(f"unknown unit(s): {', '.join(unknown)} (see `govnet inventory check`)")
    inp = PlanInput(classification, snapshot, configs, policy, classify_run_id, roots)
    written = []
    for unit in units or known:
        plan = make_plan(inp, unit, taken)
        if not units and not plan.steps and not plan.blocked:
            continue
        path = write_plan(plan, reports, get_os_user(), made_at, roots)
        taken.update(plan.links)
        plan_id = store.add_plan(
            unit,
            classify_run_id,
            str(path),
            get_plan_digest(plan),
            {
                "links": [str(n) for n in plan.links],
                "hosts": plan.hosts,
                "steps": len(plan.steps),
                "blocked": len(plan.blocked),
                "monthly_saving": plan.monthly_saving,
                "annual_saving": plan.annual_saving,
                "cancel": [c.circuit_id or c.key for c in plan.cancel],
                "survey_run": plan.survey_run_id,
                "parts": get_host_parts(plan),
            },
        )
        written.append(WrittenPlan(plan, path, plan_id))
    return written
