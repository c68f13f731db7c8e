"""Start, stop and inspect the background lab server of a project.

Everything lives under ``<project>/.govnet/lab/``: the district, the SSH host key, the
credentials (0600, never in the inventory or the log), the log and the pidfile. ``stop``
only ever signals the process in our pidfile, and only after checking it is our server
for this district, so a stale pidfile whose pid was reused can never kill a stranger.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh

from govnet.model.pids import is_running
from govnet.model.problems import UsageError
from govnet_lab.district import load_district
from govnet_lab.generate import generate_lab
from govnet_lab.generate.vpnv4 import HANDOFFS, Handoff
from govnet_lab.model import Device

SERVER_MODULE = "govnet_lab.server"
APPLY_FOLDER = "apply"  # under .govnet/lab: lines for an upstream router, read on SIGUSR1
APPLY_TIMEOUT_S = 30.0
LAB_USERNAME = "govnet"


class LabError(UsageError):
    """The lab cannot be started, stopped or read; the message says why."""


@dataclass(frozen=True)
class LabPaths:
    directory: Path
    district: Path
    pidfile: Path
    log: Path
    credentials: Path
    host_key: Path


def get_lab_paths(project_root: Path) -> LabPaths:
    directory = project_root.resolve() / ".govnet" / "lab"
    return LabPaths(
        directory=directory,
        district=directory / "district.json",
        pidfile=directory / "lab.pid",
        log=directory / "lab.log",
        credentials=directory / "credentials.env",
        host_key=directory / "ssh_host_key",
    )


@dataclass(frozen=True)
class LabStatus:
    running: bool
    pid: int | None
    ports: list[int]  # every device's port (empty without a district)
    answering: list[int]  # ports that accept a TCP connection now
    stale_pidfile: bool = False  # a pidfile was there but its process is not our server


@dataclass(frozen=True)
class LabStarted:
    pid: int
    already_running: bool
    platforms: dict[str, int]  # device count per netmiko platform
    ports: list[int]
    paths: LabPaths


def start_lab(
    project_root: Path,
    *,
    county: str | None = None,
    seed: int | None = None,
    devices: int | None = None,
    faults: str | None = None,
    first_port: int | None = None,
    timeout: float = 60.0,
    handoff: str | None = None,
    platform: str | None = None,
    authorized_keys: Mapping[str, Path] | None = None,
    answer_delay: float | None = None,
) -> LabStarted:
    """(Re)generate the district from the project, start the server, wait for its ports.

    The district is rebuilt at every start, so the lab always matches the inventory and the
    options given now (a project folder without an inventory gets a synthesized one, every
    router served as ``platform`` if given). A running lab is left as it is; asking it for
    another district is an error. ``answer_delay``: seconds every router waits before each
    answer, as over a WAN link (the server's ``--answer-delay``).
    """
    paths = get_lab_paths(project_root)
    pid = get_running_pid(paths)
    if pid is not None:
        if any(
            v is not None
            for v in (county, seed, devices, faults, first_port, handoff, platform, answer_delay)
        ):
            raise LabError(
                f"the lab is already running (pid {pid}); `govnet lab down` first to change"
                " its county, seed, size, faults, hand-off, platform or answer delay"
            )
        lab = _load_devices(paths.district)
        return LabStarted(pid, True, _count_platforms(lab), sorted(d.port for d in lab), paths)
    paths.directory.mkdir(parents=True, exist_ok=True)
    try:
        generate_lab(
            project_root,
            county,
            seed or 0,
            devices,
            faults,
            first_port,
            _get_handoff(handoff),
            platform,
        )
    except ValueError as exc:  # the generator's user errors: bad fault spec, county, count
        raise LabError(str(exc)) from None
    lab = _load_devices(paths.district)
    ports = sorted(d.port for d in lab)
    platforms = _count_platforms(lab)
    _clear_stale_pidfile(paths)
    ensure_credentials(paths.credentials)
    ensure_host_key(paths.host_key)
    busy = [p for p in ports if _port_answers(p)]
    if busy:
        raise LabError(
            f"{len(busy)} lab port(s) already in use by another program (first: {busy[0]})"
        )
    with open(paths.log, "ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                SERVER_MODULE,
                "--district",
                str(paths.district),
                "--creds",
                str(paths.credentials),
                "--host-key",
                str(paths.host_key),
                *(f"--authorized-keys={u}={p}" for u, p in (authorized_keys or {}).items()),
                *([f"--answer-delay={answer_delay}"] if answer_delay else []),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    paths.pidfile.write_text(f"{process.pid}\n")
    deadline = time.monotonic() + timeout
    waiting = list(ports)
    while waiting:
        if process.poll() is not None:
            paths.pidfile.unlink(missing_ok=True)
            raise LabError(
                f"the lab server exited with code {process.returncode}; log {paths.log}:\n"
                + get_log_tail(paths.log)
            )
        if time.monotonic() > deadline:
            _terminate(process.pid, 5.0)
            paths.pidfile.unlink(missing_ok=True)
            raise LabError(
                f"{len(waiting)} of {len(ports)} lab ports not answering after {timeout:.0f} s;"
                f" log {paths.log}:\n" + get_log_tail(paths.log)
            )
        waiting = [p for p in waiting if not _port_answers(p)]
        if waiting:
            time.sleep(0.1)
    return LabStarted(process.pid, False, platforms, ports, paths)


def stop_lab(project_root: Path, timeout: float = 10.0) -> int | None:
    """Stop our server (SIGTERM, then SIGKILL after ``timeout``); its pid, or None if none ran."""
    paths = get_lab_paths(project_root)
    pid = get_running_pid(paths)
    if pid is not None:
        _terminate(pid, timeout)
    paths.pidfile.unlink(missing_ok=True)
    return pid


def get_lab_status(project_root: Path) -> LabStatus:
    paths = get_lab_paths(project_root)
    pid = get_running_pid(paths)
    ports = sorted(d.port for d in _load_devices(paths.district)) if paths.district.exists() else []
    answering = [p for p in ports if _port_answers(p)] if pid is not None else []
    stale = pid is None and paths.pidfile.exists()
    return LabStatus(pid is not None, pid, ports, answering, stale)


def get_running_pid(paths: LabPaths) -> int | None:
    """The pid in the pidfile, if that process is alive and is our server for this district."""
    try:
        pid = int(paths.pidfile.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if not is_running(pid):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    args = [a.decode(errors="replace") for a in cmdline]
    return pid if SERVER_MODULE in args and str(paths.district) in args else None


def ensure_credentials(path: Path) -> tuple[str, str]:
    """The lab's username and password, made up (random) the first time; file mode 0600."""
    if path.exists():
        from govnet_lab.server import read_credentials

        return read_credentials(path)
    password = secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"export GOVNET_USERNAME={LAB_USERNAME}\nexport GOVNET_PASSWORD={password}\n")
    return LAB_USERNAME, password


