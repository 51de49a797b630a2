"""The request's database access: one tenant-scoped session, one task at a time.

Dataloader batches run concurrently (aiodataloader schedules each with ensure_future) and an
AsyncSession must never serve two tasks at once, so every statement goes through a lock.
The session opens lazily and lives for the request; `close()` ends it and never raises.

Cancelling a request stops its SQL. Each statement runs in a task of its own, shielded from the
caller's cancellation, and is stopped on purpose when the caller is cancelled (the request's
time limit, the client gone): asyncpg sends the server a cancel request when the statement's
task is cancelled; SQLite runs the statement in aiosqlite's thread, which only
`sqlite3.Connection.interrupt()` stops. The caller returns only once the statement has ended,
so the session is never closed under a running statement and its connection goes back to the
pool (or is discarded) cleanly.

A lost connection (server restarted, backend terminated, pool exhausted) or a statement over
its time limit raises `DatabaseFailure` and is remembered in `failure`: the app then answers
the whole request with HTTP 503 or 504 instead of partial data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from graph.errors import ApiError, ErrorCode
from models.patient_scope import PATIENT_KEY
from models.tenancy import TENANT_KEY, append_fanned, append_rows

logger = logging.getLogger("perfex_graph.session")

T = TypeVar("T")

INTERRUPT_EVERY_SECONDS = 0.05  # SQLite: interrupt again until the statement has stopped
# PostgreSQL SQLSTATEs: 57014 query_canceled (statement_timeout); class 08 connection
# exceptions; 57P01-57P03 the server shutting down or not accepting connections.
_QUERY_CANCELED = "57014"
_SERVER_GONE = ("57P01", "57P02", "57P03")
_MESSAGES = {
    ErrorCode.SERVICE_UNAVAILABLE: "Service unavailable.",
    ErrorCode.TIMEOUT: "The request took too long.",
}


class RequestFinished(RuntimeError):
    """A statement was attempted after the request's database access was closed."""


class DatabaseFailure(ApiError):
    """The database failed the request as a whole: SERVICE_UNAVAILABLE or TIMEOUT."""

    def __init__(self, code: ErrorCode) -> None:
        super().__init__(_MESSAGES[code])
        self.code = code


def failure_of(exc: BaseException) -> ErrorCode | None:
    """SERVICE_UNAVAILABLE for a lost or unobtainable connection, TIMEOUT for a statement
    timeout, None for anything else (a bug, reported as such)."""
    if isinstance(exc, DBAPIError):
        state = str(getattr(exc.orig, "sqlstate", None) or "")
        if state == _QUERY_CANCELED:
            return ErrorCode.TIMEOUT
        if exc.connection_invalidated or state.startswith("08") or state in _SERVER_GONE:
            return ErrorCode.SERVICE_UNAVAILABLE
        return None
    if isinstance(exc, OSError | PoolTimeout):
        return ErrorCode.SERVICE_UNAVAILABLE
    return None


