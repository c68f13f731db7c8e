"""A vertical system's operator, played by the lab: what a plan's system request (govnet's
``SystemRequest``) becomes when typed into the system's node (VRP, as every upstream router
of the lab): the routes back to the unit's business subnets move from the old line to the
node's link to the city's dedicated zone. Tests and the demo use it to do the operator's
side of a cutover (``govnet lab apply --host up-<key>`` types the lines into the running lab).
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from govnet.model.plans import SystemRequest
from govnet_lab.district import District
from govnet_lab.generate.networks import SYSTEMS
from govnet_lab.generate.upstream import CITY, get_system_node
from govnet_lab.model import Device


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


def get_system_lines(district: District, request: SystemRequest) -> list[str]:
    """The request as VRP lines on the system's node: each route to the unit's business
    subnets that points at the old line's unit end is removed, then routed via the city."""
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
    return lines
