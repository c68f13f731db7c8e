"""Raw command output -> normalised facts, as the collector specs (``collectors/``) say.

:func:`load_collectors` reads and checks the specs once; :meth:`Collectors.parse` turns one
host's outputs into :class:`~govnet.model.facts.HostFacts` plus the problems met. Parsing never
raises on device text: a vendor error answer is a ``ParseProblem(kind="unsupported")``, a
template that cannot read the text is ``kind="parse"``, and every other command still counts.

How rows become facts (vendor-neutral; the specs say the rest):

* Rows of every command merge by key (interfaces by name, routes by VPN instance, prefix and
  protocol, ...). Specs apply in topic order (device, interfaces, vpn_instances, routes,
  neighbours, nat, config), then in file order; a later known value replaces an earlier one
  unless its field says ``merge: first`` or ``append``. Unknown values (empty cells) never
  replace anything, so the configuration, parsed last, is the final word on what it states.
* Interfaces get their kind from their name (platform.yaml ``interface_kinds``) when no spec
  sets it; names containing a dot are sub-interfaces.
* Routes the IP stack makes for itself are dropped (127/8, 224/4, 0.0.0.0/32,
  255.255.255.255/32, and the network/broadcast host routes of connected subnets); a
  connected /32 that is one of the router's own addresses becomes protocol ``local`` on the
  interface holding it (Comware shows ``InLoop0``); connected and local routes carry no next
  hop (Huawei/Comware print the router's own address there, IOS nothing); a route with a next
  hop but no interface (IOS recursive statics, BGP) gets the interface of the connected
  subnet holding the next hop, as the router resolves it.

Stable order of every tuple, so two parses of the same text compare equal: interfaces by
name in natural order (``GE0/0/2`` before ``GE0/0/10``), VPN instances by name, routes by
(VPN instance, global first; network address; prefix length; protocol), neighbours by
(protocol, VPN instance, peer and interface in natural order, remote interface), NAT rules
by (kind, interface, ACL, pool, addresses).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import textfsm  # type: ignore[import-untyped]

from govnet.model.facts import (
    ArpEntry,
    DeviceInfo,
    HostFacts,
    Interface,
    NatRule,
    Neighbour,
    OspfArea,
    Route,
    VpnInstance,
    arp_order,
    nat_order,
    natural_key,
    neighbour_order,
    ospf_order,
)
from govnet.platforms.compile import (
    CommandPlan,
    FieldPlan,
    ParserPlan,
    Platform,
    RecordPlan,
    using_template,
)
from govnet.platforms.routes import fold_configured, settle_routes
from govnet.platforms.specs import FACT_TYPES
from govnet.platforms.transforms import TransformError, kind_of_interface, take_dropped

__all__ = ["ParseProblem", "find_names", "parse_outputs"]


@dataclass(frozen=True)
class ParseProblem:
    """Something one command's output did not give: ``unsupported`` (the device answered
    with its vendor error), ``parse`` (the text did not fit the template at all), or
    ``lines`` (``lines`` lines or values of an otherwise read output were not understood:
    skipped one by one, the rest of the output still counts)."""

    command: str
    kind: str
    message: str
    lines: int = 0

    @property
    def is_partial(self) -> bool:
        """Whether this loses more than single lines (the host is then ``partial``)."""
        return self.kind != "lines"


def parse_outputs(
    plan: Platform, outputs: Mapping[str, str]
) -> tuple[HostFacts, list[ParseProblem]]:
    """The facts in ``outputs`` (command -> decoded text) and the problems met."""
    run = _Run(plan, outputs)
    return run.run(), run.problems


def find_names(plan: Platform, outputs: Mapping[str, str], fact: str) -> HostFacts:
    """Only the facts of kind ``fact`` (and the tables they need), no problems: what the
    follow-up commands need to know (the VPN instances)."""
    return _Run(plan, outputs, only={fact}).run()


# --- one parse ---------------------------------------------------------------------------------

_Key = tuple[Any, ...]
_Entry = dict[str, Any]


def _normal_text(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _head(text: str) -> str:
    """The first lines, where a vendor's error answer is (a caret line, then the message)."""
    return "\n".join(text.lstrip("\n").split("\n", 4)[:4])


