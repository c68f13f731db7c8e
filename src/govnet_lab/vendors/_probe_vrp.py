"""ping and tracert as Huawei VRP and H3C Comware type and print them.

Both take ``-option value`` pairs in any order before the host and print a line per echo
(neither shows an ICMP unreachable without ``-v``: a probe it answered reads "Request time
out" like a lost one). Their layouts differ, so each has its own printers.

Sources (saved outputs and the vendors' manuals):

- VRP ping, all replies: napalm-automation-community/napalm-ce, commit
  b0d5196026d5af390b14d1d3073290fd4944da19,
  test/unit/mocked_data/test_ping/normal/ping__t_2000__s_100__c_5_8_8_8_8.txt (a CE's own
  output, tests/fixtures/probes/huawei); VRP 8 manuals print the same lines
  (https://support.huawei.com/enterprise/en/doc/EDOC1100117312).
- VRP ping, every echo lost: "Request time out" per echo and no round-trip line
  (a NetEngine's output quoted in a GitHub issue found by the code search, and the AR
  output in https://support.huawei.com/enterprise/en/doc/EDOC1000060368); options, ranges
  and defaults: the VRP ping reference (http://a10.tagan.ru/huawei/dc/ping.html, a copy
  of Huawei's "ping" command page: -c 5, -s 56, -t 2000 ms, "-v displays the ICMP
  packets that are not Echo Response packets; by default they are not displayed").
- VRP tracert: AR/eNSP outputs saved in public labs (" traceroute to  4.4.4.4(4.4.4.4),
  max hops: 30 ,packet length: 40,press CTRL_C to break " and " 1 192.168.12.2 20 ms
  20 ms  20 ms "; with -vpn-instance the instance's name fills the double space);
  defaults (-w 5000 ms, -q 3, -m 30) from EDOC1100117312.
- Comware ping and tracert: the H3C Comware 7 command reference "系统维护与调试命令"
  (ping: "Ping 1.1.2.2 (1.1.2.2): 56 data bytes, press CTRL_C to break", "56 bytes from
  1.1.2.2: icmp_seq=0 ttl=254 time=2.137 ms", "--- Ping statistics for 1.1.2.2 [in VPN
  instance vpn1] ---", "5 packet(s) transmitted, 5 packet(s) received, 0.0% packet loss",
  "round-trip min/avg/max/std-dev = ..."; tracert: "traceroute to 1.1.2.2 (1.1.2.2), 30
  hops at most, 40 bytes each packet, press CTRL_C to break", " 1  1.1.1.2 (1.1.1.2)
  0.661 ms ...", "* * *" for a silent hop, -w 5000 ms), the same pages in HPE's
  FlexNetwork 7500 "Network Management and Monitoring Command Reference", and a Comware
  "ping -a" with every echo lost ("Ping 192.168.1.1 (192.168.1.1) from 192.168.2.1: ...",
  "Request time out", a blank line, the statistics, no round-trip line).
- Comware's tracert prints an unreachable as BSD traceroute (which its layout is) does:
  " !H" after the time. VRP's unreachable mark is not in any output found: the lab prints
  it the same way after VRP's time (doubtful).
"""

from __future__ import annotations

from collections.abc import Callable

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
    trace_rows,
)

HUAWEI_TEXTS = Texts(
    unrecognized="Error: Unrecognized command found at '^' position.",
    wrong="Error: Wrong parameter found at '^' position.",
    incomplete="Error: Incomplete command found at '^' position.",
    too_many="Error: Too many parameters found at '^' position.",
    ambiguous="Error: Ambiguous command found at '^' position.",
)
COMWARE_TEXTS = Texts(
    unrecognized=" % Unrecognized command found at '^' position.",
    wrong=" % Wrong parameter found at '^' position.",
    incomplete=" % Incomplete command found at '^' position.",
    too_many=" % Too many parameters found at '^' position.",
    ambiguous=" % Ambiguous command found at '^' position.",
)

_SOURCE = Option("-a", "source", Kind.ADDRESS)
_VPN = Option("-vpn-instance", "vpn", Kind.NAME)

