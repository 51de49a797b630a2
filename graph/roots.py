"""Root fields every declared type gets from its domain's `queries.py`: one by global ID, one
connection (`first/after/last/before`, `where`, `orderBy`) and one aggregate. They read
through the request's tenant-scoped session, so they see one organization's rows only, and
never filter by organization themselves; a type declared with `read=Roles(...)` is refused to
other roles (`FORBIDDEN`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

import strawberry
from sqlalchemy import ColumnElement
from strawberry.types.field import StrawberryField

from graph.aggregates import aggregate_statement, groups, selected_figures
from graph.audit.trail import record_light_rows
from graph.companions import aggregates_of
from graph.conditions import compile_where
from graph.connections import After, Before, Connection, First, Last, connection, page_of
from graph.errors import BadUserInput
from graph.ids import InvalidId, decode_as
from graph.lookahead import row_shape
from graph.mirror import declaration_of_type
from graph.naming import lower_first, plural
from graph.ordering import sorts_of
from graph.pages import count_statement, kept, key_types, page_statement
from graph.permissions import check_arguments, with_rule
from graph.relations import always_loaded, order_argument, where_argument

GlobalId = Annotated[strawberry.ID, strawberry.argument(description="An opaque global ID.")]
Search = Callable[[str], ColumnElement[bool]]
SearchArgument = Annotated[
    str | None, strawberry.argument(description="Text to search for (see the field).")
]


def by_id(type_: type) -> StrawberryField:
    """`thing(id: ID!): Thing`: one row by global ID; null when absent or not visible."""
    declared = declaration_of_type(type_)
    model, name = declared.model, declared.model.__name__

    async def resolve(info: strawberry.Info, id: GlobalId) -> Any:
        try:
            row_id = decode_as(id, name)
        except InvalidId as exc:
            raise BadUserInput(str(exc)) from None
        return await info.context.loaders.by_id(model).load(row_id)

    resolve.__annotations__ = {"info": strawberry.Info, "id": GlobalId, "return": type_ | None}
    description = f"One {name} by global ID."
    return strawberry.field(resolver=resolve, **with_rule(description, declared.read))


def listing(type_: type, *, search: Search | None = None, search_help: str = "") -> StrawberryField:
    """`things(first, after, last, before, where, orderBy): ThingConnection!` in the type's
    declared order unless `orderBy` is given; with `search`, also a `search: String` argument
    whose condition `search(text)` builds."""
    declared = declaration_of_type(type_)
    model, name = declared.model, declared.model.__name__

    async def resolve(
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: Any = None,
        order_by: Sequence[Any] | None = None,
        search: str | None = None,
    ) -> Any:
        sorts = sorts_of(order_by, declared.order)
        page = page_of(
            name,
            sorts,
            key_types(model, sorts),
            first=first,
            after=after,
            last=last,
            before=before,
            nested=False,
        )
        check_arguments(
            info.context.principal, model, where=where, order_by=order_by, search=search
        )
        condition = compile_where(model, where)
        if search is not None and searching is not None:
            condition = condition & searching(search)
        db = info.context.db
        raw = info._raw_info
        shape = row_shape(raw.field_nodes, raw.fragments, model, always_loaded(model, sorts))
        # Kept (graph/pages.py `kept`) unless after a cursor or searching: the position and
        # the text are the request's own.
        key = None
        if page.position is None and search is None:
            key = ("root", model, page.key, repr(where), shape)
        statement, light = kept(key, lambda: page_statement(model, page, condition, shape))
        if light is not None:  # light rows (graph/rows.py)
            rows: Sequence[Any] = [light.read(row) for row in await db.rows(statement)]
            record_light_rows(db, rows, light.joined)
        else:
            rows = await db.all(statement)
            if shape.columns is None:  # whole rows: `node(id:)`, to-one fields may reuse them
                loader = info.context.loaders.by_id(model)
                for row in rows:
                    loader.prime(row.id, row)

        async def count() -> int:
            return int(await db.scalar(count_statement(model, condition)))

        return connection(rows, page, count, info.context.trail)

    searching = search
    annotations: dict[str, Any] = {
        "info": strawberry.Info,
        "first": First,
        "after": After,
        "last": Last,
        "before": Before,
        "where": where_argument(model),
        "order_by": order_argument(model),
        "return": Connection[type_],  # type: ignore[valid-type]
    }
    if search is not None:
        annotations["search"] = SearchArgument
    else:
        resolve = _without_search(resolve)
    resolve.__annotations__ = annotations
    order = ", ".join(sort.describe() for sort in declared.order)
    description = (
        f"{plural(name)}, a page at a time (`first` default 50, at most PERFEX_PAGE_MAX: 500 "
        f"unless configured). Default order: "
        f"{order}, then id. {search_help}"
    ).strip()
    return strawberry.field(resolver=resolve, **with_rule(description, declared.read))


def _without_search(resolve: Callable[..., Any]) -> Callable[..., Any]:
    async def resolve_list(
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: Any = None,
        order_by: Sequence[Any] | None = None,
    ) -> Any:
        return await resolve(info, first, after, last, before, where, order_by)

    return resolve_list


def aggregate(type_: type) -> StrawberryField:
    """`thingsAggregate(where, groupBy, bucket): [ThingAggregateGroup!]!`, one statement."""
    declared = declaration_of_type(type_)
    model, name = declared.model, declared.model.__name__
    types = aggregates_of(model)

    async def resolve(
        info: strawberry.Info,
        where: Any = None,
        group_by: Sequence[Any] | None = None,
        bucket: Any = None,
    ) -> Any:
        principal = info.context.principal
        check_arguments(principal, model, where=where, group_by=group_by, bucket=bucket)
        condition = compile_where(model, where)
        statement, grouped, labels = aggregate_statement(
            model, types, condition, group_by or (), bucket, selected_figures(info)
        )
        rows = await info.context.db.rows(statement)
        return groups(model, types, rows, grouped, labels, bucket is not None)

    resolve.__annotations__ = {
        "info": strawberry.Info,
        "where": where_argument(model),
        "group_by": Annotated[
            list[types.group_field] | None,  # type: ignore[name-defined]
            strawberry.argument(name="groupBy", description="Columns to group by."),
        ],
        "bucket": Annotated[
            types.bucket | None, strawberry.argument(description="Also group by a date bucket.")
        ],
        "return": list[types.group],  # type: ignore[name-defined]
    }
    description = (
        f"Counts and figures of {plural(name)} matching `where`, grouped by `groupBy` and "
        f"`bucket` (one group without them); at most 1,000 groups."
    )
    field = strawberry.field(resolver=resolve, **with_rule(description, declared.read))
    field.graphql_name = f"{lower_first(plural(name))}Aggregate"
    return field
