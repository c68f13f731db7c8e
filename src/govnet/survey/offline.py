"""Saved outputs instead of SSH: a folder per host of command files, one config per host, or
whole terminal sessions.

Layout (DESIGN.md): ``DIR/<hostname>/<command>.txt`` with the command's spaces as ``_``
(``display_ip_routing-table.txt``), or ``DIR/<hostname>.cfg`` holding the running
configuration, or ``DIR/<anything>.log``: a session log (PuTTY, SecureCRT, Xshell, ``script``)
holding any number of commands of any number of hosts, split at the prompts
(:mod:`govnet.survey.saved_text`): every host prompting in it is a saved host, named by its
prompt (refused, as a folder's name is, if not a host name), its commands kept as typed. A host
in two logs (or in a log and a folder) is said in its record, never merged silently: a
command saved twice keeps the output read last (files in name order). When no output states
a hostname (sysname), the prompt's name is the host's hostname fact.

The platform comes from the inventory, else from ``DIR/<hostname>/platform`` or
``DIR/<hostname>.platform`` (one word), else from the text itself (``detect:`` of each
platform.yaml, narrowed by a log's prompt shape); when the text cannot tell, the host is
recorded failed with a one-line reason naming the file, and the run goes on. Files are read as
bytes and decoded as a live survey decodes them (UTF-8, else GB18030), so both give the same
facts.

Saved files are trusted no more than a device: links and anything but regular files are
refused, names must be host names by the inventory's rule, and what is missing, empty or cut
short is said (:func:`get_saved_problems`), so such a host never ends ``ok``.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from govnet.model.facts import HostFacts
from govnet.model.inventory import get_hostname_problem
from govnet.model.problems import UsageError
from govnet.platforms import Platforms
from govnet.survey.collect import RawText
from govnet.survey.saved_text import (
    clean_terminal_text,
    detect_platform,
    get_prompt_patterns,
    split_session_log,
)

PLATFORM_FILE = "platform"
CONFIG_SUFFIX = ".cfg"
LOG_SUFFIX = ".log"


class OfflineError(UsageError, ValueError):
    """The folder cannot be read as saved outputs; the message names the path."""


@dataclass
class SavedHost:
    hostname: str
    platform: str | None  # from the files; the inventory's wins when it knows the host
    files: dict[str, RawText] = field(default_factory=dict)  # file stem -> its text
    config: RawText | None = None  # DIR/<hostname>.cfg
    typed: dict[str, RawText] = field(default_factory=dict)  # a log's command as typed -> text
    logs: list[str] = field(default_factory=list)  # the session logs naming this host
    shapes: set[str] | None = None  # platforms whose prompt the logs show (None: no log)
    notes: list[str] = field(default_factory=list)  # said in the host's record
    origins: list[str] = field(default_factory=list)  # where it was saved, for messages

    @property
    def from_prompt(self) -> bool:
        """Its name comes from a prompt (a log), not from a file name."""
        return bool(self.logs)

    def get_text(self) -> str:
        """All its saved text, for telling the platform."""
        return "\n".join(
            r.text
            for r in [*self.files.values(), *self.typed.values()]
            + ([self.config] if self.config is not None else [])
        )


def command_to_filename(command: str) -> str:
    """
    >>> command_to_filename("display ip routing-table vpn-instance zw-gongan")
    'display_ip_routing-table_vpn-instance_zw-gongan.txt'
    """
    return "_".join(command.split()) + ".txt"


def read_saved_hosts(folder: Path, collectors: Platforms | None = None) -> list[SavedHost]:
    """Every host saved under ``folder``, its files read and decoded; which file is which
    command is the collector specs' call (a file is matched to a command, never guessed).

    Nothing is trusted: a link (it may point at any readable file: an SSH key, the process
    environment) or anything but a regular file is refused, and so is a name that is not a
    host name by the inventory's rules, before anything is read into the store. Session logs
    (``*.log``) are split with the prompts of ``collectors``' platforms (none given: a log is
    refused)."""
    if not folder.is_dir():
        raise OfflineError(f"{show_path(folder)}: not a folder of saved outputs")
    hosts: dict[str, SavedHost] = {}
    for path in sorted(folder.iterdir()):
        kind = _get_kind(path)
        if kind not in ("file", "folder"):
            raise OfflineError(f"{show_path(path)}: {kind}; saved outputs are regular files")
        if kind == "folder":
            host = hosts.setdefault(_get_hostname(path, path.name), SavedHost(path.name, None))
            _add_origin(host, f"{path.name}/")
            host.platform = _read_platform(path / PLATFORM_FILE) or host.platform
            for file in sorted(path.iterdir()):
                file_kind = _get_kind(file)
                if file_kind != "file":
                    kind_text = "a folder" if file_kind == "folder" else file_kind
                    raise OfflineError(
                        f"{show_path(file)}: {kind_text} in a"
                        " host's folder; saved outputs are regular files"
                    )
                if not file.name.isprintable():  # it names a command: stored, shown
                    raise OfflineError(
                        f"{show_path(file)}: the name has characters that do not print"
                    )
                if file.name != PLATFORM_FILE:
                    host.files[file.name.removesuffix(".txt")] = RawText.from_bytes(
                        read_regular_file(file)
                    )
        elif path.suffix == CONFIG_SUFFIX:
            name = _get_hostname(path, path.stem)
            host = hosts.setdefault(name, SavedHost(name, None))
            host.platform = _read_platform(folder / f"{path.stem}.{PLATFORM_FILE}") or host.platform
            _add_origin(host, path.name)
            host.config = RawText.from_bytes(read_regular_file(path))
        elif path.suffix == LOG_SUFFIX:
            if collectors is None:
                raise OfflineError(f"{show_path(path)}: a session log needs the platforms' prompts")
            _read_session_log(path, collectors, hosts)
    return list(hosts.values())


def _add_origin(host: SavedHost, origin: str) -> None:
    """Where the host was saved; saved in two places, its record says so (never merged
    silently)."""
    host.origins.append(origin)
    if len(host.origins) > 1:
        note = (
            f"saved in {' and '.join(host.origins)}: read together"
            " (a command saved twice: the later file's output)"
        )
        host.notes = [n for n in host.notes if not n.startswith("saved in ")] + [note]


def _read_session_log(path: Path, collectors: Platforms, hosts: dict[str, SavedHost]) -> None:
    """Every host of one session log into ``hosts`` (see the module's docstring)."""
    data = read_regular_file(path)
    try:
        decoded, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        decoded, encoding = data.decode("gb18030", "replace"), "gb18030"
    text, _ = clean_terminal_text(decoded)
    log = split_session_log(text, get_prompt_patterns(collectors))
    for name in log.refused:  # as a folder of that name would be
        raise OfflineError(
            f"{show_path(path)}: prompt {show_path(Path(name))}: host name"
            f" {get_hostname_problem(name)}"
        )
    if not log.hosts:
        raise OfflineError(
            f"{show_path(path)}: no prompt of a known platform"
            f" ({', '.join(collectors.get_platforms())}) in this session log"
        )
    for name in log.hosts:
        host = hosts.setdefault(_get_hostname(path, name), SavedHost(name, None))
        _add_origin(host, path.name)
        host.logs.append(path.name)
        shapes = log.shapes.get(name, set())
        host.shapes = shapes if host.shapes is None else host.shapes & shapes
        outputs, again = log.get_outputs(name)
        for command, output in outputs.items():
            host.typed[command] = RawText(output, encoding)
        if again:
            host.notes.append(f"{path.name}: typed again, the last answer kept: {', '.join(again)}")


def get_saved_platform(collectors: Platforms, host: SavedHost) -> tuple[str | None, str | None]:
    """The platform of a host whose files and inventory name none, told by its text (and
    its prompt's shape), and a note saying so; or None and the one-line reason, naming the
    file, why it cannot be told."""
    shapes = host.shapes if host.shapes else None
    platform, why = detect_platform(collectors, host.get_text(), shapes)
    where = " and ".join(host.origins) or host.hostname
    if platform is not None:
        return platform, f"platform {platform} told by the text of {where} ({why})"
    return None, (
        f"{where}: cannot tell the platform ({why}): give it in the inventory or in"
        f" {host.hostname}.platform"
    )


def with_prompt_hostname(facts: HostFacts, name: str | None) -> HostFacts:
    """The facts with a saved prompt's host name as hostname when no output stated one."""
    if name is None or facts.device.hostname is not None:
        return facts
    return dataclasses.replace(facts, device=dataclasses.replace(facts.device, hostname=name))


def show_path(path: Path) -> str:
    """A path for a one-line message: characters that would not print shown escaped.

    >>> show_path(Path("saved/r1\\u202e.cfg"))
    'saved/r1\\\\u202e.cfg'
    """
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(path))