class RequestDatabase:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], organization_id: str) -> None:
        self._sessions = sessions
        self._organization_id = organization_id
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        self._writing = asyncio.Lock()  # one write transaction at a time
        self._closed = False
        self._holder: asyncio.Task[Any] | None = None  # the task running a statement
        self._driver: Any = None  # SQLite: the aiosqlite connection, to interrupt
        self.failure: ErrorCode | None = None  # why the database failed the request, if it did

    @property
    def organization_id(self) -> str:
        return self._organization_id

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`: some statements take each engine's best form."""
        return str(self._sessions.kw["bind"].dialect.name)

    def _open(self) -> AsyncSession:
        if self._closed:
            # A loader batch scheduled by a request that has already answered (its other
            # fields failed): refuse, so no connection is opened that nobody would close.
            raise RequestFinished("the request is over; no new statement may run")
        if self._session is None:
            self._session = self._sessions(info={TENANT_KEY: self._organization_id})
        return self._session

    def tag(self, key: str, value: Any) -> None:
        """Put `value` in the session's info (what session events of this request read)."""
        self._open().info[key] = value

    def tagged(self, key: str) -> Any:
        """What `tag` put in the session's info under `key` (None before any statement)."""
        return self._session.info.get(key) if self._session is not None else None

    def restrict_to_patient(self, patient_id: str) -> None:
        """From now on, this request reads the rows of one patient only (a portal patient's
        request: models/patient_scope.py); the criteria read the session's info per SELECT."""
        self._open().info[PATIENT_KEY] = patient_id

    async def all(self, statement: Select[Any]) -> Sequence[Any]:
        """The ORM objects a single-entity SELECT returns."""

        async def run(session: AsyncSession) -> Sequence[Any]:
            return (await session.scalars(statement)).all()

        return await self._run(run)

    async def rows(
        self, statement: Select[Any], parameters: dict[str, Any] | None = None
    ) -> Sequence[Any]:
        """The rows of a multi-column SELECT (with values for its named bound parameters)."""

        async def run(session: AsyncSession) -> Sequence[Any]:
            return (await session.execute(statement, parameters)).all()

        return await self._run(run)

    async def scalar(self, statement: Select[Any], parameters: dict[str, Any] | None = None) -> Any:
        """The first column of the first row of a SELECT (e.g. a COUNT)."""

        async def run(session: AsyncSession) -> Any:
            return await session.scalar(statement, parameters)

        return await self._run(run)

    # --- writes (mutations): one transaction at a time, through the same statement runner ---

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """`async with db.transaction(): ...`: everything added or flushed inside is committed
        together when the block ends, or rolled back when it raises (all or nothing). Reads of
        the request made before are in the same session; their transaction is simply ended
        with this one. Statements still run through `_run`, so cancelling the request stops
        them, and `close()` rolls back whatever a cancelled block left open."""
        async with self._writing:
            self._open()
            try:
                yield
                await self.flush()
                await self._run(_commit)
            except asyncio.CancelledError:
                raise  # close() rolls back; nothing may run on a cancelled task
            except BaseException:
                with contextlib.suppress(Exception):
                    await self._run(_rollback)
                raise
            finally:
                self._driver = None  # the connection went back to the pool with the transaction

    def add(self, row: Any) -> None:
        """Stage a new row for the open transaction (written by the next flush)."""
        self._open().add(row)

    async def flush(self) -> None:
        """Send the staged changes now (inside `transaction()`), e.g. to take row locks."""
        await self._run(_flush)

    async def append(self, model: type[Any], rows: list[dict[str, Any]]) -> None:
        """Insert many rows (attribute -> value, every row the same keys; None is NULL) in ONE
        statement inside `transaction()`, without an ORM object per row (models/tenancy.py
        `append_rows`): bulk writes such as a device's readings."""

        async def run(session: AsyncSession) -> None:
            await append_rows(session, model, rows, render_nulls=True)

        await self._run(run)

    async def append_committed(
        self, model: type[Any], shared: dict[str, Any], varying: dict[str, list[str | None]]
    ) -> None:
        """Insert rows that differ only in a few text columns (models/tenancy.py
        `append_fanned`) and commit them at once, in this request's session: the audit batch,
        written without a second session and connection for it."""

        async def run(session: AsyncSession) -> None:
            await append_fanned(session, model, shared, varying)

        async with self.transaction():
            await self._run(run)

    async def _run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async with self._lock:
            session = self._open()
            self._holder = asyncio.current_task()
            try:
                if self._driver is None and self.dialect == "sqlite":
                    connection = await session.connection()
                    self._driver = (await connection.get_raw_connection()).driver_connection
                statement = asyncio.ensure_future(work(session))
                try:
                    return await asyncio.shield(statement)
                except asyncio.CancelledError:
                    await self._stop(statement)
                    raise
            except Exception as exc:
                code = failure_of(exc)
                if code is None:
                    raise
                self.failure = self.failure or code
                raise DatabaseFailure(code) from exc
            finally:
                self._holder = None

    async def _stop(self, statement: asyncio.Future[Any]) -> None:
        """Stop a running statement and wait until it has ended (see the module docstring)."""
        statement.cancel()
        while not statement.done():
            if self._driver is not None:
                with contextlib.suppress(Exception):  # already closed: nothing runs
                    await self._driver.interrupt()
            with contextlib.suppress(asyncio.CancelledError):  # never leave it running
                await asyncio.wait({statement}, timeout=INTERRUPT_EVERY_SECONDS)
        if not statement.cancelled():
            statement.exception()  # retrieved: it ended with an error, as intended

    async def close(self) -> None:
        """End the request's database access; never raises. A statement still running (a
        loader batch of a cancelled request) is stopped first. A session that cannot be closed
        is invalidated (its connection discarded) and `failure` says SERVICE_UNAVAILABLE."""
        self._closed = True
        holder = self._holder
        current = asyncio.current_task()
        if holder is not None and holder is not current:
            holder.cancel()
        session: AsyncSession | None = None
        try:
            async with contextlib.AsyncExitStack() as stack:
                if holder is not current:  # never wait for a lock this task holds
                    await stack.enter_async_context(self._lock)
                session, self._session = self._session, None
                if session is not None:
                    await session.close()
        except Exception as exc:
            logger.warning("closing a request's database session failed: %s", type(exc).__name__)
            self.failure = self.failure or ErrorCode.SERVICE_UNAVAILABLE
            if session is not None:
                with contextlib.suppress(Exception):
                    await session.invalidate()


async def _flush(session: AsyncSession) -> None:
    await session.flush()


async def _commit(session: AsyncSession) -> None:
    await session.commit()


async def _rollback(session: AsyncSession) -> None:
    await session.rollback()
