"""The request's dataloaders: created per request, on first use, never shared.

The loader classes themselves are declared by each domain (`graph/<domain>/loaders.py`) and
registered by declaring them; `Loaders` holds one instance per class and arguments for one
request, so no cache ever crosses requests, users or organizations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graph.connections import Page
from graph.dataloaders.base import (
    BY_ID,
    BY_RELATION,
    AggregatesByParentLoader,
    ByIdLoader,
    ByRelationLoader,
    RelationKey,
    RowCountsByParentLoader,
)
from graph.lookahead import WHOLE_ROWS, RowShape
from graph.session import RequestDatabase
from models.base import Base


class Loaders:
    """The loaders of one request."""

    def __init__(self, db: RequestDatabase) -> None:
        self._db = db
        self._made: dict[tuple[Any, ...], Any] = {}

    def by_id(self, model: type[Base]) -> ByIdLoader:
        key = (model,)
        loader = self._made.get(key)
        if loader is None:
            loader = self._made[key] = BY_ID[model](self._db)
        return loader  # type: ignore[no-any-return]

    def by_relation(
        self,
        relation: RelationKey,
        page: Page,
        condition: Any,
        where_key: str,
        shape: RowShape = WHOLE_ROWS,
    ) -> ByRelationLoader:
        """The loader of one page shape of a relation: the key holds every argument (and the
        rows' shape: the to-one relations joined, the columns loaded), so two differently
        paged or selected uses of a relation in one query never share rows."""
        key = ("rows", relation, page.key, where_key, shape)
        loader = self._made.get(key)
        if loader is None:
            made = BY_RELATION[relation](self._db, page, condition, shape, where_key)
            loader = self._made[key] = made
        return loader  # type: ignore[no-any-return]

    def row_counts(
        self, relation: RelationKey, condition: Any, where_key: str
    ) -> RowCountsByParentLoader:
        key = ("count", relation, where_key)
        loader = self._made.get(key)
        if loader is None:
            loader = RowCountsByParentLoader(self._db, BY_RELATION[relation], condition)
            self._made[key] = loader
        return loader  # type: ignore[no-any-return]

    def aggregates(
        self,
        key: tuple[Any, ...],
        build: Callable[[Sequence[str]], Any],
        read: Callable[[list[Any]], list[Any]],
    ) -> AggregatesByParentLoader:
        loader = self._made.get(("aggregate", key))
        if loader is None:
            loader = self._made[("aggregate", key)] = AggregatesByParentLoader(
                self._db, build, read
            )
        return loader  # type: ignore[no-any-return]


__all__ = ["BY_ID", "BY_RELATION", "ByIdLoader", "ByRelationLoader", "Loaders", "RelationKey"]
