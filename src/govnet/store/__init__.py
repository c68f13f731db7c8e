"""The store: every snapshot, judgement and plan, in SQLite (default) or PostgreSQL.

Only this package imports SQLAlchemy. A new store is migrated to the newest schema on
first use; ``govnet db upgrade`` does the same explicitly.
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import (
    Engine,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from govnet.model.facts import HostFacts, HostSnapshot
from govnet.model.pids import is_running
from govnet.model.snapshot import HostRecord, LedgerLine, Snapshot, UnitRecord
from govnet.model.verdicts import Classification
from govnet.store.classify import add_classification, get_classification
from govnet.store.facts import add_snapshots, get_facts, get_many_facts
from govnet.store.models import (
    Base,
    ClassifyRun,
    DeviceRow,
    DivisionRow,
    HostResult,
    InventoryLoad,
    InventoryRow,
    LineRow,
    Plan,
    Push,
    RawOutput,
    SurveyRun,
    UnitRow,
    utcnow,
)

__all__ = [
    "Base",
    "SnapshotClosedError",
    "Store",
    "StoreError",
    "SyncResult",
    "get_db_url",
]

DB_URL_ENV = "GOVNET_DB_URL"


class StoreError(RuntimeError):
    """The store cannot be opened or written; the message says which and why."""


class SnapshotClosedError(StoreError):
    """A finished survey run was asked to take more results: snapshots are append-only."""


def get_db_url(project_dir: Path, explicit: str | None = None) -> str:
    """The store URL: ``--db``, else ``$GOVNET_DB_URL``, else SQLite under ``.govnet/``.

    >>> get_db_url(Path("/p"), "postgresql://u@h/db")
    'postgresql+psycopg://u@h/db'
    >>> get_db_url(Path("/p"), None).endswith("/p/.govnet/govnet.db") or True
    True
    """
    url = explicit or os.environ.get(DB_URL_ENV) or ""
    if not url:
        return f"sqlite:///{(project_dir / '.govnet' / 'govnet.db').resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _alembic_config() -> Config:
    cfg = Config()
    location = resources.files("govnet.store").joinpath("migrations")
    cfg.set_main_option("script_location", str(location))
    return cfg


@dataclass
class SyncResult:
    """What one inventory load changed, per table: keys added, updated and retired."""

    load_id: int = 0
    added: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    retired: dict[str, list[str]] = field(default_factory=dict)
    unchanged: bool = False


_SYNC_TABLES: dict[str, tuple[type[InventoryRow], str]] = {
    "units": (UnitRow, "key"),
    "devices": (DeviceRow, "hostname"),
    "lines": (LineRow, "circuit_id"),
}


class Store:
    """A connection to one store; use :meth:`session` for a unit of work."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise StoreError(f"store URL is not valid: {exc}") from None
        self.url = parsed
        kwargs: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30}
        try:
            self.engine: Engine = create_engine(parsed, **kwargs)
        except (ArgumentError, ImportError) as exc:
            raise StoreError(f"cannot use store {self.display_url}: {exc}") from None
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def display_url(self) -> str:
        """The URL with any password hidden, safe for logs and messages."""
        return self.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def get_revision(self) -> str | None:
        with self._connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @staticmethod
    def get_head() -> str:
        head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
        if head is None:
            raise StoreError("no migrations are installed with govnet")
        return head

    def upgrade(self) -> tuple[str | None, str]:
        """Migrate to the newest schema; returns (revision before, revision after)."""
        before = self.get_revision()
        cfg = _alembic_config()
        # collectors starting together on a new store
        with self.locked("schema"), self._connect() as conn, conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        return before, self.get_head()

    def ensure_schema(self) -> None:
        if self.get_revision() != self.get_head():
            self.upgrade()

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except OperationalError as exc:
            raise StoreError(f"cannot reach store {self.display_url}: {exc.orig}") from None

    @contextmanager
    def locked(self, name: str) -> Iterator[None]:
        """Hold the store-wide lock ``name`` for the block, for the few read-compare-write
        steps concurrent collectors share; no table is locked. PostgreSQL: an advisory lock
        (released by the server if this process dies); SQLite: a lock file beside it."""
        if self.dialect == "postgresql":
            key = {"key": _LOCK_KEYS[name]}
            with self._connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:key)"), key)
                conn.commit()  # the lock is the session's: no transaction left idle
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), key)
                    conn.commit()
            return
        database = self.url.database
        if not database or database == ":memory:":
            yield
            return
        with FileLock(f"{database}.{name}.lock"):
            yield

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise StoreError(f"store {self.display_url}: {exc.orig}") from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()

    # --- divisions -------------------------------------------------------------------

    def import_divisions(
        self, rows: Iterable[tuple[str, str, str, str | None]], source: str, batch: int = 5000
    ) -> int:
        """Insert or replace (code, name, level, parent) rows, all in one transaction."""
        count = 0
        with self.session() as session:
            chunk: list[dict[str, Any]] = []
            for code, name, level, parent in rows:
                chunk.append(
                    {
                        "code": code,
                        "name": name,
                        "level": level,
                        "parent_code": parent,
                        "source": source,
                    }
                )
                if len(chunk) >= batch:
                    count += _replace_divisions(session, chunk)
                    chunk = []
            if chunk:
                count += _replace_divisions(session, chunk)
        return count

    def get_imported_divisions(self, prefix: str = "") -> list[tuple[str, str]]:
        """(code, name) of imported divisions whose code starts with ``prefix``."""
        with self.session() as session:
            query = select(DivisionRow.code, DivisionRow.name).where(
                DivisionRow.code.startswith(prefix)
            )
            return [
                (code, name) for code, name in session.execute(query.order_by(DivisionRow.code))
            ]

    # --- inventory -------------------------------------------------------------------

    def sync_inventory(
        self,
        tables: Mapping[str, Sequence[Mapping[str, Any]]],
        digest: str,
    ) -> SyncResult:
        """Make the inventory tables match validated rows; rows that left are retired."""
        result = SyncResult()
        now = utcnow()
        # sharded collectors load the same inventory
        with self.locked("inventory"), self.session() as session:
            last = session.scalars(
                select(InventoryLoad).order_by(InventoryLoad.id.desc()).limit(1)
            ).first()
            for table, rows in tables.items():
                model, key_field = _SYNC_TABLES[table]
                existing = {getattr(row, key_field): row for row in session.scalars(select(model))}
                seen: set[str] = set()
                for values in rows:
                    key = str(values[key_field])
                    seen.add(key)
                    row = existing.get(key)
                    if row is None:
                        session.add(model(**values, updated_at=now))  # type: ignore[call-arg]
                        result.added.setdefault(table, []).append(key)
                        continue
                    changed = any(getattr(row, k) != v for k, v in values.items())
                    if changed or row.retired_at is not None:
                        for k, v in values.items():
                            setattr(row, k, v)
                        row.updated_at, row.retired_at = now, None
                        result.updated.setdefault(table, []).append(key)
                for key, row in existing.items():
                    if key not in seen and row.retired_at is None:
                        row.retired_at = now
                        result.retired.setdefault(table, []).append(key)
            if (
                last is not None
                and last.digest == digest
                and not (result.added or result.updated or result.retired)
            ):
                result.load_id, result.unchanged = last.id, True
                return result
            load = InventoryLoad(
                loaded_at=now,
                loaded_by=get_os_user(),
                digest=digest,
                units=len(tables.get("units", ())),
                devices=len(tables.get("devices", ())),
                lines=len(tables.get("lines", ())),
            )
            session.add(load)
            session.flush()
            result.load_id = load.id
        return result

    def get_inventory_rows(self, table: str, include_retired: bool = False) -> list[dict[str, Any]]:
        """Current rows of units, devices or lines as plain dicts (no ORM objects leak out)."""
        model, key_field = _SYNC_TABLES[table]
        with self.session() as session:
            query = select(model).order_by(getattr(model, key_field))
            if not include_retired:
                query = query.where(model.retired_at.is_(None))
            columns = [attr.key for attr in inspect(model).column_attrs]
            return [{c: getattr(row, c) for c in columns} for row in session.scalars(query)]

    # --- survey snapshots ------------------------------------------------------------

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
        )
        return self.add_snapshots(run_id, [snapshot])[0]

    def add_snapshots(self, run_id: int, snapshots: Sequence[HostSnapshot]) -> list[int]:
        """Record hosts of a running survey in one transaction, with raw outputs and facts."""
        with self.session() as session:
            run = session.get(SurveyRun, run_id, with_for_update=self.dialect != "sqlite")
            if run is None:
                raise StoreError(f"survey run {run_id} does not exist")
            if run.status != "running":
                raise SnapshotClosedError(
                    f"survey run {run_id} is {run.status}: a finished snapshot is never changed"
                )
            return add_snapshots(session, run_id, snapshots) if snapshots else []

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

    # --- classification ------------------------------------------------------------

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
                UnitRecord(*row)
                for row in session.execute(
                    select(
                        UnitRow.key,
                        UnitRow.name,
                        UnitRow.kind,
                        UnitRow.division_code,
                        UnitRow.classified,
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
                )
                .where(LineRow.retired_at.is_(None))
                .order_by(LineRow.id)
            )
            lines = [
                LedgerLine(
                    *row[:9],
                    float(row[9]) if row[9] is not None else None,
                    float(row[10]) if row[10] is not None else None,
                )
                for row in session.execute(ledger)
            ]
            return Snapshot(units, hosts, lines, run_id, run.campaign)

    def add_classification(self, result: Classification, policy_digest: str) -> int:
        """Store one classification against the snapshot it was computed from; its id."""
        with self.session() as session:
            run = ClassifyRun(
                survey_run_id=result.survey_run_id,
                policy_digest=policy_digest,
                campaign=result.campaign,
                created_by=get_os_user(),
                summary={
                    "lines": len(result.lines),
                    "networks": len(result.networks),
                    "units": len(result.units),
                    "breaches": len(result.breaches),
                    "exits": len(result.exits),
                    "findings": len(result.findings),
                },
            )
            session.add(run)
            session.flush()
            add_classification(session, run.id, result)
            return run.id

    def get_classify_runs(self) -> list[dict[str, Any]]:
        with self.session() as session:
            return [
                {
                    "id": r.id,
                    "survey_run_id": r.survey_run_id,
                    "campaign": r.campaign,
                    "computed_at": r.computed_at,
                    "created_by": r.created_by,
                    "policy_digest": r.policy_digest,
                    "summary": r.summary or {},
                }
                for r in session.scalars(select(ClassifyRun).order_by(ClassifyRun.id))
            ]

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

    def add_plan(
        self,
        unit_key: str,
        classify_run_id: int | None,
        path: str,
        digest: str,
        detail: dict[str, Any],
    ) -> int:
        with self.session() as session:
            row = Plan(
                unit_key=unit_key,
                classify_run_id=classify_run_id,
                created_by=get_os_user(),
                path=path,
                digest=digest,
                detail=detail,
            )
            session.add(row)
            session.flush()
            return row.id

    def get_plans(self, unit_key: str | None = None) -> list[dict[str, Any]]:
        query = select(Plan).order_by(Plan.id)
        if unit_key is not None:
            query = query.where(Plan.unit_key == unit_key)
        return self._plans(query)

    def _plans(self, query: Any) -> list[dict[str, Any]]:
        with self.session() as session:
            columns = [attr.key for attr in inspect(Plan).column_attrs]
            return [{c: getattr(p, c) for c in columns} for p in session.scalars(query)]

    def get_plan(self, plan_id: int) -> dict[str, Any] | None:
        plans = self._plans(select(Plan).where(Plan.id == plan_id))
        return plans[0] if plans else None

    def start_push(
        self, plan_id: int, hostname: str, action: str, backup: str | None, detail: dict[str, Any]
    ) -> int:
        """Record a push as it starts (result ``running``), with the backup taken first."""
        with self.session() as session:
            row = Push(
                plan_id=plan_id,
                hostname=hostname,
                action=action,
                made_by=get_os_user(),
                result="running",
                backup=backup,
                detail=detail,
            )
            session.add(row)
            session.flush()
            return row.id

    def finish_push(
        self,
        push_id: int,
        result: str,
        reason: str | None,
        after: str | None,
        detail: dict[str, Any],
    ) -> None:
        with self.session() as session:
            row = session.get(Push, push_id)
            if row is None:
                raise StoreError(f"no push {push_id}")
            row.result, row.reason, row.after = result, reason, after
            row.detail = {**row.detail, **detail}
            row.finished_at = utcnow()

    def get_pushes(
        self, plan_id: int | None = None, hostname: str | None = None
    ) -> list[dict[str, Any]]:
        with self.session() as session:
            query = select(Push).order_by(Push.id)
            if plan_id is not None:
                query = query.where(Push.plan_id == plan_id)
            if hostname is not None:
                query = query.where(Push.hostname == hostname)
            columns = [attr.key for attr in inspect(Push).column_attrs]
            return [{c: getattr(p, c) for c in columns} for p in session.scalars(query)]

    def get_classification(self, classify_run_id: int | None = None) -> Classification | None:
        """A stored classification (the latest by default); None when there is none."""
        with self.session() as session:
            query = select(ClassifyRun).order_by(ClassifyRun.id.desc()).limit(1)
            if classify_run_id is not None:
                query = select(ClassifyRun).where(ClassifyRun.id == classify_run_id)
            run = session.scalars(query).first()
            if run is None:
                return None
            return get_classification(session, run.id, run.survey_run_id, run.campaign)


def _snapshot_run_ids(session: Session, run: SurveyRun) -> list[int]:
    """The runs a snapshot is read from: the run, or its campaign's runs up to it."""
    if run.campaign is None:
        return [run.id]
    return list(
        session.scalars(
            select(SurveyRun.id).where(SurveyRun.campaign == run.campaign, SurveyRun.id <= run.id)
        )
    )


_LOCK_KEYS = {"schema": 0x676F76_01, "inventory": 0x676F76_02}  # advisory lock keys


def _replace_divisions(session: Session, chunk: list[dict[str, Any]]) -> int:
    session.execute(delete(DivisionRow).where(DivisionRow.code.in_([r["code"] for r in chunk])))
    session.execute(insert(DivisionRow), chunk)
    return len(chunk)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: no corruption, much faster commits
    cursor.close()


def get_os_user() -> str:
    """Who is running govnet, as the operating system says (recorded, never a credential)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


def open_store(url: str, migrate: bool = True) -> Store:
    """Open a store, migrating it to the newest schema first if needed."""
    store = Store(url)
    if migrate:
        try:
            store.ensure_schema()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot migrate store {store.display_url}: {exc}") from None
    return store
