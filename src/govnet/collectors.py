"""Collector specs: what to run on each platform and how its text maps onto the facts.

``collectors/<platform>/platform.yaml`` names the vendor, the ntc-templates platform, the
vendor's error answers and its interface abbreviations; ``collectors/<platform>/<topic>.yaml``
lists commands, each with a TextFSM template (``ntc:`` a file of ntc-templates, by file
name, never by the ntc index; ``textfsm:`` a file beside the spec) and records that map the
template's columns onto facts. ``extends: <platform>`` reuses another platform's files,
overriding those it redefines. The format is documented in ``collectors/README.md``.

This module validates the files (frozen pydantic models, ``extra="forbid"``, every problem
named by file, line and field, templates compiled and their columns checked) and compiles
them into plans the parser runs; :mod:`govnet.normalise` runs them.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import threading
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

import textfsm  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from govnet.model import facts
from govnet.model.facts import Topic
from govnet.model.problems import Problem, ProblemsError, YamlDoc, load_yaml, validation_to_problems

PLATFORM_FILE = "platform.yaml"
TOPIC_ORDER: tuple[Topic, ...] = tuple(Topic)  # device first ... config last
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A placeholder stands for each name of the facts of that kind the other commands found.
PLACEHOLDERS = frozenset({"vpn_instance"})


class SpecError(ProblemsError):
    """A collector spec that cannot be used; ``problems`` name file, line and field."""


# --- the facts a record can produce -----------------------------------------------------------

FactName = Literal["device", "interface", "vpn_instance", "route", "neighbour", "nat"]
FACT_TYPES: dict[str, type[Any]] = {
    "device": facts.DeviceInfo,
    "interface": facts.Interface,
    "vpn_instance": facts.VpnInstance,
    "route": facts.Route,
    "neighbour": facts.Neighbour,
    "nat": facts.NatRule,
}
# Rows with equal key fields are one fact; later values fill or replace earlier ones.
DEFAULT_KEYS: dict[str, tuple[str, ...]] = {
    "device": (),
    "interface": ("name",),
    "vpn_instance": ("name",),
    "route": ("vpn_instance", "prefix", "protocol"),
    "neighbour": ("protocol", "vpn_instance", "peer", "interface", "remote_interface"),
    "nat": ("kind", "interface", "acl", "pool", "addresses"),
}
ValueKind = Literal["str", "int", "bool", "tuple", "any"]  # any: lookup tables


def _kinds_of(cls: type[Any]) -> dict[str, ValueKind]:
    """What each field of a facts dataclass holds, from its annotation."""
    hints = typing.get_type_hints(cls)
    kinds: dict[str, ValueKind] = {}
    for f in dataclasses.fields(cls):
        text = str(hints[f.name])
        candidates: tuple[ValueKind, ...] = ("tuple", "bool", "int")
        kinds[f.name] = next((k for k in candidates if k in text), "str")
    return kinds


FIELD_KINDS: dict[str, dict[str, ValueKind]] = {n: _kinds_of(t) for n, t in FACT_TYPES.items()}
REQUIRED: dict[str, tuple[str, ...]] = {
    name: tuple(
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    )
    for name, cls in FACT_TYPES.items()
}


# --- transforms ------------------------------------------------------------------------------


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
    if "." in name:
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


def _to_address(text: str) -> str:
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError as exc:
        raise TransformError(f"not an IPv4 address: {text!r}") from exc


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


def _each(func: Callable[[Any], Any]) -> Step:
    """Apply ``func`` to a value or to each item of a list (flattening list results)."""

    def step(value: Value) -> Value:
        if value is None:
            return None
        if isinstance(value, list):
            out: list[Any] = []
            for item in value:
                if item is None:
                    continue
                result = func(item)
                if isinstance(result, list):
                    out.extend(result)
                elif result is not None:
                    out.append(result)
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
    "address": _TransformDef("none", lambda _, t: _each(_to_address), "check an IPv4 address"),
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
        _check_regex(arg)
    if kind == "pair":
        _check_regex(arg[0])


def _check_regex(pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc


# --- the spec files ----------------------------------------------------------------------------


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class FieldSpec(_Spec):
    """Where one fact field comes from: a column (or several), a constant, a command
    variable or a lookup table; then transforms; then how it merges with other rows."""

    from_: str | tuple[str, ...] | None = Field(None, alias="from")
    value: Any = None
    var: str | None = None
    lookup: str | None = None  # "table.field"
    by: tuple[str, ...] = ()  # fields of this record that key the lookup ([]: one-row table)
    missing: Literal["null", "drop"] = "null"  # lookup found nothing: unknown, or skip the row
    transforms: tuple[TransformSpec, ...] = ()
    merge: Literal["last", "first", "append"] = "last"

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, raw: Any) -> Any:
        return {"from": raw} if isinstance(raw, str) else raw

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        sources = [
            name
            for name in ("from_", "value", "var", "lookup")
            if name in self.model_fields_set and (name == "value" or getattr(self, name))
        ]
        if len(sources) != 1:
            raise ValueError("give exactly one of from, value, var, lookup")
        if self.lookup is not None:
            if self.lookup.count(".") != 1:
                raise ValueError("lookup is 'table.field'")
        elif self.by or "missing" in self.model_fields_set:
            raise ValueError("`by` and `missing` go only with `lookup`")
        return self

    @property
    def columns(self) -> tuple[str, ...]:
        if self.from_ is None:
            return ()
        return (self.from_,) if isinstance(self.from_, str) else self.from_


class RecordSpec(_Spec):
    """Rows of a template as facts of one kind (``fact``) or as a lookup ``table``."""

    fact: FactName | None = None
    table: str | None = None
    key: tuple[str, ...] | None = None
    where: dict[str, str] = {}  # column -> regex the row must match
    unless: dict[str, str] = {}  # column -> regex that excludes the row
    fields: dict[str, FieldSpec]

    @model_validator(mode="after")
    def _fact_or_table(self) -> RecordSpec:
        if (self.fact is None) == (self.table is None):
            raise ValueError("give exactly one of fact, table")
        if self.table is not None and self.key is None:
            raise ValueError("a table needs a key (`key: []` for a one-row table)")
        return self

    @field_validator("where", "unless")
    @classmethod
    def _regexes(cls, value: dict[str, str]) -> dict[str, str]:
        for pattern in value.values():
            _check_regex(pattern)
        return value


class CommandSpec(_Spec):
    command: str
    ntc: str | None = None  # an ntc-templates file name
    textfsm: str | None = None  # a template beside the spec
    empty_ok: bool = False  # output without any row is normal (empty tables)
    records: tuple[RecordSpec, ...] = ()

    @model_validator(mode="after")
    def _parser(self) -> CommandSpec:
        if self.ntc and self.textfsm:
            raise ValueError("give one of ntc, textfsm")
        if self.records and not (self.ntc or self.textfsm):
            raise ValueError("records need a template (ntc or textfsm)")
        if (self.ntc or self.textfsm) and not self.records:
            raise ValueError("a template without records parses for nothing")
        return self

    @field_validator("command")
    @classmethod
    def _words(cls, value: str) -> str:
        command = " ".join(value.split())
        if not command:
            raise ValueError("empty command")
        names = PLACEHOLDER.findall(command)
        if len(names) > 1:
            raise ValueError("one placeholder per command")
        for name in names:
            if name not in PLACEHOLDERS:
                known = ", ".join(f"{{{n}}}" for n in sorted(PLACEHOLDERS))
                raise ValueError(f"unknown placeholder {{{name}}} (known: {known})")
        return command


class TopicSpec(_Spec):
    commands: tuple[CommandSpec, ...] = ()


class SessionSpec(_Spec):
    """How a live survey drives the CLI once logged in."""

    paging_off: tuple[str, ...]  # commands that turn paging off (and widen the terminal)
    prompt: str  # a regex matching any prompt of the platform (user view, system view, ...)
    enable: bool = False  # starts in a user mode; `enable` with the secret first (IOS)

    @field_validator("prompt")
    @classmethod
    def _regex(cls, value: str) -> str:
        _check_regex(value)
        return value


class PushSpec(_Spec):
    """How ``govnet push`` drives configuration mode and reads its answers."""

    configure: str  # exec command that enters configuration mode
    end: str  # configuration command back to the exec prompt
    save: str  # exec command that writes the running configuration to startup
    saved: str  # regex: the answer to ``save`` that says it worked
    questions: dict[str, str] = {}  # regex of a question the device asks -> the answer
    refused: tuple[str, ...]  # regexes: an answer line that means the line was refused
    notices: tuple[str, ...] = ()  # regexes: answer lines that only inform (never refused)
    volatile: tuple[str, ...] = ()  # regexes: running-config lines that change by themselves

    @field_validator("saved")
    @classmethod
    def _regex(cls, value: str) -> str:
        _check_regex(value)
        return value

    @field_validator("refused", "notices", "volatile")
    @classmethod
    def _regexes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            _check_regex(pattern)
        return value

    @field_validator("questions")
    @classmethod
    def _questions(cls, value: dict[str, str]) -> dict[str, str]:
        for pattern in value:
            _check_regex(pattern)
        return value


class PlatformSpec(_Spec):
    vendor: str | None = None
    session: SessionSpec | None = None
    push: PushSpec | None = None
    ntc_platform: str | None = None
    extends: str | None = None
    errors: tuple[str, ...] | None = None  # regexes: the device refused the command
    empty_answers: tuple[str, ...] | None = None  # regexes: "nothing configured"
    interface_names: dict[str, str] | None = None  # abbreviation -> full name prefix
    interface_kinds: dict[str, str] | None = None  # full name prefix -> kind

    @field_validator("errors", "empty_answers")
    @classmethod
    def _regexes(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for pattern in value or ():
            _check_regex(pattern)
        return value


# --- compiled plans ----------------------------------------------------------------------------

_local = threading.local()


def get_template(path: Path) -> textfsm.TextFSM:
    """The compiled template at ``path``: once per thread (a TextFSM object holds parse
    state, so threads never share one), reset for each use."""
    cache: dict[Path, textfsm.TextFSM] | None = getattr(_local, "templates", None)
    if cache is None:
        cache = _local.templates = {}
    fsm = cache.get(path)
    if fsm is None:
        with path.open(encoding="utf-8") as handle:
            fsm = textfsm.TextFSM(handle)
        cache[path] = fsm
    else:
        fsm.Reset()
    return fsm


Getter = Callable[[Sequence[Any], Mapping[str, str]], Value]


@dataclass(frozen=True)
class FieldPlan:
    name: str
    get: Getter  # value from a row and the command's variables, transformed
    kind: ValueKind
    merge: str
    lookup: tuple[str, str] | None = None  # (table, field)
    by: tuple[str, ...] = ()
    drop_missing: bool = False


@dataclass(frozen=True)
class RecordPlan:
    fact: str | None
    table: str | None
    key: tuple[str, ...]
    required: tuple[str, ...]
    filters: tuple[tuple[int, re.Pattern[str], bool], ...]  # column, regex, must match
    fields: tuple[FieldPlan, ...]
    lookups: tuple[FieldPlan, ...]

    @property
    def merges(self) -> dict[str, str]:
        return {f.name: f.merge for f in (*self.fields, *self.lookups)}


@dataclass(frozen=True)
class ParserPlan:
    template: Path
    label: str  # the spec file that asked for it, for messages
    records: tuple[RecordPlan, ...]


@dataclass(frozen=True)
class CommandPlan:
    command: str  # may hold {placeholders}
    placeholders: tuple[str, ...]
    pattern: re.Pattern[str] | None  # matches a concrete command, groups = placeholders
    empty_ok: bool
    parsers: tuple[ParserPlan, ...]
    file_pattern: re.Pattern[str]  # the saved-output file stem (spaces as "_")

    def expand(self, values: Mapping[str, Sequence[str]]) -> list[str]:
        """The concrete commands for every value of the (single) placeholder."""
        if not self.placeholders:
            return [self.command]
        (name,) = self.placeholders
        return [self.command.replace(f"{{{name}}}", v) for v in values.get(name, ())]


@dataclass(frozen=True)
class PlatformPlan:
    name: str
    vendor: str
    ntc_platform: str | None
    errors: re.Pattern[str] | None
    empty_answers: re.Pattern[str] | None
    tables: PlatformTables
    commands: tuple[CommandPlan, ...]  # run order
    config_command: str | None
    session: SessionSpec | None = None
    push: PushSpec | None = None


def any_of(patterns: Iterable[str]) -> re.Pattern[str] | None:
    joined = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(joined, re.MULTILINE) if joined else None


def _ntc_dir() -> Path:
    import ntc_templates  # type: ignore[import-untyped]

    return Path(ntc_templates.__file__).resolve().parent / "templates"


# --- loading -----------------------------------------------------------------------------------


@dataclass
class _TopicFile:
    topic: Topic
    path: Path
    label: str
    doc: YamlDoc
    spec: TopicSpec


@dataclass
class _PlatformFiles:
    name: str
    spec: PlatformSpec
    label: str
    topics: dict[Topic, _TopicFile]


def _label(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


class _Loader:
    """Reads and checks every platform folder, collecting all problems in one pass."""

    def __init__(self, folders: Sequence[Path]) -> None:
        self.folders = folders  # searched in order: the project's, then the bundled
        self.problems: list[Problem] = []
        self.raw: dict[str, _PlatformFiles | None] = {}

    def find(self, name: str) -> Path | None:
        return next((f / name for f in self.folders if (f / name / PLATFORM_FILE).is_file()), None)

    def read_platform(self, name: str) -> _PlatformFiles | None:
        if name in self.raw:
            return self.raw[name]
        self.raw[name] = None
        folder = self.find(name)
        if folder is None:
            return None
        base = folder.parent.parent
        label = _label(folder / PLATFORM_FILE, base)
        doc, problems = load_yaml(folder / PLATFORM_FILE, label)
        self.problems += problems
        if doc is None:
            return None
        try:
            spec = PlatformSpec.model_validate(doc.data or {})
        except ValidationError as exc:
            self.problems += validation_to_problems(exc, doc, (), None)
            return None
        topics: dict[Topic, _TopicFile] = {}
        for path in sorted(folder.glob("*.yaml")):
            if path.name == PLATFORM_FILE:
                continue
            topic_label = _label(path, base)
            try:
                topic = Topic(path.stem)
            except ValueError:
                known = ", ".join(t.value for t in Topic)
                self.problems.append(
                    Problem(topic_label, f"not a topic file (topics: {known}; or platform.yaml)")
                )
                continue
            doc, problems = load_yaml(path, topic_label)
            self.problems += problems
            if doc is None:
                continue
            try:
                topics[topic] = _TopicFile(
                    topic, path, topic_label, doc, TopicSpec.model_validate(doc.data or {})
                )
            except ValidationError as exc:
                self.problems += validation_to_problems(exc, doc, (), None)
        files = _PlatformFiles(name, spec, label, topics)
        self.raw[name] = files
        return files

    def resolve(self, name: str) -> tuple[PlatformSpec, dict[Topic, _TopicFile]] | None:
        """The platform's own settings and topic files over those of what it extends."""
        chain: list[_PlatformFiles] = []
        current: str | None = name
        while current is not None:
            if any(p.name == current for p in chain):
                cycle = " -> ".join([*(p.name for p in chain), current])
                self.problems.append(Problem(chain[0].label, f"extends loops: {cycle}", None))
                return None
            files = self.read_platform(current)
            if files is None:
                if chain:
                    self.problems.append(
                        Problem(
                            chain[-1].label,
                            f"extends unknown platform {current!r}",
                            None,
                            None,
                            "extends",
                        )
                    )
                return None
            chain.append(files)
            current = files.spec.extends
        merged: dict[str, Any] = {}
        topics: dict[Topic, _TopicFile] = {}
        for files in reversed(chain):
            merged |= {k: v for k, v in files.spec if v is not None and k != "extends"}
            topics |= files.topics
        spec = PlatformSpec.model_validate(merged)
        if spec.vendor is None:
            self.problems.append(
                Problem(chain[0].label, "required field is missing", 1, None, "vendor")
            )
            return None
        return spec, topics


