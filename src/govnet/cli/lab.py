"""`govnet lab`: the simulated routers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govnet.app.project import Project
from govnet.cli.common import (
    JsonOpt,
    app,
    get_options,
    handles_errors,
    out,
    print_json,
)

lab_app = typer.Typer(help="Simulated routers over SSH on 127.0.0.1.", no_args_is_help=True)


lab_app.info.name = "lab"
app.add_typer(lab_app, name="lab")


LabProjectOpt = Annotated[
    Path | None,
    typer.Option(
        "--project", "-p", help="Project folder (default: the global --project).", file_okay=False
    ),
]


def _lab_root(ctx: typer.Context, project: Path | None, *, new: bool = False) -> Path:
    """The project folder; with ``new``, an explicit folder may be empty (the lab fills it)."""
    explicit = project or get_options(ctx).project
    if new and explicit is not None and not (explicit / "nornir_config.yaml").exists():
        return explicit.resolve()
    return Project.find(explicit, None).root


@lab_app.command("up")
@handles_errors
def lab_up(
    ctx: typer.Context,
    project: LabProjectOpt = None,
    county: Annotated[
        str | None,
        typer.Option(help="County code; synthesizes a project in an empty --project folder."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the district (default 0).")] = None,
    devices: Annotated[
        int | None, typer.Option(help="Number of routers of a synthesized project.")
    ] = None,
    faults: Annotated[
        str | None,
        typer.Option(help="Faults, e.g. 'gbk=2,slow=0.1,silent=jlp-gaj-r1' (count, share, hosts)."),
    ] = None,
    first_port: Annotated[
        int | None, typer.Option(help="First port of a synthesized project (default 20001).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Start the simulated routers in the background, generated from the project's inventory."""
    from govnet_lab.control import start_lab

    root = _lab_root(ctx, project, new=True)
    started = start_lab(
        root, county=county, seed=seed, devices=devices, faults=faults, first_port=first_port
    )
    credentials = started.paths.credentials
    if as_json:
        print_json(
            {
                "pid": started.pid,
                "already_running": started.already_running,
                "platforms": started.platforms,
                "ports": started.ports,
                "credentials": credentials,
                "log": started.paths.log,
            }
        )
        return
    state = "already running" if started.already_running else "started"
    total = sum(started.platforms.values())
    by_platform = ", ".join(f"{n} {p}" for p, n in started.platforms.items())
    out.print(f"lab {state} (pid {started.pid}): {total} routers ({by_platform})")
    if started.ports:
        out.print(f"ports: 127.0.0.1:{started.ports[0]}-{started.ports[-1]}")
    out.print(f"credentials: source {credentials}")
    out.print(f"log: {started.paths.log}")


@lab_app.command("down")
@handles_errors
def lab_down(ctx: typer.Context, project: LabProjectOpt = None) -> None:
    """Stop the project's lab server, if it runs."""
    from govnet_lab.control import stop_lab

    pid = stop_lab(_lab_root(ctx, project))
    out.print("lab not running" if pid is None else f"lab stopped (pid {pid})")


@lab_app.command("status")
@handles_errors
def lab_status(ctx: typer.Context, project: LabProjectOpt = None, as_json: JsonOpt = False) -> None:
    """Whether the lab runs, its pid, and how many of its ports answer."""
    from govnet_lab.control import get_lab_status

    status = get_lab_status(_lab_root(ctx, project))
    if as_json:
        print_json(
            {
                "running": status.running,
                "pid": status.pid,
                "ports": len(status.ports),
                "answering": len(status.answering),
                "stale_pidfile": status.stale_pidfile,
            }
        )
        return
    if not status.running:
        stale = " (stale pidfile)" if status.stale_pidfile else ""
        out.print(f"lab not running{stale}")
        return
    out.print(
        f"lab running (pid {status.pid}): {len(status.answering)}/{len(status.ports)} ports answer"
    )
