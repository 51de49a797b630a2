"""Rows without ORM identity, for pages that only serve columns.

Building ORM objects (instance state, identity map, load events, a deferred loader for every
column not loaded) was about a third of the roster's time. A page whose selected fields read
only columns and joined to-one relations (a `RowShape` with its columns known, see
graph/lookahead.py) selects those columns as plain columns instead, and makes one light
object per row: an instance of a class named like the model (`light_class`), holding the
loaded attributes and the joined related rows, and nothing else. The tenant and soft-delete
criteria apply exactly as before: the statement still selects the model's attributes through
the tenant session. Nothing writes through light rows; mutations and `node(id:)` load ORM
objects, and a page with a computed field loads whole ORM rows.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import inspect
from sqlalchemy.orm import aliased

from models.base import Base

if TYPE_CHECKING:
    from graph.lookahead import RowShape


class LightRow:
    """A row read for serving: its loaded attributes, and its joined rows by relation key."""

    model: ClassVar[type[Base]]
    id: Any  # every light row has its id loaded (graph/relations.py always_loaded)


@functools.cache
def light_class(model: type[Base]) -> type[LightRow]:
    """The light class of `model`: same name (audit records and global ids name the type)."""
    return type(model.__name__, (LightRow,), {"model": model, "__module__": __name__})


def model_of(row: Any) -> type[Any]:
    """The model a row (ORM object or light row) belongs to."""
    return row.model if isinstance(row, LightRow) else type(row)


def light_shape(shape: RowShape) -> bool:
    """Whether rows of this shape can be light: every column they serve is known."""
    return shape.columns is not None and all(columns is not None for _, columns in shape.joins)


Reader = Callable[[Sequence[Any]], LightRow | None]


@dataclass(frozen=True)
class Layout:
    """How rows of one entity in one shape are selected and read (see `layout`)."""

    columns: tuple[Any, ...]  # to select, in this order
    joins: tuple[Any, ...]  # relationships to outer-join (tenant criteria included)
    read: Reader  # result row -> light row (None for a row of nulls); extra columns ignored
    joined: tuple[str, ...]  # the relation keys under which a light row holds joined rows


def layout(entity: Any, shape: RowShape, *, lasting: bool = True) -> Layout:
    """The layout of rows of `entity` (a model or an alias of it) in this shape. For an
    entity that lives as long as the process (`lasting`) it is made once: building the
    columns of an alias is not free."""
    return _layout(entity, shape) if lasting else _layout.__wrapped__(entity, shape)


@functools.lru_cache(maxsize=1024)
def _layout(entity: Any, shape: RowShape) -> Layout:
    keys = tuple(shape.columns or ())
    columns = [getattr(entity, key) for key in keys]
    joins: list[Any] = []
    parts: list[tuple[str, type[LightRow], tuple[str, ...], int, int]] = []
    for relation_key, target_columns in shape.joins:
        attribute = getattr(entity, relation_key)
        target_model = attribute.property.mapper.class_
        target = aliased(target_model)
        target_keys = tuple(target_columns or ())
        joins.append(attribute.of_type(target))
        start = len(columns)
        id_at = start + target_keys.index("id")
        parts.append((relation_key, light_class(target_model), target_keys, start, id_at))
        columns.extend(getattr(target, key) for key in target_keys)
    cls = light_class(inspect(entity).mapper.class_)
    own_id = keys.index("id")

    def read(row: Sequence[Any]) -> LightRow | None:
        if row[own_id] is None:
            return None
        made = cls()
        values = made.__dict__
        values.update(zip(keys, row, strict=False))
        for relation_key, target_cls, target_keys, start, id_at in parts:
            if row[id_at] is None:
                values[relation_key] = None
                continue
            related = target_cls()
            related.__dict__.update(zip(target_keys, row[start:], strict=False))
            values[relation_key] = related
        return made

    joined = tuple(key for key, _ in shape.joins)
    return Layout(tuple(columns), tuple(joins), read, joined)
