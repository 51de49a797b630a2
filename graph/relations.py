"""The fields a model's relationships become (used by graph/mirror.py): a many-to-one is an
object, a one-to-many a connection paged per parent (or one object where the model says
`uselist=False`), and on patients each list also gets `<relation>Aggregate`.

Every one of them loads through the request's dataloaders: for a page of parents, a relation
costs one statement (plus one for `totalCount`, one per aggregate), whatever the page size.

Each is served by a graphql-core resolver (RAW_RESOLVERS, installed by graph/schema.py) that
answers without awaiting when the value is at hand: joined by the parent's statement, or
already in its loader, which the list of parents fills for all of them at once before its
items complete (the resolver's `prefetch`, called by graph/prefetch.py). A page of 100
patients then completes its relation fields synchronously, with no task per row.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import strawberry
from sqlalchemy.orm import RelationshipProperty
from strawberry.types.field import StrawberryField

from graph.aggregates import MAX_GROUPS, aggregate_statement, groups, selected_figures
from graph.companions import aggregates_of, order_of, where_of
from graph.conditions import as_graphql, compile_where
from graph.connections import After, Before, Connection, First, Last, Page, connection, page_of
from graph.lookahead import _MISSING, loaded, row_shape
from graph.naming import camel, lower_first, plural
from graph.ordering import Sort, declared_order, sorts_of
from graph.pages import key_types
from graph.permissions import check_arguments, read_rule
from graph.prefetch import load_all, settled
from models.base import Base

# (type name, field name) -> a graphql-core resolver that replaces Strawberry's for that field
# once the schema is built (graph/schema.py): the relation fields, hot in every list.
RAW_RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {}


def serve(
    parent_name: str,
    name: str,
    resolve: Callable[..., Any],
    prefetch: Any,
    joined_as: str | None = None,
) -> None:
    """Registers the graphql-core resolver of a relation field and its `prefetch(parents,
    info, args)`: what the list of `parents` loads for all of them at once (an awaitable, or
    None when nothing is left to load). `joined_as`: the relation key under which a parent's
    statement may have joined the value already (graph/lookahead.py), so a list whose rows
    hold it need not ask."""
    prefetch.joined_as = joined_as
    resolve.prefetch = prefetch  # type: ignore[attr-defined]
    RAW_RESOLVERS[(parent_name, name)] = resolve


def lazy_type(model: type[Base]) -> Any:
    """A reference to the model's declared type, resolved when the schema is built."""
    module = model.__table__.info["module"]  # type: ignore[attr-defined]
    return Annotated[model.__name__, strawberry.lazy(f"graph.{module}.types")]


def where_argument(model: type[Base]) -> Any:
    return Annotated[
        where_of(model) | None, strawberry.argument(description="Only rows matching this.")
    ]


def order_argument(model: type[Base]) -> Any:
    return Annotated[
        list[order_of(model)] | None,  # type: ignore[misc]
        strawberry.argument(name="orderBy", description="Order keys (default: the type's)."),
    ]


def to_one(relation: RelationshipProperty[Any]) -> StrawberryField:
    target: type[Base] = relation.mapper.class_
    (column,) = relation.local_columns
    key = relation.parent.get_property_by_column(column).key

    rule = read_rule(target)

    def resolve_raw(root: Any, info: Any) -> Any:
        rule.check(info.context.principal)
        joined = loaded(root, relation.key)
        if joined is not _MISSING:
            return joined  # loaded by the parent's statement (graph/lookahead.py)
        value = getattr(root, key)
        return None if value is None else settled(info.context.loaders.by_id(target).load(value))

    def prefetch(parents: Sequence[Any], info: Any, _args: dict[str, Any]) -> Any:
        rule.check(info.context.principal)
        keys = {
            value
            for parent in parents
            if loaded(parent, relation.key) is _MISSING
            and (value := getattr(parent, key)) is not None
        }
        return load_all(info.context.loaders.by_id(target), keys)

    async def resolve(root: Any, info: strawberry.Info) -> Any:
        """Declares the field's type; requests are served by resolve_raw."""
        found = resolve_raw(root, info._raw_info)
        return await found if info._raw_info.is_awaitable(found) else found

    resolve.__annotations__ = {
        "root": Any,
        "info": strawberry.Info,
        "return": lazy_type(target) | None,
    }
    name = camel(relation.key)
    serve(relation.parent.class_.__name__, name, resolve_raw, prefetch, relation.key)
    return strawberry.field(
        resolver=resolve,
        name=name,
        description=f"The {target.__name__} that `{camel(column.name)}` refers to. "
        + rule.describe(),
    )


