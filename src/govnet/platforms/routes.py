"""Routes as a routing table means them: what the parse engine does to every platform's route
facts after the specs (``govnet.platforms.parse``): configured static routes folded into the
table's route by the same next hop, the IP stack's own routes dropped, own-address /32s as
``local``, no next hop on connected routes, recursive next hops resolved to an interface, and
a stable order. A next hop in another table (``Route.next_hop_vpn``) is never taken for one
of this table's subnets. Parsed by hand, not with ipaddress: this runs for every route."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from govnet.model.facts import Interface, Route

__all__ = ["PUBLIC", "fold_configured", "settle_routes"]

_CONNECTED = ("direct", "local")
PUBLIC = "_public_"  # Route.next_hop_vpn of a next hop in the global (public) table


def _ints(prefix: str) -> tuple[int, int] | None:
    """``a.b.c.d/len`` as (address, length) integers; None if it is not one (IPv6)."""
    address, _, length = prefix.partition("/")
    parts = address.split(".")
    if len(parts) != 4 or not length.isdigit():
        return None
    try:
        value = 0
        for part in parts:
            value = value << 8 | int(part)
    except ValueError:
        return None
    return value, int(length)


def _host_mask(length: int) -> int:
    return (1 << (32 - length)) - 1


def _is_stack_route(address: int, length: int) -> bool:
    """127/8, 224/4, 0.0.0.0/32, 255.255.255.255/32: the IP stack's own routes."""
    return (
        address >> 24 == 127
        or (address >> 28 == 14 and length >= 4)
        or (length == 32 and address in (0, 0xFFFFFFFF))
    )


def fold_configured(routes: list[Route]) -> list[Route]:
    """A static route the configuration states (keyed by its next hop and interface, see
    the specs) is the table's route to that prefix when that route goes by the same next hop
    (or, with none, the same interface): one route, configured and active. A configured
    route no table route matches stays a route of its own (a floating static, or one whose
    interface is down), never a second next hop of the active one.

    >>> table = Route("0.0.0.0/0", "static", ("10.0.0.1",), "GE0/0/1", active=True)
    >>> backup = Route("0.0.0.0/0", "static", ("10.9.9.1",), preference=70, configured=True)
    >>> main = Route("0.0.0.0/0", "static", ("10.0.0.1",), preference=60, configured=True)
    >>> [(r.next_hops, r.configured, r.active) for r in fold_configured([table, backup, main])]
    [(('10.0.0.1',), True, True), (('10.9.9.1',), True, None)]

    A route whose next hop is in another table (``next_hop_vpn``) is that table's route only
    when the table says the same, or nothing (VRP and Comware tables never print it): a
    configured leak is never folded into a route by a hop of its own table, nor one of its
    own table into a leak. The folded route keeps what the configuration said.

    >>> leak = dataclasses.replace(main, next_hop_vpn="_public_")
    >>> [(r.next_hop_vpn, r.configured) for r in fold_configured([table, leak])]
    [('_public_', True)]
    >>> shown = dataclasses.replace(table, next_hop_vpn="BLU")
    >>> [(r.next_hop_vpn, r.configured, r.active) for r in fold_configured([shown, main])]
    [('BLU', None, True), (None, True, None)]
    """
    others: list[Route] = []
    stated: list[Route] = []
    for route in routes:
        (stated if route.configured and route.active is None else others).append(route)
    if not stated:
        return routes
    found: dict[tuple[str | None, str, str], list[int]] = {}
    for index, route in enumerate(others):
        found.setdefault((route.vpn_instance, route.prefix, route.protocol), []).append(index)
    for route in stated:
        match = next(
            (
                i
                for i in found.get((route.vpn_instance, route.prefix, route.protocol), [])
                if (
                    (route.next_hops and set(route.next_hops) <= set(others[i].next_hops))
                    or (not route.next_hops and route.interface == others[i].interface)
                )
                and others[i].next_hop_vpn in (None, route.next_hop_vpn)
            ),
            None,
        )
        if match is None:
            others.append(route)
            continue
        active = others[match]
        others[match] = dataclasses.replace(
            active,
            configured=True,
            preference=active.preference if active.preference is not None else route.preference,
            next_hop_vpn=route.next_hop_vpn or active.next_hop_vpn,
        )
    return others


def settle_routes(routes: Iterable[Route], interfaces: Sequence[Interface]) -> list[Route]:
    """Routes as a routing table means them (see the module docstring), sorted."""
    own: dict[tuple[str | None, int], str] = {}
    for iface in interfaces:
        for text in iface.addresses:
            parsed = _ints(text)
            if parsed is not None:
                own.setdefault((iface.vpn_instance, parsed[0]), iface.name)
    parsed_routes = [(r, _ints(r.prefix)) for r in routes]
    connected: dict[str | None, list[tuple[int, int, str | None]]] = {}
    for route, ints in parsed_routes:
        if route.protocol == "direct" and ints is not None and ints[1] < 32:
            connected.setdefault(route.vpn_instance, []).append((*ints, route.interface))
    settled: list[tuple[tuple[Any, ...], Route]] = []
    for route, ints in parsed_routes:
        vpn = route.vpn_instance
        if route.next_hop_vpn is not None and route.next_hop_vpn == (vpn or PUBLIC):
            route = dataclasses.replace(route, next_hop_vpn=None)  # its own table, said again
        if ints is None:
            order = (vpn is not None, vpn or "", -1, 0, route.protocol)
            settled.append(((*order, route.next_hops, route.interface or ""), route))
            continue
        address, length = ints
        if _is_stack_route(address, length):
            continue
        subnets = connected.get(vpn, [])
        if route.protocol in _CONNECTED:
            protocol, interface = route.protocol, route.interface
            if length == 32:
                owner = own.get((vpn, address))
                if owner is not None:
                    protocol, interface = "local", owner
                elif any(n < 31 and address in (net, net | _host_mask(n)) for net, n, _ in subnets):
                    continue  # the subnet's network/broadcast host route
            route = dataclasses.replace(route, protocol=protocol, interface=interface, next_hops=())
        elif route.interface is None and route.next_hops and route.next_hop_vpn is None:
            # (a next hop in another table is not in this table's subnets)
            hop = _ints(route.next_hops[0] + "/32")
            via = next(
                (
                    name
                    for net, n, name in subnets
                    if hop is not None and hop[0] & ~_host_mask(n) & 0xFFFFFFFF == net
                ),
                None,
            )
            if via is not None:
                route = dataclasses.replace(route, interface=via)
        order = (vpn is not None, vpn or "", address, length, route.protocol)
        settled.append(((*order, route.next_hops, route.interface or ""), route))
    settled.sort(key=lambda s: s[0])
    return [route for _, route in settled]
