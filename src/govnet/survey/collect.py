"""Read one router over SSH: log in with netmiko, run the collector commands, keep the bytes.

netmiko opens the session (paramiko, authentication, each vendor's login quirks: Huawei's
password-change question, Comware's "press Y to continue" banner). Commands then go through a
lean reader on the same channel, tuned from measurements against the lab (see
benchmarks/survey.py): blocking reads instead of netmiko's sleep-and-poll loop, the echoed
command as the start and the device's own prompt (learnt from its answer to the paging-off
command, so a sysname that differs from the inventory hostname is no problem) as the end of
each answer, and no polite disconnect (netmiko's Huawei/Comware cleanup waits ~2 s for
silence). It costs about half the CPU of netmiko's send_command per device.

Output stays bytes until the end, then is decoded: UTF-8 when it is valid UTF-8, else GB18030
(a superset of the GBK many Chinese-language devices send). The choice is kept per output.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from paramiko.ssh_exception import AuthenticationException, SSHException

from govnet.model.access import Credentials as Credentials  # re-exported: callers import it here
from govnet.model.redact import scrub
from govnet.platforms import SessionSpec

# paramiko logs a traceback for every device that never sends its SSH banner; the survey
# records those failures itself, so keep them off the operator's terminal
logging.getLogger("paramiko").addHandler(logging.NullHandler())


ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]| \x1b\[1D")
TAIL = 512  # bytes from the end of the buffer where the prompt is looked for


# What device text may not carry into the store or onto a terminal: escape sequences (CSI:
# colours, cursor moves, clearing the screen; OSC: window titles, hyperlinks; the two-byte
# others), then any other C0 control but tab and line ends, DEL and the C1 controls.
CONTROL_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b\n]{0,512}(?:\x07|\x1b\\)"
    r"|\x1b[ -/]*[0-~]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)
CONTROL_NAMES = {"\x00": "NUL", "\x1b": "ESC", "\x7f": "DEL", "\x9b": "CSI"}
_ANY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # every sequence starts so


def remove_controls(text: str) -> tuple[str, str | None]:
    """The text without control bytes and escape sequences, and a note of what went (None
    when nothing did): NUL aborts a PostgreSQL insert, ESC sequences drive a terminal.

    >>> remove_controls("Gi0/1\\x00 up\\x1b]0;pwned\\x07\\x1b[2J\\tok\\r\\n")
    ('Gi0/1 up\\tok\\r\\n', '3 control sequences removed (2 ESC, 1 NUL)')
    >>> remove_controls("区政府\\n")
    ('区政府\\n', None)
    """
    if not _ANY_CONTROL.search(text):  # the usual case: one scan (8 ms a MB, not 65)
        return text, None
    found: Counter[str] = Counter()

    def drop(match: re.Match[str]) -> str:
        found[CONTROL_NAMES.get(match.group()[0], f"U+{ord(match.group()[0]):04X}")] += 1
        return ""

    cleaned = CONTROL_SEQUENCES.sub(drop, text)
    if not found:
        return text, None
    kinds = ", ".join(f"{n} {name}" for name, n in sorted(found.items()))
    total = sum(found.values())
    return cleaned, f"{total} control sequence{'s' if total > 1 else ''} removed ({kinds})"


class ErrorCategory(StrEnum):
    AUTH = "auth"
    TIMEOUT = "timeout"
    REFUSED = "refused"
    DISCONNECTED = "disconnected"
    PARSE = "parse"
    UNSUPPORTED_PLATFORM = "unsupported_platform"
    NO_OUTPUT = "no_output"  # offline: nothing saved, or an empty or cut-off file
    STORE = "store"  # the store refused the host's record (kept as failed, with the reason)
    CANCELLED = "cancelled"  # its queued job was cancelled (`govnet campaign cancel`)
    UNKNOWN = "unknown"


class HostStatus(StrEnum):
    OK = "ok"
    PARTIAL = "partial"  # logged in, but some commands failed or were not understood
    FAILED = "failed"


@dataclass(frozen=True)
class RawText:
    text: str
    encoding: str  # utf-8 or gb18030
    note: str | None = field(default=None, compare=False, repr=False)  # what decoding removed

    @classmethod
    def from_bytes(cls, data: bytes) -> RawText:
        """Decode device output: UTF-8 if it is valid UTF-8, else GB18030, never an error;
        control bytes and escape sequences removed (:func:`remove_controls`, noted).

        >>> RawText.from_bytes("区政府".encode("utf-8"))
        RawText(text='区政府', encoding='utf-8')
        >>> RawText.from_bytes("区政府".encode("gbk"))
        RawText(text='区政府', encoding='gb18030')
        >>> RawText.from_bytes(b"Gi0/1\\x00\\n").note
        '1 control sequence removed (1 NUL)'
        """
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = data.decode("gb18030", "replace"), "gb18030"
        text, note = remove_controls(text)
        return cls(text, encoding, note)


@dataclass(frozen=True)
class Budget:
    """Time limits for one host, in seconds."""

    connect: float = 10.0  # TCP + SSH banner + authentication, each
    command: float = 30.0  # one command's whole output, however it trickles in
    host: float = 300.0  # the whole host, login to the last command: then it is cut off


@dataclass(frozen=True)
class Target:
    name: str
    address: str
    port: int
    platform: str


@dataclass
class Collected:
    """What one host gave: outputs per command, and the first error that stopped it."""

    outputs: dict[str, RawText] = field(default_factory=dict)
    error: ErrorCategory | None = None
    message: str | None = None


def collect_host(
    target: Target,
    session: SessionSpec | None,
    commands: list[str],
    credentials: Credentials,
    budget: Budget = Budget(),
    is_stopped: Callable[[], bool] = lambda: False,
    followups: Callable[[dict[str, str]], list[str]] | None = None,
) -> Collected:
    """Log in, run every command (then the ``followups`` the first answers call for, e.g. a
    routing table per VPN instance), close; never raises for anything the device does."""
    result = Collected()
    if session is None:
        result.error = ErrorCategory.UNSUPPORTED_PLATFORM
        result.message = (
            f"no live session settings for platform {target.platform!r}"
            " (session: in collectors/<platform>/platform.yaml)"
        )
        return result
    conn: Any = None
    watchdog = _Watchdog(budget.host)
    try:
        credentials = credentials.for_host(target.name)
        conn = connect(target, credentials, budget, session.device_type)
        watchdog.watch(conn)
        reader = Cli(conn.remote_conn, budget.command)
        reader.start(session, credentials.secret or credentials.password)
        pending = list(commands)
        while pending and not is_stopped():
            command = pending.pop(0)
            result.outputs[command] = RawText.from_bytes(reader.run(command))
            if not pending and followups is not None:
                texts = {c: raw.text for c, raw in result.outputs.items()}
                pending = [c for c in followups(texts) if c not in result.outputs]
                followups = None
    except Exception as exc:
        result.error = get_error_category(exc, connected=conn is not None)
        result.message = scrub(get_error_message(exc), credentials.get_secrets())
    finally:
        watchdog.cancel()
        if conn is not None:
            close_quickly(conn)
    if watchdog.fired:
        result.error = ErrorCategory.TIMEOUT
        result.message = f"cut off: the host took more than its {budget.host:.0f} s budget"
    return result


class _Watchdog:
    """Closes a host's SSH session from outside when its whole-host budget runs out, so a
    device that stalls or trickles cannot hold a worker, a thread or a socket.

    One thread (:class:`_Deadlines`) watches every host's budget: a timer thread per host
    cost a thread start per router, a few per cent of a survey's CPU."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._lock = threading.Lock()  # held while it fires: cancel() waits for the close
        self._conn: Any = None

    def watch(self, conn: Any) -> None:
        self._conn = conn
        _DEADLINES.add(time.monotonic() + self.seconds, self._fire)

    def cancel(self) -> None:
        with self._lock:
            self._conn = None  # its call stays queued until its time: without the session

    def _fire(self) -> None:
        with self._lock:
            if self._conn is not None:
                self.fired = True
                close_quickly(self._conn)
                self._conn = None


