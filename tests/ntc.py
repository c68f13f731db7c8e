"""ntc-templates as the survey will use them: the index, minus its false matches."""

from __future__ import annotations

from typing import Any

from ntc_templates.parse import _get_template_dir, parse_output  # type: ignore[import-untyped]
from textfsm import clitable  # type: ignore[import-untyped]

NTC = {"huawei": "huawei_vrp", "hp_comware": "hp_comware", "cisco_ios": "cisco_ios"}

# Index rows that match only because ntc-templates compare command prefixes: the template
# is for another command and cannot parse this one (the survey must not rely on them).
FALSE_MATCHES = {
    "huawei_vrp_dir.textfsm",  # d[[ir]] matches every "display ..."
    "huawei_vrp_display_lldp_neighbor.textfsm:display lldp neighbor brief",  # verbose form
    "hp_comware_display_ip_interface.textfsm:display ip interface brief",  # detail form
    "cisco_ios_show_ip_bgp.textfsm:show ip bgp vpnv4 all summary",  # the BGP table
    "cisco_ios_show_standby.textfsm:show startup-config",  # sh[[ow]] sta[[ndby]]: HSRP
}


def template_for(platform: str, command: str) -> str | None:
    """The ntc-templates template its index gives for a command, or None."""
    table = clitable.CliTable("index", _get_template_dir())
    index = table.index.GetRowMatch({"Platform": NTC[platform], "Command": command})
    if not index:
        return None
    template: str = table.index.index[index]["Template"]
    if template in FALSE_MATCHES or f"{template}:{command}" in FALSE_MATCHES:
        return None
    return template


def parse(platform: str, command: str, text: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = parse_output(platform=NTC[platform], command=command, data=text)
    return rows
