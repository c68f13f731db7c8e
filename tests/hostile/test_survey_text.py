"""Hostile device text in the survey: control bytes in outputs (live and saved) on PostgreSQL,
a host the store refuses, links and special files in an offline folder, saved outputs that
are missing, empty or cut short, and host names that hide what they are.

Every case runs govnet as the user does (a fresh process) on real parts: the lab's routers
over SSH on 127.0.0.1, a throwaway PostgreSQL server, files written here.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from govnet.platforms import Platforms, load_platforms
from govnet.store import Store, open_store
from govnet.survey.collect import RawText
from govnet.survey.offline import OfflineError, read_saved_hosts, write_saved_host
from govnet_cli import run_govnet, run_govnet_json
from govnet_lab.control import (
    ensure_credentials,
    ensure_host_key,
    get_free_port_run,
    get_lab_paths,
)
from govnet_lab.district import load_district, save_district
from govnet_lab.generate import generate_lab
from govnet_lab.model import Device
from govnet_lab.render import render

ROUTERS = 6  # the smallest district the lab makes: 3 Huawei, 2 Comware, 1 IOS
HUAWEI_CONFIG = "display current-configuration"
HOSTILE_DESCRIPTION = (
    "uplink\x00to\x1b]0;pwned\x07 core\x1b[2J"  # NUL, a window title, clear screen
)


@dataclass
class District:
    root: Path  # the project: nornir_config.yaml, inventory/
    devices: dict[str, Device]
    platforms: Platforms

    def save(self, folder: Path, device: Device) -> Path:
        """Every collector command's answer, as the lab's router gives it, in the offline
        layout (what `survey export` writes)."""
        commands = self.platforms.get_commands(device.platform)
        texts = {c: render(device, c) for c in commands}
        for command in self.platforms.get_followup_commands(device.platform, texts):
            texts[command] = render(device, command)
        outputs = {c: RawText.from_bytes(t.encode()) for c, t in texts.items()}
        return write_saved_host(folder, device.hostname, device.platform, outputs)

    def save_all(self, folder: Path) -> Path:
        for device in self.devices.values():
            self.save(folder, device)
        return folder

    def env(self, db_url: str | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("GOVNET_DB_URL", None)
        if db_url is not None:
            env["GOVNET_DB_URL"] = db_url
        return env

    def store(self, db_url: str | None = None) -> Store:
        return open_store(db_url or f"sqlite:///{self.root}/.govnet/govnet.db")


def new_district(root: Path) -> District:
    """A six-router county (its inventory and the routers' state), no server started."""
    generate_lab(root, "370702", 3, ROUTERS, None, get_free_port_run(ROUTERS))
    district = load_district(get_lab_paths(root).district)
    return District(root, {d.hostname: d for d in district.devices}, load_platforms(root))


@pytest.fixture
def county(tmp_path: Path) -> District:
    return new_district(tmp_path / "county")


def first_of(district: District, platform: str = "huawei") -> Device:
    return next(d for d in district.devices.values() if d.platform == platform)


def host_results(store: Store, run: int) -> dict[str, dict[str, object]]:
    return {h["hostname"]: h for h in store.get_host_results(run)}


def assert_one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


# --- control bytes in device output, on PostgreSQL ----------------------------------------


@pytest.mark.postgres
def test_nul_and_random_bytes_in_saved_outputs_on_postgresql(county: District, pg_url: str) -> None:
    """Saved outputs with a NUL byte and with random bytes: the PostgreSQL survey completes,
    every host kept, the NUL removed and noted on its host."""
    saved = county.save_all(county.root / "saved")
    nul_host, noise_host = sorted(n for n, d in county.devices.items() if d.platform == "huawei")[
        :2
    ]
    version = saved / nul_host / "display_version.txt"
    version.write_bytes(version.read_bytes().replace(b"\n", b"\x00\n", 1))
    noise = saved / noise_host / "display_ip_interface_brief.txt"
    noise.write_bytes(random.Random(22).randbytes(4096))
    done = run_govnet(county.root, county.env(pg_url), "survey", "--offline", str(saved), "--json")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr  # noise: partial
    summary = json.loads(done.stdout)
    assert summary["status"] == "complete" and summary["hosts"] == ROUTERS
    store = county.store(pg_url)
    try:
        runs = {r["id"]: r for r in store.get_survey_runs()}
        results = host_results(store, summary["run"])
        outputs = store.get_raw_outputs(summary["run"], nul_host)
        noisy = store.get_raw_outputs(summary["run"], noise_host)
    finally:
        store.dispose()
    assert runs[summary["run"]]["status"] == "complete"
    assert sorted(results) == sorted(county.devices)
    assert results[nul_host]["status"] == "ok"
    assert "display version: 1 control sequence removed (1 NUL)" in str(
        results[nul_host]["message"]
    )
    assert outputs["display version"] == render(county.devices[nul_host], "display version")
    assert results[noise_host]["status"] in ("ok", "partial")
    assert "display ip interface brief: " in str(results[noise_host]["message"])  # its note
    assert all(c >= " " or c in "\t\n\r" for c in noisy["display ip interface brief"])


@pytest.mark.postgres
def test_a_value_the_store_refuses_fails_only_its_host(county: District, pg_url: str) -> None:
    """A router whose sysname is longer than the store's column (VRP allows 246 characters):
    that host is recorded failed with the database's reason, the others are kept, the run
    completes."""
    saved = county.save_all(county.root / "saved")
    device = first_of(county)
    config = saved / device.hostname / "display_current-configuration.txt"
    text = config.read_text(encoding="utf-8")
    long_name = "n" * 200
    config.write_text(text.replace(f"sysname {device.hostname}", f"sysname {long_name}"))
    assert long_name in config.read_text(encoding="utf-8")
    done = run_govnet(county.root, county.env(pg_url), "survey", "--offline", str(saved), "--json")
    assert done.returncode == 1, done.stderr  # a host failed: the exit code says so
    assert "Traceback" not in done.stderr
    store = county.store(pg_url)
    try:
        run = max(r["id"] for r in store.get_survey_runs())
        status = {r["id"]: r["status"] for r in store.get_survey_runs()}[run]
        results = host_results(store, run)
    finally:
        store.dispose()
    assert status == "complete"
    assert sorted(results) == sorted(county.devices)
    refused = results[device.hostname]
    assert refused["status"] == "failed" and refused["error_category"] == "store"
    assert "character varying(128)" in str(refused["message"])
    assert long_name not in str(refused["message"])  # the reason, not the statement's data
    assert {r["status"] for n, r in results.items() if n != device.hostname} == {"ok"}


@pytest.fixture
def lab_with_hostile_text(tmp_path: Path) -> Iterator[tuple[District, Device]]:
    """The lab's server on real SSH, one router's interface description carrying NUL and
    escape sequences (as anyone who can configure a description can make it)."""
    county = new_district(tmp_path / "county")
    paths = get_lab_paths(county.root)
    district = load_district(paths.district)
    device = next(d for d in district.devices if d.platform == "huawei")
    port = next(i for i in device.interfaces if i.address is not None)
    port.description = HOSTILE_DESCRIPTION
    save_district(district, paths.district)
    ensure_credentials(paths.credentials)
    ensure_host_key(paths.host_key)
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "govnet_lab.server", "--district", str(paths.district)),
            *("--creds", str(paths.credentials), "--host-key", str(paths.host_key)),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        for lab_device in district.devices:
            while socket.socket().connect_ex(("127.0.0.1", lab_device.port)) != 0:
                assert time.monotonic() < deadline and server.poll() is None, "lab not up"
                time.sleep(0.1)
        yield county, device
    finally:
        server.terminate()
        server.wait(10)


