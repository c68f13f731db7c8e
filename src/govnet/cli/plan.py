"""`govnet plan` and `govnet push`: cutover plans, and pushing them safely."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from govnet.cli.common import (
    EXIT_ERROR,
    AllowIncompleteOpt,
    ClassificationOpt,
    JsonOpt,
    UserError,
    WideOpt,
    app,
    err,
    get_credentials,
    get_options,
    handles_errors,
    out,
    print_json,
    warn_survey_gaps,
)
from govnet.cli.tables import Col, print_table
from govnet.reports.base import money


@app.command()
@handles_errors
def plan(
    ctx: typer.Context,
    units: Annotated[
        list[str] | None, typer.Argument(help="Unit keys (see `govnet exits --all`).")
    ] = None,
    all_units: Annotated[
        bool, typer.Option("--all", help="Every unit with something to change.")
    ] = False,
    classification: ClassificationOpt = None,
    allow_incomplete: AllowIncompleteOpt = False,
    window: Annotated[
        str | None,
        typer.Option(
            "--window",
            metavar="'YYYY-MM-DD HH:MM-HH:MM'",
            help="The change window (e.g. '2026-12-20 22:00-02:00'): step times, and a risk"
            " when the work and its rollback do not fit.",
        ),
    ] = None,
    cancel: Annotated[
        int | None,
        typer.Option(
            "--cancel",
            metavar="PLAN",
            help="Cancel a plan: its RDs, RTs, VLANs and links go back to the district registry.",
        ),
    ] = None,
    wide: WideOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Cutover plans per department: documents, work orders, configs, rollback, checks.

    Each plan is written as plan.md/html/docx, the carriers' work orders, the vendor configs
    with their rollback, and checks.yaml."""
    from govnet.app.plan import cancel_plan, make_plans

    if cancel is not None:
        if units or all_units:
            raise UserError("--cancel takes a plan id alone: no units, no --all")
        cancel_plan(get_options(ctx).get_project(), cancel)
        if as_json:
            print_json({"plan": cancel, "status": "cancelled"})
        else:
            out.print(f"plan {cancel} cancelled: its values are free for other plans")
        return
    if not units and not all_units:
        raise UserError("name one or more units, or --all")
    if units and all_units:
        raise UserError("name units or use --all, not both")
    plans = make_plans(
        get_options(ctx).get_project(), units or [], classification, allow_incomplete, window
    )
    written = plans.written
    warn_survey_gaps(plans.gaps)
    if as_json:
        print_json(
            [
                {
                    "plan": w.plan_id,
                    "unit": w.plan.unit,
                    "path": str(w.path),
                    "steps": len(w.plan.steps),
                    "hosts": w.plan.hosts,
                    "blocked": w.plan.blocked,
                    "cancel": [c.circuit_id or c.key for c in w.plan.cancel],
                    "monthly_saving": w.plan.monthly_saving,
                    "annual_saving": w.plan.annual_saving,
                    "missing_hosts": list(w.missing_hosts),
                    "survey": plans.gaps.to_dict(),
                }
                for w in written
            ]
        )
        return
    columns = [Col("plan", keep=True), Col("unit", keep=True)]
    columns += [Col(c, "right", keep=True) for c in ("steps", "devices", "blocked")]
    columns += [Col("lines to cancel", "right", keep=True), Col("CNY/year", "right", keep=True)]
    rows = []
    for w in written:
        p = w.plan
        rows.append(
            [
                str(w.plan_id),
                p.unit,
                str(len(p.steps)),
                str(len(p.hosts)),
                str(len(p.blocked)) if p.blocked else "-",
                str(len(p.cancel)),
                money(p.annual_saving),
            ]
        )
    print_table(out, columns, rows, "cutover plans", wide)
    for w in written:
        out.print(f"  {w.plan.unit}: {w.path / 'plan.md'}", markup=False)
        if w.missing_hosts:
            out.print(
                f"    blocked: no survey result for {', '.join(w.missing_hosts)}", markup=False
            )
    if not written:
        out.print("no unit has anything to change")


PUSH_WORDS = ("status", "recover")  # `govnet push status`, `govnet push recover --host H`


