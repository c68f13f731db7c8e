"""Checks that test traffic: the ping a check asks for, typed in the platform's syntax, and
what the device's answer says (how many echoes went out, how many came back).

The syntax and the answer's statistics line are data (``push: ping:`` in the platform's
``platform.yaml``); this module only fills them in. Every value typed is checked first: a
VPN name or address that came from an inventory or a device can never become a second
command, a CLI help request or an option.
"""

from __future__ import annotations

import re
from ipaddress import AddressValueError, IPv4Address

from govnet.model.plans import Check, PingAnswer
from govnet.plan.configsafe import UnsafeValue, to_name
from govnet.platforms.specs import PingSpec

DEFAULT_COUNT = 5
SESSION_MARGIN = 10.0  # seconds over the echoes' own waits: the prompt, a slow CLI


def get_ping_command(spec: PingSpec, check: Check) -> str:
    """The command for a ping check, every value checked; UnsafeValue when one is not."""
    if check.destination is None or check.source is None:
        raise UnsafeValue("ping", check.text, "needs a destination and a source address")
    count = check.count or DEFAULT_COUNT
    if not 1 <= count <= 100:
        raise UnsafeValue("ping count", count, "must be 1 to 100")
    vpn = spec.vpn.format(name=to_name(check.vpn, "VPN instance")) if check.vpn else ""
    return spec.command.format(
        vpn=vpn,
        source=_address(check.source),
        count=count,
        destination=_address(check.destination),
    )


def _address(value: str) -> str:
    try:
        return str(IPv4Address(value))
    except (AddressValueError, ValueError):
        raise UnsafeValue("address", value, "not an IPv4 address") from None


def get_ping_timeout(spec: PingSpec, check: Check) -> float:
    """Seconds to wait for a whole ping: every echo may wait its full time (a lost one does),
    plus a margin for the prompt."""
    return (check.count or DEFAULT_COUNT) * spec.wait + SESSION_MARGIN


def read_ping(spec: PingSpec, text: str) -> PingAnswer | None:
    """The device's own count of echoes sent and replies received; None when the answer has
    no statistics (an error, a refused option, a cut answer).

    >>> spec = PingSpec(command="ping {vpn}-a {source} -c {count} {destination}",
    ...                 vpn="-vpn-instance {name} ",
    ...                 result=r"(?P<sent>\\d+) packet\\(s\\) transmitted[,\\s]+"
    ...                        r"(?P<received>\\d+) packet\\(s\\) received")
    >>> read_ping(spec, "5 packet(s) transmitted, 0 packet(s) received, 100.0% packet loss")
    PingAnswer(sent=5, received=0)
    >>> read_ping(spec, " % Unrecognized command found at '^' position.") is None
    True
    """
    match = re.search(spec.result, text, re.MULTILINE)
    if match is None:
        return None
    return PingAnswer(int(match.group("sent")), int(match.group("received")))
