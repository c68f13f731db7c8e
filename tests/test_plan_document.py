"""The plan as a document a department, the e-government centre, the upstream operators, the
carriers and (where classified) the secrecy office sign: plan.docx opened back with
python-docx has the window, each step's minutes, the sign-off block and the people; each
carrier has its own work order (VLANs to carry, lines to cancel); evidence is in Chinese.

The truth is the lab district 370702/3/60 (its ledger says which circuit a VLAN rides, its
classified unit has a device done on site) on a pinned date and window."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from docx import Document

from govnet.classify import classify
from govnet.model.plans import ChangeWindow, Plan
from govnet.model.snapshot import Snapshot
from govnet.plan import PlanInput, make_plan, write_plan
from govnet.plan import paperwork as pw
from govnet.plan.document import get_workorder_name, plan_to_markdown
from govnet.plan.evidence import get_evidence_text
from govnet.plan.paperwork import carrier_label
from govnet.plan.word import CODE_FONT
from govnet_lab.facts import get_lab_snapshot, get_running_config
from test_chinese import find_codes
from test_cli import run
from test_plan import DIALECTS, RUNBOOKS, TEMPLATES, District

ON = dt.date(2026, 12, 4)
WINDOW = "2026-12-20 22:00-02:00"
MADE = ("tester", "2026-12-04 10:00 CST")


@dataclasses.dataclass
class Made:
    district: District
    snapshot: Snapshot
    inp: PlanInput
    plans: list[Plan]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    from govnet_lab.generate import generate_lab

    root = tmp_path_factory.mktemp("plan-document")
    generate_lab(root, "370702", 3, 60, None)
    district = District(root)
    snapshot = get_lab_snapshot(district.inventory, district.devices)
    result = classify(snapshot, district.policy)
    configs = {d.hostname: get_running_config(d) for d in district.devices}
    window = ChangeWindow.parse(WINDOW)
    inp = PlanInput(
        result, snapshot, configs, district.policy, DIALECTS, TEMPLATES, on=ON, window=window
    )
    plans = [make_plan(inp, unit.key) for unit in snapshot.units]
    return Made(district, snapshot, inp, [p for p in plans if p.steps or p.blocked])


def _text(path: Path) -> tuple[str, list[list[list[str]]]]:
    """A Word file's paragraphs as text, and its tables as rows of cell texts."""
    document = Document(str(path))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    return paragraphs, tables


def _table(tables: list[list[list[str]]], *header: str) -> list[list[str]]:
    """The one table whose header row starts with ``header``."""
    (table,) = [t for t in tables if tuple(t[0][: len(header)]) == header]
    return table


def test_window_and_minutes_per_step() -> None:
    window = ChangeWindow.parse(WINDOW)
    assert (window.start, window.end) == (
        dt.datetime(2026, 12, 20, 22),
        dt.datetime(2026, 12, 21, 2),
    )
    assert window.minutes == 240
    assert ChangeWindow.parse("2026-12-20 08:00-12:30").minutes == 270  # same day
    with pytest.raises(ValueError, match="YYYY-MM-DD HH:MM-HH:MM"):
        ChangeWindow.parse("2026-12-20 25:00-02:00")


def test_plan_docx_has_the_window_the_minutes_the_people_and_the_sign_off(
    made: Made, tmp_path: Path
) -> None:
    plan = next(p for p in made.plans if p.system_requests and p.orders and p.cancel)
    folder = write_plan(plan, tmp_path, *MADE, RUNBOOKS, DIALECTS)
    text, tables = _text(folder / "plan.docx")
    assert "割接窗口 2026-12-20 22:00 至 2026-12-21 02:00，共 240 分钟" in text
    timing = _table(tables, "时段")
    rows = {r[0]: r[1:] for r in timing}
    elapsed = pw.PREPARE_MINUTES
    for step in plan.steps:  # each step's minutes, one after another from the window's start
        assert step.minutes >= pw.STEP_MINUTES[step.approach]
        (row,) = [r for k, r in rows.items() if k.startswith(f"步骤 {step.number}：")]
        start = dt.datetime(2026, 12, 20, 22) + dt.timedelta(minutes=elapsed)
        clock = f"{start:%H:%M}" if start.day == 20 else f"次日 {start:%H:%M}"
        assert row == [clock, row[1], str(step.minutes)]
        elapsed += step.minutes
    work = elapsed + pw.ACCEPT_MINUTES
    assert rows["合计（不含回退）"][-1] == str(work) == str(pw.get_work_minutes(plan))
    reserve = pw.ROLLBACK_MINUTES * len([s for s in plan.steps if not s.manual])
    fits = work + reserve <= 240
    assert any("窗口" in r.text and "不足" in r.text for r in plan.risks) is not fits
    # Who takes part and signs: the department, the centre, the city's operator, the system's
    # operator; the carriers sign their work orders; no secrecy office (nothing classified).
    people = _table(tables, "角色")
    assert [r[1] for r in people if r[0] == "本单位（业务主管部门）"] == [plan.unit_name]
    centre = next(u for u in made.snapshot.units if u.key.endswith("-dsj"))
    assert [r[1] for r in people if r[0] == pw.CENTRE] == [centre.name]
    sign = _table(tables, "签字方")
    signers = [r[0] for r in sign[1:]]
    assert signers[:2] == ["本单位（业务主管部门）", pw.CENTRE]
    assert "市级电子政务外网运营方" in signers and "上级业务系统运维方" in signers
    systems = {f"{r.system}系统运维单位" for r in plan.system_requests}
    assert systems <= {r[1] for r in sign}
    assert not plan.classified and not any("保密办" in s for s in signers)
    assert all(r[3] == "＿＿＿＿" and r[4] == "＿＿＿＿" for r in sign[1:])  # to sign by hand
    # Go/no-go and rollback criteria, acceptance per system, the observation period.
    for heading in ("启动条件", "回退判据", "业务验收", "观察期"):
        assert heading in text
    acceptance = _table(tables, "#", "业务")
    moved = {n.name for n in plan.networks if n.key in {x for s in plan.steps for x in s.subjects}}
    dedicated = [n.name for n in plan.networks if n.target.value == "extranet_dedicated_vpn"]
    for name in set(dedicated) & moved:
        assert any(r[1] == name and "登录" in r[2] for r in acceptance)
    assert f"割接完成后观察 {plan.observation_days} 天" in text
    data = yaml.safe_load((folder / "checks.yaml").read_text(encoding="utf-8"))
    assert data["window"] == "2026-12-20 22:00 至 2026-12-21 02:00"
    assert data["carrier_orders"] == [o.to_dict() for o in plan.orders]
    assert data["minutes"] == {s.number: s.minutes for s in plan.steps}
    # The same words as plan.md: one source.
    md = (folder / "plan.md").read_text(encoding="utf-8")
    assert "## 7. 签字 Sign-off" in md and "7. 签字 Sign-off" in text


