"""What every vendor's ping and traceroute share: reading options, and what each probe met.

The vendors differ in words and layout only; which echo came back, which hop answered a
traceroute probe and when an unreachable was rate-limited away is the same for all, so it
is decided here once from the data plane's :class:`Probe`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from ipaddress import AddressValueError, IPv4Address

from govnet_lab.dataplane.probe import Outcome, Probe, ProbeSyntaxError


class Kind(Enum):
    FLAG = "flag"  # no value
    INT = "int"
    ADDRESS = "address"
    NAME = "name"  # any word (a VPN instance, a pattern)


@dataclass(frozen=True)
class Option:
    """One option of a command: its keyword, what it sets and the values it takes."""

    keyword: str
    field: str | None = None  # the ProbeRequest field it sets (None: accepted, not modelled)
    kind: Kind = Kind.INT
    low: int = 0
    high: int = 0
    scale: int = 1  # a value in seconds is stored in milliseconds


@dataclass(frozen=True)
class Texts:
    """A vendor's error texts for a probe command, and whether each has a caret line."""

    unrecognized: str
    wrong: str  # a bad value
    incomplete: str
    too_many: str
    ambiguous: str  # "{command}" is replaced by the words typed
    bad_host: str = ""  # a destination that is no address ("" : the wrong-value text)
    caret_incomplete: bool = True
    caret_ambiguous: bool = True


def find_option(options: Sequence[Option], words: list[str], index: int, texts: Texts) -> Option:
    """The option a word names, whole or abbreviated (a unique prefix), as the CLIs accept."""
    word = words[index].lower()
    exact = [o for o in options if o.keyword == word]
    if exact:
        return exact[0]
    fits = [o for o in options if o.keyword.startswith(word)]
    if len(fits) == 1:
        return fits[0]
    if fits:
        text = texts.ambiguous.replace("{command}", " ".join(words))
        raise ProbeSyntaxError(text, index if texts.caret_ambiguous else None)
    raise ProbeSyntaxError(texts.unrecognized, index)


def incomplete(words: list[str], texts: Texts) -> ProbeSyntaxError:
    return ProbeSyntaxError(texts.incomplete, len(words) if texts.caret_incomplete else None)


def read_value(option: Option, words: list[str], index: int, texts: Texts) -> object:
    """The value of ``option`` at ``words[index]``, checked as the vendor checks it."""
    if index >= len(words):
        raise incomplete(words, texts)
    word = words[index]
    if option.kind is Kind.ADDRESS:
        return read_address(words, index, texts.wrong)
    if option.kind is Kind.NAME:
        return word
    if not word.isdigit() or not option.low <= int(word) <= option.high:
        raise ProbeSyntaxError(texts.wrong, index)
    return int(word) * option.scale


def read_address(words: list[str], index: int, text: str, caret: bool = True) -> IPv4Address:
    try:
        return IPv4Address(words[index])
    except AddressValueError:
        raise ProbeSyntaxError(text, index if caret else None) from None


# --- what the probes met ---------------------------------------------------------------


def replied(probe: Probe) -> bool:
    """Whether the echoes came back: the destination answered and its answer got home."""
    return probe.outcome is Outcome.REPLY and (not probe.hops or probe.hops[-1].answered)


def told_unreachable(probe: Probe) -> bool:
    """Whether the router without a route got its ICMP unreachable back to the source."""
    return probe.outcome is Outcome.UNREACHABLE and bool(probe.hops) and probe.hops[-1].answered


def unreachable_answers(probe: Probe, count: int, rtt_ms: int) -> list[bool]:
    """Which of ``count`` back-to-back probes get an unreachable, the router's rate limit
    applied: an answered probe is followed at once by the next, a lost one after the
    timeout (so IOS's 500 ms limit gives "U.U.U" with the 2 s ping timeout)."""
    answers: list[bool] = []
    clock = 0
    last: int | None = None
    for _ in range(count):
        if last is None or clock - last >= probe.unreachable_interval_ms:
            answers.append(True)
            last = clock
            clock += rtt_ms
        else:
            answers.append(False)
            clock += probe.request.timeout_ms
    return answers


def hop_rtt(probe: Probe, index: int) -> int:
    """The round trip to hop ``index``: its share of the trip to the last hop, at least 1."""
    count = len(probe.hops)
    return max(1, round(probe.rtt_ms * (index + 1) / count)) if count else probe.rtt_ms


@dataclass(frozen=True)
class Answer:
    """What one traceroute probe got: nothing, time exceeded / port unreachable from a hop
    (``mark`` ""), or an ICMP unreachable (``mark`` "H": host unreachable, ICMP code 1, what
    a router without a route sends; each vendor prints the mark in its own words)."""

    address: IPv4Address | None  # None: no answer (a "*")
    ms: int = 0
    mark: str = ""


def trace_rows(probe: Probe) -> list[tuple[int, list[Answer]]]:
    """The traceroute's lines, by TTL: every probe's answer, from the first TTL to the
    destination, to the unreachable, or to the maximum TTL when nothing ends it.

    A probe with TTL k expires at hop k (which answers time exceeded); the router without a
    route answers TTL k with time exceeded like any other hop and the next TTL with an
    unreachable, so its address shows on two lines, the second marked.
    """
    request = probe.request
    hops = probe.hops
    count = request.probes_per_hop
    rows: list[tuple[int, list[Answer]]] = []
    for ttl in range(request.first_ttl, request.max_ttl + 1):
        index = ttl - 1
        if probe.outcome is Outcome.REPLY and index >= len(hops) - 1:
            if replied(probe):  # the destination (the source itself when there are no hops)
                where = hops[-1].address if hops else request.destination
                rows.append((ttl, [Answer(where, probe.rtt_ms)] * count))
                return rows
        elif index < len(hops):
            hop = hops[index]
            if hop.answered:
                rows.append((ttl, [Answer(hop.address, hop_rtt(probe, index))] * count))
                continue
        elif told_unreachable(probe):
            failing = hops[-1]
            got = unreachable_answers(probe, count, probe.rtt_ms)
            marked = Answer(failing.address, probe.rtt_ms, "H")
            rows.append((ttl, [marked if g else Answer(None) for g in got]))
            return rows
        rows.append((ttl, [Answer(None)] * count))
    return rows
