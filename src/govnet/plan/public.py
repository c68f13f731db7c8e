"""A local network into the extranet's public zone. The zone carries only the extranet's
public blocks, so a private LAN gets there by NAT at the CE (to its public-zone link
address) or by renumbering into a subnet of the public pool, as the policy says; never by
a static route for a private block the zone does not carry."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any

from govnet.model.facts import Interface
from govnet.model.plans import Check, Risk, Step
from govnet.model.verdicts import Verdict
from govnet.plan.configsafe import to_address, to_interface
from govnet.plan.steps import Steps, Uplink
from govnet.plan.templates import mask, route_context

NAT_ACCESS = "nat"


class PublicZone(Steps):
    def _public(self, network: Verdict, uplink: Uplink | None) -> None:
        if uplink is None or uplink.pe_address is None:
            self.blocked.append(
                f"{network.key}（{network.name}）：本单位尚无可用的电子政务外网接入线路，须先开通"
            )
            return
        host, hop = uplink.ce, uplink.pe_address.ip
        old = self._old_lines(network)
        zone = self._zone_interface(host, uplink.port)
        skip = {ln.interface for ln in old if ln.host == host and ln.interface}
        lans = self._lans(host, {uplink.port, *(i for i in skip if i)})
        if zone is None or not lans:
            self.blocked.append(
                f"{network.key}（{network.name}）：在 {host} 上未找到"
                + ("公用网络区接口" if zone is None else "本单位局域网网关地址（私有地址）")
                + "，无法确定以地址转换或重新编址接入公用网络区：须现场核实"
            )
            return
        access = self.migration.get_public_access(network.key)
        if access == NAT_ACCESS:
            made = self._public_nat(network, host, hop, zone, lans)
        else:
            made = self._public_renumber(network, uplink, hop, lans)
        if made is None:
            return
        self._public_checks(*made, zone, hop)
        remote = [
            p
            for ln in old
            if ln.host and ln.interface
            for p in self._remote_routes(ln.host, ln.interface)
        ]
        system = self.systems.get(network.system or "")
        probe = system.probe if system is not None else None
        if remote and probe is None:  # make before break: its far side is not there yet
            self.risks.append(
                Risk(
                    f"{network.name} 原经专线访问的远端网段（{', '.join(map(str, remote))}）"
                    "不在公用网络区承载的地址范围内：原线路保留，本方案不关闭、不撤销。"
                    "待主管部门以公用网络区地址提供其服务，并在目录（catalogue）中给出可 ping 的"
                    "服务地址（probe）后，重新生成方案，经公用网络区验证可达再关闭原线路",
                    network.name,
                )
            )
            return
        source = lans[0][1].ip
        proof = [] if probe is None else [self._ping(host, None, source, probe)]
        for line in old:  # shut only once its service answers through the public zone
            self._shut_line(line, f"{network.name} 并入公用网络区", proof)
            self._cancel_line(line)

    def _public_nat(
        self,
        network: Verdict,
        host: str,
        hop: IPv4Address,
        zone: Interface,
        lans: list[tuple[Interface, IPv4Interface]],
    ) -> tuple[Step, IPv4Address] | None:
        """The CE translates the LAN to its public-zone link address: a basic ACL of the LAN
        subnets, NAT outbound on the zone interface, the route to the public blocks."""
        dialect = self._dialect(host)
        config = self.inp.configs.get(host, "")
        facts = self._facts(host)
        existing = [n.acl for n in (facts.nat if facts else ()) if n.acl]
        acl = dialect.get_free_acl(config, existing)
        if acl is None:
            self.blocked.append(
                f"{network.key}（{network.name}）：{host} 的平台未说明如何编号基本ACL"
                "（或编号已用尽），无法生成地址转换配置"
            )
            return None
        marked = self._marked(host, config)
        routes = self._zone_routes(host, hop)
        ctx: dict[str, Any] = {
            "nat": {
                "acl": acl,
                "lans": [
                    {
                        "prefix": to_address(a.network.network_address),
                        "wildcard": to_address(a.network.hostmask),
                        "interface": to_interface(i.name),
                        "marked": (i.name, "inside") in marked,
                    }
                    for i, a in lans
                ],
                "interface": to_interface(zone.name),
                "marked": (zone.name, "outside") in marked,
            },
            "renumber": None,
            "routes": routes,
        }
        checks = [Check(host, "nat", 0, zone.name, present=True)]
        checks += self._route_checks(host, routes)
        step = self._add_step(
            host,
            "public_zone",
            f"{network.name}：本单位局域网经地址转换（{host} 公用网络区接口地址）接入公用网络区",
            [network.key],
            ctx,
            checks,
        )
        self._baseline(host, [i.name for i, _ in lans])
        return step, lans[0][1].ip

    def _public_renumber(
        self,
        network: Verdict,
        uplink: Uplink,
        hop: IPv4Address,
        lans: list[tuple[Interface, IPv4Interface]],
    ) -> tuple[Step, IPv4Address] | None:
        """The LAN takes a new subnet of the public pool: the CE's new gateway address beside
        the old one, the department's hosts move over (a note for them), the routes both
        ways."""
        pool = self.migration.public_pool
        host = uplink.ce
        lan, old = lans[0]
        if pool is None:  # the policy refuses this; a stale object might not
            self.blocked.append(f"{network.key}：策略未设置 migration.public_pool，无法重新编址")
            return None
        subnet = self.registry.allocate_link(self.unit, pool, old.network.prefixlen)
        gateway = next(subnet.hosts())
        routes = self._zone_routes(host, hop)
        ctx: dict[str, Any] = {
            "nat": None,
            "renumber": {
                "interface": to_interface(lan.name),
                "address": to_address(gateway),
                "mask": mask(subnet.prefixlen),
                "prefixlen": subnet.prefixlen,
            },
            "routes": routes,
        }
        checks = [Check(host, "interface", 0, lan.name, address=f"{gateway}/{subnet.prefixlen}")]
        checks += self._route_checks(host, routes)
        step = self._add_step(
            host,
            "public_zone",
            f"{network.name}：本单位局域网重新编址为公用网络区地址 {subnet}"
            f"（{host} 新增网关 {gateway}）",
            [network.key],
            ctx,
            checks,
        )
        ce = self._zone_address(host, uplink.port)
        if uplink.pe is not None and uplink.pe_port is not None and ce is not None:
            back = [route_context(subnet, ce.ip)]
            self._add_step(
                uplink.pe,
                "public_zone",
                f"PE：公用网络区回程路由 {subnet} 指向 {host}",
                [network.key],
                {"nat": None, "renumber": None, "routes": back},
                [Check(uplink.pe, "route", 0, None, None, str(subnet), str(ce.ip))],
            )
        dhcp = f"DHCP 地址池（作用域）改为 {subnet}，网关改为 {gateway}"
        self.risks.append(
            Risk(
                f"{network.name} 重新编址，须由本单位完成：{dhcp}；"
                f"固定地址的终端、服务器、打印机逐台改为 {subnet} 内地址；"
                f"原网段 {old.network} 的网关 {old.ip} 在全部终端迁移后再删除",
                network.name,
            )
        )
        return step, gateway

    def _public_checks(
        self, step: Step, source: IPv4Address, zone: Interface, hop: IPv4Address
    ) -> None:
        """Traffic: the LAN's address reaches the public zone after the step; before it, the
        zone link itself answers (so a failing check afterwards is the step's fault) and no
        NAT stands on the zone interface yet."""
        host, target = step.host, self.migration.public_probe or hop
        step.checks.append(
            Check(**{**self._ping(host, None, source, target).__dict__, "step": step.number})
        )
        link = self._zone_address(host, zone.name)
        if link is not None:
            self.prechecks[(host, "ping", None, str(target))] = self._ping(
                host, None, link.ip, target
            )
        facts = self._facts(host)
        if facts is not None and not any(n.interface == zone.name for n in facts.nat):
            self.prechecks[(host, "nat", zone.name, None)] = Check(
                host, "nat", 0, zone.name, present=False
            )

    def _zone_interface(self, host: str, port: str) -> Interface | None:
        """The CE's global-table interface on its extranet port: the port or its public-zone
        sub-interface, the one with an address."""
        facts = self._facts(host)
        for iface in facts.interfaces if facts else ():
            on_port = iface.name == port or iface.parent == port
            if on_port and iface.vpn_instance is None and iface.get_ipv4():
                return iface
        return None

    def _zone_address(self, host: str, port: str) -> IPv4Interface | None:
        iface = self._zone_interface(host, port) or self._iface(host, port)
        addresses = iface.get_ipv4() if iface is not None else []
        return addresses[0] if addresses else None

    def _lans(self, host: str, skip: set[str]) -> list[tuple[Interface, IPv4Interface]]:
        """The unit's LAN gateways on the CE: global-table, not shut, private subnets of
        more than a link (a /30 is a line), not the extranet port or the old lines."""
        facts = self._facts(host)
        blocks = [*self.policy.address_blocks.extranet_public, *self.policy.address_blocks.intranet]
        found = []
        for iface in facts.interfaces if facts else ():
            if iface.vpn_instance is not None or iface.admin_up is False:
                continue
            if iface.kind == "loopback" or iface.name in skip or iface.parent in skip:
                continue
            for address in iface.get_ipv4()[:1]:
                net = address.network
                if net.prefixlen > 29 or not net.is_private:
                    continue
                if any(net.overlaps(b) for b in blocks):
                    continue
                found.append((iface, address))
        return found

    def _zone_routes(self, host: str, hop: IPv4Address) -> list[dict[str, Any]]:
        """Routes to the extranet's public blocks through the PE, where the CE has none
        through it (a default route to the PE will do)."""
        facts = self._facts(host)
        have = [
            IPv4Network(r.prefix)
            for r in (facts.routes if facts else ())
            if r.vpn_instance is None and str(hop) in r.next_hops
        ]
        return [
            route_context(block, hop)
            for block in self.policy.address_blocks.extranet_public
            if not any(block.subnet_of(p) for p in have)
        ]

    @staticmethod
    def _route_checks(host: str, routes: list[dict[str, Any]]) -> list[Check]:
        return [
            Check(
                host, "route", 0, None, None, f"{r['prefix']}/{r['prefixlen']}", str(r["next_hop"])
            )
            for r in routes
        ]

    def _marked(self, host: str, config: str) -> set[tuple[str, str]]:
        """Interfaces the running configuration already marks as NAT inside or outside (IOS
        needs the marks; a rollback must not take away one it did not add)."""
        tree = self._dialect(host).get_hconfig(config)
        out = set()
        for iface in tree.get_children(startswith="interface "):
            name = iface.text.split(" ", 1)[1]
            for side in ("inside", "outside"):
                if iface.get_child(equals=f"ip nat {side}") is not None:
                    out.add((name, side))
        return out