@pytest.mark.postgres
def test_nul_and_escape_sequences_in_live_output_on_postgresql(
    lab_with_hostile_text: tuple[District, Device], pg_url: str
) -> None:
    """A router's description with NUL, a window-title and a clear-screen sequence, read over
    SSH into PostgreSQL: the survey completes, the controls removed and noted, the rest of
    the description kept."""
    county, device = lab_with_hostile_text
    username, password = ensure_credentials(get_lab_paths(county.root).credentials)
    env = dict(county.env(pg_url), GOVNET_USERNAME=username, GOVNET_PASSWORD=password)
    summary = run_govnet_json(county.root, env, "survey", "--connect-timeout", "10")
    assert summary["status"] == "complete"
    store = county.store(pg_url)
    try:
        results = host_results(store, summary["run"])
        facts = store.get_host_facts(summary["run"], device.hostname)
        outputs = store.get_raw_outputs(summary["run"], device.hostname)
    finally:
        store.dispose()
    assert {r["status"] for r in results.values()} == {"ok"} and len(results) == ROUTERS
    assert "1 NUL" in str(results[device.hostname]["message"])
    assert facts is not None
    assert "uplinkto core" in {i.description for i in facts.interfaces}
    assert not any(c in text for text in outputs.values() for c in "\x00\x07\x1b")


