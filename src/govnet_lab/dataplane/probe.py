"""What a ping or a traceroute asks and what the data plane answers: the words shared by the
forwarding engine (govnet_lab.dataplane) and the vendors that type and print probes.

The engine decides what happens to the packets; a vendor only reads its own command syntax
into a :class:`ProbeRequest` and prints a :class:`Probe` the way its routers print it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from ipaddress import IPv4Address
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from govnet_lab.model import Device
    from govnet_lab.render.common import Syntax


class Outcome(StrEnum):
    REPLY = "reply"  # the destination answered and its answer came back
    UNREACHABLE = "unreachable"  # a router on the way had no route: it sent ICMP unreachable
    TIMEOUT = "timeout"  # lost without a word: a link or carrier down, a black hole, no way back


@dataclass(frozen=True)
class ProbeRequest:
    """A ping or traceroute as typed: the vendor fills in its own defaults."""

    destination: IPv4Address
    vpn: str | None = None  # VPN instance / VRF the probe is sent in (None: the global table)
    source: IPv4Address | None = None  # -a / source: None lets the router choose
    count: int = 5  # echo requests (ping)
    size: int = 56  # ICMP data bytes as the vendor counts them
    timeout_ms: int = 2000  # per echo / per hop
    max_ttl: int = 30  # traceroute
    first_ttl: int = 1  # traceroute
    probes_per_hop: int = 3  # traceroute
    # IOS `source IFNAME`: the interface as typed; the data plane resolves it on the device
    # (to ``source``, its address) or refuses it as the device does.
    source_interface: str | None = None


@dataclass(frozen=True)
class Hop:
    """One router (or the destination) a packet met, counted from the source's first hop."""

    address: IPv4Address  # the address it answers from: the interface the packet came in on
    answered: bool  # its ICMP answer (time exceeded, unreachable, echo reply) got back
    host: str  # the lab router or server it is (not shown by a device; for tests and truth)


@dataclass(frozen=True)
class Probe:
    """What the network did with one probe.

    ``hops`` are the routers after the source, in order; when the outcome is REPLY the last
    hop is the destination itself, when UNREACHABLE the last hop is the router that had no
    route (its unreachable message got back only if that hop is ``answered``), when TIMEOUT
    the packet was lost after the last hop listed (or at the source when there is none).
    ``source`` is the address the probe left with; None when the source router itself had
    no route (a router then refuses or times out as its vendor does).
    """

    request: ProbeRequest
    outcome: Outcome
    source: IPv4Address | None
    hops: tuple[Hop, ...] = ()
    rtt_ms: int = 1  # a round trip to the last hop, the same for every echo (deterministic)
    reply_ttl: int = 255  # the TTL of the echo reply as it arrives
    reason: str = ""  # why it failed, in words (for tests and the lab's own answer)
    path: tuple[str, ...] = field(default=())  # hostnames along the forward path, source first
    # The least time between two ICMP unreachables the router without a route sends (0: no
    # limit). IOS limits them to one per 500 ms by default ("ip icmp rate-limit
    # unreachable"), which is why a real IOS ping prints "U.U.U" and a traceroute "!H  *  !H".
    unreachable_interval_ms: int = 0


class ProbeSyntaxError(ValueError):
    """The command is not valid for this vendor: ``str(exc)`` is the vendor's error text.

    ``word`` is the index (in the words typed) of the word the vendor puts its caret under,
    None where it prints no caret line. The reader has no device, so the caret line (which
    depends on the prompt) is added by :meth:`text_for`, through the renderer's own helper.
    """

    def __init__(self, text: str, word: int | None = None) -> None:
        super().__init__(text)
        self.word = word

    def text_for(self, device: Device, syntax: Syntax, raw: str) -> str:
        """The error as the device prints it after ``raw``: the caret line, then the text."""
        from govnet_lab.render.common import error_text

        spans = [m.start() for m in re.finditer(r"\S+", raw)]
        column: int | None = None
        if self.word is not None:
            column = spans[self.word] if self.word < len(spans) else len(raw.rstrip())
        return error_text(device, syntax, raw, column, str(self))


@dataclass(frozen=True)
class Probes:
    """How one vendor types and prints ping and traceroute.

    ``read_*`` take the words typed (the command word first, as typed, possibly abbreviated)
    and return the request, or raise ProbeSyntaxError with the device's error text. ``show_*``
    print the answer exactly as the vendor does (lines joined by "\\n", no prompt).
    """

    ping_words: tuple[str, ...]  # the command words, written "min:rest" as in render.common
    trace_words: tuple[str, ...]
    read_ping: Callable[[list[str]], ProbeRequest]
    show_ping: Callable[[Probe], str]
    read_trace: Callable[[list[str]], ProbeRequest]
    show_trace: Callable[[Probe], str]
    # The command that asks for a request (destination, VPN, source), as an engineer types
    # it: what tests and benchmarks send over SSH.
    type_ping: Callable[[ProbeRequest], str]
    type_trace: Callable[[ProbeRequest], str]