@functools.cache
def _first_page(child: type[Base]) -> Page:
    order = declared_order(child)
    return page_of(
        child.__name__, order, [], first=1, after=None, last=None, before=None, nested=True
    )


def to_single(relation: RelationshipProperty[Any]) -> StrawberryField:
    """A one-to-one seen from the parent: the child row, or null."""
    child: type[Base] = relation.mapper.class_
    loader_key = (child, str(relation.back_populates))
    (column,) = relation.remote_side
    parent_name = relation.parent.class_.__name__

    rule = read_rule(child)

    def resolve_raw(root: Any, info: Any) -> Any:
        rule.check(info.context.principal)
        joined = loaded(root, relation.key)
        if joined is not _MISSING:
            return joined
        loader = info.context.loaders.by_relation(loader_key, _first_page(child), True, "")
        return settled(loader.load(root.id), _first_row)

    def prefetch(parents: Sequence[Any], info: Any, _args: dict[str, Any]) -> Any:
        rule.check(info.context.principal)
        keys = [parent.id for parent in parents if loaded(parent, relation.key) is _MISSING]
        loader = info.context.loaders.by_relation(loader_key, _first_page(child), True, "")
        return load_all(loader, keys)

    async def resolve(root: Any, info: strawberry.Info) -> Any:
        """Declares the field's type; requests are served by resolve_raw."""
        found = resolve_raw(root, info._raw_info)
        return await found if info._raw_info.is_awaitable(found) else found

    resolve.__annotations__ = {
        "root": Any,
        "info": strawberry.Info,
        "return": lazy_type(child) | None,
    }
    description = (
        f"The {child.__name__} whose `{camel(column.name)}` is this {parent_name}. "
        + rule.describe()
    )
    name = camel(relation.key)
    serve(parent_name, name, resolve_raw, prefetch, relation.key)
    return strawberry.field(resolver=resolve, name=name, description=description)


def _first_row(rows: Sequence[Any]) -> Any:
    return rows[0] if rows else None


def always_loaded(
    model: type[Base], order: Sequence[Sort], foreign_key: str | None = None
) -> list[str]:
    """What the server reads of every row of a page: its id, its parent's key, the order
    (cursors) and the patient it belongs to (the audit trail)."""
    keys = ["id", *([foreign_key] if foreign_key else []), *(sort.attribute for sort in order)]
    return keys + (["patient_id"] if hasattr(model, "patient_id") else [])


