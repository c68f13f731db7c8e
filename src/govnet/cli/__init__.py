"""The govnet command line: parse, call one use case, render.

One module per command group; this package is the only place that prints. User mistakes
end in one clear message per problem and a non-zero exit, never a traceback.

Plugins add command groups: every entry point of group ``govnet.cli`` names a function
``register(app)``, called after govnet has registered its own commands. The simulated lab
(``govnet_lab``, the ``lab`` extra) adds ``lab`` and ``demo`` so; without it, those two
commands say how to install it.
"""

from __future__ import annotations

import inspect
import re
import sys
from importlib.metadata import entry_points

import typer
from rich.markup import escape

# Each module registers its commands on the app, in this order (`govnet --help` lists them so).
# isort: off
from govnet.cli import project, inventory, divisions, db, classify, plan  # noqa: F401
from govnet.cli import report, survey  # noqa: F401
from govnet.cli import submission  # noqa: F401
from govnet.cli import campaign  # noqa: F401
from govnet.cli import schedule  # noqa: F401

# isort: on
from govnet.cli.common import app, err, fail

__all__ = ["PLUGIN_GROUP", "app", "main"]

PLUGIN_GROUP = "govnet.cli"
LAB_EXTRA = "the simulated lab is an extra: pip install 'govnet[lab]'"


def load_plugins(app: typer.Typer) -> None:
    """Call every installed plugin's ``register(app)``.

    A plugin raising ImportError (its extra's dependencies are not installed) is left out.
    So is one whose module is being imported right now: it imported govnet.cli first and is
    not defined yet (only when a program imports the plugin before govnet.cli).
    """
    for entry in entry_points(group=PLUGIN_GROUP):
        importing = sys.modules.get(entry.module)
        if importing is not None and getattr(importing.__spec__, "_initializing", False):
            continue
        try:
            register = entry.load()
            register(app)
        except ImportError:
            continue


def get_command_names(app: typer.Typer) -> set[str]:
    """The names of the app's commands and command groups, as the command line spells them."""
    names: set[str] = set()
    for command in app.registered_commands:
        if isinstance(command.name, str):
            names.add(command.name)
        elif command.callback is not None:
            names.add(command.callback.__name__.lower().replace("_", "-"))
    for group in app.registered_groups:
        name = group.name
        if not isinstance(name, str) and group.typer_instance is not None:
            name = group.typer_instance.info.name
        if isinstance(name, str):
            names.add(name)
    return names


_LIST_ITEM = re.compile(r"^(\s+|[-*•]\s|\d+[.)]\s)")


def reflow(text: str) -> str:
    r"""A docstring's paragraphs as single lines, so the terminal wraps them (typer's rich help
    keeps the source's line breaks); list items and indented lines keep theirs.

    >>> text = "Push one.\n\n  A dry run shows drift\n  and the diff:\n  - the lines\n  - checks"
    >>> print(reflow(text))
    Push one.
    <BLANKLINE>
    A dry run shows drift and the diff:
    - the lines
    - checks
    """
    paragraphs = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        if paragraph.startswith("\b"):
            paragraphs.append(paragraph)
            continue
        lines: list[str] = []
        for line in paragraph.split("\n"):
            if lines and not _LIST_ITEM.match(line):
                lines[-1] = f"{lines[-1]} {line.strip()}"
            else:
                lines.append(line)
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def reflow_help(app: typer.Typer) -> None:
    """Every command's and group's help text reflowed (see ``reflow``), plugins' included."""
    for command in app.registered_commands:
        if command.help:
            command.help = reflow(command.help)
        elif command.callback is not None and command.callback.__doc__:
            command.callback.__doc__ = reflow(command.callback.__doc__)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            info = group.typer_instance.info
            if isinstance(info.help, str):
                info.help = reflow(info.help)
            reflow_help(group.typer_instance)


def _lab_not_installed() -> None:
    fail(LAB_EXTRA)


def add_lab_placeholders(app: typer.Typer) -> None:
    """``lab`` and ``demo``, when no plugin added them, answer with how to install the lab."""
    taken = get_command_names(app)
    for name in ("demo", "lab"):
        if name not in taken:
            app.command(
                name,
                help=escape(f"Not installed: {LAB_EXTRA}."),  # help text is rich markup
                add_help_option=False,
                context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
            )(_lab_not_installed)


load_plugins(app)
add_lab_placeholders(app)
reflow_help(app)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        sys.exit(130)
