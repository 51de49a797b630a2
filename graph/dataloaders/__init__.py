"""The request's dataloaders: created per request, on first use, never shared.

The loader classes themselves are declared by each domain (`graph/<domain>/loaders.py`) and
registered by declaring them; `Loaders` holds one instance per class and arguments for one
request, so no cache ever crosses requests, users or organizations.
"""

from __future__ import annotations

from typing import Any

from graph.dataloaders.base import (
    BY_ID,
    BY_RELATION,
    ByIdLoader,
    ByRelationLoader,
    RelationKey,
)
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

    def by_relation(self, relation: RelationKey, limit: int, offset: int = 0) -> ByRelationLoader:
        key = (relation, limit, offset)
        loader = self._made.get(key)
        if loader is None:
            loader = self._made[key] = BY_RELATION[relation](self._db, limit, offset)
        return loader  # type: ignore[no-any-return]


__all__ = ["BY_ID", "BY_RELATION", "ByIdLoader", "ByRelationLoader", "Loaders", "RelationKey"]
