"""`govnet lab up|down|status|apply|flows` and `govnet demo`: the lab's commands in govnet.

govnet loads every entry point of group ``govnet.cli`` (pyproject.toml names :func:`register`)
and calls it after registering its own commands. Without the lab extra (no asyncssh),
:func:`register` raises ModuleNotFoundError, govnet leaves these commands out and answers
them with one line saying how to install the extra.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated

import typer

from govnet.app.project import Project
from govnet.cli.classify import render_breaches
from govnet.cli.common import (
    JsonOpt,
    get_options,
    handles_errors,
    out,
    print_json,
)
from govnet.cli.inventory import describe_sync, render_summary
from govnet.cli.survey import render_survey_summary
from govnet_lab.model import Fault


def register(app: typer.Typer) -> None:
    """Add ``demo`` and ``lab`` to govnet's command line (entry point ``govnet.cli``).

    Raises ModuleNotFoundError when the lab extra is not installed (the lab's SSH server
    needs asyncssh), before adding anything.
    """
    if importlib.util.find_spec("asyncssh") is None:
        raise ModuleNotFoundError("the lab needs asyncssh: pip install 'govnet[lab]'")
    app.command()(demo)
    app.add_typer(lab_app, name="lab")


FAULTS_HELP = (
    "Faults, e.g. 'gbk=2,slow=0.1,silent=jlp-gaj-r1' (count, share, hosts). Of a router: "
    + ", ".join(f.value for f in Fault)
    + " (closed_vlans: the router's carrier circuits pass only the VLANs they had, so a new"
    " sub-interface is up but carries nothing). Of the data plane, on one of the router's"
    " lines: drop_vlan (the carrier drops its"
    " VLAN), one_way (its circuit passes one way only), blackhole (the upstream router routes"
    " its LAN to NULL0), no_return (no route back to its LAN)."
)

lab_app = typer.Typer(help="Simulated routers over SSH on 127.0.0.1.", no_args_is_help=True)
lab_app.info.name = "lab"


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
        typer.Option(help=FAULTS_HELP),
    ] = None,
    first_port: Annotated[
        int | None, typer.Option(help="First port of a synthesized project (default 20001).")
    ] = None,
    handoff: Annotated[
        str | None,
        typer.Option(help="How the dedicated zone reaches the city: option_a (default) or vpnv4."),
    ] = None,
    platform: Annotated[
        str | None,
        typer.Option(
            help="Serve every router of a synthesized project as this vendor: huawei,"
            " hp_comware or cisco_ios (default: a mix, about half Huawei)."
        ),
    ] = None,
    answer_delay: Annotated[
        float | None,
        typer.Option(
            min=0,
            help="Seconds every router waits before each answer, as over a WAN link"
            " (default: none).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Start the simulated routers in the background, generated from the project's inventory."""
    from govnet_lab.control import start_lab

    root = _lab_root(ctx, project, new=True)
    started = start_lab(
        root,
        county=county,
        seed=seed,
        devices=devices,
        faults=faults,
        first_port=first_port,
        handoff=handoff,
        platform=platform,
        answer_delay=answer_delay,
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


@lab_app.command("apply")
@handles_errors
def lab_apply(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="Configuration lines, one a line.", dir_okay=False, exists=True)
    ],
    host: Annotated[
        str,
        typer.Option(help="The upstream router: city-zwww-core, or a system's node (up-weijian)."),
    ],
    project: LabProjectOpt = None,
) -> None:
    """Type lines into an upstream router of the running lab (nobody logs in to those): play
    the city's operator, or a vertical system's, doing what a plan asks of them."""
    from govnet_lab.control import LabError, apply_upstream

    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LabError(f"{file}: cannot read it as UTF-8 text ({exc})") from None
    rejected = apply_upstream(_lab_root(ctx, project), host, [x for x in lines if x.strip()])
    if rejected:
        raise LabError(f"{host} refused {len(rejected)} line(s): {'; '.join(rejected)}")
    out.print(f"{host}: {len(lines)} line(s) applied")


@lab_app.command("flows")
@handles_errors
def lab_flows(ctx: typer.Context, project: LabProjectOpt = None, as_json: JsonOpt = False) -> None:
    """Every flow of the lab's ground truth, sent now by the running lab's data plane: does
    it work, and along which routers (rehearsing a cutover: after each push, do all business
    flows still work, and do the ones that must never work still fail?)."""
    from govnet_lab.control import get_lab_flows

    flows = get_lab_flows(_lab_root(ctx, project))
    if as_json:
        print_json([{**vars(f), "as_it_should": f.as_it_should} for f in flows])
        return
    must = [f for f in flows if f.must_work]
    never = [f for f in flows if not f.must_work]
    out.print(
        f"{sum(f.works for f in must)}/{len(must)} flows that must work work;"
        f" {sum(not f.works for f in never)}/{len(never)} that must never work do not"
    )
    for flow in flows:
        state = "ok" if flow.as_it_should else ("BROKEN" if flow.must_work else "LEAKS")
        vpn = f" in {flow.vpn_instance}" if flow.vpn_instance else ""
        how = " > ".join(flow.path) + (f" ({flow.reason})" if flow.reason else "")
        out.print(
            f"{state:6} {flow.id}: {flow.source}{vpn} -> {flow.destination}"
            f" {'works' if flow.works else flow.outcome}: {how}",
            markup=False,
        )


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


@handles_errors
def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where to build the demo project.")
    ] = Path("demo"),
    keep_lab: Annotated[
        bool, typer.Option("--keep-lab", help="Leave the simulated routers running.")
    ] = False,
) -> None:
    """Run everything built so far on the example district, end to end."""
    from govnet_lab.demo import Breaches, InventoryLoaded, Say, Step, run_demo

    for event in run_demo(directory, keep_lab):
        if isinstance(event, Step):
            out.print(f"[{event.number}/{event.total}] {event.text}")
        elif isinstance(event, Say):
            out.print(event.text, markup=event.markup)
        elif isinstance(event, InventoryLoaded):
            out.print(f"      {describe_sync(event.sync)}")
            render_summary(event.summary)
        elif isinstance(event, Breaches):
            render_breaches(event.breaches)
        else:
            render_survey_summary(event.summary)
