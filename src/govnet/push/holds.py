"""The operators' requests of a batch of pushes, and its hold points (issue 23).

A plan asks others to do their side before one of its steps: the city's operator configures
the hand-off (its sub-interface, VPN and routes back; or, over VPNv4, the reflector's VPN and
session), a system's operator routes the unit's business back through the extranet. Neither
device is ours, so neither is pushed. The city's side may be done early: it carries nothing
until the PE's step (plan.md: "先配市级一端不影响现网"). A system's return routes may not:
done early, they cut off the business still on the old line until the gateway moves. So
they are done in the window, just before the host push whose step needs them.

A hold point is that moment: before each host push whose steps need requests, the batch
waits for the operators' word (``OnRequest``) and records when, who answered (the OS user
running the batch) and what.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from govnet.store import get_os_user

# How a hold point ended
CONFIRMED = "confirmed"  # the operator at the terminal said the requests are done
DECLINED = "declined"  # said they are not: the batch stopped there, nothing after it tried
DECLARED = "declared_done"  # --requests-done: done early, before the batch (city's side only)
STOPPED = "stopped"  # the callback raised: the batch stopped there
LISTED = "listed"  # dry run: only listed, nobody asked
NOT_ASKED = "not_reached"  # the batch stopped before it


@dataclass
class Request:
    """An operator's part a plan needs done before one of its steps (never pushed)."""

    plan_id: int
    unit: str
    kind: str  # city, system
    before_step: int
    host: str | None  # the router of that step
    text: str
    chinese: str = ""  # the same, for the operator: who does what, where
    who: str = ""  # the operator, in Chinese
    early: bool = False  # may be done before the window (it carries nothing until the step)
    detail: dict[str, Any] = field(default_factory=dict)  # the plan's request, as stored

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__, plan=self.plan_id)


@dataclass
class Hold:
    """A hold point: before the host push of ``plan_id`` on ``host`` (its ``steps``), the
    operators' ``requests`` due before those steps must be done."""

    plan_id: int
    unit: str
    host: str
    steps: tuple[int, ...]
    requests: list[Request]
    answer: str = NOT_ASKED
    at: str | None = None  # when it was answered (ISO, local time)
    by: str | None = None  # the OS user who ran the batch and answered
    reason: str | None = None  # why it stopped (the callback's error)

    @property
    def early(self) -> bool:
        """Every request may be done before the window: --requests-done may declare it."""
        return all(r.early for r in self.requests)

    def answered(self, answer: str, reason: str | None = None) -> None:
        self.answer, self.reason = answer, reason
        self.at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        self.by = get_os_user()

    def describe(self) -> str:
        steps = ",".join(map(str, self.steps))
        return f"plan {self.plan_id} ({self.unit}) before {self.host} (step(s) {steps})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan_id,
            "unit": self.unit,
            "host": self.host,
            "steps": list(self.steps),
            "answer": self.answer,
            "at": self.at,
            "by": self.by,
            "reason": self.reason,
            "requests": [r.to_dict() for r in self.requests],
        }


# The operators' word at a hold point: True once they have done it, False to stop the batch
# there (everything before it applied and checked); raising stops it too.
OnRequest = Callable[[Hold], bool]


def get_requests(plans: Iterable[Mapping[str, Any]]) -> list[Request]:
    """The operators' requests of the plans, each with the step (and router) needing it."""
    out = []
    for row in plans:
        detail = row["detail"]
        parts: dict[str, Any] = detail.get("parts") or {}

        def host_of(step: int, parts: dict[str, Any] = parts) -> str | None:
            return next((h for h, p in parts.items() if step in p["steps"]), None)

        for city in detail.get("city_requests") or []:
            step = int(city["before_step"])
            out.append(
                Request(
                    row["id"],
                    row["unit_key"],
                    "city",
                    step,
                    host_of(step),
                    get_city_text(city),
                    get_city_chinese(city),
                    "市级外网运营方",
                    True,
                    dict(city),
                )
            )
        for ask in detail.get("system_requests") or []:
            text = (
                f"{ask['system']} operator: {ask['network']}: route"
                f" {', '.join(ask['routes'])} back through the extranet (VPN {ask['vpn']})"
                + (f" instead of the old line {ask['old_circuit']}" if ask["old_circuit"] else "")
            )
            step = int(ask["before_step"])
            who = f"{ask['system']}系统运维方"
            out.append(
                Request(
                    row["id"],
                    row["unit_key"],
                    "system",
                    step,
                    host_of(step),
                    text,
                    get_system_chinese(ask, who),
                    who,
                    False,
                    dict(ask),
                )
            )
    return out


