"""The store's schema: migrate it, or say where it stands."""

from __future__ import annotations

from dataclasses import dataclass

from govnet.app.project import Project
from govnet.store import Store


@dataclass(frozen=True)
class SchemaState:
    url: str  # password hidden
    revision: str | None  # None: an empty store
    head: str  # the newest schema


def upgrade_store(project: Project) -> tuple[SchemaState, str | None]:
    """Migrate the project's store to the newest schema (a new store is created); its state
    after, and the revision it had before."""
    store = Store(project.db_url)
    try:
        before, after = store.upgrade()
    finally:
        store.dispose()
    return SchemaState(store.display_url, after, after), before


def get_schema_state(project: Project) -> SchemaState:
    store = Store(project.db_url)
    try:
        return SchemaState(store.display_url, store.get_revision(), store.get_head())
    finally:
        store.dispose()
