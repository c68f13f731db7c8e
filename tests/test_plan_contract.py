"""A plan's lines to cancel as carrier work orders (撤销工单), with each line's contract: the
earliest date it can go without penalty, the notice the carrier needs, the termination terms;
a contract still running is the department's risk, one the ledger lacks is never invented.

The truth is the lab's ledger (lines.yaml, generated from the seed with ended, running and
missing contracts) on a pinned plan date."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from govnet.classify import classify
from govnet.model.inventory import Line
from govnet.model.labels import CARRIER_LABELS, KIND_LABELS
from govnet.model.plans import (
    CONTRACT_ENDED,
    CONTRACT_MISSING,
    CONTRACT_RUNNING,
    Cancel,
    Plan,
)
from govnet.plan import PlanInput, make_plan, plan_to_markdown, write_plan
from govnet.plan.document import get_order_cells
from govnet_lab.facts import get_lab_snapshot, get_running_config
from test_plan import DIALECTS, RUNBOOKS, TEMPLATES, District

ON = dt.date(2026, 12, 4)
DAY = dt.timedelta(days=1)
# Internal codes that must never reach the Chinese document (carriers and line kinds).
CODES = re.compile(r"\b(?:telecom|unicom|mobile|broadcast|mstp|sdh|mpls_vpn|dark_fibre)\b")


def test_contract_dates_count_from_the_plan_date() -> None:
    base = Cancel("k", "C-1", "telecom", "mstp", "卫生健康专网", 1000.0, None, on=ON)
    assert base.yearly_fee == 12000.0

    ended = replace(base, contract_end=dt.date(2024, 12, 31), notice_days=30)
    assert ended.contract == CONTRACT_ENDED
    assert ended.free_from == ON + 30 * DAY  # notice can first be given on the plan's date
    assert ended.notice_by is None
    assert replace(base, contract_end=ON).contract == CONTRACT_ENDED  # ends today

    running = replace(base, contract_end=dt.date(2027, 6, 30), notice_days=90)
    assert running.contract == CONTRACT_RUNNING
    assert running.free_from == dt.date(2027, 6, 30)
    assert running.notice_by == dt.date(2027, 4, 1)

    late = replace(base, contract_end=ON + 10 * DAY, notice_days=30)  # too late to give notice
    assert late.free_from == ON + 30 * DAY and late.notice_by == ON - 20 * DAY

    unknown_notice = replace(base, contract_end=dt.date(2027, 6, 30))
    assert unknown_notice.free_from == dt.date(2027, 6, 30) and unknown_notice.notice_by is None

    missing = replace(base, contract_start=dt.date(2022, 1, 1), notice_days=30)
    assert missing.contract == CONTRACT_MISSING
    assert missing.free_from is None and missing.notice_by is None
    assert missing.to_dict()["contract_start"] == "2022-01-01"


def test_order_cells_say_what_is_late_or_unknown() -> None:
    base = Cancel("k", "C-1", "unicom", "mstp", "医保专网", None, 24000.0, on=ON)
    late = replace(base, contract_start=dt.date(2024, 1, 1), contract_end=ON + 10 * DAY)
    cells = get_order_cells(replace(late, notice_days=30))
    assert cells["term"] == f"2024-01-01 至 {ON + 10 * DAY}" and cells["notice"] == "30 天"
    assert cells["free"] == f"{ON + 30 * DAY}（合同未到期，通知期已赶不上到期日）"
    assert cells["terms"] == "未载明：请核实合同"
    cells = get_order_cells(late)  # no notice period in the ledger
    assert cells["notice"] == "未载明：请核实"
    assert cells["free"] == f"{ON + 10 * DAY}（合同未到期）"
    cells = get_order_cells(replace(base, notice_days=30, termination_terms="按剩余月租30%"))
    assert cells["term"] == cells["notice"] == cells["free"] == "合同信息缺失：请核实"
    assert cells["terms"] == "按剩余月租30%"  # what the ledger does say is kept
    assert (cells["a_end"], cells["z_end"], cells["bandwidth"]) == ("—", "—", "—")


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> tuple[District, list[Plan]]:
    from govnet_lab.generate import generate_lab

    root = tmp_path_factory.mktemp("plan-contract")
    generate_lab(root, "370702", 3, 60, None)
    district = District(root)
    snapshot = get_lab_snapshot(district.inventory, district.devices)
    result = classify(snapshot, district.policy)
    configs = {d.hostname: get_running_config(d) for d in district.devices}
    inp = PlanInput(result, snapshot, configs, district.policy, DIALECTS, TEMPLATES, on=ON)
    made = [make_plan(inp, unit.key) for unit in snapshot.units]
    return district, [p for p in made if p.cancel]


def _row(section: str, circuit: str) -> str:
    (row,) = [ln for ln in section.splitlines() if ln.startswith(f"| {circuit} |")]
    return row


def _check_row(plan: Plan, line: Line, row: str) -> None:
    """The row says what the ledger says, and what it does not say it does not invent."""
    if line.a_device:
        assert f"{line.a_device} {line.a_interface}" in row
    assert (line.z_end or "—") in row and f"| {line.bandwidth_mbps:g}M |" in row
    assert f"{line.monthly_fee:.2f}" in row and f"{line.get_annual_fee():.2f}" in row
    risks = [r for r in plan.risks if line.circuit_id in r.text and "合同" in r.text]
    if line.contract_end is None:
        assert row.count("合同信息缺失：请核实") >= 3
        assert not re.search(r"\d{4}-\d{2}-\d{2}", row)  # no date made up
        (risk,) = risks
        assert "合同信息缺失" in risk.text and risk.owner == plan.unit_name
        return
    assert line.notice_days is not None  # the generator gives every contract a notice period
    assert f"{line.contract_start} 至 {line.contract_end}" in row
    assert f"| {line.notice_days} 天 |" in row
    if line.contract_end <= ON:
        assert f"{ON + line.notice_days * DAY}（合同已于 {line.contract_end} 到期）" in row
        assert not risks  # nothing to decide: the contract is over
        return
    notice_by = line.contract_end - line.notice_days * DAY
    assert f"{line.contract_end}（合同未到期，最迟于 {notice_by} 书面通知）" in row
    (risk,) = risks  # the department decides, knowing the penalty
    assert risk.owner == plan.unit_name and f"合同至 {line.contract_end} 未到期" in risk.text
    assert (line.termination_terms or "台账未载明违约条款") in risk.text
    if line.termination_terms:
        assert line.termination_terms in row


def test_cancellations_are_carrier_work_orders_with_the_contract_terms(
    plans: tuple[District, list[Plan]],
) -> None:
    district, made = plans
    ledger = {ln.circuit_id: ln for ln in district.inventory.lines}
    seen: set[str] = set()
    for plan in made:
        md = plan_to_markdown(plan, "tester", "2026-12-04 10:00 CST", RUNBOOKS, DIALECTS)
        section = md[md.index("## 6. 撤销线路") : md.index("## 7. 签字")]
        assert md.rindex("### 步骤 ") < md.index("## 6. 撤销线路")  # after every step
        assert not CODES.search(section), plan.unit
        orders = plan.get_work_orders()
        for number, (carrier, cancels) in enumerate(orders.items(), start=1):
            names = {c.value: label for c, label in CARRIER_LABELS.items()}
            name = names[carrier] if carrier else "运营商待核实"
            assert f"### 撤销工单 {number}：{name}" in section
            for cancel in cancels:
                row = _row(section, cancel.circuit_id or cancel.key)
                assert (
                    carrier is None
                    or cancel.kind is None
                    or any(
                        label in row for k, label in KIND_LABELS.items() if k.value == cancel.kind
                    )
                )
                shut = plan.get_shut_step(cancel)
                if shut is not None:  # asked for only once the line is shut, proved
                    assert (
                        f"{cancel.circuit_id or cancel.key}：步骤 {shut.number} 已关闭" in section
                    )
                if cancel.circuit_id is None:
                    continue
                _check_row(plan, ledger[cancel.circuit_id], row)
                seen.add(cancel.contract)
        assert f"每年节省 {plan.annual_saving:.2f} 元" in section
    # The generator's ledger gives every case to a plan of this district.
    assert seen == {CONTRACT_ENDED, CONTRACT_RUNNING, CONTRACT_MISSING}


def test_a_line_moved_off_is_cancelled_only_after_its_quiet_check(
    plans: tuple[District, list[Plan]],
) -> None:
    """The old line of a network moved into the VPN is shut by a step whose condition is the
    line being quiet: the work order waits for that step."""
    _, made = plans
    guarded = 0
    for plan in made:
        for cancel in plan.cancel:
            shut = plan.get_shut_step(cancel)
            if shut is None or not any(c.kind == "quiet" for c in shut.checks):
                continue
            quiet = next(c for c in shut.checks if c.kind == "quiet")
            assert quiet.before and quiet.host == shut.host
            guarded += 1
    assert guarded


def test_checks_yaml_lists_the_work_orders_with_dates(
    plans: tuple[District, list[Plan]], tmp_path: Path
) -> None:
    _, made = plans
    plan = next(p for p in made if any(c.contract == CONTRACT_RUNNING for c in p.cancel))
    folder = write_plan(plan, tmp_path, "tester", "2026-12-04 10:00 CST", RUNBOOKS, DIALECTS)
    data = yaml.safe_load((folder / "checks.yaml").read_text(encoding="utf-8"))
    assert data["cancel"] == [c.to_dict() for c in plan.cancel]
    running = next(c for c in data["cancel"] if c["contract"] == CONTRACT_RUNNING)
    assert dt.date.fromisoformat(running["free_from"]) > ON
    html = (folder / "plan.html").read_text(encoding="utf-8")
    assert "撤销工单 1" in html and "最早免违约撤销日期" in html
