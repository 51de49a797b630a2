"""Relations loaded for a whole list before its items complete.

graphql-core completes a list item by item, and each item's relation fields ask their loader
for that item alone: the loader batches them into one statement, but only after every item
has returned an awaitable, so each of 100 patients costs a coroutine per relation field and
a gathered task per row (most of the roster's framework time). Here the list first asks each
relation field of its item type (a resolver with a `prefetch`, graph/relations.py) to load the
values of all its items, awaits those batches once, and then completes the items: their
relation resolvers find their values in the loaders and answer without awaiting.

A prefetch that fails (a refused role, a bad argument, a database error) is ignored here: the
items' own resolvers then meet the same refusal, or load again (a failed batch is not kept
by its loader), and report it each at its own path, exactly as without the prefetch.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from graphql import GraphQLObjectType, get_nullable_type


def settled(future: Any, then: Callable[[Any], Any] | None = None) -> Any:
    """A loader's value without awaiting when its batch has run (then `then(value)`), else an
    awaitable of the same."""
    if future.done():
        value = future.result()  # raises the batch's error, as awaiting would
        return then(value) if then is not None else value
    if then is None:
        return future

    async def later() -> Any:
        return then(await future)

    return later()


def load_all(loader: Any, keys: Iterable[Any]) -> Any:
    """Starts loading `keys`: what to await for them, or None when the loader has them all."""
    pending = [future for future in map(loader.load, keys) if not future.done()]
    return asyncio.gather(*pending) if pending else None


def item_object_type(return_type: Any) -> GraphQLObjectType | None:
    """The object type of a list's items, or None (a list of scalars, or of an abstract
    type, has nothing to prefetch)."""
    return item_object_type_of(get_nullable_type(return_type).of_type)


def item_object_type_of(item_type: Any) -> GraphQLObjectType | None:
    item = get_nullable_type(item_type)
    return item if isinstance(item, GraphQLObjectType) else None


def prefetching_fields(item_type: GraphQLObjectType, grouped_field_set: Any) -> list[Any]:
    """The fields of a selection on `item_type` whose resolver has a `prefetch`."""
    found = []
    for field_details in grouped_field_set.values():
        field_def = item_type.fields.get(field_details[0].node.name.value)
        if field_def is not None and hasattr(field_def.resolve, "prefetch"):
            found.append(field_details)
    return found


def start_prefetches(
    context: Any, item_type: GraphQLObjectType, fields: list[Any], items: list[Any]
) -> list[Awaitable[Any]]:
    """Starts the batches of the relation `fields` (see prefetching_fields) selected on the
    items (of the execution `context`, graph/execution.py); returns what to await before
    completing them: nothing when every value is loaded already."""
    waits: list[Awaitable[Any]] = []
    parents = [item for item in items if item is not None]
    if not parents:
        return waits
    first = parents[0].__dict__
    for field_details in fields:
        field_def = item_type.fields[field_details[0].node.name.value]
        prefetch = field_def.resolve.prefetch
        if prefetch.joined_as is not None and prefetch.joined_as in first:
            continue  # joined by the rows' statement (the items of a list share one)
        info = context.field_info(item_type, field_def, field_details)
        wait = None
        # A refusal or a bad argument: the items' resolvers report it at their paths.
        with contextlib.suppress(Exception):
            arguments = context.argument_values(field_def, field_details[0])
            wait = prefetch(parents, info, arguments)
        if wait is not None:
            if isinstance(wait, asyncio.Future):
                wait.add_done_callback(_retrieved)
            waits.append(wait)
    return waits


def _retrieved(future: asyncio.Future[Any]) -> None:
    """Marks a batch's failure as seen: a batch started for a list that graphql-core then
    completes itself may never be awaited, and asyncio would log the unretrieved error,
    whose message can hold patient data (the items' resolvers report it properly)."""
    if not future.cancelled():
        future.exception()


async def settle(waits: list[Awaitable[Any]]) -> None:
    """Awaits the batches; a failure is left for the items' resolvers to report."""
    for wait in waits:
        with contextlib.suppress(Exception):  # reported by the items' resolvers
            await wait
