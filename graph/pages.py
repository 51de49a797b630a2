"""The SQL of one page: a root list's page, or the same page for every parent at once.

Both read at most `size + 1` rows per list (one more tells whether another page follows), in
the list's order, after the keyset position when a cursor is given, under the `where`
condition. The per-parent form numbers each parent's rows with a window function, so the
first N of every parent are one statement whatever the number of parents.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.orm import aliased

from graph.companions import python_type
from graph.connections import Page
from graph.cursors import after
from graph.ordering import Sort, order_by
from models.base import Base


def key_types(model: type[Base], order: Sequence[Sort]) -> list[type]:
    return [python_type(model, sort.attribute) for sort in order]


def _keyset(entity: Any, page: Page) -> ColumnElement[bool]:
    if page.position is None:
        return true()
    values, row_id = page.position
    columns = [getattr(entity, sort.attribute) for sort in page.order]
    return after(columns, page.order, values, entity.id, row_id, backwards=page.backwards)


def page_statement(model: type[Base], page: Page, condition: ColumnElement[bool]) -> Select[Any]:
    """One page of a root list."""
    ordering = order_by(model, page.order, backwards=page.backwards)
    return (
        select(model)
        .where(condition, _keyset(model, page))
        .order_by(*ordering)
        .limit(page.size + 1)
    )


def per_parent_statement(
    model: type[Base], foreign_key: str, keys: Sequence[str], page: Page, condition: Any
) -> Select[Any]:
    """The page of every parent in `keys`: rows of `model` whose `foreign_key` is the parent."""
    fk = getattr(model, foreign_key)
    ordering = order_by(model, page.order, backwards=page.backwards)
    position = func.row_number().over(partition_by=fk, order_by=ordering).label("position")
    ranked = select(model, position).where(fk.in_(keys), condition, _keyset(model, page)).subquery()
    row = aliased(model, ranked)
    return (
        select(row)
        .where(ranked.c.position <= page.size + 1)
        .order_by(ranked.c[fk.key], ranked.c.position)
    )


def count_statement(model: type[Base], condition: ColumnElement[bool]) -> Select[Any]:
    return select(func.count()).select_from(model).where(condition)


def count_per_parent_statement(
    model: type[Base], foreign_key: str, keys: Sequence[str], condition: Any
) -> Select[Any]:
    fk = getattr(model, foreign_key)
    return select(fk, func.count()).where(fk.in_(keys), condition).group_by(fk)
