"""A govnet project: the folder holding nornir_config.yaml, the store that goes with it, and
its own copies of the bundled files (policy, collectors, templates) that win over them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govnet.model.divisions import Division, DivisionTree, get_bundled_tree
from govnet.model.files import get_bundled_root, resolve, search_path
from govnet.model.inventory import NORNIR_CONFIG, Inventory, find_project
from govnet.model.inventory_files import get_inventory, load_inventory, load_nornir_config
from govnet.model.policy import Policy, load_policy
from govnet.model.problems import Problem, ProblemsError
from govnet.model.redact import redact_url
from govnet.store import Store, SyncResult, get_db_url, open_store

if TYPE_CHECKING:
    from govnet.platforms import Platforms

# What `govnet init` copies from the example project.
SCAFFOLD = (NORNIR_CONFIG, "inventory", "playbooks")


class ProjectError(RuntimeError):
    """No project where one is needed, or a scaffold that would overwrite files."""


def _load_plugin(root: Path, plugin: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """A Nornir inventory plugin's hosts (Nornir is imported only for such a project)."""
    from govnet.survey.nornir import load_plugin_entries

    return load_plugin_entries(root, plugin, options)


@dataclass
class Project:
    root: Path
    db_url: str

    @classmethod
    def find(cls, explicit: Path | None, db: str | None, cwd: Path | None = None) -> Project:
        start = explicit or cwd or Path.cwd()
        root = find_project(start) if explicit is None else explicit.resolve()
        if root is None or not (root / NORNIR_CONFIG).is_file():
            where = start.resolve()
            raise ProjectError(
                f"no govnet project at {where}: no {NORNIR_CONFIG} there"
                + ("" if explicit else " or above")
                + " (use --project DIR, or `govnet init DIR` to make one)"
            )
        return cls(root, get_db_url(root, db))

    def open_store(self) -> Store:
        return open_store(self.db_url)

    @contextmanager
    def store(self) -> Iterator[Store]:
        """The project's store for the block, disposed of after it."""
        store = self.open_store()
        try:
            yield store
        finally:
            store.dispose()

    def resource(self, relative: str | Path) -> Path:
        """The project's file (``playbooks/policy.yaml``), else the bundled one."""
        return resolve(self.root, relative)

    def search_path(self, relative: str | Path) -> list[Path]:
        """The project's folder (``playbooks/templates``), then the bundled one."""
        return search_path(self.root, relative)

    def load_policy(self) -> Policy:
        """The project's policy, else the bundled one; ProblemsError naming every problem."""
        return load_policy(self.root)

    def load_platforms(self) -> Platforms:
        """The bundled platforms and the project's own; SpecError naming every problem."""
        from govnet.platforms import load_platforms  # compiles templates: when asked, not at start

        return load_platforms(self.root)

    def get_platform_names(self) -> list[str]:
        """The platforms an inventory may name: the bundled ones and the project's own."""
        from govnet.platforms import list_platforms

        return list_platforms(self.root)

    def get_inventory(self) -> Inventory:
        """The checked inventory (bundled divisions); ProblemsError if it has an error."""
        return get_inventory(self.root, get_bundled_tree(), self.get_platform_names(), _load_plugin)

    @property
    def display_db_url(self) -> str:
        """The store URL with any password hidden (naming it creates no store)."""
        return redact_url(self.db_url)

    def has_store(self) -> bool:
        """Whether a store is already there, so checks never create one as a side effect."""
        if not self.db_url.startswith("sqlite:///"):
            return True
        return Path(self.db_url.removeprefix("sqlite:///")).exists()

    def get_ssh_config(self) -> str | None:
        """nornir_config.yaml's ``ssh: config_file:`` (Nornir's own setting): the ssh_config
        of every host whose ``access:`` names none."""
        config, _ = load_nornir_config(self.root)
        section = (config.model_extra or {}).get("ssh") if config is not None else None
        found = section.get("config_file") if isinstance(section, dict) else None
        return str(found) if found else None

    def check_inventory(self) -> tuple[Inventory | None, list[Problem]]:
        """Load and check the inventory, with the store's villages if there is a store."""
        with self.store() if self.has_store() else nullcontext() as store:
            return load_inventory(
                self.root, self.get_tree(store), self.get_platform_names(), _load_plugin
            )

    def load_inventory_into_store(self) -> tuple[Inventory, list[Problem], SyncResult]:
        """Check the inventory and record it in the store; ProblemsError if it has errors."""
        with self.store() as store:
            tree = self.get_tree(store)
            inventory, problems = load_inventory(
                self.root, tree, self.get_platform_names(), _load_plugin
            )
            if inventory is None:
                raise ProblemsError(problems)
            result = store.sync_inventory(inventory.to_store_rows(), inventory.get_digest())
        return inventory, problems, result

    def get_imported_villages(self, code: str) -> list[Division]:
        """Villages imported into the store under a town (or the one village ``code``)."""
        if not self.has_store():
            return []
        prefix = code[:9] if code.endswith("000") else code
        with self.store() as store:
            return [Division(c, n) for c, n in store.get_imported_divisions(prefix)]

    def get_tree(self, store: Store | None = None) -> DivisionTree:
        """Bundled divisions, plus villages imported into the store when one is given."""
        bundled = get_bundled_tree()
        if store is None:
            return bundled

        def lookup(code: str) -> Division | None:
            rows = store.get_imported_divisions(code)
            return Division(code, rows[0][1]) if rows and rows[0][0] == code else None

        return bundled.copy_with(lookup=lookup)


def init_project(target: Path, force: bool = False) -> list[Path]:
    """Copy the example project into ``target``; refuses to overwrite unless ``force``."""
    source = get_bundled_root()
    if target.exists() and not target.is_dir():
        raise ProjectError(f"{target} is a file, not a folder: nothing written")
    blocker = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise ProjectError(f"{blocker} is a file, not a folder: cannot make {target}")
    existing = [target / name for name in SCAFFOLD if (target / name).exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise ProjectError(f"{names} already exist(s): nothing written (use --force to replace)")
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in SCAFFOLD:
        src, dst = source / name, target / name
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
            written += sorted(p for p in dst.rglob("*") if p.is_file())
        else:
            shutil.copyfile(src, dst)
            written.append(dst)
    gitignore = target / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text(".govnet/\nreports/\n")
        written.append(gitignore)
    return written
