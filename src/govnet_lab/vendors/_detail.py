"""``display interface`` (VRP, Comware 7) and ``show interfaces`` (IOS): each port's state and
its traffic counters, which the data plane makes grow with the flows crossing the port.

Not a vendor (the registry skips ``_`` modules). Each format follows a real output, named
at its function; lines the model has no value for (errors, discards, queue drops) print 0
as an idle real port does. A physical port's counters include its sub-interfaces', as on
the devices (a sub-interface's frames cross its port).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from govnet_lab.configure.patterns import canonical_interface_name
from govnet_lab.model import Device, Interface, InterfaceKind
from govnet_lab.render.common import InterfaceCounts, WrongArgument
from govnet_lab.vendors import get_vendor

Counts = dict[str, InterfaceCounts]
Block = Callable[[Device, Interface, InterfaceCounts, float], list[str]]


def get_interfaces(device: Device, args: list[str]) -> list[Interface]:
    """The interfaces a command names: all of them with no argument, else the one named
    (``GigabitEthernet0/0/1``, ``gi0/0/1`` or ``GigabitEthernet 0/0/1``); WrongArgument when
    the device has none of that name."""
    if not args:
        return list(device.interfaces)
    types = get_vendor(device.platform).config.interface_types
    name = canonical_interface_name(types, "".join(args))
    found = None if name is None else device.get_interface(name)
    if found is None:
        raise WrongArgument(len(args) - 1)
    return [found]


def get_counts(device: Device, iface: Interface, counts: Counts) -> InterfaceCounts:
    """An interface's counters: a port's own and its sub-interfaces'."""
    total = counts.get(iface.name, InterfaceCounts())
    if iface.kind is InterfaceKind.PHYSICAL:
        for sub in device.interfaces:
            if sub.parent == iface.name:
                total += counts.get(sub.name, InterfaceCounts())
    return total


def render_blocks(device: Device, args: list[str], counts: Counts, block: Block) -> list[str]:
    """Each named interface's block, in the device's order."""
    now = time.time()
    lines: list[str] = []
    for iface in get_interfaces(device, args):
        lines += block(device, iface, get_counts(device, iface, counts), now)
    return lines


