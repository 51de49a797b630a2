"""Mutation inputs made from the model's columns, so their fields are the record's fields.

`column_input` builds a Strawberry input whose fields are the named columns in camelCase,
typed as the record's fields are (enums are the same GraphQL enums, foreign keys are global
IDs) and described with the column's description plus its accepted range. Optional fields
default to UNSET, so an update can tell "not given" from "set to null". `values_of` turns a
given input into column values (no SQL); `Write.get` then resolves the foreign keys in the
caller's organization (`resolve_references`).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, cast

import strawberry
from sqlalchemy import Table

from graph.companions import enum_of, target_of
from graph.mirror import SCALARS
from graph.mutations import Checks, Range, Write, reference
from graph.naming import camel
from models.base import Base
from models.types import kind_of


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def column_input(
    name: str,
    model: type[Base],
    columns: Sequence[str],
    *,
    description: str,
    required: Sequence[str] = (),
    ranges: dict[str, Range] | None = None,
    notes: dict[str, str] | None = None,
    lead: dict[str, tuple[Any, str]] | None = None,
    trail: dict[str, tuple[Any, str]] | None = None,
) -> type:
    """An input type `name`: `lead` fields first (python name -> (type, description), always
    required, e.g. the `id` of the row to change), then `columns` (required ones non-null),
    then `trail` fields (optional, null by default, e.g. the version the client read)."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__annotations__": annotations, "__doc__": description}
    for key, (type_, text) in (lead or {}).items():
        annotations[key] = type_
        namespace[key] = strawberry.field(description=text)
    ordered = [c for c in columns if c in required] + [c for c in columns if c not in required]
    for column_name in ordered:
        column = _table(model).columns[column_name]
        kind = kind_of(column.type)
        if column.foreign_keys:
            scalar: Any = strawberry.ID
            text = f"Global ID of the {target_of(column).__name__}."
        else:
            scalar = enum_of(model, column_name) if kind == "enum" else SCALARS[kind]
            text = column.comment or ""
        if ranges and column_name in ranges:
            text = ranges[column_name].describe(text)
        if notes and column_name in notes:
            text = f"{text} {notes[column_name]}".strip()
        key = model.__mapper__.get_property_by_column(column).key
        if column_name in required:
            annotations[key] = scalar
            namespace[key] = strawberry.field(name=camel(column_name), description=text or None)
        else:
            annotations[key] = scalar | None
            namespace[key] = strawberry.field(
                name=camel(column_name), description=text or None, default=strawberry.UNSET
            )
    for key, (type_, text) in (trail or {}).items():
        annotations[key] = type_ | None
        namespace[key] = strawberry.field(description=text, default=None)
    return strawberry.input(type(name, (), namespace), name=name, description=description)


def values_of(data: Any, model: type[Base], checks: Checks) -> dict[str, Any]:
    """attribute -> value of the columns given in `data` (UNSET ones left out): enums as
    their stored value, instants checked (aware, not in the future), ranges not yet."""
    values: dict[str, Any] = {}
    mapper = model.__mapper__
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        value = getattr(data, prop.key, strawberry.UNSET)
        if value is strawberry.UNSET or column.primary_key:  # `id` names the row to change
            continue
        if isinstance(value, enum.Enum):
            value = value.value
        elif kind_of(column.type) == "timestamp" and not column.foreign_keys:
            value = checks.instant(camel(column.name), value)
        elif isinstance(value, str) and not column.foreign_keys:
            value = value.strip() or None
        values[prop.key] = value
    return values


async def resolve_references(
    write: Write, model: type[Base], values: dict[str, Any]
) -> dict[str, Any]:
    """Replace each foreign key's global ID in `values` by the row id, after finding the row in
    the caller's organization (NOT_FOUND otherwise, another organization's row included).
    Returns attribute -> the referenced row."""
    found: dict[str, Any] = {}
    mapper = model.__mapper__
    for key, value in list(values.items()):
        column: Any = mapper.column_attrs[key].columns[0]
        if not column.foreign_keys or value is None:
            continue
        target = target_of(column)
        field_name = camel(column.name)
        row_id = reference(field_name, str(value), target.__name__)
        found[key] = await write.get(target, row_id, field_name)
        values[key] = row_id
    return found


__all__ = ["column_input", "resolve_references", "values_of"]
