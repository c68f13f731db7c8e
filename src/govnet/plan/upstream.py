"""The PE's hand-off of a dedicated-zone VPN to the city (policy ``migration.upstream``;
VPNv4: govnet.plan.vpnv4).

A VPN built only between CE and PE goes nowhere: the district PE must hand it upstream.
Option A: one dot1q sub-interface per VPN on the PE's uplink to the city, a /30 each, static
routes both ways (the system's prefixes toward the city, the CE's business prefixes toward the
CE). The city's end is someone else's device: the plan asks its operator for it, every value
filled in, before the PE step, whose ping to the city's address proves it was done.
"""

from __future__ import annotations

from ipaddress import IPv4Interface, IPv4Network
from typing import Any

from govnet.model.plans import Check, CityRequest, Risk
from govnet.model.policy import Category, Upstream
from govnet.model.verdicts import Verdict
from govnet.plan.configsafe import to_address, to_description, to_interface
from govnet.plan.steps import WHY_VERIFY, Handoff
from govnet.plan.templates import PlanError, mask, route_context
from govnet.plan.vpnv4 import Vpnv4Steps


class UpstreamSteps(Vpnv4Steps):
    def _upstream_policy(self, network: Verdict) -> Upstream | None:
        """The policy's hand-off, or None with the plan blocked saying why."""
        upstream = self.migration.upstream
        where = f"{network.key}（{network.name}）"
        if upstream is None:
            self.blocked.append(
                f"{where}：playbooks/policy.yaml 的 migration.upstream 未填写，"
                "不知道专用网络区如何从区县PE接入市级节点：PE 上联无法生成"
            )
            return None
        return upstream

    def _pe_uplink(self, pe: str) -> str | None:
        """The PE's own extranet line toward the city: a line of the extranet whose near
        end is the PE (its downlinks to departments have the department's CE as near end)."""
        for line in self.inp.classification.lines:
            system = self.systems.get(line.system or "")
            if (
                line.host == pe
                and line.interface
                and system is not None
                and system.category is Category.EXTRANET
                and line.rule != "zombie"
            ):
                return line.interface
        return None

    def _business_prefixes(self, old: list[Verdict]) -> list[IPv4Network]:
        """The CE side's business subnets: what the old lines' routers have on their other
        interfaces in the line's table (its LAN), neither a line, nor a loopback."""
        out: list[IPv4Network] = []
        for ln in old:
            if ln.host is None or ln.interface is None:
                continue
            facts = self._facts(ln.host)
            port = self._iface(ln.host, ln.interface)
            if facts is None or port is None:
                continue
            for iface in facts.interfaces:
                if (
                    iface.name == port.name
                    or iface.parent == port.name
                    or (ln.host, iface.name) in self.line_ports
                    or (iface.parent and (ln.host, iface.parent) in self.line_ports)
                    or iface.vpn_instance != port.vpn_instance
                ):
                    continue
                for address in iface.get_ipv4():
                    if address.network.prefixlen < 32 and address.network not in out:
                        out.append(address.network)
        return out

    def _handoff(
        self,
        network: Verdict,
        pe: str,
        vpn: str,
        rd: str,
        remote: list[IPv4Network],
        business: list[IPv4Network],
        upstream: Upstream,
    ) -> Handoff | None:
        """The PE's Option A hand-off of ``vpn`` (new, or the surveyed one reused) and the
        city's request; None with the plan blocked saying why."""
        where = f"{network.key}（{network.name}）"
        uplink = self._pe_uplink(pe)
        if uplink is None:
            self.blocked.append(
                f"{where}：未找到 PE {pe} 至市级节点的外网上联（台账中以 {pe} 为本端的外网线路）："
                "专用网络区无法接入市级节点，须先在台账中登记该上联"
            )
            return None
        if upstream.handoff == "vpnv4":
            return self._handoff_vpnv4(network, pe, uplink, vpn, rd, remote, business, upstream)
        facts = self._facts(pe)
        existing = next(
            (
                i
                for i in (facts.interfaces if facts else ())
                if i.parent == uplink and i.vpn_instance == vpn and i.get_ipv4()
            ),
            None,
        )
        sub: dict[str, Any] | None = None
        if existing is not None:  # the VPN already goes upstream here: reuse it
            mine = existing.get_ipv4()[0]
            name = existing.name
            vlan = existing.vlan or int(name.rsplit(".", 1)[-1])
            city = next(h for h in mine.network.hosts() if h != mine.ip)
        else:
            try:
                vlan = self.registry.allocate_vlan(
                    self.unit, [(pe, uplink)], upstream.vlan_pool, beyond=False
                )
            except PlanError as exc:
                self.blocked.append(
                    f"{where}：PE {pe} 上联 {uplink} 的 VLAN 池 {upstream.vlans} 已用尽（{exc}）"
                )
                return None
            link = self.registry.allocate_link(
                self.unit, upstream.link_pool or self.migration.link_pool
            )
            self.links.append(link)
            city, pe_ip = list(link.hosts())[:2]
            mine = IPv4Interface(f"{pe_ip}/{link.prefixlen}")
            name = f"{uplink}.{vlan}"
            limit = self._dialect(pe).description_max
            sub = {
                "name": to_interface(name),
                "parent": to_interface(uplink),
                "vlan": vlan,
                "description": to_description(f"To-City-{vpn}", limit),
                "address": to_address(mine.ip),
                "mask": mask(mine.network.prefixlen),
                "prefixlen": mine.network.prefixlen,
            }
        have = {r.prefix for r in (facts.routes if facts else ()) if r.vpn_instance == vpn}
        to_city = [p for p in remote if str(p) not in have]
        checks = [
            Check(
                pe,
                "interface",
                0,
                name,
                vpn,
                up=True,
                address=str(mine),
                why=WHY_VERIFY if existing is not None else None,
                vlan=vlan,
            ),
            *(Check(pe, "route", 0, name, vpn, str(p), str(city)) for p in to_city),
            # The city's end answers only once its operator has done the request.
            self._ping(pe, vpn, mine.ip, city),
        ]
        if not business:
            self.risks.append(
                Risk(
                    f"{network.name}：原线路设备上未见本单位业务网段（其接口不在原线路的路由表），"
                    f"PE {pe} 与市级节点均未配置回程路由：须人工核对业务网段后补充"
                )
            )
        request = CityRequest(
            network.name,
            pe,
            uplink,
            vlan,
            str(vpn),  # plain text: the request is data, not a template value
            str(rd),
            str(rd),
            f"{city}/{mine.network.prefixlen}",
            str(mine.ip),
            [str(p) for p in business],
            existing is None,
            0,
        )
        return Handoff(sub, [route_context(p, city) for p in to_city], checks, request)