def stamp(seconds: float) -> str:
    """``2024-02-08 16:30:21``: VRP's and Comware's time of an event."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


# --- Huawei VRP ---------------------------------------------------------------------------
# tests/real/huawei/vrp5-ar-interface-dhcp.txt (an AR router's route ports and NULL0,
# ntc-templates huawei_vrp_display_interface_dhcp.raw); a Vlanif's block, which shows no
# counters, as tests/fixtures/huawei/display_interface.txt (ntc-templates
# huawei_vrp_display_interface2.raw).


def vrp_text(device: Device, args: list[str], counts: Counts) -> str:
    lines = render_blocks(device, args, counts, _vrp_block)
    if not args:  # NULL0 closes the listing, as it does on the device
        lines += _vrp_null(time.time())
    return "\n".join(lines).rstrip("\n")


def _vrp_state(iface: Interface) -> list[str]:
    state = "UP" if iface.oper_up else "DOWN" if iface.admin_up else "Administratively DOWN"
    protocol = "UP (spoofing)" if iface.kind is InterfaceKind.LOOPBACK else state
    if protocol == "Administratively DOWN":
        protocol = "DOWN"
    return [
        f"{iface.name} current state : {state}",
        f"Line protocol current state : {protocol}",
    ]


def _vrp_block(device: Device, iface: Interface, c: InterfaceCounts, now: float) -> list[str]:
    booted = now - device.uptime_s
    lines = _vrp_state(iface)
    if iface.oper_up and iface.kind is not InterfaceKind.LOOPBACK:
        lines.append(f"Last line protocol up time : {stamp(booted + 5)}")
    default = f"HUAWEI, {_series(device.model)} Series, {iface.name} Interface"
    lines.append(f"Description:{iface.description or default}")
    lines.append("Route Port,The Maximum Transmit Unit is 1500")
    if iface.address is not None:
        lines.append(f"Internet Address is {iface.address.with_prefixlen}")
    else:
        lines.append("Internet protocol processing : disabled")
    if iface.kind is InterfaceKind.LOOPBACK:
        lines.append("Physical is Loopback")  # as NULL0's "Physical is NULL DEV"
        return [*lines, f"Current system time: {stamp(now)}", *_vrp_logical_counters(c), ""]
    lines.append("IP Sending Frames' Format is PKTFMT_ETHNT_2, Hardware address is " + iface.mac)
    if iface.kind is InterfaceKind.VLAN:
        return [
            *lines,
            f"Current system time: {stamp(now)}",
            "    Input bandwidth utilization  : --",
            "    Output bandwidth utilization : --",
            "",
        ]
    # A sub-interface prints the same block: no real VRP sub-interface output was found to
    # follow for the line naming its VLAN, so none is printed (ntc-templates knows none).
    up = stamp(booted) if iface.link_up and iface.port_up else "-"
    lines += [
        f"Last physical up time   : {up}",
        f"Last physical down time : {stamp(booted - 13)}",
        f"Current system time: {stamp(now)}",
        f"Last 300 seconds input rate {c.in_bps} bits/sec, {c.in_pps} packets/sec",
        f"Last 300 seconds output rate {c.out_bps} bits/sec, {c.out_pps} packets/sec",
        f"Input peak rate {c.in_bps} bits/sec,Record time: {_peak(c.in_bps, booted)}",
        f"Output peak rate {c.out_bps} bits/sec,Record time: {_peak(c.out_bps, booted)}",
        "",
        f"Input:  {c.in_packets} packets, {c.in_bytes} bytes",
        "  Discard:                  0,  Total Error:                 0",
        "",
        f"Output:  {c.out_packets} packets, {c.out_bytes} bytes",
        "  Discard:                  0,  Total Error:                 0",
        "",
        "    Input bandwidth utilization threshold : 100.00%",
        "    Output bandwidth utilization threshold: 100.00%",
        "    Input bandwidth utilization  : --",
        "    Output bandwidth utilization : --",
        "",
    ]
    return lines


def _vrp_logical_counters(c: InterfaceCounts) -> list[str]:
    return [
        f"    Last 300 seconds input rate {c.in_bps} bits/sec, {c.in_pps} packets/sec",
        f"    Last 300 seconds output rate {c.out_bps} bits/sec, {c.out_pps} packets/sec",
        f"    Input: {c.in_bytes} bytes",
        f"    Output:{c.out_bytes} bytes",
        "    Input bandwidth utilization  :    0%",
        "    Output bandwidth utilization :    0%",
    ]


def _vrp_null(now: float) -> list[str]:
    return [
        "NULL0 current state : UP",
        "Line protocol current state : UP (spoofing)",
        "Description:",
        "Route Port,The Maximum Transmit Unit is 1500",
        "Internet protocol processing : disabled",
        "Physical is NULL DEV",
        f"Current system time: {stamp(now)}",
        *_vrp_logical_counters(InterfaceCounts()),
    ]


def _peak(rate: int, booted: float) -> str:
    return stamp(booted + 60) if rate else "-"


def _series(model: str) -> str:
    """The series VRP names in a default description: AR2240 -> AR."""
    letters = re.match(r"[A-Za-z]+", model)
    return letters.group() if letters else model


# --- H3C Comware 7 ------------------------------------------------------------------------
# A layer-3 port's block: the lines of tests/real/hp_comware/di-vlanif-bagg-ge-xge.txt's
# Vlan-interface (state, bandwidth, MTU, "Internet address: .../24 (Primary)", the rates and
# "Input: N packets, M bytes, 0 drops"), and for a physical port the Ethernet part and the
# "Input (total)" counters of di-hge-xge.txt's Ten-GigabitEthernet (ntc-templates
# hp_comware_display_interface*.raw, Comware 7).


def comware_text(device: Device, args: list[str], counts: Counts) -> str:
    return "\n".join(render_blocks(device, args, counts, _comware_block)).rstrip("\n")


def get_port_states(iface: Interface) -> tuple[str, str]:
    """(current state, line protocol state) as Comware's display interface prints them, and
    VRP's display ip interface: a loopback not shut is UP, its protocol UP (spoofing)."""
    state = "UP" if iface.oper_up else "DOWN" if iface.admin_up else "Administratively DOWN"
    protocol = "UP" if iface.oper_up else "DOWN"
    if iface.kind is InterfaceKind.LOOPBACK and iface.admin_up:
        state, protocol = "UP", "UP (spoofing)"
    return state, protocol