# --- offline folders: links and special files ---------------------------------------------


CANARY = "GOVNET-CANARY-1f7c secret material"
LINK_KINDS = ["command file", "host folder", "config file"]


def add_links(saved: Path, device: Device, canary: Path, kinds: list[str]) -> list[Path]:
    """Links to the canary where saved outputs are read from; the links' paths."""
    links = []
    if "command file" in kinds:
        links.append(saved / device.hostname / "display_version.txt")
        links[-1].unlink()
        links[-1].symlink_to(canary)
    if "host folder" in kinds:
        elsewhere = canary.parent / f"elsewhere-{saved.name}"
        shutil.move(saved / device.hostname, elsewhere)
        (elsewhere / "display_version.txt").unlink()
        shutil.copyfile(canary, elsewhere / "display_version.txt")
        links.append(saved / device.hostname)
        links[-1].symlink_to(elsewhere, target_is_directory=True)
    if "config file" in kinds:
        links.append(saved / f"{device.hostname}-x.cfg")
        links[-1].symlink_to(canary)
    return links


def test_a_link_in_an_offline_folder_is_refused(county: District, tmp_path: Path) -> None:
    """Symlinks to a canary file (as to an SSH key or /proc/self/environ) in saved outputs:
    each kind refused naming the link, the canary nowhere in the store nor in `survey export`."""
    canary = tmp_path / "canary.txt"
    canary.write_text(CANARY + "\n", encoding="utf-8")
    device = first_of(county)
    for kind in LINK_KINDS:  # each kind of link on its own
        saved = county.save_all(tmp_path / f"saved-{kind.replace(' ', '-')}")
        (link,) = add_links(saved, device, canary, [kind])
        with pytest.raises(OfflineError, match="symbolic link") as refused:
            read_saved_hosts(saved)
        assert str(refused.value).startswith(f"{link}: "), kind
    good = county.save_all(tmp_path / "good")
    assert run_govnet(county.root, county.env(), "survey", "--offline", str(good)).returncode == 0
    saved = county.save_all(tmp_path / "saved")
    links = add_links(saved, device, canary, LINK_KINDS)
    done = run_govnet(county.root, county.env(), "survey", "--offline", str(saved))
    assert_one_line_error(done, "symbolic link")
    assert any(str(link) in done.stderr for link in links)
    exported = tmp_path / "exported"
    assert run_govnet(county.root, county.env(), "survey", "export", str(exported)).returncode == 0
    store_bytes = b"".join(p.read_bytes() for p in (county.root / ".govnet").glob("govnet.db*"))
    assert CANARY.encode() not in store_bytes
    assert not any(CANARY in p.read_text("utf-8") for p in exported.rglob("*") if p.is_file())


def test_a_fifo_in_an_offline_folder_is_refused_without_waiting(county: District) -> None:
    """A FIFO named like a saved configuration (reading it would wait forever): refused at
    once, naming it; no run is started."""
    saved = county.save_all(county.root / "saved")
    fifo = saved / "jlp-r9.cfg"
    os.mkfifo(fifo)
    done = run_govnet(county.root, county.env(), "survey", "--offline", str(saved), timeout=60)
    assert_one_line_error(done, str(fifo), "FIFO")
    store = county.store()
    try:
        assert store.get_survey_runs() == []
    finally:
        store.dispose()


# --- offline folders: what was saved must be whole ----------------------------------------