def get_city_text(city: Mapping[str, Any]) -> str:
    if city.get("handoff") == "vpnv4":
        return (
            f"city operator: {city['network']}: on the route reflector {city['reflector']},"
            f" VPN {city['vpn']} RD {city['route_distinguisher']} RT {city['route_target']},"
            f" {'a new' if city.get('new_peer') else 'the'} VPNv4 session with the PE"
            f" {city['pe']} ({city['pe_address']})"
        )
    return (
        f"city operator: {city['network']}: VLAN {city['vlan']} on the uplink of"
        f" {city['pe']} ({city['uplink']}), VPN {city['vpn']} RD"
        f" {city['route_distinguisher']} RT {city['route_target']}, city end"
        f" {city['city_address']}, PE end {city['pe_address']}, routes back:"
        f" {', '.join(city['routes']) or 'none'}"
    )


def get_city_chinese(city: Mapping[str, Any]) -> str:
    """What plan.md asks of the city's operator (playbooks/runbooks/plan.md.j2), in one
    paragraph."""
    if city.get("handoff") == "vpnv4":
        peer = (
            f"新建与区县 PE {city['pe']} 环回地址 {city['pe_address']}（AS {city['pe_asn']}）的"
            " VPNv4 会话"
            if city.get("new_peer")
            else f"与区县 PE {city['pe']} 的 VPNv4 会话已存在，无需新建"
        )
        return (
            f"市级外网运营方：在市级路由反射器 {city['reflector']} 上为{city['network']}"
            f"配置 VPN 实例 {city['vpn']}，RD {city['route_distinguisher']}，"
            f"RT {city['route_target']}（入、出方向）；{peer}。"
            "可提前完成：该 VPN 此前无本单位路由，不影响现网。"
        )
    routes = "；".join(f"{p} 下一跳 {city['pe_address']}" for p in city["routes"])
    sub = "新建子接口（802.1Q 封装）" if city.get("new_subinterface") else "子接口已存在，核对"
    return (
        f"市级外网运营方：在市级节点上为{city['network']}配置对端电路"
        f"（区县 PE {city['pe']} 的上联 {city['uplink']}）：{sub}，VLAN {city['vlan']}，"
        f"市级一端地址 {city['city_address']}，区县 PE 一端地址 {city['pe_address']}，"
        f"VPN 实例 {city['vpn']}，RD {city['route_distinguisher']}，"
        f"RT {city['route_target']}（入、出方向），VPN 内回程静态路由："
        f"{routes or '无（采集未见本单位业务网段，须人工核对）'}。"
        "可提前完成：该 VLAN 此前无流量，不影响现网。"
    )


def get_system_chinese(ask: Mapping[str, Any], who: str) -> str:
    old = ask["old_circuit"] or "原专线"
    near = f"（本单位一端地址 {ask['old_next_hop']}）" if ask.get("old_next_hop") else ""
    return (
        f"{who}：在{ask['system']}系统的上级业务节点上，"
        f"将本单位业务网段 {'、'.join(ask['routes'])} 的回程路由由原线路 {old}{near}"
        f"改经电子政务外网专用网络区（VPN {ask['vpn']}），随即执行步骤 {ask['before_step']}。"
        "不可提前：提前改则仍在原线路上的业务中断。"
    )


def get_holds(items: Sequence[Any], requests: Sequence[Request]) -> dict[int, Hold]:
    """The hold points of a batch, by the index of the item (a host push: ``plan_id``,
    ``unit``, ``host``, ``steps``) they come before: each item whose steps the plan's
    requests are due before, with those requests."""
    holds: dict[int, Hold] = {}
    for n, item in enumerate(items):
        due = [r for r in requests if r.plan_id == item.plan_id and r.before_step in item.steps]
        if due:
            holds[n] = Hold(item.plan_id, item.unit, item.host, tuple(item.steps), due)
    return holds
