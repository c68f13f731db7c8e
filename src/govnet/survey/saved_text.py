"""Saved text that does not say what it is: a whole terminal session in one file (split at its
prompts into host, command typed and output), and which platform a text is (``detect:``).

A session log (PuTTY, SecureCRT, Xshell, ``script``) is read as a terminal showed it: line ends
``\\r\\n`` made ``\\n``, paging prompts (``---- More ----``, ``--More--``) removed with the
backspaces or cursor moves that erased them, other backspaces applied (a typed command's
corrections), then control characters and escape sequences removed as from any device text.

A line is a prompt when it starts with a match of a platform's prompt (``session_log.prompt``
in platform.yaml, else ``session.prompt``); what follows on the line is the command typed, as
typed (``dis cur`` stays abbreviated: the parser matches it word by word). The name is the
regex's group ``host`` if it has one, else the prompt without its view marks (``<R1>``,
``[~R1]``, ``R1(config)#`` -> ``R1``); a system-view prompt ``[R1-GigabitEthernet0/0/1]`` is
R1's when R1 is a name of the log. Output lines that look like a prompt (VRP's
``[V200R010C10SPC700]`` heading a configuration) are told apart: a name is a host of the log
only if a command was typed at it, and it prompts at least twice or is the log's only name. A
host whose name is not a host name by the inventory's rule is refused
(:attr:`SessionLog.refused`), as a folder of that name is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from govnet.model.inventory import get_hostname_problem
from govnet.platforms import Platforms
from govnet.survey.collect import remove_controls

# A pager's prompt and what erased it: backspaces, cursor-left / erase-line sequences, or a
# carriage return and spaces.
_ERASE = r"(?:\x08|\x1b\[\d*[DK]|\r)"
PAGING = re.compile(
    r"[ \t]*(?:-{2,}[ \t]*More[ \t]*-{2,}|<--- More --->)[ \t]*"
    rf"(?:(?:{_ERASE}+[ \t]*)*{_ERASE})?",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s")
_BACKSPACE = re.compile(r"[^\x08\n]\x08")
_VIEW_MARKS = re.compile(r"^[<\[][~*]?|[>\]#]$|\([^()]*\)(?=[>\]#]?$)")


@dataclass(frozen=True)
class LoggedCommand:
    host: str
    command: str  # as typed
    output: str
    line: int  # of the prompt, 1-based


@dataclass
class SessionLog:
    """What one log holds: each command with its host, and which platforms' prompt shapes
    each host showed (a text that cannot say its platform may be told by its prompt)."""

    commands: list[LoggedCommand] = field(default_factory=list)
    shapes: dict[str, set[str]] = field(default_factory=dict)  # host -> platforms
    refused: list[str] = field(default_factory=list)  # prompting names that are no host name

    @property
    def hosts(self) -> list[str]:
        return list(dict.fromkeys(c.host for c in self.commands))

    def get_outputs(self, host: str) -> tuple[dict[str, str], list[str]]:
        """The host's outputs by command as typed (a command typed again: the last answer),
        and the commands typed more than once."""
        outputs: dict[str, str] = {}
        again = []
        for logged in self.commands:
            if logged.host == host:
                if logged.command in outputs:
                    again.append(logged.command)
                outputs[logged.command] = logged.output
        return outputs, sorted(set(again))


def clean_terminal_text(text: str) -> tuple[str, str | None]:
    """A terminal log as the screen showed it (see the module's docstring), and a note of the
    control characters removed (None when none were).

    >>> clean_terminal_text("a\\r\\n  ---- More ----\\x1b[42D          \\x1b[42D b\\r\\n")
    ('a\\n b\\n', None)
    >>> clean_terminal_text(" --More-- \\x08\\x08\\x08\\x08\\x08\\x08\\x08\\x08\\x08\\x08"
    ...                     "          \\x08\\x08\\x08\\x08\\x08\\x08\\x08\\x08\\x08\\x08Gi0/1")
    ('Gi0/1', None)
    >>> clean_terminal_text("a\\n  ---- More ----\\r                \\r b\\n")
    ('a\\n b\\n', None)
    >>> clean_terminal_text("<R1>dis\\x08\\x08\\x08display cu\\x08ur")
    ('<R1>display cur', None)
    """
    text = PAGING.sub("", re.sub(r"\r+\n", "\n", text)).replace("\r", "\n")
    while "\x08" in text:
        cleaned = _BACKSPACE.sub("", text)
        if cleaned == text:
            break
        text = cleaned
    return remove_controls(text)


def get_prompt_patterns(collectors: Platforms) -> dict[str, re.Pattern[str]]:
    """platform -> the prompt of its saved session logs (platforms without one are left out)."""
    return {
        name: plan.log_prompt
        for name, plan in sorted(collectors.plans.items())
        if plan.log_prompt is not None
    }


def split_session_log(text: str, prompts: Mapping[str, re.Pattern[str]]) -> SessionLog:
    """``text`` (cleaned: :func:`clean_terminal_text`) split at its prompts.

    >>> prompts = {"huawei": re.compile(r"[<\\[](?P<host>[^\\s<>\\[\\]]+)[>\\]]"),
    ...            "cisco_ios": re.compile(r"(?P<host>[A-Za-z0-9][\\w.-]*)(?:\\([\\w-]+\\))?[>#]")}
    >>> log = split_session_log("<R1>display version\\nVRP\\n<R1>quit\\nR2#show vrf\\n"
    ...                         "  Name  Default RD\\nR2#", prompts)
    >>> [(c.host, c.command, c.output) for c in log.commands]  # doctest: +NORMALIZE_WHITESPACE
    [('R1', 'display version', 'VRP\\n'), ('R1', 'quit', ''),
     ('R2', 'show vrf', '  Name  Default RD\\n')]
    >>> log.shapes
    {'R1': {'huawei'}, 'R2': {'cisco_ios'}}
    """
    lines = text.split("\n")
    candidates: list[tuple[int, str, str, set[str]]] = []  # line, name, command, platforms
    for number, line in enumerate(lines):
        found = _match_prompt(line, prompts)
        if found is not None:
            candidates.append((number, *found))
    names = {name for _, name, _, _ in candidates}
    owner = {name: _get_owner(name, names) for name in names}
    count: dict[str, int] = {}
    for _, name, _, _ in candidates:
        count[owner[name]] = count.get(owner[name], 0) + 1
    typed = {owner[name] for _, name, command, _ in candidates if command}
    hosts = {h for h, n in count.items() if h in typed and (n >= 2 or len(count) == 1)}
    log = SessionLog(refused=sorted(h for h in hosts if get_hostname_problem(h) is not None))
    hosts -= set(log.refused)
    prompt_lines = [(n, owner[x], cmd, p) for n, x, cmd, p in candidates if owner[x] in hosts]
    for index, (number, host, command, platforms) in enumerate(prompt_lines):
        shapes = log.shapes.setdefault(host, set(platforms))
        shapes &= platforms
        end = prompt_lines[index + 1][0] if index + 1 < len(prompt_lines) else len(lines)
        if not command:
            continue
        body = lines[number + 1 : end]
        while body and not body[-1].strip():
            body.pop()
        output = "\n".join(body) + "\n" if any(b.strip() for b in body) else ""
        log.commands.append(LoggedCommand(host, command, output, number + 1))
    return log


def _match_prompt(
    line: str, prompts: Mapping[str, re.Pattern[str]]
) -> tuple[str, str, set[str]] | None:
    """The host name, command and platforms of a prompt line, or None."""
    found: tuple[str, str] | None = None
    platforms: set[str] = set()
    for platform, pattern in prompts.items():
        match = pattern.match(line)
        if match is None:
            continue
        name = _get_prompt_name(match)
        command = " ".join(line[match.end() :].split())
        if not name or _SPACE.search(name):
            continue
        if found is None:
            found = (name, command)
        if found == (name, command):
            platforms.add(platform)
    return (*found, platforms) if found is not None else None


def _get_prompt_name(match: re.Match[str]) -> str:
    if "host" in match.re.groupindex and match.group("host") is not None:
        return match.group("host")
    text = match.group()
    previous = None
    while previous != text:
        previous, text = text, _VIEW_MARKS.sub("", text)
    return text


def _get_owner(name: str, names: Iterable[str]) -> str:
    """The host a system-view name (``R1-GigabitEthernet0/0/1``, ``R1-bgp``) belongs to: the
    longest other name it starts with, then ``-``; else itself."""
    owners = [n for n in names if n != name and name.startswith(n + "-")]
    return max(owners, key=len) if owners else name


def detect_platform(
    collectors: Platforms, text: str, candidates: Iterable[str] | None = None
) -> tuple[str | None, str]:
    """The platform ``text`` says it is (``detect:`` of platform.yaml: it matches some of one
    platform's patterns and none of another's), among ``candidates`` (all when None: a
    prompt's shape narrows them); else None and why, in words.

    A candidate alone (a prompt only one platform has) is that platform without a pattern."""
    names = sorted(candidates) if candidates is not None else collectors.get_platforms()
    if len(names) == 1:
        return names[0], f"its prompt is {names[0]}'s"
    matched = []
    for name in names:
        pattern = collectors.plans[name].detect
        if pattern is not None and pattern.search(text):
            matched.append(name)
    if len(matched) == 1:
        return matched[0], "its text says so"
    among = " or ".join(names) if names else "no platform"
    if not matched:
        return None, f"its text says nothing that tells {among}"
    return None, f"its text has marks of {' and '.join(matched)}"
