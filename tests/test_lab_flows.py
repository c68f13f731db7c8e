"""The running lab's flows (`govnet lab flows`) and a synthesized district served as one
vendor (`govnet lab up --platform`): what the SSH cutover sweep (test_cutover_ssh.py) reads
after every push, and how it serves each district as each vendor."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from govnet_cli import run_govnet
from govnet_lab.configure import apply_lines
from govnet_lab.control import get_free_port_run, get_lab_paths, stop_lab
from govnet_lab.dataplane import Network
from govnet_lab.district import load_district
from govnet_lab.generate import as_platform, generate_lab
from govnet_lab.generate.inventory import LabMismatchError
from govnet_lab.server import apply_requests, read_credentials

COUNTY, SEED, SIZE = "370702", 1, 12


def test_a_synthesized_district_is_served_as_one_vendor(tmp_path: Path) -> None:
    """The same design as the district of mixed vendors (the same routers, ports and
    addresses), each router that vendor's, and the inventory says so."""
    mixed = load_district(generate_lab(tmp_path / "mixed", COUNTY, SEED, SIZE, None))
    assert len({d.platform for d in mixed.devices}) > 1
    one = load_district(
        generate_lab(tmp_path / "ios", COUNTY, SEED, SIZE, None, platform="cisco_ios")
    )
    assert one.devices == [as_platform(d, "cisco_ios") for d in mixed.devices]
    assert one.truth == mixed.truth
    hosts = yaml.safe_load((tmp_path / "ios/inventory/hosts.yaml").read_text(encoding="utf-8"))
    assert {tuple(h["groups"]) for h in hosts.values()} == {("cisco_ios",)}
    with pytest.raises(LabMismatchError, match="already sets every router's platform"):
        generate_lab(tmp_path / "ios", None, SEED, None, None, platform="huawei")
    with pytest.raises(ValueError, match="cannot serve platform 'junos'"):
        generate_lab(tmp_path / "junos", COUNTY, SEED, SIZE, None, platform="junos")
    assert not (tmp_path / "junos").exists()


def test_the_flows_are_sent_as_the_routers_are_configured_now(tmp_path: Path) -> None:
    """A flows request on the lab's control channel answers every flow of the truth as
    built; once its gateway's port is shut, a flow says it is broken, and why."""
    district = load_district(generate_lab(tmp_path / "lab", COUNTY, SEED, SIZE, None))
    net = Network(district)

    def ask() -> dict[str, dict[str, object]]:
        (tmp_path / "q.json").write_text(json.dumps({"flows": True}), encoding="utf-8")
        apply_requests(tmp_path, net)
        answer = json.loads((tmp_path / "q.done").read_text(encoding="utf-8"))
        return {row["id"]: row for row in answer["flows"]}

    before = ask()
    truth = {f.id: f for f in district.truth.flows}
    assert {k: r["works"] for k, r in before.items()} == {k: f.works for k, f in truth.items()}
    flow = next(f for f in district.truth.flows if f.must_work and f.works and f.path[1:])
    row = before[flow.id]
    assert (row["sender"], row["path"], row["outcome"]) == (flow.host, flow.path, "reply")
    device = district.get_device(flow.host)
    assert device is not None and device.platform == "huawei"
    port = next(i.name for i in device.interfaces if i.address and str(i.address.ip) == flow.source)
    net.before_change(flow.host)
    assert apply_lines(device, [f"interface {port}", " shutdown", " quit"]) == []
    net.note_change()
    after = ask()[flow.id]
    assert after["works"] is False and after["outcome"] != "reply" and after["reason"]


@pytest.mark.slow
def test_lab_up_platform_and_lab_flows_on_the_command_line(tmp_path: Path) -> None:
    root = tmp_path / "county"
    env = dict(os.environ)
    first = str(get_free_port_run(SIZE))
    up = run_govnet(
        tmp_path,
        env,
        *("lab", "up", "--project", str(root), "--county", COUNTY, "--seed", str(SEED)),
        *("--devices", str(SIZE), "--first-port", first, "--platform", "hp_comware"),
    )
    assert up.returncode == 0, up.stderr
    try:
        assert f"{SIZE} routers ({SIZE} hp_comware)" in up.stdout
        user, password = read_credentials(get_lab_paths(root).credentials)
        env.update(GOVNET_USERNAME=user, GOVNET_PASSWORD=password)
        done = run_govnet(root, env, "lab", "flows", "--json")
        assert done.returncode == 0, done.stderr
        rows = json.loads(done.stdout)
        truth = yaml.safe_load((root / "lab/ground_truth.yaml").read_text(encoding="utf-8"))
        assert {r["id"]: r["works"] for r in rows} == {f["id"]: f["works"] for f in truth["flows"]}
        text = run_govnet(root, env, "lab", "flows").stdout.splitlines()
        must = [f for f in truth["flows"] if f["must_work"]]
        assert text[0].startswith(f"{len(must)}/{len(must)} flows that must work work;"), text[0]
        assert len(text) == 1 + len(rows)
    finally:
        stop_lab(root)
    down = run_govnet(root, env, "lab", "flows")
    assert down.returncode == 1 and "is not running" in down.stderr
    assert "Traceback" not in down.stderr
