"""benchmarks/scale.py's campaign parts run at a tiny size (issue 21): (d) a campaign with
`govnet worker` processes, (e) the same lab with each answer delayed; every host surveyed
once and the figures printed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCALE = Path(__file__).resolve().parents[1] / "benchmarks" / "scale.py"


@pytest.mark.slow  # ~1-2 min: three labs' worth of CLI starts and the delayed answers
@pytest.mark.postgres
def test_the_campaign_and_latency_parts_survey_every_host_once(pg_url: str) -> None:
    done = subprocess.run(
        [
            sys.executable, str(SCALE), "--routers", "8", "--collectors", "2", "--workers", "4",
            "--parts", "d,e", "--latency-routers", "6", "--delay", "0.2", "--pg-url", pg_url,
        ],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    records = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    parts = {r["part"]: r for r in records}  # one JSON line per part as it ends
    assert sorted(parts) == ["d", "e1", "e2", "e3"], done.stdout
    for name, part in parts.items():
        assert "error" not in part, part
        assert part["ok"] == part["hosts"] and part["unaccounted"] == 0, name
        assert part["stored_twice"] == 0 and part["cpu_ms_per_device"] > 0, name
    for name in ("d", "e2"):  # two `govnet worker` processes, each measured
        assert parts[name]["processes"] == 2, parts[name]
        assert sum(parts[name]["written"]) == parts[name]["hosts"], parts[name]
        assert all(rss > 0 for rss in parts[name]["peak_rss_mib"]), parts[name]
    assert parts["e1"]["delay_s"] == 0.2
    assert "WAN latency (0.2 s per answer): (e2) / (e1) = " in done.stdout
    assert "(d) govnet campaign, N `govnet worker`, PostgreSQL" in done.stdout
