"""The SQL of one page: a root list's page, or the same page for every parent at once.

Both read at most `size + 1` rows per list (one more tells whether another page follows), in
the list's order, after the keyset position when a cursor is given, under the `where`
condition. The per-parent form reads the first N of every parent in one statement whatever the
number of parents: a LATERAL subquery per parent on PostgreSQL, a correlated subquery per
parent on SQLite.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
    Text,
    bindparam,
    cast,
    column,
    func,
    inspect,
    select,
    true,
)
from sqlalchemy.orm import aliased

from graph.companions import python_type
from graph.connections import Page
from graph.cursors import after
from graph.lookahead import WHOLE_ROWS, RowShape
from graph.ordering import Sort, order_by
from graph.rows import Layout, layout, light_shape
from models.base import Base
from models.tenancy import KEPT_STATEMENT


def key_types(model: type[Base], order: Sequence[Sort]) -> list[type]:
    return [python_type(model, sort.attribute) for sort in order]


def _keyset(entity: Any, page: Page) -> ColumnElement[bool]:
    if page.position is None:
        return true()
    values, row_id = page.position
    columns = [getattr(entity, sort.attribute) for sort in page.order]
    return after(columns, page.order, values, entity.id, row_id, backwards=page.backwards)


def page_statement(
    model: type[Base], page: Page, condition: ColumnElement[bool], shape: RowShape = WHOLE_ROWS
) -> tuple[Select[Any], Layout | None]:
    """One page of a root list, and how to read its rows: ORM objects (None) unless the
    shape allows light rows (graph/rows.py)."""
    ordering = order_by(model, page.order, backwards=page.backwards)
    statement, joins, read = _rows_of(model, shape, ())
    statement = _joined(statement.select_from(model), joins)
    statement = statement.where(condition, _keyset(model, page))
    return statement.order_by(*ordering).limit(page.size + 1), read


def _rows_of(
    entity: Any, shape: RowShape, extra: Sequence[Any], *, lasting: bool = True
) -> tuple[Select[Any], Sequence[Any], Layout | None]:
    """SELECT of the rows of `entity` in `shape` (then `extra` columns), and the joins to
    add once its FROM is set: light columns with their outer joins, or the entity with its
    loader options (and no joins). `lasting`: the entity outlives the request (its layout
    may be kept)."""
    if not light_shape(shape):
        return select(entity, *extra).options(*shape.options(entity)), (), None
    found = layout(entity, shape, lasting=lasting)
    return select(*found.columns, *extra), found.joins, found


def _joined(statement: Select[Any], joins: Sequence[Any]) -> Select[Any]:
    for join in joins:
        statement = statement.outerjoin(join)
    return statement


PARENT_KEYS = "parent_keys"  # the bound parameter of a per-parent statement's parent keys
_KEPT_STATEMENTS = 128  # a dashboard's pages; each kept statement is some 7 KiB


def parent_keys(keys: Sequence[str], *, lateral: bool) -> dict[str, Any]:
    """The parameters of a per-parent statement for these parents: an array on PostgreSQL,
    one JSON array (for `json_each`) on SQLite."""
    listed = [str(key) for key in keys]
    return {PARENT_KEYS: listed if lateral else json.dumps(listed)}


Built = tuple[Select[Any], "Layout | None"]  # a statement, and how to read its rows
_KEPT: dict[tuple[Any, ...], Built] = {}


def kept(key: tuple[Any, ...] | None, build: Callable[[], Built]) -> Built:
    """`build()`, made once per `key` and kept (the last 128): a dashboard asks the same
    pages again and again, and building one, with SQLAlchemy's cache key of it, was a tenth
    of a small request's time. `key` must name everything the statement is made of (the
    relation or list, the page, the condition's source, the shape) and nothing of the
    request; None: not kept. Kept statements carry KEPT_STATEMENT, so that their scoped
    forms are kept too (models/tenancy.py)."""
    if key is None:
        return build()
    found = _KEPT.get(key)
    if found is None:
        statement, read = build()
        found = statement.execution_options(**{KEPT_STATEMENT: True}), read
        if len(_KEPT) >= _KEPT_STATEMENTS:
            _KEPT.pop(next(iter(_KEPT)))  # the oldest
        _KEPT[key] = found
    return found


def per_parent_statement(
    model: type[Base],
    foreign_key: str,
    page: Page,
    condition: Any,
    *,
    lateral: bool = False,
    shape: RowShape = WHOLE_ROWS,
) -> tuple[Select[Any], Layout | None]:
    """The page of every parent in the `parent_keys` parameter (see `parent_keys`): rows of
    `model` whose `foreign_key` is the parent, each with its `position` (1, 2, ...) in the
    parent's page, in no particular row order.

    Each parent's page is a `LIMIT` read straight from the `(organization_id, <parent>,
    <order>)` serving index, so only the rows of the pages are read: in a LATERAL subquery
    per parent on PostgreSQL; on SQLite, which has no LATERAL, as the ids a correlated
    subquery per parent picks (over `json_each` of the keys), the window then numbering only
    those rows. `shape` says which columns are loaded and which to-one relationships of the
    rows are joined into the same statement (LEFT OUTER JOIN, tenant criteria included);
    the layout, when not None, reads light rows of the result (graph/rows.py); the position
    is each result row's last column."""
    fk = getattr(model, foreign_key)
    ordering = order_by(model, page.order, backwards=page.backwards)
    picked = select(model).where(condition, _keyset(model, page))
    if lateral:
        position = func.row_number().over(order_by=ordering).label("position")
        # The keys as one array parameter: the statement's cache key stays the same for any
        # keys (a VALUES list of literals has none, and was compiled for every batch).
        keys = bindparam(PARENT_KEYS, type_=ARRAY(Text))
        listed = (
            func.unnest(cast(keys, ARRAY(Text))).table_valued("key").render_derived(name="parents")
        )
        ranked: Any = (
            picked.add_columns(position)
            .where(fk == listed.c.key)
            .order_by(*ordering)
            .limit(page.size + 1)
            .subquery("ranked")
            .lateral()
        )
        row: Any = aliased(model, ranked)
        rows, joins, read = _rows_of(row, shape, (ranked.c.position,), lasting=False)
        return _joined(rows.select_from(listed).join(ranked, true()), joins), read
    else:
        parents = func.json_each(bindparam(PARENT_KEYS, type_=Text)).table_valued("value")
        row = _alias_of(model)
        # By rowid, with the parents first: SQLite looks each picked row up by its rowid in
        # the organization index. (By `id`, and with the join free to be reordered, its
        # planner prefers walking the whole organization's index: a thousand times slower.)
        picked_ids = (
            picked.with_only_columns(_rowid(model.__table__))  # type: ignore[attr-defined]
            .where(fk == parents.c.value)
            .order_by(*ordering)
            .limit(page.size + 1)
        )
        row_order = order_by(row, page.order, backwards=page.backwards)
        position = (
            func.row_number()
            .over(partition_by=getattr(row, foreign_key), order_by=row_order)
            .label("position")
        )
        # LEFT OUTER: SQLite never reorders it, so the parents stay the outer loop. The row of
        # nulls it gives a parent without rows is dropped by `ifnull(id, '') <> ''`, which
        # SQLite (unlike `id IS NOT NULL`) does not take as leave to make the join inner.
        picked_rows = _rowid(inspect(row).selectable).in_(picked_ids.scalar_subquery())
        rows, joins, read = _rows_of(row, shape, (position,))
        statement = rows.select_from(parents).outerjoin(row, picked_rows)
        return _joined(statement, joins).where(func.ifnull(row.id, "") != ""), read


@functools.cache
def _alias_of(model: type[Base]) -> Any:
    """One alias per model for the per-parent statements: an alias builds its attributes on
    first use, so a new one per statement would build them again for every batch."""
    return aliased(model)


def _rowid(table: Any) -> Any:
    """SQLite's rowid of `table` (a table or an alias of one)."""
    return column("rowid", _selectable=table)


def count_statement(model: type[Base], condition: ColumnElement[bool]) -> Select[Any]:
    return select(func.count()).select_from(model).where(condition)


def count_per_parent_statement(
    model: type[Base], foreign_key: str, keys: Sequence[str], condition: Any
) -> Select[Any]:
    fk = getattr(model, foreign_key)
    return select(fk, func.count()).where(fk.in_(keys), condition).group_by(fk)
