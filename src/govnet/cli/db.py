"""`govnet db`: the store's schema."""

from __future__ import annotations

import typer

from govnet.cli.common import JsonOpt, app, get_options, handles_errors, out, print_json

db_app = typer.Typer(help="The store's schema.", no_args_is_help=True)


app.add_typer(db_app, name="db")


@db_app.command("upgrade")
@handles_errors
def db_upgrade(ctx: typer.Context) -> None:
    """Migrate the store to the newest schema (a new store is created)."""
    from govnet.app.db import upgrade_store

    state, before = upgrade_store(get_options(ctx).get_project())
    if before == state.revision:
        out.print(f"store {state.url} is at the newest schema ({state.revision})")
    else:
        out.print(f"store {state.url} migrated {before or 'empty'} → {state.revision}")


@db_app.command("status")
@handles_errors
def db_status(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The store's URL (password hidden) and schema revision."""
    from govnet.app.db import get_schema_state

    state = get_schema_state(get_options(ctx).get_project())
    current, head = state.revision, state.head
    if as_json:
        print_json({"url": state.url, "revision": current, "head": head})
        return
    status = "up to date" if current == head else "needs `govnet db upgrade`"
    out.print(f"{state.url}: revision {current or 'none'} (newest {head}): {status}")