def test_each_carrier_has_its_work_order_with_vlans_and_cancellations(
    made: Made, tmp_path: Path
) -> None:
    ledger = {ln.circuit_id: ln for ln in made.district.inventory.lines}
    seen = set()
    for plan in made.plans:
        if not plan.orders:
            continue
        folder = write_plan(plan, tmp_path, *MADE, RUNBOOKS, DIALECTS)
        written = sorted(p.name for p in folder.glob("workorder-*.docx"))
        assert written == sorted(f"{get_workorder_name(c)}.docx" for c in plan.get_carriers())
        for carrier in plan.get_carriers():
            text, tables = _text(folder / f"{get_workorder_name(carrier)}.docx")
            assert f"运营商工单：{carrier_label(carrier)}" in text
            assert "运营商受理人" in text and "申请单位（盖章）" in text
            vlans = [o for o in plan.orders if o.carrier == carrier and o.kind == "vlan"]
            for order in vlans:
                # The VLAN rides the ledger's circuit at the port the new sub-interface is on.
                assert order.circuit_id is not None and order.vlan is not None
                line = ledger[order.circuit_id]
                sub = next(
                    c
                    for s in plan.steps
                    for c in s.checks
                    if c.vlan == order.vlan and c.host == line.a_device
                )
                assert sub.interface == f"{line.a_interface}.{order.vlan}"
                assert line.carrier.value == carrier
                rows = _table(tables, "事项")
                assert [order.circuit_id, str(order.vlan)] in [[r[2], r[6]] for r in rows]
                seen.add("vlan")
            for cancel in plan.get_work_orders().get(carrier, []):
                rows = _table(tables, "电路编号")
                assert (cancel.circuit_id or cancel.key) in [r[0] for r in rows]
                seen.add("cancel")
    assert seen == {"vlan", "cancel"}


def test_a_unit_without_extranet_access_asks_a_carrier_to_open_one(
    made: Made, tmp_path: Path
) -> None:
    """A plan blocked for want of an extranet line says so, and its work order asks for it
    (the carrier still to be chosen): the unit's business waits for it."""
    waiting = [p for p in made.plans if any("须先开通外网接入" in b for b in p.blocked)]
    assert len(waiting) >= 2
    for plan in waiting:
        (order,) = [o for o in plan.orders if o.kind == "access"]
        assert order.carrier is None and order.circuit_id is None
    plan = next(p for p in waiting if not p.steps)  # nothing else to do: only the order
    folder = write_plan(plan, tmp_path, *MADE, RUNBOOKS, DIALECTS)
    text, tables = _text(folder / "workorder-unknown.docx")
    assert "运营商工单：运营商待核实" in text
    (row,) = _table(tables, "事项")[1:]
    assert row[0] == "开通电子政务外网接入" and "另行制定割接方案" in row[7]
    others = [p for p in made.plans if p not in waiting]
    assert not any(o.kind == "access" for p in others for o in p.orders)


