"""Shared fixtures: a copy of the example project, and the stores to test against."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import pgserver
from govnet.model.divisions import DivisionTree, get_bundled_tree
from govnet.model.files import get_bundled_root

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def example_project(tmp_path: Path) -> Path:
    """A fresh copy of the example project (nornir_config.yaml + inventory/)."""
    root = tmp_path / "project"
    root.mkdir()
    example = get_bundled_root()
    shutil.copyfile(example / "nornir_config.yaml", root / "nornir_config.yaml")
    shutil.copytree(example / "inventory", root / "inventory")
    return root


@pytest.fixture(scope="session")
def tree() -> DivisionTree:
    return get_bundled_tree()


@pytest.fixture
def chdir_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def _pg_required() -> bool:
    return os.environ.get("CI") == "true" or os.environ.get("GOVNET_REQUIRE_PG") == "1"


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A PostgreSQL server: $GOVNET_TEST_PG_URL, else a throwaway one started here.

    Skips when no server can be had, except in CI (or GOVNET_REQUIRE_PG=1), where that
    is a failure: the store must be tested on both databases.
    """
    given = os.environ.get("GOVNET_TEST_PG_URL")
    if given:
        yield given
        return
    try:
        server = pgserver.start_server()
    except (FileNotFoundError, RuntimeError) as exc:
        if _pg_required():
            pytest.fail(f"PostgreSQL is required here: {exc}")
        pytest.skip(f"no PostgreSQL: {exc}")
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A new empty database on the test server, dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(pg_admin_url)
    name = f"govnet_test_{uuid.uuid4().hex[:12]}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url
