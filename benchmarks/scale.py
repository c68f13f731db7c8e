"""Survey at province scale: 10,000 lab routers, three ways, figures side by side.

Run: .venv/bin/python benchmarks/scale.py [--routers 10000] [--collectors 4] [--workers 20]
        [--baseline-minutes 15] [--parts a,b,c,d,e] [--lab DIR] [--pg-url URL]
        [--latency-routers 160] [--delay 1.0]

One lab serves every router (a synthesized county, the real platform mix; --lab reuses a
running one). Measured, each side in its own process(es):
  (a) govnet, one collector (`run_survey`, as `govnet survey` does) into SQLite;
  (b) govnet, --collectors collectors at once (--shard K/N, one campaign) into one PostgreSQL
      (--pg-url, else a throwaway server as the tests start);
  (c) baseline: stock Nornir (threaded runner, its default 20 workers) + nornir_netmiko's
      netmiko_send_command at default settings, the commands govnet sends; stopped after
      --baseline-minutes if it has not finished, with what it had done by then;
  (d) and (e): a campaign with `govnet worker` processes, and the same under WAN latency
      (benchmarks/scale_campaign.py says how).
Printed per part: hosts ok / failed / unaccounted for (against the store's campaign or the
runner's results), wall time, routers/s, peak RSS (each process), resident memory at each
tenth of the hosts (flat = memory does not grow with the hosts done), open descriptors and
threads before and after, client CPU per device. The issue's goal: 10,000 routers in one
run, peak RSS < 1 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from multiprocessing import forkserver
from pathlib import Path
from typing import Any

from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.district import load_district
from govnet_lab.server import read_credentials

MIB = 1024 * 1024


def get_process_figures(pid: int | str = "self") -> dict[str, float]:
    """Resident and peak resident MiB, open descriptors and threads of a process now."""
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {
        "rss_mib": round(int(fields["VmRSS"].split()[0]) / 1024, 1),
        "peak_rss_mib": round(int(fields["VmHWM"].split()[0]) / 1024, 1),
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
        "threads": int(fields["Threads"]),
    }


def get_cpu_s(pid: int | None = None) -> float:
    """User + system CPU seconds: this process and its ended children, or another process."""
    if pid is not None:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return sum(
        u.ru_utime + u.ru_stime
        for u in (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )


def emit(record: dict[str, Any]) -> None:
    """One JSON line to the parent, at once (the parent may kill this process later)."""
    print(json.dumps(record), flush=True)


# --- children -------------------------------------------------------------------------------


def run_govnet_part(root: Path, db: str, campaign: str, shard: str | None, workers: int) -> None:
    from govnet.model.divisions import get_bundled_tree
    from govnet.model.inventory_files import get_inventory
    from govnet.platforms import load_platforms
    from govnet.store import open_store
    from govnet.survey import SurveyOptions, get_shard, run_survey
    from govnet.survey.collect import Credentials

    user, password = read_credentials(get_lab_paths(root).credentials)
    before = get_process_figures()
    emit({"start": True} | before)
    store = open_store(db)
    total = [0]
    done = [0]
    started = time.monotonic()

    def on_start(_run: int, _campaign: str, hosts: int) -> None:
        total[0] = hosts

    def on_host(_snapshot: object) -> None:
        done[0] += 1
        if done[0] % max(1, total[0] // 10) == 0:
            emit(
                {"done": done[0], "t": round(time.monotonic() - started, 1)} | get_process_figures()
            )

    options = SurveyOptions(workers, campaign=campaign, shard=get_shard(shard) if shard else None)
    inventory = get_inventory(root, get_bundled_tree())
    platforms = load_platforms(root)
    credentials = Credentials(user, password)
    summary = run_survey(store, inventory, platforms, credentials, options, on_start, on_host)
    store.dispose()
    # its worker processes are children of a fork server, not of this process: counted apart
    server = getattr(forkserver._forkserver, "_forkserver_pid", None)
    server_cpu_s = get_cpu_s(server) if summary.processes > 1 and server else 0.0
    emit(
        {
            "final": True,
            "run": summary.run_id,
            "hosts": summary.hosts,
            "by_status": dict(summary.by_status),
            "by_error": dict(summary.by_error),
            "wall_s": summary.seconds,
            "processes": summary.processes,
            "cpu_s": get_cpu_s() + summary.processes_cpu_s + server_cpu_s,
            "before": before,
            "after": get_process_figures(),
        }
    )


def run_baseline_part(root: Path) -> None:
    """Stock Nornir + nornir_netmiko, as a user writes it; a line of figures every 10 s."""
    from nornir_netmiko.tasks import netmiko_send_command  # type: ignore[import-untyped]
    from survey import get_baseline_nornir  # benchmarks/survey.py, beside this file

    from govnet.platforms import load_platforms

    user, password = read_credentials(get_lab_paths(root).credentials)
    before = get_process_figures()
    emit({"start": True} | before)
    collectors = load_platforms(root)
    nornir = get_baseline_nornir(root, user, password)
    done: Counter[str] = Counter()
    lock = threading.Lock()
    started = time.monotonic()

    def task(t: Any) -> None:
        try:
            for command in collectors.get_commands(str(t.host.platform)):
                t.run(task=netmiko_send_command, command_string=command)
        except BaseException as exc:
            failed = getattr(exc, "result", None)  # NornirSubTaskError: the subtask's Result
            cause = getattr(failed, "exception", None) or exc
            first_line = next((line for line in str(cause).splitlines() if line.strip()), "")
            with lock:
                done[f"{type(cause).__name__}: {first_line[:60]}"] += 1
            raise
        with lock:
            done["ok"] += 1

    def report() -> None:
        while True:
            time.sleep(10)
            with lock:
                counts = dict(done)
            emit(
                {
                    "done": sum(counts.values()),
                    "t": round(time.monotonic() - started, 1),
                    "counts": counts,
                    "cpu_s": get_cpu_s(),
                }
                | get_process_figures()
            )

    threading.Thread(target=report, daemon=True).start()
    result = nornir.run(task=task)
    emit(
        {
            "final": True,
            "hosts": len(result),
            "by_status": {
                "ok": sum(not r.failed for r in result.values()),
                "failed": sum(bool(r.failed) for r in result.values()),
            },
            "counts": dict(done),
            "cpu_s": get_cpu_s(),
            "wall_s": round(time.monotonic() - started, 1),
            "before": before,
            "after": get_process_figures(),
        }
    )


# --- parent ---------------------------------------------------------------------------------


class Child:
    """A part's process: its JSON lines, and its figures sampled from outside."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log  # its stderr: Nornir prints a traceback per failed host
        with open(log, "w") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, __file__, *args],
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env=env,
            )
        self.lines: list[dict[str, Any]] = []
        self.peak_rss_mib = 0.0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(json.loads(line))

    def sample(self) -> None:
        try:
            figures = get_process_figures(self.process.pid)
        except (FileNotFoundError, ProcessLookupError, KeyError):
            return
        self.peak_rss_mib = max(self.peak_rss_mib, figures["peak_rss_mib"])

    @property
    def final(self) -> dict[str, Any] | None:
        return next((line for line in self.lines if line.get("final")), None)

    @property
    def samples(self) -> list[dict[str, Any]]:
        return [line for line in self.lines if not line.get("final") and not line.get("start")]

    def get_fds_threads(self) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
        """(descriptors at start, at the end), (threads likewise); the end is the last figure
        the process gave when it was stopped before finishing."""
        start = next((line for line in self.lines if line.get("start")), {})
        final = self.final
        end = final["after"] if final else (self.samples or [{}])[-1]
        return (start.get("fds"), end.get("fds")), (start.get("threads"), end.get("threads"))


