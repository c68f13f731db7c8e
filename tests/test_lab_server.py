"""The lab over real SSH: `govnet lab up` serves the example district, netmiko logs in to each
kind of router, runs every collector command and configures; each fault bites as on a real
device; `govnet lab down` leaves no process.

The lab runs as the user runs it (a background process started by the CLI) on free ports, so
these tests see exactly what a survey will see.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh
import pytest
import yaml
from netmiko import (
    ConnectHandler,
    NetmikoAuthenticationException,
    NetmikoTimeoutException,
    ReadTimeout,
)

from govnet.model.files import get_bundled_root
from govnet.model.pids import is_running
from govnet_lab.control import LabError, get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.district import District, GroundTruth, load_district, save_district
from govnet_lab.model import Device, Fault
from govnet_lab.render import render
from govnet_lab.server import read_credentials
from govnet_lab.session import PAGE_LINES, Session
from govnet_lab.shell import ChunkKind
from govnet_lab.vendors import get_platforms, get_vendor
from ntc import parse, template_for

# One host per fault, from the example inventory (platform in the comment).
FAULTS = {
    "jlp-dsj-inet1": Fault.SILENT,  # huawei
    "jlp-sifa-ce1": Fault.BAD_PASSWORD,  # huawei
    "town-tongguanyi-ce1": Fault.SLOW,  # huawei
    "jlp-caizheng-ce1": Fault.DROP,  # cisco_ios
    "jlp-jiaowei-ce1": Fault.GBK,  # hp_comware, Chinese descriptions
    "town-xipeng-ce1": Fault.ODD_PROMPT,  # huawei
    "town-erlang-ce1": Fault.UNSUPPORTED,  # cisco_ios, has a CDP neighbour
}

# The commands the collectors need, as the issue lists them ({vpn}: one of the device's).
COMMANDS = {
    "huawei": [
        "display version",
        "display current-configuration",
        "display ip interface brief",
        "display interface brief",
        "display ip routing-table",
        "display ip routing-table vpn-instance {vpn}",
        "display ip vpn-instance",
        "display bgp peer",
        "display ospf peer brief",
        "display nat outbound",
        "display lldp neighbor brief",
        "display arp all",
    ],
    "hp_comware": [
        "display version",
        "display current-configuration",
        "display ip interface brief",
        "display interface brief",
        "display ip routing-table",
        "display ip routing-table vpn-instance {vpn}",
        "display ip vpn-instance",
        "display bgp peer ipv4",
        "display ospf peer",
        "display nat outbound",
        "display lldp neighbor-information list",
        "display arp",
    ],
    "cisco_ios": [
        "show version",
        "show running-config",
        "show ip interface brief",
        "show ip route",
        "show ip route vrf {vpn}",
        "show vrf",
        "show ip bgp summary",
        "show ip ospf neighbor",
        "show ip nat statistics",
        "show cdp neighbors",
        "show ip arp",
    ],
}


def govnet(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from govnet.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for sock in sockets:
        sock.close()
    return ports


def copy_example(root: Path) -> Path:
    """The example project with every router moved to a free port (a dev lab may be up)."""
    root.mkdir()
    example = get_bundled_root()
    shutil.copyfile(example / "nornir_config.yaml", root / "nornir_config.yaml")
    shutil.copytree(example / "inventory", root / "inventory")
    hosts = root / "inventory" / "hosts.yaml"
    text = hosts.read_text(encoding="utf-8")
    ports = iter(free_ports(text.count("\n  port: ")))
    hosts.write_text(
        re.sub(r"\n  port: \d+", lambda _: f"\n  port: {next(ports)}", text), encoding="utf-8"
    )
    return root


def get_lab_processes(marker: str) -> list[int]:
    """Pids of live processes whose command line mentions ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline and is_running(int(entry.name)):
            found.append(int(entry.name))
    return found


