"""Classification: every line and business network gets one target, the rule that decided it
and the facts it used; every internet exit and isolation breach is found (DOMAIN.md §3, §4).

The input is one snapshot: the inventory and ledger (units, devices, lines) and what the
survey read from each device. Lines come from both sides and are reconciled, never merged
silently: a ledger line is matched to the device interface it names; a device link no ledger
line names becomes a line of its own (``<host>:<interface>``), and both mismatches are
reported. Each line's *signals* (DOMAIN terms: zombie, zone, classified, own exit, ...) are
derived from facts, then ``playbooks/policy.yaml``'s ordered rules give the target. A unit's
lines of one kind of network form its business network (``<unit>:<catalogue key>``), judged
by the same rules on the signals of its lines together.

The work is done in floors of one class, each reading what the one below it found:
:mod:`.index` (the snapshot indexed), :mod:`.reconcile` (lines from both sides), :mod:`.reading`
(what each device says, breaches), :mod:`.judging` (signals and rules), :mod:`.access` (exits
and access classes); :class:`_Classifier` runs them in order.
"""

from __future__ import annotations

from collections import defaultdict

from govnet.classify.access import Access
from govnet.classify.lines import Line
from govnet.model.policy import Policy
from govnet.model.snapshot import Snapshot
from govnet.model.verdicts import Classification, Verdict


class _Classifier(Access):
    def run(self) -> Classification:
        self._index()
        self._ledger_lines()
        self._device_lines()
        for line in self.lines:
            self._read_device(line)
        breaches = self._find_breaches()
        groups: dict[str, list[Line]] = defaultdict(list)
        network_of: dict[int, str] = {}
        for line in self.lines:
            if line.breach:
                continue
            system = line.system
            if system is not None:
                key = f"{line.unit}:{system.key}"
            elif line.ledger is not None:
                key = f"{line.unit}:{line.ledger.network}"
            else:
                key = f"{line.unit}:{line.key}"
            groups[key].append(line)
            network_of[id(line)] = key
        line_verdicts = [self._line_verdict(ln, network_of.get(id(ln))) for ln in self.lines]
        network_verdicts = [self._network_verdict(k, ls) for k, ls in groups.items()]
        by_key = {s.key: s for s in self.policy.catalogue}
        for (unit, system_key), (carrier, _) in self.carried.items():
            key = f"{unit}:{system_key}"
            if key not in groups:  # its own lines are gone: the carrier's line shows it
                network_verdicts.append(self._network_verdict(key, [carrier], by_key[system_key]))
        units = self._units()
        order = {u.key: i for i, u in enumerate(self.snapshot.units)}

        def place(v: Verdict) -> tuple[int, str]:
            return (order.get(v.unit, len(order)), v.key)

        return Classification(
            breaches,
            sorted(line_verdicts, key=place),
            sorted(network_verdicts, key=place),
            units,
            self.findings,
            self.snapshot.survey_run_id,
            self.snapshot.campaign,
        )


def classify(snapshot: Snapshot, policy: Policy) -> Classification:
    """Every line, business network and unit of the snapshot, judged by the policy."""
    return _Classifier(snapshot, policy).run()
