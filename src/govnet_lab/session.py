"""One SSH shell on a simulated router: prompts, modes, echo and paging.

The session is a pure state machine (text in, chunks out) so the server can apply faults
(delay, drop, GBK) per chunk and the behaviour can be tested without a socket. It echoes
input itself, byte for byte, because netmiko relies on echo and output arriving in order.
Command output comes from the renderer; configuration lines go to a configuration session.
What differs between vendors (banner, prompts, paging, the commands about the session) comes
from the device's vendor (govnet_lab.vendors).
"""

from __future__ import annotations

import secrets

from govnet_lab.configure import ConfigSession, ExecInConfig
from govnet_lab.dataplane import Network, ProbeSyntaxError
from govnet_lab.model import Device
from govnet_lab.render import UnknownCommand, render
from govnet_lab.render.common import accepts_word
from govnet_lab.revert import Reverts
from govnet_lab.shell import Chunk, ChunkKind, Mode, to_crlf
from govnet_lab.vendors import get_vendor

PAGE_LINES = 24


class Session:
    """The CLI state of one shell; ``feed`` takes keystrokes and returns what to send."""

    def __init__(
        self,
        device: Device,
        secret: str,
        *,
        page_lines: int = PAGE_LINES,
        network: Network | None = None,
        reverts: Reverts | None = None,
    ) -> None:
        self.device = device
        self.network = network  # the data plane ping and traceroute ask
        # the revert timers (IOS ``configure terminal revert timer``): the server's, shared
        self.reverts = reverts if reverts is not None else Reverts(network=network)
        self.vendor = get_vendor(device.platform)
        self._secret = secret
        self.page_lines = page_lines  # 0: paging off (the session disabled it)
        self.mode = Mode.USER
        self.closed = False
        self._config: ConfigSession | None = None
        self._buffer: list[str] = []
        self._after_cr = False
        self._pending: list[str] = []  # lines still behind a More prompt
        if device.saved_config is None:  # booted from it: saved equals running (vendors._saved)
            self.save_config()

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
        return self.vendor.prompt(name, self.mode)

    @property
    def paging(self) -> bool:
        return bool(self._pending)

    def get_greeting(self) -> list[Chunk]:
        """The banner and first prompt, sent as soon as the shell opens."""
        return [Chunk(ChunkKind.OUTPUT, self.vendor.banner), self._prompt_chunk()]

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
                self.save_config()
                chunks.append(self.output(self.vendor.saved))
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
        return [Chunk(ChunkKind.OUTPUT, self.vendor.bad_secret)]

    def _execute(self, line: str) -> list[Chunk]:
        if not line:
            return []
        words = line.split()
        if self.mode is Mode.CONFIG:
            return self._execute_config(line)
        handled = self.vendor.session_command(self, words)
        if handled is not None:
            return handled
        probed = self._probe(line, words)
        if probed is not None:
            return probed
        return self._show(line)

    def _probe(self, line: str, words: list[str]) -> list[Chunk] | None:
        """ping and traceroute, answered by the data plane in the vendor's words; None when
        the line is neither (or the lab runs without a data plane)."""
        probes = self.vendor.probes
        if self.network is None or probes is None:
            return None
        if any(accepts_word(w, words[0]) for w in probes.ping_words):
            read, show, trace = probes.read_ping, probes.show_ping, False
        elif any(accepts_word(w, words[0]) for w in probes.trace_words):
            read, show, trace = probes.read_trace, probes.show_trace, True
        else:
            return None
        try:
            request = read(words)
        except ProbeSyntaxError as exc:
            return [self.output(exc.text_for(self.device, self.vendor.show_syntax, line))]
        # Probes print as they go on a real router, never behind a More prompt; their
        # packets count on the ports they cross.
        probe = self.network.send(self.device.hostname, request, trace=trace)
        return [self.output(show(probe))]

    def _execute_config(self, line: str) -> list[Chunk]:
        assert self._config is not None
        if self.network is not None:  # what the old paths carried is counted first
            self.network.before_change(self.device.hostname)
        try:
            answer = self._config.feed(line)
        except ExecInConfig as exc:  # an exec command the configuration session passed back
            return self._show(exc.command)
        if self.network is not None:
            self.network.note_change()
        if not self._config.active:
            self._leave_config()
        return [Chunk(ChunkKind.OUTPUT, to_crlf(answer))]

    def save_config(self) -> None:
        """What ``save`` / ``write memory`` does: the running configuration becomes the one
        the saved-configuration / startup-config commands show."""
        self.device.saved_config = render(self.device, self.vendor.running_config)

    def enter_config(self, message: str) -> list[Chunk]:
        """Enter configuration mode, saying ``message`` (a vendor's session command)."""
        self._config = ConfigSession(self.device)
        self.mode = Mode.CONFIG
        return [self.output(message)]

    def _leave_config(self) -> None:
        self._config = None
        self.mode = self.vendor.after_config

    def _show(self, command: str) -> list[Chunk]:
        counters = None
        if self.network is not None:
            counters = self.network.get_counter_reader(self.device.hostname)
        try:
            text = render(self.device, command, counters)
        except UnknownCommand as exc:
            text = str(exc)
        return self._paged(to_crlf(text))

    def output(self, text: str) -> Chunk:
        """An answer as the device sends it (CR LF line ends)."""
        return Chunk(ChunkKind.OUTPUT, to_crlf(text))

    def _paged(self, text: str) -> list[Chunk]:
        lines = text.splitlines(keepends=True)
        if not self.page_lines or len(lines) <= self.page_lines:
            return [Chunk(ChunkKind.OUTPUT, text)]
        self._pending = lines[self.page_lines :]
        return [
            Chunk(ChunkKind.OUTPUT, "".join(lines[: self.page_lines])),
            Chunk(ChunkKind.PAGE, self.vendor.more[0]),
        ]

    def _page_key(self, char: str) -> list[Chunk]:
        """A key pressed at the More prompt: space, a page; enter, a line; q, stop."""
        more, erase = self.vendor.more
        if char == " ":
            count = self.page_lines
        elif char in "\r\n":
            count = 1
        elif char in "qQ\x03" or self.vendor.paging_stops_on_any_key:
            self._pending = []
            return [Chunk(ChunkKind.PAGE, erase), self._prompt_chunk()]
        else:
            return []
        shown, self._pending = self._pending[:count], self._pending[count:]
        chunks = [Chunk(ChunkKind.PAGE, erase + "".join(shown))]
        chunks.append(Chunk(ChunkKind.PAGE, more) if self._pending else self._prompt_chunk())
        return chunks


def _merge(chunks: list[Chunk]) -> list[Chunk]:
    """Adjacent echo chunks as one, so a pasted line goes out in one write."""
    merged: list[Chunk] = []
    for chunk in chunks:
        if merged and chunk.kind is ChunkKind.ECHO and merged[-1].kind is ChunkKind.ECHO:
            merged[-1] = Chunk(ChunkKind.ECHO, merged[-1].text + chunk.text)
        else:
            merged.append(chunk)
    return merged
