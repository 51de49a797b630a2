"""Engines and sessions: the only place that creates them, and the readiness check.

SQLite connections get foreign keys enforced (off by default in SQLite) and WAL; PostgreSQL
connections get bounded statement and idle-in-transaction timeouts and a pre-ping pool, so a
restarted server costs no failed request.

PostgreSQL row-level security (migration `row_level_security`) shows a connection only the rows
of the organization its transaction names (`models.tenancy` sets it for tenant sessions). System
work that spans organizations (seeding, `token` look-ups, data migrations) runs as the owner of
the tables with `create_engine(url, system=True)`: its connections carry `app.system_access`,
which the owner's own policy accepts and no other role's does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from models.sqlite_driver import one_trip_dbapi
from settings import describe


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the message says where and what to check."""


class DatabaseNotMigrated(Exception):
    """The database schema is not at the latest migration; the message says what to run."""


# The setting that opens the owner's `system_access` policy (migration row_level_security).
SYSTEM_ACCESS_SETTING = "app.system_access"


def create_engine(url: URL, *, system: bool = False, **overrides: Any) -> AsyncEngine:
    """An async engine for `url`, configured for its dialect. `system`: for system work as the
    owner of the tables across organizations (PostgreSQL: sets `app.system_access`)."""
    options: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        server_settings = {
            "application_name": "perfex-graph",
            "statement_timeout": "30000",
            "idle_in_transaction_session_timeout": "60000",
        }
        if system:
            server_settings[SYSTEM_ACCESS_SETTING] = "on"
        options.update(
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=10,
            pool_timeout=5,
            connect_args={"timeout": 5, "server_settings": server_settings},
        )
    else:
        options.update(connect_args={"timeout": 15})
        if url.get_driver_name() == "aiosqlite":
            options.update(module=one_trip_dbapi())  # one thread round trip per statement
    options.update(overrides)
    engine = create_async_engine(url, **options)
    if url.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit (async code cannot lazy-refresh)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The Alembic revision the database is at, or None when it was never migrated."""
    try:
        async with engine.connect() as conn:
            has_table = await conn.run_sync(
                lambda sync: sync.dialect.has_table(sync, "alembic_version")
            )
            if not has_table:
                return None
            row = (await conn.execute(text("SELECT version_num FROM alembic_version"))).first()
            return row[0] if row else None
    except (OperationalError, DBAPIError, OSError) as exc:
        raise DatabaseUnavailable(
            f"cannot reach the database at {describe(engine.url)}: {_reason(exc)}. "
            "Check DATABASE_URL and that the server is running."
        ) from None


async def check_ready(engine: AsyncEngine) -> None:
    """Raise DatabaseUnavailable or DatabaseNotMigrated unless the database is usable."""
    from models.migrate import head_revision

    revision = await current_revision(engine)
    head = head_revision()
    if revision != head:
        state = "not migrated" if revision is None else f"at revision {revision}, not {head}"
        raise DatabaseNotMigrated(
            f"the database at {describe(engine.url)} is {state}: run `perfex-graph migrate`"
        )


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    message = str(original).strip().splitlines()[0] if str(original).strip() else ""
    return f"{type(original).__name__}: {message}" if message else type(original).__name__
