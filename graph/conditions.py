"""A `where` argument compiled to one SQL condition of bound parameters.

The argument arrives either as GraphQL gives it (a dict keyed by the GraphQL names: `AND`,
`lastName`, `notIn`, ...; the hot nested-list path reads it so, see graph/relations.py) or as
Strawberry's input object; both are read as the dict. A tree is bounded (depth, conditions,
list sizes) while it is read, before any SQL runs. As in SQL, `ne`, `notIn` and comparisons
never match a row without a value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, and_, false, not_, or_, true

from graph.companions import filterable
from graph.errors import BadUserInput
from graph.filters import MAX_CONDITIONS, MAX_DEPTH, MAX_LIST, Filterable, to_camel
from graph.ids import InvalidId, decode_as
from models.base import Base

_COMPARISONS: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "eq": lambda c, v: c == v,
    "ne": lambda c, v: c != v,
    "lt": lambda c, v: c < v,
    "lte": lambda c, v: c <= v,
    "gt": lambda c, v: c > v,
    "gte": lambda c, v: c >= v,
}
_LOGIC = ("AND", "OR", "NOT")


@functools.cache
def _by_name(model: type[Base]) -> dict[str, Filterable]:
    return {to_camel(attr): f for attr, (f, _type) in filterable(model).items()}


def as_graphql(value: Any) -> Any:
    """A Strawberry input object as the dict GraphQL gives (GraphQL names, nulls dropped)."""
    if isinstance(value, list):
        return [as_graphql(item) for item in value]
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return value
    definition = type(value).__strawberry_definition__  # type: ignore[attr-defined]
    found = {}
    for field in definition.fields:
        item = getattr(value, field.python_name)
        if item is not None:
            found[field.graphql_name or to_camel(field.python_name)] = as_graphql(item)
    return found


class _Budget:
    def __init__(self) -> None:
        self.conditions = 0

    def spend(self) -> None:
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise BadUserInput(f"a where argument holds at most {MAX_CONDITIONS} conditions")


def compile_where(model: type[Base], where: Any) -> ColumnElement[bool]:
    """The SQL condition of a `where` argument over `model` (true() when there is none)."""
    if where is None:
        return true()
    if not isinstance(where, Mapping):
        where = as_graphql(where)
    return _node(model, _by_name(model), where, 1, _Budget())


def _node(
    model: type[Base],
    fields: dict[str, Filterable],
    where: Mapping[str, Any],
    depth: int,
    budget: _Budget,
) -> ColumnElement[bool]:
    if depth > MAX_DEPTH:
        raise BadUserInput(f"a where argument nests at most {MAX_DEPTH} levels")
    parts: list[ColumnElement[bool]] = []
    if where.get("AND") is not None:
        items = [_node(model, fields, w, depth + 1, budget) for w in where["AND"]]
        parts.append(and_(true(), *items))
    if where.get("OR") is not None:
        items = [_node(model, fields, w, depth + 1, budget) for w in where["OR"]]
        parts.append(or_(false(), *items))
    if where.get("NOT") is not None:
        parts.append(not_(_node(model, fields, where["NOT"], depth + 1, budget)))
    for name, condition in where.items():
        if name in _LOGIC or condition is None:
            continue
        column_filter = fields.get(name)
        if column_filter is None:  # GraphQL validation refuses unknown fields first
            raise BadUserInput(f"`{name}` cannot be filtered")
        column = getattr(model, column_filter.attribute)
        parts.append(_column(column, column_filter, condition, budget))
    return and_(true(), *parts)


def _value(column_filter: Filterable, raw: Any) -> Any:
    if isinstance(raw, dt.datetime) and raw.tzinfo is None:
        raise BadUserInput(
            f"{to_camel(column_filter.attribute)}: a timestamp needs a time zone, "
            "e.g. 2026-11-28T08:00:00Z"
        )
    if column_filter.kind == "id":
        try:
            return decode_as(str(raw), str(column_filter.id_type))
        except InvalidId as exc:
            raise BadUserInput(f"{to_camel(column_filter.attribute)}: {exc}") from None
    return raw.value if isinstance(raw, enum.Enum) else raw


def _column(
    column: Any, column_filter: Filterable, condition: Mapping[str, Any], budget: _Budget
) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = []
    for operator, compare in _COMPARISONS.items():
        raw = condition.get(operator)
        if raw is not None:
            budget.spend()
            parts.append(compare(column, _value(column_filter, raw)))
    for operator, negate in (("in", False), ("notIn", True)):
        raw_list = condition.get(operator)
        if raw_list is not None:
            budget.spend()
            if len(raw_list) > MAX_LIST:
                raise BadUserInput(f"`in`/`notIn` take at most {MAX_LIST} values")
            values = [_value(column_filter, raw) for raw in raw_list]
            parts.append(column.not_in(values) if negate else column.in_(values))
    if condition.get("isNull") is not None:
        budget.spend()
        parts.append(column.is_(None) if condition["isNull"] else column.is_not(None))
    for operator in ("contains", "startsWith"):
        text = condition.get(operator)
        if text is not None:
            budget.spend()
            method = column.icontains if operator == "contains" else column.istartswith
            parts.append(method(text, autoescape=True))
    return and_(true(), *parts)
