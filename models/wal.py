"""SQLite: WAL checkpoints in the background, right after writes, so that requests' commits
rarely pay for one.

In WAL mode SQLite copies the log back into the database file (a checkpoint, with an fsync)
from inside whichever commit takes the log past 1,000 pages (4 MB). Every request that reads
patient data commits its audit batch, so every few requests one of them paid for the copy:
the audit commit of Q1 (100 patients) was 1.0 ms at the median and 6.2 ms at the 90th
percentile. Here a task checkpoints (PASSIVE: it never waits for readers or writers) soon
after each commit, on a connection of its own whose aiosqlite thread does the copying while
requests go on: the log stays small, and the next writer starts it again from the beginning.

SQLite's own checkpoint on commit stays as it is, as the backstop: when writes come faster
than the task copies them (a PASSIVE checkpoint cannot finish while new commits land, and
the log is only restarted once one has), the log still never grows past its 1,000 pages.
A first version turned it off and checkpointed once a second: under a steady write load the
task never caught up, and the log (and the memory of its index) grew without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger("perfex_graph.database")

AT_MOST_EVERY_SECONDS = 0.02  # how long after a commit; commits in between share one


@contextlib.asynccontextmanager
async def background_checkpoints(
    engine: AsyncEngine, every: float = AT_MOST_EVERY_SECONDS
) -> AsyncIterator[None]:
    """While the block runs, a task checkpoints `engine`'s SQLite database `every` seconds
    after a commit (once for the commits of that time; once more at the end). It has an
    aiosqlite connection of its own, outside the engine: no pool checkout, and no statement
    that SQLAlchemy's events (the tenant checks, statement counts) would see. Other dialects
    and in-memory databases: nothing."""
    database = engine.url.database
    if (
        engine.dialect.name != "sqlite"
        or database in (None, "", ":memory:")
        or database.startswith("file:")
    ):
        yield
        return
    wrote = asyncio.Event()

    def committed(_connection: Any) -> None:
        wrote.set()

    checkpointer = _Checkpointer(database)
    event.listen(engine.sync_engine, "commit", committed)
    task = asyncio.create_task(_checkpoint_after_writes(checkpointer, wrote, every))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        event.remove(engine.sync_engine, "commit", committed)
        if wrote.is_set() or checkpointer.opened:  # never opens (creates) a file unwritten
            await checkpointer.checkpoint()
        await checkpointer.close()


async def _checkpoint_after_writes(
    checkpointer: _Checkpointer, wrote: asyncio.Event, every: float
) -> None:
    while True:
        await wrote.wait()
        # SQLAlchemy tells of a commit before it is sent: let it (and any commit soon after
        # it) finish, then copy them back together.
        await asyncio.sleep(every)
        wrote.clear()
        await checkpointer.checkpoint()


class _Checkpointer:
    """The task's own connection, opened when first needed (the app starts, and says so on
    /readyz, when the database cannot be opened) and again after a failure."""

    def __init__(self, database: str) -> None:
        self._database = database
        self._connection: aiosqlite.Connection | None = None

    @property
    def opened(self) -> bool:
        return self._connection is not None

    async def checkpoint(self) -> None:
        """One PASSIVE checkpoint; a failure is logged, and the next one tries again."""
        try:
            if self._connection is None:
                self._connection = await aiosqlite.connect(self._database)
            await self._connection.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception as exc:  # the database is busy or gone: requests will say so
            logger.warning("WAL checkpoint failed: %s", type(exc).__name__)
            await self.close()

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()
