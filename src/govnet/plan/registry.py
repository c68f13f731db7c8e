"""The district registry as a run of plans sees it: every RD, RT, VLAN per circuit end and
subnet in use on a surveyed device or held by a live plan, and what this run's plans take.
Plans made together allocate from one registry, so they never collide with each other or
with anything already in the district; a value another VPN uses is a refusal naming both."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Network

from govnet.model.registry import BUILD, USE, Holding, Kind
from govnet.model.snapshot import Snapshot
from govnet.plan.templates import PlanError

MAX_VLAN = 4094


def get_device_holdings(snapshot: Snapshot) -> list[Holding]:
    """What the surveyed devices use: each VPN instance's RD and targets, each
    sub-interface's VLAN and number on its port, each interface subnet."""
    held: list[Holding] = []
    for record in snapshot.hosts:
        facts = record.facts if record.has_facts else None
        if facts is None:
            continue
        host, unit = record.hostname, record.unit
        for vpn in facts.vpn_instances:
            if vpn.route_distinguisher:
                held.append(
                    Holding(Kind.RD, vpn.route_distinguisher, None, vpn.name, unit, host, vpn.name)
                )
            for rt in dict.fromkeys([*vpn.import_targets, *vpn.export_targets]):
                held.append(Holding(Kind.RT, rt, None, vpn.name, unit, host, vpn.name))
        for iface in facts.interfaces:
            parent = iface.parent
            if parent is not None:
                suffix = iface.name.rsplit(".", 1)[-1]
                numbers = {iface.vlan, int(suffix) if suffix.isdigit() else None} - {None}
                scope = f"{host}:{parent}"
                for n in sorted(n for n in numbers if n is not None):
                    held.append(Holding(Kind.VLAN, str(n), scope, None, unit, host, iface.name))
            for address in iface.get_ipv4():
                held.append(
                    Holding(Kind.LINK, str(address.network), None, None, unit, host, iface.name)
                )
    return held


class Registry:
    """Everything held (devices, stored plans) plus what this run's plans take (``made``).

    A stored plan of the unit being planned does not hold against it: the new plan
    replaces it (made again from the same survey, it takes the same values)."""

    def __init__(self, held: Iterable[Holding] = ()) -> None:
        self.held = list(held)
        self.made: list[Holding] = []

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot, plans: Iterable[Holding] = ()) -> Registry:
        return cls([*get_device_holdings(snapshot), *plans])

    def _against(self, unit: str) -> Iterable[Holding]:
        for h in (*self.held, *self.made):
            if not (h.plan_id is not None and h.unit == unit):
                yield h

    def get_claims(self, unit: str) -> list[Holding]:
        """What this run's plan of ``unit`` took: to be stored with the plan."""
        return [h for h in self.made if h.unit == unit]

    def get_vpn_clash(
        self, unit: str, name: str, rd: str, targets: Sequence[str]
    ) -> tuple[Kind, str, Holding] | None:
        """The first holder of the RD or a target with another meaning (another VPN instance
        name): the new VPN and that one would exchange routes. The same VPN elsewhere (the
        system's VPN on another PE, or another department's plan for the same system) is
        the same meaning, not a clash."""
        wanted = {(Kind.RD, rd), *((Kind.RT, t) for t in targets)}
        for h in self._against(unit):
            if (h.kind, h.value) in wanted and h.meaning != name:
                return h.kind, h.value, h
        return None

    def hold_vpn(self, unit: str, name: str, rd: str, targets: Sequence[str]) -> None:
        for kind, value in [(Kind.RD, rd), *((Kind.RT, t) for t in targets)]:
            claim = Holding(kind, value, None, name, unit)
            if claim not in self.made:
                self.made.append(claim)

    def get_session_builder(self, unit: str, pe: str, peer: str) -> Holding | None:
        """The plan that builds the session from ``pe`` to ``peer`` (a live stored plan, or
        one made earlier in this run, this unit's included), None when no plan does."""
        for h in self._against(unit):
            if (h.kind, h.scope, h.value, h.meaning) == (Kind.SESSION, pe, peer, BUILD):
                return h
        return None

    def hold_session(self, unit: str, pe: str, peer: str, build: bool) -> None:
        """The plan of ``unit`` builds (or uses) the session from ``pe`` to ``peer``."""
        claim = Holding(Kind.SESSION, peer, pe, BUILD if build else USE, unit)
        if claim not in self.made:
            self.made.append(claim)

    def allocate_vlan(
        self,
        unit: str,
        ends: Sequence[tuple[str, str]],
        pool: Sequence[int],
        *,
        beyond: bool = True,
    ) -> int:
        """The first VLAN of ``pool`` free on every end of the circuit (each a host and its
        port), else (``beyond``) the first above everything used there; PlanError when none
        is free."""
        scopes = {f"{host}:{port}" for host, port in ends}
        used = {
            int(h.value) for h in self._against(unit) if h.kind is Kind.VLAN and h.scope in scopes
        }
        free = [v for v in pool if v not in used]
        if not free and not beyond:
            raise PlanError(f"no VLAN of the pool is free on {', '.join(sorted(scopes))}")
        vlan = free[0] if free else max(used | {199}) + 1
        if vlan > MAX_VLAN:
            raise PlanError(f"no free VLAN on {', '.join(sorted(scopes))}: every VLAN is in use")
        for scope in sorted(scopes):
            self.made.append(Holding(Kind.VLAN, str(vlan), scope, None, unit))
        return vlan

    def allocate_link(self, unit: str, pool: IPv4Network, prefixlen: int = 30) -> IPv4Network:
        """The first subnet of ``pool`` that overlaps nothing held."""
        used = [IPv4Network(h.value) for h in self._against(unit) if h.kind is Kind.LINK]
        for subnet in pool.subnets(new_prefix=prefixlen):
            if not any(subnet.overlaps(u) for u in used):
                self.made.append(Holding(Kind.LINK, str(subnet), None, None, unit))
                return subnet
        raise PlanError(f"migration.link_pool {pool} has no free /{prefixlen}")
