"""Facts to rows and back: one table per fact type, each row tied to its host result."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from govnet.model.facts import (
    ArpEntry,
    DeviceInfo,
    HostFacts,
    HostSnapshot,
    Interface,
    NatRule,
    Neighbour,
    OspfArea,
    Route,
    VpnInstance,
)
from govnet.store.models import (
    AddressFact,
    ArpFact,
    DeviceFact,
    HostResult,
    InterfaceFact,
    NatFact,
    NeighbourFact,
    OspfFact,
    RawOutput,
    RouteFact,
    VpnInstanceFact,
)


def add_snapshots(session: Session, run_id: int, snapshots: Sequence[HostSnapshot]) -> list[int]:
    """Insert host results with their raw outputs and facts, in bulk; their ids."""
    ids = list(
        session.scalars(
            insert(HostResult).returning(HostResult.id, sort_by_parameter_order=True),
            [
                {
                    "run_id": run_id,
                    "hostname": s.hostname,
                    "platform": s.platform,
                    "unit_key": s.unit_key,
                    "status": s.status,
                    "error_category": s.error_category,
                    "message": s.message,
                    "duration_s": s.duration_s,
                    "unparsed_lines": s.unparsed_lines,
                }
                for s in snapshots
            ],
        )
    )
    outputs = [
        {"host_result_id": hid, "command": cmd, "output": text, "encoding": encoding}
        for hid, s in zip(ids, snapshots, strict=True)
        for cmd, (text, encoding) in s.outputs.items()
    ]
    if outputs:
        session.execute(insert(RawOutput), outputs)
    rows: dict[type[Any], list[dict[str, Any]]] = defaultdict(list)
    interfaces: list[tuple[dict[str, Any], tuple[str, ...]]] = []
    for hid, snapshot in zip(ids, snapshots, strict=True):
        facts = snapshot.facts
        if facts is None:
            continue
        d = facts.device
        rows[DeviceFact].append(
            {
                "host_result_id": hid,
                "vendor": d.vendor,
                "model": d.model,
                "os_version": d.os_version,
                "serial": d.serial,
                "uptime_s": d.uptime_s,
                "hostname": d.hostname,
                "local_as": d.local_as,
                "router_id": d.router_id,
                "not_collected": ",".join(facts.not_collected) or None,
            }
        )
        for i in facts.interfaces:
            row = {
                "host_result_id": hid,
                "name": i.name,
                "canonical_name": i.name,
                "description": i.description,
                "admin_up": i.admin_up,
                "oper_up": i.oper_up,
                "kind": i.kind,
                "parent": i.parent,
                "vpn_instance": i.vpn_instance,
                "vlan": i.vlan,
            }
            interfaces.append((row, i.addresses))
        for v in facts.vpn_instances:
            rows[VpnInstanceFact].append(
                {
                    "host_result_id": hid,
                    "name": v.name,
                    "route_distinguisher": v.route_distinguisher,
                    "import_targets": list(v.import_targets),
                    "export_targets": list(v.export_targets),
                    "description": v.description,
                }
            )
        for r in facts.routes:
            rows[RouteFact].append(
                {
                    "host_result_id": hid,
                    "vpn_instance": r.vpn_instance,
                    "prefix": r.prefix,
                    "protocol": r.protocol,
                    "next_hops": list(r.next_hops),
                    "interface": r.interface,
                    "preference": r.preference,
                    "configured": r.configured,
                    "active": r.active,
                    "next_hop_vpn": r.next_hop_vpn,
                }
            )
        for n in facts.neighbours:
            rows[NeighbourFact].append(
                {
                    "host_result_id": hid,
                    "protocol": n.protocol,
                    "peer": n.peer,
                    "remote_as": n.remote_as,
                    "state": n.state,
                    "interface": n.interface,
                    "vpn_instance": n.vpn_instance,
                    "remote_interface": n.remote_interface,
                    "router_id": n.router_id,
                }
            )
        for nat in facts.nat:
            rows[NatFact].append(
                {
                    "host_result_id": hid,
                    "kind": nat.kind,
                    "interface": nat.interface,
                    "acl": nat.acl,
                    "pool": nat.pool,
                    "addresses": list(nat.addresses),
                }
            )
        for a in facts.arp:
            rows[ArpFact].append(
                {
                    "host_result_id": hid,
                    "address": a.address,
                    "mac": a.mac,
                    "interface": a.interface,
                    "vpn_instance": a.vpn_instance,
                    "kind": a.kind,
                }
            )
        for o in facts.ospf:
            rows[OspfFact].append(
                {
                    "host_result_id": hid,
                    "area": o.area,
                    "process": o.process,
                    "prefix": o.prefix,
                    "interface": o.interface,
                    "vpn_instance": o.vpn_instance,
                }
            )
    for model, values in rows.items():
        session.execute(insert(model), values)
    if interfaces:
        interface_ids = session.scalars(
            insert(InterfaceFact).returning(InterfaceFact.id, sort_by_parameter_order=True),
            [row for row, _ in interfaces],
        )
        addresses = [
            {"interface_id": iid, **_address_row(address)}
            for iid, (_, addrs) in zip(interface_ids, interfaces, strict=True)
            for address in addrs
        ]
        if addresses:
            session.execute(insert(AddressFact), addresses)
    return ids


def _address_row(text: str) -> dict[str, Any]:
    """An interface address as the columns keep it; a bare address (the text gave no mask)
    keeps no prefix length, never an invented /32.

    >>> _address_row("10.1.1.2/30")
    {'family': 4, 'address': '10.1.1.2', 'prefix_length': 30}
    >>> _address_row("10.1.1.2")
    {'family': 4, 'address': '10.1.1.2', 'prefix_length': None}
    >>> _address_row("2001:db8::1/64")["family"]
    6
    """
    address, _, length = text.partition("/")
    return {
        "family": 6 if ":" in address else 4,
        "address": address,
        "prefix_length": int(length) if length else None,
    }


def _address_text(address: str, prefix_length: int | None) -> str:
    return address if prefix_length is None else f"{address}/{prefix_length}"


def get_facts(session: Session, host_result_id: int) -> HostFacts:
    """A host result's facts, as the survey produced them (tuples in stored order)."""

    def rows(model: type[Any]) -> list[Any]:
        query = select(model).where(model.host_result_id == host_result_id).order_by(model.id)
        return list(session.scalars(query))

    device_rows = rows(DeviceFact)
    device = next(
        (
            DeviceInfo(
                vendor=d.vendor,
                model=d.model,
                os_version=d.os_version,
                serial=d.serial,
                uptime_s=d.uptime_s,
                hostname=d.hostname,
                local_as=d.local_as,
                router_id=d.router_id,
            )
            for d in device_rows
        ),
        DeviceInfo(),
    )
    interface_rows = rows(InterfaceFact)
    addresses: dict[int, list[str]] = defaultdict(list)
    if interface_rows:
        query = (
            select(AddressFact)
            .where(AddressFact.interface_id.in_([i.id for i in interface_rows]))
            .order_by(AddressFact.id)
        )
        for a in session.scalars(query):
            addresses[a.interface_id].append(_address_text(a.address, a.prefix_length))
    return HostFacts(
        device=device,
        interfaces=tuple(
            Interface(
                name=i.name,
                description=i.description,
                admin_up=i.admin_up,
                oper_up=i.oper_up,
                kind=i.kind,
                vpn_instance=i.vpn_instance,
                addresses=tuple(addresses[i.id]),
                vlan=i.vlan,
            )
            for i in interface_rows
        ),
        vpn_instances=tuple(
            VpnInstance(
                v.name,
                v.route_distinguisher,
                tuple(v.import_targets),
                tuple(v.export_targets),
                v.description,
            )
            for v in rows(VpnInstanceFact)
        ),
        routes=tuple(
            Route(
                prefix=r.prefix,
                protocol=r.protocol,
                next_hops=tuple(r.next_hops),
                interface=r.interface,
                vpn_instance=r.vpn_instance,
                preference=r.preference,
                configured=r.configured,
                active=r.active,
                next_hop_vpn=r.next_hop_vpn,
            )
            for r in rows(RouteFact)
        ),
        neighbours=tuple(
            Neighbour(
                n.protocol,
                n.peer,
                n.remote_as,
                n.state,
                n.interface,
                n.remote_interface,
                n.router_id,
                n.vpn_instance,
            )
            for n in rows(NeighbourFact)
        ),
        nat=tuple(
            NatRule(n.kind, n.interface, n.acl, n.pool, tuple(n.addresses)) for n in rows(NatFact)
        ),
        arp=tuple(
            ArpEntry(
                address=a.address,
                mac=a.mac,
                interface=a.interface,
                vpn_instance=a.vpn_instance,
                kind=a.kind,
            )
            for a in rows(ArpFact)
        ),
        ospf=tuple(
            OspfArea(
                area=o.area,
                process=o.process,
                prefix=o.prefix,
                interface=o.interface,
                vpn_instance=o.vpn_instance,
            )
            for o in rows(OspfFact)
        ),
        not_collected=_topics(device_rows[0].not_collected if device_rows else None),
    )


