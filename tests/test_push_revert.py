"""Issue 24's Must-show: a push that cuts the path the collector reaches the router by
undoes itself on the device. A district served as Cisco IOS (which declares `push: revert:`,
`configure terminal revert timer`) in this process, a lab minute lasting one second, so the
platform's 10-minute timer runs 10 s. Surveyed, classified and planned; then:

* a town's plan (two steps on one router: a default route to the e-government network, then
  its own internet line shut), the collector made to reach that router through that very
  line (``Device.management``): typing ``shutdown`` cuts the session; the push does not
  confirm, the router restores its archive (both steps undone) by itself when the timer
  runs out, the push reads it back equal to its backup and records the push ``reverted``;
* 统计局's plan shuts its zombie line, the management path elsewhere: its check holds, the
  push confirms (no timer left running), and the change is still there after the timer
  would have run out;
* 医保局's first step on the county PE, before the city has done its side: its ping check
  fails while the session answers, so the rollback lines restore the backup at once (no
  waiting for the timer), the push is recorded ``rolled_back`` and the timer is stopped.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import asyncssh
import pytest

from govnet.app.classify import classify_project
from govnet.app.plan import WrittenPlan, make_plans
from govnet.app.project import Project
from govnet.app.push import push
from govnet.app.survey import survey
from govnet.push import get_config_diff
from govnet.push.revert import REVERTED
from govnet.survey.collect import Credentials
from govnet_lab.control import get_free_port_run, get_lab_paths
from govnet_lab.generate import generate_lab
from govnet_lab.model import Device
from govnet_lab.server import LabServer, get_flow_states, load_network

COUNTY, SEED, SIZE = "370702", 3, 60
CUT = "town-400"  # one router: a default route to the e-government network, then its
# own internet line shut (the collector is made to reach it through that line)
CONFIRMED = "c370702-tongji"  # one step on one router: shut a zombie line (link down)
CREDENTIALS = Credentials("admin", "Lab#pass1")
CHECKED = "c370702-yibao"  # its first step, on the county PE: a ping to the city's end


@dataclass
class Served:
    project: Project
    server: LabServer
    devices: dict[str, Device]
    plans: dict[str, WrittenPlan]  # by unit


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("revert") / "county"
    generate_lab(root, COUNTY, SEED, SIZE, None, get_free_port_run(SIZE), platform="cisco_ios")
    devices, network = load_network(get_lab_paths(root).district)
    loop = asyncio.new_event_loop()
    server = LabServer(
        devices,
        CREDENTIALS.username,
        CREDENTIALS.password,
        asyncssh.generate_private_key("ssh-ed25519"),
        network=network,
        revert_minute_s=1.0,
    )
    loop.run_until_complete(server.start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        project = Project.find(root, None)
        assert survey(project, CREDENTIALS).done == SIZE
        classify_project(project)
        plans = {w.plan.unit: w for w in make_plans(project, []).written}
        yield Served(project, server, {d.hostname: d for d in devices}, plans)
    finally:
        asyncio.run_coroutine_threadsafe(server.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def shut_port(written: WrittenPlan) -> tuple[str, str]:
    """The plan's one router and the port its last step shuts."""
    (host,) = written.plan.hosts
    step = max(written.plan.steps, key=lambda s: s.number)
    assert [ln.strip() for ln in step.config][:2][1:] == ["shutdown"], step.config
    return host, step.config[0].split()[1]


def unit_flows(served: Served, unit: str) -> dict[str, bool]:
    """Whether each ground-truth flow of ``unit`` works now, on the lab's data plane."""
    assert served.server.network is not None
    states = get_flow_states(served.server.network)
    return {str(f["id"]): bool(f["works"]) for f in states if f["unit"] == unit}


@pytest.mark.slow
def test_a_push_that_cuts_its_management_path_reverts_by_itself(served: Served) -> None:
    host, port = shut_port(served.plans[CUT])
    device = served.devices[host]
    device.management = port  # the collector reaches this router through its own line
    assert device.get_interface(port).oper_up  # type: ignore[union-attr]
    assert served.server.network is not None
    before = unit_flows(served, CUT)
    assert before and any(before.values())
    started = time.monotonic()
    result = push(served.project, str(served.plans[CUT].plan_id), host, CREDENTIALS, commit=True)
    seconds = time.monotonic() - started
    print(f"\n{host}: {result.result} in {seconds:.0f} s: {result.reason}")
    assert result.result == REVERTED, result.reason
    assert "session lost while configuring" in (result.reason or "")
    # the device undid it by itself: the port is up, the router reachable, no timer left
    iface = device.get_interface(port)
    assert iface is not None and iface.admin_up
    assert not served.server.reverts.is_pending(device)
    assert seconds >= 10  # the lab's 10-minute timer: 10 s, nothing typed it back sooner
    assert unit_flows(served, CUT) == before  # the data plane followed: its flows as before
    # recorded: the journal's backup and what was read back after are the same config
    with served.project.store() as store:
        row = store.get_pushes(hostname=host)[-1]
    assert row["result"] == REVERTED
    dialect = served.project.load_platforms().get_dialect("cisco_ios")
    assert dialect is not None
    assert get_config_diff(dialect, str(row["backup"]), str(row["after"])) == []
    assert not any(n.startswith("rollback:") for n in result.rollback_notes)


@pytest.mark.slow
def test_a_push_whose_checks_hold_confirms(served: Served) -> None:
    host, port = shut_port(served.plans[CONFIRMED])
    device = served.devices[host]
    assert device.management is None
    result = push(
        served.project, str(served.plans[CONFIRMED].plan_id), host, CREDENTIALS, commit=True
    )
    assert result.result == "applied", result.reason
    assert result.checks and all(held for _c, held, _seen in result.checks)
    assert not served.server.reverts.is_pending(device)  # confirmed: no timer left
    time.sleep(11)  # past the 10 s the timer would have run
    iface = device.get_interface(port)
    assert iface is not None and not iface.admin_up  # the change stayed


@pytest.mark.slow
def test_a_failed_check_is_typed_back_at_once_and_the_timer_stopped(served: Served) -> None:
    written = served.plans[CHECKED]
    host = min(written.plan.steps, key=lambda s: s.number).host
    device = served.devices[host]
    started = time.monotonic()
    result = push(served.project, str(written.plan_id), host, CREDENTIALS, commit=True)
    seconds = time.monotonic() - started
    print(f"\n{host}: {result.result} in {seconds:.0f} s: {result.reason}")
    assert result.result == "rolled_back", result.reason
    assert "check failed" in (result.reason or "") and "backup's state is back" in (
        result.reason or ""
    )
    assert any(" ping " in c.text for c, held, _seen in result.checks if not held)
    assert not served.server.reverts.is_pending(device)  # stopped: nothing left to undo
