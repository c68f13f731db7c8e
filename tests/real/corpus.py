"""The real-text corpus: device text published by others, and the facts a careful reader
finds in it, written by hand (``tests/real/README.md``).

A fact is compared as *atoms*: one per (kind, identity, field, value), a list field giving
one atom per element, and one atom for the thing itself (an interface's existence). Recall is
the share of the hand-written atoms the parsers state; an *extra* is an atom the parsers
state that the reader did not write: either the parser invents it or the expected file
missed it, and both are fixed, never tolerated.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from govnet.platforms import Platforms
from govnet.platforms.specs import DEFAULT_KEYS
from govnet.survey.offline import with_prompt_hostname
from govnet.survey.saved_text import (
    clean_terminal_text,
    detect_platform,
    get_prompt_patterns,
    split_session_log,
)

ROOT = Path(__file__).resolve().parent
MANIFEST = "MANIFEST.yaml"
# HostFacts topic -> the fact kind whose identity fields key it
TOPICS = {
    "interfaces": "interface",
    "vpn_instances": "vpn_instance",
    "routes": "route",
    "neighbours": "neighbour",
    "nat": "nat",
    "arp": "arp",
    "ospf": "ospf",
}
# Not read from the text: the platform says it (DeviceInfo.vendor).
NOT_READ = {("device", "vendor")}

Atom = tuple[str, str, str, str]  # kind, identity, field, value


@dataclass(frozen=True)
class Sample:
    """One host's saved text in the corpus and where it came from."""

    name: str
    platform: str | None  # None: a session log whose platform the text must tell
    folder: Path
    outputs: Mapping[str, str]  # command -> file name (beside the manifest)
    session_log: str | None
    sources: tuple[Mapping[str, str], ...]

    @property
    def expected_path(self) -> Path:
        return self.folder / f"{self.name}.facts.yaml"

    def read(self, name: str) -> str:
        return (self.folder / name).read_bytes().decode("utf-8", errors="replace")


def load_samples(root: Path = ROOT) -> list[Sample]:
    """Every sample of every ``<platform>/MANIFEST.yaml`` under ``root``."""
    samples = []
    for manifest in sorted(root.glob(f"*/{MANIFEST}")):
        entries = yaml.safe_load(manifest.read_text(encoding="utf-8")) or []
        for entry in entries:
            samples.append(
                Sample(
                    name=entry["name"],
                    platform=entry.get("platform", manifest.parent.name),
                    folder=manifest.parent,
                    outputs=entry.get("outputs") or {},
                    session_log=entry.get("session_log"),
                    sources=tuple(entry.get("sources") or ()),
                )
            )
    return samples


def get_atoms(facts: Mapping[str, Any]) -> set[Atom]:
    """The atoms of facts in :meth:`HostFacts.to_dict` shape (unknown fields left out).

    >>> sorted(get_atoms({"interfaces": [{"name": "Gi0/1", "addresses": ["10.0.0.1/30"]}]}))
    [('interface', 'Gi0/1', '', ''), ('interface', 'Gi0/1', 'addresses', '10.0.0.1/30')]
    """
    atoms: set[Atom] = set()
    for name, value in (facts.get("device") or {}).items():
        if ("device", name) not in NOT_READ:
            atoms.update(("device", "", name, text) for text in _texts(value))
    for topic, kind in TOPICS.items():
        keys = DEFAULT_KEYS[kind]
        for item in facts.get(topic) or ():
            identity = " | ".join(_identity(item.get(k)) for k in keys)
            atoms.add((kind, identity, "", ""))
            for name, value in item.items():
                if name not in keys:
                    atoms.update((kind, identity, name, text) for text in _texts(value))
    return atoms


def _identity(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def _texts(value: Any) -> Iterator[str]:
    if value is None:
        return
    if isinstance(value, list | tuple):
        for item in value:
            yield str(item)
    elif isinstance(value, bool):
        yield "true" if value else "false"
    else:
        yield str(value)


def read_expected(sample: Sample) -> dict[str, Any]:
    data = yaml.safe_load(sample.expected_path.read_text(encoding="utf-8")) or {}
    unknown = set(data) - {"device", *TOPICS}
    if unknown:
        raise ValueError(f"{sample.expected_path}: unknown topics {sorted(unknown)}")
    return dict(data)


def parse_sample(platforms: Platforms, sample: Sample) -> dict[str, Any]:
    """What govnet states from a sample's text, as :meth:`HostFacts.to_dict`."""
    if sample.session_log is not None:
        return parse_session_log(platforms, sample)
    if sample.platform is None:
        raise ValueError(f"{sample.name}: outputs need a platform")
    outputs = {command: sample.read(file) for command, file in sample.outputs.items()}
    facts, _ = platforms.parse(sample.platform, outputs)
    return facts.to_dict()


def parse_session_log(platforms: Platforms, sample: Sample) -> dict[str, Any]:
    """A session log's facts: split at its prompts (``govnet.survey.saved_text``, as offline
    ingestion splits it) into one host's outputs, typed commands as typed; the platform from
    the manifest, else told by the text and the prompt's shape; the prompt's name is the
    hostname when no output states one."""
    assert sample.session_log is not None
    text, _ = clean_terminal_text(sample.read(sample.session_log))
    log = split_session_log(text, get_prompt_patterns(platforms))
    if len(log.hosts) != 1:
        raise ValueError(f"{sample.name}: a sample is one host; the log has {log.hosts}")
    (host,) = log.hosts
    outputs, _ = log.get_outputs(host)
    platform = sample.platform
    if platform is None:
        platform, why = detect_platform(platforms, "\n".join(outputs.values()), log.shapes[host])
        if platform is None:
            raise ValueError(f"{sample.name}: {why}")
    facts, _ = platforms.parse(platform, outputs)
    return with_prompt_hostname(facts, host).to_dict()


@dataclass
class Score:
    """Hand-written atoms found, missed, and atoms stated that nobody wrote."""

    expected: int = 0
    found: int = 0
    missed: list[tuple[str, Atom]] = field(default_factory=list)
    extra: list[tuple[str, Atom]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0


def score_samples(platforms: Platforms, samples: Iterable[Sample]) -> dict[str, dict[str, Score]]:
    """platform -> fact kind -> score (kind ``all`` sums the platform)."""
    scores: dict[str, dict[str, Score]] = defaultdict(lambda: defaultdict(Score))
    for sample in samples:
        expected = get_atoms(read_expected(sample))
        stated = get_atoms(parse_sample(platforms, sample))
        platform = sample.platform or "detected"
        for kind_filter in ("all", None):
            for atom in expected:
                score = scores[platform][kind_filter or atom[0]]
                score.expected += 1
                if atom in stated:
                    score.found += 1
                else:
                    score.missed.append((sample.name, atom))
            for atom in stated - expected:
                scores[platform][kind_filter or atom[0]].extra.append((sample.name, atom))
    return scores
