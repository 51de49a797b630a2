"""The tenant reference triggers (migration tenant_references) as the database catalog has
them, and a way for a test to remove one reference's triggers from its own database, to set up
data the database would refuse (rows written before the triggers existed)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from models.references import TRIGGER_PREFIX


async def installed_triggers(conn: AsyncConnection) -> dict[str, str]:
    """Every trigger named with the prefix, to the table it is on."""
    if conn.dialect.name == "sqlite":
        catalog = text("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
    else:
        catalog = text(
            "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal"
        )
    rows = (await conn.execute(catalog)).all()
    return {name: table for name, table in rows if name.startswith(TRIGGER_PREFIX)}


async def installed_functions(conn: AsyncConnection) -> set[str]:
    """The prefixed PostgreSQL functions (SQLite has none)."""
    if conn.dialect.name == "sqlite":
        return set()
    names = await conn.scalars(
        text("SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace")
    )
    return {name for name in names if name.startswith(TRIGGER_PREFIX)}


async def drop_reference_triggers(conn: AsyncConnection, table: str, column: str) -> None:
    """Drop the triggers that check `table.column`, inside the caller's transaction: rolling it
    back restores them."""
    base = f"{TRIGGER_PREFIX}{table}_{column}"
    wanted = (base, f"{base}_insert", f"{base}_update")
    names = [name for name in await installed_triggers(conn) if name in wanted]
    assert names, f"no tenant reference trigger on {table}.{column}"
    if conn.dialect.name == "sqlite":
        # pysqlite opens its transaction only before DML: a DROP before any would be
        # committed at once, rollback or not. An UPDATE of no row opens it.
        await conn.execute(text(f'UPDATE "{table}" SET id = id WHERE 0 = 1'))
    for name in names:
        on = "" if conn.dialect.name == "sqlite" else f' ON "{table}"'
        await conn.execute(text(f'DROP TRIGGER "{name}"{on}'))
