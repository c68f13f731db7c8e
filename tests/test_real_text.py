"""Real device text (``tests/real/``): the parsers state at least 95% of the facts a careful
reader wrote down for each platform, and nothing the text does not say."""

from __future__ import annotations

import pytest

from govnet.platforms import Platforms, load_platforms
from real.corpus import (
    Sample,
    get_atoms,
    load_samples,
    parse_sample,
    read_expected,
    score_samples,
)

SAMPLES = load_samples()
RECALL = 0.95


@pytest.fixture(scope="module")
def platforms() -> Platforms:
    return load_platforms()


def test_every_sample_names_its_source() -> None:
    assert SAMPLES, "the corpus is empty"
    for sample in SAMPLES:
        files = set(sample.outputs.values())
        if sample.session_log is not None:
            files.add(sample.session_log)
        sourced = {s.get("file") for s in sample.sources}
        assert files <= sourced, f"{sample.name}: no source for {sorted(files - sourced)}"
        for source in sample.sources:
            for key in ("repo", "commit", "path", "licence"):
                assert source.get(key), f"{sample.name}: {source.get('file')} lacks {key}"
            assert len(str(source["commit"])) == 40, f"{sample.name}: commit not a full hash"
        assert sample.expected_path.is_file(), f"{sample.name}: no expected facts"


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_nothing_stated_that_the_text_does_not_say(platforms: Platforms, sample: Sample) -> None:
    extra = get_atoms(parse_sample(platforms, sample)) - get_atoms(read_expected(sample))
    assert not extra, "\n".join(" ".join(a) for a in sorted(extra))


@pytest.mark.parametrize("platform", sorted({s.platform or "detected" for s in SAMPLES}))
def test_recall_per_platform(platforms: Platforms, platform: str) -> None:
    scores = score_samples(
        platforms, [s for s in SAMPLES if (s.platform or "detected") == platform]
    )
    score = scores[platform]["all"]
    missed = "\n".join(f"{name}: {' '.join(a)}" for name, a in score.missed[:40])
    assert score.recall >= RECALL, f"{score.found}/{score.expected}, missed:\n{missed}"
