"""Problems found in user-edited files, each naming file, line, entry and field.

Every loader collects all problems it can find in one pass rather than stopping at the
first, so an engineer fixes a file in one go.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, overload

import yaml
from pydantic import ValidationError

Severity = Literal["error", "warning"]
PathKey = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one field of one entry of one file."""

    file: str
    message: str
    line: int | None = None
    entry: str | None = None
    field: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        """
        >>> str(Problem("inventory/hosts.yaml", "unknown platform 'huawai'", 12, "r1", "platform"))
        "inventory/hosts.yaml:12: r1: platform: unknown platform 'huawai'"
        """
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.entry:
            parts.append(self.entry)
        if self.field:
            parts.append(self.field)
        prefix = "warning: " if self.severity == "warning" else ""
        return ": ".join(parts) + f": {prefix}{self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "entry": self.entry,
            "field": self.field,
            "severity": self.severity,
            "message": self.message,
        }


class UsageError(Exception):
    """Something the user can fix (a wrong option, a busy port, nothing to retry); the
    message says what. The CLI prints it as one line and exits non-zero."""


class ProblemsError(Exception):
    """Raised where a caller needs valid data and the input has errors."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


@dataclass
class YamlDoc:
    """A parsed YAML file with the line of every mapping key and sequence item."""

    path: Path
    label: str
    data: Any
    lines: dict[PathKey, int]

    def line_of(self, path: PathKey) -> int | None:
        """The line of the deepest known node on ``path``."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


# libyaml's parser when PyYAML was built with it: about 3x faster on a large ledger.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _DuplicateKeyError(Exception):
    def __init__(self, key: str, line: int, first: int) -> None:
        self.key, self.line, self.first = key, line, first


class _ValueError(Exception):
    """A scalar YAML cannot turn into a value (an impossible date)."""

    def __init__(self, reason: str, line: int, text: object) -> None:
        super().__init__(reason)
        self.reason, self.line, self.text = reason, line, str(text)


# Limits a hand-written file never reaches and a hostile one does: a file as large as
# the largest ledger a country would keep, nesting far deeper than any govnet file has (the
# parser recurses, and 200,000 levels crash it), and aliases that expand to far more values
# than the file spells out (the "billion laughs").
MAX_YAML_BYTES = 128 * 1024 * 1024
MAX_YAML_DEPTH = 100
YAML_EXPANSION = 2  # values read may be 2 x the file's size (+ 100,000): merges, not bombs


class FileLimitError(Exception):
    """A file beyond a limit, or not a regular file: the message says which (and where)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@overload
def read_text_file(path: Path, limit: int) -> str: ...


@overload
def read_text_file(path: Path, limit: int, decode: Literal[True]) -> str: ...


@overload
def read_text_file(path: Path, limit: int, decode: Literal[False]) -> bytes: ...


def read_text_file(path: Path, limit: int, decode: bool = True) -> str | bytes:
    """A regular file's UTF-8 text, at most ``limit`` bytes: a FIFO, a device (/dev/zero),
    a folder or a larger file is an OSError or FileLimitError, never a hang."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO opens at once, without a writer
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = (
                "a folder"
                if stat.S_ISDIR(mode)
                else "a FIFO (named pipe)"
                if stat.S_ISFIFO(mode)
                else "a device"
                if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket"
                if stat.S_ISSOCK(mode)
                else "not a regular file"
            )
            raise FileLimitError(f"{kind}, not a regular file")
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise FileLimitError(f"larger than {limit:,} bytes")
    return data.decode("utf-8") if decode else data


def check_yaml_text(text: str, aliases: bool = True) -> None:
    """Walk the parser's events (it keeps its own stack, so any depth is safe) before the
    composer, which recurses, sees the document: FileLimitError if nested too deep (or, with
    ``aliases`` False, if it has any alias); yaml.YAMLError if it is not YAML."""
    loader = _Loader(text)
    depth = 0
    try:
        while loader.check_event():
            event: Any = loader.get_event()  # type: ignore[no-untyped-call]
            line = event.start_mark.line + 1 if event.start_mark is not None else None
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise FileLimitError(f"nested deeper than {MAX_YAML_DEPTH} levels", line)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent) and not aliases:
                raise FileLimitError("an alias (*name) where none is expected", line)
    finally:
        loader.dispose()


