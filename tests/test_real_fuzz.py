"""Fuzzing every platform's parsers with real lines: lines of real texts (the fixtures, the
real-text corpus, the offline texts) shuffled, truncated, duplicated and mixed across
platforms and commands, given to any of a platform's commands. ``Platforms.parse`` never
raises, and invents nothing: every IPv4 address it states (interface addresses, route
prefixes and next hops, neighbour peers, ARP entries) is written in the input as ``a.b.c.d``,
and every interface name it states is in the input, or is the expansion of an abbreviation
that is.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govnet.model.facts import HostFacts
from govnet.platforms import Platforms, load_platforms

TESTS = Path(__file__).resolve().parent
PLATFORMS = ("huawei", "hp_comware", "cisco_ios")
IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


@cache
def get_platforms() -> Platforms:
    return load_platforms()


def _real_files() -> Iterator[tuple[Path, str | None]]:
    """Every real text and the command it answers, when its name or manifest says."""
    for platform in PLATFORMS:
        for path in sorted((TESTS / "fixtures" / platform).glob("*.txt")):
            yield path, path.stem.replace("_", " ")
    for manifest in sorted((TESTS / "real").glob("*/MANIFEST.yaml")):
        for entry in yaml.safe_load(manifest.read_text(encoding="utf-8")) or []:
            for command, name in (entry.get("outputs") or {}).items():
                yield manifest.parent / name, command
            if entry.get("session_log"):
                yield manifest.parent / entry["session_log"], None
    for path in sorted((TESTS / "offline_text").glob("*.txt")):
        yield path, path.stem.split("_", 1)[1].replace("_", " ")


@cache
def get_texts() -> tuple[tuple[str, ...], ...]:
    """Every real text, as its lines."""
    return tuple(
        tuple(p.read_bytes().decode("utf-8", errors="replace").splitlines())
        for p, _ in _real_files()
    )


@cache
def get_answers(command: str) -> tuple[int, ...]:
    """The texts (indices) that answer ``command``, of any platform."""
    return tuple(i for i, (_, c) in enumerate(_real_files()) if c == command)


@cache
def get_commands(platform: str) -> tuple[str, ...]:
    """Every command a platform's specs read, with a placeholder filled."""
    plan = get_platforms().plans[platform]
    return tuple(c.command.replace("{vpn_instance}", "ZW_WAI") for c in plan.commands)


@st.composite
def mangled_text(draw: st.DrawFn, command: str) -> str:
    """Lines of one or more real texts (most often one answering ``command``), shuffled,
    truncated, duplicated, mixed."""
    texts = get_texts()
    answers = get_answers(command)
    any_text = st.integers(0, len(texts) - 1)
    picked: list[int] = draw(st.lists(any_text, max_size=2))
    if answers and draw(st.integers(0, 3)) > 0:
        picked.insert(0, draw(st.sampled_from(list(answers))))
    if not picked:
        picked = [draw(any_text)]
    lines = [line for i in picked for line in texts[i]]
    if not lines:
        return ""
    if draw(st.integers(0, 2)):  # a slice in order (what a template's states expect) ...
        start = draw(st.integers(0, len(lines) - 1)) if draw(st.booleans()) else 0
        lines = lines[start : start + draw(st.integers(1, 200))]
    else:  # ... or a sample in any order
        lines = draw(st.lists(st.sampled_from(lines), max_size=120))
    out = []
    for line in lines:
        action = draw(st.sampled_from(["keep", "keep", "keep", "cut", "twice", "drop"]))
        if action == "cut":
            out.append(line[: draw(st.integers(0, len(line)))])
        elif action == "twice":
            out += [line, line]
        elif action == "keep":
            out.append(line)
    return "\n".join(out) + ("\n" if draw(st.booleans()) else "")


def _stated_addresses(facts: HostFacts) -> Iterator[str]:
    for interface in facts.interfaces:
        yield from (a.split("/")[0] for a in interface.addresses)
    for route in facts.routes:
        yield route.prefix.split("/")[0]
        yield from route.next_hops
    for neighbour in facts.neighbours:
        if IPV4.match(neighbour.peer):
            yield neighbour.peer
    for entry in facts.arp:
        yield entry.address


def _stated_interfaces(facts: HostFacts) -> Iterator[str]:
    yield from (i.name for i in facts.interfaces)
    for things in (facts.routes, facts.neighbours, facts.nat, facts.arp):
        for thing in things:
            if thing.interface:
                yield thing.interface


def _is_written(address: str, text: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(address)}(?!\d|\.\d)", text) is not None


def _interface_is_written(platform: str, name: str, text: str) -> bool:
    lowered = text.lower()
    if name.lower() in lowered:
        return True
    names = get_platforms().get_interface_names(platform)
    for short, full in names.items():
        if name.startswith(full):
            rest = name[len(full) :]
            if (short + rest).lower() in lowered or f"{short} {rest}".lower() in lowered:
                return True
    return False


def check(platform: str, outputs: dict[str, str]) -> None:
    facts, _ = get_platforms().parse(platform, outputs)  # never raises
    text = "\n".join(outputs.values())
    for address in _stated_addresses(facts):
        if IPV4.match(address):
            ipaddress.IPv4Address(address)  # a real address, not a cut one
        assert _is_written(address, text), f"{platform}: {address} is not in the input"
    for name in _stated_interfaces(facts):
        assert _interface_is_written(platform, name, text), (
            f"{platform}: interface {name!r} is not in the input"
        )


FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.sampled_from(PLATFORMS), st.data())
def test_one_command_of_mangled_real_lines(platform: str, data: st.DataObject) -> None:
    command = data.draw(st.sampled_from(get_commands(platform)))
    check(platform, {command: data.draw(mangled_text(command))})


@FUZZ
@given(st.sampled_from(PLATFORMS), st.data())
def test_every_command_at_once_of_mangled_real_lines(platform: str, data: st.DataObject) -> None:
    commands = data.draw(
        st.lists(st.sampled_from(get_commands(platform)), min_size=1, max_size=6, unique=True)
    )
    check(platform, {c: data.draw(mangled_text(c)) for c in commands})


def test_the_fuzz_reads_real_text_of_every_platform() -> None:
    assert len(get_texts()) >= 3 * len(PLATFORMS)
    for platform in PLATFORMS:
        assert get_commands(platform)
