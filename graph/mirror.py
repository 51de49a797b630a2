"""GraphQL object types mirrored from the models by one mechanism.

Every column becomes a camelCase field of the matching scalar with the column's nullability
and its spec description (with unit) as the field description; enum columns become GraphQL
enums; columns marked sensitive in the spec never appear. Scalars resolve by plain attribute
access. Ids are opaque global IDs (`graph.ids`). Every foreign key adds an object field
(`session.machine`), and every foreign key into a table other than users/organizations adds a
list field on the referenced type (`patient.dialysisSessions`, `machine.dialysisSessions`),
all through the request's dataloaders. Domain code adds computed fields with `@extend(Model)`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from sqlalchemy import Column, Table
from strawberry.scalars import JSON
from strawberry.types.field import StrawberryField

from graph.dataloaders import model_of_table
from graph.ids import encode
from graph.naming import camel, enum_value_name, lower_first, pascal, plural, relation_field
from graph.pagination import NESTED_DEFAULT, check_page
from models.base import Base
from models.core import Organization, User
from models.types import kind_of

SCALARS: dict[str, Any] = {
    "text": str,
    "integer": int,
    "real": float,
    "decimal": Decimal,
    "boolean": bool,
    "timestamp": dt.datetime,
    "date": dt.date,
    "time": dt.time,
    "json": JSON,
}
HIDDEN_COLUMNS = frozenset({"deleted_at", "deleted_by"})  # soft-deleted rows are never served
NO_REVERSE_LISTS = (User, Organization)  # too wide to list from a user or an organization
NO_REVERSE_LISTS_FROM = ("AuditEvent",)  # the audit log is not part of a chart

ID_DESCRIPTION = "Opaque global ID of the {}; refetch it with `node(id:)`."

Limit = Annotated[int, strawberry.argument(description="Rows per parent (1 to 100).")]
Offset = Annotated[int, strawberry.argument(description="Rows to skip per parent.")]

_extensions: dict[type[Base], list[type]] = defaultdict(list)


def extend(model: type[Base]) -> Callable[[type], type]:
    """Register a class whose strawberry fields are added to the model's mirrored type."""

    def register(cls: type) -> type:
        _extensions[model].append(cls)
        return cls

    return register


@strawberry.interface(description="An object with an opaque global ID, refetchable by `node`.")
class Node:
    id: strawberry.ID


def _table(model: type[Base]) -> Table:
    return model.__table__  # type: ignore[return-value]


def _nullable(annotation: Any, column: Column[Any]) -> Any:
    return annotation | None if column.nullable else annotation


def _global_id(type_name: str, key: str, nullable: bool) -> Callable[..., Any]:
    def resolve(root: Any) -> Any:
        value = getattr(root, key)
        return None if value is None else strawberry.ID(encode(type_name, value))

    returns = strawberry.ID | None if nullable else strawberry.ID
    resolve.__annotations__ = {"root": Any, "return": returns}
    return resolve


def _to_one(target: type[Base], key: str, types: dict[type[Base], type]) -> Callable[..., Any]:
    async def resolve(root: Any, info: strawberry.Info) -> Any:
        value = getattr(root, key)
        return None if value is None else await info.context.loaders.by_id(target).load(value)

    resolve.__annotations__ = {"root": Any, "info": strawberry.Info, "return": types[target] | None}
    return resolve


def _to_many(child: type[Base], key: str, types: dict[type[Base], type]) -> Callable[..., Any]:
    async def resolve(
        root: Any, info: strawberry.Info, limit: int = NESTED_DEFAULT, offset: int = 0
    ) -> Any:
        check_page(limit, offset, nested=True)
        return await info.context.loaders.by_foreign_key(child, key, limit, offset).load(root.id)

    resolve.__annotations__ = {
        "root": Any,
        "info": strawberry.Info,
        "limit": Limit,
        "offset": Offset,
        "return": list[types[child]],  # type: ignore[valid-type]
    }
    return resolve


def _to_unique(child: type[Base], key: str, types: dict[type[Base], type]) -> Callable[..., Any]:
    async def resolve(root: Any, info: strawberry.Info) -> Any:
        rows = await info.context.loaders.by_foreign_key(child, key, 1).load(root.id)
        return rows[0] if rows else None

    resolve.__annotations__ = {"root": Any, "info": strawberry.Info, "return": types[child] | None}
    return resolve


def _enum(type_name: str, column: Column[Any]) -> Any:
    members = {enum_value_name(v, column.name): v for v in column.info["values"]}
    python_enum = enum.Enum(f"{type_name}{pascal(column.name)}", members)  # type: ignore[misc]
    return strawberry.enum(
        python_enum, description=f"Allowed values of `{type_name}.{camel(column.name)}`."
    )