class _Budget:
    """How many values the aliases of a document may expand to."""

    def __init__(self, text: str) -> None:
        self.left = YAML_EXPANSION * len(text) + 100_000

    def spend(self, node: yaml.Node) -> None:
        self.left -= 1
        if self.left < 0:
            raise FileLimitError(
                "its aliases (*name) expand to far more values than the file holds: an alias bomb?",
                node.start_mark.line + 1,
            )


def load_yaml(path: Path, label: str) -> tuple[YamlDoc | None, list[Problem]]:
    """Parse a YAML file, rejecting duplicate keys (PyYAML would keep only the last), and
    files beyond the limits above."""
    try:
        text = read_text_file(path, MAX_YAML_BYTES)
    except FileNotFoundError:
        return None, [Problem(label, "file not found")]
    except UnicodeDecodeError as exc:
        return None, [Problem(label, f"not UTF-8 text (byte {exc.start})")]
    except OSError as exc:
        return None, [Problem(label, f"cannot read: {exc.strerror}")]
    except FileLimitError as exc:
        return None, [Problem(label, f"not read: {exc}")]
    loader = _Loader(text)
    try:
        check_yaml_text(text)
        node = loader.get_single_node()
        lines: dict[PathKey, int] = {}
        budget = _Budget(text)
        data = _node_to_data(loader, node, (), lines, budget) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return None, [Problem(label, f"YAML syntax: {exc.problem or exc}", line)]
    except yaml.YAMLError as exc:
        return None, [Problem(label, f"YAML syntax: {exc}")]
    except _DuplicateKeyError as exc:
        msg = f"duplicate key {exc.key!r} (first at line {exc.first})"
        return None, [Problem(label, msg, exc.line)]
    except _ValueError as exc:
        return None, [Problem(label, f"{exc.text!r}: {exc.reason}", exc.line)]
    except FileLimitError as exc:
        return None, [Problem(label, f"not read: {exc}", exc.line)]
    finally:
        loader.dispose()
    return YamlDoc(path, label, data, lines), []


def _node_to_data(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: PathKey,
    lines: dict[PathKey, int],
    budget: _Budget,
) -> Any:
    budget.spend(node)
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                key = str(key)
            line = key_node.start_mark.line + 1
            if key in first_line:
                raise _DuplicateKeyError(str(key), line, first_line[key])
            first_line[key] = line
            key_path = (*path, str(key))
            lines[key_path] = line
            result[key] = _node_to_data(loader, value_node, key_path, lines, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _node_to_data(loader, item, (*path, index), lines, budget)
            for index, item in enumerate(node.value)
        ]
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, TypeError) as exc:  # e.g. a date like 2024-13-01
        raise _ValueError(str(exc), node.start_mark.line + 1, node.value) from None


def validation_to_problems(
    exc: ValidationError,
    doc: YamlDoc,
    base: PathKey,
    entry: str | None,
) -> list[Problem]:
    """Turn a pydantic error into problems that name the line and the field."""
    problems: list[Problem] = []
    for error in exc.errors(include_url=False):
        loc = tuple(p for p in error["loc"] if not _is_union_tag(p))
        field = ".".join(str(p) for p in loc) or None
        message = _message_of(error)
        problems.append(Problem(doc.label, message, doc.line_of((*base, *loc)), entry, field))
    return problems


def _is_union_tag(part: object) -> bool:
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


# The pydantic error type of a value that must not be shown (a password in an inventory).
SECRET_ERROR = "secret"


def _message_of(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field (misspelt, or not allowed here)"
    if kind == "missing":
        return "required field is missing"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    value = error.get("input")
    if kind == SECRET_ERROR:
        return message  # the value is a password: never repeated
    if kind not in ("missing",) and not isinstance(value, (dict, list)):
        message = f"{message} (got {value!r})"
    return message
