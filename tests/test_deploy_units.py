"""The province's systemd units (deploy/systemd), checked and started for real (issue 21, 5).

`systemd-analyze verify` reads each unit offline. Then each unit's ExecStart is started as
systemd would start it: a clean environment plus the unit's Environment= and EnvironmentFile=
(the shipped example), its specifiers (%i the zone, %d the credentials folder) and $VARIABLES
expanded, the secrets only as files in $CREDENTIALS_DIRECTORY (LoadCredential=), never in the
environment. User= and WorkingDirectory= are not applied (the project is the test's lab), the
binary is this checkout's, and the example's database URL is replaced by the test server's.
A campaign started with `govnet campaign start` must be completed by them, and the unit's
KillSignal must stop each cleanly (exit 0, its count printed). Their PostgreSQL asks for a
password (scram-sha-256), which only the .pgpass credential gives.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import typer
from sqlalchemy.engine import make_url

from govnet.cli import app
from govnet.model.access import credentials_dir_lookup
from govnet_cli import run_govnet, run_govnet_json
from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.server import read_credentials
from pgserver import PgServer, _free_port, find_pg_bin
from test_campaign_jobs import put_in_zones, query, snapshot_hosts

UNITS = Path(__file__).resolve().parents[1] / "deploy" / "systemd"
GOVNET = Path(sys.executable).parent / "govnet"  # this checkout's, for /opt/govnet/venv's
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"  # systemd's default PATH
ROUTERS = 6


@dataclass
class Unit:
    """The [Service] settings of a unit file this test applies (repeatable keys listed)."""

    path: Path
    service: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Unit:
        unit, section = cls(path), ""
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            assert not line.endswith("\\"), f"{path.name}: continuation lines not read here"
            if line.startswith("["):
                section = line
            elif section == "[Service]":
                key, _, value = line.partition("=")
                unit.service.setdefault(key, []).append(value)
        return unit

    def get(self, key: str) -> str:
        (value,) = self.service[key]
        return value


def expand_specifiers(value: str, instance: str, credentials: Path) -> str:
    """systemd.unit(5) "Specifiers": the ones these units use; any other is an error here."""
    known = {"i": instance, "d": str(credentials), "%": "%"}
    return re.sub(r"%(.)", lambda m: known[m.group(1)], value)


def read_environment_file(path: Path) -> dict[str, str]:
    """systemd.exec(5) EnvironmentFile=: KEY=VALUE lines, # or ; comments, quotes removed."""
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and line[0] not in "#;":
            key, _, value = line.partition("=")
            env[key.strip()] = " ".join(shlex.split(value)) if value[:1] in "'\"" else value
    return env


def expand_command(command: str, env: dict[str, str]) -> list[str]:
    """systemd.service(5) "Command lines": ``$NAME`` is split into words at whitespace (none
    when unset), ``${NAME}`` is one word."""
    words: list[str] = []
    for word in shlex.split(command):
        if re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*", word):
            words.extend(env.get(word[1:], "").split())
        else:
            words.append(re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), ""), word))
    return words


def has_option(command: str, option: str) -> bool:
    click = typer.main.get_command(app)
    params = click.commands[command].params  # type: ignore[attr-defined]
    return any(option in p.opts for p in params)


