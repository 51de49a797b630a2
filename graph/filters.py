"""`where: <Type>Where`: typed filters, compiled to one SQL condition of bound parameters.

Each type's Where input has `AND`, `OR`, `NOT` and one field per filterable column, holding an
operator input by the column's kind: `eq`, `ne`, `in`, `notIn`, `isNull` for all; `lt`,
`lte`, `gt`, `gte` for numbers, dates and timestamps; `contains`, `startsWith`
(case-insensitive) for text. Filterable: the id, foreign keys (by global ID), enums,
booleans, dates, timestamps, numbers, and text columns that are indexed. Comparisons follow
SQL: `ne`, `notIn` and comparisons never match a row without a value (use `isNull`).
The conditions themselves are compiled to SQL in graph/conditions.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import strawberry

from graph.naming import camel as to_camel

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
    description = f"Conditions on {type_name} rows. Filterable fields: {listed}."
    return strawberry.input(cls, name=name, description=description)
