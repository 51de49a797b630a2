"""The default order of a type's lists, pinned in its declaration (`@mirrored(..., order=)`).

Lists are ordered by the declared keys and then by `id`, so pages are deterministic. The order
is written next to the type, never derived from indexes: adding an index must not move rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement


@dataclass(frozen=True)
class Sort:
    """One ordering key: a model attribute, ascending or descending (nulls last)."""

    attribute: str
    descending: bool

    def describe(self) -> str:
        return f"{self.attribute} {'descending' if self.descending else 'ascending'}"


def asc(attribute: str) -> Sort:
    return Sort(attribute, descending=False)


def desc(attribute: str) -> Sort:
    """Newest (or largest) first; rows without a value come last."""
    return Sort(attribute, descending=True)


def order_by(entity: Any, order: Sequence[Sort]) -> list[ColumnElement[Any]]:
    """ORDER BY terms for `entity` (a model or an alias of it), with `id` as the tie-breaker."""
    terms: list[ColumnElement[Any]] = []
    for sort in order:
        column = getattr(entity, sort.attribute)
        terms.append(column.desc().nulls_last() if sort.descending else column.asc())
    terms.append(entity.id.asc())
    return terms


_PINNED: dict[type, tuple[Sort, ...]] = {}


def pin_order(model: type, order: Sequence[Sort]) -> None:
    """Record a model's declared order (called by `@mirrored`); attributes must exist."""
    for sort in order:
        if not hasattr(model, sort.attribute):
            raise ValueError(f"{model.__name__} has no attribute {sort.attribute!r} to order by")
    _PINNED[model] = tuple(order)


def declared_order(model: type) -> tuple[Sort, ...]:
    """The order pinned by the model's GraphQL declaration."""
    return _PINNED[model]
