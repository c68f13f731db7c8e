"""A district built, and its ground truth (the last step of building a district): what a
perfect survey and classification must find, from what the generator decided."""

from __future__ import annotations

from ipaddress import IPv4Interface, IPv4Network

import yaml

from govnet.model.divisions import Level, get_bundled_tree, to_full_code
from govnet.model.inventory import Role
from govnet_lab.district import (
    BreachTruth,
    Disagreement,
    District,
    ExitTruth,
    GroundTruth,
    LineTruth,
    NetworkTruth,
    TownTruth,
    UnitExitsTruth,
    to_jsonable,
)
from govnet_lab.generate.flows import ISOLATED, FlowPlanner
from govnet_lab.generate.plans import LinePlan
from govnet_lab.model import NatKind


class DistrictBuilder(FlowPlanner):
    """Builds one district from an inventory and a seed: routers, lines, ground truth."""

    def build(self) -> District:
        """Routers, the plan of every line, the county node's links, every line, the breach,
        then the truth: in this order, as the allocators hand out ports and addresses."""
        hosts = sorted(self.inventory.hosts, key=lambda h: h.port)
        cores = [h for h in hosts if h.role is Role.CORE]
        self.core_unit = cores[0].unit if cores else None
        used: dict[str, set[str]] = {}
        for line in self.inventory.lines:
            if line.a_device and line.a_interface:
                used.setdefault(line.a_device, set()).update(
                    {line.a_interface, line.a_interface.split(".")[0]}
                )
        for host in hosts:
            self.devices[host.name] = self._new_device(host, used.get(host.name, set()))
        self._plan_lines()
        self._add_internal_links(cores)
        for plan in self.plans:
            self._build_line(plan, cores)
        self._add_breach(cores)
        self._add_isolation_breaches()
        self._add_business_segments()
        self._build_upstream()
        truth = self._get_truth()
        return District(
            to_full_code(self.county),
            self.seed,
            [self.devices[h.name] for h in hosts],
            truth,
            list(self.upstream.values()),
            list(self.links.values()),
            [r.server for r in self.servers.values()],
        )

    def _add_business_segments(self) -> None:
        """Some vertical lines in a VPN instance of their own have their business terminals
        on a segment of that instance (a port of the router, a /27 of 10.249.0.0/16): a
        segment of that business only, as departments often keep one. Made after every line,
        so no other port or address moves."""
        block = iter(IPv4Network("10.249.0.0/16").subnets(new_prefix=27))
        for plan in self.plans:
            if (
                plan.host is None
                or plan.vpn_instance is None
                or not plan.on_device
                or plan.zombie
                or plan.system.category != "vertical"
                or plan.system.national
                or plan.system.key in ISOLATED
                or self.rng("segment", plan.host, plan.interface).random() >= 0.6
            ):
                continue
            device = self.devices[plan.host]
            subnet = next(block)
            gateway = IPv4Interface(f"{subnet.network_address + 1}/{subnet.prefixlen}")
            self._ensure_interface(
                device,
                next(self.free_ports[plan.host]),
                description=f"{plan.system.name}业务终端",
                address=gateway,
                vpn_instance=plan.vpn_instance,
            )
            plan.terminal = str(gateway)

    # --- ground truth --------------------------------------------------------------------

    def _add_isolation_breaches(self) -> None:
        """A router carrying an isolated network (the police network) and the extranet or
        the internet is a breach too: its extranet and internet lines are to be cut."""
        classified_host = self.breach_plan.host if self.breach_plan else None
        by_host: dict[str, list[LinePlan]] = {}
        for plan in self.plans:
            if plan.on_device and plan.host is not None and not plan.ledger_only:
                by_host.setdefault(plan.host, []).append(plan)
        for host, plans in sorted(by_host.items()):
            isolated = [p for p in plans if p.system.key in ISOLATED]
            exposed = [p for p in plans if p.system.category in ("extranet", "internet")]
            if not isolated or not exposed or host == classified_host:
                continue
            self.exposed_plans.extend(exposed)
            self.breaches.append(
                BreachTruth(
                    host,
                    isolated[0].unit,
                    list(dict.fromkeys(p.network for p in isolated + exposed)),
                    sorted(f"{host}:{p.interface}" for p in isolated + exposed),
                )
            )

    def _is_breach(self, plan: LinePlan) -> bool:
        return plan is self.breach_plan or any(plan is p for p in self.exposed_plans)

    def _get_truth(self) -> GroundTruth:
        truth = GroundTruth(breaches=sorted(self.breaches, key=lambda b: b.host))
        for plan in self.plans:
            target, reason = self._line_target(plan, self._is_breach(plan))
            truth.lines.append(
                LineTruth(
                    plan.circuit_id,
                    plan.unit,
                    plan.network,
                    plan.host,
                    plan.interface,
                    target,
                    plan.line is not None,
                    plan.on_device,
                    plan.zombie,
                    reason,
                )
            )
            if plan.ledger_only:
                truth.disagreements.append(
                    Disagreement(
                        "ledger_only", plan.circuit_id, plan.unit, plan.host, plan.interface
                    )
                )
            elif plan.device_only:
                truth.disagreements.append(
                    Disagreement("device_only", None, plan.unit, plan.host, plan.interface)
                )
        groups: dict[tuple[str, str], list[LinePlan]] = {}
        for plan in self.plans:
            if not self._is_breach(plan):
                groups.setdefault((plan.unit, plan.system.key), []).append(plan)
        for (unit, key), plans in groups.items():
            target, reason = self._network_target(unit, plans)
            system = plans[0].system
            names = sorted({p.network for p in plans})
            truth.networks.append(
                NetworkTruth(
                    f"{unit}:{key}",
                    unit,
                    names[0],
                    system.name if system.category == "vertical" else None,
                    sorted(
                        {p.host for p in plans if p.on_device and p.host}
                        | {h for p in plans if p.on_device for h in p.extra_hosts}
                    ),
                    sorted({i for p in plans if p.on_device for i in p.interfaces}),
                    next((p.vpn_instance for p in plans if p.vpn_instance), None),
                    sorted(p.circuit_id for p in plans if p.circuit_id),
                    target,
                    reason,
                )
            )
        truth.exits = self._get_exits()
        truth.towns = self._get_towns()
        truth.flows = self._get_flows()
        return truth

    def _line_target(self, plan: LinePlan, is_breach: bool) -> tuple[str, str]:
        if plan is not self.breach_plan and is_breach:
            return "decommission", "police network's device linked to the extranet: disconnect"
        if is_breach:
            return "decommission", "classified device linked to the extranet: disconnect"
        if plan.zombie:
            return "decommission", "zombie: interface down, no routes, no ARP"
        if plan.ledger_only:
            return "review", "in the ledger on a named device, but no device shows it"
        if plan.system.category == "internet":
            if plan.unit == self.core_unit:
                return "extranet_internet", "the county's unified internet exit"
            return "decommission", "self-rented internet line: replaced by the internet zone"
        return self._network_target(plan.unit, [plan])

    def _network_target(self, unit: str, plans: list[LinePlan]) -> tuple[str, str]:
        system = plans[0].system
        if (
            unit in self.zoned_units
            and self._unit_system(unit) is system
            and self._is_carrier_of(system)
            and not any(p.on_device and not p.zombie for p in plans)
        ):
            return "extranet_dedicated_vpn", "migrated: carried in the dedicated zone"
        if all(p.zombie for p in plans):
            return "decommission", "every line of it is a zombie"
        if system.category == "intranet":
            return "intranet", "classified business: e-government intranet"
        if system.category == "extranet":
            if unit in self.zoned_units:
                return "extranet_dedicated_vpn", "already on a dedicated-zone VPN instance"
            return "extranet_public", "extranet access in the public zone"
        if system.category == "internet":
            return "extranet_internet", "internet access moves to the extranet internet zone"
        if not any(p.on_device for p in plans):
            return "review", "the ledger names it but no device shows it"
        if system.category == "local":
            return "extranet_public", "local network with no vertical link"
        if system.category == "vertical":
            if system.national:
                return "retain_national", f"{system.name}: nationally planned vertical network"
            return "extranet_dedicated_vpn", f"{system.name}: vertical network, needs isolation"
        return "review", "network not in the vertical catalogue"

    def _get_exits(self) -> list[UnitExitsTruth]:
        result: list[UnitExitsTruth] = []
        for unit in self.inventory.units:
            exits: list[ExitTruth] = []
            for plan in self.plans:
                if plan.unit != unit.id or plan.system.category != "internet" or plan.zombie:
                    continue
                own = unit.id != self.core_unit
                line_kind = plan.line.kind.value if plan.line else None
                if plan.on_device and plan.nat_kind is not None:
                    kind = "nat_outbound" if plan.nat_kind is NatKind.OUTBOUND else "easy_ip"
                    exits.append(
                        ExitTruth(
                            plan.host,
                            plan.interface,
                            kind,
                            own,
                            [kind, "default_route", "public_address"],
                            plan.circuit_id,
                        )
                    )
                elif plan.line is not None and not plan.ledger_only:
                    kind = line_kind if line_kind in ("broadband", "cellular") else "public_address"
                    exits.append(ExitTruth(None, None, kind, own, ["ledger"], plan.circuit_id))
            own_exit = any(e.own_exit for e in exits)
            public = any(
                p.unit == unit.id
                and p.system.category == "extranet"
                and not p.zombie
                and not p.ledger_only
                and not self._is_breach(p)
                for p in self.plans
            )
            dedicated = unit.id in self.zoned_units
            category: str | None = None
            if public:
                if own_exit:
                    category = "E" if dedicated else "C"
                elif unit.id in self.unified_units:
                    category = "D" if dedicated else "B"
                else:
                    category = "A"
            result.append(UnitExitsTruth(unit.id, category, own_exit, exits))
        return result

    def _get_towns(self) -> list[TownTruth]:
        tree = get_bundled_tree()
        categories = {e.unit: e.category for e in self._get_exits()}
        towns: list[TownTruth] = []
        for division in tree.get_descendants(self.county[:6], Level.TOWN):
            units = sorted(u.id for u in self.inventory.units if u.division_code == division.code)
            covered = any(categories.get(u) is not None for u in units)
            towns.append(TownTruth(division.code, division.name, covered, units))
        return towns


