"""A throwaway PostgreSQL server for the store tests (Debian's postgresql package).

Started once per test session on 127.0.0.1 with a free port, as the ``postgres`` user when
running as root (the server refuses root), in a temporary data folder removed afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def find_pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class PgServer:
    bindir: Path
    datadir: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)

    def start(self, auth: str = "trust", pwfile: Path | None = None) -> None:
        """``auth`` as initdb -A takes it; a password method needs the superuser's ``pwfile``."""
        self._run(
            "initdb",
            "-D",
            str(self.datadir),
            "-A",
            auth,
            *([f"--pwfile={pwfile}"] if pwfile else []),
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C",
        )
        opts = f"-h 127.0.0.1 -p {self.port} -k {self.datadir} -F -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.datadir),
            "-o",
            opts,
            "-w",
            "-t",
            "60",
            "-l",
            str(self.datadir / "server.log"),
            "start",
        )

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.datadir.parent, ignore_errors=True)


def start_server() -> PgServer:
    bindir = find_pg_bin()
    if bindir is None:
        raise FileNotFoundError("no PostgreSQL server binaries (apt-get install postgresql)")
    parent = Path(tempfile.mkdtemp(prefix="govnet-pg-"))
    datadir = parent / "data"
    datadir.mkdir()
    if os.geteuid() == 0:
        shutil.chown(parent, "postgres")
        shutil.chown(datadir, "postgres")
        os.chmod(parent, 0o755)
    server = PgServer(bindir, datadir, _free_port())
    try:
        server.start()
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(parent, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {exc.stderr or exc.stdout}") from None
    return server
