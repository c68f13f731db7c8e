"""One user's configuration mode on one device, and lines applied without a shell.

A line is matched in the current view, then (like the real CLIs) in its parent views, against
the vendor's rules; the handler of the one match changes the model, or the vendor's error
text comes back with the model unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable

from govnet_lab.configure.patterns import (
    RANK,
    Captures,
    Failure,
    Refused,
    SyntaxFault,
    SyntaxKind,
    Token,
    canonical_interface_name,
    display_width,
    first_difference,
    match_elements,
    tokenize,
)
from govnet_lab.configure.syntax import SYSTEM, Handler, View
from govnet_lab.model import Device, Interface, InterfaceKind
from govnet_lab.vendors import get_vendor

__all__ = ["ConfigSession", "ExecInConfig", "apply_lines", "get_config_command"]


class ExecInConfig(Exception):
    """Raised by :meth:`ConfigSession.feed` for an exec command typed in config mode.

    IOS ``do show ...`` and Huawei/H3C ``display ...`` (valid in every view) are not
    configuration: the SSH session catches this, renders ``command`` (``do`` removed) as
    it would in user view, and prints the current prompt again. The model is unchanged.
    """

    def __init__(self, command: str) -> None:
        super().__init__(command)
        self.command = command


def get_config_command(platform: str) -> str:
    """The exec command that enters configuration mode on this platform."""
    return get_vendor(platform).config.enter


class ConfigSession:
    """One user's configuration mode on one device, from ``system-view`` /
    ``configure terminal`` until ``return``/``end`` (or ``quit``/``exit`` at the top)."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self.vendor = get_vendor(device.platform)
        self.syntax = self.vendor.config
        self.view: View = SYSTEM
        self.acl_extended = False
        self._active = True
        self.last_failed = False

    @property
    def active(self) -> bool:
        return self._active

    @property
    def prompt(self) -> str:
        return self.syntax.prompt(self)

    # -- context the handlers need -------------------------------------------------

    @property
    def interface(self) -> Interface:
        iface = self.device.get_interface(self.view.name or "")
        if iface is None:  # deleted from another session: the view is gone
            raise SyntaxFault(SyntaxKind.UNRECOGNIZED, 0)
        return iface

    @property
    def vpn_name(self) -> str:
        return self.view.name or ""

    @property
    def bgp_vpn(self) -> str | None:
        view: View | None = self.view
        while view is not None:
            if view.kind == "bgp-vpn":
                return view.name
            view = view.parent
        return None

    def canonical_interface_name(self, text: str) -> str | None:
        """The vendor's spelling of an interface name typed in any case or abbreviation."""
        return canonical_interface_name(self.syntax.interface_types, text)

    def resolve_interface(
        self, c: Captures, key: str, *, create: bool, allow_null: bool = False
    ) -> Interface:
        """The interface a capture names; logical interfaces are created when asked to."""
        name = self.canonical_interface_name(c.get(key))
        if name is None:
            raise c.wrong(key)
        existing = next((i for i in self.device.interfaces if i.name.lower() == name.lower()), None)
        if existing is not None:
            return existing
        lowered = name.lower()
        if allow_null and lowered.startswith("null"):
            return Interface(name)  # NULL0 always exists and is never listed
        if not create:
            raise c.wrong(key)
        if "." in name:
            parent = self.device.get_interface(name.split(".", 1)[0])
            sub = name.split(".", 1)[1]
            if parent is None or parent.kind != InterfaceKind.PHYSICAL or not sub.isdigit():
                raise c.wrong(key)
            iface = Interface(
                name,
                InterfaceKind.SUBINTERFACE,
                link_up=parent.link_up,
                port_up=parent.oper_up,  # a shut port's new sub-interface is down too
                mac=parent.mac,
                bandwidth_mbps=parent.bandwidth_mbps,
            )
        elif lowered.startswith("loopback"):
            iface = Interface(name, InterfaceKind.LOOPBACK, bandwidth_mbps=0)
        elif lowered.startswith("vlan"):
            vid = name[len(name.rstrip("0123456789")) :]
            if not vid or not 1 <= int(vid) <= 4094:
                raise c.wrong(key)
            iface = Interface(name, InterfaceKind.VLAN)
        elif lowered.startswith("tunnel"):
            iface = Interface(name, InterfaceKind.TUNNEL, bandwidth_mbps=0)
        else:
            raise c.wrong(key)
        self.device.interfaces.append(iface)
        return iface

    # -- the one entry point -------------------------------------------------------

    def feed(self, line: str) -> str:
        """Apply one line; return "" or the vendor's output (an error or an info text).

        Raises :class:`ExecInConfig` for ``do ...`` (IOS) / ``display ...`` (Huawei/H3C).
        ``last_failed`` tells whether the line was rejected (the model is then unchanged).
        """
        self.last_failed = False
        if not self._active:
            raise RuntimeError("configuration mode was left")
        line = line.rstrip("\r\n")
        tokens = tokenize(line)
        prompt_width = display_width(self.prompt)
        for index, ch in enumerate(line):
            if not ch.isprintable() and ch != "\t":
                return self._fail(self.syntax.syntax_error(SyntaxKind.WRONG, prompt_width + index))
        if not tokens or tokens[0].text.startswith(("#", "!")):
            return ""
        first = tokens[0].text.lower()
        command = self.syntax.exec_command(line, tokens)
        if command is not None:
            raise ExecInConfig(command)
        leaving = [w for w in (self.syntax.leave_all, self.syntax.leave_one) if w.startswith(first)]
        if len(tokens) == 1 and len(leaving) > 1:  # IOS "e": end or exit?
            return self._fail(self.syntax.syntax_error(SyntaxKind.AMBIGUOUS, prompt_width, line))
        if len(tokens) == 1 and leaving:
            self._leave(all_views=leaving[0] == self.syntax.leave_all)
            return ""
        return self._dispatch(line, tokens, prompt_width)

    def get_user_view_error(self, line: str) -> str:
        """What the device says to a configuration line typed after leaving config mode."""
        prompt = self.vendor.prompt(self.device.sysname, self.vendor.after_config)
        column = len(line) - len(line.lstrip())
        return self.syntax.syntax_error(
            SyntaxKind.UNRECOGNIZED, display_width(prompt) + column, line
        )

    def _leave(self, *, all_views: bool) -> None:
        if all_views or self.view.parent is None:
            self._active = False
            self.view = SYSTEM
        else:
            self.view = self.view.parent

    def _fail(self, text: str) -> str:
        self.last_failed = True
        return text

    def _dispatch(self, line: str, tokens: list[Token], prompt_width: int) -> str:
        """Match in the current view, then (like the real CLIs) in its parent views."""
        best: Failure | None = None
        view: View | None = self.view
        while view is not None:
            matches: list[tuple[Captures, Handler]] = []
            for views, elements, handler in self.syntax.rules:
                if view.kind not in views:
                    continue
                result = match_elements(elements, tokens, line)
                if isinstance(result, Failure):
                    if best is None or (result.index, RANK[result.kind]) > (
                        best.index,
                        RANK[best.kind],
                    ):
                        best = result
                    continue
                matches.append((result, handler))
            if matches:
                most = max(c.exact for c, _ in matches)
                matches = [(c, h) for c, h in matches if c.exact == most]
                spellings = {tuple(c.keywords) for c, _ in matches}
                if len(spellings) > 1:
                    column = first_difference(spellings)
                    return self._fail(
                        self.syntax.syntax_error(SyntaxKind.AMBIGUOUS, prompt_width + column, line)
                    )
                return self._run(view, matches[0][1], matches[0][0], prompt_width)
            view = view.parent
        assert best is not None
        return self._fail(self.syntax.syntax_error(best.kind, prompt_width + best.column))

    def _run(self, view: View, handler: Handler, captures: Captures, prompt_width: int) -> str:
        saved = self.view
        self.view = view
        try:
            return handler(self, captures)
        except SyntaxFault as fault:
            self.view = saved
            return self._fail(self.syntax.syntax_error(fault.kind, prompt_width + fault.column))
        except Refused as problem:
            self.view = saved
            return self._fail(self.syntax.text(problem.code, **problem.params))


def apply_lines(device: Device, lines: Iterable[str]) -> list[str]:
    """Enter configuration mode, feed each line, and return the rejected lines' outputs.

    ``system-view``/``configure terminal`` lines are skipped, and re-enter configuration
    mode after ``return``/``end``; other lines after leaving are rejected as in user view.
    Exec lines (``do``/``display``) are ignored. Info texts of accepted lines are not
    returned.
    """
    session = ConfigSession(device)
    errors: list[str] = []
    enter = get_config_command(device.platform)
    for line in lines:
        if line.strip().lower() in (enter, "conf t", "system"):
            if not session.active:
                session = ConfigSession(device)
            continue
        if not session.active:  # back in user view, where config lines are unknown
            errors.append(session.get_user_view_error(line))
            continue
        try:
            output = session.feed(line)
        except ExecInConfig:
            continue
        if session.last_failed:
            errors.append(output)
    return errors