@dataclass
class Lab:
    root: Path
    username: str
    password: str
    district: District

    @property
    def devices(self) -> dict[str, Device]:
        return {d.hostname: d for d in self.district.devices}

    def healthy(self, platform: str) -> list[Device]:
        """Fault-free routers of a platform, the richest (most to survey) first."""
        return sorted(
            (d for d in self.district.devices if d.platform == platform and not d.faults),
            key=lambda d: (
                -(
                    len(d.vpn_instances)
                    + len(d.bgp_peers)
                    + len(d.lldp_neighbours)
                    + len(d.nat_rules)
                    + len(d.ospf_neighbours)
                    + len(d.interfaces)
                )
            ),
        )

    def connect(self, device: Device, **extra: Any) -> Any:
        params: dict[str, Any] = {
            "device_type": device.platform,
            "host": "127.0.0.1",
            "port": device.port,
            "username": self.username,
            "password": self.password,
            "secret": self.password,
            "conn_timeout": 5,
            "banner_timeout": 3,
            "auth_timeout": 5,
            "fast_cli": True,
        }
        params.update(extra)
        conn = ConnectHandler(**params)
        if device.platform == "cisco_ios" and "secret" not in extra:
            conn.enable()
        return conn


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = copy_example(tmp_path_factory.mktemp("lab") / "project")
    spec = ",".join(f"{fault.value}={host}" for host, fault in FAULTS.items())
    up = govnet("lab", "up", "--project", str(root), "--faults", spec)
    assert up.returncode == 0, up.stderr
    paths = get_lab_paths(root)
    try:
        username, password = read_credentials(paths.credentials)
        yield Lab(root, username, password, load_district(paths.district))
    finally:
        down = govnet("lab", "down", "--project", str(root))
        assert down.returncode == 0, down.stderr
        assert get_lab_processes(str(paths.district)) == []


# --- netmiko, per platform ----------------------------------------------------------------


def lines_of(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines()]


@pytest.mark.parametrize("platform", list(get_platforms()))
def test_netmiko_runs_every_collector_command(lab: Lab, platform: str) -> None:
    """Over SSH each command prints exactly what the model renders, and ntc-templates
    parse every templated one (test_lab_render proves the parse equals the model)."""
    device = lab.healthy(platform)[0]
    vpn = next((v.name for v in device.vpn_instances), None)
    conn = lab.connect(device)
    try:
        prompt = conn.find_prompt()
        assert prompt == (
            f"{device.sysname}#" if platform == "cisco_ios" else f"<{device.sysname}>"
        )
        for template in COMMANDS[platform]:
            if "{vpn}" in template and vpn is None:
                continue
            command = template.format(vpn=vpn)
            output = conn.send_command(command, read_timeout=10)
            assert lines_of(output) == lines_of(render(device, command)), command
            assert "Error:" not in output and "% Invalid" not in output, command
            if template_for(platform, command):
                parse(platform, command, output)
    finally:
        conn.disconnect()


@pytest.mark.parametrize("platform", list(get_platforms()))
def test_unknown_commands_get_the_vendor_error(lab: Lab, platform: str) -> None:
    device = lab.healthy(platform)[1]
    conn = lab.connect(device)
    try:
        answer = conn.send_command("dispaly version" if platform != "cisco_ios" else "shwo ver")
    finally:
        conn.disconnect()
    expected = {
        "huawei": "Error: Unrecognized command found at '^' position.",
        "hp_comware": " % Unrecognized command found at '^' position.",  # sic: a space
        "cisco_ios": "% Invalid input detected at '^' marker.",
    }[platform]
    assert lines_of(answer)[-1] == expected
    assert lines_of(answer)[-2].strip() == "^"


# The same change in each vendor's words: a VPN instance, a sub-interface bound to it with an
# address, and a static route in the VPN through it.
def change_lines(platform: str, port: str) -> list[str]:
    if platform == "cisco_ios":
        return [
            "vrf definition zw-test",
            " rd 65001:999",
            " address-family ipv4",
            " exit-address-family",
            f"interface {port}.399",
            " encapsulation dot1Q 399",
            " vrf forwarding zw-test",
            " ip address 10.99.1.2 255.255.255.252",
            " description 测试专区",
            " exit",
            "ip route vrf zw-test 10.98.0.0 255.255.0.0 10.99.1.1",
        ]
    vid = " dot1q termination vid 399" if platform == "huawei" else " vlan-type dot1q vid 399"
    vpn = (
        ["ip vpn-instance zw-test", " ipv4-family", "  route-distinguisher 65001:999", "  quit"]
        if platform == "huawei"
        else ["ip vpn-instance zw-test", " route-distinguisher 65001:999"]
    )
    return [
        *vpn,
        " quit",
        f"interface {port}.399",
        vid,
        " ip binding vpn-instance zw-test",
        " ip address 10.99.1.2 255.255.255.252",
        " description 测试专区",
        " quit",
        "ip route-static vpn-instance zw-test 10.98.0.0 16 10.99.1.1",
    ]


