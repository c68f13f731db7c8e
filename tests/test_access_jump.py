"""A survey through a jump host (堡垒机) with per-group keys: the lab's routers served by one
process, a bastion (govnet_lab.bastion) by a second, reached through the project's ssh_config
ProxyJump. One group logs in with its own key; the other group's key is not one the lab
authorizes, so its hosts fail with an auth error and the others are surveyed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest
import yaml

from govnet.model.access import Credentials
from govnet.platforms import load_platforms
from govnet.survey.collect import Budget, ErrorCategory, Target, collect_host
from govnet_cli import run_govnet
from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.district import load_district
from govnet_lab.server import read_credentials

ROUTERS = 8


def make_key(folder: Path, name: str) -> Path:
    """A new ed25519 key pair: ``name`` (private, OpenSSH format) and ``name.pub``."""
    key = asyncssh.generate_private_key("ssh-ed25519")
    path = folder / name
    key.write_private_key(path)
    path.chmod(0o600)
    key.write_public_key(folder / f"{name}.pub")
    return path


def start_bastion(folder: Path, port: int, user: str, key: Path) -> subprocess.Popen[str]:
    host_key = make_key(folder, "bastion_host_key")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "govnet_lab.bastion",
            f"--port={port}",
            f"--host-key={host_key}",
            f"--authorized-keys={user}={key}.pub",
        ],
        stdout=subprocess.PIPE,
        stderr=open(folder / "bastion.log", "w"),  # noqa: SIM115  # closed with the process
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("listening"), (folder / "bastion.log").read_text()
    return process


def set_access(root: Path, config: Path, core_key: Path, edge_key: Path) -> dict[str, str]:
    """Two groups with their own credentials and keys; the routers join them in turn (so
    each group has several vendors)."""
    hosts_file = root / "inventory/hosts.yaml"
    hosts = yaml.safe_load(hosts_file.read_text(encoding="utf-8"))
    team: dict[str, str] = {}
    for index, (name, host) in enumerate(sorted(hosts.items())):
        team[name] = "core-team" if index % 2 == 0 else "edge-team"
        host["groups"].append(team[name])
    hosts_file.write_text(yaml.safe_dump(hosts, allow_unicode=True), encoding="utf-8")
    groups_file = root / "inventory/groups.yaml"
    groups = yaml.safe_load(groups_file.read_text(encoding="utf-8"))
    # the core group names the ssh_config; the edge group has it from nornir_config.yaml
    core = {"credentials": "core", "key_file": str(core_key), "ssh_config": "ssh_config"}
    groups["core-team"] = {"data": {"access": core}}
    groups["edge-team"] = {"data": {"access": {"credentials": "edge", "key_file": str(edge_key)}}}
    groups_file.write_text(yaml.safe_dump(groups, allow_unicode=True), encoding="utf-8")
    nornir_file = root / "nornir_config.yaml"
    nornir_config = yaml.safe_load(nornir_file.read_text(encoding="utf-8"))
    nornir_config["ssh"] = {"config_file": "ssh_config"}
    nornir_file.write_text(yaml.safe_dump(nornir_config), encoding="utf-8")
    return team


@pytest.fixture(scope="module")
def jumped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("access")
    root = folder / "county"
    keys = folder / "keys"
    keys.mkdir()
    core_key, edge_key, edge_wrong, jump_key = (
        make_key(keys, n) for n in ("core", "edge", "edge_wrong", "jump")
    )
    first = get_free_port_run(ROUTERS + 1)
    start_lab(
        root,
        county="370702",
        devices=ROUTERS,
        seed=2,
        first_port=first,
        timeout=60,
        authorized_keys={
            "netops-core": Path(f"{core_key}.pub"),
            "netops-edge": Path(f"{edge_key}.pub"),
        },
    )
    bastion = None
    try:
        bastion_port = first + ROUTERS
        bastion = start_bastion(folder, bastion_port, "jump", jump_key)
        config = root / "ssh_config"
        config.write_text(
            "Host bastion\n"
            "  HostName 127.0.0.1\n"
            f"  Port {bastion_port}\n"
            "  User jump\n"
            f"  IdentityFile {jump_key}\n"
            "  StrictHostKeyChecking no\n"
            "Host 127.0.0.1\n"
            "  ProxyJump bastion\n"
        )
        team = set_access(root, config, core_key, edge_wrong)
        _, password = read_credentials(get_lab_paths(root).credentials)
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOVNET_")}
        env |= {
            "GOVNET_CRED_CORE_USERNAME": "netops-core",
            "GOVNET_CRED_EDGE_USERNAME": "netops-edge",
            # the enable secret of the IOS routers (the lab's one password)
            "GOVNET_CRED_CORE_SECRET": password,
            "GOVNET_CRED_EDGE_SECRET": password,
        }
        started = time.monotonic()
        done = run_govnet(root, env, "survey", "--json", "--connect-timeout", "5", timeout=300)
        seconds = time.monotonic() - started
        yield {
            "root": root,
            "keys": keys,
            "core_key": core_key,
            "done": done,
            "summary": json.loads(done.stdout) if done.stdout else {},
            "team": team,
            "seconds": seconds,
            "bastion_log": folder / "bastion.log",
            "devices": {d.hostname: d for d in load_district(get_lab_paths(root).district).devices},
        }
    finally:
        if bastion is not None:
            bastion.terminate()
            bastion.wait(10)
        stop_lab(root)


def test_core_group_surveyed_through_the_bastion(jumped: dict[str, Any]) -> None:
    summary, team = jumped["summary"], jumped["team"]
    assert jumped["done"].returncode == 1, jumped["done"].stderr  # the edge group failed
    failed = {f["hostname"]: f for f in summary["failed"]}
    core = {h for h, t in team.items() if t == "core-team"}
    edge = set(team) - core
    assert core and edge
    assert not core & set(failed), [failed[h] for h in core & set(failed)]
    assert summary["by_status"]["ok"] == len(core)
    assert len({jumped["devices"][h].platform for h in core}) >= 2  # key login on two vendors
    # every router was reached through the bastion
    log = jumped["bastion_log"].read_text()
    for host in team:  # the edge group too: its way through the bastion, then a wrong key
        assert f"jump: forward to 127.0.0.1:{jumped['devices'][host].port}" in log, host


def test_wrong_key_fails_its_group_with_auth(jumped: dict[str, Any]) -> None:
    failed = {f["hostname"]: f for f in jumped["summary"]["failed"]}
    edge = {h for h, t in jumped["team"].items() if t == "edge-team"}
    assert set(failed) == edge
    for host in edge:
        assert failed[host]["status"] == "failed"
        assert failed[host]["category"] == "auth", failed[host]
    assert jumped["summary"]["by_error"] == {"auth": len(edge)}


def test_jump_host_refusal_is_an_auth_error_naming_it(jumped: dict[str, Any]) -> None:
    """The bastion's key wrong: the device is never reached, and the message says where."""
    root, keys = jumped["root"], jumped["keys"]
    config = (root / "ssh_config").read_text()
    wrong = root / "ssh_config_wrong_jump"
    wrong.write_text(config.replace(str(keys / "jump"), str(keys / "edge_wrong")))
    host = next(h for h, t in jumped["team"].items() if t == "core-team")
    device = jumped["devices"][host]
    platforms = load_platforms(root)
    credentials = Credentials(
        "netops-core", key_file=str(jumped["core_key"]), ssh_config=str(wrong)
    )
    collected = collect_host(
        Target(host, "127.0.0.1", device.port, device.platform),
        platforms.get_session(device.platform),
        platforms.get_commands(device.platform)[:1],
        credentials,
        Budget(connect=5, command=10, host=30),
    )
    assert collected.error is ErrorCategory.AUTH
    assert (
        collected.message is not None and "jump host bastion refused user jump" in collected.message
    )