def load_plans(folder: Path, fallback: Path | None = None) -> dict[str, PlatformPlan]:
    """Every platform under ``folder`` compiled, or SpecError naming every problem.

    ``extends:`` may name a platform of ``fallback`` (the bundled specs) that ``folder``
    does not have.
    """
    folders = [folder] + ([fallback] if fallback is not None and fallback != folder else [])
    loader = _Loader(folders)
    names = sorted(p.parent.name for p in folder.glob(f"*/{PLATFORM_FILE}"))
    if not names:
        raise SpecError([Problem(str(folder), f"no <platform>/{PLATFORM_FILE} here")])
    for path in sorted(folder.iterdir()):
        if path.is_dir() and path.name not in names and any(path.glob("*.yaml")):
            loader.problems.append(
                Problem(_label(path, folder.parent), f"specs without a {PLATFORM_FILE}")
            )
    plans: dict[str, PlatformPlan] = {}
    for name in names:
        resolved = loader.resolve(name)
        if resolved is None:
            continue
        spec, topics = resolved
        plan = _Compiler(name, spec, loader.problems).compile(topics)
        if plan is not None:
            plans[name] = plan
    if loader.problems:
        raise SpecError(loader.problems)
    return plans


class _Compiler:
    """Turns one platform's checked specs into a plan; cross-file problems go to ``problems``."""

    def __init__(self, name: str, spec: PlatformSpec, problems: list[Problem]) -> None:
        self.name = name
        self.spec = spec
        self.problems = problems
        self.tables = PlatformTables(spec.interface_names or {}, spec.interface_kinds or {})
        self.ntc = _ntc_dir()

    def problem(self, file: _TopicFile, path: tuple[str | int, ...], message: str) -> None:
        field = ".".join(str(p) for p in path) or None
        self.problems.append(Problem(file.label, message, file.doc.line_of(path), None, field))

    def compile(self, topics: Mapping[Topic, _TopicFile]) -> PlatformPlan | None:
        before = len(self.problems)
        order: list[str] = []
        empty_ok: dict[str, bool] = {}
        parsers: dict[str, list[ParserPlan]] = {}
        table_names = {
            str(record.table)
            for file in topics.values()
            for command in file.spec.commands
            for record in command.records
            if record.table
        }
        table_fields: dict[str, set[str]] = {}
        for file in topics.values():
            for command in file.spec.commands:
                for record in command.records:
                    if record.table:
                        table_fields.setdefault(record.table, set()).update(record.fields)
        config_command: str | None = None
        for topic in TOPIC_ORDER:
            topic_file = topics.get(topic)
            if topic_file is None:
                continue
            for index, command in enumerate(topic_file.spec.commands):
                where: tuple[str | int, ...] = ("commands", index)
                if topic is Topic.CONFIG and config_command is None:
                    config_command = command.command
                if command.command not in parsers:
                    order.append(command.command)
                    parsers[command.command] = []
                empty_ok[command.command] = empty_ok.get(command.command, False) or (
                    command.empty_ok
                )
                parser = self.compile_parser(topic_file, where, command, table_names, table_fields)
                if parser is not None:
                    parsers[command.command].append(parser)
        if len(self.problems) > before:
            return None
        if config_command is not None:  # the longest output, and the final word: last
            order.remove(config_command)
            order.append(config_command)
        plans = tuple(
            CommandPlan(
                c,
                tuple(PLACEHOLDER.findall(c)),
                _command_pattern(c) if PLACEHOLDER.search(c) else None,
                empty_ok[c],
                tuple(parsers[c]),
                _command_pattern(c.replace(" ", "_"), r"\S+?"),
            )
            for c in order
        )
        return PlatformPlan(
            self.name,
            str(self.spec.vendor),
            self.spec.ntc_platform,
            any_of(self.spec.errors or ()),
            any_of(self.spec.empty_answers or ()),
            self.tables,
            plans,
            config_command,
            self.spec.session,
            self.spec.push,
        )

    def compile_parser(
        self,
        file: _TopicFile,
        where: tuple[str | int, ...],
        command: CommandSpec,
        table_names: set[str],
        table_fields: Mapping[str, set[str]],
    ) -> ParserPlan | None:
        if not (command.ntc or command.textfsm):
            return None
        if command.ntc:
            path, field = self.ntc / command.ntc, "ntc"
        else:
            path, field = file.path.parent / str(command.textfsm), "textfsm"
        if not path.is_file():
            where_text = "in ntc-templates" if command.ntc else "beside the spec"
            self.problem(file, (*where, field), f"template not found {where_text}: {path.name}")
            return None
        try:
            header: list[str] = list(get_template(path.resolve()).header)
        except (textfsm.TextFSMTemplateError, OSError, UnicodeDecodeError) as exc:
            self.problem(file, (*where, field), f"template {path.name} does not compile: {exc}")
            return None
        columns = {name: i for i, name in enumerate(header)}
        variables = set(PLACEHOLDER.findall(command.command))
        records: list[RecordPlan] = []
        for index, record in enumerate(command.records):
            plan = self.compile_record(
                file,
                (*where, "records", index),
                record,
                columns,
                variables,
                table_names,
                table_fields,
            )
            if plan is not None:
                records.append(plan)
        return ParserPlan(path.resolve(), f"{file.label}: {path.name}", tuple(records))

    def compile_record(
        self,
        file: _TopicFile,
        where: tuple[str | int, ...],
        record: RecordSpec,
        columns: Mapping[str, int],
        variables: set[str],
        table_names: set[str],
        table_fields: Mapping[str, set[str]],
    ) -> RecordPlan | None:
        ok = True
        kinds: Mapping[str, ValueKind] | None = FIELD_KINDS[record.fact] if record.fact else None
        known_columns = ", ".join(columns)
        filters: list[tuple[int, re.Pattern[str], bool]] = []
        for name, mapping, positive in (
            ("where", record.where, True),
            ("unless", record.unless, False),
        ):
            for column, pattern in mapping.items():
                if column not in columns:
                    self.problem(
                        file,
                        (*where, name, column),
                        f"no column {column!r} in the template (columns: {known_columns})",
                    )
                    ok = False
                    continue
                filters.append((columns[column], re.compile(pattern), positive))
        fields: list[FieldPlan] = []
        lookups: list[FieldPlan] = []
        for name, spec in record.fields.items():
            path = (*where, "fields", name)
            if kinds is not None and name not in kinds:
                known = ", ".join(kinds)
                self.problem(file, path, f"{record.fact} has no field {name!r} (fields: {known})")
                ok = False
                continue
            kind: ValueKind = kinds[name] if kinds is not None else "any"
            missing = [c for c in spec.columns if c not in columns]
            if missing:
                self.problem(
                    file,
                    (*path, "from"),
                    f"no column {missing[0]!r} in the template (columns: {known_columns})",
                )
                ok = False
                continue
            if spec.var is not None and spec.var not in variables:
                self.problem(file, (*path, "var"), f"the command has no placeholder {{{spec.var}}}")
                ok = False
                continue
            if spec.merge == "append" and kind not in ("tuple", "any"):
                self.problem(file, (*path, "merge"), "append needs a list field")
                ok = False
                continue
            steps = [t.build(self.tables) for t in spec.transforms]
            if spec.lookup is not None:
                table, _, column = spec.lookup.partition(".")
                if table not in table_names:
                    self.problem(file, (*path, "lookup"), f"no record makes table {table!r}")
                    ok = False
                    continue
                if column not in table_fields.get(table, set()):
                    self.problem(file, (*path, "lookup"), f"table {table!r} has no {column!r}")
                    ok = False
                    continue
                bad = [b for b in spec.by if b not in record.fields or b == name]
                if bad:
                    self.problem(file, (*path, "by"), f"{bad[0]!r} is not another field here")
                    ok = False
                    continue
                lookups.append(
                    FieldPlan(
                        name,
                        _getter_of_steps(steps),
                        kind,
                        spec.merge,
                        (table, column),
                        spec.by,
                        spec.missing == "drop",
                    )
                )
                continue
            fields.append(FieldPlan(name, _getter(spec, columns, steps), kind, spec.merge))
        key = record.key if record.key is not None else DEFAULT_KEYS[str(record.fact)]
        for index, name in enumerate(key):
            if name not in record.fields and record.fact is None:
                self.problem(file, (*where, "key", index), f"{name!r} is not a field here")
                ok = False
            elif kinds is not None and name not in kinds:
                self.problem(file, (*where, "key", index), f"{record.fact} has no field {name!r}")
                ok = False
        if record.fact is not None:
            absent = [r for r in REQUIRED[record.fact] if r not in record.fields]
            if absent:
                self.problem(file, (*where, "fields"), f"{record.fact} needs field {absent[0]!r}")
                ok = False
        if not ok:
            return None
        return RecordPlan(
            record.fact,
            record.table,
            key,
            REQUIRED[record.fact] if record.fact else record.key or (),
            tuple(filters),
            tuple(fields),
            tuple(lookups),
        )


