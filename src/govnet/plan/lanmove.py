"""Moving a business onto its new dedicated-zone VPN: make before break.

Once the PE and the CE carry the VPN and the CE has proved it by traffic up to the system's
servers, the business's gateway moves into it, the move is proved by traffic from the
gateway's own address, the old line is watched until it carries nothing, and only then is it
shut. How the gateway moves depends on where it is (the old line's router, its table):

- on another router of the unit than the extranet CE: the CE takes the same gateway address
  on a new VLAN of its LAN port in the VPN (``business_gateway``, made first: another VLAN,
  no conflict while the old gateway answers); in the window the system's operator routes the
  business subnets back through the extranet, the department moves the business terminals'
  switch ports into the new VLAN (addresses and gateway unchanged) and the old gateway is
  shut (``retire_gateway``), proved from the CE;
- on the CE, in the old line's own VPN instance (a segment of that business only): the
  interface is rebound into the new VPN with its addresses re-applied (``rebind_business``);
- on the CE in its global table: that LAN also carries the unit's public-zone and internet
  traffic, which moving it would cut: blocked until the business has a VLAN of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address

from govnet.model.facts import Interface
from govnet.model.plans import Check, Risk, SystemRequest
from govnet.model.policy import Zone
from govnet.model.verdicts import Verdict
from govnet.plan.configsafe import to_address, to_description, to_interface, to_name
from govnet.plan.steps import WHY_GATEWAY_VLAN, WHY_QUIET, Steps, Uplink
from govnet.plan.templates import mask

REBIND = "rebind"  # the gateway interface moves into the VPN on the same router
GATEWAY = "gateway"  # the gateway address moves to the CE, on a new VLAN of its LAN port
NOTHING = "nothing"  # no gateway in the old line's table: nothing but the line to retire

# What each way of moving costs the business, as the plan states it.
DOWNTIME = {
    REBIND: "接口改绑VPN后重配地址，两条命令之间业务中断数秒",
    GATEWAY: (
        "自上级系统运维方切换回程路由起，至业务终端交换机端口改入新VLAN、原网关关闭并验证完成，"
        "业务中断约1-2分钟（窗口内连续执行）；终端地址和网关不变"
    ),
    NOTHING: "原线路所在路由表中没有业务网关接口，不中断业务",
}


@dataclass
class Move:
    """How one old line's business moves into the VPN."""

    kind: str  # REBIND, GATEWAY or NOTHING
    line: Verdict
    host: str  # the old line's router
    port: str  # the old line's port there
    table: str | None  # the old line's VPN instance (None: the global table)
    gateways: list[Interface] = field(default_factory=list)  # the business's gateways there
    lan_port: str | None = None  # GATEWAY: the CE's port on the unit's LAN


