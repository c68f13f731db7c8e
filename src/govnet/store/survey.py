"""Survey runs and their snapshots: runs of a campaign, each host's result, raw outputs and
facts, and the snapshot a classification reads."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, inspect, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from govnet.model.facts import HostFacts, HostSnapshot
from govnet.model.pids import is_running
from govnet.model.snapshot import HostRecord, LedgerLine, Snapshot, UnitRecord
from govnet.store.base import SnapshotClosedError, StoreBase, StoreError, get_os_user
from govnet.store.facts import add_snapshots, get_facts, get_many_facts
from govnet.store.models import (
    AddressFact,
    ArpFact,
    DeviceFact,
    DeviceRow,
    HostResult,
    InterfaceFact,
    InventoryLoad,
    LineRow,
    NatFact,
    NeighbourFact,
    OspfFact,
    RawOutput,
    RouteFact,
    SurveyRun,
    UnitRow,
    VpnInstanceFact,
    utcnow,
)

FACT_MODELS = (
    DeviceFact,
    InterfaceFact,
    VpnInstanceFact,
    RouteFact,
    NeighbourFact,
    NatFact,
    ArpFact,
    OspfFact,
)


class SurveyStore(StoreBase):
    @property
    def _share_lock(self) -> Any:
        """A run's row share-locked (many writers of one campaign do not wait on each other,
        and the run cannot finish meanwhile); SQLite has no row locks."""
        return {"read": True} if self.dialect != "sqlite" else False

    def start_survey_run(
        self,
        source: str,
        campaign: str | None = None,
        shard: str | None = None,
        *,
        pid: int | None = None,
    ) -> int:
        with self.session() as session:
            load_id = session.scalar(select(func.max(InventoryLoad.id)))
            run = SurveyRun(
                source=source,
                campaign=campaign,
                shard=shard,
                started_by=get_os_user(),
                inventory_load_id=load_id,
                status="running",
                machine=socket.gethostname(),
                pid=pid if pid is not None else os.getpid(),
            )
            session.add(run)
            session.flush()
            return run.id

    def add_host_result(
        self,
        run_id: int,
        hostname: str,
        status: str,
        *,
        platform: str | None = None,
        unit_key: str | None = None,
        error_category: str | None = None,
        message: str | None = None,
        duration_s: float | None = None,
        raw_outputs: Mapping[str, str] | None = None,
        unparsed_lines: int | None = None,
    ) -> int:
        """Record one host of a running survey; a finished run refuses (append-only)."""
        snapshot = HostSnapshot(
            hostname,
            status,
            platform,
            unit_key,
            error_category,
            message,
            duration_s,
            {cmd: (text, "utf-8") for cmd, text in (raw_outputs or {}).items()},
            unparsed_lines=unparsed_lines,
        )
        return self.add_snapshots(run_id, [snapshot])[0]

    def add_snapshots(self, run_id: int, snapshots: Sequence[HostSnapshot]) -> list[int]:
        """Record hosts of a running survey in one transaction, with raw outputs and facts.

        A value the database refuses (too long for its column, say) is a StoreError naming
        the database's reason only: the statement's parameters hold device text."""
        try:
            with self.session() as session:
                _get_running_run(session, run_id, self.dialect != "sqlite")
                return add_snapshots(session, run_id, snapshots) if snapshots else []
        except DBAPIError as exc:
            raise _refused(exc) from None

    def add_snapshot_once(self, run_id: int, snapshot: HostSnapshot) -> bool:
        """Record one host of a running survey unless the run has it already (a queued job
        retried after its worker died may have written it): False then, nothing written.

        Many workers write into one campaign run: the run's row is only share-locked (the
        run cannot finish meanwhile, writers do not wait on each other) and the run's
        (run, host) key refuses a second writer of one host."""
        try:
            with self.session() as session:
                _get_running_run(session, run_id, self._share_lock)
                if _has_result(session, run_id, snapshot.hostname):
                    return False
                add_snapshots(session, run_id, [snapshot])
                return True
        except IntegrityError as exc:
            if self.has_host_result(run_id, snapshot.hostname):
                return False  # another writer of the same host committed first
            raise _refused(exc) from None
        except DBAPIError as exc:
            raise _refused(exc) from None

    def replace_failed_snapshot(self, run_id: int, snapshot: HostSnapshot) -> bool:
        """Put a re-surveyed host in place of its failed record (`campaign retry-failed`),
        in one transaction: one record per host. False, nothing written, when its record is
        no longer failed (another worker's attempt of the same job wrote it first)."""
        try:
            with self.session() as session:
                _get_running_run(session, run_id, self._share_lock)
                old = session.scalar(
                    select(HostResult)
                    .where(HostResult.run_id == run_id, HostResult.hostname == snapshot.hostname)
                    .with_for_update()
                )
                if old is not None and old.status != "failed":
                    return False
                if old is not None:
                    _delete_host_result(session, old.id)
                add_snapshots(session, run_id, [snapshot])
                return True
        except IntegrityError:
            return False  # another writer of the same host committed first
        except DBAPIError as exc:
            raise _refused(exc) from None

    def get_host_status(self, run_id: int, hostname: str) -> str | None:
        """The host's result in the run (ok, partial, failed), None before it is written."""
        with self.session() as session:
            return session.scalar(
                select(HostResult.status).where(
                    HostResult.run_id == run_id, HostResult.hostname == hostname
                )
            )

    def reopen_survey_run(self, run_id: int) -> None:
        """A finished queue run back to running (`campaign retry-failed` re-surveys hosts
        into the same snapshot)."""
        with self.session() as session:
            run = session.get(SurveyRun, run_id, with_for_update=self.dialect != "sqlite")
            if run is None:
                raise StoreError(f"survey run {run_id} does not exist")
            run.status, run.finished_at = "running", None

    def has_host_result(self, run_id: int, hostname: str) -> bool:
        with self.session() as session:
            return _has_result(session, run_id, hostname)

    def count_host_results(self, run_id: int) -> int:
        with self.session() as session:
            query = select(func.count()).where(HostResult.run_id == run_id)
            return int(session.scalar(query) or 0)

    def finish_survey_run(self, run_id: int, status: str = "complete") -> None:
        with self.session() as session:
            run = session.get(SurveyRun, run_id)
            if run is None:
                raise StoreError(f"survey run {run_id} does not exist")
            if run.status != "running":
                raise SnapshotClosedError(f"survey run {run_id} is already {run.status}")
            run.status, run.finished_at = status, utcnow()

    def get_survey_runs(self) -> list[dict[str, Any]]:
        with self.session() as session:
            counts: dict[int, int] = {
                run_id: n
                for run_id, n in session.execute(
                    select(HostResult.run_id, func.count()).group_by(HostResult.run_id)
                )
            }
            runs = session.scalars(select(SurveyRun).order_by(SurveyRun.id))
            return [
                {
                    "id": r.id,
                    "campaign": r.campaign,
                    "shard": r.shard,
                    "source": r.source,
                    "machine": r.machine,
                    "status": r.status,
                    "started_at": r.started_at,
                    "finished_at": r.finished_at,
                    "hosts": counts.get(r.id, 0),
                }
                for r in runs
            ]

    def mark_abandoned_runs(self) -> list[int]:
        """Runs left 'running' by a process of this machine that is gone (kill -9, power
        loss) become 'incomplete': their finished hosts stay, nothing else pretends to run."""
        machine = socket.gethostname()
        with self.session() as session:
            query = select(SurveyRun).where(
                SurveyRun.status == "running", SurveyRun.machine == machine
            )
            abandoned = [r for r in session.scalars(query) if r.pid and not is_running(r.pid)]
            for run in abandoned:
                run.status, run.finished_at = "incomplete", utcnow()
            return [r.id for r in abandoned]

    def get_last_run(self) -> dict[str, Any] | None:
        runs = self.get_survey_runs()
        return runs[-1] if runs else None

    def get_campaign_hosts(self, campaign: str) -> dict[str, dict[str, Any]]:
        """Per host, its latest result in the campaign's runs: the campaign's snapshot."""
        with self.session() as session:
            query = (
                select(HostResult, SurveyRun.id)
                .join(SurveyRun, HostResult.run_id == SurveyRun.id)
                .where(SurveyRun.campaign == campaign)
                .order_by(SurveyRun.id, HostResult.id)
            )
            latest: dict[str, dict[str, Any]] = {}
            for host, run_id in session.execute(query):
                latest[host.hostname] = {
                    "run_id": run_id,
                    "host_result_id": host.id,
                    "status": host.status,
                    "error_category": host.error_category,
                    "message": host.message,
                    "platform": host.platform,
                    "duration_s": host.duration_s,
                    "unparsed_lines": host.unparsed_lines,
                }
            return latest

    def get_host_results(self, run_id: int) -> list[dict[str, Any]]:
        with self.session() as session:
            query = select(HostResult).where(HostResult.run_id == run_id).order_by(HostResult.id)
            columns = [attr.key for attr in inspect(HostResult).column_attrs]
            return [{c: getattr(h, c) for c in columns} for h in session.scalars(query)]

    def get_host_facts(self, run_id: int, hostname: str) -> HostFacts | None:
        """The facts of one host in one run; None when the run did not survey it."""
        with self.session() as session:
            host_id = session.scalar(
                select(HostResult.id).where(
                    HostResult.run_id == run_id, HostResult.hostname == hostname
                )
            )
            return None if host_id is None else get_facts(session, host_id)

    def get_raw_outputs_with_encoding(
        self, run_id: int, hostname: str
    ) -> dict[str, tuple[str, str]]:
        """command -> (text, how its bytes were decoded)."""
        with self.session() as session:
            query = (
                select(RawOutput.command, RawOutput.output, RawOutput.encoding)
                .join(HostResult, RawOutput.host_result_id == HostResult.id)
                .where(HostResult.run_id == run_id, HostResult.hostname == hostname)
                .order_by(RawOutput.id)
            )
            return {c: (o, e or "utf-8") for c, o, e in session.execute(query)}

    def get_raw_outputs(self, run_id: int, hostname: str) -> dict[str, str]:
        outputs = self.get_raw_outputs_with_encoding(run_id, hostname)
        return {command: text for command, (text, _) in outputs.items()}

    def get_snapshot(self, run_id: int | None = None) -> Snapshot:
        """What a classification reads: the inventory and, per host, its latest result in
        the run's campaign up to that run (the run alone when it has no campaign)."""
        with self.session() as session:
            if run_id is None:
                run_id = session.scalar(select(func.max(SurveyRun.id)))
                if run_id is None:
                    raise StoreError("no survey run yet: run `govnet survey` first")
            run = session.get(SurveyRun, run_id)
            if run is None:
                raise StoreError(f"no survey run {run_id}")
            run_ids = _snapshot_run_ids(session, run)
            results: dict[str, Any] = {}
            query = (
                select(
                    HostResult.hostname,
                    HostResult.id,
                    HostResult.status,
                    HostResult.message,
                    HostResult.platform,
                    HostResult.unit_key,
                )
                .where(HostResult.run_id.in_(run_ids))
                .order_by(HostResult.run_id, HostResult.id)
            )
            for hostname, *values in session.execute(query):
                results[hostname] = values
            with_facts = {r[0] for r in results.values() if r[1] in ("ok", "partial")}
            facts = get_many_facts(session, run_ids, with_facts)
            units = [
                UnitRecord(key, name, kind, code, classified, _get_contacts(contacts))
                for key, name, kind, code, classified, contacts in session.execute(
                    select(
                        UnitRow.key,
                        UnitRow.name,
                        UnitRow.kind,
                        UnitRow.division_code,
                        UnitRow.classified,
                        UnitRow.contacts,
                    )
                    .where(UnitRow.retired_at.is_(None))
                    .order_by(UnitRow.id)
                )
            ]
            hosts = []
            devices = (
                select(DeviceRow.hostname, DeviceRow.unit_key, DeviceRow.role, DeviceRow.platform)
                .where(DeviceRow.retired_at.is_(None))
                .order_by(DeviceRow.id)
            )
            for hostname, unit_key, role, platform in session.execute(devices):
                found = results.pop(hostname, None)
                hosts.append(
                    HostRecord(
                        hostname,
                        unit_key,
                        role,
                        platform,
                        found[1] if found else None,
                        facts.get(found[0]) if found else None,
                        found[2] if found else None,
                    )
                )
            for name, (hid, status, message, platform, unit) in results.items():
                record = HostRecord(name, unit, None, platform, status, facts.get(hid), message)
                hosts.append(record)
            ledger = (
                select(
                    LineRow.circuit_id,
                    LineRow.unit_key,
                    LineRow.network,
                    LineRow.carrier,
                    LineRow.kind,
                    LineRow.classified,
                    LineRow.a_device,
                    LineRow.a_interface,
                    LineRow.bandwidth_mbps,
                    LineRow.monthly_fee,
                    LineRow.annual_fee,
                    LineRow.contract_start,
                    LineRow.contract_end,
                    LineRow.notice_days,
                    LineRow.termination_terms,
                    LineRow.z_end,
                )
                .where(LineRow.retired_at.is_(None))
                .order_by(LineRow.id)
            )
            lines = [
                LedgerLine(
                    *row[:9],
                    float(row[9]) if row[9] is not None else None,
                    float(row[10]) if row[10] is not None else None,
                    contract_start=row.contract_start,
                    contract_end=row.contract_end,
                    notice_days=row.notice_days,
                    termination_terms=row.termination_terms,
                    z_end=row.z_end,
                )
                for row in session.execute(ledger)
            ]
            return Snapshot(units, hosts, lines, run_id, run.campaign)

    def get_running_configs(self, run_id: int, commands: Iterable[str]) -> dict[str, str]:
        """Each host's running configuration in a snapshot (its latest result that has one)."""
        with self.session() as session:
            run = session.get(SurveyRun, run_id)
            if run is None:
                raise StoreError(f"no survey run {run_id}")
            query = (
                select(HostResult.hostname, RawOutput.output)
                .join(RawOutput, RawOutput.host_result_id == HostResult.id)
                .where(
                    HostResult.run_id.in_(_snapshot_run_ids(session, run)),
                    RawOutput.command.in_(list(commands)),
                )
                .order_by(HostResult.run_id, HostResult.id)
            )
            return {hostname: output for hostname, output in session.execute(query)}


def _get_running_run(session: Session, run_id: int, lock: Any) -> SurveyRun:
    """The run, locked as ``lock`` says (``with_for_update``), refused unless running."""
    run = session.get(SurveyRun, run_id, with_for_update=lock)
    if run is None:
        raise StoreError(f"survey run {run_id} does not exist")
    if run.status != "running":
        raise SnapshotClosedError(
            f"survey run {run_id} is {run.status}: a finished snapshot is never changed"
        )
    return run


def _refused(exc: DBAPIError) -> StoreError:
    """The database's reason only: the statement's parameters hold device text."""
    reason = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
    return StoreError(f"{type(exc.orig).__name__}: {reason}")


def _has_result(session: Session, run_id: int, hostname: str) -> bool:
    query = select(HostResult.id).where(
        HostResult.run_id == run_id, HostResult.hostname == hostname
    )
    return session.scalar(query) is not None


def _snapshot_run_ids(session: Session, run: SurveyRun) -> list[int]:
    """The runs a snapshot is read from: the run, or its campaign's runs up to it."""
    if run.campaign is None:
        return [run.id]
    return list(
        session.scalars(
            select(SurveyRun.id).where(SurveyRun.campaign == run.campaign, SurveyRun.id <= run.id)
        )
    )


def _get_contacts(stored: list[Any] | None) -> tuple[tuple[str, str, str | None], ...]:
    """The unit's contacts as the snapshot keeps them: (role, name, phone)."""
    return tuple((c["role"], c["name"], c.get("phone")) for c in stored or ())


def _delete_host_result(session: Session, host_result_id: int) -> None:
    """One host's record with its raw outputs and facts (children first)."""
    interfaces = select(InterfaceFact.id).where(InterfaceFact.host_result_id == host_result_id)
    session.execute(delete(AddressFact).where(AddressFact.interface_id.in_(interfaces)))
    for fact in FACT_MODELS:
        session.execute(delete(fact).where(fact.host_result_id == host_result_id))
    session.execute(delete(RawOutput).where(RawOutput.host_result_id == host_result_id))
    session.execute(delete(HostResult).where(HostResult.id == host_result_id))
