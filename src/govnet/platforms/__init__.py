"""The platform registry: every vendor OS govnet surveys, plans for and pushes to.

A platform is one folder, ``collectors/<platform>/`` (the name is the inventory's
``platform``): ``platform.yaml`` (vendor, error answers, interface names, the live session,
how a push drives configuration mode, and the configuration ``dialect:``), one
``<topic>.yaml`` per topic with its TextFSM templates, and an optional ``hooks.py`` for what
data cannot say; its configuration templates are ``playbooks/templates/<platform>/``. A
project's ``collectors/`` adds platforms to the bundled ones (and replaces a bundled one of
the same name); a platform may ``extends:`` another. Nothing in Python names a platform.

:func:`load_platforms` reads and checks every folder once (a typo fails naming file, line and
field); :meth:`Platforms.parse` turns one host's outputs into facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govnet.model.facts import HostFacts
from govnet.model.files import search_path
from govnet.platforms.compile import Platform, any_of, load_plans
from govnet.platforms.dialect import Dialect, StaticRoute
from govnet.platforms.napalm import GETTERS as NAPALM_GETTERS
from govnet.platforms.napalm import PREFIX as NAPALM_PREFIX
from govnet.platforms.napalm import is_napalm_outputs, parse_napalm
from govnet.platforms.parse import ParseProblem, find_names, parse_outputs
from govnet.platforms.specs import PLATFORM_FILE, PushSpec, SessionSpec, SpecError
from govnet.platforms.transforms import expand_interface

__all__ = [
    "COLLECTORS_DIR",
    "Dialect",
    "ParseProblem",
    "Platform",
    "Platforms",
    "PushSpec",
    "SessionSpec",
    "SpecError",
    "StaticRoute",
    "any_of",
    "expand_interface",
    "list_platforms",
    "load_platforms",
]

COLLECTORS_DIR = "collectors"


def list_platforms(project_root: Path | None = None) -> list[str]:
    """The names of every platform folder (bundled and the project's), not yet checked: what
    an inventory may name."""
    folders = search_path(project_root, COLLECTORS_DIR)
    return sorted({p.parent.name for f in folders for p in f.glob(f"*/{PLATFORM_FILE}")})


def load_platforms(project_root: Path | None = None) -> Platforms:
    """The bundled platforms and the project's own (``collectors/``), checked. Raises
    SpecError (a ProblemsError) naming file, line and field of every problem."""
    return Platforms(load_plans(search_path(project_root, COLLECTORS_DIR)), (project_root,))


@dataclass(frozen=True)
class Platforms:
    """Every platform's compiled specs: what to run, how to read the answers, how its
    configuration is written."""

    plans: Mapping[str, Platform]
    # load_platforms' argument: a survey's worker processes load the same specs again, since
    # compiled templates do not pickle (None: built by hand, not sent to a process)
    loaded_from: tuple[Path | None] | None = field(default=None, compare=False, repr=False)

    def __reduce__(self) -> tuple[Any, ...]:
        if self.loaded_from is None:
            raise TypeError("Platforms built by hand cannot go to another process")
        return (load_platforms, self.loaded_from)

    def get_platforms(self) -> list[str]:
        return sorted(self.plans)

    def _plan(self, platform: str) -> Platform:
        plan = self.plans.get(platform)
        if plan is None:
            known = ", ".join(sorted(self.plans))
            raise KeyError(f"no collector specs for platform {platform!r} (have: {known})")
        return plan

    def get_commands(self, platform: str) -> list[str]:
        """Every fixed command a live survey sends, once each, in run order (paging is the
        collector's business). Commands with a placeholder come from
        :meth:`get_followup_commands` once these have answered; commands marked
        ``live: false`` are read from saved text only."""
        return [c.command for c in self._plan(platform).commands if c.live and not c.placeholders]

    def get_followup_commands(self, platform: str, outputs: Mapping[str, str]) -> list[str]:
        """The per-VPN-instance commands (``display ip routing-table vpn-instance X``) for
        the VPN instances that ``outputs`` of :meth:`get_commands` show; [] if none."""
        plan = self._plan(platform)
        templated = [c for c in plan.commands if c.placeholders and c.live]
        if not templated:
            return []
        found = find_names(plan, outputs, "vpn_instance")
        names = {"vpn_instance": [v.name for v in found.vpn_instances]}
        return [command for c in templated for command in c.expand(names)]

    def get_interface_names(self, platform: str) -> Mapping[str, str]:
        """The platform's interface abbreviations (``GE`` -> ``GigabitEthernet``), so a name
        written by hand (a ledger's A end) can be matched to the device's own."""
        plan = self.plans.get(platform)
        return plan.tables.interface_names if plan is not None else {}

    def get_all_interface_names(self) -> dict[str, Mapping[str, str]]:
        """Every platform's abbreviations (what a classification matches ledger names with)."""
        return {name: self.get_interface_names(name) for name in self.get_platforms()}

    def get_session(self, platform: str) -> SessionSpec | None:
        """Paging-off commands and prompt pattern for a live survey (``session:`` in
        platform.yaml); None when the platform is for saved outputs only."""
        return self._plan(platform).session

    def get_push(self, platform: str) -> PushSpec | None:
        """How a push drives configuration mode (``push:`` in platform.yaml); None when
        govnet does not configure this platform."""
        return self._plan(platform).push

    def get_dialect(self, platform: str) -> Dialect | None:
        """How the platform writes its configuration (``dialect:`` in platform.yaml, and its
        hooks); None when govnet plans nothing for it."""
        plan = self.plans.get(platform)
        return plan.dialect if plan is not None else None

    def get_dialects(self) -> dict[str, Dialect]:
        return {n: p.dialect for n, p in sorted(self.plans.items()) if p.dialect is not None}

    def get_config_command(self, platform: str) -> str | None:
        """The command whose output is the running configuration (``config`` topic)."""
        return self._plan(platform).config_command

    def is_config_complete(self, platform: str, text: str) -> bool:
        """Whether a saved running configuration ends with its last line (``config_end:``
        in platform.yaml: Huawei's ``return``, IOS's ``end``), so a file cut short is not
        taken for a whole configuration; True when the platform names no last line."""
        end = self._plan(platform).config_end
        lines = text.rstrip().rsplit("\n", 1)
        return end is None or end.fullmatch(lines[-1].strip()) is not None

    def may_be_empty(self, platform: str, command: str) -> bool:
        """Whether an empty answer to ``command`` is normal (``empty_ok:``, an empty table)."""
        for plan in self._plan(platform).commands:
            if plan.command == command or (plan.pattern and plan.pattern.fullmatch(command)):
                return plan.empty_ok
        return False

    def get_config_commands(self) -> set[str]:
        """How every platform prints its running configuration."""
        return {p.config_command for p in self.plans.values() if p.config_command}

    def get_command_for_file(self, platform: str, stem: str) -> str | None:
        """The command a saved-output file name stands for (spaces written as ``_``), or
        None: ``display_ip_routing-table_vpn-instance_ZW_WAI`` ->
        ``display ip routing-table vpn-instance ZW_WAI`` (the VPN name keeps its ``_``)."""
        getter = stem.removeprefix(NAPALM_PREFIX.replace(" ", "_"))
        if getter != stem and getter in NAPALM_GETTERS:  # a NAPALM survey's exported output
            return NAPALM_PREFIX + getter
        commands = self._plan(platform).commands
        for command in sorted(commands, key=lambda c: bool(c.placeholders)):
            match = command.file_pattern.match(stem)
            if match is not None:
                return command.expand({k: [v] for k, v in match.groupdict().items()})[0]
        return None

    def parse(
        self, platform: str, outputs: Mapping[str, str]
    ) -> tuple[HostFacts, list[ParseProblem]]:
        """The facts in ``outputs`` (command -> decoded text) and the problems met.

        Commands missing from ``outputs`` leave their facts unknown (empty), not an error;
        outputs of commands no spec names are ignored. A NAPALM survey's outputs (``napalm
        <getter>``) are read by :mod:`.napalm`.
        """
        if is_napalm_outputs(outputs):
            return parse_napalm(self._plan(platform), outputs)
        return parse_outputs(self._plan(platform), outputs)

    def get_napalm_commands(self) -> list[str]:
        """The raw outputs a NAPALM survey keeps per host (``napalm <getter>``)."""
        return [NAPALM_PREFIX + g for g in NAPALM_GETTERS]

    def get_napalm_driver(self, platform: str) -> str | None:
        """The NAPALM driver a platform declares (``driver: napalm:<name>``), or None."""
        plan = self.plans.get(platform)
        return plan.napalm_driver if plan is not None else None
