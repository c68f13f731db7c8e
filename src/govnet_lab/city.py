"""The operators beyond the county, played by the lab. The city's: what a plan's city
request (govnet's ``CityRequest``) becomes when typed into the lab's city core (VRP), on its
port facing the county PE's uplink (Option A), or as the route reflector (VPNv4). A vertical
system's: what a plan's system request (``SystemRequest``) becomes on the system's node
(VRP, as every upstream router of the lab): the routes back to the unit's business subnets
move from the old line to the node's link to the city's dedicated zone. Tests and the demo
use them to do those sides of a cutover before the step that needs them (``govnet lab
apply`` types the lines into the running lab)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from govnet.model.plans import CityRequest, SystemRequest
from govnet_lab.district import District
from govnet_lab.generate.networks import SYSTEMS
from govnet_lab.generate.upstream import CITY, get_system_node
from govnet_lab.model import Device


class CityRequestError(ValueError):
    """A request the lab's city cannot carry out (no circuit from that PE port to the city)."""


def get_city_port(district: District, request: CityRequest) -> str:
    """The city core's port at the far end of the PE's uplink."""
    end = f"{request.pe}:{request.uplink}"
    for link in district.links:
        peer = link.get_peer(end)
        if peer is not None and peer.startswith(f"{CITY}:"):
            return peer.split(":", 1)[1]
    raise CityRequestError(f"{end} is not a circuit to {CITY} in this lab")


def get_city_lines(district: District, request: CityRequest) -> list[str]:
    """The request as VRP lines: the VPN instance (if the city lacks it), the sub-interface
    (if the request asks for a new one) and the routes back to the CE's business prefixes."""
    city = district.get_device(CITY)
    if city is None:
        raise CityRequestError(f"this lab has no {CITY}")
    if request.handoff == "vpnv4":
        return get_reflector_lines(city, request)
    lines: list[str] = []
    if city.get_vpn_instance(request.vpn) is None:
        rt = request.route_target
        lines += [
            f"ip vpn-instance {request.vpn}",
            " ipv4-family",
            f"  route-distinguisher {request.route_distinguisher}",
            f"  vpn-target {rt} export-extcommunity",
            f"  vpn-target {rt} import-extcommunity",
        ]
    if request.new_subinterface:
        address = IPv4Interface(request.city_address)
        lines += [
            f"interface {get_city_port(district, request)}.{request.vlan}",
            f" dot1q termination vid {request.vlan}",
            f" ip binding vpn-instance {request.vpn}",
            f" ip address {address.ip} {address.netmask}",
        ]
    for prefix in map(IPv4Network, request.routes):
        lines.append(
            f"ip route-static vpn-instance {request.vpn} {prefix.network_address}"
            f" {prefix.netmask} {request.pe_address}"
        )
    return lines


def get_reflector_lines(city: Device, request: CityRequest) -> list[str]:
    """A VPNv4 request as VRP lines on the city core (the route reflector and PE): the VPN
    instance importing and exporting the target (created, or the target added), its routes
    redistributed into BGP, and the session to the PE's loopback where it has none."""
    rt, vpn = request.route_target, request.vpn
    instance = city.get_vpn_instance(vpn)
    lines = [f"ip vpn-instance {vpn}", " ipv4-family"]
    if instance is None:
        lines.append(f"  route-distinguisher {request.route_distinguisher}")
    if instance is None or rt not in instance.export_targets:
        lines.append(f"  vpn-target {rt} export-extcommunity")
    if instance is None or rt not in instance.import_targets:
        lines.append(f"  vpn-target {rt} import-extcommunity")
    lines += ["  quit", " quit", f"bgp {city.bgp_as}"]
    pe = IPv4Address(request.pe_address)
    if not any(p.address == pe and p.vpn_instance is None for p in city.bgp_peers):
        lines.append(f" peer {pe} as-number {request.pe_asn}")
        if request.pe_asn != city.bgp_as:
            lines.append(f" peer {pe} ebgp-max-hop 255")
        lines += [f" peer {pe} connect-interface LoopBack0", " ipv4-family vpnv4"]
        lines += [f"  peer {pe} enable", "  quit"]
    lines += [f" ipv4-family vpn-instance {vpn}", "  import-route static"]
    return [*lines, "  import-route direct"]


class SystemRequestError(ValueError):
    """A request the lab's system node cannot carry out (no such node, no link to the city)."""


def get_system_device(district: District, request: SystemRequest) -> Device:
    """The system's node: by the catalogue name the request gives, else by its VPN's name."""
    keys = [s.key for s in SYSTEMS if s.name == request.system]
    keys.append(request.vpn.removeprefix("zw-"))
    for key in keys:
        device = district.get_device(get_system_node(key))
        if device is not None:
            return device
    raise SystemRequestError(
        f"this lab has no node of the system {request.system} ({get_system_node(keys[-1])})"
    )


def get_city_link(district: District, node: Device) -> IPv4Address:
    """The city core's address on the node's link to it: the routes' new next hop."""
    city = district.get_device(CITY)
    if city is None:
        raise SystemRequestError(f"this lab has no {CITY}")
    for iface in node.interfaces:
        end = f"{node.hostname}:{iface.name}"
        for link in district.links:
            peer = link.get_peer(end)
            if peer is None or not peer.startswith(f"{CITY}:"):
                continue
            port = city.get_interface(peer.split(":", 1)[1])
            if port is not None and port.address is not None:
                return port.address.ip
    raise SystemRequestError(f"{node.hostname} has no link to {CITY} in this lab")


def get_system_lines(district: District, request: SystemRequest) -> tuple[str, list[str]]:
    """The system's node and the request as VRP lines there: each route to the unit's
    business subnets that points at the old line's unit end is removed, then routed via the
    city (``govnet lab apply --host <node>`` types them into the running lab)."""
    node = get_system_device(district, request)
    city = get_city_link(district, node)
    old = IPv4Address(request.old_next_hop) if request.old_next_hop else None
    lines: list[str] = []
    for prefix in map(IPv4Network, request.routes):
        target = f"{prefix.network_address} {prefix.netmask}"
        for route in node.static_routes:
            if route.vpn_instance is None and route.prefix == prefix and route.next_hop == old:
                lines.append(f"undo ip route-static {target} {old}")
        lines.append(f"ip route-static {target} {city}")
    return node.hostname, lines