def configure(conn: Any, platform: str, lines: list[str]) -> list[str]:
    """Enter config mode, send each line waiting for the prompt, leave; the answers."""
    ios = platform == "cisco_ios"
    mark = r"\)#\s*$" if ios else r"\]\s*$"
    conn.send_command("configure terminal" if ios else "system-view", expect_string=mark)
    answers = [conn.send_command(line.strip(), expect_string=mark) for line in lines]
    conn.send_command("end" if ios else "return", expect_string=r"#\s*$" if ios else r">\s*$")
    return answers


@pytest.mark.parametrize("platform", list(get_platforms()))
def test_a_change_over_ssh_shows_in_the_next_display(lab: Lab, platform: str) -> None:
    device = lab.healthy(platform)[2]
    port = next(
        i.name for i in device.interfaces if i.kind == "physical" and i.oper_up and i.address
    )
    show = "show" if platform == "cisco_ios" else "display"
    routes = (
        f"{show} ip route vrf zw-test"
        if platform == "cisco_ios"
        else ("display ip routing-table vpn-instance zw-test")
    )
    config = "show running-config" if platform == "cisco_ios" else "display current-configuration"
    conn = lab.connect(device)
    try:
        answers = configure(conn, platform, change_lines(platform, port))
        said = [line for answer in answers for line in lines_of(answer) if line]
        # Huawei says what binding a VPN did to the interface; nothing else answers
        assert all(line.startswith("Info: ") for line in said), said
        assert "10.98.0.0" in conn.send_command(routes)
        running = conn.send_command(config)
        assert f"{port}.399" in running and "测试专区" in running
        # a bad address and a misspelt command: the vendor's error, nothing changes
        bad = [f"interface {port}.399", " ip address 10.99.1.300 255.255.255.252", "interfase x"]
        errors = configure(conn, platform, bad)
        assert not lines_of(errors[0])
        for answer in errors[1:]:
            assert re.search(r"^ ?(Error: |% )", lines_of(answer)[-1]), answer
        assert lines_of(conn.send_command(config)) == lines_of(running)
        # and shutting the sub-interface takes its route away, as a survey would then see
        configure(conn, platform, [f"interface {port}.399", " shutdown"])
        assert "10.98.0.0" not in conn.send_command(routes)
    finally:
        conn.disconnect()


# --- faults, as a survey meets them --------------------------------------------------------


def fault_host(lab: Lab, fault: Fault) -> Device:
    return lab.devices[next(h for h, f in FAULTS.items() if f is fault)]


def test_the_faults_are_in_the_ground_truth(lab: Lab) -> None:
    truth = yaml.safe_load((lab.root / "lab" / "ground_truth.yaml").read_text(encoding="utf-8"))
    assert truth["faults"] == {host: [fault.value] for host, fault in FAULTS.items()}


def test_bad_password_fault_refuses_every_login(lab: Lab) -> None:
    with pytest.raises(NetmikoAuthenticationException):
        lab.connect(fault_host(lab, Fault.BAD_PASSWORD))
    with pytest.raises(NetmikoAuthenticationException):
        lab.connect(lab.healthy("huawei")[0], password="wrong")


def test_silent_device_accepts_tcp_then_never_speaks(lab: Lab) -> None:
    device = fault_host(lab, Fault.SILENT)
    with (
        socket.create_connection(("127.0.0.1", device.port), timeout=1) as sock,
        pytest.raises(TimeoutError),
    ):
        sock.recv(64)
    started = time.monotonic()
    with pytest.raises(NetmikoTimeoutException):
        lab.connect(device, conn_timeout=2, banner_timeout=2)
    assert time.monotonic() - started < 10


def test_slow_device_answers_each_command_late(lab: Lab) -> None:
    slow, fast = fault_host(lab, Fault.SLOW), lab.healthy("huawei")[0]
    timings = []
    for device in (slow, fast):
        conn = lab.connect(device)
        try:
            started = time.monotonic()
            assert device.model in conn.send_command("display version", read_timeout=20)
            timings.append(time.monotonic() - started)
        finally:
            conn.disconnect()
    assert timings[0] >= 2.0 > timings[1]


