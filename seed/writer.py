"""Batched inserts: rows are buffered per table and written with Core executemany.

A flush writes every buffer in foreign-key order (`Base.metadata.sorted_tables`), so a row may
reference any row yielded before it; within a table, rows keep the order they were yielded in.
Writes run in a background task while the next rows are generated (the database works while
Python computes); at most one write is in flight, so memory stays bounded by two flushes.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from models import Base
from seed.context import Patch

BATCH_SIZE = 2_000  # rows per executemany call
FLUSH_AT = 6_000  # buffered rows (all tables) that trigger a flush

_ORDER = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}


class BatchWriter:
    """Buffers rows and patches of one transaction and writes them in batches."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.counts: Counter[str] = Counter()
        self._buffers: dict[str, tuple[Table, list[dict[str, Any]]]] = {}
        self._buffered = 0
        self._patches: list[Patch] = []
        self._writing: asyncio.Task[None] | None = None

    def add(self, table: Table, row: dict[str, Any]) -> bool:
        """Buffer one row; True when the buffers are full and `flush()` is due."""
        entry = self._buffers.get(table.name)
        if entry is None:
            entry = self._buffers[table.name] = (table, [])
        entry[1].append(row)
        self._buffered += 1
        return self._buffered >= FLUSH_AT

    def patch(self, patch: Patch) -> None:
        """Buffer an update. It must set updated_at: the column's onupdate would use the
        wall clock and break reproducibility."""
        if "updated_at" not in patch.values:
            raise ValueError(f"a patch of {patch.table.name} must set updated_at explicitly")
        self._patches.append(patch)

    async def flush(self) -> None:
        """Start writing every buffered row, parents before children, once the previous
        write is done (so rows land in the order they were yielded)."""
        await self.wait()
        buffers, self._buffers, self._buffered = self._buffers, {}, 0
        self._writing = asyncio.create_task(self._write(buffers))
        await asyncio.sleep(0)  # let the write reach the database before generating on

    async def wait(self) -> None:
        """Wait for the write in flight, if any (and raise its error)."""
        writing, self._writing = self._writing, None
        if writing is not None:
            await writing

    async def settle(self) -> None:
        """Let a write in flight end (successfully or not) before the transaction closes."""
        writing, self._writing = self._writing, None
        if writing is not None:
            await asyncio.gather(writing, return_exceptions=True)

    async def _write(self, buffers: dict[str, tuple[Table, list[dict[str, Any]]]]) -> None:
        for name in sorted(buffers, key=_ORDER.__getitem__):
            table, rows = buffers[name]
            for start in range(0, len(rows), BATCH_SIZE):
                batch = _uniform(table, rows[start : start + BATCH_SIZE])
                await self.conn.execute(insert(table), batch)
            self.counts[name] += len(rows)

    async def apply_patches(self) -> None:
        """Write everything, then run the buffered updates grouped by table and column set."""
        await self.flush()
        await self.wait()
        groups: dict[tuple[str, tuple[str, ...]], list[Patch]] = {}
        for item in self._patches:
            groups.setdefault((item.table.name, tuple(sorted(item.values))), []).append(item)
        for (_, columns), patches in groups.items():
            table = patches[0].table
            statement = (
                update(table)
                .where(table.c.id == bindparam("_id"))
                .values({c: bindparam(f"_{c}") for c in columns})
            )
            params = [{"_id": p.id, **{f"_{c}": v for c, v in p.values.items()}} for p in patches]
            for start in range(0, len(params), BATCH_SIZE):
                await self.conn.execute(statement, params[start : start + BATCH_SIZE])
        self._patches.clear()


def _uniform(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """executemany needs the same keys in every row: fill gaps with the column default."""
    keys = rows[0].keys()
    if all(row.keys() == keys for row in rows):
        return rows
    every = set().union(*(row.keys() for row in rows))
    defaults = {name: _default(table, name) for name in every}
    return [{**defaults, **row} for row in rows]


def _default(table: Table, name: str) -> Any:
    default = table.c[name].default
    return getattr(default, "arg", None) if default is not None and default.is_scalar else None
