"""Classification against known truth: four real labs surveyed over SSH must classify exactly
as their ground truth says (every network, line, unit's exits and access class, the breach,
every ledger/device mismatch); hand-written fixtures cover what the labs do not (missing and
contradicting evidence, exceptions, dialers, patch cables); every shipped rule is exercised;
a classification survives the store on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from govnet.app.classify import classify_store
from govnet.app.project import init_project
from govnet.classify import classify, get_rules_tried
from govnet.model.divisions import get_bundled_tree
from govnet.model.facts import HostFacts, HostSnapshot
from govnet.model.inventory_files import get_inventory
from govnet.model.policy import Exception_, Policy, Target, load_policy
from govnet.model.snapshot import HostRecord, LedgerLine, Snapshot, UnitRecord
from govnet.model.verdicts import Classification
from govnet.platforms import load_platforms
from govnet.store import open_store
from govnet_cli import run_govnet, run_govnet_json
from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.district import load_district
from govnet_lab.facts import get_lab_snapshot
from govnet_lab.generate import generate_lab
from govnet_lab.server import read_credentials

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "classify"

# (county, seed, routers): None = the example project `govnet init` writes (the default lab)
LABS: list[tuple[str | None, int, int]] = [
    (None, 1, 0),
    ("370702", 3, 60),
    ("110105", 5, 60),
    ("440106", 9, 90),
]


# --- comparing a classification with a lab's ground truth -----------------------------------


def truth_differences(result: dict[str, Any], truth: dict[str, Any]) -> list[str]:
    """Every way the classification (as `classify --json` and `exits --json` print it)
    differs from the lab's ground truth; [] when they agree."""
    out: list[str] = []
    got = {n["key"]: n for n in result["networks"]}
    want = {n["id"]: n for n in truth["networks"]}
    for key in sorted(got.keys() | want.keys()):
        g, w = got.get(key), want.get(key)
        if g is None or w is None:
            out.append(f"network {key}: found {g is not None}, in truth {w is not None}")
        elif g["target"] != w["target"]:
            out.append(f"network {key}: {g['target']} ({g['rule']}), truth {w['target']}")
        elif sorted(g["interfaces"]) != sorted(w["interfaces"]):
            out.append(f"network {key}: interfaces {g['interfaces']}, truth {w['interfaces']}")
    lines = {v["key"]: v for v in result["lines"]}
    for line in truth["lines"]:
        key = line["circuit_id"] or f"{line['host']}:{line['interface']}"
        g = lines.pop(key, None)
        if g is None:
            out.append(f"line {key}: not found")
        elif g["target"] != line["target"]:
            out.append(f"line {key}: {g['target']} ({g['rule']}), truth {line['target']}")
    out += [f"line {key}: not in the truth" for key in lines]
    units = {u["unit"]: u for u in result["units"]}
    for unit in truth["exits"]:
        g = units.get(unit["unit"])
        if g is None:
            out.append(f"unit {unit['unit']}: missing")
            continue
        found = sorted(
            (e["host"], e["interface"], e["kind"], e["own_exit"], e["signs"], e["circuit_id"])
            for e in g["exits"]
        )
        wanted = sorted(
            (e["host"], e["interface"], e["kind"], e["own_exit"], e["evidence"], e["circuit_id"])
            for e in unit["exits"]
        )
        if (g["category"], g["own_exit"], found) != (unit["category"], unit["own_exit"], wanted):
            out.append(
                f"unit {unit['unit']}: {g['category']} own={g['own_exit']} {found}, truth"
                f" {unit['category']} own={unit['own_exit']} {wanted}"
            )
    breaches = sorted((b["host"], b["unit"]) for b in result["breaches"])
    if breaches != sorted((b["host"], b["unit"]) for b in truth["breaches"]):
        out.append(f"breaches {breaches}, truth {truth['breaches']}")
    findings = sorted(
        (f["kind"], f.get("circuit_id"), f.get("host"), f.get("interface"))
        for f in result["findings"]
    )
    wanted_findings = sorted(
        (d["kind"], d["circuit_id"], d["host"], d["interface"]) for d in truth["disagreements"]
    )
    if findings != wanted_findings:
        out.append(f"findings {findings}, truth {wanted_findings}")
    return out


# --- four real labs, surveyed over SSH --------------------------------------------------------