def _column_fields(model: type[Base], namespace: dict[str, Any]) -> None:
    type_name = model.__name__
    annotations = namespace["__annotations__"]
    for column in _table(model).columns:
        if column.info.get("sensitive") or column.name in HIDDEN_COLUMNS:
            continue
        key = model.__mapper__.get_property_by_column(column).key
        field_name = "id" if column.primary_key else camel(column.name)
        description = ID_DESCRIPTION.format(type_name) if column.primary_key else column.comment
        options: dict[str, Any] = {"name": field_name, "description": description}
        if column.primary_key or column.foreign_keys:
            target = type_name
            if column.foreign_keys:
                target = model_of_table(next(iter(column.foreign_keys)).column.table).__name__
            resolver = _global_id(target, key, bool(column.nullable))
            namespace[key] = strawberry.field(resolver=resolver, **options)
            continue
        kind = kind_of(column.type)
        scalar = _enum(type_name, column) if kind == "enum" else SCALARS[kind]
        annotations[key] = _nullable(scalar, column)
        namespace[key] = strawberry.field(**options)


def _is_unique_per_parent(child: type[Base], column: Column[Any]) -> bool:
    table: Table = child.__table__  # type: ignore[assignment]
    for index in table.indexes:
        names = [c.name for c in index.columns]
        if index.unique and names in ([column.name], ["organization_id", column.name]):
            return True
    return False


def _relation_fields(model: type[Base], types: dict[type[Base], type]) -> dict[str, Any]:
    """Object fields for the model's own foreign keys."""
    fields: dict[str, Any] = {}
    for column in _table(model).columns:
        if not column.foreign_keys or column.name in HIDDEN_COLUMNS:
            continue
        target = model_of_table(next(iter(column.foreign_keys)).column.table)
        key = model.__mapper__.get_property_by_column(column).key
        name = relation_field(column.name)
        fields[f"rel_{name}"] = strawberry.field(
            resolver=_to_one(target, key, types),
            name=name,
            description=f"The {target.__name__} that `{camel(column.name)}` refers to.",
        )
    return fields


def _reverse_fields(types: dict[type[Base], type]) -> dict[type[Base], dict[str, Any]]:
    """List (or single, where unique) fields on each referenced type."""
    found: dict[type[Base], dict[str, Any]] = defaultdict(dict)
    edges = []
    for child in types:
        if child.__name__ in NO_REVERSE_LISTS_FROM:
            continue
        for column in _table(child).columns:
            if not column.foreign_keys or column.name in HIDDEN_COLUMNS:
                continue
            parent = model_of_table(next(iter(column.foreign_keys)).column.table)
            if parent not in NO_REVERSE_LISTS:
                edges.append((child, column, parent))
    per_pair: dict[tuple[type[Base], type[Base]], int] = defaultdict(int)
    for child, _column, parent in edges:
        per_pair[(child, parent)] += 1
    for child, column, parent in edges:
        key = child.__mapper__.get_property_by_column(column).key
        unique = _is_unique_per_parent(child, column)
        name = lower_first(child.__name__ if unique else plural(child.__name__))
        if per_pair[(child, parent)] > 1:
            name += "By" + pascal(relation_field(column.name))
        make = _to_unique if unique else _to_many
        found[parent][f"rev_{name}"] = strawberry.field(
            resolver=make(child, key, types),
            name=name,
            description=(
                f"The {child.__name__} whose `{camel(column.name)}` is this {parent.__name__}."
                if unique
                else f"{plural(child.__name__)} whose `{camel(column.name)}` is this "
                f"{parent.__name__}, newest first."
            ),
        )
    return found


def _extension_fields(model: type[Base], namespace: dict[str, Any]) -> None:
    for extra in _extensions.get(model, ()):
        for name, value in vars(extra).items():
            if isinstance(value, StrawberryField):
                namespace[name] = value
        namespace["__annotations__"].update(getattr(extra, "__annotations__", {}))


def mirror_types(models: list[type[Base]]) -> dict[type[Base], type]:
    """One strawberry type per model, named like the model, all relations wired."""
    types: dict[type[Base], type] = {}
    namespaces: dict[type[Base], dict[str, Any]] = {}
    for model in models:
        namespace: dict[str, Any] = {"__annotations__": {}, "__module__": __name__}
        _column_fields(model, namespace)
        namespace["is_type_of"] = classmethod(lambda cls, obj, _info, m=model: isinstance(obj, m))
        namespaces[model] = namespace
        types[model] = type(model.__name__, (Node,), namespace)
    reverse = _reverse_fields(types)
    for model, cls in types.items():
        extra = {**_relation_fields(model, types), **reverse.get(model, {})}
        for name, value in extra.items():
            setattr(cls, name, value)
        _extension_fields(model, namespaces[model])
        for name, value in namespaces[model].items():
            if isinstance(value, StrawberryField) and name not in cls.__dict__:
                setattr(cls, name, value)
        cls.__annotations__.update(namespaces[model]["__annotations__"])
        table: Table = model.__table__  # type: ignore[assignment]
        strawberry.type(cls, name=model.__name__, description=table.comment)
    return types
