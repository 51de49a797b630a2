"""The types that come with each mirrored model: its enums, `<Type>Where`, `<Type>Order`,
and the aggregate types (`<Type>GroupField`, `<Type>Bucket`, `<Type>AggregateGroup`).

They depend on the model only (its columns, kinds and indexes), never on which domain declared
what first, so any type can use another's (a patient's `dialysisSessions(where:)` takes
`DialysisSessionWhere`) without lazy references. Each is built once per model.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
from dataclasses import dataclass
from typing import Any

import strawberry
from sqlalchemy import Column, Table

from graph.filters import SCALAR_FILTERS, Filterable, IdFilter, enum_filter, where_input
from graph.naming import camel, enum_value_name, pascal
from graph.ordering import order_input
from models.base import Base
from models.types import kind_of

HIDDEN_COLUMNS = frozenset({"deleted_at", "deleted_by"})  # soft-deleted rows are never served
NUMERIC = ("integer", "real", "decimal")
DATED = ("date", "timestamp")


def _table(model: type[Base]) -> Table:
    return model.__table__  # type: ignore[return-value]


def served_columns(model: type[Base]) -> list[Column[Any]]:
    """The columns that reach the schema: not sensitive, not soft-delete bookkeeping."""
    return [
        column
        for column in _table(model).columns
        if not column.info.get("sensitive") and column.name not in HIDDEN_COLUMNS
    ]


def _queryable(model: type[Base]) -> list[Column[Any]]:
    """Served columns worth a condition or a group: not the tenant, which is always the
    caller's own organization."""
    return [c for c in served_columns(model) if c.name != "organization_id"]


def attribute(model: type[Base], column: Column[Any]) -> str:
    return str(model.__mapper__.get_property_by_column(column).key)


def target_of(column: Column[Any]) -> type[Base]:
    referred = next(iter(column.foreign_keys)).column.table
    for mapper in Base.registry.mappers:
        if mapper.local_table is referred:
            return mapper.class_  # type: ignore[no-any-return]
    raise LookupError(f"{column.table.name}.{column.name} refers to an unmapped table")


@functools.cache
def enum_of(model: type[Base], column_name: str) -> Any:
    """The GraphQL enum of an enum column: `<Type><Column>`, values in upper snake case."""
    column = _table(model).columns[column_name]
    type_name = model.__name__
    members = {enum_value_name(v, column.name): v for v in column.info["values"]}
    python_enum = enum.Enum(f"{type_name}{pascal(column.name)}", members)  # type: ignore[misc]
    return strawberry.enum(
        python_enum, description=f"Allowed values of `{type_name}.{camel(column.name)}`."
    )


def _indexed(model: type[Base]) -> set[str]:
    """Columns an index serves: plain index columns, and those named in an index expression
    (`lower(last_name)`)."""
    table = _table(model)
    names = {c.name for index in table.indexes for c in index.columns}
    for index in table.indexes:
        for expression in index.expressions:
            text = str(expression)
            names |= {c.name for c in table.columns if re.search(rf"\b{c.name}\b", text)}
    return names


@functools.cache
def filterable(model: type[Base]) -> dict[str, tuple[Filterable, Any]]:
    """attribute -> (Filterable, filter input) for every filterable column, in column order."""
    found: dict[str, tuple[Filterable, Any]] = {}
    indexed = _indexed(model)
    for column in _queryable(model):
        key, kind = attribute(model, column), kind_of(column.type)
        if column.primary_key:
            found[key] = (Filterable(key, "id", model.__name__), IdFilter)
        elif column.foreign_keys:
            found[key] = (Filterable(key, "id", target_of(column).__name__), IdFilter)
        elif kind == "enum":
            found[key] = (Filterable(key, kind), enum_filter(enum_of(model, column.name)))
        elif kind in SCALAR_FILTERS and (kind != "text" or column.name in indexed):
            found[key] = (Filterable(key, kind), SCALAR_FILTERS[kind])
    return found


@functools.cache
def where_of(model: type[Base]) -> Any:
    return where_input(model.__name__, filterable(model))


@functools.cache
def orderable(model: type[Base]) -> dict[str, str]:
    """GraphQL enum value (upper snake case) -> attribute, for every orderable column."""
    return {
        column.name.upper(): attribute(model, column)
        for column in served_columns(model)
        if attribute(model, column) in filterable(model)
        and not column.foreign_keys
        and not column.primary_key
    }


