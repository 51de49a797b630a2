"""`where: <Type>Where`: typed filters, compiled to one SQL condition of bound parameters.

Each type's Where input has `AND`, `OR`, `NOT` and one field per filterable column, holding an
operator input by the column's kind: `eq`, `ne`, `in`, `notIn`, `isNull` for all; `lt`,
`lte`, `gt`, `gte` for numbers, dates and timestamps; `contains`, `startsWith`
(case-insensitive) for text. Filterable: the id, foreign keys (by global ID), enums,
booleans, dates, timestamps, numbers, and text columns that are indexed. Comparisons follow
SQL: `ne`, `notIn` and comparisons never match a row without a value (use `isNull`).
A where tree is bounded (depth, conditions, list sizes) before any SQL is built.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import strawberry
from sqlalchemy import Column, ColumnElement, and_, false, not_, or_, true

from graph.errors import BadUserInput
from graph.ids import InvalidId, decode_as

MAX_DEPTH = 6
MAX_CONDITIONS = 64
MAX_LIST = 500
ORDERED_KINDS = ("integer", "real", "decimal", "date", "timestamp")


def _input(name: str, description: str, fields: dict[str, tuple[Any, str, str]]) -> type:
    """A Strawberry input: fields are python name -> (annotation, GraphQL name, description)."""
    namespace: dict[str, Any] = {"__annotations__": {}}
    for attribute, (annotation, graphql_name, text) in fields.items():
        namespace["__annotations__"][attribute] = annotation | None
        namespace[attribute] = strawberry.field(default=None, name=graphql_name, description=text)
    return strawberry.input(type(name, (), namespace), description=description)


def _operators(scalar: Any, *, ordered: bool, text: bool) -> dict[str, tuple[Any, str, str]]:
    fields: dict[str, tuple[Any, str, str]] = {
        "eq": (scalar, "eq", "Equal to."),
        "ne": (scalar, "ne", "Not equal to (rows without a value never match)."),
        "in_": (list[scalar], "in", f"Any of these values (at most {MAX_LIST})."),
        "not_in": (
            list[scalar],
            "notIn",
            "None of these values (rows without a value never match).",
        ),
        "is_null": (bool, "isNull", "true: rows without a value; false: rows with one."),
    }
    if ordered:
        fields |= {
            "lt": (scalar, "lt", "Less than."),
            "lte": (scalar, "lte", "Less than or equal to."),
            "gt": (scalar, "gt", "Greater than."),
            "gte": (scalar, "gte", "Greater than or equal to."),
        }
    if text:
        fields |= {
            "contains": (str, "contains", "Contains this text, ignoring case."),
            "starts_with": (str, "startsWith", "Starts with this text, ignoring case."),
        }
    return fields


def _scalar_filter(name: str, scalar: Any, kind: str) -> type:
    ordered, text = kind in ORDERED_KINDS, kind == "text"
    return _input(name, f"Conditions on a {name.removesuffix('Filter')} value.",
                  _operators(scalar, ordered=ordered, text=text))  # fmt: skip


IdFilter = _input(
    "IdFilter",
    "Conditions on an ID (global IDs; an ID of another organization matches nothing).",
    _operators(strawberry.ID, ordered=False, text=False),
)
StringFilter = _scalar_filter("StringFilter", str, "text")
IntFilter = _scalar_filter("IntFilter", int, "integer")
FloatFilter = _scalar_filter("FloatFilter", float, "real")
DecimalFilter = _scalar_filter("DecimalFilter", Decimal, "decimal")
DateFilter = _scalar_filter("DateFilter", dt.date, "date")
DateTimeFilter = _scalar_filter("DateTimeFilter", dt.datetime, "timestamp")
BooleanFilter = _scalar_filter("BooleanFilter", bool, "boolean")
SCALAR_FILTERS = {
    "text": StringFilter,
    "integer": IntFilter,
    "real": FloatFilter,
    "decimal": DecimalFilter,
    "date": DateFilter,
    "timestamp": DateTimeFilter,
    "boolean": BooleanFilter,
}
_ENUM_FILTERS: dict[str, type] = {}


def enum_filter(enum_type: Any) -> type:
    """`<Enum>Filter`, made once per GraphQL enum."""
    name = f"{enum_type.__strawberry_definition__.name}Filter"
    if name not in _ENUM_FILTERS:
        _ENUM_FILTERS[name] = _input(
            name, "Conditions on an enum value.", _operators(enum_type, ordered=False, text=False)
        )
    return _ENUM_FILTERS[name]


@dataclass(frozen=True)
class Filterable:
    """One filterable column: its model attribute and how its values are read."""

    attribute: str
    kind: str  # a spec kind, or "id" for ids and foreign keys
    id_type: str | None = None  # for ids: the type name the global IDs must be of


def where_input(type_name: str, columns: dict[str, tuple[Filterable, Any]]) -> type:
    """`<Type>Where` over `columns` (python name -> (Filterable, filter input type))."""
    name = f"{type_name}Where"
    listed = ", ".join(f"`{to_camel(attr)}`" for attr in columns)
    cls = type(name, (), {"__annotations__": {}})
    annotations: dict[str, Any] = cls.__annotations__
    fields = {
        "and_": (list[cls], "AND", "All of these conditions."),  # type: ignore[valid-type]
        "or_": (list[cls], "OR", "At least one of these conditions."),  # type: ignore[valid-type]
        "not_": (cls, "NOT", "Not this condition."),
    }
    fields |= {
        attr: (filter_type, to_camel(attr), "") for attr, (_f, filter_type) in columns.items()
    }
    for attribute, (annotation, graphql_name, text) in fields.items():
        annotations[attribute] = annotation | None
        setattr(
            cls,
            attribute,
            strawberry.field(default=None, name=graphql_name, description=text or None),
        )
    cls.__filterable__ = {attr: filterable for attr, (filterable, _t) in columns.items()}  # type: ignore[attr-defined]
    description = f"Conditions on {type_name} rows. Filterable fields: {listed}."
    return strawberry.input(cls, name=name, description=description)


def to_camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


# --- compiling ---------------------------------------------------------------------------------


@dataclass
class _Budget:
    conditions: int = 0

    def spend(self) -> None:
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise BadUserInput(f"a where argument holds at most {MAX_CONDITIONS} conditions")


def compile_where(entity: Any, where: Any) -> ColumnElement[bool]:
    """The SQL condition of a Where input over `entity` (a model or an alias of it)."""
    if where is None:
        return true()
    return _node(entity, where, 1, _Budget())


def _node(entity: Any, where: Any, depth: int, budget: _Budget) -> ColumnElement[bool]:
    if depth > MAX_DEPTH:
        raise BadUserInput(f"a where argument nests at most {MAX_DEPTH} levels")
    parts: list[ColumnElement[bool]] = []
    if where.and_ is not None:
        parts.append(and_(true(), *(_node(entity, w, depth + 1, budget) for w in where.and_)))
    if where.or_ is not None:
        parts.append(or_(false(), *(_node(entity, w, depth + 1, budget) for w in where.or_)))
    if where.not_ is not None:
        parts.append(not_(_node(entity, where.not_, depth + 1, budget)))
    for attribute, filterable in type(where).__filterable__.items():
        condition = getattr(where, attribute)
        if condition is not None:
            parts.append(_column(getattr(entity, attribute), filterable, condition, budget))
    return and_(true(), *parts)


def _value(filterable: Filterable, raw: Any) -> Any:
    if isinstance(raw, dt.datetime) and raw.tzinfo is None:
        raise BadUserInput(
            f"{to_camel(filterable.attribute)}: a timestamp needs a time zone, "
            "e.g. 2026-11-28T08:00:00Z"
        )
    if filterable.kind == "id":
        try:
            return decode_as(str(raw), str(filterable.id_type))
        except InvalidId as exc:
            raise BadUserInput(f"{to_camel(filterable.attribute)}: {exc}") from None
    return raw.value if hasattr(raw, "value") and not isinstance(raw, bool) else raw


_COMPARISONS: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "eq": lambda c, v: c == v,
    "ne": lambda c, v: c != v,
    "lt": lambda c, v: c < v,
    "lte": lambda c, v: c <= v,
    "gt": lambda c, v: c > v,
    "gte": lambda c, v: c >= v,
}


def _column(
    column: Column[Any], filterable: Filterable, condition: Any, budget: _Budget
) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = []
    for operator, compare in _COMPARISONS.items():
        raw = getattr(condition, operator, None)
        if raw is not None:
            budget.spend()
            parts.append(compare(column, _value(filterable, raw)))
    for operator, negate in (("in_", False), ("not_in", True)):
        raw_list = getattr(condition, operator, None)
        if raw_list is not None:
            budget.spend()
            if len(raw_list) > MAX_LIST:
                raise BadUserInput(f"`in`/`notIn` take at most {MAX_LIST} values")
            values = [_value(filterable, raw) for raw in raw_list]
            parts.append(column.not_in(values) if negate else column.in_(values))
    if condition.is_null is not None:
        budget.spend()
        parts.append(column.is_(None) if condition.is_null else column.is_not(None))
    for operator in ("contains", "starts_with"):
        text = getattr(condition, operator, None)
        if text is not None:
            budget.spend()
            method = column.icontains if operator == "contains" else column.istartswith
            parts.append(method(text, autoescape=True))
    return and_(true(), *parts)
