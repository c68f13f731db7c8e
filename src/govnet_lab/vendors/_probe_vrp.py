"""ping and tracert as Huawei VRP and H3C Comware type and print them.

Both take ``-option value`` pairs in any order before the host and print a line per echo
(neither shows an ICMP unreachable without ``-v``: a probe it answered reads "Request time
out" like a lost one). Their layouts differ, so each has its own printers.

Sources. No saved VRP tracert or Comware ping/tracert output under a licence we can copy
was found (ntc-templates, napalm-ce, napalm-huawei-vrp, ttp_templates, scrapli_community and
hyperglass hold none), so only the VRP ping with replies is a saved fixture; the rest follows
the vendors' manuals and outputs published without a licence (read, not copied):

- VRP ping, all replies: napalm-automation-community/napalm-ce (Apache-2.0), commit
  b0d5196026d5af390b14d1d3073290fd4944da19,
  test/unit/mocked_data/test_ping/normal/ping__t_2000__s_100__c_5_8_8_8_8.txt (a CE's own
  output, tests/fixtures/probes/huawei).
- VRP ping, every echo lost: "Request time out" per echo, the statistics, no round-trip
  line: the examples of Huawei's NetEngine configuration guides ("[~CE1] ping -a
  11.11.11.11 44.44.44.44", five "Request time out", "0 packet(s) received", "100.00%
  packet loss"). An ICMP unreachable prints the same: the Quidway S2000 command manual
  ("-v: Show other received ICMP packets (non ECHO-RESPONSE)"; by default "Do not display
  other ICMP packets"; "If the response message is not received until timeout, output
  'Request time out'"). Options and defaults (-c 5, -s 56, -t 2000 ms): that manual and
  Huawei's "ping" page as copied at http://a10.tagan.ru/huawei/dc/ping.html.
- VRP tracert: eNSP/AR outputs in public lab notes: " traceroute to  4.4.4.4(4.4.4.4), max
  hops: 30 ,packet length: 40,press CTRL_C to break " (two spaces where -vpn-instance puts
  the instance: " traceroute to 1 10.1.12.11(10.1.12.11), ..." after "tracert
  -vpn-instance 1 10.1.12.11"), " 1 192.168.12.2 20 ms  20 ms  20 ms ". A silent hop and
  an unreachable: Huawei's own explanation of an S switch's tracert
  (http://forum.huawei.com/enterprise/en/corpus-5802.html): "2 * * *", "3 5 ms !<10> 5ms
  !<10> 6ms !<10>", "! indicates an ICMP Destination Unreachable packet. <10> indicates
  that the value of the Code field in the ICMP packet is 10". So VRP marks an unreachable
  with "!<code>" after the time; the router without a route answers host unreachable
  (code 1), printed "!<1>" (doubtful: no real output with code 1 found; VRP may print
  "!H" for it as BSD traceroute does and print "<n>" only for codes without a letter).
  Defaults (-w 5000 ms, -q 3, -m 30): the Quidway manuals' tracert pages.
- Comware ping and tracert: the H3C Comware 7 command reference, "系统维护与调试命令"
  (a copy in grayfalcon666/netmiko-h3c-skill, commit
  4f5e9dfd1f7367e8059e9a14d3774649c4c1ba6b, references/CMD-help/系统维护与调试/;
  H3C's text, not under that repository's MIT licence), and the same pages in HPE's
  FlexNetwork 7500 "Network Management and Monitoring Command Reference": "Ping 1.1.2.2
  (1.1.2.2): 56 data bytes, press CTRL_C to break", "56 bytes from 1.1.2.2: icmp_seq=0
  ttl=254 time=2.137 ms", "--- Ping statistics for 1.1.2.2 [in VPN instance vpn1] ---",
  "5 packet(s) transmitted, 5 packet(s) received, 0.0% packet loss", "round-trip
  min/avg/max/std-dev = ...", "-v: 显示接收到的非回显应答的ICMP报文。不指定该参数时，系统不显示"
  (so an unreachable reads as a lost echo); tracert: "traceroute to 1.1.2.2 (1.1.2.2), 30
  hops at most, 40 bytes each packet, press CTRL_C to break", " 1  192.0.2.13 (192.0.2.13)
  0.661 ms  0.618 ms  0.579 ms", "* * *" for a hop that does not answer, -w 5000 ms. A lost
  echo prints "Request time out": the DDR debugging examples of the same reference
  ("Request time out", then "56 bytes from 1.2.3.4: icmp_seq=1 ...", "5 packet(s)
  transmitted, 4 packet(s) received, 20.0% packet loss"), and a Comware 7 "ping -a" with
  every echo lost in public notes ("Ping 192.168.1.1 (192.168.1.1) from 192.168.2.1: 56
  data bytes, ...", five "Request time out", a blank line, the statistics, no round-trip
  line). The reference's own field table says nothing is printed for a lost echo: the
  outputs disagree, and they win.
- Comware's tracert unreachable: doubtful, no output or manual found; the lab prints " !H"
  after the time as BSD traceroute (whose layout Comware's lines are) does.
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

_ICMP_CODES = {"H": 1}  # the lab's unreachable marks as ICMP codes: VRP prints "!<code>"


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
            mark = f" !<{_ICMP_CODES[answer.mark]}>" if answer.mark else ""
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