@functools.cache
def order_of(model: type[Base]) -> Any:
    return order_input(model.__name__, orderable(model))


# --- aggregates ------------------------------------------------------------------------------


@strawberry.enum(description="The width of a date bucket (weeks start on Monday; UTC).")
class BucketUnit(enum.Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class AggregateTypes:
    """The aggregate types of one model, and which columns they cover."""

    group_field: Any  # enum: groupable columns
    date_field: Any  # enum: dated columns a bucket can use (every type has created_at)
    bucket: Any  # input {field, unit}
    keys: Any
    stats: Any | None  # one Float per numeric column, for avg/min/max/sum
    group: Any
    groupable: dict[str, str]  # enum value -> attribute
    dated: dict[str, str]
    numeric: list[str]  # attributes


def _object(name: str, description: str, fields: dict[str, tuple[Any, str]]) -> Any:
    namespace: dict[str, Any] = {"__annotations__": {}}
    for key, (annotation, text) in fields.items():
        namespace["__annotations__"][key] = annotation
        namespace[key] = strawberry.field(description=text or None)
    return strawberry.type(type(name, (), namespace), description=description)


@functools.cache
def aggregates_of(model: type[Base]) -> AggregateTypes:
    name, columns = model.__name__, _queryable(model)
    groupable: dict[str, str] = {}
    dated: dict[str, str] = {}
    numeric: list[str] = []
    keys: dict[str, tuple[Any, str]] = {}
    for column in columns:
        key, kind = attribute(model, column), kind_of(column.type)
        if column.primary_key:
            continue
        if column.foreign_keys:
            groupable[column.name.upper()] = key
            keys[key] = (strawberry.ID | None, f"`{camel(column.name)}`, as a global ID.")
        elif kind in ("enum", "boolean", "date"):
            groupable[column.name.upper()] = key
            scalar = (
                enum_of(model, column.name)
                if kind == "enum"
                else {"boolean": bool, "date": dt.date}[kind]
            )
            keys[key] = (scalar | None, f"`{camel(column.name)}` of the group.")
        if kind in DATED:
            dated[column.name.upper()] = key
        if kind in NUMERIC:
            numeric.append(key)
    group_enum: Any = enum.Enum(f"{name}GroupField", groupable or {"NONE": "none"})  # type: ignore[misc]
    group_field = strawberry.enum(group_enum, description=f"Columns {name} rows can be grouped by.")
    date_field: Any = None
    bucket: Any = None
    if dated:
        date_enum: Any = enum.Enum(f"{name}DateField", dated)  # type: ignore[misc]
        date_field = strawberry.enum(
            date_enum, description=f"Dated columns of {name} that can be bucketed."
        )
        bucket = strawberry.input(
            type(
                f"{name}Bucket", (), {"__annotations__": {"field": date_field, "unit": BucketUnit}}
            ),
            description=f"Group {name} rows by the day, week, month or year of a dated column.",
        )
        keys["bucket"] = (dt.date | None, "First day of the bucket (with `bucket:`).")
    keys_type = _object(
        f"{name}AggregateKeys", f"The values one group of {name} rows shares.", keys
    )
    stats = None
    group_fields: dict[str, tuple[Any, str]] = {
        "keys": (keys_type, "The grouped values (null for columns not grouped by)."),
        "count": (int, "Rows in the group."),
    }
    if numeric:
        stats = _object(
            f"{name}NumericStats",
            f"One figure per numeric column of {name} (null where no row has a value).",
            {key: (float | None, "") for key in numeric},
        )
        for figure in ("avg", "min", "max", "sum"):
            group_fields[figure] = (stats, f"The {figure} of each numeric column in the group.")
    group = _object(f"{name}AggregateGroup", f"One group of {name} rows.", group_fields)
    return AggregateTypes(
        group_field, date_field, bucket, keys_type, stats, group, groupable, dated, numeric
    )


_PYTHON_TYPES: dict[str, type] = {
    "text": str,
    "enum": str,
    "integer": int,
    "real": float,
    "decimal": __import__("decimal").Decimal,
    "boolean": bool,
    "timestamp": dt.datetime,
    "date": dt.date,
    "time": dt.time,
}


def python_type(model: type[Base], attribute_name: str) -> type:
    """The Python type of an attribute's values (for decoding cursors)."""
    column = getattr(model, attribute_name).property.columns[0]
    return _PYTHON_TYPES[kind_of(column.type)]
