"""Routers and links for a district: the allocators, each router's hardware and LAN, and
point-to-point links whose two ends agree (the first step of building a district)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any

from govnet.model.inventory import Inventory, ResolvedHost, Role
from govnet_lab.generate.inventory import get_county_code
from govnet_lab.generate.networks import EXTRANET_PUBLIC, ISP_BLOCKS, LOOPBACK_BLOCK
from govnet_lab.model import (
    ArpEntry,
    Device,
    Interface,
    InterfaceKind,
    Link,
    LldpNeighbour,
    link_end,
)
from govnet_lab.vendors import get_platforms, get_vendor, get_vendors

# Real vendors' unicast MAC prefixes, for far ends outside the lab (ARP entries).
_PEER_OUIS = ("00e0-fc", "4c1f-cc", "3891-d5", "7c1e-06", "a0e0-af", "0019-c6")


def iter_p2p(block: IPv4Network, offset: int) -> Iterator[IPv4Network]:
    """The /30s of ``block`` from ``offset`` addresses in, wrapping round once; a county's
    salt picks the start so neighbouring labs differ, and big labs never run out early."""
    start = int(block.network_address)
    count = block.num_addresses // 4
    first = (offset % block.num_addresses) // 4
    for n in range(count):
        yield IPv4Network((start + 4 * ((first + n) % count), 30))


def _private_as(index: int) -> int:
    """A private AS per unit: 2-byte (64512-65534) while they last, then 4-byte (RFC 6996)."""
    return 65100 + index if index < 400 else 4_200_000_000 + index


def acl_number(platform: str, index: int) -> str:
    """The number of a router's ACL ``index`` (from 0), as its vendor numbers ACLs."""
    return str(get_vendor(platform).first_acl + index)


def as_platform(device: Device, platform: str) -> Device:
    """A copy of a router served by another vendor (same design, that vendor's ACL numbers).

    Template tests use it to put every approach on every platform, whatever mix a seed gave.
    """
    copy = deepcopy(device)
    copy.platform = platform
    numbers = {acl.number: acl_number(platform, i) for i, acl in enumerate(copy.acls)}
    for acl in copy.acls:
        acl.number = numbers[acl.number]
    for nat in copy.nat_rules:
        if nat.acl is not None:
            nat.acl = numbers.get(nat.acl, nat.acl)
    return copy


@dataclass(frozen=True)
class FarEnd:
    """The end of a line outside the county (the city, a carrier, a vertical system's node):
    the upstream step (govnet_lab.generate.upstream) builds a router there."""

    reach: str  # what it reaches: "city", "isp:<carrier>", "system:<key>"
    host: str  # the county router
    interface: str  # its interface (a sub-interface when the line is tagged)
    address: IPv4Interface  # the far end's address
    vpn_instance: str | None  # the county side's VPN instance
    mac: str | None  # the far end's MAC, as the county router's ARP shows it
    circuit: str | None


