"""Leaf fields read inline: a column, a global ID or `__typename` is `getattr` (or a resolver
that reads only its row) plus the type's `serialize`, without graphql-core's per-field
machinery (graph/execution.py plans them once per selection and request).

A step returns `(done, value)`: not done means graphql-core executes the field instead (a
null in a non-null field, a value that does not serialize), so answers and errors are
exactly graphql-core's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLObjectType,
    Undefined,
    get_nullable_type,
    is_leaf_type,
    is_non_null_type,
)

from graph.permissions import RolePermission

DEFINITION = "strawberry-definition"  # where Strawberry keeps a GraphQL field's definition
Step = Callable[[Any], tuple[bool, Any]]  # row -> (done, serialized value)


def root_only(resolver: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Mark a resolver that reads only its row (no info, no arguments, no side effect)."""
    resolver._perfex_root_only = True  # type: ignore[attr-defined]
    return resolver


def _role_rule(definition: Any) -> Any:
    """The `Roles` rule of a field whose one extension is the role permission of
    graph/permissions.py (a column the analyst may not read), else None."""
    if len(definition.extensions) != 1:
        return None
    extension = definition.extensions[0]
    permissions: list[Any] = list(getattr(extension, "permissions", ()))
    if len(permissions) == 1 and isinstance(permissions[0], RolePermission):
        return permissions[0].rule
    return None


def row_reader(field_def: Any, principal: Any = None) -> Callable[[Any], Any] | None:
    """How to read the field's value from its row, when that is all there is to it: a column
    (or a global ID), without extensions, or with a role rule this principal passes (checked
    once per request here; a principal it refuses goes through graphql-core and Strawberry's
    permission check, which answers FORBIDDEN)."""
    definition = (field_def.extensions or {}).get(DEFINITION)
    if definition is None or definition.permission_classes:
        return None
    if definition.extensions:
        rule = _role_rule(definition)
        if rule is None or principal is None or not rule.allows(principal):
            return None
    if definition.is_basic_field or definition.base_resolver is None:  # a plain attribute
        name = definition.python_name
        return lambda row: getattr(row, name)
    base = definition.base_resolver
    wrapped = getattr(base, "wrapped_func", None)
    if wrapped is not None and getattr(wrapped, "_perfex_root_only", False):
        return wrapped  # type: ignore[no-any-return]
    return None


def leaf_step(parent_type: GraphQLObjectType, details: Any, principal: Any = None) -> Step | None:
    """The inline step of a leaf field (a column, a global ID, `__typename`), or None."""
    node = details[0].node
    name = node.name.value
    if name == "__typename":
        type_name = parent_type.name
        return lambda _row: (True, type_name)
    field_def = parent_type.fields.get(name)
    if field_def is None or node.arguments or field_def.args:
        return None
    leaf = get_nullable_type(field_def.type)
    read = row_reader(field_def, principal)
    if read is None or not is_leaf_type(leaf):
        return None
    serialize, non_null = leaf.serialize, is_non_null_type(field_def.type)

    def step(row: Any) -> tuple[bool, Any]:
        value = read(row)
        if value is None:
            return (not non_null, None)  # a null in a non-null field: graphql-core says so
        try:
            serialized = serialize(value)
        except Exception:  # graphql-core reports it as the field's error
            return (False, None)
        return (serialized is not None and serialized is not Undefined, serialized)

    return step
