"""SQLAlchemy's aiosqlite driver, with one trip to the database thread per statement.

aiosqlite runs SQLite in a thread of its own; every call it forwards is a round trip: queued
to that thread, then the event loop woken with the answer. SQLAlchemy's adapter makes four per
statement (open a cursor, execute, fetch all, close), about 60 µs each here: a fifth of a
small request. This cursor sends the four as one function, run in that same thread (so
SQLite's one-thread-per-connection rule still holds), and keeps what the DBAPI cursor would
have told afterwards (description, rowcount, lastrowid). Transactions, `interrupt()` and
server-side cursors are untouched.

It relies on two private names that the locked versions have: aiosqlite's
`Connection._execute(fn)` (queue a function for the connection's thread) and the slots of
SQLAlchemy's `AsyncAdapt_dbapi_cursor`; tests/models/test_sqlite_driver.py checks both.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT


@dataclass(frozen=True, slots=True)
class Executed:
    """What a closed DBAPI cursor still tells about the statement it ran."""

    description: Any
    rowcount: int
    lastrowid: int | None
    rows: list[Any]
    arraysize: int = 1

    def close(self) -> None:
        """Already closed, in the database thread."""


def _run(connection: sqlite3.Connection, sql: str, parameters: Any, many: bool) -> Executed:
    """In the connection's thread: the whole life of one cursor."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return Executed(cursor.description, cursor.rowcount, cursor.lastrowid, rows)
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose statement is one round trip; `_cursor` holds its `Executed` record."""

    __slots__ = ()

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]  # no statement yet
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()

    @property
    def description(self) -> Any:
        return None if self._cursor is None else self._cursor.description

    async def _async_soft_close(self) -> None:
        """Nothing to close: the DBAPI cursor closed in the database thread."""

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._send(operation, () if parameters is None else parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        await self._send(operation, seq_of_parameters, many=True)

    async def _send(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._adapt_connection._execute_mutex:
            done = await connection._execute(_run, connection._conn, operation, parameters, many)
            self._cursor = done
            self._rows = collections.deque(done.rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor  # type: ignore[assignment]


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module to give `create_async_engine(..., module=...)`."""

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        connection = super().connect(*arg, **kw)
        connection.__class__ = OneTripConnection  # same slots: only the cursor class differs
        return connection


def one_trip_dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)
