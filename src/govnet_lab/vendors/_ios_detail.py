"""IOS's long-form commands NAPALM's IOS driver reads: ``show ip interface``, ``show lldp
neighbors detail`` and ``show vrf detail``, in the layout of real outputs kept in
tests/real/cisco_ios (MANIFEST.yaml names each one's repository, commit and licence):

- ``show ip interface``: show-ip-interface.txt (ntc-templates cisco_ios_show_ip_interface8.raw)
  and napalm-show-ip-interface.txt (napalm test/ios/mocked_data/test_get_interfaces_ip);
  a VRF member's ``VPN Routing/Forwarding "NAME"`` line as ntc-templates'
  cisco_ios_show_ip_interface.textfsm reads it (``^.+VPN\\s+Routing/Forwarding\\s+"${VRF}"``).
- ``show lldp neighbors detail``: show-lldp-neighbors-detail.txt (ntc-templates
  cisco_ios_show_lldp_neighbors_detail3.raw), with "- not advertised" for a TLV the
  neighbour does not send as in napalm's test/ios/mocked_data/test_get_lldp_neighbors_detail/
  alternate (``Port Description - not advertised``).
- ``show vrf detail``: show-vrf-detail.txt and napalm-vrf-detail.txt.
"""

from __future__ import annotations

from govnet_lab.model import Device, Interface, InterfaceKind
from govnet_lab.render.common import Command, command, pseudo_mac, short_name

# The lines after the address that do not depend on the model (show-ip-interface.txt).
_IP_LINES = (
    "  Helper address is not set",
    "  Directed broadcast forwarding is disabled",
    "  Outgoing access list is not set",
    "  Inbound  access list is not set",
    "  Proxy ARP is enabled",
    "  Local Proxy ARP is disabled",
    "  Security level is default",
    "  Split horizon is enabled",
    "  ICMP redirects are always sent",
    "  ICMP unreachables are always sent",
    "  ICMP mask replies are never sent",
    "  IP fast switching is enabled",
    "  IP fast switching on the same interface is disabled",
    "  IP Flow switching is disabled",
    "  IP CEF switching is enabled",
    "  IP Fast switching turbo vector",
    "  IP Normal CEF switching turbo vector",
)
_IP_TAIL = (
    "  IP multicast fast switching is enabled",
    "  IP multicast distributed fast switching is disabled",
    "  IP route-cache flags are Fast, CEF",
    "  Router Discovery is disabled",
    "  IP output packet accounting is disabled",
    "  IP access violation accounting is disabled",
    "  TCP/IP header compression is disabled",
    "  RTP/IP header compression is disabled",
    "  Probe proxy name replies are disabled",
    "  Policy routing is disabled",
    "  Network address translation is disabled",
    "  BGP Policy Mapping is disabled",
    "  Sampled Netflow is disabled",
    "  IP multicast multilayer switching is disabled",
)


def _state(iface: Interface) -> str:
    state = "up" if iface.oper_up else "down" if iface.admin_up else "administratively down"
    return f"{iface.name} is {state}, line protocol is {'up' if iface.oper_up else 'down'}"


def ip_interface_text(device: Device, _: list[str]) -> str:
    lines: list[str] = []
    for iface in device.interfaces:
        lines.append(_state(iface))
        if iface.address is None:
            lines.append("  Internet protocol processing disabled")
            continue
        mtu = 1514 if iface.kind is InterfaceKind.LOOPBACK else 1500
        lines += [
            f"  Internet address is {iface.address.with_prefixlen}",
            "  Broadcast address is 255.255.255.255",
            "  Address determined by non-volatile memory",
            f"  MTU is {mtu} bytes",
            *_IP_LINES,
        ]
        if iface.vpn_instance is not None:
            lines.append(f'  VPN Routing/Forwarding "{iface.vpn_instance}"')
        lines += _IP_TAIL
    return "\n".join(lines)


def _cisco_mac(text: str) -> str:
    digits = text.replace("-", "").replace(".", "").lower()
    return f"{digits[0:4]}.{digits[4:8]}.{digits[8:12]}"


def lldp_detail_text(device: Device, _: list[str]) -> str:
    from govnet_lab.vendors.ios import SHORT  # the short names IOS prints (no cycle at import)

    lines: list[str] = []
    for n in device.lldp_neighbours:
        lines += [
            "------------------------------------------------",
            f"Local Intf: {short_name(n.local_interface, SHORT)}",
            f"Chassis id: {_cisco_mac(pseudo_mac(n.system_name))}",
            f"Port id: {n.port}",
            "Port Description - not advertised",
            f"System Name: {n.system_name}",
            "",
            "System Description - not advertised",
            "",
            "Time remaining: 104 seconds",
            "System Capabilities: B,R",
            "Enabled Capabilities: R",
            "Management Addresses - not advertised",
            "Auto Negotiation - supported, enabled",
            "Physical media capabilities:",
            "    1000baseT(FD)",
            "Media Attachment Unit type: 30",
            "Vlan ID: - not advertised",
            "",
        ]
    lines += ["", f"Total entries displayed: {len(device.lldp_neighbours)}"]
    return "\n".join(lines)


def vrf_detail_text(device: Device, _: list[str]) -> str:
    from govnet_lab.vendors.ios import SHORT

    blocks: list[str] = []
    for number, vpn in enumerate(device.vpn_instances, start=1):
        rd = vpn.route_distinguisher or "<not set>"
        members = [
            short_name(i.name, SHORT) for i in device.interfaces if i.vpn_instance == vpn.name
        ]
        lines = [
            f"VRF {vpn.name} (VRF Id = {number}); default RD {rd}; default VPNID <not set>",
            "  New CLI format, supports multiple address-families",
            "  Flags: 0x180C",
        ]
        if vpn.description:
            lines.insert(1, f"  Description: {vpn.description}")
        lines += (
            ["  Interfaces:", *(f"    {m}" for m in members)] if members else ["  No interfaces"]
        )
        lines += [f"Address family ipv4 unicast (Table ID = 0x{number:X}):", "  Flags: 0x0"]
        for kind, targets in (("Export", vpn.export_targets), ("Import", vpn.import_targets)):
            if targets:
                lines.append(f"  {kind} VPN route-target communities")
                lines += [f"    RT:{t}" for t in targets]
            else:
                lines.append(f"  No {kind} VPN route-target communities")
        lines += [
            "  No import route-map",
            "  No global export route-map",
            "  No export route-map",
            "  VRF label distribution protocol: not configured",
            "  VRF label allocation mode: per-prefix",
            "Address family ipv6 unicast not active",
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


COMMANDS: list[Command] = [
    command("sh:ow ip int:erface", ip_interface_text),
    command("sh:ow lldp nei:ghbors det:ail", lldp_detail_text),
    command("sh:ow vrf det:ail", vrf_detail_text),
]
