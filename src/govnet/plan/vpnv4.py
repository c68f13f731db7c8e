"""The PE's hand-off of a dedicated-zone VPN to the city over MP-BGP VPNv4 (policy
``migration.upstream.handoff: vpnv4``): no sub-interface and no static route upstream; the
PE's VPN instance (RD and target from the catalogue, allocated and clash-checked by the
caller from the district registry) is redistributed into BGP (its routes to the CE's
business subnets, its CE link), and the VPNv4 session from the PE's loopback to each of the
city's route reflectors is added unless the survey saw it (with MPLS and LDP on the PE and
its uplink, which such a session needs). The city is asked to import and export the VPN's
target and, for a new session, to peer back. The step proves it: each session Established,
the system's prefixes in the VPN (learned from the city), a ping in the VPN (approaches).
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import Any

from govnet.model.plans import Check, CityRequest, Risk, SharedSession
from govnet.model.policy import Upstream
from govnet.model.verdicts import Verdict
from govnet.plan.configsafe import to_address, to_interface
from govnet.plan.steps import Handoff, Steps
from govnet.plan.templates import render_approach

MAX_HOP = 255  # ebgp-max-hop / ebgp-multihop between loopbacks of another AS


class Vpnv4Steps(Steps):
    def _handoff_vpnv4(
        self,
        network: Verdict,
        pe: str,
        uplink: str,
        vpn: str,
        rd: str,
        remote: list[IPv4Network],
        business: list[IPv4Network],
        upstream: Upstream,
    ) -> Handoff | None:
        """The PE's side of the VPNv4 hand-off and the city's request; None with the plan
        blocked saying why."""
        where = f"{network.key}（{network.name}）"
        facts = self._facts(pe)
        loopback = next(
            (
                i
                for i in (facts.interfaces if facts else ())
                if i.name.lower().startswith("loopback") and i.get_ipv4()
            ),
            None,
        )
        if loopback is None:
            self.blocked.append(
                f"{where}：采集未见 PE {pe} 的环回接口地址，无法以其为源建立至市级路由反射器的"
                " MP-BGP VPNv4 会话：须先配置环回地址并纳入骨干路由"
            )
            return None
        source = loopback.get_ipv4()[0].ip
        asn = self._dialect(pe).get_bgp_asn(self.inp.configs.get(pe, ""))
        asn = asn if asn is not None else self.migration.extranet_asn
        rr_asn = upstream.reflector_asn or self.migration.extranet_asn
        seen = {
            n.peer
            for n in (facts.neighbours if facts else ())
            if n.protocol == "bgp" and n.vpn_instance is None
        }
        unseen = [str(rr) for rr in upstream.route_reflectors if str(rr) not in seen]
        context = {"asn": asn, "peer_asn": rr_asn, "source": to_interface(loopback.name)}
        checks = [
            *(Check(pe, "bgp", 0, next_hop=str(rr)) for rr in upstream.route_reflectors),
            *(Check(pe, "route", 0, None, vpn, str(p)) for p in remote),
        ]
        session = None
        if unseen:
            session = self._session(network, pe, uplink, unseen, source, context)
        reflector: IPv4Address = upstream.route_reflectors[0]
        request = CityRequest(
            network.name,
            pe,
            uplink,
            0,
            str(vpn),
            str(rd),
            str(rd),
            f"{reflector}/32",
            str(source),
            [str(p) for p in business],
            False,
            0,
            handoff="vpnv4",
            reflector=str(reflector),
            pe_asn=asn,
            reflector_asn=rr_asn,
            new_peer=session is not None and session.builder is None,
        )
        return Handoff(None, [], checks, request, context, session)

    def _session(
        self,
        network: Verdict,
        pe: str,
        uplink: str,
        peers: list[str],
        source: IPv4Address,
        context: dict[str, Any],
    ) -> SharedSession | None:
        """The sessions from ``pe`` to ``peers`` the survey did not see, shared by every
        plan on the PE (issue 23): the first plan that needs them (stored and live, or made
        earlier in this run) builds them; a later one depends on it, and says so. None when
        an earlier step of this very plan builds them."""
        builders = [self.registry.get_session_builder(self.unit, pe, p) for p in peers]
        builder = next((b for b in builders if b is not None), None)
        if builder is not None and builder.unit == self.unit and builder.plan_id is None:
            return None  # another network of this plan, on the same PE, builds them first
        for peer in peers:
            self.registry.hold_session(self.unit, pe, peer, build=builder is None)
        platform = self._platform(pe)
        ctx = {
            "session": {
                **context,
                "peers": [to_address(p) for p in peers],
                "lsr_id": to_address(source),
                "uplink": to_interface(uplink),
                "max_hop": MAX_HOP if context["peer_asn"] != context["asn"] else None,
            }
        }
        config = render_approach(self.env, platform, "vpnv4_session", ctx)
        rollback = render_approach(self.env, platform, "vpnv4_session", ctx, rollback=True)
        who = None if builder is None else f"{builder.plan_name}（单位 {builder.unit}）"
        reflectors = "、".join(peers)
        if who is None:
            text = (
                f"{network.name}：PE {pe} 新建至市级路由反射器 {reflectors} 的 MP-BGP VPNv4 会话"
                f"（源地址环回 {source}，并启用 MPLS/LDP）：其环回地址须已在骨干路由中互通，"
                "市级须同时配置对端，否则会话不能建立、本步骤自动回退。该会话为此 PE 上所有专用"
                "网络区 VPN 共用，由本方案建立，同批及以后的方案依赖它；回退本方案时，若此 PE 上"
                "仍有其他已实施的方案使用该会话，会话保留（回退结果会说明），由最后一个回退的方案删除"
            )
        else:
            text = (
                f"{network.name}：PE {pe} 至市级路由反射器 {reflectors} 的 MP-BGP VPNv4 会话"
                f"由{who}建立，本方案依赖它：须在该方案于 {pe} 实施之后推送（之前推送会被拒绝）。"
                "本方案回退时，若已无其他已实施的方案使用该会话，一并删除它"
            )
        self.risks.append(Risk(text))
        return SharedSession(pe, peers, config, rollback, who)
