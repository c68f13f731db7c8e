"""Field transforms of the collector specs (``transforms: [lower, {word: -1}]``): each turns
a template cell into a fact value, or raises TransformError (a parse problem of that
command, never a crash). Interface names are expanded with the platform's abbreviations."""

from __future__ import annotations

import ipaddress
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from govnet.model.facts import split_subinterface


class TransformError(ValueError):
    """A value a transform cannot take: a parse problem of the command, never a crash."""


@dataclass(frozen=True)
class PlatformTables:
    """The vendor data transforms need (from platform.yaml)."""

    interface_names: Mapping[str, str]
    interface_kinds: Mapping[str, str]


_NAME_PARTS = re.compile(r"^(.*?[A-Za-z-])\s*(\d[\d/:.]*)$")


def expand_interface(name: str, table: Mapping[str, str]) -> str:
    """A vendor abbreviation (``GE0/0/1``, ``Gig 0/1``) as the full name; others unchanged.

    >>> expand_interface("GE0/0/1.100", {"GE": "GigabitEthernet"})
    'GigabitEthernet0/0/1.100'
    >>> expand_interface("Gig 0/0/2", {"Gig": "GigabitEthernet"})
    'GigabitEthernet0/0/2'
    >>> expand_interface("Eth-Trunk1", {"Eth": "Ethernet"})
    'Eth-Trunk1'
    """
    match = _NAME_PARTS.match(name)
    if match is None:
        return name
    full = table.get(match.group(1))
    return name if full is None else full + match.group(2)


def kind_of_interface(name: str, table: Mapping[str, str]) -> str | None:
    """``subinterface`` for dotted names, else the kind the platform table gives the name's
    alphabetic part, else None (unknown, not guessed)."""
    if split_subinterface(name) is not None:
        return "subinterface"
    match = _NAME_PARTS.match(name)
    return table.get(match.group(1).strip()) if match else None


