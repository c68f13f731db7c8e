"""Coverage over the whole country's towns, against a plain baseline measured in the same run.

Run: .venv/bin/python benchmarks/coverage.py [--seed 1]

Input: the bundled NBS tree (31 provinces, ~340 cities, ~2,900 counties, ~41,000 towns) and a
synthetic inventory: one government unit per town (90% connected, 2% of those by the ledger
only) and twenty departments per county (70% connected).
Measured:
  (a) baseline: the same counts the plain way, per division a scan of the units whose code
      starts with its prefix (what a spreadsheet's COUNTIFS does), for provinces, cities and
      counties only (towns would take far longer);
  (b) govnet: get_coverage(tree, units, "") for every province, city, county and town row,
      then the rows as JSON (what `govnet report coverage --division` writes).
Printed: units, rows, seconds for each, the ratio (a)/(b). The issue's goal: under 10 s.
"""

from __future__ import annotations

import argparse
import json
import random
import time

from govnet.model.divisions import LEVEL_DIGITS, Level, get_bundled_tree
from govnet.reports.coverage import LEDGER, SURVEY, UnitPlace, get_coverage


def make_units(seed: int) -> list[UnitPlace]:
    rng = random.Random(seed)
    tree = get_bundled_tree()
    units = []
    for division in tree.divisions.values():
        if division.level is Level.TOWN:
            linked = rng.random() < 0.9
            how = (LEDGER if rng.random() < 0.02 else SURVEY) if linked else None
            units.append(UnitPlace(f"t{division.code}", division.code, how))
        elif division.level is Level.COUNTY:
            for i in range(20):
                how = SURVEY if rng.random() < 0.7 else None
                units.append(UnitPlace(f"d{division.code}-{i}", division.code, how))
    return units


def baseline(units: list[UnitPlace]) -> int:
    """Per division above town level: a scan of all units by code prefix."""
    tree = get_bundled_tree()
    rows = 0
    for division in tree.divisions.values():
        if division.level in (Level.TOWN, Level.VILLAGE):
            continue
        prefix = division.code[: LEVEL_DIGITS[division.level]]
        mine = [u for u in units if u.division_code.startswith(prefix)]
        sum(u.connected_by is not None for u in mine)
        rows += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    get_bundled_tree()  # loaded once, as the CLI does
    units = make_units(args.seed)
    started = time.perf_counter()
    base_rows = baseline(units)
    base = time.perf_counter() - started
    started = time.perf_counter()
    rows = get_coverage(get_bundled_tree(), units, "")
    text = json.dumps([r.to_dict() for r in rows], ensure_ascii=False)
    mine = time.perf_counter() - started
    towns = sum(r.towns for r in rows if r.level is Level.PROVINCE)
    covered = sum(r.towns_covered for r in rows if r.level is Level.PROVINCE)
    print(f"units {len(units):,}; towns {towns:,}, covered {covered:,}")
    print(f"(a) baseline, prefix scans, {base_rows:,} rows above town level: {base:.2f} s")
    size = len(text) / 1e6
    print(f"(b) govnet get_coverage + JSON, {len(rows):,} rows ({size:.1f} MB): {mine:.2f} s")
    print(f"ratio (a)/(b): {base / mine:.1f}x; goal (b) < 10 s")


if __name__ == "__main__":
    main()
