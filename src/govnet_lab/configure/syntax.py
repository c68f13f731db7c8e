"""What a vendor's configuration mode is made of: views, command rules, texts, prompts.

Each vendor fills a :class:`ConfigSyntax` (its table of patterns -> shared handlers, the
spelling of its interface types, its error texts and the odd behaviour it has); the one
configuration session engine (govnet_lab.configure.session) runs any of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Interface
from typing import TYPE_CHECKING

from govnet_lab.configure.patterns import Captures, Element, SyntaxKind, Token, expand
from govnet_lab.model import Interface

if TYPE_CHECKING:
    from govnet_lab.configure.session import ConfigSession


@dataclass(frozen=True)
class View:
    """Where the user is: kind (system, interface, vpn, vpn-af, bgp, bgp-af, bgp-vpn,
    bgp-vpn-af, acl), the name it is about, and the view ``quit``/``exit`` returns to."""

    kind: str
    name: str | None = None
    parent: View | None = None


SYSTEM = View("system")


# A handler (govnet_lab.configure.handlers) reads captures by name and changes the model.
Handler = Callable[["ConfigSession", Captures], str]
# The views a rule applies in, its pattern (one variant), and its handler.
Rule = tuple[frozenset[str], list[Element], Handler]


def compile_table(table: list[tuple[str, str, Handler]]) -> list[Rule]:
    """A vendor's table of (views, pattern, handler) as rules, every pattern variant apart."""
    rules: list[Rule] = []
    for views, pattern, handler in table:
        for elements in expand(pattern):
            rules.append((frozenset(views.split()), elements, handler))
    return rules


@dataclass(frozen=True)
class ConfigSyntax:
    """Everything about configuration mode that differs between vendors: commands, names,
    prompts, texts, and the few behaviours one vendor has and the others not."""

    enter: str  # the exec command that enters configuration mode
    rules: list[Rule]
    interface_types: tuple[str, ...]  # canonical spellings; the first match of a prefix wins
    syntax_texts: dict[SyntaxKind, str]
    problems: dict[str, str]
    description_max: int
    rt_needs_rd: bool
    leave_all: str  # return / end
    leave_one: str  # quit / exit
    prompt: Callable[[ConfigSession], str]  # the prompt of the session's current view
    # An exec command typed in configuration mode (IOS ``do ...``, VRP ``display ...``):
    # the command to render, or None for a configuration line.
    exec_command: Callable[[str, list[Token]], str | None]
    uncareted: frozenset[SyntaxKind] = frozenset()  # errors printed without a caret line
    quiet_bind: bool = False  # (un)binding a VPN prints nothing when it removed no address
    bgp_vpn_needs_rd: bool = False  # a VPN's BGP address family needs the VPN's RD first
    static_default: int = 60  # a static route's preference when none is given, as written

    def text(self, code: str, **params: object) -> str:
        return self.problems[code].format(**params)

    def syntax_error(self, kind: SyntaxKind, column: int, line: str = "") -> str:
        message = self.syntax_texts[kind].format(line=line.strip())
        if kind in self.uncareted:
            return message
        return " " * column + "^\n" + message

    def bind_text(self, iface: Interface, vpn: str, had: IPv4Interface | None) -> str:
        """What binding prints: VRP always says so; IOS (either syntax) only when it
        removed an address; Comware nothing."""
        if self.quiet_bind and had is None:
            return ""
        return self.text("bind", interface=iface.name, vpn=vpn)

    def unbind_text(self, iface: Interface, vpn: str, had: IPv4Interface | None) -> str:
        if self.quiet_bind and had is None:
            return ""
        return self.text("unbind", interface=iface.name, vpn=vpn)
