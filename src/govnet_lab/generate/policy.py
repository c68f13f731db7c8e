"""The synthesized project's policy: the bundled one, with each vertical system's probe
address (``probe:`` of its catalogue entry) set to the server the lab built behind the
system's node, as an operator would agree it; only for the systems the lab attaches to the
city's dedicated zone (a probe elsewhere would be pinged through the extranet in vain).
The text is edited, not re-dumped, so the policy's comments stay for whoever reads it."""

from __future__ import annotations

from govnet.model.files import get_bundled_root
from govnet.model.policy import POLICY_FILE
from govnet_lab.district import District
from govnet_lab.generate.lines import get_extranet_systems
from govnet_lab.generate.networks import EXTRANET_PUBLIC
from govnet_lab.generate.upstream import CITY, INTERNET, get_system_node
from govnet_lab.generate.vpnv4 import get_loopback

MIGRATION_MARKER = "  quiet_rate: 1.0\n"  # the last line of the bundled policy's migration


def get_lab_policy_text(district: District) -> str:
    """The bundled policy's text with ``probe: <server>`` in each catalogue entry whose
    system has a node in this district on the city's dedicated zone (inserted after
    ``{key: <key>, ``)."""
    text = (get_bundled_root() / POLICY_FILE).read_text(encoding="utf-8")
    servers = {s.host: s.address for s in district.servers}
    for node in district.upstream:
        key = node.hostname.removeprefix(get_system_node(""))
        marker = f"{{key: {key}, "
        if node.hostname != get_system_node(key) or node.hostname not in servers:
            continue
        if key not in get_extranet_systems():
            continue
        if marker in text:
            text = text.replace(marker, f"{marker}probe: {servers[node.hostname]}, ", 1)
    # The public zone's portal and the internet site answer ping: plans prove a LAN still
    # reaches them after its own exit closes, and that a disconnected breach no longer does.
    portal = next(
        (s.address for s in district.servers if s.host == CITY and s.address in EXTRANET_PUBLIC),
        None,
    )
    site = next((s.address for s in district.servers if s.host == INTERNET), None)
    extra = "".join(
        f"  {name}: {address}\n"
        for name, address in (("public_probe", portal), ("internet_probe", site))
        if address is not None
    )
    # The lab's flows are steady (tens of packets a second each), so a few seconds of
    # counters tell a busy line from a quiet one; a real line needs the policy's 30.
    text = text.replace("  quiet_seconds: 30\n", "  quiet_seconds: 3\n", 1)
    text = _upstream(text, district)
    if MIGRATION_MARKER in text:
        text = text.replace(MIGRATION_MARKER, MIGRATION_MARKER + extra, 1)
    return text


UPSTREAM_MARKER = "  upstream:\n    handoff: option_a\n"


def _upstream(text: str, district: District) -> str:
    """A VPNv4 district's policy says so: the city core is the route reflector (its
    loopback, its AS); an Option A district's policy is the bundled one."""
    city = district.get_device(CITY)
    peers = [p for d in district.devices for p in d.bgp_peers if p.vpnv4]
    if city is None or not peers or UPSTREAM_MARKER not in text:
        return text
    reflector = get_loopback(city).address
    assert reflector is not None
    handoff = (
        "  upstream:\n    handoff: vpnv4\n"
        f"    route_reflectors: [{reflector.ip}]  # the lab's city core (RR and PE)\n"
        f"    reflector_asn: {city.bgp_as}\n"
    )
    return text.replace(UPSTREAM_MARKER, handoff, 1)
