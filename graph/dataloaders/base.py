"""The two loader shapes every relation uses: rows by id, and a parent's rows by relationship.

Each domain declares its loaders as named classes in `graph/<domain>/loaders.py`
(`DialysisSessionByIdLoader`, `DialysisSessionsByPatientLoader`); declaring one registers it
for the mirror. Each batch is one SELECT through the request's tenant-scoped session, so tenant
and soft-delete criteria apply to loaders exactly as to root fields. Rows by relationship take
a per-parent window (graph/pages.py), so "the last N sessions of each patient" is one
statement for the whole list of patients, not one per patient; their counts and aggregates
are one grouped statement each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from aiodataloader import DataLoader
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, RelationshipDirection, configure_mappers

from graph.aggregates import MAX_GROUPS
from graph.audit.trail import record_light_rows
from graph.connections import Page
from graph.errors import BadUserInput
from graph.lookahead import WHOLE_ROWS, RowShape
from graph.pages import count_per_parent_statement, kept, parent_keys, per_parent_statement
from graph.session import RequestDatabase
from models.base import Base

MAX_BATCH = 5000  # within SQLite's and asyncpg's bound-parameter limits

RelationKey = tuple[type[Base], str]  # (child model, name of its many-to-one relationship)

BY_ID: dict[type[Base], type[ByIdLoader]] = {}
BY_RELATION: dict[RelationKey, type[ByRelationLoader]] = {}


class ByIdLoader(DataLoader):  # type: ignore[type-arg]
    """Rows of `model` by primary key; None for ids that are absent or not visible."""

    model: ClassVar[type[Base]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        expected = f"{cls.model.__name__}ByIdLoader"
        if cls.__name__ != expected:
            raise TypeError(f"{cls.__name__} loads {cls.model.__name__}: name it {expected}")
        if cls.model in BY_ID:
            raise TypeError(f"{cls.__name__} is declared twice ({BY_ID[cls.model].__module__})")
        BY_ID[cls.model] = cls

    def __init__(self, db: RequestDatabase) -> None:
        super().__init__(max_batch_size=MAX_BATCH)
        self.db = db

    async def batch_load_fn(self, ids: Sequence[str]) -> list[Base | None]:
        key: Any = self.model.id  # type: ignore[attr-defined]
        rows = await self.db.all(select(self.model).where(key.in_(ids)))
        found = {row.id: row for row in rows}  # type: ignore[attr-defined]
        return [found.get(i) for i in ids]


class ByRelationLoader(DataLoader):  # type: ignore[type-arg]
    """Rows of the child model whose many-to-one `relation` points at each key: one page per
    key (in the page's order, after its cursor, under its condition)."""

    relation: ClassVar[InstrumentedAttribute[Any]]  # e.g. DialysisSession.patient
    child: ClassVar[type[Base]]
    foreign_key: ClassVar[str]  # attribute name of the child's foreign key column

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        configure_mappers()
        prop = cls.relation.property
        if prop.direction is not RelationshipDirection.MANYTOONE or len(prop.local_columns) != 1:
            raise TypeError(f"{cls.__name__}.relation must be a single-column many-to-one")
        cls.child = prop.parent.class_
        (column,) = prop.local_columns
        cls.foreign_key = prop.parent.get_property_by_column(column).key
        key = (cls.child, prop.key)
        if key in BY_RELATION:
            raise TypeError(f"{cls.__name__} duplicates {BY_RELATION[key].__name__}")
        BY_RELATION[key] = cls

    def __init__(
        self,
        db: RequestDatabase,
        page: Page,
        condition: Any,
        shape: RowShape = WHOLE_ROWS,
        condition_key: str | None = None,
    ) -> None:
        super().__init__(max_batch_size=MAX_BATCH)
        self.db = db
        self.page = page
        self.condition = condition
        self.shape = shape  # the columns loaded, the to-one relations joined
        # What the statement is made of, when `condition_key` names the condition's source
        # (graph/pages.py `kept` keeps the statement under it); None: built for each batch
        # (also after a cursor: the position is the request's own).
        self.statement_key: tuple[Any, ...] | None = None
        if condition_key is not None and page.position is None:
            self.statement_key = (type(self), page.key, condition_key, shape)

    async def batch_load_fn(self, keys: Sequence[str]) -> list[list[Any]]:
        lateral = self.db.dialect == "postgresql"
        kept_as, page, shape = self.statement_key, self.page, self.shape
        statement, light = kept(
            None if kept_as is None else (*kept_as, lateral),
            lambda: per_parent_statement(
                self.child, self.foreign_key, page, self.condition, lateral=lateral, shape=shape
            ),
        )
        found = await self.db.rows(statement, parent_keys(keys, lateral=lateral))
        grouped: dict[str, list[tuple[int, Any]]] = defaultdict(list)
        if light is not None:
            read, items = light.read, []
            for row in found:
                item = read(row)
                if item is not None:
                    items.append(item)
                    grouped[getattr(item, self.foreign_key)].append((row[-1], item))
            record_light_rows(self.db, items, light.joined)
        else:
            for item, position in found:
                if item is not None:
                    grouped[getattr(item, self.foreign_key)].append((position, item))
        pages = []
        for key in keys:
            rows = grouped.get(key)
            pages.append([item for _, item in sorted(rows, key=_position)] if rows else [])
        return pages


def _position(entry: tuple[int, Any]) -> int:
    return entry[0]


class RowCountsByParentLoader(DataLoader):  # type: ignore[type-arg]
    """How many rows of a relation match `condition`, per parent: one grouped statement."""

    def __init__(
        self, db: RequestDatabase, relation: type[ByRelationLoader], condition: Any
    ) -> None:
        super().__init__(max_batch_size=MAX_BATCH)
        self.db = db
        self.relation = relation
        self.condition = condition

    async def batch_load_fn(self, keys: Sequence[str]) -> list[int]:
        relation = self.relation
        statement = count_per_parent_statement(
            relation.child, relation.foreign_key, keys, self.condition
        )
        counts = {parent: int(count) for parent, count in await self.db.rows(statement)}
        return [counts.get(k, 0) for k in keys]


class AggregatesByParentLoader(DataLoader):  # type: ignore[type-arg]
    """A relation's aggregate groups per parent: one grouped statement for all parents.
    `build(keys)` makes the statement; `read(rows)` turns one parent's rows into groups."""

    def __init__(
        self,
        db: RequestDatabase,
        build: Callable[[Sequence[str]], Any],
        read: Callable[[list[Any]], list[Any]],
    ) -> None:
        super().__init__(max_batch_size=MAX_BATCH)
        self.db = db
        self.build = build
        self.read = read

    async def batch_load_fn(self, keys: Sequence[str]) -> list[list[Any]]:
        grouped: dict[str, list[Any]] = defaultdict(list)
        rows = await self.db.rows(self.build(keys))
        if len(rows) > MAX_GROUPS * len(keys):
            raise BadUserInput(f"more than {MAX_GROUPS} groups per parent: narrow the query")
        for row in rows:
            grouped[row.parent].append(row)
        return [self.read(grouped.get(k, [])) for k in keys]