def verified(unit: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze verify` of an instance of the template, its binary this checkout's
    (verify refuses a command that is not there)."""
    folder.mkdir(exist_ok=True)
    copy = folder / unit.name
    copy.write_text(
        unit.read_text(encoding="utf-8").replace("/opt/govnet/venv/bin/govnet", str(GOVNET)),
        encoding="utf-8",
    )
    instance = folder / unit.name.replace("@.", "@a.")
    return subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(instance)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=folder,
    )


@pytest.mark.parametrize("name", ["govnet-worker@.service", "govnet-schedule@.service"])
def test_systemd_analyze_verifies_the_units(name: str, tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed: the units cannot be verified here")
    done = verified(UNITS / name, tmp_path / "units")
    assert (done.returncode, done.stderr) == (0, "")  # no error and no warning
    broken = tmp_path / "broken"  # the check can fail: an unknown key and a bad signal
    broken.mkdir()
    text = (UNITS / name).read_text(encoding="utf-8")
    (broken / name).write_text(text.replace("KillSignal=SIGTERM", "KillSignal=SIGTERMS"))
    done = verified(broken / name, tmp_path / "broken-units")
    assert "Failed to parse signal name" in done.stderr


def test_the_example_environment_holds_no_secret() -> None:
    env = read_environment_file(UNITS / "govnet.env")
    url = make_url(env["GOVNET_DB_URL"])
    assert url.get_backend_name() == "postgresql" and url.password is None
    assert not [k for k in env if re.search("PASSWORD|SECRET|PASSPHRASE|TOKEN", k)]


def test_a_device_secret_is_read_from_systemds_credentials(tmp_path: Path) -> None:
    assert credentials_dir_lookup({}) is None  # not started by systemd
    (tmp_path / "GOVNET_CRED_CORE_2_PASSWORD").write_text("s3cret\n", encoding="utf-8")
    lookup = credentials_dir_lookup({"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert lookup is not None
    assert lookup("core-2", "password") == "s3cret"  # the newline `echo` adds is not in it
    assert lookup("core-2", "username") is None and lookup(None, "password") is None


def add_schedule(root: Path) -> Unit:
    """A schedule in the project's settings (`worker --schedule` needs one), on a day two weeks
    away, so no tick of it comes during the test; the schedule's unit."""
    settings = root / "playbooks" / "settings.yaml"
    text = settings.read_text(encoding="utf-8") if settings.exists() else ""
    day = (dt.date.today().day + 13) % 28 + 1
    settings.write_text(f'{text}\nschedule:\n  survey: "0 2 {day} * *"\n', encoding="utf-8")
    return Unit.read(UNITS / "govnet-schedule@.service")


@dataclass
class Started:
    unit: Unit
    process: subprocess.Popen[str]


def start_unit(
    unit: Unit, zone: str, root: Path, credentials: Path, overrides: dict[str, str]
) -> Started:
    """The unit's ExecStart in its environment, as systemd runs it (see the module's doc)."""
    env = {"PATH": SYSTEMD_PATH, "LANG": "C.UTF-8", "CREDENTIALS_DIRECTORY": str(credentials)}
    for name in unit.service.get("EnvironmentFile", []):
        env |= read_environment_file(UNITS / Path(name.lstrip("-")).name)  # the example's
    for assignments in unit.service.get("Environment", []):
        for one in shlex.split(expand_specifiers(assignments, zone, credentials)):
            key, _, value = one.partition("=")
            env[key] = value
    env |= overrides
    command = expand_command(expand_specifiers(unit.get("ExecStart"), zone, credentials), env)
    assert command[0] == "/opt/govnet/venv/bin/govnet", command
    process = subprocess.Popen(
        [str(GOVNET), *command[1:]],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=root,
        stdin=subprocess.DEVNULL,
    )
    return Started(unit, process)


def stop_unit(started: Started) -> tuple[int, str, str]:
    """The unit's KillSignal, then its exit within TimeoutStopSec (at most a minute here)."""
    signum = signal.Signals[started.unit.get("KillSignal")]
    started.process.send_signal(signum)
    timeout = min(60.0, float(started.unit.get("TimeoutStopSec")))
    stdout, stderr = started.process.communicate(timeout=timeout)
    return started.process.returncode, stdout, stderr


@dataclass
class PasswordServer:
    url: str  # no password in it
    pgpass: str  # a .pgpass line that gives it


@pytest.fixture
def password_pg(tmp_path: Path) -> Iterator[PasswordServer]:
    """A PostgreSQL of its own that asks for a password, as the province's does (the tests'
    shared server trusts every connection, so a .pgpass would never be read)."""
    bindir = find_pg_bin()
    if bindir is None:
        if os.environ.get("CI") == "true" or os.environ.get("GOVNET_REQUIRE_PG") == "1":
            pytest.fail("PostgreSQL is required here")
        pytest.skip("no PostgreSQL server binaries (apt-get install postgresql)")
    parent = Path(tempfile.mkdtemp(prefix="govnet-pg-"))
    password = secrets.token_hex(8)
    (parent / "pw").write_text(password, encoding="utf-8")
    (parent / "data").mkdir()
    if os.geteuid() == 0:
        for path in (parent, parent / "data", parent / "pw"):
            shutil.chown(path, "postgres")
        parent.chmod(0o755)
    server = PgServer(bindir, parent / "data", _free_port())
    server.start(auth="scram-sha-256", pwfile=parent / "pw")
    try:
        yield PasswordServer(server.url, f"127.0.0.1:{server.port}:*:postgres:{password}\n")
    finally:
        server.stop()


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "county"
    start_lab(root, county="370702", devices=ROUTERS, seed=5, first_port=get_free_port_run(ROUTERS))
    try:
        yield root
    finally:
        stop_lab(root)


@pytest.mark.slow  # its own PostgreSQL, a lab, 2 units and 3 commands: 7 s idle, 30-60 s loaded
@pytest.mark.postgres
def test_the_units_complete_a_campaign_and_stop_cleanly(
    lab: Path, password_pg: PasswordServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg_url = password_pg.url
    env = {k: v for k, v in os.environ.items() if k not in ("PGPASSFILE", "PGPASSWORD")}
    refused = run_govnet(lab, dict(env, GOVNET_DB_URL=pg_url), "db", "status")
    assert refused.returncode == 1 and "no password supplied" in refused.stderr
    operator = tmp_path / "operator.pgpass"  # this test's own ~/.pgpass
    operator.write_text(password_pg.pgpass, encoding="utf-8")
    operator.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(operator))
    zones = put_in_zones(lab)
    user, password = read_credentials(get_lab_paths(lab).credentials)
    credentials = tmp_path / "credentials"  # what LoadCredential= gives the service
    credentials.mkdir()
    worker = Unit.read(UNITS / "govnet-worker@.service")
    schedule = Unit.read(UNITS / "govnet-schedule@.service")
    given = {"GOVNET_USERNAME": user, "GOVNET_PASSWORD": password, "pgpass": password_pg.pgpass}
    for unit in (worker, schedule):  # every credential the units load, and only those
        ids = {c.partition(":")[0] for c in unit.service["LoadCredential"]}
        assert ids == set(given)
    for name, value in given.items():
        (credentials / name).write_text(value, encoding="utf-8")
        (credentials / name).chmod(0o400)  # as systemd leaves them (libpq wants a private file)
    # zone b's collector runs the schedule too, once `govnet worker` has --schedule
    b_unit = worker
    if has_option("worker", "--schedule"):
        b_unit = add_schedule(lab)
    # the test server's, for db.province.example; a loaded test machine's lab may take
    # longer than the example's 10 s to answer an SSH connection (the last option wins)
    options = read_environment_file(UNITS / "govnet.env")["GOVNET_WORKER_OPTS"]
    overrides = {"GOVNET_DB_URL": pg_url, "GOVNET_WORKER_OPTS": f"{options} --connect-timeout 60"}
    started = [
        start_unit(worker, "a", lab, credentials, overrides),
        start_unit(b_unit, "b", lab, credentials, overrides),
    ]
    try:
        env = dict(env, GOVNET_DB_URL=pg_url, PGPASSFILE=str(operator))
        for secret in ("GOVNET_USERNAME", "GOVNET_PASSWORD"):
            env.pop(secret, None)  # starting needs none: only the workers log in
        queued = run_govnet_json(lab, env, "campaign", "start", "--campaign", "deploy")
        assert queued["jobs"] == {"a": ROUTERS // 2, "b": ROUTERS // 2}
        deadline, status = time.monotonic() + 180, "running"
        while status == "running" and time.monotonic() < deadline:
            time.sleep(0.5)
            for one in started:
                if one.process.poll() is not None:
                    pytest.fail(f"a unit's worker exited: {one.process.communicate()[1]}")
            rows = query(pg_url, "SELECT status FROM survey_runs WHERE campaign = 'deploy'")
            status = rows[0][0]
        assert status == "complete"
    finally:
        stopped = [stop_unit(s) for s in started]
    for code, _, stderr in stopped:
        assert code == 0, stderr
        assert "Traceback" not in stderr
    logs = "\n".join(s[2] for s in stopped)
    written = [int(re.findall(r"worker stopped: (\d+) hosts written", s[1])[0]) for s in stopped]
    assert sum(written) == ROUTERS
    assert sorted(snapshot_hosts(pg_url, "deploy")) == sorted(zones)  # each host once
    done = run_govnet_json(lab, env, "campaign", "status", "--campaign", "deploy")
    assert [(z["zone"], z["done"], z["failed"]) for z in done["zones"]] == [
        ("a", ROUTERS // 2, {}),
        ("b", ROUTERS // 2, {}),
    ], logs


def test_the_schedule_unit_runs_the_schedule() -> None:
    """govnet-schedule@ passes --schedule, which `govnet worker` must know."""
    unit = Unit.read(UNITS / "govnet-schedule@.service")
    assert "--schedule" in shlex.split(unit.get("ExecStart"))
    if not has_option("worker", "--schedule"):
        pytest.skip("`govnet worker --schedule` is not on this branch yet: its unit was not run")
