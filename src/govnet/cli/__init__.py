"""The govnet command line: parse, call one use case, render.

One module per command group; this package is the only place that prints. User mistakes
end in one clear message per problem and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys

# Each module registers its commands on the app, in this order (`govnet --help` lists them so).
# isort: off
from govnet.cli import project, inventory, divisions, db, demo, lab, survey, report  # noqa: F401
from govnet.cli import classify, plan  # noqa: F401

# isort: on
from govnet.cli.common import app, err

__all__ = ["app", "main"]


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        sys.exit(130)
