"""One lab process serving a 1,000-router district: start-up, memory, server CPU per session.

Run: .venv/bin/python benchmarks/lab_sessions.py [--routers 1000] [--concurrency 20]

The lab is started as `govnet lab up` starts it (a synthesized district with the real mix of
Huawei, Comware and IOS routers, one listener each) and every router gets one session:
login, paging off, 5 collector commands, logout. The server's CPU time is read from /proc
before and after. The baseline, measured in the same run with the same client, host key and
ports, is a bare asyncssh server that echoes each line and answers with a prompt: the SSH
cost any server pays, so the difference is the lab's own (sessions, rendering, paging).
The client runs on the same 2 cores, so the wall times include its share.

Then the data plane: every business flow of the ground truth is pinged over SSH from its
router in the vendor's syntax (one session per router, all its flows), and the server's CPU
per ping is the session's CPU less that of a plain session (login, paging off, logout), per
ping; the same flows are also answered in process (``Network.check_flow``) for the engine's
own cost, and the answers are checked against the truth. Last, interface counters: what
walking every flow costs (a full recomputation), what a configuration line costs on the router
most flows cross, and its `display interface` right after a change.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncssh

from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.dataplane import Network, Outcome, get_flow_request
from govnet_lab.district import District, FlowTruth, load_district
from govnet_lab.model import Device
from govnet_lab.render import render
from govnet_lab.server import read_credentials
from govnet_lab.vendors import get_vendor

COMMANDS = {
    "huawei": (
        "screen-length 0 temporary",
        "display version",
        "display ip interface brief",
        "display ip vpn-instance",
        "display ip routing-table",
        "display current-configuration",
    ),
    "hp_comware": (
        "screen-length disable",
        "display version",
        "display ip interface brief",
        "display ip vpn-instance",
        "display ip routing-table",
        "display current-configuration",
    ),
    "cisco_ios": (
        "terminal length 0",
        "show version",
        "show ip interface brief",
        "show vrf",
        "show ip route",
        "show running-config",
    ),
}
LOGOUT = {"huawei": "quit", "hp_comware": "quit", "cisco_ios": "exit"}


def get_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def get_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run_session(
    device: Device,
    user: str,
    password: str,
    generic: bool,
    commands: tuple[str, ...] | None = None,
) -> int:
    """One session (the collector commands unless ``commands`` are given); bytes received."""
    prompt = b">" if generic else f"<{device.sysname}>".encode()
    if device.platform == "cisco_ios" and not generic:
        prompt = f"{device.sysname}>".encode()
    async with asyncssh.connect(
        "127.0.0.1", device.port, username=user, password=password, known_hosts=None
    ) as conn:
        process = await conn.create_process(term_type="vt100", encoding=None)
        total = 0
        for command in (None, *(COMMANDS[device.platform] if commands is None else commands)):
            received = b""
            if command is not None:
                process.stdin.write(command.encode() + b"\n")
            while not received.endswith(prompt):
                data = await process.stdout.read(65536)
                if not data:
                    raise EOFError(f"port {device.port} closed")
                received += data
            total += len(received)
        process.stdin.write(LOGOUT[device.platform].encode() + b"\n")
        await process.stdout.read()
        return total


async def run_clients(
    devices: list[Device], user: str, password: str, concurrency: int, generic: bool
) -> tuple[float, int]:
    limit = asyncio.Semaphore(concurrency)

    async def one(device: Device) -> int:
        async with limit:
            return await run_session(device, user, password, generic)

    started = time.perf_counter()
    sizes = await asyncio.gather(*(one(d) for d in devices))
    return time.perf_counter() - started, sum(sizes)


async def serve_baseline(ports: list[int], key_path: Path, user: str, password: str) -> None:
    """A bare asyncssh server: echo each line, answer with a prompt."""
    key = asyncssh.read_private_key(key_path)

    class Auth(asyncssh.SSHServer):
        def begin_auth(self, username: str) -> bool:
            return True

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, username: str, given: str) -> bool:
            return username == user and given == password

    async def handle(process: asyncssh.SSHServerProcess[bytes]) -> None:
        process.stdout.write(b"\r\n<R>")
        while data := await process.stdin.read(4096):
            if data.strip() in (b"quit", b"exit"):
                break
            process.stdout.write(data.replace(b"\n", b"\r\n") + b"ok\r\n<R>")
        process.exit(0)

    for port in ports:
        await asyncssh.create_server(
            Auth,
            "127.0.0.1",
            port,
            server_host_keys=[key],
            process_factory=handle,
            line_editor=False,
            encoding=None,
        )
    await asyncio.Event().wait()


def wait_for_ports(ports: list[int], process: subprocess.Popen[bytes]) -> None:
    for port in ports:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"baseline server exited with {process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.05)


def measure(
    label: str,
    pid: int,
    devices: list[Device],
    credentials: tuple[str, str],
    concurrency: int,
    generic: bool,
) -> float:
    time.sleep(0.5)
    before = get_cpu_seconds(pid)
    wall, received = asyncio.run(run_clients(devices, *credentials, concurrency, generic))
    cpu = get_cpu_seconds(pid) - before
    per_session_ms = cpu / len(devices) * 1000
    print(
        f"{label:<9} {len(devices)} sessions in {wall:6.2f} s ({len(devices) / wall:5.1f}/s),"
        f" {received / 2**20:6.1f} MiB received; server CPU {cpu:6.2f} s"
        f" = {per_session_ms:5.1f} ms/session; server RSS {get_rss_mib(pid):5.0f} MiB"
    )
    return per_session_ms


def ping_command(device: Device, flow: FlowTruth) -> str:
    """The flow's ping as the router's vendor types it."""
    probes = get_vendor(device.platform).probes
    assert probes is not None
    return probes.type_ping(get_flow_request(flow))


async def run_pings(plan: list[tuple[Device, tuple[str, ...]]], user: str, password: str) -> None:
    limit = asyncio.Semaphore(10)

    async def one(device: Device, commands: tuple[str, ...]) -> int:
        async with limit:
            return await run_session(device, user, password, False, commands)

    await asyncio.gather(*(one(d, c) for d, c in plan))


def measure_pings(pid: int, district: District, credentials: tuple[str, str]) -> None:
    """Server CPU per ping over SSH, and the engine's own, for every flow of the truth."""
    devices = {d.hostname: d for d in district.devices}
    by_host: dict[str, list[FlowTruth]] = {}
    for flow in district.truth.flows:
        by_host.setdefault(flow.host, []).append(flow)
    paging = {p: c[0] for p, c in COMMANDS.items()}
    plain: list[tuple[Device, tuple[str, ...]]] = [
        (devices[h], (paging[devices[h].platform],)) for h in by_host
    ]
    pinging = [
        (devices[h], (paging[devices[h].platform], *(ping_command(devices[h], f) for f in fs)))
        for h, fs in by_host.items()
    ]
    pings = len(district.truth.flows)
    cpu = []
    for plan in (plain, pinging):
        time.sleep(0.5)
        before = get_cpu_seconds(pid)
        asyncio.run(run_pings(plan, *credentials))
        cpu.append(get_cpu_seconds(pid) - before)
    network = Network(district)
    started = time.process_time()
    agree = sum(
        (network.check_flow(f).outcome is Outcome.REPLY) == f.works for f in district.truth.flows
    )
    engine = (time.process_time() - started) / pings * 1000
    print(
        f"ping      {pings} flows from {len(by_host)} routers over SSH: server CPU"
        f" {(cpu[1] - cpu[0]) / pings * 1000:5.1f} ms/ping (session less a plain one);"
        f" the engine alone {engine:.1f} ms/ping; {agree}/{pings} answers agree with the truth"
    )