HUAWEI_PING = (
    _SOURCE,
    Option("-c", "count", low=1, high=4294967295),
    Option("-d", kind=Kind.FLAG),
    Option("-f", kind=Kind.FLAG),
    Option("-h", low=1, high=255),
    Option("-m", low=1, high=10000),
    Option("-n", kind=Kind.FLAG),
    Option("-name", kind=Kind.FLAG),
    Option("-p", kind=Kind.NAME),
    Option("-q", kind=Kind.FLAG),
    Option("-r", kind=Kind.FLAG),
    Option("-s", "size", low=20, high=9600),
    Option("-system-time", kind=Kind.FLAG),
    Option("-t", "timeout_ms", low=0, high=65535),
    Option("-tos", low=0, high=255),
    Option("-v", kind=Kind.FLAG),
    _VPN,
)
HUAWEI_TRACE = (
    _SOURCE,
    Option("-f", "first_ttl", low=1, high=255),
    Option("-m", "max_ttl", low=1, high=255),
    Option("-name", kind=Kind.FLAG),
    Option("-p", low=1, high=65535),
    Option("-q", "probes_per_hop", low=1, high=65535),
    Option("-v", kind=Kind.FLAG),
    _VPN,
    Option("-w", "timeout_ms", low=1, high=65535),
)
COMWARE_PING = (
    _SOURCE,
    Option("-c", "count", low=1, high=4294967295),
    Option("-f", kind=Kind.FLAG),
    Option("-h", low=1, high=255),
    Option("-m", low=1, high=65535),
    Option("-n", kind=Kind.FLAG),
    Option("-p", kind=Kind.NAME),
    Option("-q", kind=Kind.FLAG),
    Option("-r", kind=Kind.FLAG),
    Option("-s", "size", low=20, high=8100),
    Option("-t", "timeout_ms", low=0, high=65535),
    Option("-topology", kind=Kind.NAME),
    Option("-tos", low=0, high=255),
    Option("-v", kind=Kind.FLAG),
    _VPN,
)
COMWARE_TRACE = (
    _SOURCE,
    Option("-f", "first_ttl", low=1, high=255),
    Option("-m", "max_ttl", low=1, high=255),
    Option("-p", low=1, high=65535),
    Option("-q", "probes_per_hop", low=1, high=65535),
    Option("-t", low=0, high=255),
    Option("-topology", kind=Kind.NAME),
    _VPN,
    Option("-w", "timeout_ms", low=1, high=65535),
)


def _read(
    words: list[str], options: tuple[Option, ...], texts: Texts, **defaults: int
) -> ProbeRequest:
    """Options (each once or again: the last wins) in any order, then the host, then nothing."""
    values: dict[str, object] = dict(defaults)
    index = 1
    if len(words) > 1 and words[1].lower() == "ip":
        index = 2
    host = None
    while index < len(words):
        if host is not None:
            raise ProbeSyntaxError(texts.too_many, index)
        if words[index].startswith("-"):
            option = find_option(options, words, index, texts)
            if option.kind is Kind.FLAG:
                index += 1
                continue
            value = read_value(option, words, index + 1, texts)
            if option.field is not None:
                values[option.field] = value
            index += 2
        else:
            host = read_address(words, index, texts.wrong)
            index += 1
    if host is None:
        raise incomplete(words, texts)
    request = ProbeRequest(destination=host, **values)  # type: ignore[arg-type]
    if request.first_ttl > request.max_ttl:
        raise ProbeSyntaxError(texts.wrong, None)
    return request


def read_huawei_ping(words: list[str]) -> ProbeRequest:
    return _read(words, HUAWEI_PING, HUAWEI_TEXTS, count=5, size=56, timeout_ms=2000)


def read_huawei_trace(words: list[str]) -> ProbeRequest:
    return _read(words, HUAWEI_TRACE, HUAWEI_TEXTS, timeout_ms=5000, max_ttl=30)


def read_comware_ping(words: list[str]) -> ProbeRequest:
    return _read(words, COMWARE_PING, COMWARE_TEXTS, count=5, size=56, timeout_ms=2000)


def read_comware_trace(words: list[str]) -> ProbeRequest:
    return _read(words, COMWARE_TRACE, COMWARE_TEXTS, timeout_ms=5000, max_ttl=30)


# --- Huawei VRP --------------------------------------------------------------------------