@dataclass
class _Output:
    command: str  # as given
    plan: CommandPlan
    variables: dict[str, str]
    text: str


class _Run:
    """One host's outputs through one platform plan."""

    def __init__(
        self, plan: Platform, outputs: Mapping[str, str], only: set[str] | None = None
    ) -> None:
        self.plan = plan
        self.outputs = outputs
        self.only = only
        self.problems: list[ParseProblem] = []
        self._seen: set[tuple[str, str]] = set()
        self._skipped: dict[str, list[str]] = {}
        self.tables_read: set[str | None] = set()  # VPN instances (None: global) whose
        # routing table was answered: a configured route missing from it is inactive
        self.tables: dict[str, dict[_Key, _Entry]] = {}
        self.ambiguous: dict[str, set[tuple[_Key, str]]] = {}
        self.facts: dict[str, dict[_Key, _Entry]] = {name: {} for name in FACT_TYPES}

    def problem(self, command: str, kind: str, message: str, lines: int = 0) -> None:
        if self.only is not None or (command, message) in self._seen:
            return
        self._seen.add((command, message))
        self.problems.append(ParseProblem(command, kind, message, lines))

    def not_understood(self, command: str, what: Sequence[str]) -> None:
        """Lines or values skipped one by one (said once per command when the run ends)."""
        if what and self.only is None:
            self._skipped.setdefault(command, []).extend(what)

    def _say_skipped(self) -> None:
        for command, what in self._skipped.items():
            first = " ".join(what[0].split())[:120]
            message = f"{len(what)} line(s) or value(s) not understood, first: {first!r}"
            self.problem(command, "lines", message, len(what))

    def wanted(self, record: RecordPlan, tables: set[str]) -> bool:
        if self.only is None:
            return True
        return record.fact in self.only or record.table in tables

    def run(self) -> HostFacts:
        tables_needed: set[str] = set()
        if self.only is not None:
            for command in self.plan.commands:
                for parser in command.parsers:
                    for record in parser.records:
                        if record.fact in self.only:
                            tables_needed.update(f.lookup[0] for f in record.lookups if f.lookup)
        parsed: list[tuple[_Output, ParserPlan, list[list[Any]]]] = []
        for output in self._match():
            parsed += self._parse_output(output, tables_needed)
        for output, parser, rows in parsed:
            for record in parser.records:
                if record.table is not None and self.wanted(record, tables_needed):
                    self._apply(record, rows, output, self.tables.setdefault(record.table, {}))
        for output, parser, rows in parsed:
            for record in parser.records:
                if record.fact is not None and self.wanted(record, tables_needed):
                    self._apply(record, rows, output, self.facts[record.fact])
                if record.reads_table:
                    self.tables_read.add(output.variables.get("vpn_instance"))
        self._say_skipped()
        return self._build()

    def _match(self) -> list[_Output]:
        """The outputs the plan knows, in the plan's run order (then by command)."""
        fixed = {c.command: i for i, c in enumerate(self.plan.commands) if not c.placeholders}
        templated = [(i, c) for i, c in enumerate(self.plan.commands) if c.placeholders]
        found: list[tuple[int, str, _Output]] = []
        for command, text in self.outputs.items():
            key = " ".join(command.split())
            index = fixed.get(key)
            variables: dict[str, str] = {}
            if index is None:
                for i, plan in templated:
                    match = plan.pattern.match(key) if plan.pattern else None
                    if match is not None:
                        index, variables = i, match.groupdict()
                        break
            if index is None:
                index, variables = _abbreviated(self.plan.commands, key)
            if index is not None:
                plan = self.plan.commands[index]
                found.append((index, key, _Output(command, plan, variables, text)))
        found.sort(key=lambda f: (f[0], f[1]))
        return [f[2] for f in found]

    def _parse_output(
        self, output: _Output, tables_needed: set[str]
    ) -> list[tuple[_Output, ParserPlan, list[list[Any]]]]:
        parsers = [
            p for p in output.plan.parsers if any(self.wanted(r, tables_needed) for r in p.records)
        ]
        if not parsers and self.only is not None:
            return []
        text = _normal_text(output.text)
        head = _head(text)
        errors, empty = self.plan.errors, self.plan.empty_answers
        if errors is not None and errors.search(head):
            message = " ".join(line.strip() for line in head.split("\n") if line.strip("^ \t"))
            self.problem(output.command, "unsupported", message[:300])
            return []
        if empty is not None and empty.search(head):
            return []
        results: list[tuple[_Output, ParserPlan, list[list[Any]]]] = []
        rows_seen = False
        skipped: list[str] = []
        for parser in parsers:
            try:
                with using_template(parser.template) as fsm:
                    rows: list[list[Any]] = fsm.ParseText(text)
                    if len(fsm.skipped) > len(skipped):
                        skipped = list(fsm.skipped)
            except textfsm.TextFSMError as exc:
                self.problem(output.command, "parse", f"{parser.label}: {exc}"[:500])
                continue
            except Exception as exc:  # device text must never crash a survey
                message = f"{parser.label}: {type(exc).__name__}: {exc}"
                self.problem(output.command, "parse", message[:500])
                continue
            rows_seen = rows_seen or bool(rows)
            results.append((output, parser, rows))
        if rows_seen:  # else the whole output is one parse problem (below)
            self.not_understood(output.command, skipped)
        if (
            parsers
            and not rows_seen
            and not output.plan.empty_ok
            and text.strip()
            and not any(p.kind == "parse" and p.command == output.command for p in self.problems)
        ):
            self.problem(output.command, "parse", "no data recognised in the output")
        return results

    def _apply(
        self,
        record: RecordPlan,
        rows: Sequence[Sequence[Any]],
        output: _Output,
        store: dict[_Key, _Entry],
    ) -> None:
        filters, fields, lookups = record.filters, record.fields, record.lookups
        variables = output.variables
        merges = record.merges
        for row in rows:
            if filters and not all(
                bool(pattern.search(_text_of(row[i]))) is positive
                for i, pattern, positive in filters
            ):
                continue
            values: dict[str, Any] = {}
            bad: list[str] = []
            failed: set[str] = set()
            skip = False
            for field in fields:
                values[field.name] = _value(field, row, variables, bad, failed)
            for field in lookups:
                found = self._look_up(field.lookup, tuple(values.get(b) for b in field.by))
                if found is None and field.drop_missing:
                    skip = True
                    break
                values[field.name] = _value(field, found, variables, bad, failed)
            bad += take_dropped()
            if bad:
                self.not_understood(output.command, bad)
                if failed.intersection(record.key):
                    continue  # an identity not understood: the row cannot be placed
            if skip or any(values.get(name) is None for name in record.required):
                continue
            key = tuple(values.get(name) for name in record.key)
            entry = store.get(key)
            if entry is None:
                entry = store[key] = dict(zip(record.key, key, strict=True))
            for name, value in values.items():
                if value is None or value == ():
                    continue
                old = entry.get(name)
                if old is None or old == ():
                    entry[name] = value
                    continue
                policy = merges[name]
                if policy == "last":
                    if record.table is not None and old != value:
                        self.ambiguous.setdefault(str(record.table), set()).add((key, name))
                    entry[name] = value
                elif policy == "append":
                    entry[name] = old + tuple(v for v in value if v not in old)

    def _look_up(self, where: tuple[str, str] | None, key: _Key) -> Any:
        if where is None:
            return None
        table, field = where
        if (key, field) in self.ambiguous.get(table, set()):
            return None  # rows disagree: unknown, never a guess
        entry = self.tables.get(table, {}).get(key)
        return None if entry is None else entry.get(field)

    def _build(self) -> HostFacts:
        plan = self.plan
        device_entry = next(iter(self.facts["device"].values()), {})
        device = DeviceInfo(**({"vendor": plan.vendor} | _known(device_entry)))
        interfaces = []
        for entry in self.facts["interface"].values():
            fields = _known(entry)
            if "kind" not in fields:
                fields["kind"] = kind_of_interface(fields["name"], plan.tables.interface_kinds)
            interfaces.append(Interface(**fields))
        interfaces.sort(key=lambda i: natural_key(i.name))
        vpns = sorted(
            (VpnInstance(**_known(e)) for e in self.facts["vpn_instance"].values()),
            key=lambda v: v.name,
        )
        read = fold_configured([Route(**_known(e)) for e in self.facts["route"].values()])
        shown = self.tables_read | {r.vpn_instance for r in read if r.active}
        routes = settle_routes(read, interfaces)
        routes = [  # configured, yet missing from a routing table that was read: inactive
            dataclasses.replace(r, active=False)
            if r.configured and r.active is None and r.vpn_instance in shown
            else r
            for r in routes
        ]
        neighbours = sorted(
            (Neighbour(**_known(e)) for e in self.facts["neighbour"].values()), key=neighbour_order
        )
        nat = sorted((NatRule(**_known(e)) for e in self.facts["nat"].values()), key=nat_order)
        arp = sorted((ArpEntry(**_known(e)) for e in self.facts["arp"].values()), key=arp_order)
        ospf = sorted((OspfArea(**_known(e)) for e in self.facts["ospf"].values()), key=ospf_order)
        return HostFacts(
            device,
            tuple(interfaces),
            tuple(vpns),
            tuple(routes),
            tuple(neighbours),
            tuple(nat),
            tuple(arp),
            tuple(ospf),
        )


