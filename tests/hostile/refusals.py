"""Running govnet as an attacker would, and what a refusal must look like: one line on
stderr starting ``error:``, a non-zero exit, never a traceback, within memory and time."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path


def run_limited(
    root: Path, env: dict[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """govnet with 2 GiB of address space and a deadline: an attack that would eat the
    machine's memory or hang fails the test instead."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run(
        [sys.executable, "-c", "from govnet.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=root,
        stdin=subprocess.DEVNULL,
        preexec_fn=limit,
    )


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr, done.stderr
    assert "Traceback" not in done.stdout, done.stdout


def one_error(done: subprocess.CompletedProcess[str]) -> str:
    """The one error line of a refused command (non-zero, no traceback)."""
    assert done.returncode != 0, (done.stdout, done.stderr)
    no_traceback(done)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]
