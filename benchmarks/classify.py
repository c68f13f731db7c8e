"""Classification of a province-sized store, against the floor: reading the same rows plainly.

Run: .venv/bin/python benchmarks/classify.py [--devices 100000] [--lines 300000]
     [--store PATH | --db-url URL] [--rebuild]

Setup (once: the SQLite store is cached under the temp folder, keyed by the sizes; --rebuild
makes it again): a synthetic province from the real counties of 山东省 (37, bundled NBS data).
Per county, the lab's generator invents an inventory of about devices/#counties routers and
builds every router's state; a perfect survey of it (govnet_lab.facts) is stored as one survey
run, without SSH. Town units and routers, equal in every county (town-001-ce1), get the
county's prefix (c370102-town-001-ce1), in the inventory and in the facts alike; circuit ids
get it too. The ledger is topped up to --lines with copies of the counties' own department
and town lines (new ids, fees and dates), on routers the generator left without a line.

Measured, each in its own process so peak memory and CPU are its own, on a copy of the store:
  (a) baseline: every row a classifier needs (the latest run's interfaces + addresses, VPN
      instances, routes, neighbours, NAT, device facts; units, devices, lines) read with plain
      sqlite3 (SQLAlchemy Core on PostgreSQL) into Python tuples, JSON lists decoded, all held
      at once, then dropped: the floor for any classifier that reads this store;
  (b) govnet: classify_store(store, load_policy(None)), which reads the same snapshot and
      inventory, classifies and writes its results back.
Printed: wall and CPU seconds (imports and store opening included), peak RSS, the result
counts and wall(b)/wall(a). The issue's goal: under 60 s and 2 GiB on this machine (2 cores).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

PROVINCE = "37"  # 山东省: 151 county-level divisions in the bundled data
SEED = 1
SETUP_VERSION = 1  # part of the cache key: bump when the setup makes a different store
BATCH = 500
FACT_TABLES = (
    "host_results",
    "device_facts",
    "interfaces",
    "interface_addresses",
    "vpn_instances",
    "routes",
    "neighbours",
    "nat_rules",
)
INVENTORY_TABLES = ("units", "devices", "lines")


# --- setup: a synthetic province -------------------------------------------------------------


@dataclass
class County:
    """One county's inventory rows and snapshots, keys already made province-unique."""

    short: str  # the generator's county key, c370102: every renamed key starts with it
    units: list[dict[str, Any]]
    devices: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    snapshots: list[Any]  # HostSnapshot


@dataclass
class Province:
    units: list[dict[str, Any]] = field(default_factory=list)
    devices: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    snapshots: list[Any] = field(default_factory=list)
    generated_lines: int = 0
    counties: int = 0


def get_default_store(devices: int, lines: int) -> Path:
    name = f"govnet-bench-classify-{PROVINCE}-{devices}d-{lines}l-s{SEED}-v{SETUP_VERSION}.db"
    return Path(tempfile.gettempdir()) / name


