"""`@mirrored(Model)`: a visible GraphQL type declaration whose fields come from the model.

Each domain declares its types in `graph/<domain>/types.py`:

    @mirrored(models.DialysisSession, order=[desc("session_date")])
    class DialysisSession:
        @strawberry.field(description="Weight removed by the session. Unit: kg.")
        def weight_loss(self) -> float | None: ...

The mirror fills in every column as a camelCase field of the matching scalar, with the
column's nullability and its spec description (with unit); enum columns become GraphQL enums;
columns marked sensitive never appear. Scalars resolve by plain attribute access. Ids and
foreign-key ids are opaque global IDs. Every relationship of the model becomes a field under
the relationship's own name: many-to-one as an object, one-to-many as a paged list (or a single
object where the model says `uselist=False`), loaded through the request's dataloaders. The
declaration pins what must not move by accident (the list order); computed fields are
ordinary methods of it, and a name that clashes with a mirrored field is an error here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import strawberry
from sqlalchemy import Table
from sqlalchemy.orm import RelationshipDirection, RelationshipProperty, configure_mappers
from strawberry.scalars import JSON
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

from graph.companions import HIDDEN_COLUMNS, enum_of, target_of
from graph.ids import encode
from graph.naming import camel
from graph.ordering import Sort, pin_order
from graph.permissions import Roles, column_rule, read_rule, with_rule
from graph.relations import aggregate, to_many, to_one, to_single
from graph.rows import light_class
from graph.steps import root_only
from models.base import Base
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
ID_DESCRIPTION = "Opaque global ID of the {}; refetch it with `node(id:)`."


class MirrorError(TypeError):
    """A declaration that cannot be mirrored as written (raised at import, never at runtime)."""


@dataclass(frozen=True)
class Declared:
    """What the schema knows of a declared type."""

    model: type[Base]
    type: type
    order: tuple[Sort, ...]
    read: Roles


DECLARED: dict[type[Base], Declared] = {}
_BY_TYPE: dict[type, Declared] = {}
_BY_NAME: dict[str, Declared] = {}


def declaration_of(model: type[Base]) -> Declared:
    try:
        return DECLARED[model]
    except KeyError:
        raise MirrorError(f"{model.__name__} has no @mirrored declaration") from None


def declaration_of_type(type_: type) -> Declared:
    try:
        return _BY_TYPE[type_]
    except KeyError:
        raise MirrorError(f"{type_.__name__} is not a @mirrored type") from None


def declaration_named(type_name: str) -> Declared | None:
    """The declared type of this GraphQL name (for `node`), if any."""
    return _BY_NAME.get(type_name)


@strawberry.interface(description="An object with an opaque global ID, refetchable by `node`.")
class Node:
    id: strawberry.ID


def _table(model: type[Base]) -> Table:
    return model.__table__  # type: ignore[return-value]


def _global_id(type_name: str, key: str, nullable: bool) -> Callable[..., Any]:
    def resolve(root: Any) -> Any:
        value = getattr(root, key)
        return None if value is None else strawberry.ID(encode(type_name, value))

    returns = strawberry.ID | None if nullable else strawberry.ID
    resolve.__annotations__ = {"root": Any, "return": returns}
    return root_only(resolve)


def _column_fields(model: type[Base], namespace: dict[str, Any]) -> None:
    type_name = model.__name__
    annotations = namespace["__annotations__"]
    for column in _table(model).columns:
        if column.info.get("sensitive") or column.name in HIDDEN_COLUMNS:
            continue
        key = model.__mapper__.get_property_by_column(column).key
        field_name = "id" if column.primary_key else camel(column.name)
        description = ID_DESCRIPTION.format(type_name) if column.primary_key else column.comment
        options: dict[str, Any] = {"name": field_name}
        options |= with_rule(description, column_rule(model, column))
        if column.primary_key or column.foreign_keys:
            target = type_name
            if column.foreign_keys:
                target = target_of(column).__name__
            resolver = _global_id(target, key, bool(column.nullable))
            namespace[key] = strawberry.field(resolver=resolver, **options)
            continue
        kind = kind_of(column.type)
        scalar = enum_of(model, column.name) if kind == "enum" else SCALARS[kind]
        annotations[key] = scalar | None if column.nullable else scalar
        namespace[key] = strawberry.field(**options)


def _position(model: type[Base], column: Any) -> int:
    return [c.name for c in _table(model).columns].index(column.name)


def _relation_fields(model: type[Base], namespace: dict[str, Any], aggregates: bool) -> None:
    """Many-to-one relationships in column order, then one-to-many ones by child type (with
    their `...Aggregate` field when the declaration asks for aggregates)."""
    singles: list[tuple[tuple[str, int], RelationshipProperty[Any]]] = []
    lists: list[tuple[tuple[str, int], RelationshipProperty[Any]]] = []
    for relation in model.__mapper__.relationships:
        if relation.direction is RelationshipDirection.MANYTOONE:
            (column,) = relation.local_columns
            if column.name not in HIDDEN_COLUMNS:
                singles.append((("", _position(model, column)), relation))
        elif relation.direction is RelationshipDirection.ONETOMANY:
            child = relation.mapper.class_
            (column,) = relation.remote_side
            lists.append(((child.__name__, _position(child, column)), relation))
        else:
            raise MirrorError(f"{model.__name__}.{relation.key}: many-to-many is not mirrored")
    for _key, relation in sorted(singles, key=lambda item: item[0]):
        namespace[f"rel_{relation.key}"] = to_one(relation)
    for _key, relation in sorted(lists, key=lambda item: item[0]):
        if not relation.uselist:
            namespace[f"rel_{relation.key}"] = to_single(relation)
            continue
        namespace[f"rel_{relation.key}"] = to_many(relation)
        if aggregates:
            namespace[f"agg_{relation.key}"] = aggregate(relation)


def _graphql_names(namespace: dict[str, Any]) -> set[str]:
    return {
        value.graphql_name or to_camel_case(name)
        for name, value in namespace.items()
        if isinstance(value, StrawberryField)
    } | {"id"}


def _add_declared(declaration: type, namespace: dict[str, Any]) -> None:
    """The declaration's own members; a field named like a mirrored one is refused."""
    taken = _graphql_names(namespace)
    for name, value in vars(declaration).items():
        if name in ("__dict__", "__weakref__", "__annotations__"):
            continue
        if isinstance(value, StrawberryField):
            graphql_name = value.graphql_name or to_camel_case(name)
            if graphql_name in taken or name in namespace:
                raise MirrorError(
                    f"{declaration.__module__}.{declaration.__name__}.{name}: the field "
                    f"`{graphql_name}` is already mirrored from {declaration.__name__}'s "
                    "model; rename the computed field"
                )
        namespace.setdefault(name, value)
    for name, annotation in vars(declaration).get("__annotations__", {}).items():
        if name in namespace["__annotations__"] or to_camel_case(name) in taken:
            raise MirrorError(f"{declaration.__name__}.{name} clashes with a mirrored field")
        namespace["__annotations__"][name] = annotation