def _comware_block(device: Device, iface: Interface, c: InterfaceCounts, now: float) -> list[str]:
    state, protocol = get_port_states(iface)
    kbps = iface.bandwidth_mbps * 1000
    lines = [
        iface.name,
        f"Current state: {state}",
        f"Line protocol state: {protocol}",
        f"Description: {iface.description or iface.name + ' Interface'}",
        f"Bandwidth: {kbps} kbps",
        "Maximum transmission unit: 1500",
    ]
    if iface.address is not None:
        lines.append(f"Internet address: {iface.address.with_prefixlen} (Primary)")
    else:
        lines.append("Internet protocol processing: Disabled")
    if iface.kind is not InterfaceKind.LOOPBACK:
        lines += [
            f"IP packet frame type: Ethernet II, hardware address: {iface.mac}",
            f"IPv6 packet frame type: Ethernet II, hardware address: {iface.mac}",
        ]
    if iface.kind is not InterfaceKind.PHYSICAL:
        return [
            *lines,
            "Last clearing of counters: Never",
            f"Last 300 seconds input rate: {c.in_bps // 8} bytes/sec, {c.in_bps} bits/sec,"
            f" {c.in_pps} packets/sec",
            f"Last 300 seconds output rate: {c.out_bps // 8} bytes/sec, {c.out_bps} bits/sec,"
            f" {c.out_pps} packets/sec",
            f"Input: {c.in_packets} packets, {c.in_bytes} bytes, 0 drops",
            f"Output: {c.out_packets} packets, {c.out_bytes} bytes, 0 drops",
            "",
        ]
    speed = f"{iface.bandwidth_mbps}Mbps" if iface.oper_up else "Unknown"
    duplex = "full" if iface.oper_up else "unknown"
    booted = now - device.uptime_s
    up = stamp(booted) if iface.link_up and iface.port_up else "-"
    percent = f"{min(100, c.in_bps * 100 // max(1, kbps * 1000))}%"
    out_percent = f"{min(100, c.out_bps * 100 // max(1, kbps * 1000))}%"
    return [
        *lines,
        "Loopback is not set",
        "Media type is twisted pair, port hardware type is 1000_BASE_T",
        f"{speed}-speed mode, {duplex}-duplex mode",
        "Link speed type is autonegotiation, link duplex type is autonegotiation",
        "Flow-control is not enabled",
        "Maximum frame length: 9216",
        "Last clearing of counters: Never",
        f"Current system time:{stamp(now)}",
        f"Last time when physical state changed to up:{up}",
        f"Last time when physical state changed to down:{stamp(booted - 13)}",
        f" Last 300 seconds input: {c.in_pps} packets/sec {c.in_bps // 8} bytes/sec {percent}",
        f" Last 300 seconds output: {c.out_pps} packets/sec {c.out_bps // 8} bytes/sec"
        f" {out_percent}",
        f" Input (total):  {c.in_packets} packets, {c.in_bytes} bytes",
        f"         {c.in_packets} unicasts, 0 broadcasts, 0 multicasts, 0 pauses",
        f" Input (normal):  {c.in_packets} packets, - bytes",
        f"         {c.in_packets} unicasts, 0 broadcasts, 0 multicasts, 0 pauses",
        " Input:  0 input errors, 0 runts, 0 giants, 0 throttles",
        "         0 CRC, 0 frame, - overruns, 0 aborts",
        "         - ignored, - parity errors",
        f" Output (total): {c.out_packets} packets, {c.out_bytes} bytes",
        f"         {c.out_packets} unicasts, 0 broadcasts, 0 multicasts, 0 pauses",
        f" Output (normal): {c.out_packets} packets, - bytes",
        f"         {c.out_packets} unicasts, 0 broadcasts, 0 multicasts, 0 pauses",
        " Output: 0 output errors, - underruns, 0 buffer failures",
        "         0 aborts, 0 deferred, 0 collisions, 0 late collisions",
        "         0 lost carrier, - no carrier",
        "",
    ]


# --- Cisco IOS ----------------------------------------------------------------------------
# tests/real/cisco_ios/show-interfaces-dot1q.txt (ntc-templates cisco_ios_show_interfaces3.raw):
# a port's block with the default "5 minute" rates (its GigabitEthernet0/1), a port carrying
# 802.1Q sub-interfaces ("Encapsulation 802.1Q Virtual LAN, Vlan ID  1."), a sub-interface's
# block, which has no counters of its own on IOS (its port's count them), and a Loopback's.


def ios_text(device: Device, args: list[str], counts: Counts) -> str:
    return "\n".join(render_blocks(device, args, counts, _ios_block))


