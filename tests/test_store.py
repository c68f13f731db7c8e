"""The store on SQLite and PostgreSQL: migrations, inventory sync, append-only snapshots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from govnet.model.divisions import DivisionTree
from govnet.model.inventory_files import get_inventory
from govnet.store import SnapshotClosedError, Store, StoreError, open_store
from govnet.store.models import (
    AddressFact,
    Base,
    DeviceFact,
    InterfaceFact,
    NatFact,
    NeighbourFact,
    RouteFact,
    VpnInstanceFact,
)


def test_upgrade_creates_every_table_on_an_empty_store(db_url: str) -> None:
    store = Store(db_url)
    try:
        assert store.get_revision() is None
        before, after = store.upgrade()
        assert (before, after) == (None, Store.get_head())
        tables = set(inspect(store.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert "alembic_version" in tables
        assert store.upgrade() == (after, after)  # a second upgrade changes nothing
    finally:
        store.dispose()


def test_migrations_match_the_models(db_url: str) -> None:
    """A model changed without a migration would make autogenerate find differences."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    store = open_store(db_url)
    try:
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        store.dispose()


def test_inventory_sync_round_trips_and_retires(
    db_url: str, example_project: Path, tree: DivisionTree
) -> None:
    inventory = get_inventory(example_project, tree)
    store = open_store(db_url)
    try:
        rows = inventory.to_store_rows()
        first = store.sync_inventory(rows, inventory.get_digest())
        assert len(first.added["units"]) == len(inventory.units)
        assert len(first.added["lines"]) == len(inventory.lines)
        lines = store.get_inventory_rows("lines")
        by_id = {ln["circuit_id"]: ln for ln in lines}
        for line in inventory.lines:
            stored = by_id[line.circuit_id]
            assert stored["monthly_fee"] == line.monthly_fee
            assert stored["annual_fee"] == line.annual_fee
            assert stored["contract_end"] == line.contract_end
            assert stored["network"] == line.network
        devices = {d["hostname"]: d for d in store.get_inventory_rows("devices")}
        assert {h.name for h in inventory.hosts} == set(devices)

        again = store.sync_inventory(rows, inventory.get_digest())
        assert again.unchanged and again.load_id == first.load_id

        # One line leaves the ledger, one changes its fee: retired and updated, not deleted.
        gone, changed = rows["lines"][0], dict(rows["lines"][1])
        changed["monthly_fee"] = Decimal("99.50")
        edited = {**rows, "lines": [changed, *rows["lines"][2:]]}
        third = store.sync_inventory(edited, "other-digest")
        assert third.retired == {"lines": [gone["circuit_id"]]}
        assert third.updated == {"lines": [changed["circuit_id"]]}
        assert third.load_id > first.load_id
        current = {ln["circuit_id"] for ln in store.get_inventory_rows("lines")}
        assert gone["circuit_id"] not in current
        everything = store.get_inventory_rows("lines", include_retired=True)
        assert any(ln["circuit_id"] == gone["circuit_id"] for ln in everything)
        fee = {ln["circuit_id"]: ln["monthly_fee"] for ln in everything}
        assert fee[changed["circuit_id"]] == Decimal("99.50")
    finally:
        store.dispose()


def test_survey_runs_are_append_only_snapshots(db_url: str) -> None:
    store = open_store(db_url)
    try:
        first = store.start_survey_run("ssh")
        store.add_host_result(
            first,
            "r1",
            "ok",
            platform="huawei",
            raw_outputs={"display version": "VRP (R) software, V800"},
        )
        store.add_host_result(
            first, "r2", "failed", error_category="auth", message="authentication failed"
        )
        store.finish_survey_run(first)
        second = store.start_survey_run("ssh")
        store.add_host_result(
            second,
            "r1",
            "ok",
            platform="huawei",
            raw_outputs={"display version": "VRP (R) software, V900"},
        )
        store.finish_survey_run(second, "incomplete")

        with pytest.raises(SnapshotClosedError):
            store.add_host_result(first, "r3", "ok")
        with pytest.raises(SnapshotClosedError):
            store.finish_survey_run(first)
        with pytest.raises(StoreError):
            store.add_host_result(9999, "r1", "ok")

        assert store.get_raw_outputs(first, "r1") == {"display version": "VRP (R) software, V800"}
        assert store.get_raw_outputs(second, "r1") == {"display version": "VRP (R) software, V900"}
        runs = {r["id"]: r for r in store.get_survey_runs()}
        assert (runs[first]["status"], runs[first]["hosts"]) == ("complete", 2)
        assert (runs[second]["status"], runs[second]["hosts"]) == ("incomplete", 1)
        assert runs[first]["finished_at"] is not None
    finally:
        store.dispose()


