"""What each line's device says about it (state, routes, NAT, zones, addresses), and the
isolation breaches."""

from __future__ import annotations

from collections import defaultdict
from ipaddress import IPv4Address, IPv4Interface

from govnet.classify.lines import CARRIER_CATEGORIES, WAN_KINDS, Line, nat_text, route_text, vlan_of
from govnet.classify.reconcile import Reconciler
from govnet.model.facts import Interface
from govnet.model.policy import Category, Zone
from govnet.model.verdicts import Breach, Evidence


class Reader(Reconciler):
    def _read_device(self, line: Line) -> None:
        if not line.on_device:
            return
        host = self.hosts[line.host or ""]
        assert host.facts is not None and line.host is not None
        interfaces = self._interfaces(host.hostname)
        mine = [interfaces[n] for n in line.local if n in interfaces]
        names = {i.name for i in mine}
        subnets = [a.network for i in mine for a in self._addresses(i)]
        ups = [i.oper_up for i in mine if i.oper_up is not None]
        line.up = any(ups) if ups else None
        # On another port of a PE, the VPNs it terminates for units are carried on (Option A).
        transit = self.pe_vpns.get(line.host, set()) if not line.remote else set()
        for iface in mine:
            if iface.vpn_instance in transit:  # a PE carrying units' VPNs upstream (Option A)
                line.evidence.append(
                    Evidence(
                        "interfaces",
                        f"carries VPN instance {iface.vpn_instance} upstream for the units"
                        f" {line.host} is the provider edge of",
                        line.host,
                        iface.name,
                    )
                )
                continue
            state = {True: "up", False: "down", None: "state unknown"}[iface.oper_up]
            if iface.admin_up is False:
                state = "shut down"
            details = [state]
            if iface.description:
                details.append(f"description {iface.description!r}")
            if iface.vpn_instance:
                details.append(f"VPN instance {iface.vpn_instance}")
            if iface.addresses:
                details.append("address " + ", ".join(iface.addresses))
            line.evidence.append(Evidence("interfaces", ", ".join(details), line.host, iface.name))
            self._zones_of(line, iface)
            if line.device_system is None and iface.description:
                system = self._match_catalogue(iface.description)
                if system is not None:
                    line.device_system = system
                    line.device_system_why = f"description {iface.description!r}"
            for address in self._addresses(iface):
                self._address_signs(line, iface, address)
        for rule in host.facts.nat:
            if rule.interface in names and rule.kind in ("outbound", "easy_ip"):
                sign = "nat_outbound" if rule.kind == "outbound" else "easy_ip"
                if sign not in line.exit_signs:
                    line.exit_signs.insert(0, sign)
                line.evidence.append(
                    Evidence(
                        "nat",
                        f"NAT {nat_text(rule)} on {rule.interface}",
                        line.host,
                        rule.interface,
                    )
                )
        for iface in mine:
            if iface.kind in WAN_KINDS and iface.kind not in line.exit_signs:
                line.exit_signs.append(iface.kind)
        inactive = []
        for route in host.facts.routes:
            if route.protocol in ("direct", "local"):
                continue
            hops = []
            for hop in route.next_hops:
                try:
                    hops.append(IPv4Address(hop))
                except ValueError:
                    continue
            via = route.interface in names or any(h in net for h in hops for net in subnets)
            if not via:
                continue
            if not route.forwards:  # configured, not in the table: carries nothing
                inactive.append(route)
                continue
            line.routes_via.append(route)
            for name, blocks in self.blocks.items():
                if any(h in b for h in hops for b in blocks):
                    line.next_hop_in.add(name)
            if route.prefix == "0.0.0.0/0" and route.vpn_instance is None:
                toward_extranet = any(h in b for h in hops for b in self.extranet_blocks)
                if toward_extranet:
                    line.default_to_extranet = True
                elif "default_route" not in line.exit_signs:
                    line.exit_signs.append("default_route")
        for route in line.routes_via[:5]:
            line.evidence.append(Evidence("routes", route_text(route), line.host, route.interface))
        for route in inactive[:5]:
            text = f"{route_text(route)} (configured, not in the routing table: inactive)"
            line.evidence.append(Evidence("routes", text, line.host, route.interface))
        if len(line.routes_via) > 5:
            line.evidence.append(
                Evidence("routes", f"and {len(line.routes_via) - 5} more routes", line.host)
            )
        if line.on_device and line.up is False and not line.routes_via:
            line.evidence.append(
                Evidence(
                    "routes",
                    "no route uses it (ARP is not collected: the routing table stands for traffic)",
                    line.host,
                    line.port,
                )
            )
        if "public_address" in line.exit_signs:  # the order every exit is listed in
            line.exit_signs.remove("public_address")
            line.exit_signs.append("public_address")

    def _zones_of(self, line: Line, iface: Interface) -> None:
        zone: Zone | None = None
        if iface.vpn_instance:
            zone = next(
                (
                    z
                    for z, p, _ in self.zone_patterns
                    if p is not None and p.search(iface.vpn_instance)
                ),
                None,
            )
            if zone is None and line.device_system is None:
                system = self._match_catalogue(iface.vpn_instance)
                if system is not None:
                    line.device_system = system
                    line.device_system_why = f"VPN instance {iface.vpn_instance}"
        elif iface.parent is not None:
            vlan = vlan_of(iface)
            zone = next((z for z, _, vlans in self.zone_patterns if vlan in vlans), None)
        if zone is None:
            return
        line.zones.add(zone)
        if zone is Zone.DEDICATED and iface.vpn_instance and iface.oper_up:
            carried = self._match_catalogue(iface.vpn_instance)
            if carried is not None and carried.category not in CARRIER_CATEGORIES:
                self.carried.setdefault(
                    (line.unit, carried.key),
                    (
                        line,
                        Evidence(
                            "interfaces",
                            f"{carried.name} runs in the {self.policy.zones[zone].name}:"
                            f" VPN instance {iface.vpn_instance} on {iface.name} (up)",
                            line.host,
                            iface.name,
                        ),
                    ),
                )
        extranet = self.system_by_category.get(Category.EXTRANET)
        if extranet is not None and (
            line.device_system is None
            or (line.device_system_why is not None and not line.device_system_why.startswith("VPN"))
        ):
            line.device_system = extranet
            line.device_system_why = f"{iface.name} in the {self.policy.zones[zone].name}"

    def _address_signs(self, line: Line, iface: Interface, address: IPv4Interface) -> None:
        ip = address.ip  # a /32 counts too: PPPoE and cellular addresses are host routes
        if any(ip in b for b in self.extranet_blocks):
            if line.device_system is None:
                line.device_system = self.system_by_category.get(Category.EXTRANET)
                line.device_system_why = f"extranet address {address}"
            return
        if any(ip in b for b in self.policy.address_blocks.intranet):
            line.classified = True
            if line.device_system is None:
                line.device_system = self.system_by_category.get(Category.INTRANET)
                line.device_system_why = f"intranet address {address}"
            return
        for system in self.policy.catalogue:
            if any(ip in p for p in system.prefixes):
                if line.device_system is None:
                    line.device_system = system
                    line.device_system_why = f"address {address} in {system.name}'s block"
                return
        if ip.is_global:
            if "public_address" not in line.exit_signs:
                line.exit_signs.append("public_address")
            if line.device_system is None:
                line.device_system = self.system_by_category.get(Category.INTERNET)
                line.device_system_why = f"public address {address} on {iface.name}"

    def _find_breaches(self) -> list[Breach]:
        """Devices carrying the classified network and anything else, or an isolated network
        (the police network) and the extranet or the internet: critical, reported first."""
        by_host: dict[str, list[Line]] = defaultdict(list)
        for line in self.lines:
            if line.on_device and line.host is not None:
                by_host[line.host].append(line)
        breaches: list[Breach] = []
        for host, lines in sorted(by_host.items()):
            classified = [ln for ln in lines if self._is_classified(ln)]
            if classified:
                others = [ln for ln in lines if not self._is_classified(ln)]
                what = "the classified network"
            else:
                classified = [ln for ln in lines if ln.system is not None and ln.system.isolated]
                others = [ln for ln in lines if self._is_exposed(ln)]
                names = sorted({ln.system.name for ln in classified if ln.system is not None})
                what = "the isolated network " + "、".join(names)
            if not classified or not others:
                continue
            for ln in others:
                ln.breach = True
                ln.evidence.insert(
                    0,
                    Evidence(
                        "interfaces",
                        f"the same device carries {what} on "
                        + ", ".join(c.port or "?" for c in classified),
                        host,
                    ),
                )
            names = []
            for ln in classified + others:
                name = self._line_name(ln)
                if name not in names:
                    names.append(name)
            breaches.append(
                Breach(
                    host,
                    self.unit_of(host),
                    names,
                    sorted(f"{host}:{ln.port}" for ln in classified + others),
                    [e for ln in classified + others for e in ln.evidence[:3]],
                )
            )
        return breaches

    def _is_exposed(self, line: Line) -> bool:
        """A line of the extranet or the internet, which an isolated network must not meet."""
        system = line.system
        return system is not None and system.category in (Category.EXTRANET, Category.INTERNET)
