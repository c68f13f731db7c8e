"""The migration approaches: a business network carried as a dedicated-zone VPN (PE and CE),
a local network reached through the public zone, own internet exits closed for the
extranet's internet zone."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network
from typing import Any

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
from govnet.plan.public import PublicZone
from govnet.plan.steps import Uplink
from govnet.plan.templates import mask, route_context, static_context
from govnet.plan.upstream import UpstreamSteps


class Approaches(PublicZone, UpstreamSteps):
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
        business = self._business_prefixes(old)
        handoff = self._handoff(network, uplink.pe, name, rd, remote, business, upstream)
        if handoff is None:
            return
        self.registry.hold_vpn(self.unit, name, rd, [rd])
        link = self._allocate_link()
        pe_ip, ce_ip = list(link.hosts())[:2]
        vlan = self.registry.allocate_vlan(
            self.unit,
            [(uplink.ce, uplink.port), (uplink.pe, uplink.pe_port)],
            self.policy.zones[Zone.DEDICATED].vlans,
        )
        sides = [
            (uplink.pe, uplink.pe_port, pe_ip, ce_ip, uplink.ce, "PE"),
            (uplink.ce, uplink.port, ce_ip, pe_ip, uplink.pe, "CE"),
        ]
        for host, port, mine, theirs, peer_host, side in sides:
            limit = self._dialect(host).description_max
            sub = f"{port}.{vlan}"
            routes = remote if side == "CE" else business  # the PE: back to the CE's LAN
            ctx = {
                "side": side.lower(),
                "vpn": {
                    "name": name,
                    "create": create[host],
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
                "routes": [route_context(p, theirs) for p in routes]
                + (handoff.routes if side == "PE" else []),
                "upstream": handoff.sub if side == "PE" else None,
                "bgp": self._bgp(host, side, theirs, uplink),
                "rebind": [],
            }
            checks = [
                Check(host, "vpn", 0, vpn=name, route_distinguisher=rd, route_target=rd),
                Check(host, "interface", 0, sub, name, up=True, address=f"{mine}/30"),
            ]
            checks += [Check(host, "route", 0, sub, name, str(p), str(theirs)) for p in routes]
            if side == "CE":  # the link is whole once its second end is built: traffic
                checks.append(self._ping(host, name, mine, theirs))  # crosses the carrier
            else:  # the city's side is asked for before this step: its ping proves it done
                checks += handoff.checks
                self.requests.append(replace(handoff.request, before_step=len(self.steps) + 1))
            self._add_step(
                host,
                "dedicated_vpn",
                f"{side}：建立专用网络区VPN {name}（{network.name}），子接口 {sub} VLAN {vlan}"
                + (f"，上联市级 VLAN {handoff.request.vlan}" if side == "PE" else ""),
                [network.key],
                ctx,
                checks,
            )
        for line in old:
            self._shut_line(line, f"{network.name} 已由专用网络区VPN {name} 承载")
            self._cancel_line(line)
        request = self.requests[-1]
        self.risks.append(
            Risk(
                f"{network.name}：市级外网运营方须在步骤 {request.before_step} 之前完成"
                f"本方案所列的市级配合事项（VPN {name}、上联子接口 VLAN {request.vlan}、"
                "回程路由）：未完成时该步骤到市级节点的 ping 检查失败，步骤自动回退"
            )
        )

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
