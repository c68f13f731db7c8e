"""benchmarks/scale.py's campaign parts: (d) a campaign with workers, (e) WAN latency.

  (d) `govnet campaign start` on the PostgreSQL store, then --collectors `govnet worker`
      processes (--workers hosts at once each, --exit-when-idle) until the queue is empty:
      the same lab and figures as (a)-(c), plus the time to queue the jobs (its CPU counted in
      the CPU per device, with the workers').
  (e) a second lab where every router waits --delay s before each answer (as a province's
      collector sees county routers over WAN links), --latency-routers routers:
      (e1) one collector (`govnet survey`'s run_survey, --workers threads) into PostgreSQL;
      (e2) a campaign with --collectors workers, as (d);
      (e3) one collector with --collectors x --workers threads: as many sessions in flight as
      (e2), so the speed-up of (e2) over (e1) is seen to come from sessions in flight, which
      WAN latency rewards, not from the processes.

Each `govnet worker` is the real command in the lab's project folder; its CPU is the kernel's
count for the process (wait4), its memory, descriptors and threads read in /proc meanwhile.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from scale import count_campaign, get_process_figures, govnet_part

from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.district import load_district
from govnet_lab.server import read_credentials

LABELS = {
    "d": "(d) govnet campaign, N `govnet worker`, PostgreSQL",
    "e1": "(e1) WAN latency: govnet, 1 collector",
    "e2": "(e2) WAN latency: govnet campaign, N workers",
    "e3": "(e3) WAN latency: govnet, 1 collector, N x the threads",
}
GOVNET = [sys.executable, "-c", "from govnet.cli import main; main()"]


class Worker:
    """One `govnet worker` process: its output in a file, its figures sampled from /proc,
    its CPU (user + system) from wait4 when it ends."""

    def __init__(self, cmd: list[str], root: Path, env: dict[str, str], log: Path) -> None:
        self.out, self.log = log.with_suffix(".out"), log
        with open(self.out, "w") as stdout, open(log, "w") as stderr:
            self.process = subprocess.Popen(
                cmd, cwd=root, env=env, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL
            )
        self.figures: list[dict[str, float]] = []
        self.cpu_s: float | None = None

    def poll(self) -> int | None:
        if self.process.returncode is None:
            pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
            if pid:
                self.process.returncode = os.waitstatus_to_exitcode(status)
                self.cpu_s = usage.ru_utime + usage.ru_stime
            else:
                with suppress(FileNotFoundError, ProcessLookupError, KeyError):
                    self.figures.append(get_process_figures(self.process.pid))
        return self.process.returncode

    @property
    def result(self) -> dict[str, Any]:
        text = self.out.read_text()
        return dict(json.loads(text)) if text.strip() else {}


def get_env(root: Path, db: str) -> dict[str, str]:
    user, password = read_credentials(get_lab_paths(root).credentials)
    return dict(os.environ, GOVNET_DB_URL=db, GOVNET_USERNAME=user, GOVNET_PASSWORD=password)


def count_by_status(db: str, campaign: str) -> Counter[str]:
    """The campaign's host results by status, as the store holds them."""
    from sqlalchemy import text

    from govnet.store import open_store

    store = open_store(db, migrate=False)
    try:
        with store.session() as session:
            rows = session.execute(
                text(
                    "SELECT h.status, count(*) FROM host_results h JOIN survey_runs r"
                    " ON r.id = h.run_id WHERE r.campaign = :c GROUP BY h.status"
                ),
                {"c": campaign},
            ).all()
    finally:
        store.dispose()
    return Counter({str(status): int(n) for status, n in rows})


