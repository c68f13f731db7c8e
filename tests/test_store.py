"""The store on SQLite and PostgreSQL: migrations, inventory sync, append-only snapshots."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from govnet.model.divisions import DivisionTree
from govnet.model.facts import (
    ArpEntry,
    DeviceInfo,
    HostFacts,
    HostSnapshot,
    Interface,
    NatRule,
    Neighbour,
    OspfArea,
    Route,
    VpnInstance,
)
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
            assert stored["notice_days"] == line.notice_days
            assert stored["termination_terms"] == line.termination_terms
            assert stored["network"] == line.network
            assert (stored["security_grade"], stored["funding_source"], stored["payer"]) == (
                line.security_grade,
                line.funding_source,
                line.payer,
            )
        assert any(ln["termination_terms"] for ln in lines)  # the example has some
        assert any(ln["security_grade"] for ln in lines) and any(ln["payer"] for ln in lines)
        run = store.start_survey_run("offline:/none")  # a plan reads the ledger from here
        store.finish_survey_run(run)
        ledger = {ln.circuit_id: ln for ln in store.get_snapshot(run).lines}
        for line in inventory.lines:
            got = ledger[line.circuit_id]
            assert (got.contract_start, got.contract_end, got.notice_days) == (
                line.contract_start,
                line.contract_end,
                line.notice_days,
            )
            assert (got.termination_terms, got.z_end) == (line.termination_terms, line.z_end)
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


# --- the facts real device text gives (issue 17) -------------------------------------


def _real_text_facts() -> HostFacts:
    """Every fact field, the new ones set in each of their forms (a bare address, a 4-byte
    AS, a route configured but not active, a black hole, a next hop in the public table, ARP
    entries of each kind)."""
    return HostFacts(
        device=DeviceInfo(
            vendor="huawei",
            model="AR6280",
            os_version="V300R019C10SPC200",
            serial="2102351931P0J3000011",
            uptime_s=4_294_967_296,
            hostname="JLP-SW-CE1",
            local_as=4_200_000_001,
            router_id="10.255.0.1",
        ),
        interfaces=(
            Interface(
                "GigabitEthernet0/0/1.100",
                description="金税三期专网",
                admin_up=True,
                oper_up=False,
                kind="subinterface",
                vpn_instance="jinshui",
                addresses=("10.50.1.2/30", "10.50.9.1"),  # the second: no mask in the text
                vlan=100,
            ),
            Interface("LoopBack0", oper_up=True, kind="loopback", addresses=("10.255.0.1/32",)),
            Interface("GigabitEthernet0/0/2", addresses=("2001:db8::1/64",)),
            Interface("NULL0"),
        ),
        vpn_instances=(
            VpnInstance("jinshui", "65001:100", ("65001:100",), ("65001:100", "65001:1")),
        ),
        routes=(
            Route("0.0.0.0/0", "static", ("202.98.1.1",), "GigabitEthernet0/0/2", None, 60, True),
            Route("10.0.0.0/8", "static", (), "NULL0", None, 255, True, False),
            Route("10.50.0.0/16", "bgp", ("10.50.1.1",), None, "jinshui", 255, None, True),
            Route(
                "10.60.0.0/16",
                "static",
                ("202.98.1.1",),
                None,
                "jinshui",
                60,
                True,
                None,
                "_public_",
            ),
            Route("10.50.1.0/30", "direct", (), "GigabitEthernet0/0/1.100", "jinshui", 0),
            Route("10.50.1.2/32", "local", (), "GigabitEthernet0/0/1.100", "jinshui", 0),
            Route("172.16.0.0/12", "ospf", ("10.50.1.1", "10.50.1.5"), active=True),
        ),
        neighbours=(
            Neighbour("bgp", "10.50.1.1", 4_200_000_002, "established", vpn_instance="jinshui"),
            Neighbour(
                "ospf", "10.50.1.1", None, "full", "GigabitEthernet0/0/1.100", None, "1.1.1.1"
            ),
        ),
        nat=(NatRule("easy_ip", "GigabitEthernet0/0/2", "2000", None, ("202.98.1.2",)),),
        arp=(
            ArpEntry(
                "10.50.1.2", "00e0-fc12-3456", "GigabitEthernet0/0/1.100", "jinshui", "interface"
            ),
            ArpEntry(
                "10.50.1.1", "5489-98ab-cdef", "GigabitEthernet0/0/1.100", "jinshui", "dynamic"
            ),
            ArpEntry("202.98.1.1", "0001-0002-0003", "GigabitEthernet0/0/2", None, "static"),
            ArpEntry("202.98.1.9"),  # an incomplete entry: no MAC, nothing else known
        ),
        ospf=(
            OspfArea("0.0.0.0", 1, "10.255.0.1/32"),
            OspfArea("0.0.0.1", 2, "10.50.1.0/30", vpn_instance="jinshui"),
            OspfArea("0.0.0.0", 2, interface="GigabitEthernet0/0/1.100", vpn_instance="jinshui"),
            OspfArea("0.0.0.10"),  # an area stated with nothing in it yet
        ),
    )


def test_real_text_facts_round_trip(db_url: str) -> None:
    """Every fact field, and each host's count of lines not understood, is stored and read
    back as it was given: one host at a time, and a whole snapshot (which leaves out direct
    and local routes by design)."""
    facts = _real_text_facts()
    other = HostFacts(
        device=DeviceInfo(vendor="cisco", local_as=65001),
        interfaces=(Interface("GigabitEthernet0/1.20", vlan=20, addresses=("192.0.2.1",)),),
        arp=(ArpEntry("192.0.2.2", "0011-2233-4455", "GigabitEthernet0/1.20", kind="dynamic"),),
        ospf=(OspfArea("0.0.0.0", 10, "192.0.2.0/24", vpn_instance="x"),),
    )
    store = open_store(db_url)
    try:
        run = store.start_survey_run("offline:/real")
        ids = store.add_snapshots(
            run,
            [
                HostSnapshot("jlp-sw-ce1", "ok", "huawei", facts=facts, unparsed_lines=7),
                HostSnapshot("jlp-x-r1", "partial", "cisco_ios", facts=other, unparsed_lines=0),
                HostSnapshot("jlp-y-r1", "failed", "hp_comware", error_category="auth"),
            ],
        )
        assert len(ids) == 3
        assert store.get_host_facts(run, "jlp-sw-ce1") == facts
        assert store.get_host_facts(run, "jlp-x-r1") == other
        unparsed = {h["hostname"]: h["unparsed_lines"] for h in store.get_host_results(run)}
        assert unparsed == {"jlp-sw-ce1": 7, "jlp-x-r1": 0, "jlp-y-r1": None}
        store.finish_survey_run(run)

        hosts = {h.hostname: h for h in store.get_snapshot(run).hosts}
        no_connected = tuple(r for r in facts.routes if r.protocol not in ("direct", "local"))
        assert hosts["jlp-sw-ce1"].facts == replace(facts, routes=no_connected)
        assert hosts["jlp-x-r1"].facts == other
        assert hosts["jlp-y-r1"].facts is None
    finally:
        store.dispose()


def test_campaign_hosts_say_how_many_lines_were_not_understood(db_url: str) -> None:
    store = open_store(db_url)
    try:
        run = store.start_survey_run("ssh", "c1")
        store.add_host_result(run, "r1", "ok", unparsed_lines=12)
        store.add_host_result(run, "r2", "ok")
        hosts = store.get_campaign_hosts("c1")
        assert (hosts["r1"]["unparsed_lines"], hosts["r2"]["unparsed_lines"]) == (12, None)
    finally:
        store.dispose()


def _migrate(store: Store, direction: str, revision: str) -> None:
    """Alembic up or down to ``revision``, the way `govnet db upgrade` runs it."""
    from alembic import command

    store._migrate(getattr(command, direction), revision)


def test_0006_upgrades_a_store_holding_facts_and_downgrades(db_url: str) -> None:
    """A store made by the govnet before 0006, with a host's facts in it, upgrades: its facts
    read back whole, every new field unknown; new facts can then be stored. The downgrade
    drops what 0005 cannot hold (addresses without a mask among them) and keeps the rest."""
    from sqlalchemy import MetaData, insert

    store = Store(db_url)
    try:
        _migrate(store, "upgrade", "0005_push_journal")
        assert store.get_revision() == "0005_push_journal"
        old = MetaData()
        old.reflect(store.engine)
        assert "arp_entries" not in old.tables
        assert "ospf_areas" not in old.tables
        assert "unparsed_lines" not in old.tables["host_results"].columns
        with store.engine.begin() as conn:

            def add(table: str, **values: object) -> int:
                target = old.tables[table]
                query = insert(target).values(**values).returning(target.c.id)
                return int(conn.execute(query).scalar_one())

            now = dt.datetime.now(dt.UTC)
            run = add("survey_runs", source="ssh", started_at=now, status="running", started_by="t")
            host = add("host_results", run_id=run, hostname="r1", status="ok", started_at=now)
            add("device_facts", host_result_id=host, vendor="h3c", model="MSR3620")
            iface = add(
                "interfaces",
                host_result_id=host,
                name="GigabitEthernet0/1",
                canonical_name="GigabitEthernet0/1",
                kind="physical",
            )
            add(
                "interface_addresses",
                interface_id=iface,
                family=4,
                address="10.1.1.2",
                prefix_length=30,
            )
            add(
                "routes",
                host_result_id=host,
                prefix="0.0.0.0/0",
                protocol="static",
                next_hops=["10.1.1.1"],
            )
        before = HostFacts(
            device=DeviceInfo(vendor="h3c", model="MSR3620"),
            interfaces=(
                Interface("GigabitEthernet0/1", kind="physical", addresses=("10.1.1.2/30",)),
            ),
            routes=(Route("0.0.0.0/0", "static", ("10.1.1.1",)),),
        )

        assert store.upgrade() == ("0005_push_journal", Store.get_head())
        assert store.get_host_facts(run, "r1") == before
        assert store.get_host_results(run)[0]["unparsed_lines"] is None
        new = _real_text_facts()
        store.add_snapshots(run, [HostSnapshot("r2", "ok", facts=new, unparsed_lines=3)])
        assert store.get_host_facts(run, "r2") == new

        _migrate(store, "downgrade", "0005_push_journal")
        assert store.get_revision() == "0005_push_journal"
        inspector = inspect(store.engine)
        assert "arp_entries" not in inspector.get_table_names()
        assert "ospf_areas" not in inspector.get_table_names()
        assert "vlan" not in {c["name"] for c in inspector.get_columns("interfaces")}
        with store.engine.connect() as conn:
            kept = conn.execute(
                text("SELECT address, prefix_length FROM interface_addresses ORDER BY id")
            ).all()
        bare = [a for i in new.interfaces for a in i.addresses if "/" not in a]
        assert bare and all(address not in bare for address, _ in kept)
        assert ("10.1.1.2", 30) in [tuple(row) for row in kept]

        assert store.upgrade() == ("0005_push_journal", Store.get_head())  # and up again
        assert store.get_host_facts(run, "r1") == before
        if store.dialect == "sqlite":  # off while batch mode copied tables, on again after
            with store.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        store.dispose()