def run_children(children: list[Child], limit_s: float | None) -> tuple[float, bool]:
    """Wait for them all (sampling their memory); (wall seconds, whether all finished)."""
    started = time.monotonic()
    while any(c.process.poll() is None for c in children):
        for child in children:
            child.sample()
        if limit_s is not None and time.monotonic() - started > limit_s:
            for child in children:
                child.process.kill()
            for child in children:
                child.process.wait()
                child.reader.join()
            return time.monotonic() - started, False
        time.sleep(0.5)
    for child in children:
        child.reader.join()
    return time.monotonic() - started, all(c.process.returncode == 0 for c in children)


def count_campaign(db: str, campaign: str) -> tuple[int, int]:
    """(host results, distinct hosts) in the campaign, as the store holds them."""
    from sqlalchemy import text

    from govnet.store import open_store

    store = open_store(db, migrate=False)
    try:
        with store.session() as session:
            row = session.execute(
                text(
                    "SELECT count(*), count(DISTINCT h.hostname) FROM host_results h JOIN"
                    " survey_runs r ON r.id = h.run_id WHERE r.campaign = :c"
                ),
                {"c": campaign},
            ).one()
            return int(row[0]), int(row[1])
    finally:
        store.dispose()


def govnet_part(
    name: str, root: Path, db: str, collectors: int, workers: int, routers: int, logs: Path
) -> dict[str, Any]:
    campaign = f"scale-{name}-{time.time():.0f}"  # new in a reused --pg-url store too
    shards = [f"{k}/{collectors}" for k in range(1, collectors + 1)] if collectors > 1 else [None]
    children = [
        Child(
            [
                "--child",
                "govnet",
                "--lab",
                str(root),
                "--db",
                db,
                "--campaign",
                campaign,
                "--workers",
                str(workers),
            ]
            + (["--shard", shard] if shard else []),
            dict(os.environ),
            logs / f"{name}-{k}.log",
        )
        for k, shard in enumerate(shards, 1)
    ]
    wall, finished = run_children(children, None)
    finals = [c.final for c in children]
    if not finished or any(f is None for f in finals):
        return {"part": name, "error": "a collector failed", "wall_s": round(wall, 1)}
    results, distinct = count_campaign(db, campaign)
    by_status: Counter[str] = Counter()
    for final in finals:
        assert final is not None
        by_status.update(final["by_status"])
    curve = children[0].samples
    cpu_s = sum(f["cpu_s"] for f in finals if f is not None)
    return {
        "part": name,
        "processes": len(children),
        "survey_processes": [f["processes"] for f in finals if f is not None],
        "hosts": routers,
        "ok": by_status["ok"],
        "failed": sum(by_status.values()) - by_status["ok"],
        "unaccounted": routers - distinct,
        "stored_twice": results - distinct,
        "wall_s": round(wall, 1),
        "routers_per_s": round(routers / wall, 1),
        "cpu_ms_per_device": round(cpu_s / routers * 1000, 1),
        "peak_rss_mib": [c.peak_rss_mib for c in children],
        "rss_by_tenth": [line["rss_mib"] for line in curve],
        "fds": [c.get_fds_threads()[0] for c in children],
        "threads": [c.get_fds_threads()[1] for c in children],
    }


