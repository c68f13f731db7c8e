"""The words a ledger cell may use (``data/ledger_vocabulary.yaml``, extended by a project's
``inventory/ledger_vocabulary.yaml``): carriers by any of their names, line types, yes/no,
等保/分保 grades, bandwidth words, placeholders, 长期, and a project's short unit names.

Offices write 移动公司 or 中国电信股份有限公司XX分公司 where the export writes 电信; the words are
data so that a county can add its own without a release.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from govnet.model.files import get_bundled_data
from govnet.model.inventory import Carrier, LineKind, SecurityGrade
from govnet.model.labels import CARRIER_LABELS, KIND_LABELS, SECURITY_GRADE_LABELS
from govnet.model.problems import (
    Problem,
    ProblemsError,
    YamlDoc,
    has_errors,
    load_yaml,
    validation_to_problems,
)
from govnet.model.text import CONTROL_CHARS

VOCABULARY_FILE = "inventory/ledger_vocabulary.yaml"
DEFAULT_VOCABULARY_LABEL = "govnet/data/ledger_vocabulary.yaml"


def normalize_word(value: str) -> str:
    """A cell's word compared without case, width or spaces: ＭＳＴＰ 专线 = mstp专线."""
    return "".join(unicodedata.normalize("NFKC", value).casefold().split())