def test_saved_outputs_missing_empty_or_cut_short_are_not_ok(county: District) -> None:
    """A host folder with only its platform, one with an empty file, one with a configuration
    cut in half, one without a command's file: none ends ok, each says what is lacking."""
    saved = county.root / "saved"
    county.save_all(saved)
    huawei = sorted((d for d in county.devices.values() if d.platform == "huawei"), key=str)
    only_platform, emptied, cut = sorted(huawei, key=lambda d: d.hostname)
    for file in (saved / only_platform.hostname).iterdir():
        if file.name != "platform":
            file.unlink()
    (saved / emptied.hostname / "display_version.txt").write_bytes(b"")
    config = saved / cut.hostname / "display_current-configuration.txt"
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    config.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    (saved / cut.hostname / "display_ip_routing-table.txt").unlink()
    done = run_govnet(county.root, county.env(), "survey", "--offline", str(saved), "--json")
    assert done.returncode == 1, done.stderr
    store = county.store()
    try:
        results = host_results(store, max(r["id"] for r in store.get_survey_runs()))
    finally:
        store.dispose()
    assert results[only_platform.hostname]["status"] == "failed"
    assert "nothing saved" in str(results[only_platform.hostname]["message"])
    assert results[emptied.hostname]["status"] == "partial"
    assert "empty: display version" in str(results[emptied.hostname]["message"])
    assert results[cut.hostname]["status"] == "partial"
    message = str(results[cut.hostname]["message"])
    assert f"{HUAWEI_CONFIG}: cut short" in message
    assert "not saved: display ip routing-table" in message


# --- host names ---------------------------------------------------------------------------

HOSTILE_NAMES = {
    "newline": ("jlp-r9\n", "control character (U+000A)"),
    "escape": ("jlp\x1b[2Jr9", "control character (U+001B)"),
    "markup": ("jlp-[blink]r9", "bracket"),
    "bidi": ("jlp-r9\u202egpj", "bidi control character (U+202E)"),
    "zero-width": ("jlp\u200b-r9", "zero-width character (U+200B)"),
}


def test_an_offline_host_name_that_hides_what_it_is_is_refused(county: District) -> None:
    """Saved configurations named with a newline (a `$` regex let it through, making
    `configs/<name>⏎.cfg`), an escape sequence, markup, a bidi or a zero-width character,
    and a command file named with a bidi character: each refused naming the file (shown
    escaped) and the character; nothing stored."""
    device = first_of(county)
    for case, (name, reason) in HOSTILE_NAMES.items():
        saved = county.root / f"saved-{case}"
        saved.mkdir()
        (saved / f"{name}.cfg").write_text(render(device, HUAWEI_CONFIG), encoding="utf-8")
        (saved / f"{name}.platform").write_text("huawei\n", encoding="utf-8")
        with pytest.raises(OfflineError, match="host name") as refused:
            read_saved_hosts(saved)
        assert reason in str(refused.value), case
        assert str(refused.value).isprintable(), case
    command_file = county.save_all(county.root / "saved-file") / device.hostname
    (command_file / "display_ip_routing-table_vpn-instance_\u202ezw.txt").write_text("\n")
    with pytest.raises(OfflineError, match="do not print"):
        read_saved_hosts(command_file.parent)
    saved = county.root / "saved-newline"
    done = run_govnet(county.root, county.env(), "survey", "--offline", str(saved))
    assert_one_line_error(done, "host name", "control character (U+000A)", "jlp-r9\\n.cfg")
    store = county.store()
    try:
        assert store.get_survey_runs() == []
    finally:
        store.dispose()


def test_an_inventory_host_name_that_hides_what_it_is_is_refused(example_project: Path) -> None:
    """hosts.yaml naming routers with a trailing newline (it passed a `$` regex), a bidi or a
    zero-width character: `inventory check` fails naming the file, line and character."""
    hosts_file = example_project / "inventory" / "hosts.yaml"
    hosts = yaml.safe_load(hosts_file.read_text(encoding="utf-8"))
    first = next(iter(hosts.values()))
    cases = ["newline", "bidi", "zero-width"]
    for port, case in enumerate(cases, 29990):
        hosts[HOSTILE_NAMES[case][0]] = dict(first, port=port)
    hosts_file.write_text(yaml.safe_dump(hosts, allow_unicode=True), encoding="utf-8")
    done = run_govnet(example_project, dict(os.environ), "inventory", "check")
    assert done.returncode != 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for case in cases:
        reason = HOSTILE_NAMES[case][1]
        assert any(
            "inventory/hosts.yaml" in line and reason in line for line in done.stderr.splitlines()
        ), (case, done.stderr)
