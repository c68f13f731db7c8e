"""Each unit's internet exits and its access class A-F."""

from __future__ import annotations

from collections import defaultdict

from govnet.classify.judging import Judge
from govnet.classify.lines import Line
from govnet.model.policy import Category, Zone
from govnet.model.verdicts import Evidence, Exit, UnitAccess


class Access(Judge):
    def _units(self) -> list[UnitAccess]:
        by_unit: dict[str, list[Line]] = defaultdict(list)
        for line in self.lines:
            by_unit[line.unit].append(line)
        keys = [u.key for u in self.snapshot.units] + sorted(set(by_unit) - set(self.units))
        result = []
        for key in keys:
            lines = by_unit.get(key, [])
            exits = [e for ln in lines if (e := self._exit(ln)) is not None]
            extranet = [
                ln
                for ln in lines
                if ln.system is not None and ln.system.category is Category.EXTRANET
            ]
            public = any(ln.live for ln in extranet)
            seen = any(ln.live and ln.on_device for ln in extranet)
            dedicated = any(Zone.DEDICATED in ln.zones for ln in extranet)
            unified = key in self.platform_units or any(
                ln.default_to_extranet for ln in lines if ln.live
            )
            own = any(e.own_exit for e in exits)
            category: str | None = None
            if public:
                if own:
                    category = "E" if dedicated else "C"
                elif unified:
                    category = "D" if dedicated else "B"
                else:
                    category = "A"
            evidence = []
            for ln in extranet:
                state = "live" if ln.live else "zombie" if ln.zombie else "not on a device"
                zones = ", ".join(sorted(self.policy.zones[z].name for z in ln.zones))
                evidence.append(
                    Evidence(
                        "line",
                        f"extranet line {ln.key} ({state})" + (f": {zones}" if zones else ""),
                        ln.host,
                        ln.port,
                    )
                )
            if key in self.platform_units:
                evidence.append(Evidence("inventory", "runs the level's extranet node (core)"))
            for ln in lines:
                if ln.default_to_extranet and ln.live:
                    evidence.append(
                        Evidence("routes", "default route toward the extranet", ln.host, ln.port)
                    )
            unit = self.units.get(key)
            result.append(
                UnitAccess(
                    key,
                    unit.name if unit else key,
                    category,
                    own,
                    public,
                    dedicated,
                    unified,
                    exits,
                    evidence,
                    "survey" if seen else "ledger" if public else None,
                )
            )
        return result

    def _exit(self, line: Line) -> Exit | None:
        if not self._is_exit(line) or not line.live:
            return None
        ledger = line.ledger
        if line.on_device and line.exit_signs:
            signs = list(line.exit_signs)
            kind = signs[0]
        else:
            signs = ["ledger"]
            kind = (
                ledger.kind
                if ledger and ledger.kind in ("broadband", "cellular")
                else ("public_address")
            )
        return Exit(
            line.unit,
            line.host if line.on_device else None,
            line.port if line.on_device else None,
            kind,
            line.unit not in self.platform_units,
            signs,
            ledger.circuit_id if ledger else None,
            ledger.carrier if ledger else None,
            ledger.bandwidth_mbps if ledger else None,
            ledger.monthly_fee if ledger else None,
            ledger.yearly_fee if ledger else None,
            [e for e in line.evidence if e.source in ("nat", "routes", "interfaces", "ledger")],
        )
