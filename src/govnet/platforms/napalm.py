"""Facts from NAPALM getters: the second collector path (``driver: napalm:<name>``).

A NAPALM survey keeps each getter's result as the host's raw output, under the command
``napalm <getter>`` (JSON text; ``null`` when the driver declares the getter but does not
implement it), so a snapshot can be read again offline like a CLI one. This module turns
those outputs into the same :class:`HostFacts` the CLI path gives.

What no getter reads is either taken from the running configuration ``get_config`` returns,
read by the platform's own ``config`` specs (NAT, OSPF, the BGP process, VPN instances and
BGP peers when the driver stubs their getters), or named in ``HostFacts.not_collected``:
routes (NAPALM has no whole-table getter, get_route_to wants a destination) and OSPF
neighbours. A topic is never left empty when it was not read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from ipaddress import IPv4Address
from typing import Any

from govnet.model.facts import (
    ArpEntry,
    DeviceInfo,
    HostFacts,
    Interface,
    Neighbour,
    VpnInstance,
    arp_order,
    natural_key,
    neighbour_order,
)
from govnet.platforms.compile import Platform
from govnet.platforms.parse import ParseProblem, parse_outputs
from govnet.platforms.transforms import expand_interface, kind_of_interface

PREFIX = "napalm "  # a raw output's command: "napalm get_facts"
GETTERS = (
    "get_facts",
    "get_interfaces",
    "get_interfaces_ip",
    "get_network_instances",
    "get_arp_table",
    "get_lldp_neighbors",
    "get_bgp_neighbors",
    "get_config",
)
# What no NAPALM getter reads, whatever the driver: always not collected on this path.
NEVER = ("routes", "neighbours:ospf")


def is_napalm_outputs(outputs: Mapping[str, str]) -> bool:
    """Whether a host's outputs came from the NAPALM path."""
    return any(command.startswith(PREFIX) for command in outputs)


def parse_napalm(
    plan: Platform, outputs: Mapping[str, str]
) -> tuple[HostFacts, list[ParseProblem]]:
    """The facts in a NAPALM survey's outputs, and the problems met (a getter's text that
    is not JSON). A getter missing (it failed) or ``null`` (a stub) leaves its topic to the
    configuration, else not collected."""
    problems: list[ParseProblem] = []
    got: dict[str, Any] = {}
    for command, text in outputs.items():
        if not command.startswith(PREFIX):
            continue
        try:
            got[command.removeprefix(PREFIX)] = json.loads(text)
        except ValueError as exc:
            problems.append(ParseProblem(command, "parse", f"not JSON: {exc}"))
    config, config_problems = _config_facts(plan, got.get("get_config"))
    problems += config_problems
    unread = set(NEVER)
    names = plan.tables.interface_names

    def port(name: str) -> str:
        return expand_interface(name, names)

    device = _device(plan, got.get("get_facts"), config)
    if got.get("get_facts") is None:
        unread.add("device")
    vpn_of = {i.name: i.vpn_instance for i in (config.interfaces if config else ())}
    instances = got.get("get_network_instances")
    if instances is not None:
        vpns = [
            VpnInstance(name, (v.get("state") or {}).get("route_distinguisher") or None)
            for name, v in instances.items()
            if v.get("type") != "DEFAULT_INSTANCE" and name != "default"
        ]
        vpn_of = {
            port(i): name
            for name, v in instances.items()
            if v.get("type") != "DEFAULT_INSTANCE" and name != "default"
            for i in (v.get("interfaces") or {}).get("interface") or {}
        }
    elif config is not None:
        vpns = list(config.vpn_instances)
    else:
        vpns = []
        unread.add("vpn_instances")
    interfaces = _interfaces(plan, got, config, vpn_of, port)
    if got.get("get_interfaces") is None:
        unread.add("interfaces")
    elif got.get("get_interfaces_ip") is None and config is None:
        unread.add("addresses")
    arp = got.get("get_arp_table")
    if arp is None:
        unread.add("arp")
    neighbours = [
        Neighbour("lldp", n["hostname"], interface=port(local), remote_interface=n["port"])
        for local, found in (got.get("get_lldp_neighbors") or {}).items()
        for n in found
    ]
    if got.get("get_lldp_neighbors") is None:
        unread.add("neighbours:lldp")
    bgp = got.get("get_bgp_neighbors")
    if bgp is not None:
        neighbours += _bgp(bgp)
    elif config is not None:
        neighbours += [n for n in config.neighbours if n.protocol == "bgp"]
    else:
        unread.add("neighbours:bgp")
    if config is None:
        unread |= {"nat", "ospf"}
    facts = HostFacts(
        device,
        tuple(sorted(interfaces, key=lambda i: natural_key(i.name))),
        tuple(sorted(vpns, key=lambda v: v.name)),
        (),
        tuple(sorted(neighbours, key=neighbour_order)),
        config.nat if config else (),
        tuple(sorted(_arp(arp or [], port), key=arp_order)),
        config.ospf if config else (),
        tuple(sorted(unread)),
    )
    return facts, problems


