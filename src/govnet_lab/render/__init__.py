"""Vendor CLI output rendered from the lab model: what a surveyed router would print.

The SSH session engine calls :func:`render` for every user/exec-mode command; the text must
be what the real device prints (ntc-templates parse it), so that survey code tested against
the lab works on real routers. Each vendor's commands and their output live in its module
(govnet_lab.vendors); the matcher they share is govnet_lab.render.common.
"""

from __future__ import annotations

from govnet_lab.model import Device
from govnet_lab.render.common import CounterReader, UnknownCommand, render_command
from govnet_lab.render.modifiers import split_modifier
from govnet_lab.vendors import get_vendor

__all__ = ["UnknownCommand", "commands_of", "render"]


def render(device: Device, command: str, counters: CounterReader | None = None) -> str:
    """The output of one user/exec-mode command as the vendor prints it.

    Lines are joined with ``"\\n"``; neither the echoed command nor the prompt is included.
    Raises UnknownCommand (``str(exc)`` is the vendor's error text) for anything the
    device would reject. ``counters`` gives the router's traffic counters
    (govnet_lab.dataplane), read only by a command that prints them; none: nothing counted.
    An output modifier after a bar (``| include REGEX``) filters the lines
    (govnet_lab.render.modifiers).
    """
    vendor = get_vendor(device.platform)
    command, modifier = split_modifier(device, command, vendor.show_syntax)
    if counters is None:
        text = render_command(device, command, vendor.commands, vendor.show_syntax)
    else:
        text = render_command(device, command, vendor.commands, vendor.show_syntax, counters)
    return text if modifier is None else modifier.apply(text)


def commands_of(platform: str) -> list[str]:
    """The full spelling of every command a platform renders (``<name>`` for arguments)."""
    return [" ".join(w.replace(":", "") for w in c.words) for c in get_vendor(platform).commands]
