"""The planner: one unit's networks and lines, with their targets, become ordered steps per
device (a migration approach each, rendered from the platform's templates), the checks that
prove them, the lines to cancel, the risks, and what cannot be planned yet and why."""

from __future__ import annotations

from dataclasses import replace

from govnet.model.plans import Check, Plan, Risk
from govnet.model.policy import Category, Target
from govnet.model.verdicts import Verdict
from govnet.plan.approaches import Approaches
from govnet.plan.paperwork import add_paperwork
from govnet.plan.registry import Registry
from govnet.plan.safety import get_sensitive_hosts, mark_manual
from govnet.plan.steps import PlanInput
from govnet.plan.templates import PlanError


class _Planner(Approaches):
    def _cut_off(self, line: Verdict) -> list[Check]:
        """A breach disconnected is proved by traffic too: from the device's own LAN, the
        extranet's public zone answers no more (``migration.public_probe``)."""
        probe = self.migration.public_probe
        source = (
            self._lan_source(line.host, line.interface) if line.host and line.interface else None
        )
        if probe is None or source is None or line.host is None:
            return []
        return [replace(self._ping(line.host, None, source, probe), present=False)]

    def plan(self) -> None:
        for line in self.lines:
            if line.rule == "breach-disconnect":
                self._shut_line(
                    line,
                    "隔离违规：涉密或公安信息网设备与外网或互联网相连，立即断开",
                    self._cut_off(line),
                )
                self.risks.insert(0, Risk(f"隔离违规：{line.key} 须立即断开并上报保密办"))
        uplink = self._uplink()
        for network in self.networks:
            if network.target is Target.EXTRANET_DEDICATED_VPN and network.rule not in (
                "extranet-dedicated",
                "migrated",
            ):
                self._dedicated(network, uplink)
            elif network.target is Target.EXTRANET_PUBLIC and self._category(network) is (
                Category.LOCAL
            ):
                self._public(network, uplink)
        if self.access is not None and self.access.own_exit:
            self._internet(uplink)
        for line in self.lines:
            if line.rule == "zombie":
                self._shut_line(line, "僵尸线路")
                self._cancel_line(line)


def get_unsurveyed_hosts(inp: PlanInput, unit: str) -> list[str]:
    """The unit's devices, and those its lines and networks run through, that the snapshot
    holds no result for (an unfinished survey): a plan must not pass over them in silence."""
    c = inp.classification
    named = [h.hostname for h in inp.snapshot.hosts if h.unit == unit]
    for v in [*c.lines, *c.networks]:
        if v.unit == unit:
            named += [v.host] if v.host else []
            named += [ref.partition(":")[0] for ref in v.interfaces]
    named += [ln.a_device for ln in inp.snapshot.lines if ln.unit == unit and ln.a_device]
    unsurveyed = {h.hostname for h in inp.snapshot.hosts if h.status is None}
    return [h for h in dict.fromkeys(named) if h in unsurveyed]


def make_plan(inp: PlanInput, unit: str, registry: Registry | None = None) -> Plan:
    """The cutover plan of one unit, from a classification and its snapshot.

    ``registry``: what is in use in the district (the snapshot's devices by default), plus
    what stored plans and this run's earlier plans took; the plan's own claims are added.
    """
    units = {u.key: u for u in inp.snapshot.units}
    if unit not in units:
        raise PlanError(f"unknown unit {unit!r}: not in the surveyed inventory")
    if registry is None:
        registry = Registry.from_snapshot(inp.snapshot)
    planner = _Planner(inp, unit, registry)
    planner.plan()
    mark_manual(planner.steps, get_sensitive_hosts(inp.classification, inp.policy))
    for host in get_unsurveyed_hosts(inp, unit):
        planner.blocked.append(
            f"设备 {host} 在采集批次 {inp.snapshot.survey_run_id or '—'} 中没有结果（采集未完成）："
            "涉及它的步骤无法生成，须补采（govnet survey --retry-failed）后重新分类、生成方案"
        )
    record = units[unit]
    plan = Plan(
        unit,
        record.name,
        record.division_code,
        inp.classification.survey_run_id,
        inp.classify_run_id,
        planner.access,
        planner.networks,
        planner.lines,
        list(planner.access.exits if planner.access else []),
        planner.steps,
        list(planner.prechecks.values()),
        planner.risks,
        planner.cancel,
        [
            v
            for v in planner.networks
            if v.target in (Target.RETAIN_NATIONAL, Target.RETAIN_EXCEPTION)
        ],
        [v for v in planner.networks if v.target is Target.REVIEW],
        planner.blocked,
        [
            v
            for v in planner.networks
            if v.rule == "migrated"
            or (
                v.rule in ("extranet-dedicated", "extranet-public")
                and planner._category(v) is Category.EXTRANET
            )
        ],
        planner.links,
        planner.requests,
        planner.system_requests,
        window=inp.window,
        observation_days=planner.migration.observation_days,
    )
    uplink = planner._uplink()
    no_access = uplink is None or uplink.pe is None or uplink.pe_port is None
    add_paperwork(plan, inp.snapshot, inp.classification.lines, no_access)
    return plan
