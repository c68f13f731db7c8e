"""The pattern mini-language of configuration mode: lines in, typed captures or a caret out.

One string per command, expanded once at import: literal words match case-insensitively
(any abbreviation); ``{name:type}`` captures a typed value (``word``, ``ip``, ``mask``
dotted or length, ``dmask`` dotted only, ``len``, ``wild`` wildcard, ``asn``, ``rt`` route
distinguisher/target, ``iface`` interface name (may be written with a space,
``GigabitEthernet 0/0/1``), ``text`` the rest of the line, ``int(a-b)``, ``a|b|c``
choice); ``[ ... ]`` marks an optional group. A line that fits no pattern fails with the
kind of error a router reports and the column its caret goes under.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from ipaddress import AddressValueError, IPv4Address
from typing import Any

# --------------------------------------------------------------------------- errors


class SyntaxKind(StrEnum):
    UNRECOGNIZED = "unrecognized"
    WRONG = "wrong"
    INCOMPLETE = "incomplete"
    TOO_MANY = "too_many"
    AMBIGUOUS = "ambiguous"


class SyntaxFault(Exception):
    """A parse-level rejection, reported with a caret under token ``column``."""

    def __init__(self, kind: SyntaxKind, column: int) -> None:
        super().__init__(kind)
        self.kind = kind
        self.column = column


class Refused(Exception):
    """A semantic rejection (the line parses but the device refuses it)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# --------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class Token:
    text: str
    column: int


@dataclass
class Captures:
    """Typed values a pattern captured, with the column each started at (for carets)."""

    values: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, int] = field(default_factory=dict)
    keywords: list[tuple[int, str]] = field(default_factory=list)  # (column, keyword)
    exact: int = 0  # keywords typed in full: they win over abbreviations of others

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def wrong(self, name: str) -> SyntaxFault:
        return SyntaxFault(SyntaxKind.WRONG, self.columns[name])


