"""Comware's long-form commands NAPALM's h3c_comware driver reads, in the layout of real
outputs kept in tests/real/hp_comware (MANIFEST.yaml names repository, commit, licence):

- ``display ip interface``: dipi-msr-sub.txt (ntc-templates
  hp_comware_display_ip_interface_sub.raw, an MSR router): per interface its two state
  lines; with an address, the address, broadcast, MTU, IP packet counts and the ICMP table.
- ``display lldp neighbor-information verbose``: lldp-verbose.txt (ntc-templates
  hp_comware_display_lldp_neighbor-information_verbose.raw).
"""

from __future__ import annotations

from govnet_lab.model import Device, Interface
from govnet_lab.render.common import Command, command, counted_command, pseudo_mac
from govnet_lab.vendors._detail import Counts, get_counts, get_port_states

ICMP_TYPES = (
    "Echo reply",
    "Unreachable",
    "Source quench",
    "Routing redirect",
    "Echo request",
    "Router advert",
    "Router solicit",
    "Time exceed",
    "IP header bad",
    "Timestamp request",
    "Timestamp reply",
    "Information request",
    "Information reply",
    "Netmask request",
    "Netmask reply",
    "Unknown type",
)


def _states(iface: Interface) -> list[str]:
    state, protocol = get_port_states(iface)
    return [f"{iface.name} current state: {state}", f"Line protocol current state: {protocol}"]


def ip_interface_text(device: Device, _: list[str], counts: Counts) -> str:
    lines: list[str] = []
    for iface in device.interfaces:
        lines += _states(iface)
        if iface.address is not None:
            c = get_counts(device, iface, counts)
            lines += [
                f"Internet Address is {iface.address.with_prefixlen} Primary",
                f"Broadcast address: {iface.address.network.broadcast_address}",
                "The Maximum Transmit Unit: 1500 bytes",
                f"input packets : {c.in_packets}, bytes : {c.in_bytes}, multicasts : 0",
                f"output packets : {c.out_packets}, bytes : {c.out_bytes}, multicasts : 0",
                "TTL invalid packet number:         0",
                "ICMP packet input number:          0",
                *(f"  {name + ':':<24}{0:>9}" for name in ICMP_TYPES),
            ]
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def lldp_verbose_text(device: Device, _: list[str]) -> str:
    lines: list[str] = []
    for index, iface in enumerate(device.interfaces, start=1):
        for number, n in enumerate(
            (n for n in device.lldp_neighbours if n.local_interface == iface.name), start=1
        ):
            if number == 1:
                lines += [
                    f"LLDP neighbor-information of port {index}[{iface.name}]:",
                    "LLDP agent nearest-bridge:",
                ]
            lines += [
                f" LLDP neighbor index : {number}",
                " Update time         : 0 days, 0 hours, 1 minutes, 46 seconds",
                " Chassis type        : MAC address",
                f" Chassis ID          : {pseudo_mac(n.system_name)}",
                " Port ID type        : Interface name",
                f" Port ID             : {n.port}",
                " Time to live        : 120",
                f" System name         : {n.system_name}",
                " System capabilities supported : Bridge, Router",
                " System capabilities enabled   : Router",
                "",
            ]
    return "\n".join(lines).rstrip("\n")


COMMANDS: list[Command] = [
    counted_command("di:splay ip int:erface", ip_interface_text),
    command("di:splay ll:dp n:eighbor-information v:erbose", lldp_verbose_text, gated=1),
]