def _command_pattern(command: str, value: str = r"\S+") -> re.Pattern[str]:
    """A regex matching the concrete commands (or file stems) of a command with placeholders."""
    parts = PLACEHOLDER.split(command)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>{value})" for i, part in enumerate(parts)
    )
    return re.compile(regex + r"\Z")


def _chain(steps: Sequence[Step]) -> Step:
    if not steps:
        return lambda v: v
    if len(steps) == 1:
        return steps[0]

    def run(value: Value) -> Value:
        for step in steps:
            value = step(value)
        return value

    return run


def _getter_of_steps(steps: Sequence[Step]) -> Getter:
    """For lookups: the steps apply to the looked-up value (passed as the 'row')."""
    chain = _chain(steps)
    return lambda value, _vars: chain(list(value) if isinstance(value, tuple) else value)


def _cell(value: Any) -> Value:
    """A TextFSM cell as a value: '' and [] are unknown."""
    if isinstance(value, list):
        return [v for v in value if v] or None
    return value or None


def _getter(spec: FieldSpec, columns: Mapping[str, int], steps: Sequence[Step]) -> Getter:
    chain = _chain(steps)
    if spec.var is not None:
        name = spec.var
        return lambda row, variables: chain(variables.get(name))
    if spec.from_ is None:
        constant = spec.value
        return lambda row, variables: chain(constant)
    indexes = [columns[c] for c in spec.columns]
    if len(indexes) == 1:
        (i,) = indexes
        return lambda row, variables: chain(_cell(row[i]))

    def many(row: Sequence[Any], variables: Mapping[str, str]) -> Value:
        values: list[Any] = []
        for i in indexes:
            cell = _cell(row[i])
            if isinstance(cell, list):
                values.extend(cell)
            else:
                values.append(cell)
        return chain(values)

    return many
