"""`govnet db`: the store's schema."""

from __future__ import annotations

import typer

from govnet.cli.common import (
    JsonOpt,
    app,
    get_options,
    handles_errors,
    out,
    print_json,
)

db_app = typer.Typer(help="The store's schema.", no_args_is_help=True)


app.add_typer(db_app, name="db")


@db_app.command("upgrade")
@handles_errors
def db_upgrade(ctx: typer.Context) -> None:
    """Migrate the store to the newest schema (a new store is created)."""
    project = get_options(ctx).get_project()
    from govnet.store import Store

    store = Store(project.db_url)
    try:
        before, after = store.upgrade()
    finally:
        store.dispose()
    if before == after:
        out.print(f"store {store.display_url} is at the newest schema ({after})")
    else:
        out.print(f"store {store.display_url} migrated {before or 'empty'} → {after}")


@db_app.command("status")
@handles_errors
def db_status(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The store's URL (password hidden) and schema revision."""
    project = get_options(ctx).get_project()
    from govnet.store import Store

    store = Store(project.db_url)
    try:
        current, head = store.get_revision(), store.get_head()
    finally:
        store.dispose()
    if as_json:
        print_json({"url": store.display_url, "revision": current, "head": head})
        return
    state = "up to date" if current == head else "needs `govnet db upgrade`"
    out.print(f"{store.display_url}: revision {current or 'none'} (newest {head}): {state}")
