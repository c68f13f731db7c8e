"""Attacks on `govnet push`: pushes killed, stopped or run twice at once, out of order, or
from an edited config file; each test names the attack, then the defence.

One district (370702, seed 3, 20 routers) served by `govnet lab up`, surveyed and planned
through the CLI, as tests/test_push.py does. To interrupt a push between two of its lines,
the device is reached through a TCP relay that, once armed, holds each packet the collector
sends for a moment: a slow WAN link, nothing in govnet or the lab is stubbed. The tests on the
lab are marked slow (several minutes on a busy 2-core machine): `-m 'not slow'` leaves them.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from govnet.model.plans import CityRequest, SystemRequest
from govnet.platforms import load_platforms
from govnet.push import Device
from govnet.store import Store, open_store
from govnet.survey.collect import Budget, Credentials, Target
from govnet_cli import run_govnet, start_govnet
from govnet_lab.city import get_city_lines, get_system_lines
from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.district import load_district
from govnet_lab.generate.upstream import CITY
from govnet_lab.server import read_credentials

COUNTY, SEED, SIZE = "370702", 1, 30  # the README's county: several plans on each PE


class Relay:
    """127.0.0.1:port -> the lab's port; once ``delay`` is set, each chunk the client sends
    waits that long before it goes on (the answers come back at once)."""

    def __init__(self, upstream: int) -> None:
        self.upstream, self.delay = upstream, 0.0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            device = socket.create_connection(("127.0.0.1", self.upstream))
            threading.Thread(target=self._pipe, args=(client, device, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(device, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, slow: bool) -> None:
        try:
            while data := source.recv(65536):
                if slow and self.delay:
                    time.sleep(self.delay)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                end.close()

    def close(self) -> None:
        self.server.close()


@dataclass
class Lab:
    root: Path
    env: dict[str, str]
    plans: dict[str, dict[str, Any]]
    relays: dict[str, Relay] = field(default_factory=dict)
    migrated: str = ""  # the unit whose plan the tests push (chosen from the plans made)

    def govnet(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_govnet(self.root, self.env, *args)

    def push(self, unit: str, host: str, *flags: str) -> tuple[int, dict[str, Any], str]:
        done = self.govnet("push", str(self.plans[unit]["plan"]), "--host", host, *flags, "--json")
        assert "Traceback" not in done.stderr, done.stderr
        return done.returncode, json.loads(done.stdout) if done.stdout else {}, done.stderr

    def start_push(self, unit: str, host: str, *flags: str) -> subprocess.Popen[str]:
        plan = str(self.plans[unit]["plan"])
        return start_govnet(self.root, self.env, "push", plan, "--host", host, *flags)

    def store(self) -> Store:
        return open_store(f"sqlite:///{self.root}/.govnet/govnet.db")

    def pushes(self, host: str) -> list[dict[str, Any]]:
        store = self.store()
        try:
            return store.get_pushes(hostname=host)
        finally:
            store.dispose()

    def hosts_in_order(self, unit: str) -> list[str]:
        parts = self.plans[unit]["parts"]
        return sorted(parts, key=lambda h: min(parts[h]["steps"]))

    def device(self, host: str) -> Device:
        inventory = yaml.safe_load((self.root / "inventory" / "hosts.yaml").read_text("utf-8"))
        row = inventory[host]
        platform = next(g for g in row["groups"])
        return Device(
            Target(host, "127.0.0.1", self.lab_port(host), platform),
            load_platforms(self.root),
            Credentials(self.env["GOVNET_USERNAME"], self.env["GOVNET_PASSWORD"]),
            Budget(),
        )

    def lab_port(self, host: str) -> int:
        store = self.store()
        try:
            rows = store.get_inventory_rows("devices")
        finally:
            store.dispose()
        return int(next(r["port"] for r in rows if r["hostname"] == host))

    def slow_link(self, host: str) -> Relay:
        """Reach ``host`` through a relay from now on (its inventory port is the relay's)."""
        if host in self.relays:
            return self.relays[host]
        relay = self.relays[host] = Relay(self.lab_port(host))
        path = self.root / "inventory" / "hosts.yaml"
        text = path.read_text("utf-8")
        inventory = yaml.safe_load(text)
        old = inventory[host]["port"]
        path.write_text(text.replace(f"port: {old}\n", f"port: {relay.port}\n", 1), "utf-8")
        assert yaml.safe_load(path.read_text("utf-8"))[host]["port"] == relay.port
        return relay


def wait_for(what: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError("waited in vain")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("hostile-push") / "county"
    start_lab(
        root,
        county=COUNTY,
        devices=SIZE,
        seed=SEED,
        first_port=get_free_port_run(SIZE),
        timeout=120,
    )
    lab = Lab(root, {}, {})
    try:
        username, password = read_credentials(get_lab_paths(root).credentials)
        lab.env = dict(os.environ, GOVNET_USERNAME=username, GOVNET_PASSWORD=password)
        assert lab.govnet("survey").returncode == 0
        assert lab.govnet("classify").returncode == 0
        done = lab.govnet("plan", "--all", "--json")
        assert done.returncode == 0, done.stderr
        store = lab.store()
        try:
            requests: list[dict[str, Any]] = []
            asked: list[dict[str, Any]] = []  # the systems' operators' side
            for row in json.loads(done.stdout):
                plan = store.get_plan(row["plan"])
                assert plan is not None
                lab.plans[row["unit"]] = {**row, "parts": plan["detail"]["parts"]}
                requests += plan["detail"].get("city_requests") or []
                asked += plan["detail"].get("system_requests") or []
        finally:
            store.dispose()
        # The city's operator has done every plan's side already: these tests are about the
        # pushes (killed, resumed, raced), whose PE steps ping the city's end of the hand-off.
        district = load_district(get_lab_paths(root).district)
        lines = [
            line for data in requests for line in get_city_lines(district, CityRequest(**data))
        ]
        if lines:
            path = root / "city.cfg"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            applied = lab.govnet("lab", "apply", "--host", CITY, str(path))
            assert applied.returncode == 0, applied.stderr
        for n, data in enumerate(asked):  # and every system's (routes back via the extranet)
            node, lines = get_system_lines(district, SystemRequest(**data))
            path = root / f"system-{n}.cfg"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            applied = lab.govnet("lab", "apply", "--host", node, str(path))
            assert applied.returncode == 0, applied.stderr
        # The unit these tests push: a dedicated-zone VPN built on a PE that another unit's
        # plan shares, and at least a CE after it.
        lab.migrated = next(
            unit
            for unit, row in sorted(lab.plans.items(), key=lambda kv: -len(kv[1]["parts"]))
            if len(row["parts"]) >= 2
            and any(
                u != unit
                and row2["parts"]
                and lab.hosts_in_order(u)[0] == lab.hosts_in_order(unit)[0]
                for u, row2 in lab.plans.items()
            )
            and "dedicated_vpn" in row["parts"][lab.hosts_in_order(unit)[0]]["approaches"]
        )
        yield lab
    finally:
        for relay in lab.relays.values():
            relay.close()
        stop_lab(root)


def start_slowed_push(lab: Lab, unit: str, host: str) -> tuple[subprocess.Popen[str], Relay]:
    """`govnet push --commit` started; once it has journalled itself (backup taken), each line
    takes 0.2 s to reach the device."""
    relay = lab.slow_link(host)
    count = len(lab.pushes(host))
    process = lab.start_push(unit, host, "--commit")
    wait_for(lambda: len(lab.pushes(host)) > count)
    relay.delay = 0.2
    return process, relay


def typed(lab: Lab, host: str, at_least: int) -> dict[str, Any]:
    """The host's last push once the journal shows ``at_least`` lines typed."""
    row: dict[str, Any] = wait_for(
        lambda: next((p for p in lab.pushes(host)[-1:] if p["typed"] >= at_least), None)
    )
    return row


@pytest.mark.slow
def test_a_push_killed_mid_way_is_named_everywhere_and_recovered_byte_for_byte(lab: Lab) -> None:
    """kill -9 mid-push: status and every refusal name it; recover restores the backup exactly."""
    pe = lab.hosts_in_order(lab.migrated)[0]
    device = lab.device(pe)
    before, _facts = device.read()
    process, relay = start_slowed_push(lab, lab.migrated, pe)
    try:
        typed(lab, pe, 2)
        process.kill()
        process.communicate(timeout=30)
    finally:
        relay.delay = 0
    killed = lab.pushes(pe)[-1]
    total = len(lab.plans[lab.migrated]["parts"][pe]["config"])
    assert killed["result"] == "running" and 2 <= killed["typed"] < total
    assert killed["backup"] == before
    half, _facts = device.read()
    assert half != before  # half-configured: the state this is about

    status = lab.govnet("push", "status")
    assert status.returncode == 0
    assert (
        f"{pe}: push {killed['id']} (apply of plan {lab.plans[lab.migrated]['plan']}"
        in status.stdout
    )
    assert f"{killed['typed']} of {total} line(s) typed) was interrupted" in status.stdout
    assert f"govnet push recover --host {pe} --commit" in status.stdout
    for flags in ((), ("--commit",), ("--rollback", "--commit")):
        code, _result, stderr = lab.push(lab.migrated, pe, *flags)
        assert code == 1 and stderr.startswith(f"error: {pe}: push {killed['id']} ("), stderr
        assert "recover" in stderr and len(stderr.splitlines()) == 1
        assert "changed since" not in stderr and "nothing to roll back" not in stderr
    assert device.read()[0] == half  # nothing typed by the refusals

    dry = lab.govnet("push", "recover", "--host", pe)
    assert dry.returncode == 0 and "dry run" in dry.stdout, dry.stderr
    assert device.read()[0] == half
    done = lab.govnet("push", "recover", "--host", pe, "--commit", "--json")
    assert done.returncode == 0, done.stderr
    recovered = json.loads(done.stdout)
    assert recovered["result"] == "applied" and "backup's state is back" in recovered["reason"]
    assert device.read()[0] == before == killed["backup"]
    rows = {p["id"]: p for p in lab.pushes(pe)}
    assert rows[killed["id"]]["result"] == "recovered"
    assert rows[recovered["push"]]["action"] == "recover"
    assert lab.govnet("push", "status").stdout.strip() == "no push unfinished or running"


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_sigterm_or_ctrl_c_mid_push_stops_at_a_line_and_restores(
    lab: Lab, sig: signal.Signals, code: int
) -> None:
    """SIGTERM/Ctrl-C mid-push: stops at a line, restores the backup, says so, exits 143/130."""
    pe = lab.hosts_in_order(lab.migrated)[0]
    device = lab.device(pe)
    before, _facts = device.read()
    process, relay = start_slowed_push(lab, lab.migrated, pe)
    try:
        typed(lab, pe, 2)
        process.send_signal(sig)
    finally:
        relay.delay = 0
    _stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr
    row = lab.pushes(pe)[-1]
    assert row["result"] == "interrupted" and row["typed"] >= 2
    assert f"stopped by {sig.name} after {row['typed']} of" in stderr
    assert f"interrupted (push {row['id']})" in stderr and "backup's state is back" in stderr
    assert device.read()[0] == before
    assert lab.govnet("push", "status").stdout.strip() == "no push unfinished or running"


@pytest.mark.slow
def test_two_pushes_to_one_device_at_once_one_is_refused(lab: Lab) -> None:
    """Two pushes to one PE at once: the second is refused naming the first; store = device."""
    pe = lab.hosts_in_order(lab.migrated)[0]
    other = next(
        u
        for u in lab.plans
        if u != lab.migrated and lab.plans[u]["parts"] and lab.hosts_in_order(u)[0] == pe
    )
    device = lab.device(pe)
    before, _facts = device.read()
    first, relay = start_slowed_push(lab, lab.migrated, pe)
    try:
        started = lab.pushes(pe)[-1]
        code, _result, stderr = lab.push(other, pe, "--commit")
    finally:
        relay.delay = 0
    assert code == 1 and f"error: {pe} is busy: push {started['id']} by " in stderr, stderr
    assert f"pid {first.pid} since" in stderr
    _stdout, stderr = first.communicate(timeout=120)
    assert first.returncode == 0, stderr
    rows = lab.pushes(pe)
    assert rows[-1]["id"] == started["id"] and rows[-1]["result"] == "applied"
    assert rows[-1]["after"] == device.read()[0]  # the store matches the device
    code, undone, stderr = lab.push(lab.migrated, pe, "--rollback", "--commit")
    assert code == 0 and undone["result"] == "applied", stderr
    assert device.read()[0] == before


@pytest.mark.slow
def test_rolling_back_a_pe_while_its_ce_is_applied_is_refused(lab: Lab) -> None:
    """Rolling back the PE while its CE is applied: refused naming the CE; CE then PE works."""
    pe, ce, *_ = lab.hosts_in_order(lab.migrated)
    before = lab.device(pe).read()[0]
    for host in (pe, ce):
        code, done, stderr = lab.push(lab.migrated, host, "--commit")
        assert code == 0 and done["result"] == "applied", stderr
    applied = lab.device(pe).read()[0]
    code, refused, _stderr = lab.push(lab.migrated, pe, "--rollback", "--commit")
    assert code == 1 and refused["result"] == "refused"
    assert refused["reason"].startswith(f"roll back {ce} first:")
    assert lab.device(pe).read()[0] == applied
    for host in (ce, pe):
        code, done, stderr = lab.push(lab.migrated, host, "--rollback", "--commit")
        assert code == 0 and done["result"] == "applied", stderr
    assert lab.device(pe).read()[0] == before


@pytest.mark.slow
def test_an_edited_config_file_is_refused_not_ignored(lab: Lab) -> None:
    """configs/<host>.cfg edited after planning: push refuses naming the file, not ignores it."""
    # A plan with one host pushed over the network (not a classified or police router's,
    # which push refuses before reading any file).
    drifted = next(
        unit
        for unit, plan in sorted(lab.plans.items())
        if len(plan["parts"]) == 1 and not any(p.get("manual") for p in plan["parts"].values())
    )
    (host,) = lab.hosts_in_order(drifted)
    path = Path(lab.plans[drifted]["path"]) / "configs" / f"{host}.cfg"
    original = path.read_text("utf-8")
    path.write_text(original + "ip route-static 0.0.0.0 0 192.0.2.66\n", "utf-8")
    try:
        for flags in ((), ("--commit",)):
            code, _result, stderr = lab.push(drifted, host, *flags)
            assert code == 1 and stderr.startswith(f"error: {path} differs from the lines"), stderr
            assert f"govnet plan {drifted}" in stderr and len(stderr.splitlines()) == 1
    finally:
        path.write_text(original, "utf-8")
    code, dry, stderr = lab.push(drifted, host)
    assert code == 0 and dry["result"] == "dry_run", stderr
    assert not lab.pushes(host)


def test_a_lease_held_elsewhere_holds_until_it_expires_or_its_process_dies(db_url: str) -> None:
    """A lease from another machine or a dead pid: refused while live, taken once stale."""
    from govnet.push.journal import LEASE, DeviceBusyError, Lease, get_machine, is_stale

    store = open_store(db_url)
    try:
        remote = "ops@collector-2 pid 4242"
        assert store.take_device_lock("pe1", remote, "collector-2", 4242, LEASE, is_stale) is None
        local = Lease(store, "pe1")
        with pytest.raises(DeviceBusyError, match=rf"^pe1 is busy: a push starting by {remote}"):
            local.take()
        store.renew_device_lock("pe1", remote, -LEASE)  # collector-2 stopped renewing it
        local.take()
        assert [lock["holder"] for lock in store.get_device_locks()] == [local.holder]
        local.release()
        assert store.get_device_locks() == []

        gone = subprocess.Popen(["true"])
        gone.wait()
        holder = f"ops@{get_machine()} pid {gone.pid}"
        assert (
            store.take_device_lock("pe2", holder, get_machine(), gone.pid, LEASE, is_stale) is None
        )
        other = Lease(store, "pe2")
        other.take()  # the lease is live for another minute, but its process is gone
        other.release()
    finally:
        store.dispose()