@dataclass
class SurveyedLab:
    root: Path
    env: dict[str, str]
    truth: dict[str, Any]

    def govnet(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_govnet(self.root, self.env, *args)

    def json(self, *args: str) -> Any:
        return run_govnet_json(self.root, self.env, *args)


@pytest.fixture(scope="module", params=LABS, ids=lambda p: p[0] or "default")
def surveyed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SurveyedLab]:
    county, seed, routers = request.param
    root = tmp_path_factory.mktemp("classify") / (county or "default")
    if county is None:
        init_project(root)
        hosts = root / "inventory" / "hosts.yaml"
        text = hosts.read_text(encoding="utf-8")
        ports = [int(p) for p in re.findall(r"(?m)^\s+port: (\d+)$", text)]
        first = get_free_port_run(max(ports) - min(ports) + 1)
        text = re.sub(
            r"(?m)^(\s+port: )(\d+)$",
            lambda m: f"{m.group(1)}{first + int(m.group(2)) - min(ports)}",
            text,
        )
        hosts.write_text(text, encoding="utf-8")  # the example's own ports may be taken
        start_lab(root, seed=seed, timeout=120)
    else:
        first = get_free_port_run(routers)
        start_lab(root, county=county, devices=routers, seed=seed, first_port=first, timeout=120)
    try:
        username, password = read_credentials(get_lab_paths(root).credentials)
        env = dict(os.environ, GOVNET_USERNAME=username, GOVNET_PASSWORD=password)
        truth = yaml.safe_load((root / "lab" / "ground_truth.yaml").read_text(encoding="utf-8"))
        lab = SurveyedLab(root, env, truth)
        survey = lab.govnet("survey", "--json")
        assert survey.returncode == 0, survey.stderr
    finally:
        stop_lab(root)
    yield lab


def test_lab_classification_equals_the_ground_truth(surveyed: SurveyedLab) -> None:
    result = surveyed.json("classify")
    exits = surveyed.json("exits")
    assert exits["units"] == result["units"]  # the stored classification reads back the same
    assert truth_differences(result, surveyed.truth) == []
    assert result["breaches"], "every lab has its breach"
    # Breaches come first in every output.
    table = surveyed.govnet("classify", "--show", "none")
    assert table.stdout.lstrip().startswith("CRITICAL isolation breach"), table.stdout[:200]
    listing = surveyed.govnet("exits")
    assert listing.stdout.lstrip().startswith("CRITICAL isolation breach")
    if surveyed.root.name == "default":
        check_explain(surveyed, result)


def check_explain(surveyed: SurveyedLab, result: dict[str, Any]) -> None:
    """`govnet explain` of one line of each target gives the rule, the rules before it and
    why they did not apply, and the evidence with its device and interface."""
    by_target: dict[str, dict[str, Any]] = {}
    for line in result["lines"]:
        by_target.setdefault(line["target"], line)
    assert {"decommission", "extranet_public", "intranet"} <= by_target.keys()
    for line in by_target.values():
        done = surveyed.govnet("explain", line["key"])
        assert done.returncode == 0, done.stderr
        text = done.stdout
        assert f"Line {line['key']}" in text
        assert f"rule `{line['rule']}`" in text
        for rule, why in line["tried"]:
            assert f"- {rule}: {why}" in text
        if line["host"]:
            assert line["host"] in text and line["interface"] in text
        if line["circuits"]:
            assert f"ledger line {line['circuits'][0]}" in text
    unit = next(u for u in result["units"] if u["exits"] and u["category"])
    done = surveyed.govnet("explain", unit["unit"])
    assert f"Access class: {unit['category']}" in done.stdout
    wrong = surveyed.govnet("explain", "no-such-thing")
    assert wrong.returncode == 1 and wrong.stderr.startswith("error: no network, line or unit")
    assert "Traceback" not in wrong.stderr


# --- fixtures: what the labs do not show ----------------------------------------------------


def snapshot_of_fixture(data: dict[str, Any]) -> Snapshot:
    return Snapshot(
        [UnitRecord(**u) for u in data["units"]],
        [
            HostRecord(
                h["hostname"],
                h["unit"],
                h.get("role", "edge"),
                h.get("platform"),
                h.get("status", "ok"),
                HostFacts.from_dict(h["facts"]) if "facts" in h else None,
                h.get("message"),
            )
            for h in data["hosts"]
        ],
        [
            LedgerLine(
                ln["circuit_id"],
                ln["unit"],
                ln["network"],
                ln["carrier"],
                ln["kind"],
                ln.get("classified"),
                ln.get("a_device"),
                ln.get("a_interface"),
                ln.get("bandwidth_mbps"),
                ln.get("monthly_fee"),
            )
            for ln in data["lines"]
        ],
        interface_names={
            p: load_platforms().get_interface_names(p) for p in ("huawei", "hp_comware")
        },
    )


def policy_of_fixture(data: dict[str, Any]) -> Policy:
    policy = load_policy(None)
    extra = tuple(Exception_.model_validate(e) for e in data.get("exceptions", ()))
    return policy.model_copy(update={"exceptions": policy.exceptions + extra})