def _config_facts(
    plan: Platform, config: Mapping[str, str] | None
) -> tuple[HostFacts | None, list[ParseProblem]]:
    """The running configuration read by the platform's CLI ``config`` specs."""
    running = (config or {}).get("running")
    if not running or plan.config_command is None:
        return None, []
    return parse_outputs(plan, {plan.config_command: running})


def _device(
    plan: Platform, facts: Mapping[str, Any] | None, config: HostFacts | None
) -> DeviceInfo:
    def known(value: Any) -> Any:
        return None if value in (None, "", "Unknown", -1, -1.0) else value

    facts = facts or {}
    serial = facts.get("serial_number")
    if isinstance(serial, list):  # Comware's driver lists a serial per board: the chassis first
        serial = serial[0] if serial else None
    uptime = known(facts.get("uptime"))
    from_config = config.device if config else DeviceInfo()
    return DeviceInfo(
        plan.vendor,
        known(facts.get("model")),
        known(facts.get("os_version")),
        known(serial),
        int(uptime) if uptime is not None else None,
        known(facts.get("hostname")),
        from_config.local_as,
        from_config.router_id,
    )


def _interfaces(
    plan: Platform,
    got: Mapping[str, Any],
    config: HostFacts | None,
    vpn_of: Mapping[str, str | None],
    port: Any,
) -> list[Interface]:
    configured = {i.name: i for i in (config.interfaces if config else ())}
    addresses: dict[str, list[str]] = {}
    if got.get("get_interfaces_ip") is None:  # it failed: the configuration's addresses
        addresses = {i.name: list(i.addresses) for i in configured.values()}
    for name, families in (got.get("get_interfaces_ip") or {}).items():
        for address, info in (families.get("ipv4") or {}).items():
            addresses.setdefault(port(name), []).append(f"{address}/{info['prefix_length']}")
    found = []
    for name, state in (got.get("get_interfaces") or {}).items():
        name = port(name)
        seen = configured.get(name)
        found.append(
            Interface(
                name,
                state.get("description") or None,
                state.get("is_enabled"),
                state.get("is_up"),
                kind_of_interface(name, plan.tables.interface_kinds),
                vpn_of.get(name),
                tuple(addresses.get(name, ())),
                seen.vlan if seen else None,
            )
        )
    return found


def _arp(entries: Iterable[Mapping[str, Any]], port: Any) -> list[ArpEntry]:
    """ARP rows; NAPALM names no VPN instance, so each is read as the global table's."""
    found = []
    for e in entries:
        digits = "".join(c for c in str(e.get("mac", "")).lower() if c in "0123456789abcdef")
        mac = f"{digits[:4]}-{digits[4:8]}-{digits[8:]}" if len(digits) == 12 else None
        found.append(
            ArpEntry(str(e["ip"]), mac, port(e["interface"]) if e.get("interface") else None)
        )
    return found


def _bgp(tables: Mapping[str, Any]) -> list[Neighbour]:
    return [
        Neighbour(
            "bgp",
            str(IPv4Address(peer)),
            int(p["remote_as"]),
            "established" if p.get("is_up") else None,  # not up: which state is not said
            vpn_instance=None if vrf in ("global", "default") else vrf,
        )
        for vrf, table in tables.items()
        for peer, p in (table.get("peers") or {}).items()
    ]