def baseline_part(root: Path, routers: int, minutes: float, logs: Path) -> dict[str, Any]:
    child = Child(["--child", "baseline", "--lab", str(root)], dict(os.environ), logs / "c.log")
    wall, finished = run_children([child], minutes * 60)
    samples = child.samples
    last = child.final or (samples[-1] if samples else {})
    counts = Counter(last.get("counts", {}))
    done = sum(counts.values())
    return {
        "part": "c",
        "processes": 1,
        "hosts": routers,
        "ok": counts["ok"],
        "failed": done - counts["ok"],
        "unaccounted": routers - done,
        "stored_twice": 0,
        "wall_s": round(wall, 1),
        "routers_per_s": round(done / wall, 1),
        "cpu_ms_per_device": round(last.get("cpu_s", 0.0) / max(1, done) * 1000, 1),
        "peak_rss_mib": [child.peak_rss_mib],
        "rss_by_tenth": [s["rss_mib"] for s in samples[:: max(1, len(samples) // 10)]],
        "fds": [child.get_fds_threads()[0]],
        "threads": [child.get_fds_threads()[1]],
        "stderr_lines": len(child.log.read_text(errors="replace").splitlines()),
        "finished": finished,
        "causes": {k: v for k, v in counts.most_common(5) if k != "ok"},
        "exit": child.process.returncode,
    }


@contextmanager
def lab_for(args: argparse.Namespace) -> Iterator[Path]:
    if args.lab is not None:
        yield args.lab
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "lab"
        first = get_free_port_run(args.routers)
        began = time.monotonic()
        lab = start_lab(
            root, county="370702", seed=1, devices=args.routers, first_port=first, timeout=900
        )
        mix = ", ".join(f"{n} {p}" for p, n in lab.platforms.items())
        print(f"lab: {args.routers} routers ({mix}), started in {time.monotonic() - began:.0f} s")
        try:
            yield root
        finally:
            stop_lab(root)


@contextmanager
def postgres_for(args: argparse.Namespace) -> Iterator[str]:
    if args.pg_url:
        yield args.pg_url
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import pgserver  # the tests' throwaway server

    server = pgserver.start_server()
    try:
        yield server.url
    finally:
        server.stop()


def print_side_by_side(results: list[dict[str, Any]]) -> None:
    from scale_campaign import LABELS, print_ratios

    labels = {
        "a": "(a) govnet, 1 collector, SQLite",
        "b": "(b) govnet, N collectors, PostgreSQL",
        "c": "(c) Nornir + nornir_netmiko, defaults",
    } | LABELS
    rows = [
        ("processes", "processes"),
        ("survey_processes", "survey --processes"),
        ("delay_s", "delay per answer s"),
        ("hosts", "hosts"),
        ("ok", "ok"),
        ("failed", "failed"),
        ("unaccounted", "unaccounted for"),
        ("stored_twice", "stored twice"),
        ("queue_s", "queueing s (in wall)"),
        ("wall_s", "wall s"),
        ("routers_per_s", "routers/s"),
        ("cpu_ms_per_device", "client CPU ms/device"),
        ("peak_rss_mib", "peak RSS MiB"),
        ("rss_by_tenth", "RSS MiB by tenth"),
        ("fds", "fds before, after"),
        ("threads", "threads before, after"),
        ("finished", "finished"),
        ("causes", "failure causes"),
        ("written", "hosts written per worker"),
        ("stderr_lines", "lines on stderr"),
    ]
    for result in results:
        print(f"\n{labels[result['part']]}")
        if "error" in result:
            print(f"  error: {result['error']}")
            continue
        for key, label in rows:
            if key in result:
                print(f"  {label:<24} {result[key]}")
    by_part = {r["part"]: r for r in results if "error" not in r}
    if "a" in by_part:
        base = by_part["a"]
        for other in ("b", "c"):
            if other in by_part:
                r = by_part[other]
                print(
                    f"\n({other}) / (a): {r['routers_per_s'] / base['routers_per_s']:.2f}x"
                    f" routers/s, {max(r['peak_rss_mib']) / max(base['peak_rss_mib']):.2f}x"
                    " peak RSS (largest process)"
                )
    print_ratios(by_part)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--routers", type=int, default=10_000)
    parser.add_argument("--collectors", type=int, default=4)
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--baseline-minutes", type=float, default=15.0)
    parser.add_argument("--parts", default="a,b,c,d,e", help="of a,b,c,d,e (e1,e2,e3)")
    parser.add_argument("--latency-routers", type=int, default=160, help="part (e)'s lab")
    parser.add_argument("--delay", type=float, default=1.0, help="part (e): s before each answer")
    parser.add_argument("--lab", type=Path, help="a running lab's project folder")
    parser.add_argument("--pg-url")
    parser.add_argument("--child", choices=["govnet", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--campaign", help=argparse.SUPPRESS)
    parser.add_argument("--shard", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "govnet":
        run_govnet_part(args.lab, args.db, args.campaign, args.shard, args.workers)
        return
    if args.child == "baseline":
        run_baseline_part(args.lab)
        return
    parts = args.parts.split(",")
    print(f"{os.cpu_count()} cores; open file limit {os.sysconf('SC_OPEN_MAX')}")
    results = []
    needs_lab = bool({"a", "b", "c", "d"} & set(parts))  # (e) starts a lab of its own
    with (
        lab_for(args) if needs_lab else nullcontext(Path()) as root,
        tempfile.TemporaryDirectory() as tmp,
    ):
        routers = len(load_district(get_lab_paths(root).district).devices) if needs_lab else 0
        if "a" in parts:
            results.append(
                govnet_part(
                    "a", root, f"sqlite:///{tmp}/scale.db", 1, args.workers, routers, Path(tmp)
                )
            )
            print(json.dumps(results[-1]))
        pg = postgres_for(args) if {"b", "d", "e", "e1", "e2", "e3"} & set(parts) else None
        with pg or nullcontext("") as url:
            if "b" in parts:
                results.append(
                    govnet_part("b", root, url, args.collectors, args.workers, routers, Path(tmp))
                )
                print(json.dumps(results[-1]))
            if "c" in parts:
                results.append(baseline_part(root, routers, args.baseline_minutes, Path(tmp)))
                print(json.dumps(results[-1]))
            if "d" in parts:
                from scale_campaign import campaign_part

                results.append(
                    campaign_part("d", root, url, args.collectors, args.workers, routers, Path(tmp))
                )
                print(json.dumps(results[-1]))
            if {"e", "e1", "e2", "e3"} & set(parts):
                from scale_campaign import latency_parts

                results += latency_parts(args, url, Path(tmp), parts)
    print_side_by_side(results)


if __name__ == "__main__":
    main()
