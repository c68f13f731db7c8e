"""`govnet classify`, `govnet exits` and `govnet explain`: targets with their evidence."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from govnet.cli.common import (
    AllowIncompleteOpt,
    ClassificationOpt,
    JsonOpt,
    UserError,
    app,
    get_options,
    handles_errors,
    out,
    print_json,
    render_view,
    warn_survey_gaps,
)
from govnet.model.labels import TARGET_LABELS
from govnet.model.verdicts import Breach


def _classification_json(result: Any, classify_run_id: int | None) -> dict[str, Any]:
    """Breaches first, as in every output."""
    return {
        "classify_run": classify_run_id,
        "survey_run": result.survey_run_id,
        "campaign": result.campaign,
        "breaches": [b.to_dict() for b in result.breaches],
        "networks": [v.to_dict() for v in result.networks],
        "lines": [v.to_dict() for v in result.lines],
        "units": [u.to_dict() for u in result.units],
        "findings": [f.to_dict() for f in result.findings],
    }


def render_breaches(breaches: list[Breach]) -> None:
    """Isolation breaches first, in every output (inventory text never read as markup)."""
    from govnet.reports.exits import get_breach_lines

    render_view(get_breach_lines(breaches))


@app.command()
@handles_errors
def classify(
    ctx: typer.Context,
    run: Annotated[
        int | None, typer.Option("--run", help="Survey run to classify (default: the latest).")
    ] = None,
    show: Annotated[
        str,
        typer.Option(help="What to list: networks, lines, all, or none (summary only)."),
    ] = "networks",
    allow_incomplete: AllowIncompleteOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Give every business network and line a target with its evidence (stored)."""
    from govnet.app.classify import classify_checked

    if show not in ("networks", "lines", "all", "none"):
        raise UserError(f"--show {show!r}: use networks, lines, all or none")
    stored, gaps = classify_checked(get_options(ctx).get_project(), run, allow_incomplete)
    result = stored.result
    warn_survey_gaps(gaps)
    if as_json:
        print_json(
            {**_classification_json(result, stored.classify_run_id), "survey": gaps.to_dict()}
        )
        return
    render_breaches(result.breaches)
    counts = Table(
        title=f"classification {stored.classify_run_id} of survey run {result.survey_run_id}",
        title_justify="left",
    )
    counts.add_column("target")
    counts.add_column("networks", justify="right")
    counts.add_column("lines", justify="right")
    by_network = Counter(v.target for v in result.networks)
    by_line = Counter(v.target for v in result.lines)
    for target, label in TARGET_LABELS.items():
        if by_network[target] or by_line[target]:
            counts.add_row(label, str(by_network[target]), str(by_line[target]))
    counts.add_row("total", str(len(result.networks)), str(len(result.lines)))
    out.print(counts)
    subjects = {
        "networks": result.networks,
        "lines": result.lines,
        "all": [*result.networks, *result.lines],
        "none": [],
    }[show]
    if subjects:
        table = Table(show_lines=False)
        for column in ("id", "unit", "name", "target", "rule", "conf."):
            table.add_column(column)
        for v in subjects:
            table.add_row(v.key, v.unit, v.name, v.target.value, v.rule, f"{v.confidence:.2f}")
        out.print(table)
    for f in result.findings:
        out.print(f"  {f.kind}: {f.text}", markup=False)
    out.print("why: govnet explain ID   (a network id, circuit id, host:interface or unit)")


@app.command()
@handles_errors
def exits(
    ctx: typer.Context,
    classification: ClassificationOpt = None,
    all_units: Annotated[
        bool, typer.Option("--all", help="List every unit, not only those with an exit.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Internet exits per unit, its access class A-F, compliant or not; breaches first."""
    from govnet.app.classify import get_classification

    result = get_classification(get_options(ctx).get_project(), classification)
    if as_json:
        print_json(
            {
                "survey_run": result.survey_run_id,
                "breaches": [b.to_dict() for b in result.breaches],
                "units": [u.to_dict() for u in result.units],
            }
        )
        return
    render_breaches(result.breaches)
    table = Table(title="internet exits (own = bypasses the extranet internet zone)")
    for column in ("unit", "class", "exit", "kind", "signs", "own", "circuit", "CNY/month"):
        table.add_column(column)
    for u in result.units:
        if not u.exits:
            if all_units:
                table.add_row(u.unit, u.category or "-", "", "", "", "", "", "")
            continue
        for e in u.exits:
            table.add_row(
                u.unit,
                u.category or "-",
                f"{e.host} {e.interface}" if e.host else "(ledger only)",
                e.kind,
                ", ".join(e.signs),
                Text("own", style="red") if e.own_exit else "unified",
                e.circuit_id or "-",
                f"{e.monthly_fee:g}" if e.monthly_fee else "-",
            )
    out.print(table)
    own = [u for u in result.units if u.own_exit]
    classes = Counter(u.category or "-" for u in result.units)
    out.print(
        f"{len(own)} unit(s) with an own internet exit (not compliant); access classes: "
        + ", ".join(f"{k} {v}" for k, v in sorted(classes.items()))
    )


@app.command()
@handles_errors
def explain(
    ctx: typer.Context,
    subject: Annotated[
        str, typer.Argument(help="A network id (unit:system), circuit id, host:interface or unit.")
    ],
    classification: ClassificationOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The full reasoning for one network, line or unit."""
    from govnet.app.classify import explain as explain_subject

    explanation = explain_subject(get_options(ctx).get_project(), subject, classification)
    if as_json:
        print_json(explanation.__dict__)
        return
    out.print(explanation.title, markup=False)
    for line in explanation.lines:
        out.print(f"  {line}", markup=False)
