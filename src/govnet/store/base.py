"""The store's engine: connecting (SQLite or PostgreSQL), migrating, one transaction per
unit of work, and the store-wide locks concurrent collectors take."""

from __future__ import annotations

import getpass
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from govnet.model.redact import get_url_secrets, has_unencoded_at, redact_url, scrub

DB_URL_ENV = "GOVNET_DB_URL"
SQLITE_BUSY_S = 30.0  # how long a SQLite store waits for another process's lock


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


def _get_revisions() -> set[str]:
    """Every schema revision this govnet's migrations know."""
    script = ScriptDirectory.from_config(_alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


_LOCK_KEYS = {
    "schema": 0x676F76_01,
    "inventory": 0x676F76_02,
    "plans": 0x676F76_03,
}  # advisory lock keys


class StoreBase:
    """A connection to one store; use :meth:`session` for a unit of work."""

    def __init__(self, url: str) -> None:
        self._url_text = url
        self._secrets = get_url_secrets(url)
        if has_unencoded_at(url):
            raise StoreError(
                f"store URL {self.display_url}: its user or password holds an '@':"
                " write it as %40 (postgresql://user:p%40ss@host/db)"
            )
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise StoreError(
                f"store URL is not valid: {self.display_url} (write it as"
                " postgresql://user:password@host:port/database, or sqlite:///path)"
            ) from None
        except ValueError:  # int() of the port
            raise StoreError(
                f"store URL is not valid: {self.display_url}: its port is not a number"
            ) from None
        self.url = parsed
        kwargs: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_S}
        try:
            self.engine: Engine = create_engine(parsed, **kwargs)
        except (ArgumentError, ImportError) as exc:
            raise StoreError(f"cannot use store {self.display_url}: {self.scrub(exc)}") from None
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            if parsed.database:  # made 0600 when first connected to, not when named
                database = parsed.database
                event.listen(self.engine, "do_connect", lambda *_: _create_private(database))
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def display_url(self) -> str:
        """The URL with any password hidden (every form: user:password@, ?password=, the
        libpq keyword form), safe for logs and messages."""
        return redact_url(self._url_text)

    def scrub(self, error: object) -> str:
        """A driver's message with the URL's passwords hidden, should it quote one."""
        return scrub(str(error), self._secrets)

    @property
    def libpq_url(self) -> str:
        """The PostgreSQL URL as libpq takes it (password included: for a driver, never
        for display), for a job queue that shares the store's database."""
        return self.url.set(drivername="postgresql").render_as_string(hide_password=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def get_revision(self) -> str | None:
        """The store's schema revision (None: an empty store); StoreError for a file that is
        not a database, or a schema this govnet does not know (a newer govnet's)."""
        try:
            with self._connect() as conn:
                revision = MigrationContext.configure(conn).get_current_revision()
        except DatabaseError as exc:  # random bytes, another program's file
            raise StoreError(f"{self.display_url} is not a govnet store: {exc.orig}") from None
        if revision is not None and revision not in _get_revisions():
            raise StoreError(
                f"store {self.display_url} was made by a newer govnet (schema revision "
                f"{revision}; this govnet knows up to {self.get_head()}): use that govnet or "
                "a newer one, this one cannot read it"
            )
        return revision

    @staticmethod
    def get_head() -> str:
        head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
        if head is None:
            raise StoreError("no migrations are installed with govnet")
        return head

    def upgrade(self) -> tuple[str | None, str]:
        """Migrate to the newest schema; returns (revision before, revision after)."""
        before = self.get_revision()
        self._migrate(command.upgrade, "head")
        return before, self.get_head()

    def _migrate(self, step: Any, revision: str) -> None:
        """Alembic's ``step`` (command.upgrade, command.downgrade) to ``revision``, under the
        schema lock (collectors starting together on a new store), in one transaction."""
        cfg = _alembic_config()
        with self.locked("schema"), self._connect() as conn:
            with conn.begin():
                cfg.attributes["connection"] = conn
                step(cfg, revision)
            if self.dialect == "sqlite":  # the migration turned them off (migrations/env.py)
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()

    def ensure_schema(self) -> None:
        if self.get_revision() != self.get_head():
            self.upgrade()

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except OperationalError as exc:
            message = self.scrub(exc.orig)
            raise StoreError(f"cannot reach store {self.display_url}: {message}") from None

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
            raise StoreError(f"store {self.display_url}: {self.scrub(exc.orig)}") from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _create_private(database: str) -> None:
    """A new SQLite store file readable by its owner alone (0600): it holds the routers'
    running configurations. SQLite gives its -wal and -shm files the same mode. An existing
    file keeps the mode it has."""
    if database == ":memory:" or database.startswith("file:"):
        return
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise StoreError(f"cannot create store {database}: {exc.strerror or exc}") from None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on, WAL, and, with WAL, commits that need no fsync each time. Retried
    for up to ``SQLITE_BUSY_S``: while another process's last connection cleans up the WAL
    (or the first one recovers it), SQLite answers "database is locked" at once, without its
    busy timeout (https://sqlite.org/wal.html, "Sometimes Queries Return SQLITE_BUSY In WAL
    Mode"), and two collectors starting on one store meet exactly that."""
    deadline = time.monotonic() + SQLITE_BUSY_S
    delay = 0.01
    while True:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")  # once per store file
            cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: no corruption, faster
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() > deadline:
                raise
        finally:
            cursor.close()
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def _is_busy(exc: BaseException) -> bool:
    """SQLite's SQLITE_BUSY / SQLITE_LOCKED: another connection holds the lock now."""
    text = str(exc)
    return "database is locked" in text or "database table is locked" in text or "busy" in text


def get_os_user() -> str:
    """Who is running govnet, as the operating system says (recorded, never a credential)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        getuid = getattr(os, "getuid", None)  # not on Windows
        return f"uid:{getuid()}" if getuid is not None else "unknown"