_MASK_LENGTHS = {str(ipaddress.IPv4Network(f"0.0.0.0/{n}").netmask): n for n in range(33)} | {
    str(n): n for n in range(33)
}
_ADDRESS_MASK = re.compile(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\s*[/ ]\s*(\S+)")


def _to_prefix(text: str) -> str:
    """``a.b.c.d/len``, ``a.b.c.d m.m.m.m`` or ``a.b.c.d/m.m.m.m`` as ``a.b.c.d/len``.

    Parsed by hand (ipaddress is the survey's hottest cost per route).

    >>> _to_prefix("10.1.1.2 255.255.255.252"), _to_prefix("10.0.0.0/8")
    ('10.1.1.2/30', '10.0.0.0/8')
    """
    match = _ADDRESS_MASK.fullmatch(text.strip())
    length = _MASK_LENGTHS.get(match.group(5)) if match else None
    if (
        match is None
        or length is None
        or any(int(o) > 255 or (len(o) > 1 and o[0] == "0") for o in match.group(1, 2, 3, 4))
    ):
        raise TransformError(f"not an address with a mask: {text!r}")
    return f"{match.group(1)}.{match.group(2)}.{match.group(3)}.{match.group(4)}/{length}"


def _to_prefix_or_address(text: str) -> str:
    """As :func:`_to_prefix`, but an address given without a mask stays a bare address
    (its length unknown, never taken for a /32).

    >>> _to_prefix_or_address("10.1.1.2 255.255.255.0"), _to_prefix_or_address("10.1.1.2")
    ('10.1.1.2/24', '10.1.1.2')
    """
    if "/" not in text and " " not in text.strip():
        return _to_address(text.strip())
    return _to_prefix(text)


_MAC_HEX = re.compile(r"[0-9a-fA-F]+")


def _to_mac(text: str) -> str:
    """A MAC address in any vendor's spelling as ``xxxx-xxxx-xxxx`` (lower case).

    >>> _to_mac("0000.0C07.AC01"), _to_mac("00:e0:fc:12:34:56"), _to_mac("00e0-fc12-3456")
    ('0000-0c07-ac01', '00e0-fc12-3456', '00e0-fc12-3456')
    """
    digits = "".join(_MAC_HEX.findall(text))
    if len(digits) != 12 or not re.fullmatch(r"[0-9a-fA-F]{2,4}([-.:][0-9a-fA-F]{2,4})*", text):
        raise TransformError(f"not a MAC address: {text!r}")
    digits = digits.lower()
    return f"{digits[:4]}-{digits[4:8]}-{digits[8:]}"


def _to_address(text: str) -> str:
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError as exc:
        raise TransformError(f"not an IPv4 address: {text!r}") from exc


_WILDCARD_LENGTHS = {str(ipaddress.IPv4Network(f"0.0.0.0/{n}").hostmask): n for n in range(33)}


def _to_wildcard_prefix(text: str) -> str:
    """A network statement's ``a.b.c.d w.w.w.w`` (wildcard: the bits that may vary) as
    ``a.b.c.d/len``; the address is kept as written.

    >>> _to_wildcard_prefix("10.1.1.0 0.0.0.255"), _to_wildcard_prefix("10.1.1.1  0.0.0.0")
    ('10.1.1.0/24', '10.1.1.1/32')
    >>> _to_wildcard_prefix("10.1.1.0 0.0.255.0")
    Traceback (most recent call last):
    ...
    govnet.platforms.transforms.TransformError: not an address with a wildcard: '10.1.1.0 0.0.255.0'
    """
    parts = text.split()
    length = _WILDCARD_LENGTHS.get(parts[1]) if len(parts) == 2 else None
    if length is None:
        raise TransformError(f"not an address with a wildcard: {text!r}")
    return f"{_to_address(parts[0])}/{length}"


def _to_ospf_area(text: str) -> str:
    """An OSPF area in dotted decimal; a plain number (IOS ``area 0``) becomes its dotted form.

    >>> _to_ospf_area("0"), _to_ospf_area("0.0.0.1"), _to_ospf_area("258")
    ('0.0.0.0', '0.0.0.1', '0.0.1.2')
    >>> _to_ospf_area("backbone")
    Traceback (most recent call last):
    ...
    govnet.platforms.transforms.TransformError: not an OSPF area: 'backbone'
    """
    text = text.strip()
    try:
        if text.isdigit():
            return str(ipaddress.IPv4Address(int(text)))
        return str(ipaddress.IPv4Address(text))
    except ValueError as exc:
        raise TransformError(f"not an OSPF area: {text!r}") from exc


def _to_int(text: str) -> int:
    try:
        return int(text)
    except ValueError as exc:
        raise TransformError(f"not a whole number: {text!r}") from exc


def _to_asn(text: str) -> int:
    """An AS number, plain (``4200000001``) or asdot (``64086.59905``)."""
    high, dot, low = text.partition(".")
    try:
        return int(high) * 65536 + int(low) if dot else int(high)
    except ValueError as exc:
        raise TransformError(f"not an AS number: {text!r}") from exc


_DURATION = re.compile(r"(\d+)\s*(year|week|day|hour|minute|second)s?", re.IGNORECASE)
_UNIT_S = {"year": 365 * 86_400, "week": 604_800, "day": 86_400, "hour": 3600, "minute": 60}


def _to_seconds(text: str) -> int:
    """``5 weeks, 1 day, 2 hours, 3 minutes`` in seconds."""
    found = _DURATION.findall(text)
    if not found:
        raise TransformError(f"not a duration: {text!r}")
    return sum(int(n) * _UNIT_S.get(unit.lower(), 1) for n, unit in found)


def _to_up(text: str) -> bool:
    """A link/protocol state column: up (``up``, ``UP(s)``, ``up(l)``) or not."""
    return text.lower().startswith("up")


def _to_bgp_state(text: str) -> str:
    """A Cisco State/PfxRcd column (a count means established) or a state name, lower case."""
    return "established" if text.isdigit() else text.lower()


def _word(index: int, text: str) -> str | None:
    words = text.split()
    try:
        return words[index]
    except IndexError:
        return None


def _split(sep: str | None, text: str) -> list[str]:
    return [p for p in (text.split(sep) if sep else text.split()) if p]


def _match(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text)
    if found is None:
        return None
    return found.group(1) if pattern.groups else found.group(0)


Value = Any  # None, a str/int/bool, or a list of those
Step = Callable[[Value], Value]


_local = threading.local()


def take_dropped() -> list[str]:
    """The list items transforms dropped in this thread since the last call (each a bad
    value that cost only itself), emptied."""
    dropped: list[str] = getattr(_local, "dropped", [])
    _local.dropped = []
    return dropped


def _each(func: Callable[[Any], Any]) -> Step:
    """Apply ``func`` to a value or to each item of a list (flattening list results). A list
    item ``func`` cannot take is dropped alone (see :func:`take_dropped`); only when no item
    is left does the error count for the whole value."""

    def step(value: Value) -> Value:
        if value is None:
            return None
        if isinstance(value, list):
            out: list[Any] = []
            failed: list[TransformError] = []
            for item in value:
                if item is None:
                    continue
                try:
                    result = func(item)
                except TransformError as exc:
                    failed.append(exc)
                    continue
                if isinstance(result, list):
                    out.extend(result)
                elif result is not None:
                    out.append(result)
            if failed:
                if not out:
                    raise failed[0]
                if not hasattr(_local, "dropped"):
                    _local.dropped = []
                _local.dropped.extend(str(exc) for exc in failed)
            return out or None
        return func(value)

    return step


def _none_if(unknown: frozenset[str], value: Any) -> Any:
    return None if str(value) in unknown else value


def _first(value: Value) -> Value:
    return value[0] if isinstance(value, list) else value


def _join(sep: str, value: Value) -> Value:
    if not isinstance(value, list):
        return value
    return None if any(v is None for v in value) else sep.join(str(v) for v in value)


@dataclass(frozen=True)
class _TransformDef:
    """A named transform: how to check its argument and build its step."""

    arg: Literal["none", "str", "int", "str_or_none", "mapping", "list", "pair", "any"]
    build: Callable[[Any, PlatformTables], Step]
    doc: str


def _map_step(arg: Mapping[str, Any], otherwise: Any, has_otherwise: bool) -> Step:
    table = dict(arg)

    def one(item: Any) -> Any:
        key = str(item)
        if key in table:
            return table[key]
        return otherwise if has_otherwise else item

    def step(value: Value) -> Value:
        if value is None:
            return None
        if isinstance(value, list):
            return [one(v) for v in value]
        return one(value)

    return step


TRANSFORMS: dict[str, _TransformDef] = {
    "interface_name": _TransformDef(
        "none",
        lambda _, t: _each(partial(expand_interface, table=t.interface_names)),
        "vendor abbreviation -> full interface name (platform.yaml interface_names)",
    ),
    "prefix": _TransformDef(
        "none",
        lambda _, t: _each(_to_prefix),
        "'a.b.c.d m.m.m.m' or 'a.b.c.d/len' -> 'a.b.c.d/len'",
    ),
    "prefix_or_address": _TransformDef(
        "none",
        lambda _, t: _each(_to_prefix_or_address),
        "as prefix, but a bare 'a.b.c.d' (no mask given) stays bare",
    ),
    "address": _TransformDef("none", lambda _, t: _each(_to_address), "check an IPv4 address"),
    "mac": _TransformDef(
        "none", lambda _, t: _each(_to_mac), "MAC in any spelling -> 'xxxx-xxxx-xxxx'"
    ),
    "wildcard_prefix": _TransformDef(
        "none",
        lambda _, t: _each(_to_wildcard_prefix),
        "'a.b.c.d w.w.w.w' (wildcard mask) -> 'a.b.c.d/len'",
    ),
    "ospf_area": _TransformDef(
        "none", lambda _, t: _each(_to_ospf_area), "OSPF area '0' or '0.0.0.0' -> '0.0.0.0'"
    ),
    "int": _TransformDef("none", lambda _, t: _each(_to_int), "whole number"),
    "asn": _TransformDef("none", lambda _, t: _each(_to_asn), "AS number, plain or asdot"),
    "duration": _TransformDef(
        "none", lambda _, t: _each(_to_seconds), "'5 weeks, 1 day, 2 hours' -> seconds"
    ),
    "updown": _TransformDef(
        "none", lambda _, t: _each(_to_up), "state word -> true if it says up (up, UP(s), up(l))"
    ),
    "bgp_state": _TransformDef(
        "none", lambda _, t: _each(_to_bgp_state), "prefix count -> established; else lower"
    ),
    "lower": _TransformDef("none", lambda _, t: _each(str.lower), "lower case"),
    "upper": _TransformDef("none", lambda _, t: _each(str.upper), "upper case"),
    "strip": _TransformDef("none", lambda _, t: _each(str.strip), "trim spaces"),
    "first": _TransformDef("none", lambda _, t: _first, "first item of a list"),
    "split": _TransformDef(
        "str_or_none",
        lambda a, t: _each(partial(_split, a)),
        "split on a separator (default: spaces) into a list",
    ),
    "word": _TransformDef("int", lambda a, t: _each(partial(_word, a)), "the n-th word (0, -1)"),
    "join": _TransformDef("str", lambda a, t: partial(_join, a), "join a list of columns"),
    "match": _TransformDef(
        "str",
        lambda a, t: _each(partial(_match, re.compile(a))),
        "the regex's first group (or whole match) if it matches, else unknown",
    ),
    "replace": _TransformDef(
        "pair",
        lambda a, t: _each(partial(re.compile(a[0]).sub, a[1])),
        "[regex, replacement]",
    ),
    "none_if": _TransformDef(
        "list",
        lambda a, t: _each(partial(_none_if, frozenset(str(x) for x in a))),
        "these values mean unknown",
    ),
    "default": _TransformDef(
        "any", lambda a, t: lambda v: a if v is None else v, "the value when unknown"
    ),
    "map": _TransformDef(
        "mapping", lambda a, t: _map_step(a, None, False), "value map; `otherwise:` for the rest"
    ),
}


class TransformSpec(BaseModel):
    """One step: ``lower``, or ``{word: -1}``, or ``{map: {...}, otherwise: x}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    arg: Any = None
    otherwise: Any = None
    has_otherwise: bool = False

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, raw: Any) -> Any:
        if isinstance(raw, str):
            name, arg, given = raw, None, False
            rest: dict[str, Any] = {}
        elif isinstance(raw, dict) and raw:
            rest = dict(raw)
            has_otherwise = "otherwise" in rest
            otherwise = rest.pop("otherwise", None)
            if len(rest) != 1:
                raise ValueError("a transform is one name, or one name: argument")
            ((name, arg),) = rest.items()
            given = True
            if has_otherwise and name != "map":
                raise ValueError("`otherwise` goes only with `map`")
            rest = {"otherwise": otherwise, "has_otherwise": has_otherwise}
        else:
            raise ValueError("a transform is a name, or a mapping of one name to its argument")
        known = TRANSFORMS.get(str(name))
        if known is None:
            raise ValueError(f"unknown transform {name!r} (known: {', '.join(sorted(TRANSFORMS))})")
        _check_arg(str(name), known.arg, arg, given)
        return {"name": name, "arg": arg, **rest}

    def build(self, tables: PlatformTables) -> Step:
        if self.name == "map":
            return _map_step(self.arg, self.otherwise, self.has_otherwise)
        return TRANSFORMS[self.name].build(self.arg, tables)


def _check_arg(name: str, kind: str, arg: Any, given: bool) -> None:
    ok = {
        "none": not given,
        "str": isinstance(arg, str),
        "int": isinstance(arg, int) and not isinstance(arg, bool),
        "str_or_none": arg is None or isinstance(arg, str),
        "mapping": isinstance(arg, dict),
        "list": isinstance(arg, list),
        "pair": isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg),
        "any": given,
    }[kind]
    if not ok:
        wanted = {
            "none": "no argument",
            "str": "a text argument",
            "int": "a whole-number argument",
            "str_or_none": "a text argument or none",
            "mapping": "a mapping",
            "list": "a list",
            "pair": "[pattern, replacement]",
            "any": "an argument",
        }[kind]
        raise ValueError(f"transform {name!r} takes {wanted}")
    if name == "match":
        check_regex(arg)
    if kind == "pair":
        check_regex(arg[0])


def check_regex(pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
