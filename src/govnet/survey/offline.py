"""Saved outputs instead of SSH: a folder per host of command files, or one config per host.

Layout (DESIGN.md): ``DIR/<hostname>/<command>.txt`` with the command's spaces as ``_``
(``display_ip_routing-table.txt``), or ``DIR/<hostname>.cfg`` holding the running
configuration. The platform comes from the inventory, else from ``DIR/<hostname>/platform``
or ``DIR/<hostname>.platform`` (one word). Files are read as bytes and decoded as a live
survey decodes them (UTF-8, else GB18030), so both give the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from govnet.model.problems import UsageError
from govnet.survey.collect import RawText

PLATFORM_FILE = "platform"
CONFIG_SUFFIX = ".cfg"


class OfflineError(UsageError, ValueError):
    """The folder cannot be read as saved outputs; the message names the path."""


@dataclass
class SavedHost:
    hostname: str
    platform: str | None  # from the files; the inventory's wins when it knows the host
    files: dict[str, RawText] = field(default_factory=dict)  # file stem -> its text
    config: RawText | None = None  # DIR/<hostname>.cfg


def command_to_filename(command: str) -> str:
    """
    >>> command_to_filename("display ip routing-table vpn-instance zw-gongan")
    'display_ip_routing-table_vpn-instance_zw-gongan.txt'
    """
    return "_".join(command.split()) + ".txt"


def read_saved_hosts(folder: Path) -> list[SavedHost]:
    """Every host saved under ``folder``, its files read and decoded; which file is which
    command is the collector specs' call (a file is matched to a command, never guessed)."""
    if not folder.is_dir():
        raise OfflineError(f"{folder}: not a folder of saved outputs")
    hosts: dict[str, SavedHost] = {}
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            host = hosts.setdefault(path.name, SavedHost(path.name, None))
            host.platform = _read_platform(path / PLATFORM_FILE) or host.platform
            for file in sorted(path.iterdir()):
                if file.is_file() and file.name != PLATFORM_FILE:
                    host.files[file.name.removesuffix(".txt")] = RawText.from_bytes(
                        file.read_bytes()
                    )
        elif path.suffix == CONFIG_SUFFIX:
            host = hosts.setdefault(path.stem, SavedHost(path.stem, None))
            host.platform = _read_platform(folder / f"{path.stem}.{PLATFORM_FILE}") or host.platform
            host.config = RawText.from_bytes(path.read_bytes())
    return list(hosts.values())


def _read_platform(path: Path) -> str | None:
    if not path.is_file():
        return None
    words = path.read_text(encoding="utf-8", errors="replace").split()
    if len(words) != 1:
        raise OfflineError(f"{path}: expected one word (the platform), found {len(words)}")
    return words[0]


def write_saved_host(
    folder: Path, hostname: str, platform: str | None, outputs: dict[str, RawText]
) -> Path:
    """Save one host's outputs in the offline layout, in the bytes the device sent."""
    target = folder / hostname
    target.mkdir(parents=True, exist_ok=True)
    if platform:
        (target / PLATFORM_FILE).write_text(platform + "\n", encoding="utf-8")
    for command, raw in outputs.items():
        (target / command_to_filename(command)).write_bytes(raw.text.encode(raw.encoding))
    return target