def mirrored(
    model: type[Base],
    *,
    order: Sequence[Sort],
    read: Roles | None = None,
    aggregates: bool = False,
) -> Callable[[type], type]:
    """Declare the GraphQL type of `model`: named like the model, described by its table
    comment, listed in `order` (then by id), readable by `read` roles (default: the role
    matrix of graph/permissions.py); with `aggregates`, each of its lists also gets a
    `<list>Aggregate` field."""

    def declare(declaration: type) -> type:
        configure_mappers()
        if declaration.__name__ != model.__name__:
            raise MirrorError(f"declare {model.__name__} as `class {model.__name__}`")
        if model in DECLARED:
            raise MirrorError(f"{model.__name__} is declared twice")
        namespace: dict[str, Any] = {
            "__annotations__": {},
            "__module__": declaration.__module__,
            "__qualname__": declaration.__qualname__,
            "__doc__": declaration.__doc__,
        }
        _column_fields(model, namespace)
        _relation_fields(model, namespace, aggregates)
        _add_declared(declaration, namespace)
        kinds = (model, light_class(model))  # ORM rows and light rows (graph/rows.py)
        namespace["is_type_of"] = classmethod(lambda cls, obj, _info: isinstance(obj, kinds))
        bases = tuple(base for base in declaration.__bases__ if base is not object)
        cls = type(declaration.__name__, (*bases, Node), namespace)
        pin_order(model, order)
        typed = strawberry.type(cls, name=model.__name__, description=_table(model).comment)
        rule = read if read is not None else read_rule(model)
        declared = Declared(model=model, type=typed, order=tuple(order), read=rule)
        DECLARED[model] = _BY_TYPE[typed] = _BY_NAME[model.__name__] = declared
        return typed

    return declare


__all__ = [
    "DECLARED",
    "Declared",
    "MirrorError",
    "Node",
    "declaration_named",
    "declaration_of",
    "declaration_of_type",
    "mirrored",
]