def _value(
    field: FieldPlan,
    row: Any,
    variables: Mapping[str, str],
    bad: list[str],
    failed: set[str],
) -> Any:
    """One field's value, or unknown when the text's value cannot be taken: that value
    alone is lost (said in ``bad``), never the row."""
    try:
        return _coerce(field.get(row, variables), field.kind, field.name)
    except TransformError as exc:
        bad.append(f"{field.name}: {exc}")
    except Exception as exc:  # a spec step that cannot take this value: never a crash
        bad.append(f"{field.name}: {type(exc).__name__}: {exc}")
    failed.add(field.name)
    return () if field.kind == "tuple" else None


def _abbreviated(commands: Sequence[CommandPlan], typed: str) -> tuple[int | None, dict[str, str]]:
    """The one spec command ``typed`` abbreviates word by word (``dis ip int br``,
    ``sh run``), as the device's CLI completes it; (None, {}) when none or several do, or
    when an output modifier (``| include``) means the text is not the whole answer.

    >>> from types import SimpleNamespace as C
    >>> plans = [C(command="display ip interface brief"), C(command="display interface brief")]
    >>> _abbreviated(plans, "dis ip int br"), _abbreviated(plans, "dis int")
    ((0, {}), (None, {}))
    """
    words = typed.lower().split()
    if not words or "|" in typed:
        return None, {}
    found: list[tuple[int, dict[str, str]]] = []
    for index, plan in enumerate(commands):
        spec = plan.command.split()
        if len(spec) != len(words):
            continue
        variables: dict[str, str] = {}
        for word, given, original in zip(spec, words, typed.split(), strict=True):
            name = word[1:-1] if word.startswith("{") and word.endswith("}") else None
            if name is not None:
                variables[name] = original
            elif not word.lower().startswith(given):
                break
        else:
            found.append((index, variables))
    return found[0] if len(found) == 1 else (None, {})


def _known(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if v is not None}


def _text_of(cell: Any) -> str:
    return " ".join(cell) if isinstance(cell, list) else str(cell)


def _coerce(value: Any, kind: str, name: str) -> Any:
    """A transformed value in the type of its fact field, or TransformError."""
    if value is None:
        return () if kind == "tuple" else None
    if kind == "any":
        return tuple(value) if isinstance(value, list) else value
    if kind == "tuple":
        items = value if isinstance(value, list) else [value]
        out: list[str] = []
        for item in items:
            text = str(item)
            if text and text not in out:
                out.append(text)
        return tuple(out)
    if isinstance(value, list):
        raise TransformError(f"{name}: one value expected, got {value!r} (use `first`)")
    if kind == "bool":
        if not isinstance(value, bool):
            raise TransformError(f"{name}: true/false expected, got {value!r} (use `map`)")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise TransformError(f"{name}: a whole number expected, got {value!r} (use `int`)")
        return value
    if isinstance(value, bool):
        raise TransformError(f"{name}: text expected, got {value!r}")
    return str(value)
