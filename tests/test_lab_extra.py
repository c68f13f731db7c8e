"""The lab is an extra: govnet runs without it, and says how to install it when asked for it.

``govnet_lab`` ships in the same distribution but only the ``lab`` extra pulls asyncssh; its
``lab`` and ``demo`` commands join the command line through an entry point (that govnet
never imports it is an import-linter contract in pyproject.toml). Installing a venv without
the extra is too slow for the suite, so a child process plays one: its import system
refuses the lab (and asyncssh) as an uninstalled package would.
"""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import entry_points, requires

import pytest

MESSAGE = "error: the simulated lab is an extra: pip install 'govnet[lab]'\n"

# Run govnet in a process where importing the refused packages fails.
CHILD = """
import sys

REFUSED = set(sys.argv[1].split(","))


class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in REFUSED:
            raise ImportError(f"refused by the test: {name}", name=name)
        return None


sys.meta_path.insert(0, Refuse())
sys.argv = ["govnet", *sys.argv[2:]]
from govnet.cli import main

main()
"""


def run_without(refused: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHILD, refused, *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_govnet_runs_without_the_lab() -> None:
    done = run_without("asyncssh,govnet_lab", "--help")
    assert done.returncode == 0, done.stderr
    assert "Survey devices" in done.stdout  # its own commands are all there
    assert done.stdout.count("'govnet[lab]'") == 2  # lab and demo: how to get them


@pytest.mark.parametrize(
    ("refused", "args"),
    [
        ("asyncssh,govnet_lab", ("lab", "up")),
        ("asyncssh,govnet_lab", ("lab", "--help")),
        ("asyncssh,govnet_lab", ("demo",)),
        ("asyncssh", ("lab", "up", "--project", "x", "--devices", "9")),  # the lab, no asyncssh
        ("asyncssh", ("demo", "--dir", "x")),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else f"without {v}",
)
def test_lab_commands_without_the_extra_say_how_to_install_it(
    refused: str, args: tuple[str, ...]
) -> None:
    done = run_without(refused, *args)
    assert (done.returncode, done.stderr, done.stdout) == (1, MESSAGE, "")


def test_only_the_lab_extra_pulls_asyncssh() -> None:
    requirements = requires("govnet") or []
    asyncssh = [r for r in requirements if re.match(r"asyncssh\b", r, re.IGNORECASE)]
    assert asyncssh, requirements
    for requirement in asyncssh:
        _, _, marker = requirement.partition(";")
        assert marker.strip() == 'extra == "lab"', requirement


def test_the_lab_adds_its_commands_through_an_entry_point() -> None:
    plugins = {e.name: e.value for e in entry_points(group="govnet.cli")}
    assert plugins.get("lab") == "govnet_lab.cli:register"


def test_campaigns_without_the_jobs_extra_say_how_to_install_it() -> None:
    done = run_without("procrastinate", "campaign", "status")
    assert done.returncode == 1
    assert (
        done.stderr
        == "error: campaigns with workers need the jobs extra: pip install 'govnet[jobs]'\n"
    )
