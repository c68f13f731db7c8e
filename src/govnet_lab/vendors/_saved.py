"""The saved (startup) configuration: what ``save`` / ``write memory`` stored, as each
vendor shows it.

A router boots from its saved configuration, so a served lab router starts with the two
equal (``Session`` records the running configuration the first time a shell opens on a
router whose ``saved_config`` is still None); after that only a save changes it, and a
change typed but not saved shows as a difference, as on the devices (NAPALM's
``get_config()["startup"]`` reads it, and push code that saves must really save).

``Device.saved_config`` holds the running configuration's text as the vendor printed it
when saved; each vendor frames it the way its show command does:

- VRP ``display saved-configuration``: the configuration file, in the same form as
  ``display current-configuration`` (Huawei AR V200R010 command reference, "display
  saved-configuration": the example prints the file from ``#`` / `` sysname`` to ``return``).
- Comware ``display saved-configuration``: likewise the next-startup configuration file as
  ``display current-configuration`` prints it, ``version`` line first, ``return`` last (H3C
  MSR Comware 7 fundamentals command reference, "display saved-configuration").
- IOS ``show startup-config``: the NVRAM file, headed ``Using N out of M bytes`` instead of
  ``Building configuration...`` / ``Current configuration : N bytes`` (a real IOSv 15.9
  ``show configuration``: "Using 3059 out of 262144 bytes" then ``!``, ``version 15.9``;
  napalm's ios driver strips both headers in get_config, so either reads as the body).
"""

from __future__ import annotations

from collections.abc import Callable

from govnet_lab.model import Device
from govnet_lab.render.common import Renderer

NVRAM_BYTES = 262144  # the IOSv NVRAM size its real `show configuration` reports


def saved_text(running: Renderer, frame: Callable[[str], str] | None = None) -> Renderer:
    """A renderer for the saved configuration: the text stored by the last save (the
    running configuration at boot when nothing has been recorded yet), framed."""

    def render(device: Device, _: list[str]) -> str:
        text = device.saved_config
        if text is None:
            text = running(device, [])
        return text if frame is None else frame(text)

    return render


def ios_startup(running: str) -> str:
    """``show running-config``'s text as ``show startup-config`` prints it."""
    lines = running.split("\n")
    size = len(running)
    if lines and lines[0].startswith("Building configuration"):
        lines = lines[1:]
    while lines and not lines[0].strip():
        lines = lines[1:]
    if lines and lines[0].startswith("Current configuration"):
        size = int("".join(c for c in lines[0] if c.isdigit()) or size)
        lines = lines[1:]
    return "\n".join([f"Using {size} out of {NVRAM_BYTES} bytes", *lines])
