"""The two loader shapes every relation uses: rows by id, and rows by a foreign key.

Each batch is one SELECT through the request's tenant-scoped session, so tenant and
soft-delete criteria apply to loaders exactly as to root fields. Rows by foreign key take a
per-parent window (`row_number() OVER (PARTITION BY fk ...)`), so "the last N sessions of each
patient" is one statement for the whole list of patients, not one per patient.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, ClassVar

from aiodataloader import DataLoader
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, aliased

from graph.session import RequestDatabase
from models.base import Base

MAX_BATCH = 5000  # within SQLite's and asyncpg's bound-parameter limits


class ByIdLoader(DataLoader):  # type: ignore[type-arg]
    """Rows of `model` by primary key; None for ids that are absent or not visible."""

    model: ClassVar[type[Base]]

    def __init__(self, db: RequestDatabase) -> None:
        super().__init__(max_batch_size=MAX_BATCH)
        self.db = db

    async def batch_load_fn(self, ids: Sequence[str]) -> list[Base | None]:
        key: Any = self.model.id  # type: ignore[attr-defined]
        rows = await self.db.all(select(self.model).where(key.in_(ids)))
        found = {row.id: row for row in rows}  # type: ignore[attr-defined]
        return [found.get(i) for i in ids]


class ByForeignKeyLoader(DataLoader):  # type: ignore[type-arg]
    """Rows of `model` whose `column` equals each key, newest first, `limit` per key."""

    model: ClassVar[type[Base]]
    column: ClassVar[str]
    order: ClassVar[tuple[str, ...]]  # attribute names, newest first; `id` breaks ties

    def __init__(self, db: RequestDatabase, limit: int, offset: int = 0) -> None:
        super().__init__(max_batch_size=MAX_BATCH)
        self.db = db
        self.limit = limit
        self.offset = offset

    @classmethod
    def ordering(cls, entity: Any) -> list[ColumnElement[Any]]:
        return [
            *(getattr(entity, name).desc().nulls_last() for name in cls.order),
            entity.id.asc(),
        ]

    async def batch_load_fn(self, keys: Sequence[str]) -> list[list[Base]]:
        fk: InstrumentedAttribute[Any] = getattr(self.model, self.column)
        position = (
            func.row_number()
            .over(partition_by=fk, order_by=self.ordering(self.model))
            .label("position")
        )
        ranked = select(self.model, position).where(fk.in_(keys)).subquery()
        row = aliased(self.model, ranked)
        statement = (
            select(row)
            .where(ranked.c.position > self.offset, ranked.c.position <= self.offset + self.limit)
            .order_by(ranked.c[fk.key], ranked.c.position)
        )
        grouped: dict[str, list[Base]] = defaultdict(list)
        for item in await self.db.all(statement):
            grouped[getattr(item, self.column)].append(item)
        return [grouped.get(k, []) for k in keys]