def test_a_lab_wide_answer_delay_holds_every_routers_answers(tmp_path: Path) -> None:
    """`lab up --answer-delay` (start_lab's answer_delay): each command's answer comes late,
    as over WAN links; a running lab is not silently kept with another delay."""
    root, first = tmp_path / "far", get_free_port_run(6)
    start_lab(root, county="370702", devices=6, first_port=first, answer_delay=0.5)
    try:
        paths = get_lab_paths(root)
        username, password = read_credentials(paths.credentials)
        far = Lab(root, username, password, load_district(paths.district))
        for device in [d for d in far.district.devices if not d.faults][:1]:
            conn = far.connect(device)
            try:
                started = time.monotonic()
                command = "display version" if device.platform != "cisco_ios" else "show version"
                assert device.model in conn.send_command(command, read_timeout=20)
                assert time.monotonic() - started >= 0.5, device.hostname
            finally:
                conn.disconnect()
        with pytest.raises(LabError, match="answer delay"):
            start_lab(root, answer_delay=0.0)
    finally:
        stop_lab(root)


def test_drop_device_closes_the_connection_mid_output(lab: Lab) -> None:
    device = fault_host(lab, Fault.DROP)
    conn = lab.connect(device)
    try:
        assert device.model in conn.send_command("show version")  # short outputs get through
        with pytest.raises(ReadTimeout):
            conn.send_command("show running-config", read_timeout=3)
        assert not conn.is_alive()
    finally:
        conn.disconnect()


def test_gbk_device_sends_chinese_as_gbk_bytes(lab: Lab) -> None:
    device = fault_host(lab, Fault.GBK)
    chinese = next(
        i.description
        for i in device.interfaces
        if i.description and any(ord(c) > 127 for c in i.description)
    )
    assert chinese is not None
    raw = run_shell(
        lab,
        device,
        lambda s: s.comware_command(f"<{device.sysname}>", "display current-configuration"),
    )
    assert chinese.encode("gbk") in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    conn = lab.connect(device, encoding="gbk")
    try:
        assert chinese in conn.send_command("display current-configuration")
    finally:
        conn.disconnect()


def test_odd_prompt_is_the_sysname_not_the_inventory_hostname(lab: Lab) -> None:
    device = fault_host(lab, Fault.ODD_PROMPT)
    conn = lab.connect(device)
    try:
        assert conn.find_prompt() == f"<{device.sysname}>"
        assert device.sysname != device.hostname
    finally:
        conn.disconnect()


def test_unsupported_model_rejects_the_optional_commands(lab: Lab) -> None:
    device = fault_host(lab, Fault.UNSUPPORTED)
    assert device.lldp_neighbours, "the fault must hide neighbours the model has"
    conn = lab.connect(device)
    try:
        assert "% Invalid input detected at '^' marker." in conn.send_command("show cdp neighbors")
        assert device.model in conn.send_command("show version")
    finally:
        conn.disconnect()


NO_PAGING = {
    "huawei": "screen-length 0 temporary",
    "hp_comware": "screen-length disable",
    "cisco_ios": "terminal length 0",
}


# --- the raw shell: prompts, paging, echo ---------------------------------------------------


class Shell:
    """A raw interactive shell (asyncssh client, bytes), to see exactly what is sent."""

    def __init__(self, process: asyncssh.SSHClientProcess[bytes]) -> None:
        self.process = process
        self.received = b""

    async def read_until(self, marker: bytes, timeout: float = 5.0) -> bytes:
        start = len(self.received)
        while marker not in self.received[start:]:
            data = await asyncio.wait_for(self.process.stdout.read(65536), timeout)
            if not data:
                raise EOFError(self.received[start:])
            self.received += data
        return self.received[start:]

    def send(self, text: str) -> None:
        self.process.stdin.write(text.encode())

    async def comware_command(self, prompt: str, command: str) -> bytes:
        """Paging off, then one command's raw answer up to the next prompt."""
        await self.read_until(prompt.encode())
        self.send(f"{NO_PAGING['hp_comware']}\n")
        await self.read_until(prompt.encode())
        self.send(f"{command}\n")
        return await self.read_until(prompt.encode())


