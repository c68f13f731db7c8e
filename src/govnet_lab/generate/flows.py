"""The business flows of a district's ground truth: what each unit's routers must reach (the
extranet's public zone, its dedicated-zone VPN, the internet through the exit it uses, its
vertical system's servers) and what must never work (classified business or a police network
to the extranet),
each with the routers it crosses.

Written from what the generator decided, never by asking the data plane: the lab's answer is
checked against this, so it cannot be its source.
"""

from __future__ import annotations

from govnet_lab.district import FlowTruth
from govnet_lab.generate.plans import LinePlan
from govnet_lab.generate.upstream import (
    CITY,
    INTERNET,
    UpstreamBuilder,
    get_carrier_node,
    get_system_node,
)
from govnet_lab.model import Device, link_end, link_host

# Vertical networks that must stay apart from the extranet, as classified business does: the
# police network (公安信息网) is run separately by the Ministry of Public Security and is never
# to be joined to the e-government extranet (DOMAIN.md: "classified business and police
# networks are never touched over the network").
ISOLATED = {"gongan": "police network: never the extranet"}


class FlowPlanner(UpstreamBuilder):
    """Writes the flows once every line and the upstream side are built."""

    def _get_flows(self) -> list[FlowTruth]:
        flows: dict[tuple[str, str, str], FlowTruth] = {}

        def add(flow: FlowTruth) -> None:
            flows.setdefault((flow.host, flow.source, flow.destination), flow)

        exit_path = self._county_exit_path()
        for plan in self.plans:
            if not plan.on_device or plan.zombie or plan.ledger_only or plan.host is None:
                continue
            device = self.devices[plan.host]
            lan = self._lan_address(device)
            if plan is self.breach_plan:
                add(self._breach_flow(plan, device))
                continue
            if lan is None:
                continue
            category = plan.system.category
            if category == "extranet":
                for flow in self._extranet_flows(plan, device, lan, exit_path):
                    add(flow)
            elif category == "internet" and plan.unit != self.core_unit:
                path = [plan.host, get_carrier_node(self._carrier(plan)), INTERNET]
                add(self._flow(plan, "internet", lan, None, "internet", path, "own exit"))
            elif category == "intranet":
                add(self._isolation_flow(plan, lan, "classified: never the extranet"))
                path = [plan.host, get_system_node(plan.system.key)]
                key = f"system:{plan.system.key}"
                add(self._flow(plan, "intranet", lan, None, key, path, "classified business"))
            elif plan.terminal is not None or (
                category != "internet" and plan.vpn_instance is None
            ):  # from the LAN in the line's table, or its own segment in the line's VPN
                if plan.terminal is None and plan.system.key in ISOLATED:
                    add(self._isolation_flow(plan, lan, ISOLATED[plan.system.key]))
                path = [plan.host, get_system_node(plan.system.key)]
                reason = f"{plan.system.name} over its own line" + (
                    ", from its business segment" if plan.terminal else ""
                )
                source = plan.terminal.split("/")[0] if plan.terminal else lan
                key = f"system:{plan.system.key}"
                add(self._flow(plan, "vertical", source, plan.vpn_instance, key, path, reason))
        return list(flows.values())

    def _extranet_flows(
        self, plan: LinePlan, device: Device, lan: str, exit_path: list[str] | None
    ) -> list[FlowTruth]:
        assert plan.host is not None
        core = self.attached.get(plan.unit) if plan.unit != self.core_unit else None
        to_city = [plan.host, *([core] if core else []), CITY]
        upstream = plan.host if core is None else core
        works = upstream in self.uplinks or (core is None and plan.unit != self.core_unit)
        found = [
            self._flow(plan, "extranet_public", lan, None, "city", to_city, "public zone", works)
        ]
        if plan.vpn_instance is not None:
            terminal = next(
                (
                    i
                    for i in device.interfaces
                    if i.vpn_instance == plan.vpn_instance and i.description == "业务专网终端接入"
                ),
                None,
            )
            if terminal is not None and terminal.address is not None:
                found.append(
                    self._flow(
                        plan,
                        "extranet_dedicated",
                        str(terminal.address.ip),
                        plan.vpn_instance,
                        f"city:{plan.vpn_instance}",
                        to_city,
                        "dedicated zone VPN",
                        works,
                    )
                )
        if plan.unit in self.unified_units and exit_path is not None:
            if plan.unit == self.core_unit:
                if plan.host == exit_path[0]:
                    found.append(
                        self._flow(
                            plan, "internet", lan, None, "internet", exit_path, "unified exit"
                        )
                    )
            elif core is not None:
                path = [plan.host, core, *exit_path[exit_path[0] == core :]]
                found.append(
                    self._flow(plan, "internet", lan, None, "internet", path, "unified exit")
                )
        return found

    def _county_exit_path(self) -> list[str] | None:
        """The county node's exit: core, firewall, internet router, carrier, the internet."""
        if len(self.exit_chain) < 2:
            return None
        router = self.exit_chain[-1]
        line = next(
            (
                p
                for p in self.plans
                if p.host == router
                and p.system.category == "internet"
                and p.on_device
                and not p.zombie
            ),
            None,
        )
        if line is None:
            return None
        return [*self.exit_chain, get_carrier_node(self._carrier(line)), INTERNET]

    def _breach_flow(self, plan: LinePlan, device: Device) -> FlowTruth:
        """The classified router's temporary link reaches the extranet: it must not."""
        assert plan.host is not None and plan.interface is not None
        iface = device.get_interface(plan.interface)
        assert iface is not None and iface.address is not None
        peer = self._get_peer(plan.host, plan.interface)
        path = [plan.host, *([peer] if peer else []), CITY]
        return self._flow(
            plan, "isolation", str(iface.address.ip), None, "city", path, "the isolation breach"
        )

    def _isolation_flow(self, plan: LinePlan, lan: str, reason: str) -> FlowTruth:
        """Classified business, or a police network, must never reach the extranet (and here
        cannot)."""
        return self._flow(plan, "isolation", lan, None, "city", [], reason, False)

    def _flow(
        self,
        plan: LinePlan,
        kind: str,
        source: str,
        vpn: str | None,
        server: str,
        path: list[str],
        reason: str,
        works: bool = True,
    ) -> FlowTruth:
        """A flow as built; only an isolation flow is one that must never work."""
        assert plan.host is not None
        reached = self.servers[server]
        return FlowTruth(
            f"{plan.unit}:{kind}:{plan.host}:{source}>{reached.server.address}",
            plan.unit,
            kind,
            plan.host,
            vpn,
            source,
            str(reached.server.address),
            reached.server.name,
            kind != "isolation",
            works,
            path if works else [],
            reason,
        )

    def _get_peer(self, host: str, interface: str) -> str | None:
        """The lab router at the other end of a port's link, if any."""
        here = link_end(host, interface)
        for link in self.links.values():
            other = link.get_peer(here)
            if other is not None and link_host(other) in self.devices:
                return link_host(other)
        return None

    def _lan_address(self, device: Device) -> str | None:
        port = self.lan_ports.get(device.hostname)
        iface = device.get_interface(port) if port else None
        return str(iface.address.ip) if iface is not None and iface.address else None

    def _carrier(self, plan: LinePlan) -> str:
        far = next(
            f for f in self.far_ends if f.host == plan.host and f.interface == plan.interface
        )
        return far.reach.split(":", 1)[1]
