"""Whole sub-trees completed without graphql-core's per-field machinery, when nothing in them
can go wrong.

graphql-core completes every object of an answer through about ten calls (list item, value,
object, type check, sub-field collection, incremental bookkeeping, fields, field, resolve
info, resolver) and awaits whatever a resolver returns. In a dashboard answer almost every
object is a row whose fields are columns (graph/execution.py reads those inline) or relations
whose values are already loaded (graph/relations.py, graph/prefetch.py). For such a field the
value is read here, and completed directly: lists item by item, objects through the plan of
their selection, leaves through their type's `serialize`.

Anything else (an awaitable, a resolver that raises, a null in a non-null field, a value of
the wrong type, an abstract type, a deferred fragment, a list whose items need loading first)
abandons the direct completion of that field, which graphql-core then executes as usual from
the start: its answers and errors, paths included, are exactly graphql-core's.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)

Step = Callable[[Any], tuple[bool, Any]]  # row -> (done, completed value)


class Abandon(Exception):
    """The direct completion of a field gives up; graphql-core completes it instead. Raised
    as a new instance each time: an instance raised again keeps every earlier traceback,
    and with it the frames (and rows) of every earlier request."""


def _drop(value: Any) -> None:
    """Closes an abandoned coroutine (graphql-core calls the resolver again)."""
    if inspect.iscoroutine(value):
        value.close()


def complete(context: Any, return_type: Any, details_list: Any, value: Any) -> Any:
    """The completed value of `value` for `return_type`, or raises Abandon."""
    if value is None:
        if is_non_null_type(return_type):
            raise Abandon
        return None
    if is_non_null_type(return_type):
        return_type = return_type.of_type
    if context.is_awaitable(value):
        _drop(value)
        raise Abandon
    if is_list_type(return_type):
        if not isinstance(value, list | tuple):
            raise Abandon
        item_type = return_type.of_type
        if value and context.list_needs_loading(item_type, details_list, value):
            raise Abandon
        return [complete(context, item_type, details_list, item) for item in value]
    if is_leaf_type(return_type):
        try:
            serialized = return_type.serialize(value)
        except Exception:
            raise Abandon from None
        if serialized is None or serialized is Undefined:
            raise Abandon
        return serialized
    if not isinstance(return_type, GraphQLObjectType):
        raise Abandon  # an interface or union: graphql-core resolves the type
    is_type_of = return_type.is_type_of
    if is_type_of is not None and is_type_of(value, None) is not True:  # type: ignore[arg-type]
        raise Abandon
    grouped_field_set, defers, _ = context.collect_subfields(return_type, details_list)
    if defers:
        raise Abandon
    steps = context.plan(return_type, grouped_field_set)
    if len(steps) != len(grouped_field_set):
        raise Abandon
    completed = {}
    for response_name, step in steps.items():
        done, field_value = step(value)
        if not done:
            raise Abandon
        completed[response_name] = field_value
    return completed


ABANDONED = object()


def complete_items(context: Any, return_type: Any, details_list: Any, items: list[Any]) -> Any:
    """A list's items completed directly, their relations loaded already; ABANDONED when
    one of them cannot be, for whatever reason (graphql-core then completes the whole list,
    and reports what went wrong at its path)."""
    item_type = (return_type.of_type if is_non_null_type(return_type) else return_type).of_type
    try:
        return [complete(context, item_type, details_list, item) for item in items]
    except Exception:
        return ABANDONED


def object_step(
    context: Any,
    parent_type: GraphQLObjectType,
    field_def: Any,
    details_list: Any,
    read: Callable[[Any], Any] | None,
) -> Step | None:
    """The step of a field whose value is an object or a list: `read(row)` when it only
    reads the row, else the field's graphql-core resolver (graph/relations.py) called with
    one resolve info and the coerced arguments of this field node."""
    if read is None:
        resolve = field_def.resolve
        if resolve is None or not hasattr(resolve, "prefetch"):
            return None
        info = context.field_info(parent_type, field_def, details_list)
        node = details_list[0]
        given = field_def.args or node.node.arguments
        arguments = context.argument_values(field_def, node) if given else {}

        def read_by_resolver(row: Any) -> Any:
            return resolve(row, info, **arguments)

        read = read_by_resolver
    return_type = field_def.type

    def step(row: Any) -> tuple[bool, Any]:
        try:
            return True, complete(context, return_type, details_list, read(row))
        except Exception:
            return False, None

    return step
