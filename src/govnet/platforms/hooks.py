"""A platform's optional ``hooks.py``: Python for what its data cannot say.

A hook is a function of a known name in ``collectors/<platform>/hooks.py`` (a platform that
``extends:`` another inherits its hooks unless it has its own file):

- ``prepare_config(text: str) -> str``: a configuration as hier_config's driver reads it
  (Comware's ``#`` lines end a section; some global commands follow one indented).

Any other public function in the file is reported (a misspelt hook would otherwise be
silently ignored).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import FunctionType
from typing import Any

from govnet.model.problems import Problem

HOOKS_FILE = "hooks.py"
HOOK_NAMES = ("prepare_config",)

__all__ = ["HOOKS_FILE", "HOOK_NAMES", "load_hooks"]


def load_hooks(
    platform: str, path: Path, label: str
) -> tuple[dict[str, Callable[..., Any]], list[Problem]]:
    """The hooks ``path`` defines, and the problems of the file (it fails to import, or
    defines a public function that is no hook)."""
    spec = importlib.util.spec_from_file_location(f"govnet_platform_hooks.{platform}", path)
    if spec is None or spec.loader is None:
        return {}, [Problem(label, "cannot be loaded as a Python module")]
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the user's file: say what broke, never a traceback
        return {}, [Problem(label, f"does not import: {type(exc).__name__}: {exc}")]
    hooks: dict[str, Callable[..., Any]] = {}
    problems: list[Problem] = []
    for name, value in vars(module).items():
        if not isinstance(value, FunctionType) or value.__module__ != module.__name__:
            continue
        if name in HOOK_NAMES:
            hooks[name] = value
        elif not name.startswith("_"):
            known = ", ".join(HOOK_NAMES)
            problems.append(Problem(label, f"{name}() is not a hook (hooks: {known})", None))
    return hooks, problems