def _ios_block(device: Device, iface: Interface, c: InterfaceCounts, now: float) -> list[str]:
    state = "up" if iface.oper_up else "down" if iface.admin_up else "administratively down"
    protocol = "up" if iface.oper_up else "down"
    loopback = iface.kind is InterfaceKind.LOOPBACK
    mac = iface.mac.lower().replace("-", ".")
    lines = [f"{iface.name} is {state}, line protocol is {protocol} "]
    if loopback:
        lines.append("  Hardware is Loopback")
    else:
        lines.append(f"  Hardware is {_ios_hardware(device)}, address is {mac} (bia {mac})")
    if iface.description:
        lines.append(f"  Description: {iface.description}")
    if iface.address is not None:
        lines.append(f"  Internet address is {iface.address.with_prefixlen}")
    if loopback:
        lines += [
            "  MTU 1514 bytes, BW 8000000 Kbit/sec, DLY 5000 usec, ",
            "     reliability 255/255, txload 1/255, rxload 1/255",
            "  Encapsulation LOOPBACK, loopback not set",
        ]
    else:
        kbit = iface.bandwidth_mbps * 1000
        delay = 10 if iface.bandwidth_mbps >= 1000 else 100
        lines += [
            f"  MTU 1500 bytes, BW {kbit} Kbit/sec, DLY {delay} usec, ",
            f"     reliability 255/255, txload {_load(c.out_bps, kbit)}/255,"
            f" rxload {_load(c.in_bps, kbit)}/255",
        ]
    if iface.dot1q is not None:
        return [
            *lines,
            f"  Encapsulation 802.1Q Virtual LAN, Vlan ID  {iface.dot1q}.",
            "  ARP type: ARPA, ARP Timeout 04:00:00",
            "  Keepalive set (10 sec)",
            '  Last clearing of "show interface" counters never',
        ]
    if not loopback:
        trunk = any(s.parent == iface.name for s in device.interfaces)
        encapsulation = "802.1Q Virtual LAN, Vlan ID  1." if trunk else "ARPA"
        lines += [
            f"  Encapsulation {encapsulation}, loopback not set",
            "  Keepalive set (10 sec)",
        ]
        if iface.link_up and iface.admin_up:
            lines.append(f"  Full Duplex, {iface.bandwidth_mbps}Mbps, media type is T")
        else:
            lines.append("  Auto Duplex, Auto Speed, media type is T")
        lines += [
            "  output flow-control is XON, input flow-control is XON",
            "  ARP type: ARPA, ARP Timeout 04:00:00",
        ]
    else:
        lines.append("  Keepalive set (10 sec)")
    last_in = "00:00:00" if c.in_pps else "never"
    last_out = "00:00:00" if c.out_pps else "never"
    queue = "0/0" if loopback else "0/40"
    lines += [
        f"  Last input {last_in}, output {last_out}, output hang never",
        '  Last clearing of "show interface" counters never',
        "  Input queue: 0/75/0/0 (size/max/drops/flushes); Total output drops: 0",
        "  Queueing strategy: fifo",
        f"  Output queue: {queue} (size/max)",
        f"  5 minute input rate {c.in_bps} bits/sec, {c.in_pps} packets/sec",
        f"  5 minute output rate {c.out_bps} bits/sec, {c.out_pps} packets/sec",
        f"     {c.in_packets} packets input, {c.in_bytes} bytes, 0 no buffer",
        "     Received 0 broadcasts (0 IP multicasts)",
        "     0 runts, 0 giants, 0 throttles",
    ]
    if loopback:
        return [
            *lines,
            "     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored, 0 abort",
            f"     {c.out_packets} packets output, {c.out_bytes} bytes, 0 underruns",
            "     0 output errors, 0 collisions, 0 interface resets",
            "     0 unknown protocol drops",
            "     0 output buffer failures, 0 output buffers swapped out",
        ]
    return [
        *lines,
        "     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored",
        "     0 watchdog, 0 multicast, 0 pause input",
        f"     {c.out_packets} packets output, {c.out_bytes} bytes, 0 underruns",
        "     0 output errors, 0 collisions, 0 interface resets",
        "     0 unknown protocol drops",
        "     0 babbles, 0 late collision, 0 deferred",
        "     0 lost carrier, 0 no carrier, 0 pause output",
        "     0 output buffer failures, 0 output buffers swapped out",
    ]


def _ios_hardware(device: Device) -> str:
    """The hardware word of a router's Ethernet ports: the ISR 4000's built-in ports, or
    the ISR G2's ("CN Gigabit Ethernet")."""
    if device.model.startswith("ISR4"):
        return device.model.split("/")[0] + "-3x1GE"
    return "CN Gigabit Ethernet"


def _load(bps: int, kbit: int) -> int:
    """txload/rxload: the rate as a fraction of 255 of the bandwidth (1 at the least)."""
    return max(1, min(255, bps * 255 // max(1, kbit * 1000)))
