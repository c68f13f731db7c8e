"""ping and traceroute as Cisco IOS types and prints them.

IOS takes ``[vrf V] [ip] DST`` then keywords with their values, abbreviated to any unique
prefix. It prints a mark per echo ("!" reply, "." nothing, "U" unreachable) and a line per
traceroute TTL.

Sources (saved outputs, tests/fixtures/probes/cisco_ios/SOURCES.yaml):

- networktocode/ntc-templates, commit d0bc5a480fe935afb6d9f6806c795a0390aaec90,
  tests/cisco_ios/ping/*.raw ("Type escape sequence to abort.", "Sending 5, 100-byte ICMP
  Echos to 192.168.0.1, timeout is 2 seconds:", "Packet sent with a source address of ...",
  70 marks a line, "Success rate is 100 percent (5/5), round-trip min/avg/max = 1/2/10 ms",
  "U..U." / "Success rate is 0 percent (0/5)" with no round-trip part when nothing came
  back) and tests/cisco_ios/traceroute/*.raw ("Tracing the route to 10.133.2.1", "VRF info:
  (vrf in name/id, vrf out name/id)", "  1 10.180.140.150 1 msec 1 msec 1 msec", "  4  *  *
  * ", an address that changes within a TTL on its own line indented 4, "  6 172.17.10.225
  !H  *  !H": the unreachables the router's rate limit let through, the trace ending there).
- Keywords, ranges and defaults (repeat 5, size 100, timeout 2 s; traceroute probe 3,
  timeout 3 s, ttl 1 30) from Cisco's "Understanding the Ping and Traceroute Commands"
  (https://www.cisco.com/c/en/us/support/docs/ios-nx-os-software/ios-software-releases-121-mainline/12778-ping-traceroute.html)
  and the IOS command reference for ping/traceroute.
- A destination that is no address: "% Unrecognized host or address, or protocol not
  running." (IOS's answer to a name it cannot resolve, no caret; seen in IOS session logs
  published without a licence, and the message IOS's own ping parser prints).
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import AddressValueError, IPv4Address

from govnet_lab.dataplane.probe import Probe, ProbeRequest, Probes, ProbeSyntaxError
from govnet_lab.vendors._probe_common import (
    Kind,
    Option,
    Texts,
    find_option,
    incomplete,
    read_address,
    read_value,
    replied,
    told_unreachable,
    trace_rows,
    unreachable_answers,
)

TEXTS = Texts(
    unrecognized="% Invalid input detected at '^' marker.",
    wrong="% Invalid input detected at '^' marker.",
    incomplete="% Incomplete command.",
    too_many="% Invalid input detected at '^' marker.",
    ambiguous='% Ambiguous command:  "{command}"',
    bad_host="% Unrecognized host or address, or protocol not running.",
    caret_incomplete=False,
    caret_ambiguous=False,
)
_SOURCE = Option("source", "source", Kind.NAME)
_TIMEOUT = Option("timeout", "timeout_ms", low=0, high=3600, scale=1000)

PING = (
    Option("data", kind=Kind.NAME),
    Option("df-bit", kind=Kind.FLAG),
    Option("repeat", "count", low=1, high=2147483647),
    Option("size", "size", low=36, high=18024),
    _SOURCE,
    _TIMEOUT,
    Option("validate", kind=Kind.FLAG),
    Option("verbose", kind=Kind.FLAG),
)
TRACE = (
    Option("numeric", kind=Kind.FLAG),
    Option("port", low=1, high=65535),
    Option("probe", "probes_per_hop", low=1, high=65535),
    _SOURCE,
    _TIMEOUT,
    Option("ttl", "first_ttl", low=0, high=255),  # then the maximum, read with it
)
_LEADING = (Option("vrf", "vpn", Kind.NAME), Option("ip", kind=Kind.FLAG))


def _read(words: list[str], options: tuple[Option, ...], **defaults: int) -> ProbeRequest:
    values: dict[str, object] = dict(defaults)
    index = 1
    while index < len(words) and any(o.keyword.startswith(words[index]) for o in _LEADING):
        option = find_option(_LEADING, words, index, TEXTS)
        if option.kind is Kind.FLAG:
            index += 1
            continue
        values["vpn"] = read_value(option, words, index + 1, TEXTS)
        index += 2
    if index >= len(words):
        raise incomplete(words, TEXTS)  # a real IOS asks for the rest (extended ping) here
    host = read_address(words, index, TEXTS.bad_host, caret=False)
    index += 1
    while index < len(words):
        option = find_option(options, words, index, TEXTS)
        if option.kind is Kind.FLAG:
            index += 1
            continue
        value = read_value(option, words, index + 1, TEXTS)
        index += 2
        if option.keyword == "source":
            try:
                values["source"] = IPv4Address(str(value))
            except AddressValueError:
                values["source_interface"] = str(value)
        elif option.keyword == "ttl":
            values["first_ttl"] = max(1, int(str(value)))  # IOS probes TTL 0 as 1
            values["max_ttl"] = read_value(option, words, index, TEXTS)
            if int(str(values["max_ttl"])) < int(str(value)):
                raise ProbeSyntaxError(TEXTS.wrong, index)
            index += 1
        elif option.field is not None:
            values[option.field] = value
    return ProbeRequest(destination=host, **values)  # type: ignore[arg-type]


def read_ping(words: list[str]) -> ProbeRequest:
    return _read(words, PING, count=5, size=100, timeout_ms=2000)


def read_trace(words: list[str]) -> ProbeRequest:
    return _read(words, TRACE, timeout_ms=3000, max_ttl=30, probes_per_hop=3)


def _marks(probe: Probe) -> str:
    count = probe.request.count
    if replied(probe):
        return "!" * count
    if told_unreachable(probe):
        got = unreachable_answers(probe, count, probe.rtt_ms)
        return "".join("U" if answered else "." for answered in got)
    return "." * count


def show_ping(probe: Probe) -> str:
    request = probe.request
    lines = [
        "Type escape sequence to abort.",
        f"Sending {request.count}, {request.size}-byte ICMP Echos to {request.destination}, "
        f"timeout is {request.timeout_ms // 1000} seconds:",
    ]
    asked = request.source is not None or request.source_interface is not None
    if asked and probe.source is not None:
        lines.append(f"Packet sent with a source address of {probe.source}")
    marks = _marks(probe)
    lines += [marks[i : i + 70] for i in range(0, len(marks), 70)]
    success = marks.count("!")
    rate = f"Success rate is {100 * success // request.count} percent ({success}/{request.count})"
    if success:
        rtt = probe.rtt_ms
        rate += f", round-trip min/avg/max = {rtt}/{rtt}/{rtt} ms"
    lines.append(rate)
    return "\n".join(lines)


def show_trace(probe: Probe) -> str:
    lines = [
        "Type escape sequence to abort.",
        f"Tracing the route to {probe.request.destination}",
        "VRF info: (vrf in name/id, vrf out name/id)",
    ]
    for ttl, answers in trace_rows(probe):
        line = f"{ttl:3d} "
        shown = None
        for answer in answers:
            if answer.address is None:
                line += " * "
                continue
            if answer.address != shown:
                if line.strip() != str(ttl):  # something already on it: the new one below
                    lines.append(line)
                    line = "    "
                line += str(answer.address)
                shown = answer.address
            line += f" !{answer.mark} " if answer.mark else f" {answer.ms} msec"
        lines.append(line)
    return "\n".join(lines)


def typed(command: str) -> Callable[[ProbeRequest], str]:
    """``command [vrf V] DST [source SRC]``, as IOS takes a probe."""

    def line(request: ProbeRequest) -> str:
        vrf = f" vrf {request.vpn}" if request.vpn else ""
        source = f" source {request.source}" if request.source else ""
        return f"{command}{vrf} {request.destination}{source}"

    return line


PROBES = Probes(
    ping_words=("pi:ng",),
    trace_words=("tr:aceroute",),
    read_ping=read_ping,
    show_ping=show_ping,
    read_trace=read_trace,
    show_trace=show_trace,
    type_ping=typed("ping"),
    type_trace=typed("traceroute"),
)