class DeviceBuilder:
    """Holds the allocators while one district is generated; makes routers and links."""

    def __init__(self, inventory: Inventory, seed: int) -> None:
        self.inventory = inventory
        self.seed = seed
        self.county = get_county_code(inventory)
        self.devices: dict[str, Device] = {}
        self.free_ports: dict[str, Iterator[str]] = {}
        self.mac_count: dict[str, int] = {}
        self.mac_base: dict[str, str] = {}
        salt = int(self.county[:6]) % 200
        self.extranet_p2p = iter_p2p(EXTRANET_PUBLIC, salt * 1024)
        self.dedicated_p2p = iter_p2p(IPv4Network("172.16.0.0/15"), salt * 256)
        self.internal_p2p = iter_p2p(IPv4Network("10.255.0.0/16"), salt * 256)
        self.isp_p2p = {
            carrier: iter_p2p(block, salt * 256) for carrier, block in ISP_BLOCKS.items()
        }
        self.system_p2p: dict[str, Iterator[IPv4Network]] = {}
        self.unit_index = {u.id: i for i, u in enumerate(inventory.units)}
        # one /24 per unit (LAN and business /25s) from 10.<32..95>.0.0 on: a /16 per 256 units
        lan_base = 32 + salt % 64
        self.lan_summary = [
            IPv4Network(f"10.{lan_base + i}.0.0/16")
            for i in range((len(inventory.units) + 255) // 256)
        ]
        self.unit_as = {u.id: _private_as(i) for i, u in enumerate(inventory.units)}
        self.links: dict[tuple[str, str], Link] = {}  # by its two ends, sorted
        self.far_ends: list[FarEnd] = []
        self.lan_ports: dict[str, str] = {}  # router → its port on its unit's LAN

    def rng(self, *parts: object) -> random.Random:
        """A generator of its own per decision, so adding one choice moves no other."""
        return random.Random(":".join([str(self.seed), *map(str, parts)]))

    def _new_device(self, host: ResolvedHost, used: set[str]) -> Device:
        platforms = get_platforms()
        if host.platform not in platforms:
            served = ", ".join(platforms)
            raise ValueError(
                f"{host.name}: the lab cannot serve platform {host.platform!r} (only {served})"
            )
        platform = host.platform
        vendor = get_vendor(platform)
        rng = self.rng("device", host.name)
        legacy = vendor.is_legacy(used)
        model, versions = rng.choice(vendor.legacy_models if legacy else vendor.models)
        # Every vendor's serial is drawn, in the vendors' order, and this one's kept: so the
        # draws were first written (one dict of f-strings), and so a seed's district stays
        # the same. A vendor added later moves the draws after it: its districts change.
        serial = {v.platform: v.make_serial(rng) for v in get_vendors()}[platform]
        self.mac_base[host.name] = (
            f"{vendor.mac_prefix}{rng.randrange(256):02x}-{rng.randrange(65536):04x}"
        )
        self.mac_count[host.name] = 0
        ports = (n for n in vendor.port_names(legacy) if n not in used)
        self.free_ports[host.name] = ports
        index = len(self.devices) + 1
        router_id = LOOPBACK_BLOCK.network_address + index
        device = Device(
            hostname=host.name,
            platform=platform,
            port=host.port,
            model=model,
            serial=serial,
            os_version=rng.choice(versions),
            uptime_s=rng.randrange(3 * 86_400, 700 * 86_400),
            unit=host.unit,
            division_code=host.division_code,
            site=host.site,
            role=host.role.value,
            router_id=router_id,
        )
        device.interfaces.append(
            Interface(
                vendor.loopback,
                InterfaceKind.LOOPBACK,
                "Router-ID",
                address=IPv4Interface(f"{router_id}/32"),
                mac=self._next_mac(host.name),
                bandwidth_mbps=8000,
            )
        )
        if host.role is not Role.FIREWALL:
            lan = self._get_lan(host.unit)
            position = sum(1 for d in self.devices.values() if d.unit == host.unit) + 1
            self.lan_ports[host.name] = next(ports)
            device.interfaces.append(
                Interface(
                    self.lan_ports[host.name],
                    description=rng.choice(("内网LAN", "To-LAN-Core-SW", "至单位内网核心交换机")),
                    address=IPv4Interface(f"{lan.network_address + position}/{lan.prefixlen}"),
                    mac=self._next_mac(host.name),
                )
            )
        return device

    def _get_lan(self, unit: str) -> IPv4Network:
        index = self.unit_index.get(unit, 0)
        return IPv4Network(f"{self.lan_summary[0].network_address + index * 256}/25")

    def _next_mac(self, host: str) -> str:
        self.mac_count[host] += 1
        base = self.mac_base[host]
        return f"{base[:-2]}{(int(base[-2:], 16) + self.mac_count[host]) % 256:02x}"

    def _ensure_interface(self, device: Device, name: str, **kwargs: Any) -> Interface:
        existing = device.get_interface(name)
        if existing is not None:
            return existing
        parent = name.split(".")[0]
        if "." in name and device.get_interface(parent) is None:
            self._ensure_interface(device, parent)
        iface = Interface(name, mac=self._next_mac(device.hostname), **kwargs)
        if "." in name:
            iface.kind = InterfaceKind.SUBINTERFACE
            iface.dot1q = iface.dot1q or int(name.split(".")[1])
            iface.mac = device.get_interface(parent).mac  # type: ignore[union-attr]
        device.interfaces.append(iface)
        return iface

    def _p2p(
        self,
        device: Device,
        name: str,
        subnet: IPv4Network,
        description: str,
        *,
        vpn: str | None = None,
        up: bool = True,
        bandwidth: int = 1000,
        peer: Device | None = None,
        peer_name: str | None = None,
        peer_description: str | None = None,
        peer_is_first: bool = True,
        reach: str | None = None,
        circuit: str | None = None,
    ) -> tuple[IPv4Address, IPv4Address]:
        """One point-to-point link; with a lab peer, both ends (LLDP, ARP) agree. Without one,
        ``reach`` says what is at the far end (see FarEnd); the link is recorded either way."""
        first, second = list(subnet.hosts())[:2]
        mine, theirs = (second, first) if peer_is_first else (first, second)
        iface = self._ensure_interface(device, name)
        iface.description = description
        iface.address = IPv4Interface(f"{mine}/{subnet.prefixlen}")
        iface.vpn_instance = vpn
        iface.link_up = up
        iface.bandwidth_mbps = bandwidth
        if "." in name:
            parent = device.get_interface(name.split(".")[0])
            if parent is not None:
                parent.link_up = up
                parent.bandwidth_mbps = bandwidth
        if peer is not None and peer_name is not None:
            other = self._ensure_interface(peer, peer_name)
            other.description = peer_description or f"To-{device.hostname}"
            other.address = IPv4Interface(f"{theirs}/{subnet.prefixlen}")
            other.vpn_instance = vpn
            other.link_up = up
            other.bandwidth_mbps = bandwidth
            if up:
                local_port, peer_port = name.split(".")[0], peer_name.split(".")[0]
                if not any(n.local_interface == local_port for n in device.lldp_neighbours):
                    device.lldp_neighbours.append(
                        LldpNeighbour(local_port, peer.sysname, peer_port)
                    )
                    peer.lldp_neighbours.append(
                        LldpNeighbour(peer_port, device.sysname, local_port)
                    )
                device.arp.append(ArpEntry(theirs, other.mac, name, vpn))
                peer.arp.append(ArpEntry(mine, iface.mac, peer_name, vpn))
            self._add_link(f"{device.hostname}:{name}", f"{peer.hostname}:{peer_name}", circuit)
            return mine, theirs
        mac: str | None = None
        if up:
            rng = self.rng("arp", device.hostname, name)
            oui = rng.choice(_PEER_OUIS)  # a real vendor's unicast prefix, not random bits
            mac = f"{oui}{rng.randrange(256):02x}-{rng.randrange(65536):04x}"
            device.arp.append(ArpEntry(theirs, mac, name, vpn))
        if reach is not None:
            far = IPv4Interface(f"{theirs}/{subnet.prefixlen}")
            self.far_ends.append(FarEnd(reach, device.hostname, name, far, vpn, mac, circuit))
        return mine, theirs

    def _add_link(self, one: str, other: str, circuit: str | None) -> Link:
        """The link between two ends ("host:interface"; a sub-interface names its port),
        made once."""
        a, b = (link_end(*end.split(":", 1)) for end in (one, other))
        key = (min(a, b), max(a, b))
        if key not in self.links:
            self.links[key] = Link(a, b, circuit)
        return self.links[key]
