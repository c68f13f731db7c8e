"""`govnet init`: a new project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govnet.app.project import init_project
from govnet.cli.common import app, handles_errors, out


@app.command()
@handles_errors
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new project.")],
    force: Annotated[bool, typer.Option(help="Replace existing inventory files.")] = False,
) -> None:
    """Scaffold a project from the example district (inventory, Nornir config)."""
    written = init_project(directory, force=force)
    out.print(f"created project in {directory} ({len(written)} files)")
    out.print(f"next: cd {directory} && govnet inventory check")