def show_huawei_ping(probe: Probe) -> str:
    request = probe.request
    dest = request.destination
    lines = [f"  PING {dest}: {request.size}  data bytes, press CTRL_C to break"]
    got = replied(probe)
    for seq in range(1, request.count + 1):
        if got:
            lines.append(
                f"    Reply from {dest}: bytes={request.size} Sequence={seq} "
                f"ttl={probe.reply_ttl} time={probe.rtt_ms} ms"
            )
        else:
            lines.append("    Request time out")
    received = request.count if got else 0
    loss = 100.0 * (request.count - received) / request.count
    lines += [
        "",
        f"  --- {dest} ping statistics ---",
        f"    {request.count} packet(s) transmitted",
        f"    {received} packet(s) received",
        f"    {loss:.2f}% packet loss",
    ]
    if received:
        rtt = probe.rtt_ms
        lines.append(f"    round-trip min/avg/max = {rtt}/{rtt}/{rtt} ms")
    return "\n".join(lines)


def show_huawei_trace(probe: Probe) -> str:
    request = probe.request
    dest = request.destination
    vpn = request.vpn or ""
    lines = [
        f" traceroute to {vpn} {dest}({dest}), max hops: {request.max_ttl} ,"
        "packet length: 40,press CTRL_C to break "
    ]
    for ttl, answers in trace_rows(probe):
        line = f"{ttl:2d}"
        shown = None
        for answer in answers:
            if answer.address is None:
                line += " *"
                continue
            if answer.address != shown:
                line += f" {answer.address}"
                shown = answer.address
            mark = f" !{answer.mark}" if answer.mark else ""
            line += f" {answer.ms} ms{mark} "
        lines.append(line)
    return "\n".join(lines)


# --- H3C Comware -------------------------------------------------------------------------


def show_comware_ping(probe: Probe) -> str:
    request = probe.request
    dest = request.destination
    source = f" from {request.source}" if request.source is not None else ""
    lines = [f"Ping {dest} ({dest}){source}: {request.size} data bytes, press CTRL_C to break"]
    got = replied(probe)
    for seq in range(request.count):
        if got:
            lines.append(
                f"{request.size} bytes from {dest}: icmp_seq={seq} ttl={probe.reply_ttl} "
                f"time={probe.rtt_ms:.3f} ms"
            )
        else:
            lines.append("Request time out")
    received = request.count if got else 0
    loss = 100.0 * (request.count - received) / request.count
    vpn = f" in VPN instance {request.vpn}" if request.vpn else ""
    lines += [
        "",
        f"--- Ping statistics for {dest}{vpn} ---",
        f"{request.count} packet(s) transmitted, {received} packet(s) received, "
        f"{loss:.1f}% packet loss",
    ]
    if received:
        rtt = f"{probe.rtt_ms:.3f}"
        lines.append(f"round-trip min/avg/max/std-dev = {rtt}/{rtt}/{rtt}/0.000 ms")
    return "\n".join(lines)


def show_comware_trace(probe: Probe) -> str:
    request = probe.request
    dest = request.destination
    lines = [
        f"traceroute to {dest} ({dest}), {request.max_ttl} hops at most, 40 bytes each "
        "packet, press CTRL_C to break"
    ]
    for ttl, answers in trace_rows(probe):
        line = f"{ttl:2d} "
        shown = None
        for answer in answers:
            if answer.address is None:
                line += " *"
                continue
            if answer.address != shown:
                line += f" {answer.address} ({answer.address})"
                shown = answer.address
            mark = f" !{answer.mark}" if answer.mark else ""
            line += f"  {answer.ms:.3f} ms{mark}"
        lines.append(line)
    return "\n".join(lines)


def typed(command: str) -> Callable[[ProbeRequest], str]:
    """``command [-vpn-instance V] [-a SRC] DST``, as VRP and Comware take a probe."""

    def line(request: ProbeRequest) -> str:
        vpn = f" -vpn-instance {request.vpn}" if request.vpn else ""
        source = f" -a {request.source}" if request.source else ""
        return f"{command}{vpn}{source} {request.destination}"

    return line


HUAWEI_PROBES = Probes(
    ping_words=("pi:ng",),
    trace_words=("tr:acert",),
    read_ping=read_huawei_ping,
    show_ping=show_huawei_ping,
    read_trace=read_huawei_trace,
    show_trace=show_huawei_trace,
    type_ping=typed("ping"),
    type_trace=typed("tracert"),
)
COMWARE_PROBES = Probes(
    ping_words=("pi:ng",),
    trace_words=("tr:acert",),
    read_ping=read_comware_ping,
    show_ping=show_comware_ping,
    read_trace=read_comware_trace,
    show_trace=show_comware_trace,
    type_ping=typed("ping"),
    type_trace=typed("tracert"),
)
