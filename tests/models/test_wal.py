"""models/wal.py: with background checkpoints, a commit never copies the WAL back into the
database file (that waits for the checkpoint task), and the task does copy it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from models.database import create_engine
from models.wal import background_checkpoints

ROWS = 6000  # about 6 MB: more than the automatic checkpoint's 1,000 pages (4 MB)


def _engine(path: Path) -> AsyncEngine:
    return create_engine(URL.create("sqlite+aiosqlite", database=str(path)))


async def _write(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS t (body TEXT)"))
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO t (body) VALUES (:body)"), [{"body": "x" * 1000}] * ROWS
        )


async def test_commits_leave_the_checkpoint_to_the_background_task(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    engine = _engine(path)
    try:
        async with background_checkpoints(engine, every=3600):  # the task never comes
            await _write(engine)
            async with engine.connect() as conn:
                assert (await conn.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar() == 0
            assert path.stat().st_size < 100_000  # all of it still in the WAL
    finally:
        await engine.dispose()


async def test_the_task_copies_the_wal_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    engine = _engine(path)
    try:
        async with background_checkpoints(engine, every=0.05):
            await _write(engine)
            for _ in range(100):
                if path.stat().st_size > ROWS * 1000:
                    break
                await asyncio.sleep(0.05)
            assert path.stat().st_size > ROWS * 1000
    finally:
        await engine.dispose()


async def test_without_it_a_commit_checkpoints_as_sqlite_does_by_default(tmp_path: Path) -> None:
    """The control: the same writes with the engine as created copy the WAL on commit."""
    path = tmp_path / "w.db"
    engine = _engine(path)
    try:
        await _write(engine)
        assert path.stat().st_size > ROWS * 1000
    finally:
        await engine.dispose()
