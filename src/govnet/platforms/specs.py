"""The files of a platform folder as data: ``platform.yaml`` (vendor, session, push, the
configuration dialect, interface names) and one ``<topic>.yaml`` per topic (commands,
templates, records mapping a template's columns onto facts). Frozen pydantic models with
``extra="forbid"``: a typo fails at load time naming file, line and field."""

from __future__ import annotations

import dataclasses
import re
import typing
from typing import Any, Literal

from hier_config import Platform as HierPlatform
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from govnet.model import facts
from govnet.model.facts import Topic
from govnet.model.problems import ProblemsError
from govnet.platforms.transforms import TransformSpec, check_regex

PLATFORM_FILE = "platform.yaml"
TOPIC_ORDER: tuple[Topic, ...] = tuple(Topic)  # device first ... config last
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A placeholder stands for each name of the facts of that kind the other commands found.
PLACEHOLDERS = frozenset({"vpn_instance"})


class SpecError(ProblemsError):
    """A collector spec that cannot be used; ``problems`` name file, line and field."""


# --- the facts a record can produce -----------------------------------------------------------

FactName = Literal[
    "device", "interface", "vpn_instance", "route", "neighbour", "nat", "arp", "ospf"
]
FACT_TYPES: dict[str, type[Any]] = {
    "device": facts.DeviceInfo,
    "interface": facts.Interface,
    "vpn_instance": facts.VpnInstance,
    "route": facts.Route,
    "neighbour": facts.Neighbour,
    "nat": facts.NatRule,
    "arp": facts.ArpEntry,
    "ospf": facts.OspfArea,
}
# Rows with equal key fields are one fact; later values fill or replace earlier ones.
DEFAULT_KEYS: dict[str, tuple[str, ...]] = {
    "device": (),
    "interface": ("name",),
    "vpn_instance": ("name",),
    "route": ("vpn_instance", "prefix", "protocol"),
    "neighbour": ("protocol", "vpn_instance", "peer", "interface", "remote_interface"),
    "nat": ("kind", "interface", "acl", "pool", "addresses"),
    "arp": ("vpn_instance", "address"),
    "ospf": ("vpn_instance", "process", "area", "prefix", "interface"),
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
            check_regex(pattern)
        return value


class CommandSpec(_Spec):
    command: str
    ntc: str | None = None  # an ntc-templates file name
    textfsm: str | None = None  # a template beside the spec
    empty_ok: bool = False  # output without any row is normal (empty tables)
    live: bool = True  # false: read from saved text only, never sent in a live survey
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
    device_type: str | None = None  # netmiko's name for its login (default: the platform's)

    @field_validator("prompt")
    @classmethod
    def _regex(cls, value: str) -> str:
        check_regex(value)
        return value


class SessionLogSpec(_Spec):
    """How a saved session log (a terminal's whole session) shows the prompt, for a platform
    read only from files (no ``session:``); the others use ``session.prompt``."""

    prompt: str  # regex matched at a line's start; a group ``host`` (if any) is the host name

    @field_validator("prompt")
    @classmethod
    def _regex(cls, value: str) -> str:
        check_regex(value)
        return value


class PingSpec(_Spec):
    """How a push pings from the device (checks that test traffic) and reads the answer.

    ``command`` holds the placeholders {vpn}, {source}, {count} and {destination}; {vpn} is
    ``vpn`` with {name} filled in, or nothing for the global table. ``result`` is a regex
    (searched over the whole answer, multiline) with the named groups ``sent`` and
    ``received``: the vendor's statistics line(s)."""

    command: str
    vpn: str
    result: str
    wait: float = Field(default=2.0, gt=0, le=60)  # seconds the device waits for each echo

    @field_validator("command")
    @classmethod
    def _command(cls, value: str) -> str:
        names = set(PLACEHOLDER.findall(value))
        wanted = {"vpn", "source", "count", "destination"}
        if names != wanted:
            raise ValueError(
                f"needs exactly the placeholders {sorted(wanted)}, has {sorted(names)}"
            )
        return value

    @field_validator("vpn")
    @classmethod
    def _vpn(cls, value: str) -> str:
        if set(PLACEHOLDER.findall(value)) != {"name"}:
            raise ValueError("needs the placeholder {name}")
        return value

    @field_validator("result")
    @classmethod
    def _result(cls, value: str) -> str:
        check_regex(value)
        missing = {"sent", "received"} - set(re.compile(value).groupindex)
        if missing:
            raise ValueError(f"needs the named group(s) {', '.join(sorted(missing))}")
        return value


class CountersSpec(_Spec):
    """How a push reads one interface's packet counters (a quiet check: the old line has
    gone quiet). ``command`` holds the placeholder {interface}; ``input`` and ``output``
    are regexes (searched over the answer, multiline, in order: the first that matches
    counts) with the named group ``packets``: the total since the counters were cleared.
    Several, since one vendor prints its totals in more than one form."""

    command: str
    input: tuple[str, ...] = Field(min_length=1)
    output: tuple[str, ...] = Field(min_length=1)

    @field_validator("command")
    @classmethod
    def _command(cls, value: str) -> str:
        names = set(PLACEHOLDER.findall(value))
        if names != {"interface"}:
            raise ValueError(f"needs exactly the placeholder interface, has {sorted(names)}")
        return value

    @field_validator("input", "output")
    @classmethod
    def _counts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            check_regex(pattern)
            if "packets" not in re.compile(pattern).groupindex:
                raise ValueError(f"{pattern!r} needs the named group packets")
        return value


class RevertSpec(_Spec):
    """A commit the device undoes by itself unless confirmed in time (IOS ``configure
    terminal revert timer``, Comware ``configuration commit delay``): a push arms it, checks
    its traffic, then confirms. ``arm``: exec lines that leave the session in configuration
    mode with the timer running, {minutes} filled in; ``confirm``: exec lines that keep the
    changes; ``minutes``: the timer (long enough for the whole push and its checks)."""

    arm: tuple[str, ...] = Field(min_length=1)
    confirm: tuple[str, ...] = Field(min_length=1)
    minutes: int = Field(default=10, ge=1, le=120)

    @field_validator("arm")
    @classmethod
    def _arm(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not any("{minutes}" in line for line in value):
            raise ValueError("one line needs the placeholder {minutes}")
        for line in value:
            if set(PLACEHOLDER.findall(line)) - {"minutes"}:
                raise ValueError(f"{line!r}: the only placeholder is {{minutes}}")
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
    ping: PingSpec | None = None  # None: the platform's plans test no traffic
    counters: CountersSpec | None = None  # None: no quiet check can be read there
    revert: RevertSpec | None = None  # None: no confirmed commit (the rollback lines only)

    @field_validator("saved")
    @classmethod
    def _regex(cls, value: str) -> str:
        check_regex(value)
        return value

    @field_validator("refused", "notices", "volatile")
    @classmethod
    def _regexes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            check_regex(pattern)
        return value

    @field_validator("questions")
    @classmethod
    def _questions(cls, value: dict[str, str]) -> dict[str, str]:
        for pattern in value:
            check_regex(pattern)
        return value


_STATIC_GROUPS = ("vpn", "prefix", "mask", "iface", "nh", "pref")
OBJECT_KINDS = ("interface", "vpn")  # what ``objects:`` names (routes: ``static_route``)


class DialectSpec(_Spec):
    """How the platform writes its configuration, for plans and pushes."""

    hier_config: str  # hier_config's driver: huawei_vrp, hp_comware5, cisco_ios, ...
    exit: str  # the word that leaves a configuration section (quit, exit)
    exits: dict[str, str] = {}  # a section opened by this prefix is left with this word
    # regex (matched from the line's start): a static route of the running configuration,
    # with the named groups vpn, prefix, mask, iface, nh, pref (each may match nothing)
    static_route: str | None = None
    bgp_asn: str | None = None  # regex, one line of the configuration: group 1 is the AS
    description_max: int = Field(ge=1, le=1000)  # characters, as the vendor's manual says
    # regex, one line of the configuration: group 1 is the number of an ACL it defines (a
    # plan's new ACL takes a number no line matches), and the numbers a basic (source-only)
    # ACL may take; without them plans write no ACL (NAT to the public zone is blocked)
    acl_number: str | None = None
    basic_acls: tuple[int, int] | None = None
    # What a configuration line names, by kind (interface, vpn): regexes matched on one line
    # without its indentation, group `name` the object's name. A push judges drift by the
    # objects its plan touches (routes are named by ``static_route``: their VPN and prefix).
    objects: dict[str, tuple[str, ...]] = {}

    @field_validator("hier_config")
    @classmethod
    def _driver(cls, value: str) -> str:
        known = [p.name.lower() for p in HierPlatform]
        if value.lower() not in known:
            raise ValueError(f"not a hier_config platform (known: {', '.join(known)})")
        return value.lower()

    @field_validator("static_route")
    @classmethod
    def _static(cls, value: str | None) -> str | None:
        if value is not None:
            check_regex(value)
            missing = [g for g in _STATIC_GROUPS if g not in re.compile(value).groupindex]
            if missing:
                raise ValueError(f"needs the named group(s) {', '.join(missing)}")
        return value

    @field_validator("objects")
    @classmethod
    def _objects(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for kind, patterns in value.items():
            if kind not in OBJECT_KINDS:
                raise ValueError(f"{kind!r}: not an object kind ({', '.join(OBJECT_KINDS)})")
            for pattern in patterns:
                check_regex(pattern)
                if "name" not in re.compile(pattern).groupindex:
                    raise ValueError(f"{pattern!r} needs the named group 'name'")
        return value

    @field_validator("acl_number")
    @classmethod
    def _acl(cls, value: str | None) -> str | None:
        if value is not None:
            check_regex(value)
            if re.compile(value).groups < 1:
                raise ValueError("needs a group: the ACL number")
        return value

    @field_validator("basic_acls")
    @classmethod
    def _acl_range(cls, value: tuple[int, int] | None) -> tuple[int, int] | None:
        if value is not None and not 0 <= value[0] <= value[1]:
            raise ValueError("[first, last]: two numbers, the first not above the last")
        return value

    @field_validator("bgp_asn")
    @classmethod
    def _asn(cls, value: str | None) -> str | None:
        if value is not None:
            check_regex(value)
            if re.compile(value).groups < 1:
                raise ValueError("needs a group: the AS number")
        return value


# The NAPALM drivers a platform may name (napalm's own and the community ones the issue
# lists); each must be installed to be used (the `napalm` extra has ios, huawei_vrp and
# h3c_comware).
NAPALM_DRIVERS = ("ios", "eos", "junos", "nxos_ssh", "iosxr", "huawei_vrp", "ce", "h3c_comware")


class PlatformSpec(_Spec):
    vendor: str | None = None
    session: SessionSpec | None = None
    push: PushSpec | None = None
    dialect: DialectSpec | None = None
    ntc_platform: str | None = None
    extends: str | None = None
    errors: tuple[str, ...] | None = None  # regexes: the device refused the command
    empty_answers: tuple[str, ...] | None = None  # regexes: "nothing configured"
    config_end: str | None = None  # regex: the running configuration's last line
    interface_names: dict[str, str] | None = None  # abbreviation -> full name prefix
    interface_kinds: dict[str, str] | None = None  # full name prefix -> kind
    detect: tuple[str, ...] | None = None  # regexes (multiline): text that says "this platform"
    session_log: SessionLogSpec | None = None  # a saved session's prompt (default: session's)
    # a second way to survey it: ``napalm:<driver>`` (``govnet survey --driver napalm``)
    driver: str | None = None

    @field_validator("driver")
    @classmethod
    def _driver(cls, value: str | None) -> str | None:
        if value is not None:
            kind, _, name = value.partition(":")
            if kind != "napalm" or name not in NAPALM_DRIVERS:
                known = ", ".join(f"napalm:{d}" for d in NAPALM_DRIVERS)
                raise ValueError(f"{value!r}: one of {known}")
        return value

    @field_validator("errors", "empty_answers", "detect")
    @classmethod
    def _regexes(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for pattern in value or ():
            check_regex(pattern)
        return value

    @field_validator("config_end")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            check_regex(value)
        return value
