"""The plan as a document people sign: how long each step takes in the change window and
whether it fits, who takes part (with the contacts the inventory names) and who signs, what
the carriers are asked for besides cancellations (a VLAN carried on a circuit, an access to
open), what the department's users check, and when to go, stop or roll back.

The minutes are rules of thumb for a night cutover by a team logged into the routers,
typing each step's lines and running its checks before the next; they are constants here,
so a project whose teams are faster or slower can see and change them."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from govnet.model.labels import CARRIER_LABELS, CONTACT_ROLE_LABELS
from govnet.model.plans import CarrierOrder, Party, Plan, Risk, Step
from govnet.model.policy import Target
from govnet.model.snapshot import CORE_ROLE, Snapshot, UnitRecord
from govnet.model.verdicts import Verdict

STEP_MINUTES = {
    "dedicated_vpn": 20,  # VPN instance, sub-interface, routes; pings across the carrier
    "business_gateway": 20,  # a new gateway beside the old one, in the VPN
    "rebind_business": 30,  # the gateway moves: the department's business is interrupted
    "retire_gateway": 10,
    "public_zone": 20,
    "internet_zone": 15,
    "close_exit": 15,  # NAT and ISP routes off, the port shut, the internet probed again
    "decommission_line": 10,
}
DEFAULT_STEP_MINUTES = 20
ON_SITE_MINUTES = 30  # typed by hand on site, read back by a second engineer
CITY_REQUEST_MINUTES = 15  # the city's operator configures its side and answers
SYSTEM_REQUEST_MINUTES = 20  # a system's operator moves its return routes
PREPARE_MINUTES = 20  # everyone on the call, configurations backed up, pre-checks
ACCEPT_MINUTES = 30  # post-checks and the department's business acceptance
ROLLBACK_MINUTES = 10  # one pushed step undone and checked (on-site steps stay disconnected)


def carrier_label(carrier: str | None) -> str:
    """A carrier's name in Chinese (the ledger's code never shown)."""
    if carrier is None:
        return "运营商待核实"
    return {c.value: label for c, label in CARRIER_LABELS.items()}.get(carrier, carrier)


# What each person a unit names is to it (分管负责人, 联系人, 技术负责人), by role.
CONTACT_ROLES = {role.value: label for role, label in CONTACT_ROLE_LABELS.items()}
CENTRE = "电子政务中心（电子政务外网运维）"
SECRECY = "保密办"


def get_step_minutes(step: Step, city: int, system: int) -> int:
    """A step's minutes: its kind's, more on site, its quiet checks' watching time, and the
    operators' requests (``city``, ``system``: how many) done just before it."""
    minutes = STEP_MINUTES.get(step.approach, DEFAULT_STEP_MINUTES)
    if step.manual:
        minutes += ON_SITE_MINUTES
    quiet = sum(c.seconds or 0 for c in step.checks if c.kind == "quiet")
    minutes += math.ceil(quiet / 60)
    return minutes + city * CITY_REQUEST_MINUTES + system * SYSTEM_REQUEST_MINUTES


def get_rollback_reserve(plan: Plan) -> int:
    """Minutes to keep at the end of the window to undo every pushed step."""
    return ROLLBACK_MINUTES * sum(1 for s in plan.steps if not s.manual)


def get_work_minutes(plan: Plan) -> int:
    """From everyone on the call to the business accepted, without a rollback."""
    return PREPARE_MINUTES + sum(s.minutes for s in plan.steps) + ACCEPT_MINUTES


def get_timeline(plan: Plan) -> list[dict[str, Any]]:
    """The window's rows: what, minutes, and its start and end (clock times within the
    window, else minutes from the start as +H:MM)."""
    rows = [("准备：人员到位、备份配置、割接前检查（第 3 节）", PREPARE_MINUTES)]
    for s in plan.steps:
        rows.append((f"步骤 {s.number}：{s.title}（{s.host}）", s.minutes))
    rows.append(("割接后检查与业务验收（第 5 节）", ACCEPT_MINUTES))
    timeline, elapsed = [], 0
    for what, minutes in rows:
        timeline.append(
            {
                "what": what,
                "minutes": minutes,
                "start": _clock(plan, elapsed),
                "end": _clock(plan, elapsed + minutes),
            }
        )
        elapsed += minutes
    return timeline


def _clock(plan: Plan, minutes: int) -> str:
    if plan.window is None:
        return f"+{minutes // 60}:{minutes % 60:02d}"
    at = plan.window.start + dt.timedelta(minutes=minutes)
    return f"{at:%H:%M}" if at.date() == plan.window.start.date() else f"次日 {at:%H:%M}"


def get_fit(plan: Plan) -> str | None:
    """Why the work and its rollback do not fit the window (None: they do, or no window)."""
    if plan.window is None:
        return None
    work, reserve = get_work_minutes(plan), get_rollback_reserve(plan)
    if work + reserve <= plan.window.minutes:
        return None
    return (
        f"割接窗口 {plan.window}（{plan.window.minutes} 分钟）不足：实施与验收约需 {work} 分钟，"
        f"另须预留全部回退 {reserve} 分钟；须延长窗口，或将本方案分在两个窗口实施"
    )