def _get_kind(path: Path) -> str:
    """What is at ``path`` itself (a link is not followed): file, folder or what else."""
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        raise OfflineError(f"{show_path(path)}: cannot be read ({exc.strerror})") from None
    if stat.S_ISLNK(mode):
        return "a symbolic link (not followed: copy the file itself)"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device file" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a file"


def _get_hostname(path: Path, name: str) -> str:
    problem = get_hostname_problem(name)
    if problem is not None:
        raise OfflineError(f"{show_path(path)}: host name {problem}")
    return name


def read_regular_file(path: Path) -> bytes:
    """The bytes of a regular file, opened without following a link and without waiting on
    a FIFO, so what was checked is what is read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        reason = "a symbolic link" if exc.errno == errno.ELOOP else exc.strerror
        raise OfflineError(f"{show_path(path)}: cannot be read ({reason})") from None
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise OfflineError(f"{show_path(path)}: not a regular file")
        return file.read()


def _read_platform(path: Path) -> str | None:
    if not os.path.lexists(path):
        return None
    if _get_kind(path) != "file":
        raise OfflineError(f"{show_path(path)}: {_get_kind(path)}; the platform file is a file")
    words = read_regular_file(path).decode("utf-8", errors="replace").split()
    if len(words) != 1 or not words[0].isprintable():
        raise OfflineError(
            f"{show_path(path)}: expected one word (the platform), found {len(words)}"
            if len(words) != 1
            else f"{show_path(path)}: the platform has characters that do not print"
        )
    return words[0]


def get_saved_outputs(
    collectors: Platforms, platform: str, host: SavedHost
) -> tuple[dict[str, RawText], list[str]]:
    """The saved files as command outputs, and the names of files no command matches."""
    outputs: dict[str, RawText] = {}
    unused = []
    for stem, raw in host.files.items():
        command = collectors.get_command_for_file(platform, stem)
        if command is None:
            unused.append(stem)
        else:
            outputs[command] = raw
    config_command = collectors.get_config_command(platform)
    if host.config is not None and config_command is not None:
        outputs.setdefault(config_command, host.config)
    for typed, raw in host.typed.items():
        outputs[typed] = raw
        if raw.text.strip() and get_spec_command(collectors, platform, typed) is None:
            unused.append(typed)  # (`quit`, `screen-length 0 temporary`: nothing to say)
    return outputs, unused


def get_spec_command(collectors: Platforms, platform: str, typed: str) -> str | None:
    """The spec command a command typed in a log stands for (words may be shortened; a
    placeholder word takes any name), or None: what the parser reads it as."""
    words = typed.lower().split()
    found = []
    for plan in collectors.plans[platform].commands:
        full = plan.command.lower().split()
        if full == words:
            return plan.command
        if len(words) == len(full) and all(
            f.startswith("{") or f.startswith(w) for w, f in zip(words, full, strict=True)
        ):
            found.append(plan.command)
    return found[0] if len(set(found)) == 1 else None  # as the parser: one command, or none


def is_abbreviation(typed: str, command: str) -> bool:
    """Whether ``typed`` is ``command`` with words shortened (``dis ip int b``).

    >>> is_abbreviation("dis ip int b", "display ip interface brief")
    True
    >>> is_abbreviation("display ip", "display ip interface brief")
    False
    """
    words, full = typed.lower().split(), command.lower().split()
    if len(words) != len(full):
        return False
    return all(f.startswith(w) for w, f in zip(words, full, strict=True))


def get_saved_problems(
    collectors: Platforms, platform: str, host: SavedHost, outputs: dict[str, RawText]
) -> list[str]:
    """What makes saved outputs less than a survey: nothing saved, a command's file missing
    (a host folder holds every command; a lone .cfg the configuration only), an empty file
    where the command always answers, a configuration without its last line (cut short)."""
    if not outputs:
        return [f"nothing saved for platform {platform} (no file matches one of its commands)"]
    problems = []
    config_command = collectors.get_config_command(platform)
    expected = collectors.get_commands(platform) if host.files else [config_command]
    if any(c in outputs for c in collectors.get_napalm_commands()):  # a NAPALM survey's export
        expected = collectors.get_napalm_commands()
    if host.typed and not host.files and host.config is None:
        expected = []  # a session log holds what was typed: no command is owed
    missing = [c for c in expected if c is not None and c not in outputs]
    if missing:
        problems.append(f"not saved: {', '.join(missing)}")
    empty = [
        c
        for c, raw in outputs.items()
        if not raw.text.strip()
        and (c not in host.typed or get_spec_command(collectors, platform, c) is not None)
        and not collectors.may_be_empty(platform, get_spec_command(collectors, platform, c) or c)
    ]
    if empty:
        problems.append(f"empty: {', '.join(empty)}")
    config = outputs.get(config_command or "")
    if config is None and config_command is not None:  # typed abbreviated in a log
        config = next((r for c, r in outputs.items() if is_abbreviation(c, config_command)), None)
    if (
        config is not None
        and config.text.strip()
        and not collectors.is_config_complete(platform, config.text)
    ):
        problems.append(f"{config_command}: cut short (its last line is missing)")
    return problems


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