def run_shell(lab: Lab, device: Device, script: Callable[[Shell], Any]) -> Any:
    async def main() -> Any:
        async with asyncssh.connect(
            "127.0.0.1",
            device.port,
            username=lab.username,
            password=lab.password,
            known_hosts=None,
        ) as conn:
            process = await conn.create_process(term_type="vt100", encoding=None)
            return await script(Shell(process))

    return asyncio.run(main())


@pytest.mark.parametrize("platform", list(get_platforms()))
def test_long_output_pages_until_paging_is_disabled(lab: Lab, platform: str) -> None:
    device = lab.healthy(platform)[0]
    ios = platform == "cisco_ios"
    prompt = f"{device.sysname}>" if ios else f"<{device.sysname}>"
    config = "show running-config" if ios else "display current-configuration"
    more = get_vendor(platform).more[0].encode()
    expected = [line.encode() + b"\r\n" for line in render(device, config).splitlines()]
    assert len(expected) > 2 * PAGE_LINES + 1

    async def script(shell: Shell) -> tuple[bytes, ...]:
        await shell.read_until(prompt.encode())
        if ios:  # IOS users in user EXEC see the config only after enable
            shell.send(f"enable\n{lab.password}\n")
            await shell.read_until(f"{device.sysname}#".encode())
        shell.send(f"{config}\n")
        first = await shell.read_until(more)
        shell.send(" ")
        second = await shell.read_until(more)
        shell.send("\r")
        third = await shell.read_until(more)
        shell.send("q")
        rest = await shell.read_until(b"#" if ios else prompt.encode())
        shell.send(NO_PAGING[platform] + "\n")
        await shell.read_until(b"#" if ios else prompt.encode())
        shell.send(f"{config}\n")
        whole = await shell.read_until(b"#" if ios else prompt.encode())
        return first, second, third, rest, whole

    first, second, third, rest, whole = run_shell(lab, device, script)
    body = first.split(b"\r\n", 1)[1]  # after the echoed command
    assert body == b"".join(expected[:PAGE_LINES]) + more
    assert second.endswith(b"".join(expected[PAGE_LINES : 2 * PAGE_LINES]) + more)
    assert third.endswith(expected[2 * PAGE_LINES] + more)
    assert expected[2 * PAGE_LINES + 1] not in rest
    assert more not in whole and whole.count(b"\r\n") >= len(expected)


def test_huawei_screen_length_answer_and_echo_are_byte_exact(lab: Lab) -> None:
    device = lab.healthy("huawei")[0]
    prompt = f"<{device.sysname}>".encode()

    async def script(shell: Shell) -> tuple[bytes, bytes]:
        await shell.read_until(prompt)
        shell.send("screen-length 0 temporary\r\n")
        info = await shell.read_until(prompt)
        shell.send("display versoin\x7f\x7f\x7fion\r")
        return info, await shell.read_until(prompt)

    info, answer = run_shell(lab, device, script)
    assert info == (
        b"screen-length 0 temporary\r\n"
        b"Info: The configuration takes effect on the current user terminal interface only.\r\n"
        + prompt
    )
    assert answer.startswith(b"display versoin\b \b\b \b\b \bion\r\n")
    version = render(device, "display version").replace("\n", "\r\n")
    assert answer.endswith(version.encode() + b"\r\n" + prompt)


# --- the session state machine alone --------------------------------------------------------


def make_session(lab: Lab, platform: str) -> Session:
    return Session(lab.healthy(platform)[0], "s3cret")


@pytest.mark.parametrize("ending", ["\r", "\n", "\r\n"])
def test_every_line_ending_runs_one_command(lab: Lab, ending: str) -> None:
    session = make_session(lab, "huawei")
    name = session.device.sysname
    sent = "".join(c.text for c in session.feed(f"display clock{ending}"))
    assert sent.startswith("display clock\r\n") and sent.endswith(f"\r\n<{name}>")
    assert sent.count(f"<{name}>") == 1
    # an LF in the next packet after a CR is the same line ending, not an empty command
    assert "".join(c.text for c in session.feed("\n" if ending == "\r" else "")) == ""


