"""How a campaign worker (:func:`govnet.survey.jobs.run_worker`) takes signals, and a job
taken back from it by another worker: kept apart from jobs.py, which holds the jobs."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from typing import Any

from procrastinate.exceptions import ConnectorException

logger = logging.getLogger("govnet.survey.jobs")

_NOT_DOING = 'not in "doing" or "todo" status'  # procrastinate_finish_job's refusal


def on_taken_back(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A job this worker ended had been put back meanwhile: on a machine so loaded that its
    heartbeat fell behind the lease, another worker took the job as stalled (and found its
    host written, or wrote it: once either way). procrastinate then cannot mark it done here
    and leaves the error to asyncio, which would print it as a traceback: one line instead."""
    exc = context.get("exception")
    if isinstance(exc, ConnectorException) and _NOT_DOING in str(exc.__cause__):
        logger.warning(
            "%s: taken back by another worker meanwhile (this worker's heartbeat was older"
            " than the lease); its host is written once",
            getattr(context.get("future"), "get_name", lambda: "a job")(),
        )
        return
    loop.default_exception_handler(context)


class StopOnSignals:
    """SIGTERM or Ctrl-C stops the worker once, its jobs in flight ending first (procrastinate
    cancels the worker's task gracefully); a second Ctrl-C interrupts at once, a second
    SIGTERM changes nothing. procrastinate's own handlers stop one ``run_worker_async`` and then
    restore the previous ones, so the ``until_idle`` loop would start again and a repeated
    SIGTERM (a supervisor passing a terminal's Ctrl-C on) would kill the worker mid-job.
    An ignored Ctrl-C stays ignored (a worker process of ``--processes`` leaves it to its
    parent). Off the main thread nothing is installed: procrastinate's default applies."""

    def __init__(self) -> None:
        self.requested = False
        self.task: asyncio.Task[None] | None = None
        self.signals: list[int] = []
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        self.signals = [signal.SIGTERM]
        if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            self.signals.append(signal.SIGINT)
        for sig in self.signals:
            loop.add_signal_handler(sig, self.stop)

    @property
    def installed(self) -> bool:
        return bool(self.signals)

    def stop(self) -> None:
        if self.requested:
            return
        self.requested = True
        if signal.SIGINT in self.signals:  # a second Ctrl-C: KeyboardInterrupt, at once
            asyncio.get_running_loop().remove_signal_handler(signal.SIGINT)
            self.signals.remove(signal.SIGINT)
            signal.signal(signal.SIGINT, signal.default_int_handler)
        if self.task is not None:
            self.task.cancel()  # procrastinate: stop taking jobs, let those in flight end

    def uninstall(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in self.signals:
            loop.remove_signal_handler(sig)
        self.signals = []
