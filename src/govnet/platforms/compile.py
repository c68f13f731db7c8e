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

import contextlib
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import textfsm  # type: ignore[import-untyped]
from pydantic import ValidationError

from govnet.model.facts import Topic
from govnet.model.problems import Problem, YamlDoc, load_yaml, validation_to_problems
from govnet.platforms.dialect import Dialect
from govnet.platforms.hooks import HOOKS_FILE, load_hooks
from govnet.platforms.specs import (
    DEFAULT_KEYS,
    FIELD_KINDS,
    PLACEHOLDER,
    PLATFORM_FILE,
    REQUIRED,
    TOPIC_ORDER,
    CommandSpec,
    FieldSpec,
    PlatformSpec,
    PushSpec,
    RecordSpec,
    SessionSpec,
    SpecError,
    TopicSpec,
    ValueKind,
)
from govnet.platforms.transforms import PlatformTables, Step, Value

# --- compiled plans ----------------------------------------------------------------------------

_pool: dict[Path, list[TolerantFSM]] = {}  # free compiled templates (using_template)
_pool_lock = threading.Lock()


class TolerantFSM(textfsm.TextFSM):  # type: ignore[misc]
    """A TextFSM that never gives up on an output: a line its template sends to ``Error``
    (ntc-templates end their states with ``^. -> Error``) is skipped and kept in
    :attr:`skipped`, and the parse goes on with the next line in the same state. One
    unexpected line (a VRP8 legend, a new column) so costs that line, not the output."""

    skipped: list[str]
    _cur_state: Any
    _cur_state_name: str
    states: dict[str, Any]

    def Reset(self) -> None:
        super().Reset()
        self.skipped = []

    def _CheckLine(self, line: str) -> None:
        for rule in self._cur_state:
            matched = self._CheckRule(rule, line)
            if not matched:
                continue
            if rule.line_op == "Error":
                self.skipped.append(line)
                return
            for value in matched.groupdict():
                self._AssignVar(matched, value)
            if self._Operations(rule, line):
                if rule.new_state:
                    if rule.new_state not in ("End", "EOF"):
                        self._cur_state = self.states[rule.new_state]
                    self._cur_state_name = rule.new_state
                break


@contextlib.contextmanager
def using_template(path: Path) -> Iterator[TolerantFSM]:
    """The compiled template at ``path``, reset, for one parse; given back after it.

    A TextFSM object holds parse state, so no two threads use one at once; but compiling
    one costs ~1 ms and a survey's threads (12 to 50 per process) each compiling every
    template of every platform was about a tenth of its parsing CPU. Compiled templates are
    kept in a pool instead: there are as many per template as parses ran at the same time
    (a few: the threads mostly wait on SSH), not one per thread."""
    with _pool_lock:
        free = _pool.setdefault(path, [])
        fsm = free.pop() if free else None
    if fsm is None:
        with path.open(encoding="utf-8") as handle:
            fsm = TolerantFSM(handle)
    else:
        fsm.Reset()
    try:
        yield fsm
    finally:
        with _pool_lock:
            _pool[path].append(fsm)


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
    # a routing table: its routes are stated `active: true`, so the output, answered, is
    # that table read (a configured route missing from it is inactive), rows or none
    reads_table: bool = False

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
    live: bool = True  # sent in a live survey (false: read from saved text only)

    def expand(self, values: Mapping[str, Sequence[str]]) -> list[str]:
        """The concrete commands for every value of the (single) placeholder."""
        if not self.placeholders:
            return [self.command]
        (name,) = self.placeholders
        return [self.command.replace(f"{{{name}}}", v) for v in values.get(name, ())]


@dataclass(frozen=True)
class Platform:
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
    dialect: Dialect | None = None  # None: govnet plans nothing for this platform
    config_end: re.Pattern[str] | None = None  # the running configuration's last line
    detect: re.Pattern[str] | None = None  # any line saying the text is this platform's
    log_prompt: re.Pattern[str] | None = None  # a prompt in a saved session log
    napalm_driver: str | None = None  # ``driver: napalm:<name>`` in platform.yaml


def any_of(patterns: Iterable[str]) -> re.Pattern[str] | None:
    joined = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(joined, re.MULTILINE) if joined else None