def share(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` near-equal whole numbers, the larger first.

    >>> share(10, 3)
    [4, 3, 3]
    """
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def make_county(code: str, devices: int, workdir: Path) -> County:
    """The generator's inventory and router states for one county, renamed apart."""
    from govnet.model.divisions import get_bundled_tree
    from govnet.model.facts import HostSnapshot
    from govnet.model.inventory_files import get_inventory
    from govnet_lab.facts import get_device_facts
    from govnet_lab.generate import build_district, synthesize_inventory
    from govnet_lab.generate.inventory import write_project

    tree = get_bundled_tree()
    root = workdir / code
    write_project(root, *synthesize_inventory(code, SEED, devices, tree))
    inventory = get_inventory(root, tree)
    district = build_district(inventory, SEED)
    shutil.rmtree(root)
    short = f"c{code}"
    rows = inventory.to_store_rows()

    def own(key: str) -> bool:
        return key == short or key.startswith(f"{short}-")

    names = {u["key"] for u in rows["units"]} | {d["hostname"] for d in rows["devices"]}
    rename = {n: n if own(n) else f"{short}-{n}" for n in names}
    plain = sorted((n for n in names if not own(n)), key=len, reverse=True)
    # hostnames also appear in descriptions, as in "To-town-004-ce1-zw-shuiwu"
    pattern = re.compile(rf"(?<![0-9A-Za-z])({'|'.join(map(re.escape, plain))})(?![0-9A-Za-z])")

    def in_text(text: str | None) -> str | None:
        if text is None or not plain:
            return text
        return pattern.sub(lambda m: rename[m.group(1)], text)

    for u in rows["units"]:
        u["key"] = rename[u["key"]]
        u["parent_key"] = rename.get(u["parent_key"], u["parent_key"])
    for d in rows["devices"]:
        d["hostname"], d["unit_key"] = rename[d["hostname"]], rename[d["unit_key"]]
    for ln in rows["lines"]:
        ln["circuit_id"] = f"{short}-{ln['circuit_id']}"
        ln["unit_key"] = rename[ln["unit_key"]]
        if ln["a_device"] is not None:
            ln["a_device"] = rename[ln["a_device"]]
    snapshots = []
    for device in district.devices:
        facts = get_device_facts(device)
        facts = replace(
            facts,
            device=replace(
                facts.device,
                hostname=rename.get(facts.device.hostname or "", facts.device.hostname),
            ),
            interfaces=tuple(
                replace(i, description=in_text(i.description)) for i in facts.interfaces
            ),
            neighbours=tuple(
                replace(n, peer=rename.get(n.peer, n.peer)) if n.protocol in ("lldp", "cdp") else n
                for n in facts.neighbours
            ),
        )
        snapshots.append(
            HostSnapshot(
                rename[device.hostname],
                "ok",
                device.platform,
                rename[device.unit],
                facts=facts,
            )
        )
    return County(short, rows["units"], rows["devices"], rows["lines"], snapshots)


def top_up_lines(county: County, count: int, rng: random.Random) -> list[dict[str, Any]]:
    """``count`` more ledger lines like the county's own department and town lines.

    Each copies a line's unit, network, kind and ends; it gets a new circuit id, carrier,
    bandwidth, fee and contract. A copied line with a router end lands on a router of the same
    unit that has no line yet, if any is left (the generator gives extra routers none), else
    on any router of the unit; its port is not known (a_interface empty), as often in a 台账.
    """
    templates = [
        ln
        for ln in county.lines
        if not ln["classified"] and not ln["unit_key"].startswith(f"{county.short}-dsj")
    ]
    if not templates or count <= 0:
        return []
    by_unit: dict[str, list[str]] = defaultdict(list)
    for d in county.devices:
        by_unit[d["unit_key"]].append(d["hostname"])
    lined = {ln["a_device"] for ln in county.lines if ln["a_device"]}
    unlined = {u: [h for h in hosts if h not in lined] for u, hosts in by_unit.items()}
    for hosts in unlined.values():
        rng.shuffle(hosts)
    added: list[dict[str, Any]] = []
    for n in range(count):
        t = rng.choice(templates)
        unit = t["unit_key"]
        a_device = None
        if t["a_device"] is not None:
            a_device = unlined[unit].pop() if unlined[unit] else rng.choice(by_unit[unit])
        carrier = (
            rng.choice(("telecom", "unicom", "mobile")) if t["kind"] == "mstp" else t["carrier"]
        )
        bandwidth = rng.choice((20, 50, 100, 200)) if t["kind"] != "dark_fibre" else 1000
        start = dt.date(rng.randrange(2019, 2026), rng.choice((1, 4, 7, 10)), 1)
        added.append(
            {
                **t,
                "circuit_id": f"{county.short}-SD-{carrier[:2].upper()}-{t['kind'].upper()}"
                f"-{start.year}-X{n:06d}",
                "carrier": carrier,
                "bandwidth_mbps": float(bandwidth),
                "monthly_fee": Decimal(bandwidth * rng.choice((20, 30, 40)))
                + rng.choice((300, 600, 800)),
                "annual_fee": None,
                "contract_start": start,
                "contract_end": dt.date(start.year + 3, start.month, 1) - dt.timedelta(days=1),
                "a_device": a_device,
                "a_interface": None,
            }
        )
    return added


def make_province(devices: int, lines: int) -> tuple[Province, dict[str, float]]:
    from govnet.model.divisions import Level, get_bundled_tree

    counties = [d.code[:6] for d in get_bundled_tree().get_descendants(PROVINCE, Level.COUNTY)]
    counties = counties[: max(1, min(len(counties), devices // 6))]  # the generator needs 6
    sizes = share(devices, len(counties))
    province = Province(counties=len(counties))
    made: list[County] = []
    timings = {"county_max_s": 0.0}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="govnet-bench-") as tmp:
        for n, (code, size) in enumerate(zip(counties, sizes, strict=True), start=1):
            t0 = time.perf_counter()
            county = make_county(code, size, Path(tmp))
            timings["county_max_s"] = max(timings["county_max_s"], time.perf_counter() - t0)
            made.append(county)
            if n % 10 == 0 or n == len(counties):
                elapsed = time.perf_counter() - started
                print(f"  {n}/{len(counties)} counties, {elapsed:.0f} s", file=sys.stderr)
    timings["generate_s"] = time.perf_counter() - started
    province.generated_lines = sum(len(c.lines) for c in made)
    rng = random.Random(f"{SEED}:top-up")
    extra = share(max(0, lines - province.generated_lines), len(made))
    for county, count in zip(made, extra, strict=True):
        county.lines += top_up_lines(county, count, rng)
        province.units += county.units
        province.devices += county.devices
        province.lines += county.lines
        province.snapshots += county.snapshots
    for table, key in (("units", "key"), ("devices", "hostname"), ("lines", "circuit_id")):
        keys = Counter(row[key] for row in getattr(province, table))
        clashes = [k for k, c in keys.items() if c > 1]
        assert not clashes, f"{table}: keys not unique across counties: {clashes[:5]}"
    return province, timings


def count_rows(store: Any) -> dict[str, int]:
    from sqlalchemy import text

    with store.engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in (*INVENTORY_TABLES, *FACT_TABLES)
        }


def get_size(store: Any, path: Path | None) -> int:
    if path is not None:
        return path.stat().st_size
    from sqlalchemy import text

    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())


def setup(url: str, path: Path | None, devices: int, lines: int) -> dict[str, Any]:
    """Build the store (a SQLite file is written aside, then renamed: never half a cache)."""
    from govnet.store import open_store

    started = time.perf_counter()
    timings: dict[str, float] = {}
    build_url, build_path = url, path
    if path is not None:
        build_path = path.with_name(path.name + ".building")
        for leftover in get_own_files(path):
            if leftover.name.startswith(build_path.name):
                leftover.unlink()
        build_url = f"sqlite:///{build_path}"
    store = open_store(build_url)
    if store.get_survey_runs():
        raise SystemExit(f"{store.display_url} already holds survey runs: give an empty store")
    province, timings = make_province(devices, lines)
    t0 = time.perf_counter()
    digest = hashlib.sha256(
        f"benchmark {PROVINCE} {devices} {lines} {SEED} {SETUP_VERSION}".encode()
    ).hexdigest()
    store.sync_inventory(
        {"units": province.units, "devices": province.devices, "lines": province.lines}, digest
    )
    timings["inventory_sync_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_id = store.start_survey_run("benchmark", campaign="province")
    for i in range(0, len(province.snapshots), BATCH):
        store.add_snapshots(run_id, province.snapshots[i : i + BATCH])
    store.finish_survey_run(run_id)
    timings["snapshots_s"] = time.perf_counter() - t0
    rows = count_rows(store)
    store.dispose()
    if path is not None and build_path is not None:
        os.replace(build_path, path)
    timings["setup_s"] = time.perf_counter() - started
    result = {
        "counties": province.counties,
        "generated_lines": province.generated_lines,
        "added_lines": len(province.lines) - province.generated_lines,
        "rows": rows,
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "setup_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    if path is not None:
        path.with_name(path.name + ".json").write_text(json.dumps(result, indent=1))
    return result


def get_own_files(path: Path) -> list[Path]:
    """The cached store and what goes with it: SQLite's journal, the setup figures, a build."""
    suffixes = ("", "-wal", "-shm", ".json", ".building", ".building-wal", ".building-shm")
    return [p for p in (path.with_name(path.name + s) for s in suffixes) if p.exists()]


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """The setup part: reuse the store if it is there (migrated to the newest schema)."""
    from govnet.store import open_store

    path: Path | None = None if args.db_url else args.store
    url = args.db_url or f"sqlite:///{path}"
    if path is not None and args.rebuild:
        for old in get_own_files(path):
            old.unlink()
    if path is None or path.exists():
        store = open_store(url)  # migrations, if any, run here and not in a measured part
        runs = store.get_survey_runs()
        ours = [r for r in runs if (r["source"], r["campaign"]) == ("benchmark", "province")]
        rows = count_rows(store) if ours else {}
        size = get_size(store, path)
        store.dispose()
        if runs and not ours:
            raise SystemExit(
                f"{store.display_url} holds survey runs of its own: not a benchmark store"
            )
        if ours and args.rebuild:
            raise SystemExit("--rebuild with --db-url needs an empty database: drop it yourself")
        if ours and rows["devices"] != args.devices:
            raise SystemExit(
                f"{store.display_url} was built for {rows['devices']} devices, not {args.devices}"
            )
        if ours:
            sidecar = path.with_name(path.name + ".json") if path is not None else None
            built = json.loads(sidecar.read_text()) if sidecar and sidecar.exists() else {}
            return {**built, "rows": rows, "size": size, "reused": True}
    result = setup(url, path, args.devices, args.lines)
    store = open_store(url)
    result["size"] = get_size(store, path)
    store.dispose()
    return {**result, "reused": False}


# --- the measured parts ----------------------------------------------------------------------

_RUN = "(SELECT max(id) FROM survey_runs)"
_OF_RUN = f"JOIN host_results h ON h.id = f.host_result_id WHERE h.run_id = {_RUN}"
# (query, indexes of JSON list columns)
BASELINE_QUERIES: dict[str, tuple[str, tuple[int, ...]]] = {
    "host_results": (
        f"SELECT id, hostname, platform, unit_key, status FROM host_results WHERE run_id = {_RUN}",
        (),
    ),
    "device_facts": (
        "SELECT f.host_result_id, f.vendor, f.model, f.os_version, f.serial, f.uptime_s,"
        f" f.hostname FROM device_facts f {_OF_RUN}",
        (),
    ),
    "interfaces": (
        "SELECT f.id, f.host_result_id, f.name, f.description, f.admin_up, f.oper_up, f.kind,"
        f" f.parent, f.vpn_instance FROM interfaces f {_OF_RUN}",
        (),
    ),
    "interface_addresses": (
        "SELECT a.interface_id, a.address, a.prefix_length FROM interface_addresses a"
        f" JOIN interfaces f ON f.id = a.interface_id {_OF_RUN}",
        (),
    ),
    "vpn_instances": (
        "SELECT f.host_result_id, f.name, f.route_distinguisher, f.import_targets,"
        f" f.export_targets, f.description FROM vpn_instances f {_OF_RUN}",
        (3, 4),
    ),
    "routes": (
        "SELECT f.host_result_id, f.vpn_instance, f.prefix, f.protocol, f.next_hops, f.interface"
        f" FROM routes f {_OF_RUN}",
        (4,),
    ),
    "neighbours": (
        "SELECT f.host_result_id, f.protocol, f.peer, f.remote_as, f.state, f.interface,"
        f" f.vpn_instance, f.remote_interface, f.router_id FROM neighbours f {_OF_RUN}",
        (),
    ),
    "nat_rules": (
        "SELECT f.host_result_id, f.kind, f.interface, f.acl, f.pool, f.addresses"
        f" FROM nat_rules f {_OF_RUN}",
        (5,),
    ),
    "units": (
        "SELECT key, name, kind, division_code, parent_key, classified FROM units"
        " WHERE retired_at IS NULL",
        (),
    ),
    "devices": (
        "SELECT hostname, address, port, platform, unit_key, division_code, site, role"
        " FROM devices WHERE retired_at IS NULL",
        (),
    ),
    "lines": (
        "SELECT circuit_id, unit_key, network, carrier, kind, bandwidth_mbps, monthly_fee,"
        " annual_fee, contract_start, contract_end, classified, a_device, a_interface, z_end,"
        " note FROM lines WHERE retired_at IS NULL",
        (),
    ),
}


def _decoded(rows: list[Any], columns: tuple[int, ...]) -> list[tuple[Any, ...]]:
    if not columns:
        return [tuple(r) for r in rows]

    def value(v: Any, i: int) -> Any:
        if i not in columns:
            return v
        return tuple(v if isinstance(v, list) else json.loads(v))

    return [tuple(value(v, i) for i, v in enumerate(r)) for r in rows]


def run_baseline(url: str) -> dict[str, Any]:
    held: dict[str, list[tuple[Any, ...]]] = {}
    if url.startswith("sqlite:///"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            for name, (query, columns) in BASELINE_QUERIES.items():
                held[name] = _decoded(conn.execute(query).fetchall(), columns)
        finally:
            conn.close()
    else:
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as pg:
            for name, (query, columns) in BASELINE_QUERIES.items():
                held[name] = _decoded(list(pg.execute(text(query))), columns)
        engine.dispose()
    counts = {name: len(rows) for name, rows in held.items()}
    del held
    return {"rows": counts}


def run_govnet(url: str) -> dict[str, Any]:
    from govnet.app.classify import classify_store
    from govnet.model.policy import load_policy
    from govnet.store import open_store

    store = open_store(url)
    policy = load_policy(None)
    started = time.perf_counter()
    result = classify_store(store, policy)
    call = time.perf_counter() - started
    store.dispose()
    return {
        "classify_store_s": round(call, 2),
        "classify_run_id": result.classify_run_id,
        "counts": {
            k: len(getattr(result, k))
            for k in ("lines", "networks", "units", "breaches", "findings")
            if k != "findings" or hasattr(result, k)
        },
    }


def measure(part: str, url: str) -> dict[str, Any]:
    """One part, in this process: wall and CPU seconds from before its imports, peak RSS."""
    started = time.perf_counter()
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    detail = run_baseline(url) if part == "baseline" else run_govnet(url)
    wall = time.perf_counter() - started
    used = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "part": part,
        "wall_s": round(wall, 2),
        "cpu_s": round((used.ru_utime - cpu.ru_utime) + (used.ru_stime - cpu.ru_stime), 2),
        "peak_rss_mib": round(used.ru_maxrss / 1024, 1),
        **detail,
    }


# --- the driver ------------------------------------------------------------------------------


def run_part(part: str, *options: str) -> dict[str, Any]:
    """Run one part in a fresh interpreter; its stderr passes through, its last line is JSON."""
    done = subprocess.run(
        [sys.executable, __file__, "--part", part, *options],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"part {part} failed (exit {done.returncode}); its error is above")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def print_setup(info: dict[str, Any], where: str) -> None:
    rows = info["rows"]
    print(f"store: {where} ({info['size'] / 2**20:.0f} MiB)")
    if info.get("reused"):
        print("  reused: built by an earlier run (--rebuild to make it again)")
    print(
        f"  {rows['devices']:,} devices, {rows['lines']:,} lines, {rows['units']:,} units"
        + (f" in {info['counties']} counties of province {PROVINCE}" if "counties" in info else "")
    )
    if "generated_lines" in info:
        print(
            f"  lines: {info['generated_lines']:,} from the generator,"
            f" {info['added_lines']:,} added (copies of county lines)"
        )
    print("  fact rows: " + ", ".join(f"{t} {rows[t]:,}" for t in FACT_TABLES))
    if "timings" in info:
        t = info["timings"]
        print(
            f"  {'built' if info.get('reused') else 'setup'} in {t['setup_s']:.0f} s:"
            f" generate + facts {t['generate_s']:.0f} s"
            f" (slowest county {t['county_max_s']:.1f} s), inventory sync"
            f" {t['inventory_sync_s']:.0f} s, snapshots {t['snapshots_s']:.0f} s;"
            f" peak RSS {info['setup_peak_rss_mib']} MiB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=300_000)
    parser.add_argument("--store", type=Path, help="SQLite file (default: cached in temp)")
    parser.add_argument("--db-url", help="a PostgreSQL store instead (empty, or built before)")
    parser.add_argument("--rebuild", action="store_true", help="make the store again")
    parser.add_argument("--part", choices=["setup", "baseline", "govnet"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.devices < 6:
        parser.error("--devices: at least 6 (the generator's smallest county)")
    if args.db_url:
        from govnet.store import get_db_url

        args.db_url = get_db_url(Path.cwd(), args.db_url)
    args.store = (args.store or get_default_store(args.devices, args.lines)).resolve()
    if args.part == "setup":
        print(json.dumps(prepare(args), default=str))
        return
    if args.part:
        print(json.dumps(measure(args.part, args.url)))
        return

    sizes = ["--devices", str(args.devices), "--lines", str(args.lines)]
    where = ["--db-url", args.db_url] if args.db_url else ["--store", str(args.store)]
    info = run_part("setup", *sizes, *where, *(["--rebuild"] if args.rebuild else []))
    print_setup(info, "PostgreSQL" if args.db_url else str(args.store))
    print(f"{os.cpu_count()} cores; each part in its own process")

    scratch: Path | None = None
    if args.db_url:
        url = args.db_url
    else:  # classify writes its results: measure on a copy, so the cache stays as built
        scratch = args.store.with_name(f"{args.store.stem}-scratch-{os.getpid()}.db")
        shutil.copyfile(args.store, scratch)
        url = f"sqlite:///{scratch}"
    try:
        base = run_part("baseline", "--url", url)
        print(
            f"(a) baseline: plain read   {base['wall_s']:7.2f} s wall, {base['cpu_s']:7.2f} s CPU,"
            f" peak RSS {base['peak_rss_mib']:7.1f} MiB;"
            f" {sum(base['rows'].values()):,} rows"
        )
        ours = run_part("govnet", "--url", url)
    finally:
        if scratch is not None:
            for path in scratch.parent.glob(scratch.name + "*"):
                path.unlink()
    counts = ", ".join(f"{k} {v:,}" for k, v in ours["counts"].items())
    print(
        f"(b) govnet classify_store {ours['wall_s']:7.2f} s wall, {ours['cpu_s']:7.2f} s CPU,"
        f" peak RSS {ours['peak_rss_mib']:7.1f} MiB; classify run {ours['classify_run_id']}:"
        f" {counts} (the call alone {ours['classify_store_s']:.2f} s)"
    )
    print(f"govnet / baseline: {ours['wall_s'] / base['wall_s']:.1f}x wall")
    met = ours["wall_s"] < 60 and ours["peak_rss_mib"] < 2048
    print(f"goal: < 60 s and < 2 GiB: {'met' if met else 'missed'}")


if __name__ == "__main__":
    main()