class _Deadlines:
    """Calls each function given at its time, from one daemon thread started when first
    needed (again in a forked process, which does not inherit it). A cancelled watchdog
    stays queued until its time, a few dozen bytes without its session: one per host
    surveyed within a budget's span."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._count = itertools.count()
        self._changed = threading.Condition()
        self._pid: int | None = None

    def add(self, when: float, call: Callable[[], None]) -> None:
        with self._changed:
            if self._pid != os.getpid():
                self._heap.clear()
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="govnet-watchdog", daemon=True).start()
            heapq.heappush(self._heap, (when, next(self._count), call))
            if self._heap[0][2] is call:
                self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    wait = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._changed.wait(wait)
                _, _, call = heapq.heappop(self._heap)
            with contextlib.suppress(Exception):
                call()


_DEADLINES = _Deadlines()


class _Searcher(Protocol):
    def search(self, data: bytes | bytearray, pos: int = 0, /) -> re.Match[bytes] | None: ...


class _AnyOf:
    """The first of several patterns found (prompts and questions have their own flags)."""

    def __init__(self, patterns: list[re.Pattern[bytes]]) -> None:
        self.patterns = patterns

    def search(self, data: bytes | bytearray, pos: int = 0, /) -> re.Match[bytes] | None:
        return next((m for p in self.patterns if (m := p.search(data, pos))), None)


def connect(
    target: Target, credentials: Credentials, budget: Budget, device_type: str | None = None
) -> Any:
    """A logged-in netmiko connection (its channel is what :class:`Cli` drives), as netmiko's
    ``device_type`` (the platform's name unless its session says another); the host's own
    credentials and SSH options (key, agent, ssh_config and its jump hosts, legacy
    algorithms: :mod:`govnet.survey.ssh`)."""
    from netmiko import ConnectHandler

    from govnet.survey.ssh import get_disabled_algorithms, get_route, get_transport_factory

    credentials = credentials.for_host(target.name)
    route = get_route(target, credentials, budget)
    try:
        conn = ConnectHandler(
            device_type=device_type or target.platform,
            host=route.host,
            port=route.port,
            username=credentials.username,
            password=credentials.password or None,
            conn_timeout=budget.connect,
            auth_timeout=budget.connect,
            banner_timeout=budget.connect,
            encoding="latin-1",
            fast_cli=True,
            allow_agent=credentials.agent,
            use_keys=route.key_file is not None,
            key_file=route.key_file,
            passphrase=credentials.passphrase,
            disabled_algorithms=get_disabled_algorithms(credentials.legacy),
            sock=route.sock,
            system_host_keys=False,
            alt_host_keys=False,
            auto_connect=False,
        )
    except BaseException:
        route.close()
        raise
    conn._govnet_route = route  # type: ignore[attr-defined]  # closed by close_quickly
    if credentials.legacy:
        params = conn._connect_params_dict
        factory = get_transport_factory(credentials.legacy)
        conn._connect_params_dict = lambda: {**params(), "transport_factory": factory}  # type: ignore[method-assign]
    conn._modify_connection_params()
    try:
        conn.establish_connection(width=511, height=1000)
    except BaseException:
        close_quickly(conn)
        raise
    return conn


class Cli:
    """Commands on an open channel: send, read to the prompt, cut echo and prompt."""

    def __init__(self, channel: Any, timeout: float) -> None:
        self.channel = channel
        self.timeout = timeout
        self.prompt: re.Pattern[bytes] | None = None
        self.any_prompt: re.Pattern[bytes] | None = None

    def start(self, session: SessionSpec, secret: str) -> bytes:
        """Turn paging off (enable first on IOS); the device's prompt, learnt from its answer."""
        pattern = session.prompt.encode()
        any_prompt = re.compile(rb"(?m)^(" + pattern + rb")[ \t]*\Z")
        self.any_prompt = any_prompt
        if session.enable:
            answer = self._exchange(b"", any_prompt)  # the greeting, to see the mode
            if answer.rstrip().endswith(b">"):
                self.channel.sendall(b"enable\n")
                self._read_until(re.compile(rb"[Pp]assword:\s*\Z"), b"")
                self.channel.sendall(secret.encode() + b"\n")
                answer = self._read_until(any_prompt, b"")
                if not answer.rstrip().endswith(b"#"):
                    raise PermissionError("enable refused: wrong secret (GOVNET_SECRET)")
        answer = b""
        for command in session.paging_off:
            answer = self._exchange(command.encode(), any_prompt)
        match = any_prompt.search(answer)
        assert match is not None  # _read_until returned on it
        prompt = match.group(1)
        self.prompt = re.compile(rb"(?m)^" + re.escape(prompt) + rb"[ \t]*\Z")
        return prompt

    def run(self, command: str) -> bytes:
        """One command's output, without echo and prompt, lines ending in \\n."""
        assert self.prompt is not None
        raw = self._exchange(command.encode(), self.prompt)
        body = raw[: self.prompt.search(raw, max(0, len(raw) - TAIL)).start()]  # type: ignore[union-attr]
        return ANSI.sub(b"", body).replace(b"\r\n", b"\n").replace(b"\r", b"").strip(b"\n") + (
            b"\n" if body.strip() else b""
        )

    def send(self, line: str, questions: Mapping[str, str] = {}) -> str:
        """One line in any mode (configuration views change the prompt); the questions the
        device asks on the way are answered. The answer, without echo and prompt."""
        assert self.any_prompt is not None
        asked = [(re.compile(q.encode()), a.encode()) for q, a in questions.items()]
        ends = _AnyOf([self.any_prompt, *(q for q, _ in asked)])
        raw = self._exchange(line.encode(), ends)
        answered = 0
        while answered < 5:
            question = next((a for q, a in asked if q.search(raw[-TAIL:])), None)
            if question is None:
                break
            answered += 1
            self.channel.sendall(question + b"\n")
            raw += self._read_until(ends, b"")
        match = self.any_prompt.search(raw, max(0, len(raw) - TAIL))
        body = raw[: match.start()] if match else raw
        text = ANSI.sub(b"", body).replace(b"\r\n", b"\n").replace(b"\r", b"")
        return RawText.from_bytes(text.strip(b"\n")).text

    def _exchange(self, command: bytes, prompt: _Searcher) -> bytes:
        """Send a command (b"": just read what is waiting); what follows its echo."""
        if command:
            self.channel.sendall(command + b"\n")
        return self._read_until(prompt, command)

    def _read_until(self, prompt: _Searcher, echo: bytes) -> bytes:
        deadline = time.monotonic() + self.timeout
        buffer = bytearray()
        start = 0 if not echo else -1
        while True:
            left = deadline - time.monotonic()
            try:
                if left <= 0:  # a device that trickles never lets recv time out
                    raise TimeoutError
                self.channel.settimeout(left)
                data = self.channel.recv(65536)
            except TimeoutError:
                raise TimeoutError(
                    f"no prompt after {self.timeout:.0f} s"
                    + (f" ({echo.decode(errors='replace')})" if echo else "")
                ) from None
            if not data:
                raise EOFError("connection closed by the device")
            buffer += data
            if start < 0:
                found = buffer.find(echo)
                if found < 0:
                    continue
                end = buffer.find(b"\n", found)
                if end < 0:
                    continue
                start = end + 1
            if prompt.search(buffer, max(start, len(buffer) - TAIL)):
                return bytes(buffer[start:])


def get_error_category(exc: BaseException, connected: bool) -> ErrorCategory:
    """The category an operator acts on: fix credentials, reachability, or the device."""
    from netmiko.exceptions import (
        NetmikoAuthenticationException,
        NetmikoTimeoutException,
        ReadException,
        ReadTimeout,
    )

    if isinstance(exc, (NetmikoAuthenticationException, AuthenticationException)):
        return ErrorCategory.AUTH  # the device's or a jump host's (govnet.survey.ssh)
    if isinstance(exc, ConnectionRefusedError) or "refused" in str(exc).lower():
        return ErrorCategory.REFUSED
    if isinstance(exc, (NetmikoTimeoutException, ReadTimeout, TimeoutError, socket.timeout)):
        return ErrorCategory.TIMEOUT
    if isinstance(exc, (EOFError, ConnectionResetError, BrokenPipeError, ReadException)):
        return ErrorCategory.DISCONNECTED
    if isinstance(exc, (SSHException, OSError)):
        return ErrorCategory.DISCONNECTED if connected else ErrorCategory.REFUSED
    return ErrorCategory.UNKNOWN


def get_error_message(exc: BaseException) -> str:
    """One line: netmiko's messages run to paragraphs of advice."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    first = re.split(r"(?<=[.!])\s", text, maxsplit=1)[0]
    return f"{type(exc).__name__}: {first[:300]}"


def close_quickly(conn: Any) -> None:
    """Close the SSH session without netmiko's cleanup (it waits for silence on Huawei)."""
    for part in ("remote_conn", "remote_conn_pre", "_govnet_route"):
        closer = getattr(getattr(conn, part, None), "close", None)
        if closer is not None:
            with contextlib.suppress(Exception):
                closer()
