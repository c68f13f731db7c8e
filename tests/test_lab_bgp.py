"""BGP in the lab is computed from what each router originates and exports over the sessions
that are up: a route exists because someone advertises it, and goes when they stop.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from govnet_lab.dataplane import Network
from govnet_lab.district import District, FlowTruth
from govnet_lab.generate.networks import CITY_AS, COUNTY_AS
from govnet_lab.model import BgpPeer, Device, get_routing_table
from test_lab_dataplane import DISTRICTS, affected, baseline, build

EXTRANET = IPv4Network("59.255.0.0/16")


def bgp_unit(district: District) -> tuple[Device, Device, BgpPeer, FlowTruth]:
    """A unit router with a BGP session to its PE in the public table, the PE, the PE's peer
    towards it, and a working extranet flow of the unit over that PE."""
    for flow in district.truth.flows:
        if flow.kind != "extranet_public" or not flow.works or len(flow.path) != 3:
            continue
        ce, pe = district.get_device(flow.path[0]), district.get_device(flow.path[1])
        assert ce is not None and pe is not None
        if not any(p.vpn_instance is None and p.remote_as == COUNTY_AS for p in ce.bgp_peers):
            continue
        mine = {i.address.ip for i in ce.interfaces if i.address is not None}
        peer = next(p for p in pe.bgp_peers if p.address in mine and p.vpn_instance is None)
        return ce, pe, peer, flow
    raise AssertionError("no unit runs BGP to its PE")


def learned(device: Device, prefix: IPv4Network, vpn: str | None = None) -> list[list[int]]:
    return [
        r.as_path for r in device.learned_routes if r.prefix == prefix and r.vpn_instance == vpn
    ]


def test_a_route_carries_the_ases_it_crossed_and_comes_from_its_origin() -> None:
    district = build(*DISTRICTS[1])
    Network(district)
    ce, pe, _peer, _flow = bgp_unit(district)
    # The city announces the extranet block; the PE passes it on: two ASes, nearest first.
    assert learned(pe, EXTRANET) == [[CITY_AS]]
    assert learned(ce, EXTRANET) == [[COUNTY_AS, CITY_AS]]
    city = district.get_device("city-zwww-core")
    assert city is not None
    lan = next(o.prefix for o in ce.bgp_origins if o.prefix is not None and o.vpn_instance is None)
    assert lan is not None
    assert ce.bgp_as is not None and learned(city, lan) == [[COUNTY_AS, ce.bgp_as]]
    # Nothing comes back to where it started: the city holds no route with its own AS.
    assert all(CITY_AS not in r.as_path for r in city.learned_routes)


def test_withdrawing_a_units_network_withdraws_it_everywhere_and_fails_its_flows() -> None:
    district = build(*DISTRICTS[1])
    before = baseline(district)
    ce, pe, _peer, flow = bgp_unit(district)
    lan = next(o for o in ce.bgp_origins if o.prefix is not None and o.vpn_instance is None)
    assert lan.prefix is not None and IPv4Address(flow.source) in lan.prefix
    network = Network(district)
    city = network.get_device("city-zwww-core")
    assert learned(pe, lan.prefix) and learned(city, lan.prefix)
    ce.bgp_origins.remove(lan)  # undo network ...: the CE stops advertising its LAN
    network.note_change()
    assert not learned(pe, lan.prefix) and not learned(city, lan.prefix)
    # Every flow from that LAN over the PE has no way back; no other flow moves.
    over = {
        f.id
        for f in district.truth.flows
        if f.works and f.source == flow.source and pe.hostname in f.path
    }
    assert flow.id in over and affected(district, before) == over
    ce.bgp_origins.append(lan)
    network.note_change()
    assert learned(city, lan.prefix) and affected(district, before) == set()


def test_an_export_list_decides_what_a_peer_is_sent() -> None:
    district = build(*DISTRICTS[1])
    network = Network(district)
    ce, _pe, peer, _flow = bgp_unit(district)
    assert peer.export is not None and EXTRANET in peer.export
    assert learned(ce, EXTRANET)
    peer.export = [p for p in peer.export if p != EXTRANET]
    network.note_change()
    assert not learned(ce, EXTRANET)
    assert all(r.prefix != EXTRANET for r in get_routing_table(ce) if r.protocol == "bgp")


def test_two_vpns_sharing_a_route_target_on_one_pe_see_each_others_routes() -> None:
    """Two departments' VPN instances on one PE given the same target: each imports the
    other's routes (their systems' prefixes, over the other's line to the city); apart again,
    neither has them."""
    district = build(*DISTRICTS[0])
    network = Network(district)
    pe, first, second = next(
        (d, a, b)
        for d in district.devices
        for a in d.vpn_instances
        for b in d.vpn_instances
        if a.name < b.name
        and any(o.vpn_instance == a.name for o in d.bgp_origins)
        and any(o.vpn_instance == b.name for o in d.bgp_origins)
    )

    def originated(vpn: str) -> set[IPv4Network]:
        return {o.prefix for o in pe.bgp_origins if o.vpn_instance == vpn and o.prefix}

    def imported(vpn: str) -> set[IPv4Network]:
        return {r.prefix for r in pe.learned_routes if r.vpn_instance == vpn and r.vpn_from}

    def learned_here(vpn: str) -> set[IPv4Network]:  # from its own peers (its CE's LAN)
        return {r.prefix for r in pe.learned_routes if r.vpn_instance == vpn and not r.vpn_from}

    theirs = originated(second.name)
    assert theirs and not theirs & originated(first.name)
    assert imported(first.name) == imported(second.name) == set()
    mine, others = learned_here(first.name), learned_here(second.name)
    shared = first.export_targets[0]
    second.import_targets.append(shared)
    second.export_targets.append(shared)
    network.note_change()
    assert imported(second.name) == originated(first.name) | mine
    assert imported(first.name) == theirs | others
    table = {r.prefix: r for r in get_routing_table(pe, first.name)}
    for prefix in theirs:  # forwarded out of the other department's VPN
        interface = pe.get_interface(table[prefix].interface or "")
        assert interface is not None and interface.vpn_instance == second.name
    second.import_targets.remove(shared)
    second.export_targets.remove(shared)
    network.note_change()
    assert imported(first.name) == imported(second.name) == set()
