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

from govnet.model.plans import Check, CityRequest, Risk
from govnet.model.policy import Upstream
from govnet.model.verdicts import Verdict
from govnet.plan.configsafe import to_address, to_interface
from govnet.plan.steps import Handoff, Steps

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
        peers = [
            {"address": to_address(rr), "new": str(rr) not in seen}
            for rr in upstream.route_reflectors
        ]
        new = [p for p in peers if p["new"]]
        context = {
            "asn": asn,
            "peer_asn": rr_asn,
            "peers": peers,
            "new_session": bool(new),
            "source": to_interface(loopback.name),
            "lsr_id": to_address(source),
            "uplink": to_interface(uplink),
            "max_hop": MAX_HOP if rr_asn != asn else None,
        }
        checks = [
            *(Check(pe, "bgp", 0, next_hop=str(rr)) for rr in upstream.route_reflectors),
            *(Check(pe, "route", 0, None, vpn, str(p)) for p in remote),
        ]
        if new:
            self.risks.append(
                Risk(
                    f"{network.name}：PE {pe} 新建至市级路由反射器"
                    f" {'、'.join(str(p['address']) for p in new)} 的 MP-BGP VPNv4 会话"
                    f"（源地址环回 {source}，并启用 MPLS/LDP）：其环回地址须已在骨干路由中"
                    "互通，市级须同时配置对端，否则会话不能建立、本步骤自动回退。该会话为此 PE 上"
                    "所有专用网络区 VPN 共用：同批方案中其他单位的 VPN 也经它上联，回退本方案会删除"
                    "该会话，回退前须确认此 PE 上没有其他已实施的方案"
                )
            )
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
            new_peer=bool(new),
        )
        return Handoff(None, [], checks, request, context)
