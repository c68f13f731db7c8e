"""Whether a process still runs: for the lab's pidfile and for survey runs of a dead process."""

from __future__ import annotations

import os
import sys
from pathlib import Path

STILL_ACTIVE = 259  # Windows: GetExitCodeProcess of a process that has not exited


def is_running(pid: int) -> bool:
    """Whether the process exists and is not a zombie (exited, waiting to be reaped).

    >>> is_running(os.getpid())
    True
    """
    if sys.platform == "win32":  # os.kill(pid, 0) there sends Ctrl-C: ask the kernel instead
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        try:
            ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel32.CloseHandle(handle)
        return bool(ok) and code.value == STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"
