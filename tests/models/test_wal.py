"""models/wal.py: soon after a commit, the background task copies the WAL back into the
database file, so the next writer starts the log again from the beginning; SQLite's own
checkpoint on commit stays the backstop."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from models.database import create_engine
from models.wal import background_checkpoints

SMALL = 1500  # about 1.5 MB: under the 1,000 pages (4 MB) at which a commit checkpoints
LARGE = 6000  # about 6 MB: over them


def _engine(path: Path) -> AsyncEngine:
    return create_engine(URL.create("sqlite+aiosqlite", database=str(path)))


async def _write(engine: AsyncEngine, rows: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS t (body TEXT)"))
        await conn.execute(
            text("INSERT INTO t (body) VALUES (:body)"), [{"body": "x" * 1000}] * rows
        )


async def _until(check: object, seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.02)):
        if check():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_commit_is_copied_back_by_the_task(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    engine = _engine(path)
    try:
        async with background_checkpoints(engine, every=0.02):
            await _write(engine, SMALL)
            assert await _until(lambda: path.stat().st_size > SMALL * 1000)
    finally:
        await engine.dispose()


async def test_the_log_starts_again_instead_of_growing(tmp_path: Path) -> None:
    path, wal = tmp_path / "w.db", tmp_path / "w.db-wal"
    engine = _engine(path)
    try:
        async with background_checkpoints(engine, every=0.02):
            for _ in range(4):  # 6 MB in all, each write after the last was copied back
                await _write(engine, SMALL)
                size = path.stat().st_size
                assert await _until(lambda size=size: path.stat().st_size > size)  # type: ignore[misc]
            assert wal.stat().st_size < 2 * SMALL * 1100  # one write's pages, not four
    finally:
        await engine.dispose()


async def test_without_the_task_small_commits_stay_in_the_log(tmp_path: Path) -> None:
    """The control: a commit under 1,000 pages is not copied back by SQLite itself..."""
    path = tmp_path / "w.db"
    engine = _engine(path)
    try:
        await _write(engine, SMALL)
        await asyncio.sleep(0.2)
        assert path.stat().st_size < 100_000
    finally:
        await engine.dispose()


async def test_sqlite_still_checkpoints_a_large_commit_itself(tmp_path: Path) -> None:
    """... and one over them is (the backstop the task leaves in place)."""
    path = tmp_path / "w.db"
    engine = _engine(path)
    try:
        await _write(engine, LARGE)
        assert path.stat().st_size > LARGE * 1000
    finally:
        await engine.dispose()
