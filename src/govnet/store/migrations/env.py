"""Alembic environment: govnet runs migrations in-process on a connection it passes in."""

from __future__ import annotations

from alembic import context

from govnet.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `govnet db upgrade`, which passes a connection")

sqlite = connection.dialect.name == "sqlite"
if sqlite:
    # Batch mode alters a SQLite table by copying it and dropping the old copy: with foreign
    # keys enforced, that drop fails for a table other rows refer to (interfaces,
    # host_results). Off for the migration (SQLite takes this before the first write only,
    # which is now); StoreBase turns it on again, and the check below finds what is broken.
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=sqlite,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
    if sqlite:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"the migration left rows that refer to nothing: {broken[:5]}")
