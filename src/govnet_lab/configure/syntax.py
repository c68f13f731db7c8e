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

from govnet_lab.configure.patterns import Captures, Element, SyntaxKind, expand
from govnet_lab.model import Interface, Platform

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
    """Everything that differs between vendors: commands, names, prompts and texts."""

    platform: Platform
    rules: list[Rule]
    interface_types: tuple[str, ...]  # canonical spellings; the first match of a prefix wins
    syntax_texts: dict[SyntaxKind, str]
    problems: dict[str, str]
    description_max: int
    rt_needs_rd: bool
    leave_all: str  # return / end
    leave_one: str  # quit / exit

    def text(self, code: str, **params: object) -> str:
        return self.problems[code].format(**params)

    def syntax_error(self, kind: SyntaxKind, column: int, line: str = "") -> str:
        message = self.syntax_texts[kind].format(line=line.strip())
        if self.platform == Platform.IOS and kind in (SyntaxKind.INCOMPLETE, SyntaxKind.AMBIGUOUS):
            return message
        return " " * column + "^\n" + message

    def bind_text(self, iface: Interface, vpn: str, had: IPv4Interface | None) -> str:
        """What binding prints: VRP always says so; IOS (either syntax) only when it
        removed an address; Comware nothing."""
        if self.platform == Platform.IOS and had is None:
            return ""
        return self.text("bind", interface=iface.name, vpn=vpn)

    def unbind_text(self, iface: Interface, vpn: str, had: IPv4Interface | None) -> str:
        if self.platform == Platform.IOS and had is None:
            return ""
        return self.text("unbind", interface=iface.name, vpn=vpn)
