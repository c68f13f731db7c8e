"""`govnet classify`, `govnet exits` and `govnet explain`: targets with their evidence."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Annotated, Any

import typer
from rich.text import Text

from govnet.cli.common import (
    AllowIncompleteOpt,
    ClassificationOpt,
    JsonOpt,
    UserError,
    WideOpt,
    app,
    err,
    get_options,
    handles_errors,
    out,
    print_json,
    render_view,
    warn_survey_gaps,
)
from govnet.cli.tables import Cell, Col, print_table
from govnet.model.labels import TARGET_LABELS
from govnet.model.verdicts import Breach, Classification, UnitAccess
from govnet.reports.base import money


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


classify_app = typer.Typer(
    help="Give every business network and line a target with its evidence (stored);"
    " `classify show` reads the latest without storing.",
    invoke_without_command=True,
)
classify_app.info.name = "classify"
app.add_typer(classify_app, name="classify")


SHOW_HINT = "hint: `govnet classify show` lists the latest classification without storing a new one"


@classify_app.callback()
@handles_errors
def classify(
    ctx: typer.Context,
    run: Annotated[
        int | None, typer.Option("--run", help="Survey run to classify (default: the latest).")
    ] = None,
    show: Annotated[
        str | None,
        typer.Option(help="What to list: networks (default), lines, all, or none (summary only)."),
    ] = None,
    allow_incomplete: AllowIncompleteOpt = False,
    wide: WideOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Give every business network and line a target with its evidence (stored)."""
    from govnet.app.classify import classify_checked

    if ctx.invoked_subcommand is not None:
        return
    if show not in (None, "networks", "lines", "all", "none"):
        raise UserError(f"--show {show!r}: use networks, lines, all or none")
    stored, gaps = classify_checked(get_options(ctx).get_project(), run, allow_incomplete)
    result = stored.result
    warn_survey_gaps(gaps)
    if as_json:
        print_json(
            {**_classification_json(result, stored.classify_run_id), "survey": gaps.to_dict()}
        )
        return
    render_classification(stored.classify_run_id, result, show or "networks", wide)
    if show not in (None, "none"):
        err.print(SHOW_HINT, markup=False)