TRUTH_HEADER = """\
# Ground truth of the generated lab district: what a perfect survey and classification find.
# Written by `govnet lab`; tests of survey/classify/exits compare their results to it.
#
# county, seed      the 12-digit county code and the seed the district came from.
# networks          one business network of one unit (grouped by unit and kind of network):
#   id              "<unit>:<system key>", stable across seeds
#   system          vertical catalogue name (金税, 公安信息网, 金保, ...) or null
#   devices         lab hosts carrying it (a county core router included when it is the PE)
#   interfaces      "host:interface" on those devices; vpn_instance: its VPN/VRF, or null
#   circuits        ledger circuit ids; target: intranet | extranet_dedicated_vpn |
#                   extranet_public | extranet_internet | retain_national | retain_exception |
#                   decommission | review; reason: one line why
# lines             every ledger line and every device-only line: circuit_id (null when not in
#                   the ledger), unit, network, host/interface (where it ends on a device),
#                   target, in_ledger, on_device, zombie (link down, no routes, no ARP), reason.
#                   A line's target is its network's, except zombies and self-rented internet
#                   lines (decommission) and a ledger line no device shows (review).
#                   Links inside the county node (core/firewall/internet router) are patch
#                   cables, not lines, and are not listed.
# exits             per unit: category A-F (DB34/T 3607-2020; null = reaches no extranet),
#                   own_exit, and each exit: host, interface (null when only the ledger knows
#                   it), kind (nat_outbound | easy_ip | broadband | cellular | public_address),
#                   own_exit (false only for the county's unified exit), evidence, circuit_id.
# breaches          devices touching the classified network and anything else, or the police
#                   network and the extranet or the internet (critical).
# towns             every NBS town of the county: covered = a unit there reaches the extranet.
# disagreements     deliberate ledger/device mismatches: ledger_only (the ledger names a
#                   device interface that does not exist) and device_only (a live line the
#                   ledger lacks).
# flows             traffic each unit needs (or must never have), sent as a ping from `host`
#                   (the unit's router) from `source` in `vpn_instance` to a server:
#                   kind (extranet_public | extranet_dedicated | internet | vertical |
#                   intranet | isolation: classified business or a police network to the
#                   extranet), must_work (policy), works (as built: differs only
#                   for the isolation breach and flows a data-plane fault breaks, whose reason
#                   then names it), path (the routers it crosses, host first, when it works;
#                   empty when not). The lab's data plane answers the same from live state;
#                   `source` is the LAN's gateway: moved to another router by a cutover, the
#                   lab sends the flow from whichever router owns it then.
# dataplane_faults  faults of the data plane (`--faults drop_vlan|one_way|blackhole|
#                   no_return=...`), one line or route of `host` each: fault; circuit, ends
#                   ("host:port") and vlan of a carrier circuit (drop_vlan: the VLAN it stops
#                   passing; one_way: it passes ends[0] to ends[1] only); router, vpn_instance,
#                   prefix and next_hop of an upstream router's table (blackhole: prefix routed
#                   to NULL0; no_return: its route to prefix via next_hop removed); flows: the
#                   ids of the flows it breaks.
# faults            hosts the lab makes misbehave (`--faults`): host -> faults, e.g. silent,
#                   bad_password; a survey must record each with the matching error.
"""


def truth_to_yaml(district: District) -> str:
    data = {"county": district.county, "seed": district.seed, **to_jsonable(district.truth)}
    data["faults"] = {
        d.hostname: sorted(f.value for f in d.faults) for d in district.devices if d.faults
    }
    return TRUTH_HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
