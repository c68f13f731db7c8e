"""Every check of a cutover plan is there for a fault (issue 19, the mutation must-show, for
checks). Removing a check from a correct plan changes nothing on a healthy network, so each
check is judged against what goes wrong in real cutovers (tests/cutover_faults.py): for the
plans that move a business (the README's district, as tests/test_cutover_mutations.py), every
fault is played with the whole plan, and

(a) where a fault breaks a flow, some check fails (or a router refuses a line of the plan)
    no later than the step where the first flow breaks (the push stops and rolls back there);
(b) each check, removed, either leaves another check that still catches its fault in time
    (redundant but safe: which are listed), or lets a flow break before any check fails (the
    check is necessary); a check no fault makes fail is dead weight, unless it is a pre-check
    (the baseline, whose purpose plan.md states).

Checks only read the lab (state, pings, counters driven by the flows), so removing one is
judged from the run with all of them; each verdict "necessary" is confirmed by playing the
fault again with that check removed. The tables (faults; checks with the fault each is
there for, what else catches it, the verdict) are printed (-s) and written beside the test's
tmp_path as check-mutations.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from cutover import get_first, play
from cutover_faults import Fault, FaultPlayer, Played, get_faults, play_fault
from govnet.model.plans import Check, Plan
from govnet_lab.district import load_district
from govnet_lab.generate import generate_lab
from test_cutover_mutations import COUNTY, SEED, SIZE, moving_plans
from test_plan import DIALECTS

NECESSARY, REDUNDANT, GUARD, LATE, UNPAIRED = (
    "necessary",
    "redundant",
    "guard (no flow breaks)",
    "late",
    "unpaired",
)
RANK = {NECESSARY: 0, REDUNDANT: 1, GUARD: 2, LATE: 3, UNPAIRED: 4}


@dataclass
class Row:
    """One check of one plan, with the fault it is there for and what catches that fault."""

    plan: str
    place: str  # "pre" or the step number
    check: Check
    fault: str = "—"
    caught_by: list[str] | None = None  # the other checks that catch it in time
    verdict: str = UNPAIRED

    def cells(self) -> list[str]:
        verdict = self.verdict
        if verdict not in (NECESSARY, REDUNDANT):
            if self.place == "pre":
                verdict += ", baseline (plan.md: pre-checks)"
            elif self.check.why:
                verdict += f", purpose stated: {self.check.why}"
        return [
            self.plan,
            self.place,
            self.check.kind,
            self.check.text,
            self.fault,
            "; ".join(self.caught_by or []) or "—",
            verdict,
        ]


def label(step: int, check: Check) -> str:
    """A check in a few words: step (or pre) @ step it failed at, kind, host, what."""
    what = check.interface or check.destination or check.prefix or check.vpn or ""
    where = "pre" if check.step == 0 else f"{check.step}"
    return f"{where}@{step}:{check.kind} {check.host} {what}".strip()


def judge(check: Check, played: Played) -> tuple[str, list[str]] | None:
    """How ``check`` fares under one played fault: None if it does not fail."""
    flow = played.flow
    catchers = [(s, c) for s, c in played.failed if flow is None or s <= flow]
    if not any(c == check for _, c in played.failed):
        return None
    if not any(c == check for _, c in catchers):
        return LATE, []
    others = list(dict.fromkeys(label(s, c) for s, c in catchers if c != check))
    if played.refused is not None and (flow is None or played.refused <= flow):
        others.append(f"{played.refused}: a router refused a line")
    if flow is None:
        return GUARD, others
    return (REDUNDANT if others else NECESSARY), others


def table(rows: list[list[str]], head: list[str]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(c.replace("|", "/") for c in r) + " |" for r in rows]
    return "\n".join(out)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("check-mutations")
    generate_lab(path, COUNTY, SEED, SIZE, None)
    return path


@pytest.mark.slow  # every plan played once per fault
def test_every_check_is_there_for_a_fault_it_catches(root: Path, tmp_path: Path) -> None:
    lab = root / ".govnet/lab/district.json"
    rows: list[Row] = []
    faults_out: list[list[str]] = []
    uncaught: list[str] = []
    confirm: list[tuple[Plan, Fault, Check, Played]] = []
    for plan in moving_plans(root):
        checks = [(c, "pre") for c in plan.prechecks]
        checks += [(c, str(s.number)) for s in plan.steps for c in s.checks]
        mine = {c: Row(plan.unit, place, c) for c, place in checks}
        for fault in get_faults(plan, load_district(lab)):
            played = play_fault(load_district(lab), DIALECTS, plan, fault)
            assert played.unfollowed == [], (plan.unit, fault.name)
            first = min((s for s, _ in played.failed), default=None)
            stops = [s for s in (first, played.refused) if s is not None]  # the push stops
            caught = played.flow is None or (bool(stops) and min(stops) <= played.flow)
            faults_out.append(
                [
                    plan.unit,
                    fault.name,
                    str(played.flow or "—"),
                    str(first or "—"),
                    str(played.refused or "—"),
                    str(caught),
                ]
            )
            if not caught:
                uncaught.append(f"{plan.unit} {fault.name}: flow at {played.flow}, check {first}")
            for check, row in mine.items():
                seen = judge(check, played)
                if seen is None:
                    continue
                verdict, others = seen
                better = RANK[verdict] < RANK[row.verdict] or (
                    verdict == row.verdict and len(others) < len(row.caught_by or [])
                )
                if better:
                    row.fault, row.caught_by, row.verdict = fault.name, others, verdict
                    if verdict == NECESSARY:
                        confirm.append((plan, fault, check, played))
        rows += mine.values()
    report = (
        "## Faults\n\n"
        + table(
            faults_out,
            ["plan", "fault", "first broken flow", "first failed check", "line refused", "caught"],
        )
        + "\n\n## Checks\n\n"
        + table(
            [r.cells() for r in rows],
            ["plan", "step", "kind", "check", "fault", "caught by (others)", "verdict"],
        )
    )
    counts = {v: sum(r.verdict == v for r in rows) for v in RANK}
    harmless = sum(1 for f in faults_out if f[2] == f[3] == f[4] == "—")
    report += (
        f"\n\nfaults: {len(faults_out)} (a line refused by a router: "
        f"{sum(f[4] != '—' for f in faults_out)}, no flow broken and nothing caught:"
        f" {harmless}); checks: {len(rows)} ("
        + ", ".join(f"{v}: {n}" for v, n in counts.items())
        + ")\n"
    )
    (tmp_path / "check-mutations.md").write_text(report, encoding="utf-8")
    print(report)
    assert uncaught == []
    for plan, fault, check, _ in confirm:  # removed, a flow breaks before any check fails
        if any(r.check == check and r.verdict == NECESSARY and r.fault == fault.name for r in rows):
            without = drop_check(plan, check)
            district = load_district(lab)
            fault.lab(district)
            player = FaultPlayer(district, DIALECTS, plan, fault.typed)
            player.tracked = list(district.truth.flows)  # every flow, every step, to the end
            window = play(player, [fault.plan(without)])
            first_check, first_flow = get_first(window)
            assert first_flow is not None, (plan.unit, fault.name, check.text)
            assert first_check is None or first_check > first_flow, (plan.unit, check.text)
    # Neither necessary nor redundant to a fault that breaks a flow: the plan says why it is
    # there (a pre-check: the baseline, plan.md says so for them all).
    dead = [
        r
        for r in rows
        if r.verdict not in (NECESSARY, REDUNDANT) and r.place != "pre" and not r.check.why
    ]
    assert [f"{r.plan} step {r.place}: {r.check.text} ({r.verdict})" for r in dead] == []
    assert counts[NECESSARY] > 0 and counts[REDUNDANT] > 0


def drop_check(plan: Plan, check: Check) -> Plan:
    if check.step == 0:
        return replace(plan, prechecks=[c for c in plan.prechecks if c != check])
    return replace(
        plan,
        steps=[replace(s, checks=[c for c in s.checks if c != check]) for s in plan.steps],
    )