@classify_app.command("show")
@handles_errors
def classify_show(
    ctx: typer.Context,
    what: Annotated[
        str, typer.Option("--what", help="What to list: networks, lines, units or all.")
    ] = "all",
    unit: Annotated[
        str | None, typer.Option("--unit", help="Only this unit's networks, lines and exits.")
    ] = None,
    classification: ClassificationOpt = None,
    wide: WideOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """The latest stored classification (or --classification N), read only: nothing is
    classified or stored."""
    from govnet.app.classify import get_stored_classification

    if what not in SHOWN:
        raise UserError(f"--what {what!r}: use {', '.join(SHOWN)}")
    stored = get_stored_classification(get_options(ctx).get_project(), classification)
    result = stored.result
    if unit is not None:
        result = _of_unit(result, unit, stored.classify_run_id)
    if as_json:
        print_json(_classification_json(result, stored.classify_run_id))
        return
    render_classification(stored.classify_run_id, result, what, wide)


SHOWN = ("networks", "lines", "units", "all")


def _of_unit(result: Classification, unit: str, classify_run_id: int) -> Classification:
    """The part of ``result`` about ``unit``; a unit it does not know is an error."""
    if not any(u.unit == unit for u in result.units):
        raise UserError(
            f"--unit {unit!r}: no such unit in classification {classify_run_id}"
            " (`govnet classify show --what units` lists them)"
        )
    return dataclasses.replace(
        result,
        breaches=[b for b in result.breaches if b.unit == unit],
        networks=[v for v in result.networks if v.unit == unit],
        lines=[v for v in result.lines if v.unit == unit],
        units=[u for u in result.units if u.unit == unit],
        findings=[f for f in result.findings if f.unit == unit],
    )


def render_classification(
    classify_run_id: int, result: Classification, show: str, wide: bool
) -> None:
    """Breaches, the count per target, then the networks, lines and/or units asked for."""
    render_breaches(result.breaches)
    by_network = Counter(v.target for v in result.networks)
    by_line = Counter(v.target for v in result.lines)
    counts = [
        [label, str(by_network[target]), str(by_line[target])]
        for target, label in TARGET_LABELS.items()
        if by_network[target] or by_line[target]
    ]
    counts.append(["total", str(len(result.networks)), str(len(result.lines))])
    print_table(
        out,
        [Col("target"), Col("networks", "right", keep=True), Col("lines", "right", keep=True)],
        counts,
        f"classification {classify_run_id} of survey run {result.survey_run_id}",
        wide,
    )
    subjects = {
        "networks": result.networks,
        "lines": result.lines,
        "all": [*result.networks, *result.lines],
        "units": [],
        "none": [],
    }[show]
    if subjects:
        columns = [Col("id", keep=True), Col("unit", keep=True), Col("name"), Col("target")]
        columns += [Col("rule"), Col("conf.", "right", keep=True)]
        rows = [
            [v.key, v.unit, v.name, v.target.value, v.rule, f"{v.confidence:.2f}"] for v in subjects
        ]
        print_table(out, columns, rows, wide=wide)
    if show in ("units", "all") and result.units:
        print_units(result.units, wide)
    for f in result.findings:
        out.print(f"  {f.kind}: {f.text}", markup=False)
    out.print("why: govnet explain ID   (a network id, circuit id, host:interface or unit)")


def print_units(units: list[UnitAccess], wide: bool) -> None:
    """Each unit with its access class and every internet exit, with what it costs."""
    columns = [Col("unit", keep=True), Col("name"), Col("class", keep=True)]
    columns += [Col("exit", keep=True), Col("kind"), Col("own"), Col("circuit", keep=True)]
    columns += [Col("CNY/month", "right", keep=True), Col("CNY/year", "right", keep=True)]
    rows: list[list[Cell]] = []
    for u in units:
        head: list[Cell] = [u.unit, u.name, u.category or "-"]
        if not u.exits:
            rows.append([*head, "-", "", "", "-", "-", "-"])
        for e in u.exits:
            where = f"{e.host}:{e.interface}" if e.host else "(ledger only)"
            own: Cell = Text("own", style="red") if e.own_exit else "unified"
            fees = [money(e.monthly_fee), money(e.annual_fee)]
            rows.append([*head, where, e.kind, own, e.circuit_id or "-", *fees])
    print_table(out, columns, rows, "units: access class A-F and internet exits", wide)


@app.command()
@handles_errors
def exits(
    ctx: typer.Context,
    classification: ClassificationOpt = None,
    all_units: Annotated[
        bool, typer.Option("--all", help="List every unit, not only those with an exit.")
    ] = False,
    wide: WideOpt = False,
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
    columns = [Col("unit", keep=True), Col("class", keep=True), Col("exit", keep=True)]
    columns += [Col("kind"), Col("signs"), Col("own"), Col("circuit", keep=True)]
    columns.append(Col("CNY/month", "right", keep=True))
    rows: list[list[Cell]] = []
    for u in result.units:
        if not u.exits:
            if all_units:
                rows.append([u.unit, u.category or "-", "", "", "", "", "", ""])
            continue
        for e in u.exits:
            rows.append(
                [
                    u.unit,
                    u.category or "-",
                    f"{e.host}:{e.interface}" if e.host else "(ledger only)",
                    e.kind,
                    ", ".join(e.signs),
                    Text("own", style="red") if e.own_exit else "unified",
                    e.circuit_id or "-",
                    money(e.monthly_fee) if e.monthly_fee else "-",
                ]
            )
    title = "internet exits (own = bypasses the extranet internet zone)"
    print_table(out, columns, rows, title, wide)
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