def _mask_length(text: str) -> int:
    """Prefix length of a dotted mask or a length; non-contiguous masks are refused."""
    if text.isdigit():
        length = int(text)
        if not 0 <= length <= 32 or (len(text) > 1 and text[0] == "0"):
            raise ValueError(text)
        return length
    mask = int(IPv4Address(text))
    length = bin(mask).count("1")
    if mask != (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF:
        raise ValueError(text)
    return length


def _dotted_mask_length(text: str) -> int:
    """IOS masks are always dotted."""
    if "." not in text:
        raise ValueError(text)
    return _mask_length(text)


def _wildcard_length(text: str) -> int:
    if text == "0":  # Huawei/H3C: a single host
        return 32
    inverse = 0xFFFFFFFF ^ int(IPv4Address(text))
    return _mask_length(str(IPv4Address(inverse)))


_RT = re.compile(r"^(\d+):(\d+)$|^(\d+\.\d+\.\d+\.\d+):(\d+)$")


def _route_target(text: str) -> str:
    """Validate an RD/RT: ASN(2 byte):nn(4 byte), ASN(4 byte):nn(2 byte) or IP:nn(2 byte)."""
    m = _RT.match(text)
    if m is None:
        raise ValueError(text)
    if m.group(1) is not None:
        asn, number = int(m.group(1)), int(m.group(2))
        if not (
            (asn <= 0xFFFF and number <= 0xFFFFFFFF) or (asn <= 0xFFFFFFFF and number <= 0xFFFF)
        ):
            raise ValueError(text)
    else:
        IPv4Address(m.group(3))
        if int(m.group(4)) > 0xFFFF:
            raise ValueError(text)
    return text


def _word(text: str) -> str:
    if not 1 <= len(text) <= 31 or not text.isprintable():
        raise ValueError(text)
    return text


def _asn(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 4294967295:
        raise ValueError(text)
    return int(text)


_SIMPLE_TYPES: dict[str, Callable[[str], Any]] = {
    "word": _word,
    "ip": IPv4Address,
    "mask": _mask_length,
    "dmask": _dotted_mask_length,
    "wild": _wildcard_length,
    "asn": _asn,
    "rt": _route_target,
}

IFACE_NAME = re.compile(r"^([A-Za-z][A-Za-z-]*?)-?(\d[\d/:.]*)$")


def canonical_interface_name(types: tuple[str, ...], text: str) -> str | None:
    """The vendor's spelling (``types``: its interface types, in order of preference) of
    an interface name typed in any case or abbreviation; None when it names no type."""
    m = IFACE_NAME.match(text)
    if m is None:
        return None
    typed, number = m.group(1).lower(), m.group(2)
    exact = [t for t in types if t.lower() == typed]
    prefixed = exact or [t for t in types if t.lower().startswith(typed)]
    if not prefixed:
        return None
    return prefixed[0] + number


@dataclass(frozen=True)
class Element:
    """One element of a pattern: a literal word or a typed capture."""

    literal: str | None = None
    name: str | None = None
    kind: str | None = None

    def parse(self, text: str) -> Any:
        kind = self.kind or ""
        if kind in _SIMPLE_TYPES:
            return _SIMPLE_TYPES[kind](text)
        if kind.startswith("int("):
            low, high = (int(x) for x in kind[4:-1].split("-"))
            if not text.isdigit() or not low <= int(text) <= high:
                raise ValueError(text)
            return int(text)
        choices = kind.split("|")
        exact = [c for c in choices if c.lower() == text.lower()]
        prefixed = exact or [c for c in choices if c.lower().startswith(text.lower())]
        if len(prefixed) == 1:
            return prefixed[0]
        raise ValueError(text)


def expand(pattern: str) -> list[list[Element]]:
    """All variants of a pattern: each ``[...]`` group present or absent."""
    variants: list[list[str]] = [[]]
    for part in re.findall(r"\[[^\]]*\]|\S+", pattern):
        if part.startswith("["):
            words = part[1:-1].split()
            variants = [v for base in variants for v in (base, base + words)]
        else:
            variants = [[*v, part] for v in variants]
    result = []
    for words in variants:
        elements = []
        for word in words:
            if word.startswith("{"):
                name, kind = word[1:-1].split(":", 1)
                elements.append(Element(name=name, kind=kind))
            else:
                elements.append(Element(literal=word))
        result.append(elements)
    return result


@dataclass(frozen=True)
class Failure:
    kind: SyntaxKind
    index: int  # token index where matching failed (for ranking)
    column: int


RANK = {
    SyntaxKind.UNRECOGNIZED: 0,
    SyntaxKind.TOO_MANY: 1,
    SyntaxKind.WRONG: 2,
    SyntaxKind.INCOMPLETE: 3,
}


def match_elements(
    elements: Sequence[Element], tokens: Sequence[Token], line: str
) -> Captures | Failure:
    captures = Captures()
    i = 0
    for element in elements:
        if i >= len(tokens):
            return Failure(SyntaxKind.INCOMPLETE, len(tokens), len(line.rstrip()) + 1)
        token = tokens[i]
        if element.literal is not None:
            typed, keyword = token.text.lower(), element.literal.lower()
            if not keyword.startswith(typed):  # the CLIs accept any abbreviation
                return Failure(SyntaxKind.UNRECOGNIZED, i, token.column)
            captures.keywords.append((token.column, keyword))
            captures.exact += typed == keyword
            i += 1
            continue
        name = element.name or ""
        captures.columns[name] = token.column
        if element.kind == "text":
            captures.values[name] = line[token.column :].rstrip()
            i = len(tokens)
            continue
        if element.kind == "iface":
            text, used = token.text, 1
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if token.text.isalpha() and nxt is not None and nxt.text[:1].isdigit():
                text, used = token.text + nxt.text, 2
            if IFACE_NAME.match(text) is None:
                return Failure(SyntaxKind.WRONG, i, token.column)
            captures.values[name] = text
            i += used
            continue
        try:
            captures.values[name] = element.parse(token.text)
        except (ValueError, AddressValueError):
            return Failure(SyntaxKind.WRONG, i, token.column)
        i += 1
    if i < len(tokens):
        return Failure(SyntaxKind.TOO_MANY, i, tokens[i].column)
    return captures


def tokenize(line: str) -> list[Token]:
    return [Token(m.group(), m.start()) for m in re.finditer(r"\S+", line)]


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: CJK characters take two (the caret must line up)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def first_difference(spellings: Iterable[tuple[tuple[int, str], ...]]) -> int:
    """Column of the first keyword that the candidate commands spell differently."""
    unique = set(spellings)
    for position in range(max(len(s) for s in unique)):
        seen = {s[position] for s in unique if position < len(s)}
        if len(seen) > 1 or any(position >= len(s) for s in unique):
            return min(col for col, _ in seen)
    return 0
