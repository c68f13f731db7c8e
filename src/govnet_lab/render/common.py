"""What every vendor renderer shares: the command matcher, vendor errors, text helpers.

The matcher behaves like a router CLI (keyword abbreviations, ambiguity, incomplete
commands, a caret under the bad word) so that survey code meets the same replies it will
meet on real devices.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from govnet_lab.model import Device, Fault, NatKind, NatRule

Renderer = Callable[[Device, list[str]], str]


@dataclass(frozen=True)
class InterfaceCounts:
    """One port's traffic counters and its rates now, as the data plane counts them."""

    in_packets: int = 0
    in_bytes: int = 0
    out_packets: int = 0
    out_bytes: int = 0
    in_pps: int = 0
    in_bps: int = 0  # bits per second
    out_pps: int = 0
    out_bps: int = 0

    def __add__(self, other: InterfaceCounts) -> InterfaceCounts:
        return InterfaceCounts(
            *(
                a + b
                for a, b in zip(dataclasses.astuple(self), dataclasses.astuple(other), strict=True)
            )
        )


# A router's counters by interface name (a port absent carried nothing).
CounterReader = Callable[[], dict[str, InterfaceCounts]]
CountedRenderer = Callable[[Device, list[str], dict[str, InterfaceCounts]], str]


def _no_counters() -> dict[str, InterfaceCounts]:
    return {}


class WrongArgument(Exception):
    """A renderer's argument names nothing on the device: ``index`` is the argument's place
    among the arguments; the device answers its "wrong parameter" error under it."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


class UnknownCommand(Exception):
    """The device does not know the command.

    ``str(exc)`` is the vendor's exact error text (possibly multi-line, with the caret
    marker line where the vendor prints one), without the trailing prompt.
    """


@dataclass(frozen=True)
class Command:
    """One command a device understands.

    ``words`` are keywords written ``min:rest`` (``dis:play`` accepts ``dis``..``display``;
    without a colon any non-empty prefix is accepted), or ``<arg>`` for a free word.
    ``gated`` is the index of the word a device with ``Fault.UNSUPPORTED`` rejects.
    """

    words: tuple[str, ...]
    render: Renderer
    gated: int | None = None
    # A command that prints traffic counters: called with the router's counters instead.
    counted: CountedRenderer | None = None


@dataclass(frozen=True)
class Syntax:
    """How one vendor's CLI prompts and complains."""

    prompt: Callable[[Device], str]
    unrecognized: str  # the error line under the caret
    ambiguous: str  # "{command}" is replaced by the typed command
    incomplete: str
    caret_for_ambiguous: bool = True
    caret_for_incomplete: bool = True
    wrong: str | None = None  # an argument naming nothing (None: ``unrecognized``)


def command(spec: str, render: Renderer, gated: int | None = None) -> Command:
    """A command from its space-separated word spec."""
    return Command(tuple(spec.split()), render, gated)


def counted_command(spec: str, render: CountedRenderer) -> Command:
    """A command printing traffic counters (with none counted where no data plane runs)."""
    return Command(tuple(spec.split()), lambda d, a: render(d, a, {}), counted=render)


def _keyword(word: str) -> tuple[str, int]:
    """The full keyword and the shortest abbreviation accepted for it."""
    if ":" in word:
        head, rest = word.split(":", 1)
        return head + rest, len(head)
    return word, 1


def accepts_word(word: str, token: str) -> bool:
    """Whether a typed ``token`` is the command word ``word`` (its spec, e.g. ``dis:play``)."""
    if word.startswith("<"):
        return True
    full, shortest = _keyword(word)
    return len(token) >= shortest and full.startswith(token.lower())


def error_text(device: Device, syntax: Syntax, raw: str, column: int | None, text: str) -> str:
    """A vendor's error after the typed line: a caret under ``column`` (None: no caret line)."""
    if column is None:
        return text
    return " " * (len(syntax.prompt(device)) + column) + "^\n" + text


