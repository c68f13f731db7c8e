"""Run govnet as the user does: a fresh process, in a project folder, with an environment."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def run_govnet(
    root: Path, env: Mapping[str, str], *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from govnet.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(env),
        cwd=root,
        stdin=subprocess.DEVNULL,
    )


def run_govnet_at_terminal(
    root: Path, env: Mapping[str, str], *args: str, typed: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """govnet with a terminal as its stdin (a pseudo-terminal, as an engineer at the
    console has), on which ``typed`` was typed ahead: each line answers one prompt."""
    typist, terminal = pty.openpty()
    try:
        os.write(typist, typed.encode())
        return subprocess.run(
            [sys.executable, "-c", "from govnet.cli import main; main()", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=dict(env),
            cwd=root,
            stdin=terminal,
        )
    finally:
        os.close(terminal)
        os.close(typist)


def run_govnet_json(root: Path, env: Mapping[str, str], *args: str) -> Any:
    """The JSON a command prints with --json; the command must succeed."""
    done = run_govnet(root, env, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def start_govnet(root: Path, env: Mapping[str, str], *args: str) -> subprocess.Popen[str]:
    """govnet started, not waited for: collectors that run at the same time."""
    return subprocess.Popen(
        [sys.executable, "-c", "from govnet.cli import main; main()", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(env),
        cwd=root,
        stdin=subprocess.DEVNULL,
    )
