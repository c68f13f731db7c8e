"""How much of real device text govnet reads: recall per platform and per fact kind on the
corpus in ``tests/real/`` (hand-written facts), and every fact stated that nobody wrote.

Run: .venv/bin/python benchmarks/real_text.py [--missed] [--platform huawei]

Baseline in the same run: the facts the lab-era specs would state are not kept, so the
figure to compare is the hand-written count itself (recall 100%, zero extra); the test
suite (tests/test_real_text.py) fails below 95% per platform or on any extra fact.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from govnet.platforms import load_platforms
from real.corpus import load_samples, score_samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--missed", action="store_true", help="list every missed fact")
    parser.add_argument("--platform", help="only this platform")
    args = parser.parse_args()
    samples = [s for s in load_samples() if args.platform in (None, s.platform)]
    scores = score_samples(load_platforms(), samples)
    print(f"{len(samples)} samples")
    print(f"{'platform':<12} {'kind':<13} {'expected':>8} {'found':>6} {'recall':>7} {'extra':>6}")
    worst = 1.0
    extras = 0
    for platform in sorted(scores):
        for kind in sorted(scores[platform], key=lambda k: (k != "all", k)):
            s = scores[platform][kind]
            print(
                f"{platform:<12} {kind:<13} {s.expected:>8} {s.found:>6}"
                f" {s.recall:>7.1%} {len(s.extra):>6}"
            )
            if kind == "all":
                worst = min(worst, s.recall)
                extras += len(s.extra)
                for name, atom in s.extra:
                    print(f"    extra  {name}: {' | '.join(atom)}")
                if args.missed:
                    for name, atom in s.missed:
                        print(f"    missed {name}: {' | '.join(atom)}")
    print(f"worst platform recall {worst:.1%}, extra facts {extras}")
    return 0 if worst >= 0.95 and extras == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
