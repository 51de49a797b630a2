"""List order: the default pinned in each type's declaration (`@mirrored(..., order=)`), and
the `orderBy: [<Type>Order!]` argument a client may give instead.

Lists are ordered by their keys and then by `id`, so pages are deterministic and keyset
cursors (graph/cursors.py) have a total order to walk. The default is written next to the
type, never derived from indexes: adding an index must not move rows.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, inspect

from graph.errors import BadUserInput


@dataclass(frozen=True)
class Sort:
    """One ordering key: a model attribute, ascending or descending, nulls last by default."""

    attribute: str
    descending: bool
    nulls_first: bool = False

    def describe(self) -> str:
        return f"{self.attribute} {'descending' if self.descending else 'ascending'}"

    def key(self) -> str:
        return (
            f"{self.attribute}:{'d' if self.descending else 'a'}{'f' if self.nulls_first else 'l'}"
        )

    def reversed(self) -> Sort:
        """The same key walked backwards (for `last`/`before`)."""
        return replace(self, descending=not self.descending, nulls_first=not self.nulls_first)


def asc(attribute: str) -> Sort:
    return Sort(attribute, descending=False)


def desc(attribute: str) -> Sort:
    """Newest (or largest) first; rows without a value come last."""
    return Sort(attribute, descending=True)


def order_by(entity: Any, order: Sequence[Sort], *, backwards: bool = False) -> list[Any]:
    """ORDER BY terms for `entity` (a model or an alias of it), with `id` as the tie-breaker.
    A NOT NULL column's term states no NULLS placement: it changes nothing there, and SQLite
    (whose indexes hold NULLs first) could not read an ascending `NULLS LAST` from an index."""
    terms: list[ColumnElement[Any]] = []
    model = inspect(entity).mapper.class_
    for sort in order:
        step = sort.reversed() if backwards else sort
        column = getattr(entity, step.attribute)
        term = column.desc() if step.descending else column.asc()
        if _nullable(model, step.attribute):
            term = term.nulls_first() if step.nulls_first else term.nulls_last()
        terms.append(term)
    terms.append(entity.id.desc() if backwards else entity.id.asc())
    return terms


@functools.cache
def _nullable(model: type, attribute: str) -> bool:
    column: Any = inspect(model).columns.get(attribute)
    return column is None or bool(column.nullable)


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


# --- the orderBy argument ----------------------------------------------------------------------


@strawberry.enum(description="Ascending (smallest, oldest first) or descending.")
class OrderDirection(enum.Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.enum(description="Where rows without a value go: first or last (the default).")
class NullsOrder(enum.Enum):
    FIRST = "first"
    LAST = "last"


MAX_ORDER_KEYS = 4


def order_input(type_name: str, attributes: dict[str, str]) -> type:
    """`<Type>Order { field: <Type>OrderField!, direction, nulls }` over `attributes`
    (GraphQL enum value -> model attribute)."""
    fields = enum.Enum(f"{type_name}OrderField", {name: attr for name, attr in attributes.items()})  # type: ignore[misc]
    field_enum = strawberry.enum(
        fields, description=f"The columns a list of {type_name} can be ordered by."
    )
    namespace = {
        "__annotations__": {
            "field": field_enum,
            "direction": OrderDirection,
            "nulls": NullsOrder,
        },
        "direction": strawberry.field(default=OrderDirection.ASC, description="ASC by default."),
        "nulls": strawberry.field(default=NullsOrder.LAST, description="LAST by default."),
        "field": strawberry.field(description="The column."),
    }
    cls = type(f"{type_name}Order", (), namespace)
    return strawberry.input(cls, description=f"One key of the order of a {type_name} list.")


def _value(raw: Any) -> Any:
    return raw.value if isinstance(raw, enum.Enum) else raw


def _sort(item: Any) -> Sort:
    """One key of `orderBy`: a Strawberry input object, or the dict GraphQL gives."""
    if isinstance(item, dict):
        field, direction, nulls = item["field"], item.get("direction"), item.get("nulls")
    else:
        field, direction, nulls = item.field, item.direction, item.nulls
    return Sort(
        attribute=_value(field),
        descending=_value(direction) == OrderDirection.DESC.value,
        nulls_first=_value(nulls) == NullsOrder.FIRST.value,
    )


def sorts_of(order_by_input: Sequence[Any] | None, default: Sequence[Sort]) -> tuple[Sort, ...]:
    """The Sort keys of an `orderBy` argument (the declared order when absent or empty)."""
    if not order_by_input:
        return tuple(default)
    if len(order_by_input) > MAX_ORDER_KEYS:
        raise BadUserInput(f"orderBy takes at most {MAX_ORDER_KEYS} keys")
    sorts = tuple(_sort(item) for item in order_by_input)
    if len({s.attribute for s in sorts}) != len(sorts):
        raise BadUserInput("orderBy names a column twice")
    return sorts
