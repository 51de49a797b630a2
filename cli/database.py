"""The database as commands meet it: checked up front, failures as one line, no stray threads.

`run` replaces `asyncio.run` in every command. `open_database` finds what a person can fix
before any work starts: an SQLite path that cannot be opened (with a hint about the path, not
about a server), an unreachable server, a database that is not migrated.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from alembic.util.exc import CommandError
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from models.database import (
    DatabaseNotMigrated,
    DatabaseUnavailable,
    check_ready,
    create_engine,
    current_revision,
)
from models.roles import api_role_problems
from settings import ConfigError
from settings.mode import ENV_VARIABLE, mode_settings

T = TypeVar("T")

# Failures a person can fix: the command prints `describe_error(exc)` and exits with 1.
KNOWN_ERRORS: tuple[type[Exception], ...] = (
    ConfigError,
    DatabaseUnavailable,
    DatabaseNotMigrated,
    SQLAlchemyError,
    CommandError,
)
_AIOSQLITE_WORKER = "(_connection_worker_thread)"  # Thread-N (<target name>), Python 3.10+
_WORKER_JOIN_SECONDS = 5.0


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)`, keeping the loop open until the aiosqlite threads `main` started
    have ended.

    aiosqlite answers a failed connect (e.g. a missing directory) by queueing a stop for its
    worker thread without waiting for it; the thread then hands the stop's result to the event
    loop. When asyncio.run has closed the loop by then, the thread dies with `RuntimeError:
    Event loop is closed` and Python prints its traceback after the error line (a race, about
    every other run). Disposing the engine does not help: the connection never reached the
    pool. Joining those threads while the loop still runs closes the race.
    """
    before = set(threading.enumerate())

    async def main_then_join_workers() -> T:
        try:
            return await main
        finally:
            await _join_workers(before)

    return asyncio.run(main_then_join_workers())


async def _join_workers(before: set[threading.Thread]) -> None:
    deadline = time.monotonic() + _WORKER_JOIN_SECONDS
    for thread in threading.enumerate():
        if thread in before or not thread.name.endswith(_AIOSQLITE_WORKER):
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        await asyncio.to_thread(thread.join, remaining)


def describe_error(exc: BaseException) -> str:
    """The one line a command prints for one of KNOWN_ERRORS."""
    if isinstance(exc, SQLAlchemyError | CommandError):
        return f"database error: {_reason(exc)}"
    return str(exc)


def open_database(url: URL, *, must_exist: bool = False, migrated: bool = False) -> None:
    """Raise DatabaseUnavailable (or DatabaseNotMigrated when `migrated`) with one line saying
    what to fix, unless the database at `url` can be opened. `must_exist`: an SQLite file must
    be there already (commands that only read would otherwise create an empty one)."""
    problem = sqlite_problem(url, must_exist=must_exist)
    if problem is not None:
        raise DatabaseUnavailable(problem)
    run(_check(url, migrated))


async def _check(url: URL, migrated: bool) -> None:
    engine = create_engine(url)
    try:
        if migrated:
            await check_ready(engine)
        else:
            await current_revision(engine)
    except DatabaseUnavailable as exc:
        path = sqlite_path(url)
        if path is None:
            raise
        cause = exc.__context__  # the driver's error, hidden by `from None`
        reason = f" ({_reason(cause)})" if cause is not None else ""
        raise DatabaseUnavailable(
            f"cannot open the SQLite database {path}{reason}: check the path in DATABASE_URL "
            "and the permissions of the file and its directory"
        ) from None
    finally:
        await engine.dispose()


class UnsafeDatabaseRole(ConfigError):
    """In production, the API's PostgreSQL role would not be held by row-level security."""


def check_api_role(url: URL) -> list[str]:
    """Why row-level security would not hold for the API's role at `url` (PostgreSQL), as
    warnings to print; in production (PERFEX_ENV) raise UnsafeDatabaseRole instead. Nothing
    when the database cannot be reached (the readiness check reports that)."""
    if url.get_backend_name() != "postgresql":
        return []
    try:
        problems = run(_api_role_problems(url))
    except DatabaseUnavailable:
        return []
    if problems and mode_settings().production:
        raise UnsafeDatabaseRole(
            f"refusing to serve with {ENV_VARIABLE}=production: {'; '.join(problems)}, so "
            "row-level security would not hold. Connect DATABASE_URL as the API role "
            "(`perfex-graph db create-api-role`) and keep the owner in MIGRATION_DATABASE_URL"
        )
    return [
        f"{problem}: row-level security does not hold for this API; connect DATABASE_URL as "
        "the API role (`perfex-graph db create-api-role`)"
        for problem in problems
    ]


async def _api_role_problems(url: URL) -> list[str]:
    engine = create_engine(url)
    try:
        try:
            return await api_role_problems(engine)
        except (SQLAlchemyError, OSError) as exc:
            raise DatabaseUnavailable(_reason(exc)) from None
    finally:
        await engine.dispose()


def sqlite_path(url: URL) -> Path | None:
    """The absolute path of an SQLite file database; None for other databases and URIs."""
    if url.get_backend_name() != "sqlite" or url.query.get("uri"):
        return None
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(os.path.abspath(database))


def sqlite_problem(url: URL, *, must_exist: bool = False) -> str | None:
    """Why SQLite could not open (or create) the file of `url`, found without opening it."""
    path = sqlite_path(url)
    if path is None:
        return None
    directory = path.parent
    where = f"cannot open the SQLite database {path}"
    if path.is_dir():
        return f"DATABASE_URL names {path}, which is a directory, not an SQLite file"
    if not directory.exists():
        return (
            f"{where}: the directory {directory} does not exist "
            "(create it, or fix the path in DATABASE_URL)"
        )
    if not directory.is_dir():
        return f"{where}: {directory} is not a directory (fix the path in DATABASE_URL)"
    if not path.exists() and must_exist:
        return (
            f"there is no SQLite database at {path}: check DATABASE_URL, or create it with "
            "`perfex-graph migrate` (or `perfex-graph serve --demo`)"
        )
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return f"{where}: no permission to read and write it (check the file's permissions)"
    if not os.access(directory, os.W_OK | os.X_OK):
        # SQLite creates the file, and its journal (-wal, -shm), in that directory.
        return f"{where}: the directory {directory} is not writable (check its permissions)"
    return None


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip()
    message = text.splitlines()[0] if text else ""
    return f"{type(original).__name__}: {message}" if message else type(original).__name__


__all__ = [
    "KNOWN_ERRORS",
    "UnsafeDatabaseRole",
    "check_api_role",
    "describe_error",
    "open_database",
    "run",
    "sqlite_path",
    "sqlite_problem",
]
