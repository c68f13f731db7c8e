"""The served lab a push test drives: the govnet CLI in its project, the store, its devices
over SSH, and the city's and the systems' operators doing what a plan asks of them."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govnet.model.plans import CityRequest, SystemRequest
from govnet.platforms import load_platforms
from govnet.push import Device
from govnet.store import Store, open_store
from govnet.survey.collect import Budget, Credentials, Target
from govnet_cli import run_govnet, run_govnet_at_terminal, run_govnet_json
from govnet_lab.city import get_city_lines, get_system_lines
from govnet_lab.control import get_lab_paths, stop_lab
from govnet_lab.district import load_district
from govnet_lab.generate.upstream import CITY
from govnet_lab.server import read_credentials


@dataclass
class Lab:
    root: Path
    env: dict[str, str]
    plans: dict[str, dict[str, Any]]  # unit -> `govnet plan --json` row
    first: dict[str, Any]  # the first classification
    played: set[str] = field(default_factory=set)  # units whose requests were done

    def govnet(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_govnet(self.root, self.env, *args)

    def govnet_at_terminal(self, *args: str, typed: str) -> subprocess.CompletedProcess[str]:
        """At a terminal, ``typed`` typed ahead: each line answers one hold point."""
        return run_govnet_at_terminal(self.root, self.env, *args, typed=typed)

    def json(self, *args: str) -> Any:
        return run_govnet_json(self.root, self.env, *args)

    def push(self, unit: str, host: str, *flags: str) -> tuple[int, dict[str, Any]]:
        done = self.govnet("push", str(self.plans[unit]["plan"]), "--host", host, *flags, "--json")
        assert done.stdout, done.stderr
        return done.returncode, json.loads(done.stdout)

    def play_city(self, unit: str) -> None:
        """Do the city's side of the unit's plan, as its request asks, on the running lab's
        city core (`govnet lab apply`): what the city's operator does before the PE step.
        Once per unit: a system's request removes the old route, which is gone after."""
        if unit in self.played:
            return
        self.played.add(unit)
        store = self.store()
        try:
            plan = store.get_plan(self.plans[unit]["plan"])
        finally:
            store.dispose()
        assert plan is not None
        district = load_district(get_lab_paths(self.root).district)
        asked = [
            (CITY, get_city_lines(district, CityRequest(**data)))
            for data in plan["detail"]["city_requests"]
        ]
        # The systems' operators too (return routes via the extranet): in a window they do
        # it just before the step that moves the gateway; here, before the pushes begin.
        asked += [
            get_system_lines(district, SystemRequest(**data))
            for data in plan["detail"].get("system_requests", [])
        ]
        for n, (router, lines) in enumerate(asked):
            path = self.root / f"asked-{unit}-{n}.cfg"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            done = self.govnet("lab", "apply", "--host", router, str(path))
            assert done.returncode == 0 and "applied" in done.stdout, done.stderr

    def store_pushes(self, unit: str, host: str) -> list[dict[str, Any]]:
        store = self.store()
        try:
            return store.get_pushes(self.plans[unit]["plan"], host)
        finally:
            store.dispose()

    def store(self) -> Store:
        return open_store(f"sqlite:///{self.root}/.govnet/govnet.db")

    def hosts_in_order(self, unit: str) -> list[str]:
        """The plan's hosts by their first step: the order pushes must follow."""
        store = self.store()
        try:
            plan = store.get_plan(self.plans[unit]["plan"])
        finally:
            store.dispose()
        assert plan is not None
        parts = plan["detail"]["parts"]
        return sorted(parts, key=lambda h: min(parts[h]["steps"]))

    def device(self, host: str) -> Device:
        store = self.store()
        try:
            row = next(d for d in store.get_inventory_rows("devices") if d["hostname"] == host)
        finally:
            store.dispose()
        user, password = self.env["GOVNET_USERNAME"], self.env["GOVNET_PASSWORD"]
        return Device(
            Target(host, row["address"], row["port"], row["platform"]),
            load_platforms(self.root),
            Credentials(user, password),
            Budget(),
        )


@contextmanager
def planned(root: Path) -> Iterator[Lab]:
    """The lab served at ``root`` surveyed, classified and planned (`plan --all`) through
    the CLI with its login; stopped whatever happens."""
    try:
        username, password = read_credentials(get_lab_paths(root).credentials)
        env = dict(os.environ, GOVNET_USERNAME=username, GOVNET_PASSWORD=password)
        lab = Lab(root, env, {}, {})
        assert lab.govnet("survey").returncode == 0
        lab.first = lab.json("classify")
        lab.plans = {p["unit"]: p for p in lab.json("plan", "--all")}
        yield lab
    finally:
        stop_lab(root)