def _people(record: UnitRecord | None) -> tuple[tuple[str, str, str | None], ...]:
    """The people a unit names in the inventory (units.yaml ``contacts``)."""
    return record.contacts if record is not None else ()


def get_parties(plan: Plan, snapshot: Snapshot) -> list[Party]:
    """Who takes part: the department, the e-government centre (the unit running the
    extranet's core), the city's operator and each upstream system's operator when asked for
    something, the carriers (they sign their work orders), and the secrecy office where a
    classified network is touched."""
    units = {u.key: u for u in snapshot.units}
    own = units.get(plan.unit)
    parties = [Party("本单位（业务主管部门）", plan.unit_name, _people(own))]
    core = next((h.unit for h in snapshot.hosts if h.role == CORE_ROLE and h.unit), None)
    centre = units.get(core) if core else None
    parties.append(Party(CENTRE, centre.name if centre else "", _people(centre)))
    if plan.requests:
        parties.append(Party("市级电子政务外网运营方", "市级电子政务外网运维单位"))
    for system in dict.fromkeys(r.system for r in plan.system_requests):
        parties.append(Party("上级业务系统运维方", f"{system}系统运维单位"))
    for carrier in plan.get_carriers():
        parties.append(Party("运营商", carrier_label(carrier), signs=False))
    if plan.classified:
        parties.append(Party(SECRECY, "本级保密行政管理部门（保密办）"))
    return parties


def _line_at(lines: Sequence[Verdict]) -> dict[tuple[str, str], Verdict]:
    """Each carrier line by the (router, port) at either of its ends."""
    at: dict[tuple[str, str], Verdict] = {}
    for v in lines:
        if v.host and v.interface:
            at.setdefault((v.host, v.interface), v)
        for ref in v.interfaces:
            host, _, name = ref.partition(":")
            at.setdefault((host, name), v)
    return at


def get_orders(
    plan: Plan, lines: Sequence[Verdict], snapshot: Snapshot, no_access: bool
) -> list[CarrierOrder]:
    """What carriers are asked for before the window: each new VLAN on a carrier circuit (a
    new sub-interface on a port that is a line), and the access the unit lacks."""
    ledger = {ln.circuit_id: ln for ln in snapshot.lines}
    at = _line_at(lines)
    orders: dict[tuple[str | None, int | None], CarrierOrder] = {}
    names = {n.key: n.name for n in plan.networks}
    wanted: list[tuple[str, str, int, int, str]] = []  # host, port, vlan, step, network
    for step in plan.steps:
        for c in step.checks:
            if c.kind == "interface" and c.vlan is not None and c.interface and "." in c.interface:
                network = names.get(step.subjects[0], step.subjects[0]) if step.subjects else ""
                wanted.append((c.host, c.interface.rsplit(".", 1)[0], c.vlan, step.number, network))
    for r in plan.requests:
        if r.handoff == "option_a" and r.new_subinterface:
            wanted.append((r.pe, r.uplink, r.vlan, r.before_step, r.network))
    for host, port, vlan, number, network in wanted:
        line = at.get((host, port))
        if line is None:
            if (host, port) in {(r.pe, r.uplink) for r in plan.requests}:  # the city's circuit
                orders.setdefault(
                    (f"{host} {port}", vlan),
                    CarrierOrder(
                        "vlan",
                        network,
                        a_end=f"{host} {port}",
                        vlan=vlan,
                        z_end="市级电子政务外网节点",
                        before_step=number,
                    ),
                )
            continue  # a LAN port: the department's own switch, no carrier
        row = ledger.get(line.key)
        orders.setdefault(
            (line.key, vlan),
            CarrierOrder(
                "vlan",
                network,
                row.carrier if row else None,
                line.key,
                f"{row.a_device} {row.a_interface or ''}".strip()
                if row and row.a_device
                else f"{line.host or ''} {line.interface or ''}".strip() or None,
                row.z_end if row else None,
                row.bandwidth_mbps if row else None,
                vlan,
                number,
            ),
        )
    result = list(orders.values())
    if no_access:  # what waits for it: a business network for the VPN, an own internet exit
        waiting = [
            n.name
            for n in plan.networks
            if n.target is Target.EXTRANET_DEDICATED_VPN
            and n.rule not in ("extranet-dedicated", "migrated")
        ]
        if plan.access is not None and plan.access.own_exit:
            waiting.append("互联网访问（迁至外网互联网接入区）")
        if waiting:
            result.append(CarrierOrder("access", "、".join(waiting)))
    return result


def add_paperwork(
    plan: Plan,
    snapshot: Snapshot,
    lines: Sequence[Verdict],
    no_access: bool,
) -> None:
    """Fill the plan's document parts (minutes, carriers' orders, parties) and say, as a
    risk, when the window cannot hold the work and its rollback."""
    for step in plan.steps:
        city = sum(1 for r in plan.requests if r.before_step == step.number)
        system = sum(1 for r in plan.system_requests if r.before_step == step.number)
        step.minutes = get_step_minutes(step, city, system)
    units = {u.key: u for u in snapshot.units}
    own = units.get(plan.unit)
    plan.classified = bool(
        (own is not None and own.classified)
        or plan.manual_hosts
        or any(v.rule == "breach-disconnect" for v in plan.lines)
    )
    plan.orders = get_orders(plan, lines, snapshot, no_access)
    plan.parties = get_parties(plan, snapshot)
    fit = get_fit(plan)
    if fit is not None:
        plan.risks.append(Risk(fit, CENTRE))


