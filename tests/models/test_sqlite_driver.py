"""models/sqlite_driver.py: the aiosqlite adapter with one database-thread round trip per
statement must behave as the stock one (rows, description, rowcount, lastrowid, errors,
transactions), on a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from models.database import create_engine
from models.sqlite_driver import OneTripDBAPI


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    made = create_engine(URL.create("sqlite+aiosqlite", database=str(tmp_path / "t.db")))
    async with made.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield made
    await made.dispose()


@contextmanager
def _trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The functions sent to aiosqlite's thread."""
    sent: list[str] = []
    forward = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await forward(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield sent


def test_the_engines_sqlite_driver_is_the_one_trip_adapter(engine: AsyncEngine) -> None:
    assert isinstance(engine.sync_engine.dialect.loaded_dbapi, OneTripDBAPI)


async def test_a_statement_is_one_trip_to_the_database_thread(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))  # the connection is open and set up
        with _trips(monkeypatch) as sent:
            rows = (await conn.execute(text("SELECT 1 AS a, 'x' AS b"))).all()
        assert sent == ["_run"]  # the stock adapter: cursor, execute, fetchall, close
        assert [tuple(row) for row in rows] == [(1, "x")]


async def test_rows_columns_counts_and_ids_are_those_of_the_statement(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert inserted.lastrowid == 1 and inserted.rowcount == 1
        many = await conn.execute(
            text("INSERT INTO t (name) VALUES (:n)"), [{"n": "b"}, {"n": "c"}]
        )
        assert many.rowcount == 2
        changed = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))
        assert changed.rowcount == 2
        result = await conn.execute(text("SELECT id, name FROM t ORDER BY id"))
        assert list(result.keys()) == ["id", "name"]
        assert [tuple(row) for row in result] == [(1, "a"), (2, "b!"), (3, "c!")]
        assert (await conn.execute(text("SELECT name FROM t WHERE id = 9"))).first() is None


async def test_errors_are_sqlalchemys_and_leave_the_connection_usable(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('dup')"))
        with pytest.raises(IntegrityError):
            await conn.execute(text("INSERT INTO t (name) VALUES ('dup')"))
        with pytest.raises(OperationalError):
            await conn.execute(text("SELECT nothing FROM nowhere"))
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 1
        await conn.rollback()  # the transaction was never committed: nothing stays
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0