def _topics(text: str | None) -> tuple[str, ...]:
    """The topics a collector could not read, as stored (comma-separated)."""
    return tuple(text.split(",")) if text else ()


def get_many_facts(
    session: Session, run_ids: Sequence[int], host_result_ids: set[int]
) -> dict[int, HostFacts]:
    """The facts of many host results at once (a whole snapshot), by host result id.

    Reads each fact table in one pass over the given runs, so a province's snapshot costs a
    handful of queries, not one per host. Connected and local routes are left out: they
    repeat the interfaces' own addresses and are most of every routing table. ARP entries
    are kept: whether anything answers behind an interface is evidence classification reads.
    """
    if not host_result_ids:
        return {}

    def scan(*columns: Any, where: Any = None) -> Iterator[Any]:
        model = columns[0].class_
        query = (
            select(*columns)
            .join(HostResult, model.host_result_id == HostResult.id)
            .where(HostResult.run_id.in_(run_ids))
            .order_by(model.id)
        )
        if where is not None:
            query = query.where(where)
        for row in session.execute(query):
            if row[0] in host_result_ids:
                yield row

    devices: dict[int, DeviceInfo] = {}
    unread: dict[int, tuple[str, ...]] = {}
    for hid, *values, not_collected in scan(
        DeviceFact.host_result_id,
        DeviceFact.vendor,
        DeviceFact.model,
        DeviceFact.os_version,
        DeviceFact.serial,
        DeviceFact.uptime_s,
        DeviceFact.hostname,
        DeviceFact.local_as,
        DeviceFact.router_id,
        DeviceFact.not_collected,
    ):
        devices[hid] = DeviceInfo(*values)
        unread[hid] = _topics(not_collected)
    addresses: dict[int, list[str]] = defaultdict(list)
    query = (
        select(AddressFact.interface_id, AddressFact.address, AddressFact.prefix_length)
        .join(InterfaceFact, AddressFact.interface_id == InterfaceFact.id)
        .join(HostResult, InterfaceFact.host_result_id == HostResult.id)
        .where(HostResult.run_id.in_(run_ids))
        .order_by(AddressFact.id)
    )
    for iid, address, length in session.execute(query):
        addresses[iid].append(_address_text(address, length))
    interfaces: dict[int, list[Interface]] = defaultdict(list)
    for hid, iid, name, desc, admin, oper, kind, vpn, vlan in scan(
        InterfaceFact.host_result_id,
        InterfaceFact.id,
        InterfaceFact.name,
        InterfaceFact.description,
        InterfaceFact.admin_up,
        InterfaceFact.oper_up,
        InterfaceFact.kind,
        InterfaceFact.vpn_instance,
        InterfaceFact.vlan,
    ):
        interfaces[hid].append(
            Interface(name, desc, admin, oper, kind, vpn, tuple(addresses.pop(iid, ())), vlan)
        )
    vpns: dict[int, list[VpnInstance]] = defaultdict(list)
    for hid, name, rd, imports, exports, desc in scan(
        VpnInstanceFact.host_result_id,
        VpnInstanceFact.name,
        VpnInstanceFact.route_distinguisher,
        VpnInstanceFact.import_targets,
        VpnInstanceFact.export_targets,
        VpnInstanceFact.description,
    ):
        vpns[hid].append(VpnInstance(name, rd, tuple(imports), tuple(exports), desc))
    routes: dict[int, list[Route]] = defaultdict(list)
    for hid, prefix, protocol, hops, iface, vpn, preference, configured, active, hop_vpn in scan(
        RouteFact.host_result_id,
        RouteFact.prefix,
        RouteFact.protocol,
        RouteFact.next_hops,
        RouteFact.interface,
        RouteFact.vpn_instance,
        RouteFact.preference,
        RouteFact.configured,
        RouteFact.active,
        RouteFact.next_hop_vpn,
        where=RouteFact.protocol.not_in(("direct", "local")),
    ):
        routes[hid].append(
            Route(
                prefix, protocol, tuple(hops), iface, vpn, preference, configured, active, hop_vpn
            )
        )
    neighbours: dict[int, list[Neighbour]] = defaultdict(list)
    for hid, *values in scan(
        NeighbourFact.host_result_id,
        NeighbourFact.protocol,
        NeighbourFact.peer,
        NeighbourFact.remote_as,
        NeighbourFact.state,
        NeighbourFact.interface,
        NeighbourFact.remote_interface,
        NeighbourFact.router_id,
        NeighbourFact.vpn_instance,
    ):
        neighbours[hid].append(Neighbour(*values))
    nat: dict[int, list[NatRule]] = defaultdict(list)
    for hid, kind, iface, acl, pool, addrs in scan(
        NatFact.host_result_id,
        NatFact.kind,
        NatFact.interface,
        NatFact.acl,
        NatFact.pool,
        NatFact.addresses,
    ):
        nat[hid].append(NatRule(kind, iface, acl, pool, tuple(addrs)))
    arp: dict[int, list[ArpEntry]] = defaultdict(list)
    for hid, *values in scan(
        ArpFact.host_result_id,
        ArpFact.address,
        ArpFact.mac,
        ArpFact.interface,
        ArpFact.vpn_instance,
        ArpFact.kind,
    ):
        arp[hid].append(ArpEntry(*values))
    ospf: dict[int, list[OspfArea]] = defaultdict(list)
    for hid, *values in scan(
        OspfFact.host_result_id,
        OspfFact.area,
        OspfFact.process,
        OspfFact.prefix,
        OspfFact.interface,
        OspfFact.vpn_instance,
    ):
        ospf[hid].append(OspfArea(*values))
    return {
        hid: HostFacts(
            devices.get(hid, DeviceInfo()),
            tuple(interfaces.get(hid, ())),
            tuple(vpns.get(hid, ())),
            tuple(routes.get(hid, ())),
            tuple(neighbours.get(hid, ())),
            tuple(nat.get(hid, ())),
            tuple(arp.get(hid, ())),
            tuple(ospf.get(hid, ())),
            unread.get(hid, ()),
        )
        for hid in host_result_ids
    }
