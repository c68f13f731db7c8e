"""Vendor CLI output rendered from the lab model: what a surveyed router would print.

The SSH session engine calls :func:`render` for every user/exec-mode command; the text must
be what the real device prints (ntc-templates parse it), so that survey code tested against
the lab works on real routers.
"""

from __future__ import annotations

from collections.abc import Sequence

from govnet_lab.model import Device, Platform
from govnet_lab.render import comware, huawei, ios
from govnet_lab.render.common import Command, Syntax, UnknownCommand, render_command

__all__ = ["UnknownCommand", "commands_of", "render"]

_VENDORS: dict[Platform, tuple[Sequence[Command], Syntax]] = {
    Platform.HUAWEI: (huawei.COMMANDS, huawei.SYNTAX),
    Platform.COMWARE: (comware.COMMANDS, comware.SYNTAX),
    Platform.IOS: (ios.COMMANDS, ios.SYNTAX),
}


def render(device: Device, command: str) -> str:
    """The output of one user/exec-mode command as the vendor prints it.

    Lines are joined with ``"\\n"``; neither the echoed command nor the prompt is included.
    Raises UnknownCommand (``str(exc)`` is the vendor's error text) for anything the
    device would reject.
    """
    commands, syntax = _VENDORS[device.platform]
    return render_command(device, command, commands, syntax)


def commands_of(platform: Platform) -> list[str]:
    """The full spelling of every command a platform renders (``<name>`` for arguments)."""
    commands, _ = _VENDORS[platform]
    return [" ".join(w.replace(":", "") for w in c.words) for c in commands]
