"""The migration approaches: a business network carried as a dedicated-zone VPN (PE and CE),
a local network reached through the public zone, own internet exits closed for the
extranet's internet zone."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from govnet.model.facts import Interface
from govnet.model.plans import Check, Risk
from govnet.model.policy import Zone
from govnet.model.verdicts import Verdict
from govnet.plan.configsafe import (
    to_address,
    to_description,
    to_interface,
    to_name,
    to_route_target,
)
from govnet.plan.lanmove import LanMoves
from govnet.plan.public import PublicZone
from govnet.plan.steps import WHY_EXIT, WHY_VERIFY, WHY_VPN, Uplink
from govnet.plan.templates import mask, route_context, static_context
from govnet.plan.upstream import UpstreamSteps


class Approaches(PublicZone, UpstreamSteps, LanMoves):
    def _dedicated(self, network: Verdict, uplink: Uplink | None) -> None:
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
        clash = self.registry.get_vpn_clash(self.unit, name, rd, [rd])
        if clash is not None:  # anywhere in the district, not only on this PE and CE
            kind, value, holder = clash
            self.blocked.append(
                f"{network.key}（{network.name}）：拟用的 {kind.upper()} {value}（VPN {name}）"
                f"已被{holder.describe()}使用，两个 VPN 的路由会相混："
                "须先调整目录 vpn_id 或核对该 VPN"
            )
            return
        upstream = self._upstream_policy(network)
        if upstream is None:
            return
        create: dict[str, bool] = {}
        for host in (uplink.pe, uplink.ce):
            state = self._vpn_state(network, host, name, rd)
            if state is None:
                return
            create[host] = state
        moves = self._find_moves(network, uplink, old)
        if moves is None:
            return
        by_host: dict[str, list[IPv4Network]] = {}
        for ln in old:
            if ln.host and ln.interface:
                by_host.setdefault(ln.host, []).extend(self._remote_routes(ln.host, ln.interface))
        remote = list(dict.fromkeys(by_host.pop(uplink.ce, [])))
        for there in by_host.values():  # the old lines' other routers: their business moves
            remote += [p for p in there if p not in remote]  # to the CE (lanmove)
        business = self._business_prefixes(old)
        handoff = self._handoff(network, uplink.pe, name, rd, remote, business, upstream)
        if handoff is None:
            return
        self.registry.hold_vpn(self.unit, name, rd, [rd])
        reuse = None if any(create.values()) else self._existing_link(uplink, name)
        vlan: int | None = None
        if reuse is None:
            link = self._allocate_link()
            pe_ip, ce_ip = list(link.hosts())[:2]
            vlan = self.registry.allocate_vlan(
                self.unit,
                [(uplink.ce, uplink.port), (uplink.pe, uplink.pe_port)],
                self.policy.zones[Zone.DEDICATED].vlans,
            )
            subs = {"PE": f"{uplink.pe_port}.{vlan}", "CE": f"{uplink.port}.{vlan}"}
        else:  # the VPN already runs between CE and PE: verified, never built twice
            subs = {"CE": reuse[0].name, "PE": reuse[1].name}
            ce_ip, pe_ip = reuse[0].get_ipv4()[0].ip, reuse[1].get_ipv4()[0].ip
            link = reuse[0].get_ipv4()[0].network
        handoff.request.routes.append(str(link))  # the CE's proof pings from its link address
        upstream_words = (
            f"上联市级 VLAN {handoff.request.vlan}"
            if handoff.vpnv4 is None
            else f"经 MP-BGP VPNv4 接入市级路由反射器 {handoff.request.reflector}"
        )
        sides = [
            (uplink.pe, uplink.pe_port, pe_ip, ce_ip, uplink.ce, "PE"),
            (uplink.ce, uplink.port, ce_ip, pe_ip, uplink.pe, "CE"),
        ]
        for host, port, mine, theirs, peer_host, side in sides:
            limit = self._dialect(host).description_max
            sub = subs[side]
            routes = remote if side == "CE" else business  # the PE: back to the CE's LAN
            facts = self._facts(host)
            have = {r.prefix for r in (facts.routes if facts else ()) if r.vpn_instance == name}
            ctx = {
                "side": side.lower(),
                "vpn": {
                    "name": name,
                    "create": create[host],
                    "description": to_description(f"专用网络区 {network.name}", limit),
                    "rd": rd,
                    "rt": rd,
                },
                "sub": None
                if vlan is None
                else {
                    "name": to_interface(sub),
                    "parent": to_interface(port),
                    "vlan": vlan,
                    "description": to_description(f"To-{peer_host}-{name}", limit),
                    "address": to_address(mine),
                    "mask": mask(30),
                    "prefixlen": 30,
                },
                "routes": [route_context(p, theirs) for p in routes if str(p) not in have]
                + (handoff.routes if side == "PE" else []),
                "upstream": handoff.sub if side == "PE" else None,
                "vpnv4": handoff.vpnv4 if side == "PE" else None,
                "bgp": self._bgp(host, side, theirs, uplink),
                "rebind": [],
            }
            verify = WHY_VERIFY if vlan is None else None  # the VPN exists: its state verified
            checks = [
                Check(
                    host, "vpn", 0, vpn=name, route_distinguisher=rd, route_target=rd, why=WHY_VPN
                ),
                Check(
                    host,
                    "interface",
                    0,
                    sub,
                    name,
                    up=True,
                    address=f"{mine}/{link.prefixlen}",
                    why=verify,
                    vlan=vlan,
                ),
            ]
            checks += [
                Check(host, "route", 0, sub, name, str(p), str(theirs), why=verify) for p in routes
            ]
            if side == "CE":  # the link is whole once its second end is built: traffic
                checks.append(self._ping(host, name, mine, theirs))  # crosses the carrier
                if system.probe is not None:  # and the new path reaches the system (make)
                    checks.append(self._ping(host, name, mine, system.probe))
            else:  # the city's side is asked for before this step: its ping proves it done
                checks += handoff.checks
                if handoff.vpnv4 is not None and system.probe is not None:  # (VPNv4: the
                    checks.append(self._ping(host, name, mine, system.probe))  # system's)
                self.requests.append(replace(handoff.request, before_step=len(self.steps) + 1))
            self._add_step(
                host,
                "dedicated_vpn",
                (
                    f"{side}：建立专用网络区VPN {name}（{network.name}），子接口 {sub} VLAN {vlan}"
                    if vlan is not None
                    else f"{side}：核验已有的专用网络区VPN {name}（{network.name}，子接口 {sub}），"
                    "补充缺少的路由并以流量验证"
                )
                + (f"，{upstream_words}" if side == "PE" else ""),
                [network.key],
                ctx,
                checks,
                handoff.session if side == "PE" else None,
            )
        self._move_business(network, moves, uplink, name)
        request = self.requests[-1]
        self.risks.append(
            Risk(
                f"{network.name}：市级外网运营方须在步骤 {request.before_step} 之前完成"
                f"本方案所列的市级配合事项（VPN {name}、"
                + (
                    f"上联子接口 VLAN {request.vlan}、回程路由）：未完成时该步骤到市级节点的"
                    " ping 检查失败，步骤自动回退"
                    if handoff.vpnv4 is None
                    else "路由目标的导入导出、VPNv4 对端）：未完成时该步骤的 BGP、路由与 ping"
                    "检查失败，步骤自动回退"
                )
            )
        )

    def _existing_link(self, uplink: Uplink, vpn: str) -> tuple[Interface, Interface] | None:
        """The CE's and the PE's sub-interfaces of their access circuit already in ``vpn``,
        addressed on one subnet and up: the VPN runs between them (DOMAIN.md: reuse it)."""
        ce, pe = self._facts(uplink.ce), self._facts(uplink.pe or "")
        if ce is None or pe is None:
            return None
        for mine in ce.interfaces:
            if mine.parent != uplink.port or mine.vpn_instance != vpn or not mine.get_ipv4():
                continue
            subnet = mine.get_ipv4()[0].network
            for theirs in pe.interfaces:
                if (
                    theirs.parent == uplink.pe_port
                    and theirs.vpn_instance == vpn
                    and any(a.network == subnet for a in theirs.get_ipv4())
                    and mine.oper_up is not False
                    and theirs.oper_up is not False
                ):
                    return mine, theirs
        return None

    def _vpn_state(self, network: Verdict, host: str, name: str, rd: str) -> bool | None:
        """Whether the step creates the VPN instance (True) or finds it whole (False); None
        when the plan is blocked. An instance of that name without its RD or targets is
        half-built (an interrupted push leaves one): it is created again in full, never taken
        as existing; one that other interfaces already use, or with another RD, is left to
        an engineer."""
        facts = self._facts(host)
        vpn = next((v for v in (facts.vpn_instances if facts else ()) if v.name == name), None)
        if vpn is None:
            return True
        if vpn.route_distinguisher not in (None, rd):
            self.blocked.append(
                f"{network.key}：{host} 上已有 VPN {name}，其 RD 为 {vpn.route_distinguisher}"
                f"（应为 {rd}）：须人工核对后处理"
            )
            return None
        missing = [
            what
            for what, there in (
                ("RD", vpn.route_distinguisher == rd),
                ("入方向 RT", rd in vpn.import_targets),
                ("出方向 RT", rd in vpn.export_targets),
            )
            if not there
        ]
        if not missing:
            return False
        bound = [i.name for i in (facts.interfaces if facts else ()) if i.vpn_instance == name]
        if bound:
            self.blocked.append(
                f"{network.key}：{host} 上的 VPN {name} 不完整（缺少 {'、'.join(missing)}），"
                f"且已有接口 {'、'.join(bound)} 绑定：可能是中断的推送留下的，"
                "须先运行 govnet push status 查明并恢复"
            )
            return None
        self.risks.append(
            Risk(
                f"{host} 上的 VPN {name} 不完整（缺少 {'、'.join(missing)}），视为未建："
                "本计划重新完整配置，回退时删除；可能是中断的推送留下的，"
                "请运行 govnet push status 核对"
            )
        )
        return True

    def _bgp(self, host: str, side: str, peer: IPv4Address, uplink: Uplink) -> Any:
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

    def _internet(self, uplink: Uplink | None) -> None:
        exits = [e for e in (self.access.exits if self.access else []) if e.own_exit]
        if uplink is None or uplink.pe_address is None:
            self.blocked.append(
                "自建互联网出口：本单位尚无可用的电子政务外网接入线路，须先开通外网接入，"
                "再将互联网访问迁至外网互联网接入区"
            )
            return
        host = uplink.ce  # make before break: the new default first, then the exits go
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
                Check(exit_.host, "interface", 0, iface.name, admin_up=False, why=WHY_EXIT),
                Check(exit_.host, "nat", 0, iface.name, present=False, why=WHY_EXIT),
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
                    why=WHY_EXIT,
                )
                for r in routes
            ]
            lan = self._lan_source(exit_.host, iface.name)
            if exit_.host != host:  # its LAN's gateway: the default now via the CE (make)
                via = self._lan_neighbour(exit_.host, host)
                if via is None:
                    self.risks.append(
                        Risk(
                            f"内网终端的默认网关须改指外网接入路由器 {host}"
                            f"（原经自建出口设备 {exit_.host} 上网，两者不在同一局域网）"
                        )
                    )
                else:
                    self._add_step(
                        exit_.host,
                        "internet_zone",
                        f"{exit_.host} 的局域网改经外网接入路由器 {host} 上网"
                        f"（默认路由指向 {via}）",
                        [f"{self.unit}:internet"],
                        {"default": {"vpn": None, "next_hop": to_address(via)}},
                        [Check(exit_.host, "route", 0, None, None, "0.0.0.0/0", str(via))],
                    )
            probe = self.migration.internet_probe
            if probe is not None and lan is not None:  # the LAN still reaches the internet
                checks.append(self._ping(exit_.host, None, lan, probe))
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
        self.risks.append(
            Risk(
                "新默认路由先于关闭自建出口生效：关闭出口时经该出口的会话中断（数秒），须在夜间窗口执行"
            )
        )

    def _lan_source(self, host: str, exit_port: str) -> IPv4Address | None:
        """The router's own address on its LAN (a global interface that is no line's, no
        loopback): where its terminals' internet traffic comes from."""
        facts = self._facts(host)
        for iface in facts.interfaces if facts else ():
            if (
                iface.vpn_instance is None
                and iface.name != exit_port
                and iface.parent is None
                and iface.kind != "loopback"
                and (host, iface.name) not in self.line_ports
                and iface.admin_up is not False
            ):
                addresses = [a for a in iface.get_ipv4() if a.network.prefixlen < 32]
                if addresses:
                    return addresses[0].ip
        return None

    def _lan_neighbour(self, host: str, ce: str) -> IPv4Address | None:
        """The CE's address on a LAN it shares with ``host`` (global tables)."""
        mine = self._facts(host)
        nets = [
            a.network
            for i in (mine.interfaces if mine else ())
            if i.vpn_instance is None
            for a in i.get_ipv4()
            if a.network.prefixlen < 31
        ]
        found = self._lan_of(ce, nets)
        return found[1].ip if found else None