def measure_counters(district: District) -> None:
    """What interface counters cost in process: walking every flow (the first reading, or
    after a change of a link), a configuration line on the router most flows cross that
    changes nothing a packet meets (entering a view) and one that changes the router (its
    flows nearby walked again), and its `display interface` right after such a change."""
    network = Network(district)
    started = time.process_time()
    network.counters.read("")
    everything = (time.process_time() - started) * 1000
    busiest = max(
        district.devices, key=lambda d: sum(d.hostname in f.path for f in district.truth.flows)
    )
    host, lines = busiest.hostname, 20
    cost = []
    for changes in (False, True):
        walked = network.counters.walked
        started = time.process_time()
        for n in range(lines):
            network.before_change(host)
            if changes:  # a description: forwarding reads the interfaces, so it counts
                busiest.interfaces[0].description = f"bench {n}"
            network.counters.read(host)
        seconds = (time.process_time() - started) / lines
        cost.append((seconds * 1000, (network.counters.walked - walked) // lines))
    show = {"cisco_ios": "show interfaces"}.get(busiest.platform, "display interface")
    network.before_change(host)
    busiest.interfaces[0].description = "bench"
    started = time.process_time()
    text = render(busiest, show, network.get_counter_reader(host))
    shown = (time.process_time() - started) * 1000
    print(
        f"counters  every flow walked ({len(district.truth.flows)})"
        f" {everything:.0f} ms; on {host}, the router most flows cross: a line changing nothing"
        f" {cost[0][0]:.1f} ms, a line changing it {cost[1][0]:.1f} ms ({cost[1][1]} flows"
        f" walked again); `{show}` after a change {shown:.0f} ms ({text.count(chr(10)) + 1} lines)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--routers", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--baseline-server", nargs="+", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--key", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--creds", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_server:
        user, password = read_credentials(args.creds)
        asyncio.run(serve_baseline(args.baseline_server, args.key, user, password))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "lab"
        paths = get_lab_paths(root)
        first = get_free_port_run(args.routers)
        started_at = time.perf_counter()
        started = start_lab(
            root, county="500107", seed=1, devices=args.routers, first_port=first, timeout=300
        )
        startup = time.perf_counter() - started_at
        district = load_district(paths.district)
        devices = list(district.devices)
        credentials = read_credentials(paths.credentials)
        mix = ", ".join(f"{n} {p}" for p, n in started.platforms.items())
        print(f"{len(devices)} routers ({mix}) on 127.0.0.1:{first}-{first + len(devices) - 1}")
        print(
            f"lab up: {startup:.2f} s (generate + start + every port answering);"
            f" server RSS {get_rss_mib(started.pid):.0f} MiB;"
            f" {len(os.listdir(f'/proc/{started.pid}/fd'))} open descriptors"
        )
        print(
            f"each session: login, {len(COMMANDS['huawei'])} commands, logout;"
            f" {args.concurrency} at a time"
        )
        try:
            lab = measure("lab", started.pid, devices, credentials, args.concurrency, False)
            measure_pings(started.pid, district, credentials)
            measure_counters(district)
        finally:
            stop_lab(root)
        baseline_server = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--key",
                str(paths.host_key),
                "--creds",
                str(paths.credentials),
                "--baseline-server",
                *(str(d.port) for d in devices),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_ports([d.port for d in devices], baseline_server)
            base = measure(
                "baseline", baseline_server.pid, devices, credentials, args.concurrency, True
            )
        finally:
            baseline_server.terminate()
            baseline_server.wait(10)
        print(f"lab / bare asyncssh server CPU per session: {lab / base:.2f}x")
        cores = os.cpu_count() or 1
        print(
            f"at this cost {cores} core(s) serve ~{cores * 1000 / lab:.0f} sessions/s"
            " (server side only)"
        )


if __name__ == "__main__":
    main()
