"""`govnet init`: a new project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govnet.app.project import init_project
from govnet.cli.common import app, handles_errors, out
from govnet.model.problems import UsageError


@app.command()
@handles_errors
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new project.")],
    force: Annotated[bool, typer.Option(help="Replace existing inventory files.")] = False,
    county: Annotated[
        str | None,
        typer.Option(
            help="A county's NBS code (370705) or name: its own project, units for the county"
            " government, its e-government centre and every town; no devices, an empty ledger."
        ),
    ] = None,
) -> None:
    """Scaffold a project from the example district, or for a real county (--county)."""
    if county is not None:
        from govnet.app.county import init_county_project

        if force:
            raise UsageError("--county makes a project in a new or empty folder: drop --force")
        written = init_county_project(directory, county)
        out.print(f"created project for county {county} in {directory} ({len(written)} files)")
        out.print(
            f"next: cd {directory} && govnet inventory template 清单.xlsx"
            " (fill in devices and the ledger), then govnet inventory import 清单.xlsx"
        )
        return
    written = init_project(directory, force=force)
    out.print(f"created project in {directory} ({len(written)} files)")
    out.print(f"next: cd {directory} && govnet inventory check")