def _log_prompt(spec: PlatformSpec) -> re.Pattern[str] | None:
    """A saved session log's prompt: ``session_log.prompt``, else the live ``session.prompt``."""
    if spec.session_log is not None:
        return re.compile(spec.session_log.prompt)
    return re.compile(spec.session.prompt) if spec.session is not None else None


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
    hooks: Path | None  # the folder's hooks.py, if it has one


def _label(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


_Resolved = tuple[PlatformSpec, dict[Topic, _TopicFile], Path | None]  # spec, topics, hooks


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
        hooks = folder / HOOKS_FILE
        files = _PlatformFiles(name, spec, label, topics, hooks if hooks.is_file() else None)
        self.raw[name] = files
        return files

    def resolve(
        self, name: str
    ) -> tuple[PlatformSpec, dict[Topic, _TopicFile], Path | None] | None:
        """The platform's own settings, topic files and hooks over those of what it extends."""
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
        hooks: Path | None = None
        for files in reversed(chain):
            merged |= {k: v for k, v in files.spec if v is not None and k != "extends"}
            topics |= files.topics
            hooks = files.hooks or hooks
        spec = PlatformSpec.model_validate(merged)
        if spec.vendor is None:
            self.problems.append(
                Problem(chain[0].label, "required field is missing", 1, None, "vendor")
            )
            return None
        return spec, topics, hooks


def load_plans(folders: Sequence[Path]) -> dict[str, Platform]:
    """Every platform of ``folders`` compiled, or SpecError naming every problem.

    The folders are searched in order (a project's ``collectors/``, then the bundled one): a
    platform of a name is the first folder's, and ``extends:`` may name any platform of any.
    """
    loader = _Loader(folders)
    names: set[str] = set()
    for folder in folders:
        found = {p.parent.name for p in folder.glob(f"*/{PLATFORM_FILE}")}
        for path in sorted(folder.iterdir()) if folder.is_dir() else ():
            if path.is_dir() and path.name not in found and any(path.glob("*.yaml")):
                loader.problems.append(
                    Problem(_label(path, folder.parent), f"specs without a {PLATFORM_FILE}")
                )
        names |= found
    if not names:
        where = ", ".join(str(f) for f in folders)
        raise SpecError([Problem(where, f"no <platform>/{PLATFORM_FILE} here")])
    plans: dict[str, Platform] = {}
    for name in sorted(names):
        resolved = loader.resolve(name)
        if resolved is None:
            continue
        spec, topics, hooks = resolved
        plan = _Compiler(name, spec, loader.problems).compile(topics, hooks)
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

    def compile(self, topics: Mapping[Topic, _TopicFile], hooks: Path | None) -> Platform | None:
        before = len(self.problems)
        dialect = self.compile_dialect(hooks)
        order: list[str] = []
        empty_ok: dict[str, bool] = {}
        live: dict[str, bool] = {}  # live unless every file naming it says `live: false`
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
                live[command.command] = live.get(command.command, False) or command.live
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
                live[c],
            )
            for c in order
        )
        return Platform(
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
            dialect,
            re.compile(self.spec.config_end) if self.spec.config_end else None,
            any_of(self.spec.detect or ()),
            _log_prompt(self.spec),
            self.spec.driver.partition(":")[2] if self.spec.driver else None,
        )

    def compile_dialect(self, hooks: Path | None) -> Dialect | None:
        spec = self.spec.dialect
        found: dict[str, Callable[..., Any]] = {}
        if hooks is not None:
            found, problems = load_hooks(
                self.name, hooks, _label(hooks, hooks.parent.parent.parent)
            )
            self.problems += problems
        if spec is None:
            return None
        return Dialect(
            self.name,
            spec.hier_config,
            spec.exit,
            dict(spec.exits),
            re.compile(spec.static_route) if spec.static_route else None,
            re.compile(spec.bgp_asn, re.MULTILINE) if spec.bgp_asn else None,
            spec.description_max,
            re.compile(spec.acl_number, re.MULTILINE) if spec.acl_number else None,
            spec.basic_acls,
            objects={
                kind: tuple(re.compile(p) for p in patterns)
                for kind, patterns in spec.objects.items()
            },
            **({"prepare_config": found["prepare_config"]} if "prepare_config" in found else {}),
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
            with using_template(path.resolve()) as fsm:
                header: list[str] = list(fsm.header)
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
            record.fact == "route"
            and "active" in record.fields
            and record.fields["active"].from_ is None
            and record.fields["active"].value is True,
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
