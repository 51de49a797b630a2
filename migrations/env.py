"""Alembic environment: async engine from models.database, metadata from models."""

from __future__ import annotations

import asyncio
import concurrent.futures
import warnings

from alembic import context
from sqlalchemy import Column, Index
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SAWarning

import models
from models.base import UNREFLECTABLE_INDEX_WARNING
from models.database import create_engine
from settings.database import migration_database_url

# Alembic's own notice that it leaves an expression index out of the comparison (SQLite).
UNCOMPARED_INDEX_WARNING = "autogenerate skipping metadata-specified expression-based index"

config = context.config
target_metadata = models.Base.metadata


def _include(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Expression indexes (serving indexes on lower(...)) are left out of autogenerate: SQLite
    cannot reflect them, so a comparison would always report them as missing."""
    if type_ == "index" and isinstance(obj, Index):
        return not any(not isinstance(e, Column) for e in obj.expressions)
    return True


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=True,
    )


def _run(connection: Connection) -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=UNREFLECTABLE_INDEX_WARNING, category=SAWarning)
        warnings.filterwarnings("ignore", message=UNCOMPARED_INDEX_WARNING, category=UserWarning)
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


async def _run_online() -> None:
    url = config.attributes.get("url") or migration_database_url()
    engine = create_engine(url, system=True)  # the owner; data migrations see every row
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(_run_online())
        return
    # Called from async code (the app, the tests): run on a thread with its own loop.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _run_online()).result()


if context.is_offline_mode():
    context.configure(
        url=str(config.attributes.get("url") or migration_database_url()),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