def test_ios_enable_secret_is_not_echoed_and_a_wrong_one_is_refused(lab: Lab) -> None:
    session = make_session(lab, "cisco_ios")
    name = session.device.sysname
    session.feed("enable\n")
    assert session.prompt == "Password: "
    assert "% Bad secrets" in "".join(c.text for c in session.feed("nope\n"))
    assert session.prompt == f"{name}>"
    session.feed("enable\n")
    chunks = session.feed("s3cret\n")
    assert "s3cret" not in "".join(c.text for c in chunks)
    assert session.prompt == f"{name}#"


def test_ctrl_z_leaves_config_and_quit_closes(lab: Lab) -> None:
    session = make_session(lab, "hp_comware")
    name = session.device.sysname
    session.feed("system-view\n")
    assert session.prompt == f"[{name}]"
    chunks = session.feed("\x1a")
    assert chunks[-1].kind is ChunkKind.PROMPT and session.prompt == f"<{name}>"
    session.feed("quit\n")
    assert session.closed


# --- govnet lab up / status / down ----------------------------------------------------------


@pytest.mark.slow
def test_lab_lifecycle_in_a_new_folder_leaves_nothing_behind(tmp_path: Path) -> None:
    root = tmp_path / "weicheng"
    paths = get_lab_paths(root)
    project = ("--project", str(root))
    first = str(get_free_port_run(6))
    up = govnet(
        "lab", "up", *project, "--county", "370702", "--devices", "6", "--first-port", first
    )
    assert up.returncode == 0, up.stderr
    assert "lab started" in up.stdout and "6 routers" in up.stdout, up.stdout
    assert f"source {paths.credentials}" in up.stdout
    assert (root / "nornir_config.yaml").is_file() and (root / "lab/ground_truth.yaml").is_file()
    pid = int(paths.pidfile.read_text())
    try:
        assert paths.credentials.stat().st_mode & 0o777 == 0o600
        assert paths.host_key.stat().st_mode & 0o777 == 0o600
        _, password = read_credentials(paths.credentials)
        for path in [paths.log, paths.district, *root.rglob("*.yaml")]:
            assert password not in path.read_text(encoding="utf-8"), path
        again = govnet("lab", "up", *project)
        assert again.returncode == 0 and f"already running (pid {pid})" in again.stdout
        other = govnet("lab", "up", *project, "--seed", "5")
        assert other.returncode == 1 and "lab down` first" in other.stderr
        status = govnet("lab", "status", *project)
        assert f"lab running (pid {pid}): 6/6 ports answer" in status.stdout
    finally:
        down = govnet("lab", "down", *project)
    assert down.returncode == 0 and f"lab stopped (pid {pid})" in down.stdout
    assert get_lab_processes(str(paths.district)) == []
    assert not paths.pidfile.exists()
    assert "lab not running" in govnet("lab", "down", *project).stdout
    assert "lab not running" in govnet("lab", "status", *project).stdout


def test_stale_pidfile_is_never_a_reason_to_kill(example_project: Path) -> None:
    paths = get_lab_paths(example_project)
    paths.directory.mkdir(parents=True)
    save_district(District("500107000000", 1, [], GroundTruth()), paths.district)
    paths.pidfile.write_text(f"{os.getpid()}\n")  # alive, but not our server
    status = govnet("lab", "status", "--project", str(example_project))
    assert "lab not running (stale pidfile)" in status.stdout
    down = govnet("lab", "down", "--project", str(example_project))
    assert down.returncode == 0 and "lab not running" in down.stdout
    assert not paths.pidfile.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--devices", "7"], "has 30 routers, not 7"),
        (["--county", "370702"], "is for county 500107, not 370702"),
        (["--faults", "gbk=lots"], "gbk=lots"),
    ],
)
def test_lab_up_refusals_are_one_error_line(
    example_project: Path, args: list[str], message: str
) -> None:
    result = govnet("lab", "up", "--project", str(example_project), *args)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.stderr
    assert not get_lab_paths(example_project).pidfile.exists()


def test_a_free_port_run_starts_after_a_busy_port() -> None:
    """A busy port inside a run moves the search just past it, not a whole run further, so
    a large lab finds a gap between smaller ones (a 10,000-router lab once found none)."""
    first = get_free_port_run(40)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", first + 5))
        found = get_free_port_run(20, start=first)
    assert found == first + 6
    with pytest.raises(LabError, match="no 20 consecutive free ports"):
        get_free_port_run(20, start=65530)