def check_fixture(result: Classification, expect: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for kind, verdicts in (("lines", result.lines), ("networks", result.networks)):
        found = {v.key: v for v in verdicts}
        for key, want in expect.get(kind, {}).items():
            v = found.get(key)
            got = None if v is None else {"target": v.target.value, "rule": v.rule}
            if got != want:
                out.append(f"{kind} {key}: {got}, expected {want}")
    for key in expect.get("no_lines", ()):
        if any(v.key == key for v in result.lines):
            out.append(f"{key} is a patch cable, not a line")
    if "breaches" in expect and sorted(b.host for b in result.breaches) != expect["breaches"]:
        out.append(f"breaches {[b.host for b in result.breaches]}")
    if "findings" in expect:
        found_f = sorted([f.kind, f.circuit_id, f.host] for f in result.findings)
        if found_f != sorted(expect["findings"], key=lambda x: [str(i) for i in x]):
            out.append(f"findings {found_f}")
    units = {u.unit: u for u in result.units}
    for key, want in expect.get("units", {}).items():
        u = units[key]
        if (u.category, u.own_exit) != (want["category"], want["own_exit"]):
            out.append(f"unit {key}: {u.category} own={u.own_exit}, expected {want}")
        if "exits" in want:
            got_exits = [[e.host, e.interface, e.kind, e.signs] for e in u.exits]
            if got_exits != want["exits"]:
                out.append(f"unit {key} exits {got_exits}")
    return out


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.yaml")), ids=lambda p: p.stem)
def test_fixture_classifies_as_expected(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    result = classify(snapshot_of_fixture(data), policy_of_fixture(data))
    assert check_fixture(result, data["expect"]) == []


def test_every_shipped_rule_is_exercised(tmp_path: Path) -> None:
    """By the fixtures and the default lab (read by the lab's own perfect-survey oracle)."""
    used: set[str] = set()
    for path in FIXTURES.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        result = classify(snapshot_of_fixture(data), policy_of_fixture(data))
        used |= {v.rule for v in (*result.lines, *result.networks)}
    init_project(tmp_path)
    district = load_district(generate_lab(tmp_path, None, 1, None, None))
    inventory = get_inventory(tmp_path, get_bundled_tree())
    snapshot = get_lab_snapshot(inventory, district.devices)
    result = classify(snapshot, load_policy(None))
    used |= {v.rule for v in (*result.lines, *result.networks)}
    shipped = {r.id for r in load_policy(None).rules} | {"exception"}
    assert shipped - used == set(), "rules no test exercises"


def test_a_classification_survives_the_store(db_url: str) -> None:
    """Stored against its snapshot, read back equal, on SQLite and PostgreSQL."""
    data = yaml.safe_load((FIXTURES / "exits_and_exceptions.yaml").read_text(encoding="utf-8"))
    store = open_store(db_url)
    try:
        store.sync_inventory(
            {
                "units": [
                    {
                        "key": u["key"],
                        "name": u["name"],
                        "kind": u["kind"],
                        "division_code": u["division_code"],
                        "parent_key": None,
                        "classified": u.get("classified", False),
                    }
                    for u in data["units"]
                ],
                "devices": [
                    {
                        "hostname": h["hostname"],
                        "address": "127.0.0.1",
                        "port": 22,
                        "platform": h["platform"],
                        "unit_key": h["unit"],
                        "division_code": "500107000000",
                        "site": "",
                        "role": h.get("role", "edge"),
                    }
                    for h in data["hosts"]
                ],
                "lines": [
                    {("unit_key" if k == "unit" else k): v for k, v in ln.items()}
                    for ln in data["lines"]
                ],
            },
            "fixture",
        )
        run = store.start_survey_run("fixture")
        store.add_snapshots(
            run,
            [
                HostSnapshot(
                    h["hostname"],
                    "ok",
                    h["platform"],
                    h["unit"],
                    facts=HostFacts.from_dict(h["facts"]),
                )
                for h in data["hosts"]
            ],
        )
        store.finish_survey_run(run)
        stored = classify_store(store, policy_of_fixture(data))
        assert check_fixture(stored.result, data["expect"]) == []
        back = store.get_classification()
        assert back is not None

        def without_tried(verdicts: list[Any]) -> list[dict[str, Any]]:
            return [{k: v for k, v in x.to_dict().items() if k != "tried"} for x in verdicts]

        assert without_tried(back.lines) == without_tried(stored.lines)
        assert without_tried(back.networks) == without_tried(stored.networks)
        policy = policy_of_fixture(data)
        for old, new in zip(stored.lines, back.lines, strict=True):  # worked out again
            if old.rule != "exception":
                assert get_rules_tried(policy, new.signals, new.rule) == old.tried
        assert [u.to_dict() for u in back.units] == [u.to_dict() for u in stored.units]
        assert [b.to_dict() for b in back.breaches] == [b.to_dict() for b in stored.breaches]
        assert back.findings == stored.result.findings
        assert back.survey_run_id == run
        runs = store.get_classify_runs()
        assert runs[-1]["summary"]["breaches"] == 1
        assert back.lines[0].target in set(Target)
    finally:
        store.dispose()
