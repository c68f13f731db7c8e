"""One SSH shell on a simulated router: prompts, modes, echo and paging.

The session is a pure state machine (text in, chunks out) so the server can apply faults
(delay, drop, GBK) per chunk and the behaviour can be tested without a socket. It echoes
input itself, byte for byte, because netmiko relies on echo and output arriving in order.
Command output comes from the renderer; configuration lines go to a configuration session.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import Enum

from govnet_lab.configure import ConfigSession, ExecInConfig
from govnet_lab.model import Device, Platform
from govnet_lab.render import UnknownCommand, render

PAGE_LINES = 24


class ChunkKind(Enum):
    ECHO = "echo"  # the user's own keystrokes (and the newline that ends a command)
    OUTPUT = "output"  # a command's answer (or its first page); the server may delay it
    PAGE = "page"  # more prompts, their erasure and the pages after the first
    PROMPT = "prompt"


@dataclass(frozen=True)
class Chunk:
    kind: ChunkKind
    text: str


class Mode(Enum):
    USER = "user"  # Huawei/H3C user view, IOS user EXEC
    ENABLE = "enable"  # IOS privileged EXEC
    CONFIG = "config"
    PASSWORD = "password"  # IOS `enable` waiting for the secret
    CONFIRM = "confirm"  # Huawei `save` waiting for y/n


# How each vendor asks for and erases the next page.
MORE = {
    Platform.HUAWEI: ("  ---- More ----", "\x1b[42D" + " " * 42 + "\x1b[42D"),
    Platform.COMWARE: ("---- More ----", "\x1b[16D" + " " * 16 + "\x1b[16D"),
    Platform.IOS: (" --More-- ", "\b" * 9 + " " * 9 + "\b" * 9),
}

SYSTEM_VIEW = {
    Platform.HUAWEI: "Enter system view, return user view with Ctrl+Z.",
    Platform.COMWARE: "System View: return to User View with Ctrl+Z.",
}
IOS_CONFIG = "Enter configuration commands, one per line.  End with CNTL/Z."
HUAWEI_SCREEN_LENGTH = (
    "Info: The configuration takes effect on the current user terminal interface only."
)
IOS_INVALID = "% Invalid input detected at '^' marker."
# What saving the configuration prints (the lab keeps no startup configuration).
HUAWEI_SAVE_QUESTION = (
    "The current configuration will be written to the device.\nAre you sure to continue? (y/n)[n]:"
)
SAVED = {
    Platform.HUAWEI: (
        "It will take several minutes to save configuration file, please wait.........\n"
        "Configuration file had been saved successfully\n"
        "Note: The configuration file will take effect after being activated\n"
    ),
    Platform.COMWARE: (
        "Validating file. Please wait...\n"
        "Saved the current configuration to mainboard device successfully.\n"
    ),
    Platform.IOS: "Building configuration...\n[OK]\n",
}


def get_login_banner(device: Device) -> str:
    """What the device prints between login and the first prompt."""
    if device.platform is Platform.HUAWEI:
        return (
            "\r\n\r\nInfo: The max number of VTY users is 5, and the number\r\n"
            "      of current VTY users on line is 1.\r\n"
            "      The current login time is 2026-01-05 09:30:00+08:00.\r\n"
        )
    if device.platform is Platform.COMWARE:
        star = "*" * 78
        return (
            f"\r\n{star}\r\n"
            "* Copyright (c) 2004-2021 New H3C Technologies Co., Ltd. All rights reserved.*\r\n"
            "* Without the owner's prior written consent,                                 *\r\n"
            "* no decompiling or reverse-engineering shall be allowed.                    *\r\n"
            f"{star}\r\n\r\n"
        )
    return "\r\n"


def to_crlf(text: str) -> str:
    """Output as devices send it: every line ending in CR LF, none left open."""
    if not text:
        return ""
    return "".join(line + "\r\n" for line in text.splitlines())


class Session:
    """The CLI state of one shell; ``feed`` takes keystrokes and returns what to send."""

    def __init__(
        self,
        device: Device,
        secret: str,
        *,
        page_lines: int = PAGE_LINES,
    ) -> None:
        self.device = device
        self.platform = device.platform
        self._secret = secret
        self.page_lines = page_lines  # 0: paging off (the session disabled it)
        self.mode = Mode.USER
        self.closed = False
        self._config: ConfigSession | None = None
        self._buffer: list[str] = []
        self._after_cr = False
        self._pending: list[str] = []  # lines still behind a More prompt

    # --- what is shown ------------------------------------------------------------------

    @property
    def prompt(self) -> str:
        name = self.device.sysname
        if self.mode is Mode.CONFIG and self._config is not None:
            return self._config.prompt
        if self.mode is Mode.PASSWORD:
            return "Password: "
        if self.mode is Mode.CONFIRM:
            return ""
        if self.platform is Platform.IOS:
            return f"{name}#" if self.mode is Mode.ENABLE else f"{name}>"
        return f"<{name}>"

    @property
    def paging(self) -> bool:
        return bool(self._pending)

    def get_greeting(self) -> list[Chunk]:
        """The banner and first prompt, sent as soon as the shell opens."""
        return [Chunk(ChunkKind.OUTPUT, get_login_banner(self.device)), self._prompt_chunk()]

    # --- input --------------------------------------------------------------------------

    def feed(self, data: str) -> list[Chunk]:
        """Process keystrokes; return echo, output and prompts in the order a device sends."""
        chunks: list[Chunk] = []
        for char in data:
            if self.closed:
                break
            if self._pending:
                chunks.extend(self._page_key(char))
                continue
            if char == "\n" and self._after_cr:
                self._after_cr = False
                continue
            self._after_cr = char == "\r"
            if char in "\r\n":
                chunks.extend(self._end_line())
            elif char in "\x7f\b":
                if self._buffer:
                    self._buffer.pop()
                    if self.mode is not Mode.PASSWORD:
                        chunks.append(Chunk(ChunkKind.ECHO, "\b \b"))
            elif char == "\x03":  # Ctrl-C: abandon the line
                self._buffer.clear()
                chunks.extend([Chunk(ChunkKind.ECHO, "^C\r\n"), self._prompt_chunk()])
            elif char == "\x1a":  # Ctrl-Z: back to user view / privileged EXEC
                self._buffer.clear()
                if self.mode is Mode.CONFIG:
                    self._leave_config()
                chunks.extend([Chunk(ChunkKind.ECHO, "^Z\r\n"), self._prompt_chunk()])
            elif char == "\t" or (char < " " and char != "\x1b"):
                continue
            else:
                self._buffer.append(char)
                if self.mode is not Mode.PASSWORD:
                    chunks.append(Chunk(ChunkKind.ECHO, char))
        return _merge(chunks)

    def run(self, command: str) -> str:
        """One command's output with no echo or prompt (an SSH exec request)."""
        return "".join(c.text for c in self._execute(command) if c.kind is ChunkKind.OUTPUT)

    # --- internals ----------------------------------------------------------------------

    def _prompt_chunk(self) -> Chunk:
        return Chunk(ChunkKind.PROMPT, self.prompt)

    def _end_line(self) -> list[Chunk]:
        line = "".join(self._buffer)
        self._buffer.clear()
        chunks = [Chunk(ChunkKind.ECHO, "\r\n")]
        if self.mode is Mode.PASSWORD:
            chunks.extend(self._check_secret(line))
        elif self.mode is Mode.CONFIRM:
            self.mode = Mode.USER
            if line.strip().lower() in ("y", "yes"):
                chunks.append(self._output(SAVED[self.platform]))
        else:
            chunks.extend(self._execute(line.strip()))
        if not self.closed and not self._pending:
            chunks.append(self._prompt_chunk())
        return chunks

    def _check_secret(self, given: str) -> list[Chunk]:
        if secrets.compare_digest(given.encode(), self._secret.encode()):
            self.mode = Mode.ENABLE
            return []
        self.mode = Mode.USER
        return [Chunk(ChunkKind.OUTPUT, "% Bad secrets\r\n\r\n")]

    def _execute(self, line: str) -> list[Chunk]:
        if not line:
            return []
        words = line.split()
        if self.mode is Mode.CONFIG:
            return self._execute_config(line)
        handled = self._session_command(words)
        if handled is not None:
            return handled
        return self._show(line)

    def _session_command(self, words: list[str]) -> list[Chunk] | None:
        """Commands about the session itself rather than the device; None if not one."""
        first = words[0].lower()
        text = " ".join(w.lower() for w in words)
        if self.platform is Platform.IOS:
            if first in ("exit", "logout", "quit") and len(words) == 1:
                self.closed = True
                return []
            if _abbreviates(first, "enable", 2) and len(words) == 1:
                if self.mode is Mode.ENABLE:
                    return []
                self.mode = Mode.PASSWORD
                return []
            if _abbreviates(first, "disable", 4) and len(words) == 1:
                self.mode = Mode.USER
                return []
            if len(words) >= 2 and _abbreviates(first, "configure", 4):
                if self.mode is not Mode.ENABLE or not _abbreviates(
                    words[1].lower(), "terminal", 1
                ):
                    return [self._output(_invalid_marker(self.prompt, len(words[0]) + 1))]
                return self._enter_config(IOS_CONFIG)
            if self.mode is Mode.ENABLE and text in ("write memory", "write", "copy run start"):
                return [self._output(SAVED[self.platform])]
            if len(words) == 3 and _abbreviates(first, "terminal", 3):
                if _abbreviates(words[1].lower(), "length", 3) and words[2].isdigit():
                    self.page_lines = int(words[2])
                    return [self._output("")]
                if _abbreviates(words[1].lower(), "width", 3) and words[2].isdigit():
                    return [self._output("")]
            return None
        if text == "quit":
            self.closed = True
            return []
        if self.platform is Platform.HUAWEI and text == "save":
            self.mode = Mode.CONFIRM
            return [Chunk(ChunkKind.OUTPUT, HUAWEI_SAVE_QUESTION.replace("\n", "\r\n"))]
        if self.platform is Platform.COMWARE and text == "save force":
            return [self._output(SAVED[self.platform])]
        if len(words) == 1 and _abbreviates(first, "system-view", 3):
            return self._enter_config(SYSTEM_VIEW[self.platform])
        if self.platform is Platform.HUAWEI and text == "screen-length 0 temporary":
            self.page_lines = 0
            return [self._output(HUAWEI_SCREEN_LENGTH)]
        if self.platform is Platform.COMWARE and text == "screen-length disable":
            self.page_lines = 0
            return [self._output("")]
        return None

    def _execute_config(self, line: str) -> list[Chunk]:
        assert self._config is not None
        try:
            answer = self._config.feed(line)
        except ExecInConfig as exc:  # an exec command the configuration session passed back
            return self._show(exc.command)
        if not self._config.active:
            self._leave_config()
        return [Chunk(ChunkKind.OUTPUT, to_crlf(answer))]

    def _enter_config(self, message: str) -> list[Chunk]:
        self._config = ConfigSession(self.device)
        self.mode = Mode.CONFIG
        return [self._output(message)]

    def _leave_config(self) -> None:
        self._config = None
        self.mode = Mode.ENABLE if self.platform is Platform.IOS else Mode.USER

    def _show(self, command: str) -> list[Chunk]:
        try:
            text = render(self.device, command)
        except UnknownCommand as exc:
            text = str(exc)
        return self._paged(to_crlf(text))

    def _output(self, text: str) -> Chunk:
        return Chunk(ChunkKind.OUTPUT, to_crlf(text))

    def _paged(self, text: str) -> list[Chunk]:
        lines = text.splitlines(keepends=True)
        if not self.page_lines or len(lines) <= self.page_lines:
            return [Chunk(ChunkKind.OUTPUT, text)]
        self._pending = lines[self.page_lines :]
        return [
            Chunk(ChunkKind.OUTPUT, "".join(lines[: self.page_lines])),
            Chunk(ChunkKind.PAGE, MORE[self.platform][0]),
        ]

    def _page_key(self, char: str) -> list[Chunk]:
        """A key pressed at the More prompt: space, a page; enter, a line; q, stop."""
        more, erase = MORE[self.platform]
        if char == " ":
            count = self.page_lines
        elif char in "\r\n":
            count = 1
        elif char in "qQ\x03" or self.platform is Platform.IOS:
            self._pending = []
            return [Chunk(ChunkKind.PAGE, erase), self._prompt_chunk()]
        else:
            return []
        shown, self._pending = self._pending[:count], self._pending[count:]
        chunks = [Chunk(ChunkKind.PAGE, erase + "".join(shown))]
        chunks.append(Chunk(ChunkKind.PAGE, more) if self._pending else self._prompt_chunk())
        return chunks


def _abbreviates(word: str, keyword: str, minimum: int) -> bool:
    """Whether ``word`` is ``keyword`` or an accepted abbreviation of it."""
    return len(word) >= minimum and keyword.startswith(word)


def _invalid_marker(prompt: str, column: int) -> str:
    """IOS's caret line under the first bad word, then its error text."""
    return " " * (len(prompt) + column) + "^\n" + IOS_INVALID


def _merge(chunks: list[Chunk]) -> list[Chunk]:
    """Adjacent echo chunks as one, so a pasted line goes out in one write."""
    merged: list[Chunk] = []
    for chunk in chunks:
        if merged and chunk.kind is ChunkKind.ECHO and merged[-1].kind is ChunkKind.ECHO:
            merged[-1] = Chunk(ChunkKind.ECHO, merged[-1].text + chunk.text)
        else:
            merged.append(chunk)
    return merged