def render_command(
    device: Device,
    raw: str,
    commands: Sequence[Command],
    syntax: Syntax,
    counters: CounterReader = _no_counters,
) -> str:
    """The output of ``raw`` on ``device``, or UnknownCommand with the vendor's error;
    ``counters`` are read only for a command that prints them."""
    spans = [(m.start(), m.group()) for m in re.finditer(r"\S+", raw)]
    tokens = [t for _, t in spans]
    candidates = list(commands)
    for index, token in enumerate(tokens):
        fits = [
            c for c in candidates if index < len(c.words) and accepts_word(c.words[index], token)
        ]
        literal = [c for c in fits if not c.words[index].startswith("<")]
        # A keyword typed shorter than its shortest abbreviation is ambiguous on the device
        # (with commands the lab does not model), so it is ambiguous here too.
        too_short = any(
            index < len(c.words)
            and not c.words[index].startswith("<")
            and _keyword(c.words[index])[0].startswith(token.lower())
            and not accepts_word(c.words[index], token)
            for c in candidates
        )
        if literal or too_short:
            keywords = {_keyword(c.words[index])[0] for c in literal}
            exact = [c for c in literal if _keyword(c.words[index])[0] == token.lower()]
            if exact:
                literal = exact
            elif len(keywords) > 1 or too_short:
                column = spans[index][0] if syntax.caret_for_ambiguous else None
                text = syntax.ambiguous.replace("{command}", " ".join(tokens))
                raise UnknownCommand(error_text(device, syntax, raw, column, text))
            fits = literal
        if not fits:
            raise UnknownCommand(
                error_text(device, syntax, raw, spans[index][0], syntax.unrecognized)
            )
        candidates = fits
    complete = [c for c in candidates if len(c.words) == len(tokens)]
    if not tokens or not complete:
        if not tokens:
            return ""
        column = len(raw.rstrip()) if syntax.caret_for_incomplete else None
        raise UnknownCommand(error_text(device, syntax, raw, column, syntax.incomplete))
    chosen = complete[0]
    if chosen.gated is not None and Fault.UNSUPPORTED in device.faults:
        raise UnknownCommand(
            error_text(device, syntax, raw, spans[chosen.gated][0], syntax.unrecognized)
        )
    places = [i for i, w in enumerate(chosen.words) if w.startswith("<")]
    args = [tokens[i] for i in places]
    try:
        if chosen.counted is not None:
            return chosen.counted(device, args, counters())
        return chosen.render(device, args)
    except WrongArgument as wrong:
        column = spans[places[wrong.index]][0]
        text = syntax.wrong or syntax.unrecognized
        raise UnknownCommand(error_text(device, syntax, raw, column, text)) from None


# --- text helpers -------------------------------------------------------------------------


def row(values: Sequence[object], widths: Sequence[int]) -> str:
    """Left-aligned columns; a value wider than its column still keeps one space after it."""
    out = ""
    for value, width in zip(values, widths, strict=False):
        text = str(value)
        out += text.ljust(width) if len(text) < width else text + " "
    for value in values[len(widths) :]:
        out += str(value) + " "
    return out.rstrip()


def pseudo_mac(seed: str) -> str:
    """A stable MAC in Huawei/H3C form for a neighbour the model names but gives no MAC."""
    value = sum((i + 1) * ord(ch) for i, ch in enumerate(seed)) * 2654435761 % (1 << 40)
    digits = f"00{value:010x}"
    return f"{digits[0:4]}-{digits[4:8]}-{digits[8:12]}"


def duration_words(seconds: int, *, weeks: bool = True, always_weeks: bool = False) -> str:
    """``5 weeks, 1 day, 2 hours, 3 minutes``, as uptime lines print it."""
    minutes, _ = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts: list[tuple[int, str]] = []
    if weeks:
        wks, days = divmod(days, 7)
        if wks or always_weeks:
            parts.append((wks, "week"))
    if days or parts:
        parts.append((days, "day"))
    if hours or parts:
        parts.append((hours, "hour"))
    parts.append((minutes, "minute"))
    return ", ".join(f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts)


def clock(seconds: int) -> str:
    """``hh:mm:ss`` for up to a day, as BGP/route ages print short times."""
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def dotted_mask(network: IPv4Network) -> str:
    return str(network.netmask)


