"""The inventory as the store keeps it: units, devices and lines synced from the checked
files (rows that left are retired, never deleted), and imported villages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, inspect, select
from sqlalchemy.orm import Session

from govnet.store.base import StoreBase, get_os_user
from govnet.store.models import (
    DeviceRow,
    DivisionRow,
    InventoryLoad,
    InventoryRow,
    LineRow,
    UnitRow,
    utcnow,
)


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


class InventoryStore(StoreBase):
    # --- divisions

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

    # --- inventory

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


def _replace_divisions(session: Session, chunk: list[dict[str, Any]]) -> int:
    session.execute(delete(DivisionRow).where(DivisionRow.code.in_([r["code"] for r in chunk])))
    session.execute(insert(DivisionRow), chunk)
    return len(chunk)
