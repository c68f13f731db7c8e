"""govnet survey against the hand-written Nornir baseline, on one 500-router lab.

Run: .venv/bin/python benchmarks/survey.py [--routers 500] [--workers 12] [--processes 2]

Starts a lab (a synthesized county, the real platform mix) and measures, in the same run and
against the same routers and commands (every command the collector specs need):
  (a) baseline: what a user writes by hand: Nornir's threaded runner (its default 20 workers)
      with nornir_netmiko's netmiko_send_command at netmiko's default settings;
  (b) govnet survey: the same inventory, parsed and stored in SQLite, in one process;
  (c) with --processes N (2 unless told): the same, the hosts split over N worker processes.
Each runs in its own process, so peak memory and CPU are its own. Printed: devices per second,
wall time, client CPU milliseconds per device (user + system, threads and worker processes
included), peak RSS (of the largest process).
The lab server runs on the same 2 cores, so both sides pay for it alike; its CPU per device
is printed too (it bounds what any client can reach on this machine).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from multiprocessing import forkserver
from pathlib import Path
from typing import Any

from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.server import read_credentials


def measure(part: str, root: Path, workers: int, processes: int) -> dict[str, Any]:
    """One side, in this process: wall time, CPU, peak RSS, hosts ok."""
    username, password = read_credentials(get_lab_paths(root).credentials)
    started = time.perf_counter()
    cpu = _cpu_s()
    if part == "baseline":
        ok, hosts = run_baseline(root, username, password)
        workers_cpu_s = 0.0
    else:
        ok, hosts, workers_cpu_s = run_govnet(root, username, password, workers, processes)
    wall = time.perf_counter() - started
    cpu_s = _cpu_s() - cpu + workers_cpu_s
    used = resource.getrusage(resource.RUSAGE_SELF)
    rss = max(used.ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return {
        "part": part,
        "hosts": hosts,
        "ok": ok,
        "wall_s": round(wall, 2),
        "devices_per_s": round(hosts / wall, 1),
        "cpu_ms_per_device": round(cpu_s / hosts * 1000, 1),
        "peak_rss_mib": round(rss / 1024, 1),
    }


def _process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of another process so far (the lab server shares the cores:
    its part of each device's cost bounds what any client can reach)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_s() -> float:
    """User + system CPU of this process and of its worker processes that have ended."""
    return sum(
        u.ru_utime + u.ru_stime
        for u in (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )


def get_baseline_nornir(root: Path, username: str, password: str) -> Any:
    """Nornir as a user sets it up by hand: SimpleInventory over the project's files, the
    threaded runner at its default 20 workers."""
    from nornir import InitNornir

    nornir = InitNornir(
        inventory={
            "plugin": "SimpleInventory",
            "options": {
                "host_file": str(root / "inventory" / "hosts.yaml"),
                "group_file": str(root / "inventory" / "groups.yaml"),
                "defaults_file": str(root / "inventory" / "defaults.yaml"),
            },
        },
        runner={"plugin": "threaded"},
        logging={"enabled": False},
    )
    nornir.inventory.defaults.username = username
    nornir.inventory.defaults.password = password
    return nornir


def run_baseline(root: Path, username: str, password: str) -> tuple[int, int]:
    from nornir_netmiko.tasks import netmiko_send_command  # type: ignore[import-untyped]

    from govnet.platforms import load_platforms

    collectors = load_platforms(root)

    def task(t: Any) -> None:
        for command in collectors.get_commands(str(t.host.platform)):
            t.run(task=netmiko_send_command, command_string=command)

    result = get_baseline_nornir(root, username, password).run(task=task)
    return sum(not r.failed for r in result.values()), len(result)


def run_govnet(
    root: Path, username: str, password: str, workers: int, processes: int
) -> tuple[int, int, float]:
    """Hosts ok, hosts, and the CPU seconds of its worker processes (children of a fork
    server: not in this process's RUSAGE_CHILDREN)."""
    from govnet.model.divisions import get_bundled_tree
    from govnet.model.inventory_files import get_inventory
    from govnet.platforms import load_platforms
    from govnet.store import open_store
    from govnet.survey import SurveyOptions, run_survey
    from govnet.survey.collect import Credentials

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.db")
        inventory = get_inventory(root, get_bundled_tree())
        summary = run_survey(
            store,
            inventory,
            load_platforms(root),
            Credentials(username, password),
            SurveyOptions(workers=workers, processes=processes),
        )
        store.dispose()
    # the fork server's own CPU: it imported the collector once for the worker processes
    server = getattr(forkserver._forkserver, "_forkserver_pid", None)
    server_cpu_s = _process_cpu_s(server) if summary.processes > 1 and server else 0.0
    return summary.by_status["ok"], summary.hosts, summary.processes_cpu_s + server_cpu_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--routers", type=int, default=500)
    parser.add_argument("--workers", type=int, default=12)
    parser.add_argument(
        "--processes", type=int, default=2, help="worker processes of part (c); 1: no (c)"
    )
    parser.add_argument("--part", choices=["baseline", "govnet"], help=argparse.SUPPRESS)
    parser.add_argument("--part-processes", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--project", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        result = measure(args.part, args.project, args.workers, args.part_processes)
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "lab"
        first = get_free_port_run(args.routers)
        lab = start_lab(
            root, county="370702", seed=1, devices=args.routers, first_port=first, timeout=300
        )
        mix = ", ".join(f"{n} {p}" for p, n in lab.platforms.items())
        print(f"lab: {args.routers} routers ({mix}), pid {lab.pid}; {os.cpu_count()} cores")
        results = {}
        try:
            parts = [("baseline", 1), ("govnet", 1)]
            if args.processes > 1:
                parts.append(("govnet", args.processes))
            for part, processes in parts:
                lab_cpu = _process_cpu_s(lab.pid)
                done = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--part",
                        part,
                        "--project",
                        str(root),
                        "--workers",
                        str(args.workers),
                        "--part-processes",
                        str(processes),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                name = part if processes == 1 else f"{part} -p{processes}"
                result = json.loads(done.stdout.strip().splitlines()[-1])
                lab_ms = (_process_cpu_s(lab.pid) - lab_cpu) / result["hosts"] * 1000
                results[name] = {**result, "part": name, "lab_cpu_ms_per_device": round(lab_ms, 1)}
        finally:
            stop_lab(root)
    for r in results.values():
        print(
            f"{r['part']:<10} {r['ok']}/{r['hosts']} ok in {r['wall_s']:7.2f} s"
            f" = {r['devices_per_s']:6.1f} devices/s; client CPU {r['cpu_ms_per_device']:6.1f}"
            f" ms/device; peak RSS {r['peak_rss_mib']:6.1f} MiB; lab server CPU"
            f" {r['lab_cpu_ms_per_device']:5.1f} ms/device"
        )
    base = results["baseline"]
    for name, ours in results.items():
        if name != "baseline":
            print(
                f"{name} / baseline: {ours['devices_per_s'] / base['devices_per_s']:.1f}x"
                f" devices/s, {ours['cpu_ms_per_device'] / base['cpu_ms_per_device']:.2f}x"
                " CPU per device"
            )


if __name__ == "__main__":
    main()
