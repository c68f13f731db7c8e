"""VRP's ``display ip interface`` (what napalm-huawei-vrp's get_interfaces_ip reads), in the
layout of the Huawei command reference's example ("display ip interface", Example: ``<HUAWEI>
display ip interface 100GE 1/0/1``, a CloudEngine; no AR router's own was found, so the AR
routers of the lab print the same block):

    100GE1/0/1 current state : UP
    Line protocol current state : UP
    The Maximum Transmit Unit : 1500 bytes
    input packets : 0, bytes : 0, multicasts : 0
    ...
    Internet Address is 10.1.1.1/16
    Broadcast address : 10.1.255.255
    ...

The reference says an interface not used for IP services is not listed, so only interfaces
with an address are. ``display ipv6 interface`` (which the driver sends too) prints nothing:
the lab's routers have no IPv6 enabled anywhere (no real output of that case was found).
"""

from __future__ import annotations

from govnet_lab.model import Device, Interface
from govnet_lab.render.common import Command, command, counted_command
from govnet_lab.vendors._comware_detail import ICMP_TYPES
from govnet_lab.vendors._detail import Counts, get_counts, get_port_states


def _states(iface: Interface) -> list[str]:
    state, protocol = get_port_states(iface)
    return [f"{iface.name} current state : {state}", f"Line protocol current state : {protocol}"]


def ip_interface_text(device: Device, _: list[str], counts: Counts) -> str:
    lines: list[str] = []
    for iface in device.interfaces:
        if iface.address is None:
            continue
        c = get_counts(device, iface, counts)
        lines += [
            *_states(iface),
            "The Maximum Transmit Unit : 1500 bytes",
            f"input packets : {c.in_packets}, bytes : {c.in_bytes}, multicasts : 0",
            f"output packets : {c.out_packets}, bytes : {c.out_bytes}, multicasts : 0",
            "Directed-broadcast packets:",
            f" received packets:{0:>13}, sent packets:{0:>15}",
            f" forwarded packets:{0:>12}, dropped packets:{0:>12}",
            f"ARP packet input number:{0:>12}",
            *(
                f"  {n + ':':<24}{0:>10}"
                for n in ("Request packet", "Reply packet", "Unknown packet")
            ),
            f"Internet Address is {iface.address.with_prefixlen}",
            f"Broadcast address : {iface.address.network.broadcast_address}",
            f"TTL being 1 packet number:{0:>10}",
            f"TTL invalid packet number:{0:>10}",
            f"ICMP packet input number:{0:>11}",
            *(f"  {name + ':':<24}{0:>10}" for name in ICMP_TYPES),
            "",
        ]
    return "\n".join(lines).rstrip("\n")


def no_ipv6_text(device: Device, _: list[str]) -> str:
    return ""


COMMANDS: list[Command] = [
    counted_command("dis:play ip int:erface", ip_interface_text),
    command("dis:play ipv6 int:erface", no_ipv6_text),
]