def get_acceptance(plan: Plan) -> list[tuple[str, str]]:
    """What the department's users check once the steps are done (业务验收), per business
    network the plan moves, the internet if its exit moved, and the lines it shuts."""
    moved = {subject for s in plan.steps for subject in s.subjects}
    systems = {r.network: r.system for r in plan.system_requests}
    rows = []
    for n in plan.networks:
        if n.key not in moved:
            continue
        if n.target is Target.EXTRANET_DEDICATED_VPN:
            text = (
                f"在本单位业务终端登录{n.name}的业务系统，完成一次查询和一次业务提交（或上报），"
                "确认响应正常、提交的数据已到达上级系统"
            )
            if n.name in systems:
                text += f"；{systems[n.name]}系统运维方确认其回程路由已改经电子政务外网"
        elif n.target is Target.EXTRANET_PUBLIC:
            text = (
                f"在本单位终端访问{n.name}的应用（经电子政务外网公用网络区），"
                "登录并完成一次常用操作"
            )
        else:  # the internet zone: the row below; nothing else moves a network
            continue
        rows.append((n.name, text))
    if any(s.approach in ("internet_zone", "close_exit") for s in plan.steps):
        rows.append(
            (
                "互联网访问",
                "在办公终端打开常用网站和在线办公平台，确认可以访问，且经电子政务外网统一互联网出口"
                "（查询本机公网地址，应不再是原自建出口的地址）",
            )
        )
    shut = [c.circuit_id or c.key for c in plan.cancel if plan.get_shut_step(c)]
    if shut:
        rows.append(
            ("关闭的线路", f"线路 {'、'.join(shut)} 关闭后，本单位业务人员确认没有任何业务受影响")
        )
    if plan.classified:
        rows.append(("涉密及公安设备", "保密办确认涉密、公安网设备与外网和互联网已断开且未恢复"))
    return rows


def get_go_criteria(plan: Plan) -> list[str]:
    """What must hold before the window starts (go/no-go); any one missing: postpone."""
    rows = ["本方案第 7 节各方已签字"]
    if plan.orders:
        rows.append("运营商已回执第 6 节的开通/VLAN 工单，且电子政务中心已核实")
    if plan.requests or plan.system_requests:
        rows.append("市级外网运营方、上级业务系统运维方已确认在窗口内到岗并按第 4 节配合")
    interrupts = [s for s in plan.steps if s.approach == "rebind_business"]
    if interrupts:
        minutes = sum(s.minutes for s in interrupts)
        rows.append(
            f"本单位已通知业务用户：步骤 {'、'.join(str(s.number) for s in interrupts)}"
            f" 期间业务中断约 {minutes} 分钟"
        )
    else:
        rows.append("本单位已通知业务用户割接窗口（业务预计不中断，出现异常时可能中断）")
    rows.append("割接前检查（第 3 节）全部符合，涉及设备的运行配置已备份")
    work, reserve = get_work_minutes(plan), get_rollback_reserve(plan)
    if plan.window is None:
        rows.append(
            f"已确定割接窗口，且不短于 {work + reserve} 分钟（实施与验收 {work}，回退 {reserve}）"
        )
    elif get_fit(plan) is None:
        rows.append(
            f"窗口 {plan.window.minutes} 分钟容纳实施与验收 {work} 分钟及回退 {reserve} 分钟"
        )
    else:
        rows.append("窗口不足（见第 2 节风险）：须先延长窗口或拆分方案")
    if plan.classified:
        rows.append("保密办人员到场（涉密、公安网设备现场操作）")
    return rows


def get_rollback_criteria(plan: Plan) -> list[str]:
    """When to roll back; who decides is said beside them in the document."""
    reserve = get_rollback_reserve(plan)
    if plan.window is not None:
        at = plan.window.end - dt.timedelta(minutes=reserve)
        latest = f"{at:%H:%M}（窗口结束前 {reserve} 分钟）"
    else:
        latest = f"窗口结束前 {reserve} 分钟"
    rows = [
        "任一步骤的验证未通过：`govnet push` 自动回退该步骤；15 分钟内不能查明原因并重做的，"
        "停止割接，按相反顺序回退已完成的步骤",
        "业务验收（第 5 节）不通过且 30 分钟内不能排除：回退全部步骤",
        f"到 {latest} 仍未完成业务验收：停止并回退全部步骤",
    ]
    if plan.requests or plan.system_requests:
        rows.append("配合方未按时完成并回执：不执行依赖它的步骤，已完成的步骤视情况保留或回退")
    if plan.classified:
        rows.append("涉密、公安网设备的步骤不回退：保持断开，经保密办审查同意后方可恢复连接")
    return rows