class LanMoves(Steps):
    def _find_moves(
        self, network: Verdict, uplink: Uplink, old: list[Verdict]
    ) -> list[Move] | None:
        """How each old line's business moves; None with the plan blocked saying why."""
        where = f"{network.key}（{network.name}）"
        moves: list[Move] = []
        for ln in old:
            if ln.host is None or ln.interface is None:
                continue
            port = self._iface(ln.host, ln.interface)
            if port is None:
                continue
            gateways = [
                i
                for i in self._facts(ln.host).interfaces  # type: ignore[union-attr]
                if i.vpn_instance == port.vpn_instance
                and i.name != port.name
                and i.parent != port.name
                and (ln.host, i.name) not in self.line_ports
                and (ln.host, i.parent) not in self.line_ports
                and i.kind != "loopback"
                and i.admin_up is not False
                and any(a.network.prefixlen < 32 for a in i.get_ipv4())
            ]
            move = Move(NOTHING, ln, ln.host, port.name, port.vpn_instance, gateways)
            if not gateways:
                moves.append(move)
                continue
            if ln.host == uplink.ce and port.vpn_instance is None:
                names = "、".join(i.name for i in gateways)
                self.blocked.append(
                    f"{where}：业务网关 {names} 在外网接入路由器 {ln.host} 的全局路由表中，"
                    "与本单位访问公用网络区、互联网的局域网是同一网段：整体迁入专用网络区VPN"
                    "会中断这些访问。须先为该业务划分独立的VLAN和网段（业务终端接入），"
                    "重新采集后再生成方案"
                )
                return None
            if ln.host == uplink.ce:
                move.kind = REBIND
                moves.append(move)
                continue
            others = [
                v.key
                for v in self.lines
                if v.host == ln.host
                and v.network != network.key
                and v.rule != "zombie"
                and v.key != ln.key
            ]
            if others:
                self.blocked.append(
                    f"{where}：原线路设备 {ln.host} 还承载线路 {'、'.join(others)}："
                    "关闭其业务网关会中断这些线路的业务，须人工确定迁移方式"
                )
                return None
            lan = self._lan_port(uplink.ce, gateways)
            if lan is None:
                self.blocked.append(
                    f"{where}：外网接入路由器 {uplink.ce} 上没有与 {ln.host} 的业务网关"
                    f"（{'、'.join(str(a) for i in gateways for a in i.get_ipv4())}）"
                    "同一局域网的接口：须先将业务交换机接至该路由器，重新采集后再生成方案"
                )
                return None
            move.kind, move.lan_port = GATEWAY, lan
            moves.append(move)
        return moves

    def _lan_port(self, host: str, gateways: list[Interface]) -> str | None:
        """The CE's port on the same LAN as the gateways."""
        found = self._lan_of(host, [a.network for i in gateways for a in i.get_ipv4()])
        return found[0].name if found else None

    def _move_business(
        self,
        network: Verdict,
        moves: list[Move],
        uplink: Uplink,
        vpn: str,
    ) -> None:
        """The steps that move each old line's business into ``vpn`` and retire the line."""
        system = self.systems.get(network.system or "")
        probe = system.probe if system is not None else None
        if probe is None:
            self.risks.append(
                Risk(
                    f"{network.name}：目录（playbooks/policy.yaml catalogue）未给出该系统的探测地址"
                    "（probe）：迁移后只能验证到市级节点，业务须由业务人员现场验证"
                )
            )
        for move in moves:
            if move.kind == GATEWAY:
                self._gateway_move(network, move, uplink, vpn, probe)
            elif move.kind == REBIND:
                self._rebind_move(network, move, vpn, probe)
            self.risks.append(Risk(f"{network.name}（{move.line.key}）：{DOWNTIME[move.kind]}"))
            self._shut_line(  # shut only once quiet: whatever moved it, or failed to
                move.line,
                f"{network.name} 已由专用网络区VPN {vpn} 承载",
                guard=[self._quiet(move.host, move.port)],
            )
            self._cancel_line(move.line)

    def _gateway_move(
        self, network: Verdict, move: Move, uplink: Uplink, vpn: str, probe: IPv4Address | None
    ) -> None:
        assert move.lan_port is not None
        ce = uplink.ce
        limit = self._dialect(ce).description_max
        gateways, checks = [], []
        for iface in move.gateways:  # one sub-interface each, on a VLAN free on that port
            address = iface.get_ipv4()[0]
            vlan = self.registry.allocate_vlan(
                self.unit, [(ce, move.lan_port)], self.policy.zones[Zone.DEDICATED].vlans
            )
            name = f"{move.lan_port}.{vlan}"
            gateways.append(
                {
                    "name": to_interface(name),
                    "vlan": vlan,
                    "description": to_description(f"业务网关 {network.name}", limit),
                    "address": to_address(address.ip),
                    "mask": mask(address.network.prefixlen),
                    "prefixlen": address.network.prefixlen,
                }
            )
            checks.append(
                Check(
                    ce,
                    "interface",
                    0,
                    name,
                    vpn,
                    up=True,
                    address=str(address),
                    vlan=vlan,
                    why=WHY_GATEWAY_VLAN,
                )
            )
        self._add_step(
            ce,
            "business_gateway",
            f"业务网关预置：{ce} 局域网口 {move.lan_port} 新建子接口（VLAN "
            f"{'、'.join(str(g['vlan']) for g in gateways)}，VPN {vpn}），"
            f"地址与 {move.host} 上原网关相同",
            [network.key],
            {"vpn": to_name(vpn, "VPN instance"), "gateways": gateways},
            checks,
        )
        self._ask_system(network, move, vpn)
        after = [Check(move.host, "interface", 0, i.name, admin_up=False) for i in move.gateways]
        after += self._proofs(ce, vpn, move.gateways, probe)
        self._add_step(
            move.host,
            "retire_gateway",
            f"业务网关迁移：业务终端交换机端口改入 VLAN {gateways[0]['vlan']}（至 {ce} "
            f"{move.lan_port}）后，关闭 {move.host} 上原网关 "
            f"{'、'.join(i.name for i in move.gateways)}，由 {ce} 验证业务",
            [network.key],
            {"interfaces": [to_interface(i.name) for i in move.gateways]},
            after,
        )

    def _rebind_move(
        self, network: Verdict, move: Move, vpn: str, probe: IPv4Address | None
    ) -> None:
        rebind, checks = [], []
        for iface in move.gateways:
            address = iface.get_ipv4()[0]
            rebind.append(
                {
                    "name": to_interface(iface.name),
                    "address": to_address(address.ip),
                    "mask": mask(address.network.prefixlen),
                    "prefixlen": address.network.prefixlen,
                    "old_vpn": to_name(iface.vpn_instance, "VPN instance")
                    if iface.vpn_instance
                    else None,
                }
            )
            checks.append(
                Check(move.host, "interface", 0, iface.name, vpn, up=True, address=str(address))
            )
        self._ask_system(network, move, vpn)
        checks += self._proofs(move.host, vpn, move.gateways, probe)
        self._add_step(
            move.host,
            "rebind_business",
            f"业务网关迁移：{move.host} 上 {'、'.join(i.name for i in move.gateways)} "
            f"改绑 VPN {vpn}（地址不变），并验证业务",
            [network.key],
            {"vpn": to_name(vpn, "VPN instance"), "rebind": rebind},
            checks,
        )

    def _proofs(
        self, host: str, vpn: str, gateways: list[Interface], probe: IPv4Address | None
    ) -> list[Check]:
        """The business works from its gateway's own address in the VPN: a ping to the
        system's server from each gateway (on ``host``, which holds them now)."""
        if probe is None:
            return []
        return [self._ping(host, vpn, i.get_ipv4()[0].ip, probe) for i in gateways]

    def _quiet(self, host: str, port: str) -> Check:
        """The old line carries nothing any more: its counters watched before it is shut."""
        return Check(
            host,
            "quiet",
            0,
            port,
            seconds=self.migration.quiet_seconds,
            rate=self.migration.quiet_rate,
            before=True,
            why=WHY_QUIET,
        )

    def _ask_system(self, network: Verdict, move: Move, vpn: str) -> None:
        """The system's operator routes the business subnets back through the extranet,
        just before the step that moves the gateway (the next one)."""
        system = self.systems.get(network.system or "")
        port = self._iface(move.host, move.port)
        near = port.get_ipv4()[0].ip if port is not None and port.get_ipv4() else None
        routes = [str(a.network) for i in move.gateways for a in i.get_ipv4()[:1]]
        ledger = self.ledger.get(move.line.key)
        self.system_requests.append(
            SystemRequest(
                network.name,
                system.name if system is not None else network.name,
                str(vpn),  # plain text: the request is data, not a template value
                list(dict.fromkeys(routes)),
                ledger.circuit_id if ledger else move.line.key,
                str(near) if near is not None else None,
                len(self.steps) + 1,
            )
        )