def _check_word(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 100 or CONTROL_CHARS.search(value):
        raise ValueError("a word is one line of 1 to 100 characters")
    return value


Word = Annotated[str, AfterValidator(_check_word)]
Words = list[Word]


class VocabularyFile(BaseModel):
    """The shape of ledger_vocabulary.yaml: every section optional, a project's adds words."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    carriers: dict[Carrier, Words] = {}
    company_words: Words = []
    kinds: dict[LineKind, Words] = {}
    kind_suffixes: Words = []
    classified: dict[Literal["yes", "no"], Words] = {}
    security_grades: dict[SecurityGrade, Words] = {}
    bandwidth_words: dict[Word, Annotated[float, Field(gt=0, le=1_000_000)]] = {}
    placeholders: Words = []
    open_ended: Words = []
    unit_aliases: dict[Word, Word] = {}


@dataclass
class Vocabulary:
    """Lookup tables built from the bundled words and a project's."""

    carriers: dict[str, Carrier] = field(default_factory=dict)
    company_words: tuple[str, ...] = ()
    kinds: dict[str, LineKind] = field(default_factory=dict)
    kind_suffixes: tuple[str, ...] = ()
    classified: dict[str, bool] = field(default_factory=dict)
    grades: dict[str, SecurityGrade] = field(default_factory=dict)
    bandwidth_words: dict[str, float] = field(default_factory=dict)
    placeholders: frozenset[str] = frozenset()
    open_ended: frozenset[str] = frozenset()
    unit_aliases: dict[str, str] = field(default_factory=dict)

    def get_carrier(self, text: str) -> Carrier | None:
        """移动, 移动公司, 中国电信股份有限公司潍坊分公司, 联通潍坊分公司: a carrier's word,
        alone or followed by a company name that starts or ends with a company word."""
        word = normalize_word(text)
        if word in self.carriers:
            return self.carriers[word]
        for name in sorted(self.carriers, key=len, reverse=True):
            rest = word.removeprefix(name)
            if rest != word and any(
                rest.startswith(w) or rest.endswith(w) for w in self.company_words
            ):
                return self.carriers[name]
        return None

    def get_kind(self, text: str) -> LineKind | None:
        """MSTP, MSTP专线, 互联网专线: a type's word, or one followed by 专线/电路/线路."""
        word = normalize_word(text)
        if word in self.kinds:
            return self.kinds[word]
        for suffix in self.kind_suffixes:
            if word.endswith(suffix) and word[: -len(suffix)] in self.kinds:
                return self.kinds[word[: -len(suffix)]]
        return None

    def is_placeholder(self, text: str) -> bool:
        return normalize_word(text) in self.placeholders

    def is_open_ended(self, text: str) -> bool:
        return normalize_word(text) in self.open_ended


def _labelled(labels: Mapping[Any, str]) -> dict[Any, list[str]]:
    """Each member's export label and code: always accepted on import."""
    return {member: [label, str(member.value)] for member, label in labels.items()}


def _load(path: Path, label: str) -> tuple[VocabularyFile | None, YamlDoc | None, list[Problem]]:
    doc, problems = load_yaml(path, label)
    if doc is None:
        return None, None, problems
    if doc.data is None:
        return VocabularyFile(), doc, []
    if not isinstance(doc.data, dict):
        message = "must be a mapping of sections (carriers, kinds, ...) to words"
        return None, doc, [Problem(label, message, 1)]
    try:
        return VocabularyFile.model_validate(doc.data), doc, []
    except ValidationError as exc:
        return None, doc, validation_to_problems(exc, doc, (), None)


class _Tables:
    """Fills one lookup table, reporting a word that would mean two things."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(
        self,
        table: dict[str, Any],
        section: str,
        words: Mapping[Any, list[str]],
        doc: YamlDoc | None,
        meaning: Callable[[Any], Any] = lambda key: key,
    ) -> None:
        """``words`` by their key in the file; ``meaning`` turns a key into the value."""
        for key, spelt in words.items():
            member = meaning(key)
            name = key.value if isinstance(key, Enum) else str(key)
            for index, text in enumerate(spelt):
                word = normalize_word(text)
                other = table.setdefault(word, member)
                if other == member:
                    continue
                where = doc.label if doc else DEFAULT_VOCABULARY_LABEL
                line = doc.line_of((section, name, index)) if doc else None
                shown = other.value if isinstance(other, Enum) else other
                message = f"{text!r} already means {shown} in {section}"
                self.problems.append(Problem(where, message, line, None, f"{section}.{name}"))


def get_ledger_vocabulary(root: Path | None = None) -> Vocabulary:
    """The bundled words with the project's added; ProblemsError naming file, line and field
    for a misspelt section or member, or a word that would mean two things."""
    bundled, bundled_doc, problems = _load(
        get_bundled_data("ledger_vocabulary.yaml"), DEFAULT_VOCABULARY_LABEL
    )
    files: list[tuple[VocabularyFile, YamlDoc | None]] = []
    if bundled is not None:
        files.append((bundled, bundled_doc))
    if root is not None and (root / VOCABULARY_FILE).exists():
        own, own_doc, found = _load(root / VOCABULARY_FILE, VOCABULARY_FILE)
        problems += found
        if own is not None:
            files.append((own, own_doc))
    if has_errors(problems):
        raise ProblemsError(problems)

    vocabulary = Vocabulary()
    tables = _Tables()
    tables.add(vocabulary.carriers, "carriers", _labelled(CARRIER_LABELS), None)
    tables.add(vocabulary.kinds, "kinds", _labelled(KIND_LABELS), None)
    tables.add(vocabulary.grades, "security_grades", _labelled(SECURITY_GRADE_LABELS), None)
    companies: list[str] = []
    suffixes: list[str] = []
    for data, doc in files:
        tables.add(vocabulary.carriers, "carriers", data.carriers, doc)
        tables.add(vocabulary.kinds, "kinds", data.kinds, doc)
        tables.add(vocabulary.grades, "security_grades", data.security_grades, doc)
        tables.add(vocabulary.classified, "classified", data.classified, doc, lambda k: k == "yes")
        for alias, unit in data.unit_aliases.items():
            known = vocabulary.unit_aliases.setdefault(normalize_word(alias), unit)
            if known != unit:
                where = doc.label if doc else DEFAULT_VOCABULARY_LABEL
                line = doc.line_of(("unit_aliases", alias)) if doc else None
                message = f"{alias!r} already names {known}"
                tables.problems.append(Problem(where, message, line, None, "unit_aliases"))
        companies += [normalize_word(w) for w in data.company_words]
        suffixes += [normalize_word(w) for w in data.kind_suffixes]
        vocabulary.bandwidth_words.update(
            {normalize_word(w): mbps for w, mbps in data.bandwidth_words.items()}
        )
        vocabulary.placeholders |= {normalize_word(w) for w in data.placeholders}
        vocabulary.open_ended |= {normalize_word(w) for w in data.open_ended}
    vocabulary.company_words = tuple(sorted(set(companies), key=len, reverse=True))
    vocabulary.kind_suffixes = tuple(sorted(set(suffixes), key=len, reverse=True))
    if tables.problems:
        raise ProblemsError(tables.problems)
    return vocabulary


def get_ledger_choices() -> dict[str, list[str]]:
    """The values a template's drop-downs offer per field: the words an export writes."""
    return {
        "carrier": list(CARRIER_LABELS.values()),
        "kind": list(KIND_LABELS.values()),
        "classified": ["是", "否"],
        "security_grade": list(SECURITY_GRADE_LABELS.values()),
    }
