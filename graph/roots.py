"""Root fields every declared type gets from its domain's `queries.py`: one by global ID, one
paged list. They read through the request's tenant-scoped session, so they see one
organization's rows only, and never filter by organization themselves; a type declared with
`read=Roles(...)` is refused to other roles (`FORBIDDEN`).
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from sqlalchemy import select
from strawberry.types.field import StrawberryField

from graph.errors import BadUserInput
from graph.ids import InvalidId, decode_as
from graph.mirror import declaration_of_type
from graph.naming import plural
from graph.ordering import order_by
from graph.pagination import ROOT_DEFAULT, check_page
from graph.permissions import with_rule

RootLimit = Annotated[int, strawberry.argument(description="Rows to return (1 to 500).")]
RootOffset = Annotated[int, strawberry.argument(description="Rows to skip.")]
GlobalId = Annotated[strawberry.ID, strawberry.argument(description="An opaque global ID.")]


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
    return strawberry.field(
        resolver=resolve, **with_rule(f"One {name} by global ID.", declared.read)
    )


def listing(type_: type) -> StrawberryField:
    """`things(limit, offset): [Thing!]!` in the type's declared order."""
    declared = declaration_of_type(type_)
    model = declared.model
    ordering = order_by(model, declared.order)

    async def resolve(info: strawberry.Info, limit: int = ROOT_DEFAULT, offset: int = 0) -> Any:
        check_page(limit, offset)
        rows = await info.context.db.all(
            select(model).order_by(*ordering).limit(limit).offset(offset)
        )
        loader = info.context.loaders.by_id(model)
        for row in rows:
            loader.prime(row.id, row)
        return rows

    resolve.__annotations__ = {
        "info": strawberry.Info,
        "limit": RootLimit,
        "offset": RootOffset,
        "return": list[type_],  # type: ignore[valid-type]
    }
    description = f"{plural(model.__name__)}, paged."
    return strawberry.field(resolver=resolve, **with_rule(description, declared.read))