def wildcard(network: IPv4Network) -> str:
    return str(network.hostmask)


def short_name(name: str, table: Sequence[tuple[str, str]], sep: str = "") -> str:
    """An interface name abbreviated by the first matching (long, short) prefix pair."""
    for long, short in table:
        if name.startswith(long) and name[len(long) : len(long) + 1].isdigit():
            return short + sep + name[len(long) :]
    return name


def truncate(text: str | None, width: int) -> str:
    """A description cut to a table column, as the vendors cut it (no ellipsis)."""
    return (text or "")[:width]


def nat_inside_interfaces(device: Device) -> list[str]:
    """Up-or-down global interfaces whose network a NAT ACL permits (the inside side)."""
    permitted: list[IPv4Network] = []
    for rule in device.nat_rules:
        acl = next((a for a in device.acls if a.number == rule.acl), None)
        if acl is not None:
            permitted.extend(acl.permit)
    outside = {r.interface for r in device.nat_rules}
    names: list[str] = []
    for iface in device.interfaces:
        if iface.address is None or iface.name in outside or iface.vpn_instance is not None:
            continue
        if any(iface.address.network.subnet_of(net) for net in permitted):
            names.append(iface.name)
    for rule in device.nat_rules:
        if rule.kind in (NatKind.STATIC, NatKind.SERVER) and rule.inside_address is not None:
            inside = rule.inside_address
            for iface in device.interfaces:
                if (
                    iface.address is not None
                    and inside in iface.address.network
                    and iface.name not in names
                    and iface.name not in outside
                ):
                    names.append(iface.name)
    return names


def pool_rules(device: Device) -> list[NatRule]:
    """NAT rules that use an address pool, each pool once, in model order."""
    seen: set[str] = set()
    rules: list[NatRule] = []
    for rule in device.nat_rules:
        if rule.kind is NatKind.OUTBOUND and rule.pool and rule.pool not in seen:
            seen.add(rule.pool)
            rules.append(rule)
    return rules


def peer_counters(uptime_s: int, established: bool) -> tuple[int, int]:
    """Messages received/sent: keepalives every 60 s, plus the open exchange."""
    if not established:
        return 0, 0
    keepalives = uptime_s // 60
    return keepalives + 5, keepalives + 6


def prefixes_from(device: Device, peer: IPv4Address, vpn: str | None) -> int:
    """How many routes a BGP peer gave us (the model's learned routes from it)."""
    return sum(
        1
        for r in device.learned_routes
        if r.protocol == "bgp" and r.next_hop == peer and r.vpn_instance == vpn
    )


def vpnv4_prefixes_from(device: Device, peer: IPv4Address) -> int:
    """How many VPNv4 routes a VPNv4 peer gave us: one per VPN and prefix it sent (the
    routes learned over VPNv4, whichever instances imported them, counted once)."""
    return len(
        {
            (r.remote_vpn, r.prefix)
            for r in device.learned_routes
            if r.remote_vpn is not None and r.next_hop == peer
        }
    )


def is_natural_mask(prefix: IPv4Network) -> bool:
    """Whether a prefix has its classful mask (/8 below 128, /16 below 192, else /24): VRP
    and IOS leave such a mask out of a BGP ``network`` line (``network 203.0.113.0``)."""
    first = int(prefix.network_address) >> 24
    return prefix.prefixlen == (8 if first < 128 else 16 if first < 192 else 24)


def bgp_tables(device: Device) -> list[str | None]:
    """The tables a router's BGP configuration has a family for: the public one, then each
    VPN instance with a peer or an origin there, in the instances' order."""
    used = {p.vpn_instance for p in device.bgp_peers} | {o.vpn_instance for o in device.bgp_origins}
    return [None, *(v.name for v in device.vpn_instances if v.name in used)]


def export_lists(device: Device) -> list[tuple[str, list[IPv4Network]]]:
    """Each peer's export prefix list (name, prefixes; empty: it is sent nothing)."""
    return [(p.export_list, p.export) for p in device.bgp_peers if p.export is not None]