def test_a_classified_plan_has_the_secrecy_office_sign(made: Made, tmp_path: Path) -> None:
    classified = [p for p in made.plans if p.classified]
    assert classified and all(p.manual_hosts for p in classified)
    for plan in classified:
        folder = write_plan(plan, tmp_path, *MADE, RUNBOOKS, DIALECTS)
        text, tables = _text(folder / "plan.docx")
        sign = _table(tables, "签字方")
        (row,) = [r for r in sign if r[0].startswith("保密办")]
        assert plan.manual_hosts[0] in row[0] and row[3] == "＿＿＿＿"
        assert "保密办人员到场" in text  # a go/no-go condition
    others = [p for p in made.plans if not p.classified]
    assert others and all(not any(x.role == pw.SECRECY for x in p.parties) for p in others)


def test_a_window_too_short_is_a_risk_and_no_window_leaves_blanks(made: Made) -> None:
    plan = max(made.plans, key=lambda p: len(p.steps))
    need = pw.get_work_minutes(plan) + pw.get_rollback_reserve(plan)
    start = dt.datetime(2026, 12, 20, 22)
    for minutes, fits in ((need, True), (need - 1, False)):
        window = ChangeWindow(start, start + dt.timedelta(minutes=minutes))
        inp = dataclasses.replace(made.inp, window=window)
        again = make_plan(inp, plan.unit)
        risks = [r for r in again.risks if r.text.startswith("割接窗口")]
        assert (not risks) is fits, minutes
        if risks:
            assert f"约需 {pw.get_work_minutes(plan)} 分钟" in risks[0].text
            assert risks[0].owner == pw.CENTRE
    bare = make_plan(dataclasses.replace(made.inp, window=None), plan.unit)
    md = plan_to_markdown(bare, *MADE, RUNBOOKS, DIALECTS)
    assert "割接窗口：＿＿＿＿年" in md and "| +0:00 | +0:20 |" in md
    assert not any(r.text.startswith("割接窗口") for r in bare.risks)


def test_contacts_from_the_inventory_fill_the_people_table(made: Made) -> None:
    plan = made.plans[0]
    people = (("leader", "王分管", "0536-8888888"), ("contact", "李联系", None))
    units = [
        dataclasses.replace(u, contacts=people) if u.key == plan.unit else u
        for u in made.snapshot.units
    ]
    snapshot = dataclasses.replace(made.snapshot, units=units)
    again = make_plan(dataclasses.replace(made.inp, snapshot=snapshot), plan.unit)
    md = plan_to_markdown(again, *MADE, RUNBOOKS, DIALECTS)
    assert (
        f"| 本单位（业务主管部门） | {plan.unit_name} | 分管负责人 | 王分管 | 0536-8888888 |" in md
    )
    assert f"| 本单位（业务主管部门） | {plan.unit_name} | 联系人 | 李联系 | ＿＿＿＿ |" in md


def test_evidence_in_the_plan_is_in_chinese(made: Made) -> None:
    classification = made.inp.classification
    unknown = [
        e.text
        for v in [*classification.lines, *classification.networks]
        for e in v.evidence
        if get_evidence_text(e) is None
    ]
    assert not unknown
    english = re.compile(
        r"\b(ledger|via|description|on device|address|route|zombie|up,"
        r"|easy_ip|nat_outbound|default_route|public_address)\b"
    )
    for plan in made.plans:
        md = plan_to_markdown(plan, *MADE, RUNBOOKS, DIALECTS)
        scope = md[md.index("## 1. 范围") : md.index("## 2. 风险")]
        assert "（原文）" not in scope and not english.search(scope), plan.unit


def test_a_bad_window_is_a_clear_error(example_project: Path) -> None:
    code, _, stderr = run("--project", str(example_project), "plan", "--all", "--window", "tonight")
    assert code != 0 and "--window" in stderr and "YYYY-MM-DD HH:MM-HH:MM" in stderr
    assert "Traceback" not in stderr


def _prose(path: Path) -> str:
    """A Word file's text as people read it: every run but the configuration's and the
    commands' (set in the code font), in paragraphs and table cells."""
    document = Document(str(path))
    paragraphs = [p for t in document.tables for r in t.rows for c in r.cells for p in c.paragraphs]
    runs = [r for p in [*document.paragraphs, *paragraphs] for r in p.runs]
    return "\n".join(r.text for r in runs if r.font.name != CODE_FONT)


def test_no_internal_code_in_any_plan_document(made: Made, tmp_path: Path) -> None:
    """plan.docx and every work order say targets, access classes, platforms and steps in
    Chinese: no model code (``decommission``, ``internet_zone``, ``cisco_ios``) reaches a
    reader; ids (``c370702-x:internet``) and configuration lines are data, not words."""
    found: dict[str, set[str]] = {}
    for plan in made.plans:
        folder = write_plan(plan, tmp_path, *MADE, RUNBOOKS, DIALECTS)
        for path in [folder / "plan.docx", *folder.glob("workorder-*.docx")]:
            for hit in find_codes({path.name: _prose(path)}):
                found.setdefault(plan.unit, set()).add(hit)
    assert not found
    # The scan sees what it looks for: the same prose with a target's code does not pass.
    assert find_codes({"plan.docx": "目标 decommission"}) == ["plan.docx: decommission"]
