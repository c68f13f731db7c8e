"""The store: every snapshot, judgement and plan, in SQLite (default) or PostgreSQL.

Only this package imports SQLAlchemy, and it imports nothing of govnet but the model. A new
store is migrated to the newest schema on first use; ``govnet db upgrade`` does the same
explicitly. :class:`Store` is one object over rooms of its own: the engine and its locks
(:mod:`.base`), the inventory (:mod:`.inventory`), survey runs and snapshots (:mod:`.survey`),
classifications (:mod:`.classify`), plans and pushes (:mod:`.plans`),
counties' submissions in a province store (:mod:`.submissions`).
"""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from govnet.store.base import DB_URL_ENV, SnapshotClosedError, StoreError, get_db_url, get_os_user
from govnet.store.classify import ClassificationStore
from govnet.store.inventory import InventoryStore, SyncResult
from govnet.store.models import Base
from govnet.store.plans import CANCELLED, PlanStore
from govnet.store.submissions import SubmissionRefusedError, SubmissionStore
from govnet.store.survey import SurveyStore

__all__ = [
    "CANCELLED",
    "DB_URL_ENV",
    "Base",
    "SnapshotClosedError",
    "Store",
    "StoreError",
    "SubmissionRefusedError",
    "SyncResult",
    "get_db_url",
    "get_os_user",
    "open_store",
]


class Store(InventoryStore, SurveyStore, ClassificationStore, PlanStore, SubmissionStore):
    """A connection to one store; use :meth:`session` for a unit of work."""


def open_store(url: str, migrate: bool = True) -> Store:
    """Open a store, migrating it to the newest schema first if needed."""
    store = Store(url)
    if migrate:
        try:
            store.ensure_schema()
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot migrate store {store.display_url}: {store.scrub(exc)}"
            ) from None
    return store
