"""What the survey saves per host and per process (see benchmarks/survey.py), checked for
behaviour: one watchdog thread for every host's budget, compiled templates shared between
threads but never used by two at once, worker processes that do not run the main script."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

from govnet.platforms.compile import TolerantFSM, using_template
from govnet.survey.collect import _Watchdog

TEMPLATE = """Value NAME (\\S+)
Value STATE (up|down)

Start
  ^${NAME}\\s+${STATE} -> Record
  ^. -> Error
"""


class Conn:
    """A session as close_quickly sees it: its channel's close() counted."""

    def __init__(self) -> None:
        self.closed = threading.Event()
        self.remote_conn = self

    def close(self) -> None:
        self.closed.set()


def watchdog_threads() -> int:
    return sum(t.name == "govnet-watchdog" for t in threading.enumerate())


def test_a_budget_that_runs_out_closes_its_session_and_one_cancelled_never_does() -> None:
    watchdogs = [_Watchdog(0.3) for _ in range(50)]
    conns = [Conn() for _ in watchdogs]
    for watchdog, conn in zip(watchdogs, conns, strict=True):
        watchdog.watch(conn)
    for watchdog in watchdogs[1:]:
        watchdog.cancel()  # their hosts ended in time
    assert conns[0].closed.wait(5)
    assert watchdogs[0].fired
    time.sleep(0.5)  # past every deadline
    assert not any(
        c.closed.is_set() or w.fired for w, c in zip(watchdogs[1:], conns[1:], strict=True)
    )
    assert watchdog_threads() == 1  # not a thread per host


def test_an_earlier_deadline_given_later_is_kept() -> None:
    """The thread sleeping until a far deadline wakes for a nearer one."""
    far, near = _Watchdog(30), _Watchdog(0.2)
    far_conn, near_conn = Conn(), Conn()
    far.watch(far_conn)
    near.watch(near_conn)
    try:
        assert near_conn.closed.wait(5) and near.fired
        assert not far_conn.closed.is_set()
    finally:
        far.cancel()


def test_templates_in_use_at_once_are_distinct_and_reused_after(tmp_path: Path) -> None:
    path = tmp_path / "status.textfsm"
    path.write_text(TEMPLATE, encoding="utf-8")
    with using_template(path) as first, using_template(path) as second:
        assert first is not second  # two parses at once never share parse state
        rows_first = first.ParseText("Gi0/1 up\nnoise here\n")
        rows_second = second.ParseText("Gi0/2 down\n")
    assert (rows_first, first.skipped) == ([["Gi0/1", "up"]], ["noise here"])
    assert rows_second == [["Gi0/2", "down"]]
    with using_template(path) as again:
        assert again in (first, second)  # taken from the pool, reset
        assert again.skipped == []
        assert again.ParseText("Gi0/3 up\n") == [["Gi0/3", "up"]]
    fresh: Any = TolerantFSM(path.open(encoding="utf-8"))
    assert fresh.ParseText("Gi0/3 up\n") == [["Gi0/3", "up"]]


def test_survey_processes_do_not_run_the_main_script_again(tmp_path: Path) -> None:
    """multiprocessing would import ``govnet``'s script (the whole CLI) in each process."""
    marker = tmp_path / "imported"
    script = tmp_path / "main.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import os
            from pathlib import Path
            if __name__ != "__main__":  # imported again in a new process
                Path({str(marker)!r}).write_text(str(os.getpid()))
            if __name__ == "__main__":
                from govnet.survey.processes import get_fork_server, start_processes
                process = get_fork_server().Process(target=os.getpid)
                start_processes([process])
                process.join(60)
                print(process.exitcode)
            """
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "0", done.stderr
    assert not marker.exists()