def test_facts_round_trip_with_their_source(db_url: str) -> None:
    store = open_store(db_url)
    try:
        run = store.start_survey_run("offline:/data")
        host_id = store.add_host_result(
            run,
            "jlp-shuiwu-ce1",
            "ok",
            platform="huawei",
            raw_outputs={"display ip interface brief": "..."},
        )
        with store.session() as session:
            from govnet.store.models import RawOutput

            raw_id = session.scalars(
                select(RawOutput.id).where(RawOutput.host_result_id == host_id)
            ).one()
            iface = InterfaceFact(
                host_result_id=host_id,
                raw_output_id=raw_id,
                name="GE0/0/1.100",
                canonical_name="GigabitEthernet0/0/1.100",
                description="金税三期专网",
                admin_up=True,
                oper_up=False,
                kind="subinterface",
                parent="GigabitEthernet0/0/1",
                vpn_instance="jinshui",
            )
            iface.addresses.append(AddressFact(family=4, address="10.50.1.2", prefix_length=30))
            session.add_all(
                [
                    iface,
                    DeviceFact(
                        host_result_id=host_id,
                        vendor="huawei",
                        model="AR2240",
                        os_version="V200R010C10SPC700",
                        serial="2102351931P0J3000011",
                        uptime_s=4_294_967_296,
                    ),
                    VpnInstanceFact(
                        host_result_id=host_id,
                        name="jinshui",
                        route_distinguisher="65001:100",
                        import_targets=["65001:100"],
                        export_targets=["65001:100"],
                    ),
                    RouteFact(
                        host_result_id=host_id,
                        vpn_instance=None,
                        prefix="0.0.0.0/0",
                        protocol="static",
                        next_hops=["202.98.1.1"],
                        interface="GE0/0/2",
                    ),
                    NeighbourFact(
                        host_result_id=host_id,
                        protocol="bgp",
                        peer="10.50.1.1",
                        remote_as=4_200_000_001,
                        state="Established",
                        vpn_instance="jinshui",
                    ),
                    NatFact(
                        host_result_id=host_id,
                        kind="easy_ip",
                        interface="GE0/0/2",
                        acl="2000",
                        addresses=["202.98.1.2"],
                    ),
                ]
            )
        with store.session() as session:
            stored = session.scalars(select(InterfaceFact)).one()
            assert stored.description == "金税三期专网"
            assert stored.oper_up is False and stored.admin_up is True
            assert [(a.address, a.prefix_length) for a in stored.addresses] == [("10.50.1.2", 30)]
            assert stored.raw_output_id == raw_id
            assert session.scalars(select(DeviceFact.uptime_s)).one() == 4_294_967_296
            assert session.scalars(select(NeighbourFact.remote_as)).one() == 4_200_000_001
            assert session.scalars(select(RouteFact.next_hops)).one() == ["202.98.1.1"]
            vpn = session.scalars(select(VpnInstanceFact)).one()
            assert vpn.import_targets == ["65001:100"]
    finally:
        store.dispose()


def test_imported_divisions_replace_by_code(db_url: str) -> None:
    store = open_store(db_url)
    try:
        rows = [
            ("500107102001", "华岩村村委会", "village", "500107102000"),
            ("500107102002", "新桥村村委会", "village", "500107102000"),
        ]
        assert store.import_divisions(rows, "villages.csv") == 2
        store.import_divisions(
            [("500107102001", "华岩社区居委会", "village", "500107102000")], "villages.csv"
        )
        assert store.get_imported_divisions("500107102") == [
            ("500107102001", "华岩社区居委会"),
            ("500107102002", "新桥村村委会"),
        ]
    finally:
        store.dispose()


def test_unreachable_postgres_is_a_clear_error() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("postgresql+psycopg://govnet:s3cret@127.0.0.1:1/none")
    assert "s3cret" not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)


def test_timestamps_are_timezone_aware(db_url: str) -> None:
    store = open_store(db_url)
    try:
        run = store.start_survey_run("ssh")
        started = store.get_survey_runs()[0]["started_at"]
        assert run and isinstance(started, dt.datetime)
    finally:
        store.dispose()


def test_runs_of_a_dead_process_are_marked_incomplete(db_url: str) -> None:
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    store = open_store(db_url)
    try:
        abandoned = store.start_survey_run("ssh", "c1", pid=dead.pid)
        alive = store.start_survey_run("ssh", "c1")
        store.add_host_result(abandoned, "r1", "ok")
        assert store.mark_abandoned_runs() == [abandoned]
        runs = {r["id"]: r for r in store.get_survey_runs()}
        assert runs[abandoned]["status"] == "incomplete" and runs[abandoned]["hosts"] == 1
        assert runs[alive]["status"] == "running"
        assert store.get_campaign_hosts("c1")["r1"]["status"] == "ok"
    finally:
        store.dispose()


def test_a_push_is_recorded_from_its_start(db_url: str) -> None:
    """Written as it starts (an interrupted push still shows), finished with its result;
    the backup and the configuration after are kept whole."""
    store = open_store(db_url)
    try:
        plan = store.add_plan("u1", None, "/tmp/plans/u1", "0" * 64, {"parts": {}})
        backup = "sysname r1\n#\ninterface GigabitEthernet0/0/1\n description 至区外网\n"
        push = store.start_push(plan, "r1", "apply", backup, {"lines": ["interface X"]})
        (running,) = store.get_pushes(plan)
        assert running["result"] == "running" and running["finished_at"] is None
        store.finish_push(push, "rolled_back", "check failed", backup + " shutdown\n", {"n": 1})
        (done,) = store.get_pushes(plan, "r1")
        assert (done["result"], done["reason"], done["backup"]) == (
            "rolled_back",
            "check failed",
            backup,
        )
        assert done["after"].endswith(" shutdown\n") and done["finished_at"] is not None
        assert done["detail"] == {"lines": ["interface X"], "n": 1}
        assert store.get_pushes(plan, "r2") == [] and store.get_plan(plan + 1) is None
        with pytest.raises(StoreError):
            store.finish_push(push + 1, "applied", None, None, {})
    finally:
        store.dispose()
