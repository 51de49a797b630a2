"""What a list's rows will be asked for, read from the query before its SQL runs.

A list (root or nested) whose rows select to-one relations (`rpmReadings { nodes { device {
... } } }`) loads those related rows in the same statement (LEFT OUTER JOIN, tenant criteria
included) instead of one more statement per relation; the relation's resolver then finds the row
already loaded. Only plain to-one fields count; lists keep their own batched statement.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import strawberry
from sqlalchemy.orm import RelationshipDirection, RelationshipProperty, joinedload
from sqlalchemy.orm.strategy_options import _AbstractLoad

from graph.companions import HIDDEN_COLUMNS
from graph.naming import camel
from models.base import Base

ROW_CONTAINERS = {"nodes": None, "edges": "node"}


def _fields(selections: Sequence[Any]) -> Iterator[Any]:
    """The fields of a selection set, fragments flattened."""
    for selection in selections:
        if getattr(selection, "arguments", None) is not None and hasattr(selection, "alias"):
            yield selection
        else:
            yield from _fields(getattr(selection, "selections", None) or [])


def _row_selections(info: strawberry.Info) -> Iterator[Any]:
    """The fields selected on the rows of the connection this resolver returns."""
    for field in info.selected_fields:
        for container in _fields(field.selections):
            inner = ROW_CONTAINERS.get(container.name, "missing")
            if inner is None:
                yield from _fields(container.selections)
            elif inner != "missing":
                for edge_field in _fields(container.selections):
                    if edge_field.name == inner:
                        yield from _fields(edge_field.selections)


def _node_fields(selection_set: Any, fragments: dict[str, Any]) -> Iterator[Any]:
    """The field nodes of a graphql-core selection set, fragments (inline or named) flattened.
    Directives are ignored: joining a relation a `@skip` leaves out costs a join, not a fault."""
    for selection in selection_set.selections if selection_set else ():
        kind = selection.kind
        if kind == "field":
            yield selection
        elif kind == "inline_fragment":
            yield from _node_fields(selection.selection_set, fragments)
        elif kind == "fragment_spread":
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from _node_fields(fragment.selection_set, fragments)


def row_field_names(field_nodes: Sequence[Any], fragments: dict[str, Any]) -> set[str]:
    """Names of the fields selected on the rows (`nodes { … }`, `edges { node { … } }`) of
    the connection these graphql-core field nodes select."""
    names: set[str] = set()
    for node in field_nodes:
        for container in _node_fields(node.selection_set, fragments):
            inner = ROW_CONTAINERS.get(container.name.value, "missing")
            if inner is None:
                names.update(f.name.value for f in _node_fields(container.selection_set, fragments))
            elif inner != "missing":
                for edge_field in _node_fields(container.selection_set, fragments):
                    if edge_field.name.value == inner:
                        rows = _node_fields(edge_field.selection_set, fragments)
                        names.update(f.name.value for f in rows)
    return names


def joined_relations(
    field_nodes: Sequence[Any], fragments: dict[str, Any], model: type[Base]
) -> tuple[str, ...]:
    """Relationship keys of the to-one relations the rows of this connection select (for
    nested lists, whose resolvers see graphql-core's field nodes)."""
    candidates = joinable(model)
    chosen = row_field_names(field_nodes, fragments) & candidates.keys()
    return tuple(sorted(candidates[name].key for name in chosen))


@functools.cache
def _field_needs(model: type[Base]) -> dict[str, tuple[str, ...]]:
    """GraphQL field of a row -> the attributes it reads: a column itself, a to-one relation
    its foreign key, a list (or its aggregate) the row's id. A field missing here (a computed
    one) may read anything: its row is loaded whole."""
    mapper = model.__mapper__
    needs: dict[str, tuple[str, ...]] = {"__typename": ()}
    for column in model.__table__.columns:  # type: ignore[attr-defined]
        key = mapper.get_property_by_column(column).key
        needs["id" if column.primary_key else camel(column.name)] = (key,)
    for relation in mapper.relationships:
        name = camel(relation.key)
        if relation.direction is RelationshipDirection.MANYTOONE:
            (local,) = relation.local_columns
            needs[name] = (mapper.get_property_by_column(local).key,)
        else:
            needs[name] = needs[f"{name}Aggregate"] = ("id",)
    return needs


def needed_columns(
    field_nodes: Sequence[Any], fragments: dict[str, Any], model: type[Base], always: Iterable[str]
) -> tuple[str, ...] | None:
    """The attributes the rows of this connection must load (with `always`, which the server
    itself reads: keys, order, the patient for the audit), or None for all of them: a list of
    sessions that serves 6 fields need not load 40 columns, nor decode JSON nobody asked for."""
    needs = _field_needs(model)
    keys = set(always)
    for name in row_field_names(field_nodes, fragments):
        found = needs.get(name)
        if found is None:
            return None
        keys.update(found)
    return tuple(sorted(keys))


@functools.cache
def joinable(model: type[Base]) -> dict[str, RelationshipProperty[Any]]:
    """GraphQL field name -> to-one relationship that a row's statement can join."""
    found: dict[str, RelationshipProperty[Any]] = {}
    for relation in model.__mapper__.relationships:
        if relation.direction is RelationshipDirection.MANYTOONE:
            (column,) = relation.local_columns
            if column.name not in HIDDEN_COLUMNS:
                found[camel(relation.key)] = relation
        elif relation.direction is RelationshipDirection.ONETOMANY and not relation.uselist:
            found[camel(relation.key)] = relation
    return found


def joined_loads(info: strawberry.Info, model: type[Base]) -> list[_AbstractLoad]:
    """`joinedload` options for the to-one relations the query selects on the rows."""
    candidates = joinable(model)
    chosen = {field.name for field in _row_selections(info) if field.name in candidates}
    return [joinedload(getattr(model, candidates[name].key)) for name in sorted(chosen)]


_MISSING = object()


def loaded(row: Any, key: str) -> Any:
    """The related row the parent's statement already loaded, or _MISSING."""
    return row.__dict__.get(key, _MISSING)


__all__ = [
    "_MISSING",
    "joinable",
    "joined_loads",
    "joined_relations",
    "loaded",
    "needed_columns",
]