def campaign_part(
    name: str, root: Path, db: str, workers: int, concurrency: int, routers: int, logs: Path
) -> dict[str, Any]:
    """`govnet campaign start`, then ``workers`` `govnet worker` processes until idle."""
    env = get_env(root, db)
    campaign = f"scale-{name}-{time.time():.0f}"
    began, children_cpu_s = time.monotonic(), _children_cpu_s()
    start = subprocess.run(
        [*GOVNET, "campaign", "start", "--campaign", campaign, "--json"],
        cwd=root, env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    queue_s, queue_cpu_s = time.monotonic() - began, _children_cpu_s() - children_cpu_s
    if start.returncode != 0:
        return {"part": name, "error": f"campaign start: {start.stderr.strip()[-500:]}"}
    zones = list(json.loads(start.stdout)["jobs"])
    cmd = [*GOVNET, "worker", *(a for z in zones for a in ("--zone", z))]
    # one process each (`worker` defaults to one per core): --collectors processes in all,
    # as many as (b)'s shards
    cmd += ["--concurrency", str(concurrency), "--processes", "1", "--exit-when-idle", "--json"]
    pool = [Worker(cmd, root, env, logs / f"{name}-{k}.log") for k in range(1, workers + 1)]
    while [w for w in pool if w.poll() is None]:  # each polled: sampled, or its CPU read
        time.sleep(0.5)
    wall = time.monotonic() - began
    failed = [w for w in pool if w.process.returncode != 0]
    if failed:
        tail = failed[0].log.read_text(errors="replace").strip()[-500:]
        return {"part": name, "error": f"a worker exited {failed[0].process.returncode}: {tail}"}
    results, distinct = count_campaign(db, campaign)
    by_status = count_by_status(db, campaign)
    cpu_s = queue_cpu_s + sum(w.cpu_s or 0.0 for w in pool)
    curve = pool[0].figures
    return {
        "part": name,
        "processes": workers,
        "hosts": routers,
        "ok": by_status["ok"],
        "failed": sum(by_status.values()) - by_status["ok"],
        "unaccounted": routers - distinct,
        "stored_twice": results - distinct,
        "queue_s": round(queue_s, 1),
        "wall_s": round(wall, 1),
        "routers_per_s": round(routers / wall, 1),
        "cpu_ms_per_device": round(cpu_s / routers * 1000, 1),
        "peak_rss_mib": [max((f["peak_rss_mib"] for f in w.figures), default=0.0) for w in pool],
        "rss_by_tenth": [curve[len(curve) * k // 10]["rss_mib"] for k in range(10) if curve],
        "fds": [_ends(w, "fds") for w in pool],
        "threads": [_ends(w, "threads") for w in pool],
        "written": [w.result.get("written") for w in pool],
    }


def _children_cpu_s() -> float:
    """User + system CPU of this process's ended and waited-for children (`campaign start`)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _ends(worker: Worker, key: str) -> tuple[Any, Any]:
    """A figure at the worker's first and last look (just before it ended)."""
    if not worker.figures:
        return None, None
    return worker.figures[0][key], worker.figures[-1][key]


@contextmanager
def latency_lab(routers: int, delay: float) -> Iterator[Path]:
    """A lab of its own whose routers all wait ``delay`` s before each answer."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "far"
        began = time.monotonic()
        start_lab(
            root,
            county="370702",
            seed=1,
            devices=routers,
            first_port=get_free_port_run(routers),
            timeout=900,
            answer_delay=delay,
        )
        print(f"lab (e): {routers} routers, {delay} s before each answer,"
              f" started in {time.monotonic() - began:.0f} s")  # fmt: skip
        try:
            yield root
        finally:
            stop_lab(root)


def latency_parts(args: Any, db: str, logs: Path, parts: list[str]) -> list[dict[str, Any]]:
    """(e1) one collector, (e2) a campaign with --collectors workers, (e3) one collector with
    as many threads as (e2) has sessions, on the delayed lab."""
    results = []
    with latency_lab(args.latency_routers, args.delay) as root:
        routers = len(load_district(get_lab_paths(root).district).devices)
        runs: dict[str, Callable[[], dict[str, Any]]] = {
            "e1": lambda: govnet_part("e1", root, db, 1, args.workers, routers, logs),
            "e2": lambda: campaign_part(
                "e2", root, db, args.collectors, args.workers, routers, logs
            ),
            "e3": lambda: govnet_part(
                "e3", root, db, 1, args.collectors * args.workers, routers, logs
            ),
        }
        for name, run in runs.items():
            if name in parts or "e" in parts:
                results.append(run() | {"delay_s": args.delay})
                print(json.dumps(results[-1]))
    return results


def print_ratios(by_part: dict[str, dict[str, Any]]) -> None:
    """(d) against (a) and (b); the speed-up of workers under WAN latency."""
    if "d" in by_part:
        d = by_part["d"]
        for other in ("a", "b", "c"):
            if other in by_part:
                ratio = d["routers_per_s"] / by_part[other]["routers_per_s"]
                print(f"\n(d) / ({other}): {ratio:.2f}x routers/s")
    if "e1" in by_part:
        one = by_part["e1"]["routers_per_s"]
        for other in ("e2", "e3"):
            if other in by_part:
                print(
                    f"\nWAN latency ({by_part[other]['delay_s']} s per answer):"
                    f" ({other}) / (e1) = {by_part[other]['routers_per_s'] / one:.2f}x routers/s"
                )