def ensure_host_key(path: Path) -> None:
    """One SSH host key per project, so clients see the same key across restarts."""
    if path.exists():
        return
    key = asyncssh.generate_private_key("ssh-ed25519")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.export_private_key())


def get_log_tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _load_devices(district: Path) -> list[Device]:
    try:
        return list(load_district(district).devices)
    except (OSError, ValueError) as exc:
        raise LabError(f"cannot read the lab district {district}: {exc}") from None


def _count_platforms(devices: list[Device]) -> dict[str, int]:
    return dict(sorted(Counter(d.platform for d in devices).items()))


def _clear_stale_pidfile(paths: LabPaths) -> None:
    paths.pidfile.unlink(missing_ok=True)


def _terminate(pid: int, timeout: float) -> None:
    """SIGTERM, then SIGKILL if it still runs after ``timeout``."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # reap it when it is our own child
            if not is_running(pid):
                return
            time.sleep(0.05)
    raise LabError(f"the lab server (pid {pid}) did not stop, even after SIGKILL")


def get_free_port_run(count: int, start: int = 20001) -> int:
    """The first of ``count`` consecutive free 127.0.0.1 ports at or above ``start``, for a
    synthesized lab (it numbers its routers from one port) beside another lab or a test.

    A busy port moves the search to the port after it, so any gap wide enough is found (a
    10,000-router lab fits between two small labs and the kernel's ephemeral range)."""
    first = start
    while first + count <= 65536:
        sockets: list[socket.socket] = []
        try:
            for port in range(first, first + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            first = port + 1
        finally:
            for sock in sockets:
                sock.close()
    raise LabError(f"no {count} consecutive free ports at or above {start}")


def _port_answers(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def apply_upstream(
    project_root: Path, host: str, lines: list[str], timeout: float = APPLY_TIMEOUT_S
) -> list[str]:
    """Type ``lines`` into an upstream router of the running lab (the city's core, say), as
    its operator would: nobody logs in to those, so the request goes through a file and a
    SIGUSR1 to our server, which changes its own model and answers. Returns the lines the
    router refused; LabError when the lab does not run or does not answer."""
    result = _ask(project_root, {"host": host, "lines": lines}, timeout, "apply the lines")
    return [str(line) for line in result["rejected"]]


@dataclass(frozen=True)
class FlowState:
    """A ground-truth flow as the running lab carries it now (``govnet lab flows``)."""

    id: str
    unit: str
    kind: str
    must_work: bool
    works: bool
    outcome: str  # reply | unreachable | timeout
    sender: str  # the router that owns the flow's gateway address now
    sender_vpn: str | None  # the table it sends the flow in there now
    source: str
    destination: str
    vpn_instance: str | None  # the flow's VPN as built
    path: tuple[str, ...]  # routers crossed, the sender first
    reason: str  # why it fails, in words ("" when it works)

    @property
    def as_it_should(self) -> bool:
        return self.works == self.must_work


def get_lab_flows(project_root: Path, timeout: float = APPLY_TIMEOUT_S) -> list[FlowState]:
    """Every ground-truth flow of the running lab, sent now by its data plane (through the
    same file-and-SIGUSR1 channel as :func:`apply_upstream`): what an engineer rehearsing a
    cutover wants after each push, "all N business flows still work"."""
    result = _ask(project_root, {"flows": True}, timeout, "send the flows")
    return [
        FlowState(**{**row, "path": tuple(row["path"])})  # the server's own rows
        for row in result["flows"]
    ]


def _ask(
    project_root: Path, request: dict[str, object], timeout: float, what: str
) -> dict[str, Any]:
    """One request to the running server: a file, a SIGUSR1, the answer file it writes."""
    paths = get_lab_paths(project_root)
    pid = get_running_pid(paths)
    if pid is None:
        raise LabError(f"the lab of {project_root} is not running: govnet lab up first")
    folder = paths.directory / APPLY_FOLDER
    folder.mkdir(exist_ok=True)
    name = secrets.token_hex(8)
    written = folder / f"{name}.tmp"
    written.write_text(json.dumps(request), encoding="utf-8")
    written.replace(folder / f"{name}.json")  # whole, or not there
    answer = folder / f"{name}.done"
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while not answer.exists():
        if time.monotonic() > deadline:
            raise LabError(f"the lab did not {what} in {timeout:.0f} s: see {paths.log}")
        time.sleep(0.05)
    result: dict[str, Any] = json.loads(answer.read_text(encoding="utf-8"))
    answer.unlink()
    if result.get("error"):
        raise LabError(str(result["error"]))
    return result


def _get_handoff(text: str | None) -> Handoff:
    """``--handoff``: one of HANDOFFS (default option_a)."""
    for handoff in HANDOFFS:
        if (text or "option_a") == handoff:
            return handoff
    raise LabError(f"--handoff {text}: choose one of {', '.join(HANDOFFS)}")
