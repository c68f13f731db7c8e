"""The city's operator, played by the lab: what a plan's city request (govnet's
``CityRequest``) becomes when typed into the lab's city core (VRP), on its port facing the
county PE's uplink. Tests and the demo use it to do the city's side of a hand-off before
they push the PE (``govnet lab apply`` types the lines into the running lab)."""

from __future__ import annotations

from ipaddress import IPv4Interface, IPv4Network

from govnet.model.plans import CityRequest
from govnet_lab.district import District
from govnet_lab.generate.upstream import CITY


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
