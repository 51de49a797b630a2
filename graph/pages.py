"""The SQL of one page: a root list's page, or the same page for every parent at once.

Both read at most `size + 1` rows per list (one more tells whether another page follows), in
the list's order, after the keyset position when a cursor is given, under the `where`
condition. The per-parent form reads the first N of every parent in one statement whatever the
number of parents: a LATERAL subquery per parent on PostgreSQL, a window function on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, column, func, select, true, values
from sqlalchemy.orm import aliased, joinedload, load_only

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
    model: type[Base],
    foreign_key: str,
    keys: Sequence[str],
    page: Page,
    condition: Any,
    *,
    lateral: bool = False,
    joins: Sequence[str] = (),
    columns: Sequence[str] | None = None,
) -> Select[Any]:
    """The page of every parent in `keys`: rows of `model` whose `foreign_key` is the parent,
    each with its `position` (1, 2, ...) in the parent's page, in no particular row order.

    With `lateral` (PostgreSQL), each parent's page is a `LIMIT` read straight from the index
    in a LATERAL subquery, so only the rows of the page are read. Otherwise (SQLite, which has
    no LATERAL) a window numbers each parent's rows over the `(organization_id, <parent>,
    <order>)` serving index. `joins` are to-one relationships of the rows loaded in the same
    statement (LEFT OUTER JOIN, tenant criteria included); `columns`, when given, the only
    attributes of the rows loaded (the others stay unloaded)."""
    fk = getattr(model, foreign_key)
    ordering = order_by(model, page.order, backwards=page.backwards)
    position = (
        func.row_number()
        .over(partition_by=None if lateral else fk, order_by=ordering)
        .label("position")
    )
    ranked_rows = select(model, position).where(condition, _keyset(model, page))
    if lateral:
        parents = values(column("key", fk.type), name="parents").data([(k,) for k in keys])
        ranked: Any = (
            ranked_rows.where(fk == parents.c.key)
            .order_by(*ordering)
            .limit(page.size + 1)
            .subquery("ranked")
            .lateral()
        )
        row = aliased(model, ranked)
        statement = select(row, ranked.c.position).select_from(parents).join(ranked, true())
    else:
        ranked = ranked_rows.where(fk.in_(keys)).subquery("ranked")
        row = aliased(model, ranked)
        statement = select(row, ranked.c.position).where(ranked.c.position <= page.size + 1)
    if joins:
        statement = statement.options(*(joinedload(getattr(row, key)) for key in joins))
    if columns is not None:
        statement = statement.options(load_only(*(getattr(row, key) for key in columns)))
    return statement


def count_statement(model: type[Base], condition: ColumnElement[bool]) -> Select[Any]:
    return select(func.count()).select_from(model).where(condition)


def count_per_parent_statement(
    model: type[Base], foreign_key: str, keys: Sequence[str], condition: Any
) -> Select[Any]:
    fk = getattr(model, foreign_key)
    return select(fk, func.count()).where(fk.in_(keys), condition).group_by(fk)
