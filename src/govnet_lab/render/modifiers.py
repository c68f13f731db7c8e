"""Output modifiers after a show/display command: ``| include``, ``| exclude``, ``| begin``.

All three vendors filter a command's output line by line with a regular expression typed
after a bar, and drivers written for real devices rely on it (NAPALM's IOS driver sends
``show arp | exclude Incomplete``, the VRP driver ``display current-configuration |
include sysname``). Sources: Cisco's "CLI String Search" (IOS XE configuration guides,
"Regular Expressions": "a pattern ... the CLI String Search feature matches against show or
more command output", ``_`` matching a comma, brace, parenthesis, space or either end);
Huawei's AR/VRP configuration guide, 正则表达式: "在命令行中通过输入begin、exclude或include
关键字加正则表达式来过滤显示信息"; H3C Comware's fundamentals configuration guide, "Filtering
the output from a display command" (``display ... | { begin | exclude | include }
regular-expression``). ``begin`` shows from the first matching line on; ``include`` and
``exclude`` keep or drop each matching line.

Beyond the three, per platform (EXTRA):

- VRP ``| count``, alone or after a filter, prints ``Total lines: N.`` (Huawei's "Regular
  Expressions" page of its configuration guides, example 3: ``<HUAWEI> display
  current-configuration | include vlan | count`` / ``Total lines: 14.``; that page is a
  VRP8 switch's, no AR router's own was found). No Comware source showing a ``count`` was
  found, so Comware has none here.
- IOS ``| section REGEX``: each section (a line at column 0 and the indented lines under
  it) that has a matching line, whole; a real ``R3#show run | section router bgp`` prints
  ``router bgp 65000`` and its five indented lines, no ``!`` (an ipspace.net-style lab
  write-up found by code search). A section shown because only an indented line matched
  follows Cisco's "sections" wording; no real output of that case was found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from govnet_lab.model import Device
from govnet_lab.render.common import Syntax, UnknownCommand, accepts_word, error_text

KEYWORDS = ("begin", "exclude", "include")
EXTRA = {"huawei": ("count",), "cisco_ios": ("section",)}
COUNT = re.compile(r"\|\s*count\s*$")


@dataclass(frozen=True)
class Modifier:
    keyword: str  # one of KEYWORDS
    pattern: re.Pattern[str]

    def apply(self, text: str) -> str:
        lines = text.split("\n")
        if self.keyword == "count":
            return f"Total lines: {len(lines) if text else 0}."
        if self.keyword == "section":
            return "\n".join(_sections(lines, self.pattern))
        if self.keyword == "begin":
            start = next((i for i, line in enumerate(lines) if self.pattern.search(line)), None)
            return "" if start is None else "\n".join(lines[start:])
        keep = self.keyword == "include"
        return "\n".join(line for line in lines if bool(self.pattern.search(line)) is keep)


@dataclass(frozen=True)
class Chain:
    """A filter then ``| count`` (VRP): the count of the filtered lines."""

    first: Modifier | None
    then: Modifier

    def apply(self, text: str) -> str:
        return self.then.apply(text if self.first is None else self.first.apply(text))


def _sections(lines: list[str], pattern: re.Pattern[str]) -> list[str]:
    shown: list[str] = []
    section: list[str] = []
    for line in [*lines, ""]:
        if line[:1] not in (" ", "") or line == "":
            if any(pattern.search(x) for x in section):
                shown += section
            section = []
        if line:
            section.append(line)
    return shown


def _regex(pattern: str) -> re.Pattern[str]:
    """The vendors' regular expression: POSIX-like, plus ``_`` for a delimiter or an end."""
    translated = pattern.replace("_", r"(?:^|$|[,{}() ])")
    try:
        return re.compile(translated)
    except re.error:
        return re.compile(re.escape(pattern))


def split_modifier(device: Device, raw: str, syntax: Syntax) -> tuple[str, Modifier | Chain | None]:
    """The command before the first bar and the modifier after it (None: no bar), or
    UnknownCommand with the vendor's error under a keyword it does not know."""
    extra = EXTRA.get(device.platform, ())
    counted = COUNT.search(raw) if "count" in extra else None
    if counted is not None and raw.find("|") < counted.start():
        command, first = split_modifier(device, raw[: counted.start()], syntax)
        assert not isinstance(first, Chain)
        return command, Chain(first, Modifier("count", re.compile("")))
    bar = raw.find("|")
    if bar < 0:
        return raw, None
    rest = raw[bar + 1 :]
    match = re.match(r"\s*(\S*)\s*(.*?)\s*$", rest)
    assert match is not None
    word, pattern = match.group(1), match.group(2)
    column = bar + 1 + match.start(1)
    fits = [k for k in (*KEYWORDS, *extra) if word and accepts_word(k, word)]
    if len(fits) != 1:
        raise UnknownCommand(error_text(device, syntax, raw, column, syntax.unrecognized))
    if fits[0] == "count":
        return raw[:bar], Modifier("count", re.compile(""))
    if not pattern:
        raise UnknownCommand(error_text(device, syntax, raw, len(raw.rstrip()), syntax.incomplete))
    return raw[:bar], Modifier(fits[0], _regex(pattern))