def to_many(relation: RelationshipProperty[Any]) -> StrawberryField:
    """A one-to-many seen from the parent: a connection, paged per parent."""
    child: type[Base] = relation.mapper.class_
    loader_key = (child, str(relation.back_populates))
    (column,) = relation.remote_side
    parent_name = relation.parent.class_.__name__
    foreign_key = child.__mapper__.get_property_by_column(column).key

    rule = read_rule(child)

    def prepare(info: Any, args: dict[str, Any]) -> tuple[Any, ...]:
        """The page, condition and loader key of these arguments, once per request: every
        parent of a page asks through the same field node with the same arguments, so the
        node is the key (the arguments are compared, not trusted: they come as a new dict
        each call)."""
        context = info.context
        node = info.field_nodes[0]
        memo_key = (loader_key, id(node))
        found = context.memo.get(memo_key)
        if found is None or found[0] is not node or found[1] != args:
            rule.check(context.principal)
            check_arguments(
                context.principal, child, where=args.get("where"), order_by=args.get("orderBy")
            )
            sorts: tuple[Sort, ...] = sorts_of(args.get("orderBy"), declared_order(child))
            page = page_of(
                child.__name__,
                sorts,
                key_types(child, sorts),
                first=args.get("first"),
                after=args.get("after"),
                last=args.get("last"),
                before=args.get("before"),
                nested=True,
            )
            where = args.get("where")
            condition = compile_where(child, where)
            shape = row_shape(
                info.field_nodes, info.fragments, child, always_loaded(child, sorts, foreign_key)
            )
            found = (node, args, page, condition, repr(where), shape)
            context.memo[memo_key] = found
        return found[2:]  # type: ignore[no-any-return]

    def loader_of(info: Any, args: dict[str, Any]) -> tuple[Any, Page, Any, str]:
        page, condition, where_key, shape = prepare(info, args)
        loader = info.context.loaders.by_relation(loader_key, page, condition, where_key, shape)
        return loader, page, condition, where_key

    def resolve_raw(root: Any, info: Any, **args: Any) -> Any:
        """The resolver graphql-core calls (graph/schema.py installs it): the arguments as
        GraphQL coerced them, without Strawberry's per-parent conversion of input objects."""
        loader, page, condition, where_key = loader_of(info, args)
        context = info.context

        async def count() -> int:
            counts = context.loaders.row_counts(loader_key, condition, where_key)
            return await counts.load(root.id)  # type: ignore[no-any-return]

        def page_of_rows(rows: Sequence[Any]) -> Any:
            return connection(rows, page, count, context.trail)

        return settled(loader.load(root.id), page_of_rows)

    def prefetch(parents: Sequence[Any], info: Any, args: dict[str, Any]) -> Any:
        loader = loader_of(info, args)[0]
        return load_all(loader, [parent.id for parent in parents])

    async def resolve(
        root: Any,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: Any = None,
        order_by: Sequence[Any] | None = None,
    ) -> Any:
        """Declares the field's arguments and type; requests are served by resolve_raw."""
        args = {"first": first, "after": after, "last": last, "before": before}
        args |= {"where": as_graphql(where), "orderBy": as_graphql(order_by)}
        found = resolve_raw(root, info._raw_info, **args)
        return await found if info._raw_info.is_awaitable(found) else found

    resolve.__annotations__ = {
        "root": Any,
        "info": strawberry.Info,
        "first": First,
        "after": After,
        "last": Last,
        "before": Before,
        "where": where_argument(child),
        "order_by": order_argument(child),
        "return": Connection[lazy_type(child)],  # type: ignore[misc]
    }
    description = (
        f"{plural(child.__name__)} whose `{camel(column.name)}` is this {parent_name}: up to "
        f"PERFEX_NESTED_PAGE_MAX (100 unless configured) per {parent_name} (default 20), in "
        "the order of the root list "
        f"`{lower_first(plural(child.__name__))}` unless `orderBy` is given. {rule.describe()}"
    )
    name = camel(relation.key)
    serve(parent_name, name, resolve_raw, prefetch)
    return strawberry.field(resolver=resolve, name=name, description=description)


def aggregate(relation: RelationshipProperty[Any]) -> StrawberryField:
    """`<relation>Aggregate`: the relation's rows of each parent, grouped and summarized."""
    child: type[Base] = relation.mapper.class_
    loader_key = (child, str(relation.back_populates))
    (column,) = relation.remote_side
    foreign_key = child.__mapper__.get_property_by_column(column).key
    types = aggregates_of(child)
    rule = read_rule(child)

    async def resolve(
        root: Any,
        info: strawberry.Info,
        where: Any = None,
        group_by: Sequence[Any] | None = None,
        bucket: Any = None,
    ) -> Any:
        rule.check(info.context.principal)
        check_arguments(
            info.context.principal, child, where=where, group_by=group_by, bucket=bucket
        )
        figures = selected_figures(info)
        condition = compile_where(child, where)
        key = (loader_key, repr(where), repr(group_by), repr(bucket), repr(sorted(figures.items())))
        state: dict[str, Any] = {}

        def build(keys: Sequence[str]) -> Any:
            fk = getattr(child, foreign_key)
            statement, grouped, labels = aggregate_statement(
                child, types, fk.in_(keys) & condition, group_by or (), bucket, figures,
                parent_key=foreign_key, limit=MAX_GROUPS * len(keys) + 1,
            )  # fmt: skip
            state.update(grouped=grouped, labels=labels)
            return statement

        def read(rows: list[Any]) -> list[Any]:
            return groups(child, types, rows, state["grouped"], state["labels"], bucket is not None)

        return await info.context.loaders.aggregates(key, build, read).load(root.id)

    annotations: dict[str, Any] = {
        "root": Any,
        "info": strawberry.Info,
        "where": where_argument(child),
        "group_by": Annotated[
            list[types.group_field] | None,  # type: ignore[name-defined]
            strawberry.argument(name="groupBy", description="Columns to group by."),
        ],
        "return": list[types.group],  # type: ignore[name-defined]
    }
    annotations["bucket"] = Annotated[  # every type has dated columns (created_at at least)
        types.bucket | None, strawberry.argument(description="Also group by a date bucket.")
    ]
    resolve.__annotations__ = annotations
    name = camel(relation.key) + "Aggregate"
    description = (
        f"Counts and figures of this {relation.parent.class_.__name__}'s "
        f"{plural(child.__name__)}, grouped (one group without `groupBy`). {rule.describe()}"
    )
    return strawberry.field(resolver=resolve, name=name, description=description)