@app.command()
@handles_errors
def push(
    ctx: typer.Context,
    plan_refs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="PLAN...|status|recover",
            help="Plan id, plan folder, or unit key (latest); several with --all-hosts;"
            " `status`: unfinished and running pushes; `recover`: restore the backup of"
            " --host's unfinished push.",
        ),
    ] = None,
    host: Annotated[str | None, typer.Option("--host", help="The device to push to.")] = None,
    all_plans: Annotated[
        bool,
        typer.Option("--all", help="Every plan's host pushes, in order (a night window)."),
    ] = False,
    all_hosts: Annotated[
        bool, typer.Option("--all-hosts", help="Every host push of the plans named, in order.")
    ] = False,
    commit: Annotated[
        bool, typer.Option("--commit", help="Really configure the device (default: dry run).")
    ] = False,
    requests_done: Annotated[
        bool,
        typer.Option(
            "--requests-done",
            help="With --all/--all-hosts: the operators' requests that may be done early (the"
            " city's side of a hand-off) were done before the batch: do not hold for them. A"
            " system's return routes cannot be declared done in advance (done early, they cut"
            " off the business still on the old line): the batch holds before the step that"
            " needs them and asks at the terminal; without one it is refused before anything"
            " is pushed.",
        ),
    ] = False,
    rollback: Annotated[
        bool, typer.Option("--rollback", help="Undo this plan's last push to the host.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Push one host's share of a plan, or every plan in order (--all); a dry run unless --commit.

    A dry run shows drift, pre-checks, the lines and the diff. With --commit: lease and
    journal, backup, apply, post-checks, automatic rollback on failure, Ctrl-C or SIGTERM.
    `push --all` (or PLAN... --all-hosts) pushes every host of the plans in order and stops
    at the first failure, with a report under reports/; before each host push whose steps
    need an operator's request it holds, shows the request and waits for y/n (see
    --requests-done). `push status` lists unfinished pushes; `push recover --host H
    --commit` restores the backup of H's."""
    project = get_options(ctx).get_project()
    refs = plan_refs or []
    on_step = None if as_json else lambda text: err.print(f"  {text}", markup=False)
    if all_plans or all_hosts:
        if all_plans and refs:
            raise UserError("--all pushes every plan: name none (or use PLAN... --all-hosts)")
        if all_hosts and not refs:
            raise UserError("--all-hosts pushes the plans named: name one or more (or --all)")
        if host is not None or rollback or any(r in PUSH_WORDS for r in refs):
            raise UserError("--all and --all-hosts take no --host, --rollback, status or recover")
        from govnet.app.push import push_all

        batch, report = push_all(
            project,
            refs,
            get_credentials(project),
            commit=commit,
            on_step=on_step,
            on_request=ask_operators if stdin_is_terminal() else None,
            requests_done=requests_done,
        )
        if as_json:
            print_json({**batch.to_dict(), "report": str(report)})
        else:
            render_batch(batch, report)
        if not batch.ok:
            raise typer.Exit(EXIT_ERROR)
        return
    if requests_done:
        raise UserError("--requests-done goes with --all or --all-hosts (a batch's hold points)")
    if len(refs) != 1:
        raise UserError("name one plan (or `status`, `recover`), or use --all")
    (plan_ref,) = refs
    if plan_ref == "status":
        if host is not None or commit or rollback:
            raise UserError("`govnet push status` takes no --host, --commit or --rollback")
        show_push_status(project, as_json)
        return
    if host is None:
        raise UserError(
            f"name the device: govnet push {plan_ref} --host HOST (or --all-hosts: every one)"
        )
    if plan_ref == "recover":
        from govnet.app.push import recover

        if rollback:
            raise UserError("`govnet push recover` takes no --rollback")
        result = recover(project, host, get_credentials(project), commit=commit, on_step=on_step)
    else:
        from govnet.app.push import push as push_to_host

        result = push_to_host(
            project,
            plan_ref,
            host,
            get_credentials(project),
            commit=commit,
            rollback=rollback,
            on_step=on_step,
        )
    if as_json:
        print_json(result.to_dict())
    else:
        render_push(result)
    if result.signal is not None:
        raise typer.Exit(128 + result.signal)  # 130 after Ctrl-C, 143 after SIGTERM
    if not result.ok:
        raise typer.Exit(EXIT_ERROR)


def stdin_is_terminal() -> bool:
    """Someone can answer a hold point (a cron job at night cannot: it must never hang)."""
    return sys.stdin.isatty()


YES, NO = ("y", "yes", "是", "已完成"), ("n", "no", "否", "未完成")


def ask_operators(hold: Any) -> bool:
    """A hold point at the terminal: each request (who does what, where), then y or n; the
    end of input (or Ctrl-C) is a no."""
    err.print(f"\nhold point: {hold.describe()}", markup=False)
    for r in hold.requests:
        err.print(f"  步骤 {r.before_step}（{r.host or '?'}）之前：{r.chinese}", markup=False)
    while True:
        err.print("done? [y/n] (n stops the batch here): ", end="", markup=False)
        try:
            line = sys.stdin.readline()
        except KeyboardInterrupt:
            return False
        answer = line.strip().lower()
        if not line or answer in NO:
            return False
        if answer in YES:
            return True


def render_batch(batch: Any, report: Any) -> None:
    if batch.requests:
        out.print("operators' requests the plans need, each before its step:", markup=False)
        for r in batch.requests:
            where = f"before step {r.before_step} ({r.host or '?'})"
            out.print(f"  plan {r.plan_id} ({r.unit}) {where}: {r.text}", markup=False)
    out.print("host pushes, in order:", markup=False)
    for n, item in enumerate(batch.items):
        hold = batch.holds.get(n)
        if hold is not None:
            who = "、".join(dict.fromkeys(r.who for r in hold.requests))
            by = f" by {hold.by}" if hold.by else ""
            out.print(f"  -- hold point: {who}: {hold.answer}{by}", markup=False)
        reason = f": {item.reason}" if item.reason else ""
        out.print(
            f"  plan {item.plan_id} ({item.unit}) {item.host}: {item.status}{reason}", markup=False
        )
    for item in batch.items:
        if item.result is not None:
            show_lines(
                f"{item.host} (plan {item.plan_id}): changed by pushes recorded since:",
                item.result.by_pushes,
                5,
            )
            show_lines(
                f"{item.host} (plan {item.plan_id}): changed by hand elsewhere (not blocking):",
                item.result.drift_elsewhere,
                5,
            )
    if batch.held is not None:
        h = batch.held
        err.print(
            f"stopped at the hold point {h.describe()}: {h.answer}"
            + (f" ({h.reason})" if h.reason else "")
            + "; everything before it is applied and checked; once the operators are done,"
            " run it again (applied host pushes are skipped)",
            markup=False,
        )
    if batch.stopped is not None:
        s = batch.stopped
        err.print(
            f"stopped at plan {s.plan_id} ({s.unit}) on {s.host}: {s.status}: {s.reason};"
            " everything before it is applied and checked",
            markup=False,
        )
    elif not batch.commit:
        out.print("dry run: nothing was changed; add --commit to push", markup=False)
    out.print(f"report: {report}", markup=False)


def show_push_status(project: Any, as_json: bool) -> None:
    from govnet.app.push import push_status

    status = push_status(project)
    if as_json:
        print_json(status.to_dict())
        return
    data = status.to_dict()
    for row in data["unfinished"]:
        out.print(f"unfinished: {row['host']}: {row['text']}", markup=False)
        out.print(f"  recover: govnet push recover --host {row['host']} --commit", markup=False)
    for lock in data["running"]:
        out.print(f"running: {lock['host']}: {lock['text']}", markup=False)
    if not data["unfinished"] and not data["running"]:
        out.print("no push unfinished or running", markup=False)


def render_push(result: Any) -> None:
    what = {"rollback": "rollback of plan", "recover": "recovery after plan"}
    out.print(
        f"{what.get(result.action, 'plan')} {result.plan_id} ({result.unit}) on {result.host}",
        markup=False,
    )
    if result.drift:
        expected = "the backup" if result.action == "recover" else "what the plan expects"
        touching = "" if result.action == "recover" else ", by hand, in what the plan touches"
        out.print(f"differences from {expected}{touching}:", markup=False)
        for line in result.drift[:40]:
            out.print(f"  {line}", markup=False)
    show_lines("changed by pushes recorded since (expected):", result.by_pushes)
    show_lines(
        "changed by hand where the plan does not touch (not blocking):", result.drift_elsewhere
    )
    if result.result == "dry_run" or (not result.ok and result.lines):
        out.print("lines to type:", markup=False)
        steps = result.steps or [(None, result.lines)]
        for number, lines in steps:
            if number and len(steps) > 1:  # each step's checks hold before the next is typed
                out.print(f" step {number}:", markup=False)
            for line in lines:
                out.print(f"  {line}", markup=False)
        if result.action != "recover":  # its lines are the diff toward the backup
            out.print("running -> intended:", markup=False)
            for line in result.diff or ["(no change)"]:
                out.print(f"  {line}", markup=False)
    for line in result.rejected:
        out.print(f"refused: {line}", markup=False)
    if result.step is not None and not result.ok:
        out.print(f"stopped at step {result.step}", markup=False)
    for check, held, seen in result.checks:
        mark = "ok  " if held else "FAIL"
        out.print(f"  {mark} {check.text}" + ("" if held else f" (seen: {seen})"), markup=False)
    for note in result.rollback_notes:
        out.print(f"  {note}", markup=False)
    if result.result == "dry_run":
        if result.reason:  # what a commit now would be refused for
            out.print(f"note: {result.reason}", markup=False)
        out.print("dry run: nothing was changed; add --commit to push", markup=False)
        return
    recorded = f" (push {result.push_id})" if result.push_id else ""
    text = f"{result.result}{recorded}" + (f": {result.reason}" if result.reason else "")
    (out if result.ok else err).print(text, markup=False)


def show_lines(title: str, lines: list[str], most: int = 40) -> None:
    if not lines:
        return
    out.print(title, markup=False)
    for line in lines[:most]:
        out.print(f"  {line}", markup=False)
    if len(lines) > most:
        out.print(f"  ... and {len(lines) - most} more (--json lists them all)", markup=False)
