"""What a list's rows will be asked for, read from the query before its SQL runs.

A list (root or nested) whose rows select to-one relations (`rpmReadings { nodes { device {
... } } }`) loads those related rows in the same statement (LEFT OUTER JOIN, tenant criteria
included) instead of one more statement per relation; the relation's resolver then finds the row
already loaded. Only plain to-one fields count; lists keep their own batched statement. The
rows, and the rows joined into them, load only the columns their selected fields read.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import RelationshipDirection, RelationshipProperty, joinedload, load_only
from sqlalchemy.orm.strategy_options import _AbstractLoad

from graph.companions import HIDDEN_COLUMNS
from graph.naming import camel
from models.base import Base

ROW_CONTAINERS = {"nodes": None, "edges": "node"}


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


def row_fields(field_nodes: Sequence[Any], fragments: dict[str, Any]) -> list[Any]:
    """The field nodes selected on the rows (`nodes { … }`, `edges { node { … } }`) of the
    connection these graphql-core field nodes select."""
    found: list[Any] = []
    for node in field_nodes:
        for container in _node_fields(node.selection_set, fragments):
            inner = ROW_CONTAINERS.get(container.name.value, "missing")
            if inner is None:
                found.extend(_node_fields(container.selection_set, fragments))
            elif inner != "missing":
                for edge_field in _node_fields(container.selection_set, fragments):
                    if edge_field.name.value == inner:
                        found.extend(_node_fields(edge_field.selection_set, fragments))
    return found


Columns = tuple[str, ...] | None  # attribute keys to load; None: all of them


@dataclass(frozen=True)
class RowShape:
    """What a list's statement loads of each row: its columns, and the to-one relations
    joined into it with their own columns. Hashable: loaders key on it, so two differently
    selected uses of one relation never share half-loaded rows."""

    columns: Columns = None
    joins: tuple[tuple[str, Columns], ...] = ()

    def options(self, entity: Any) -> list[_AbstractLoad]:
        """The loader options of this shape on `entity` (the model or an alias of it)."""
        found: list[_AbstractLoad] = []
        for key, columns in self.joins:
            attribute = getattr(entity, key)
            load = joinedload(attribute)
            if columns is not None:
                target = attribute.property.mapper.class_
                load = load.load_only(*(getattr(target, name) for name in columns))
            found.append(load)
        if self.columns is not None:
            found.append(load_only(*(getattr(entity, name) for name in self.columns)))
        return found


WHOLE_ROWS = RowShape()


def _join_always(relation: RelationshipProperty[Any]) -> list[str]:
    """What a joined row needs whatever is selected: its id, the key that joins it, and its
    patient (the audit trail)."""
    mapper = relation.mapper
    keys = ["id", *(mapper.get_property_by_column(c).key for c in relation.remote_side)]
    return keys + (["patient_id"] if "patient_id" in mapper.attrs else [])


def row_shape(
    field_nodes: Sequence[Any], fragments: dict[str, Any], model: type[Base], always: Iterable[str]
) -> RowShape:
    """The shape of the rows of the connection these field nodes select: only the columns
    its fields read (with `always`, what the server itself reads: keys, order, the patient
    for the audit), and its selected to-one relations joined, with only their columns."""
    rows = row_fields(field_nodes, fragments)
    names = {field.name.value for field in rows}
    candidates = joinable(model)
    joins = []
    for name in sorted(names & candidates.keys()):
        relation = candidates[name]
        selected = {
            inner.name.value
            for field in rows
            if field.name.value == name
            for inner in _node_fields(field.selection_set, fragments)
        }
        columns = _columns_for(selected, relation.mapper.class_, _join_always(relation))
        joins.append((relation.key, columns))
    return RowShape(_columns_for(names, model, always), tuple(joins))


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


def _columns_for(names: Iterable[str], model: type[Base], always: Iterable[str]) -> Columns:
    """The attributes rows must load to serve the fields `names` (with `always`), or None
    for all of them: a list of sessions that serves 6 fields need not load 40 columns, nor
    decode JSON nobody asked for."""
    needs = _field_needs(model)
    keys = set(always)
    for name in names:
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


_MISSING = object()


def loaded(row: Any, key: str) -> Any:
    """The related row the parent's statement already loaded, or _MISSING."""
    return row.__dict__.get(key, _MISSING)


__all__ = [
    "WHOLE_ROWS",
    "_MISSING",
    "joinable",
    "loaded",
    "row_shape",
]
