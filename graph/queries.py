"""The root Query: `me`, `node`/`nodes`, and a by-id and a list field for every type.

Root fields read through the request's tenant-scoped session, so they see one organization's
rows only; they never filter by organization themselves.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import strawberry
from sqlalchemy import select

from graph.auth import Principal
from graph.dataloaders import default_order
from graph.errors import BadUserInput
from graph.ids import InvalidId, decode, decode_as, encode
from graph.mirror import Node
from graph.naming import lower_first, plural
from graph.pagination import ROOT_DEFAULT, check_page
from models.base import Base
from models.core import Organization, User
from models.healthcare import Patient

MAX_NODES = 100
ROOT_ORDER: dict[str, tuple[str, ...]] = {"Patient": ("last_name", "first_name")}

RootLimit = Annotated[int, strawberry.argument(description="Rows to return (1 to 500).")]
RootOffset = Annotated[int, strawberry.argument(description="Rows to skip.")]
GlobalId = Annotated[strawberry.ID, strawberry.argument(description="An opaque global ID.")]


def _ordering(model: type[Base]) -> list[Any]:
    ascending = ROOT_ORDER.get(model.__name__)
    if ascending:
        return [*(getattr(model, name).asc() for name in ascending), model.id.asc()]  # type: ignore[attr-defined]
    columns = [getattr(model, name).desc().nulls_last() for name in default_order(model)]
    return [*columns, model.id.asc()]  # type: ignore[attr-defined]


def _row_id(global_id: str, type_name: str) -> str:
    try:
        return decode_as(global_id, type_name)
    except InvalidId as exc:
        raise BadUserInput(str(exc)) from None


def _by_id(model: type[Base], cls: type) -> Any:
    async def resolve(info: strawberry.Info, id: GlobalId) -> Any:
        row_id = _row_id(id, model.__name__)
        return await info.context.loaders.by_id(model).load(row_id)

    resolve.__annotations__ = {"info": strawberry.Info, "id": GlobalId, "return": cls | None}
    return resolve


def _list(model: type[Base], cls: type) -> Any:
    ordering = _ordering(model)

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
        "return": list[cls],  # type: ignore[valid-type]
    }
    return resolve


def _build_me(types: dict[type[Base], type]) -> type:
    """`Me`: the principal, with its user and organization as objects."""

    def user_id(root: Any) -> strawberry.ID:
        return strawberry.ID(encode("User", root.principal.user_id))

    def organization_id(root: Any) -> strawberry.ID:
        return strawberry.ID(encode("Organization", root.principal.organization_id))

    def roles(root: Any) -> list[str]:
        return list(root.principal.roles)

    def membership_role(root: Any) -> str:
        return str(root.principal.membership_role)

    async def user(root: Any, info: strawberry.Info) -> Any:
        return await info.context.loaders.by_id(User).load(root.principal.user_id)

    async def organization(root: Any, info: strawberry.Info) -> Any:
        loader = info.context.loaders.by_id(Organization)
        return await loader.load(root.principal.organization_id)

    user.__annotations__ = {"root": Any, "info": strawberry.Info, "return": types[User] | None}
    organization.__annotations__ = {
        "root": Any,
        "info": strawberry.Info,
        "return": types[Organization] | None,
    }
    namespace: dict[str, Any] = {
        "__annotations__": {"principal": strawberry.Private[Principal]},
        "user_id": strawberry.field(resolver=user_id, description="Global ID of the user."),
        "organization_id": strawberry.field(
            resolver=organization_id, description="Global ID of the request's organization."
        ),
        "roles": strawberry.field(resolver=roles, description="Roles granted by the token."),
        "membership_role": strawberry.field(
            resolver=membership_role, description="Role in the organization (owner/admin/member)."
        ),
        "user": strawberry.field(resolver=user, description="The signed-in user."),
        "organization": strawberry.field(
            resolver=organization, description="The organization of the request."
        ),
    }
    me = type("Me", (), namespace)
    return strawberry.type(me, description="The signed-in user, their organization and roles.")


def build_query(types: dict[type[Base], type]) -> type:
    """The Query type over the mirrored types."""
    by_name = {model.__name__: model for model in types}

    me_type = _build_me(types)

    async def node_of(info: strawberry.Info, global_id: str) -> Any:
        try:
            type_name, row_id = decode(global_id)
        except InvalidId as exc:
            raise BadUserInput(str(exc)) from None
        model = by_name.get(type_name)
        return None if model is None else await info.context.loaders.by_id(model).load(row_id)

    namespace: dict[str, Any] = {}

    def me(info: strawberry.Info) -> Any:
        return me_type(principal=info.context.principal)

    me.__annotations__ = {"info": strawberry.Info, "return": me_type}

    async def node(info: strawberry.Info, id: GlobalId) -> Node | None:
        return await node_of(info, id)

    async def nodes(
        info: strawberry.Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="At most 100 IDs.")],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise BadUserInput(f"at most {MAX_NODES} ids per request, got {len(ids)}")
        return list(await asyncio.gather(*(node_of(info, i) for i in ids)))

    namespace["me"] = strawberry.field(resolver=me, description="The signed-in principal.")
    namespace["node"] = strawberry.field(resolver=node, description="Any object by global ID.")
    namespace["nodes"] = strawberry.field(resolver=nodes, description="Objects by global IDs.")
    for model, cls in sorted(types.items(), key=lambda item: item[0].__name__):
        single, many = lower_first(model.__name__), lower_first(plural(model.__name__))
        namespace[single] = strawberry.field(
            resolver=_by_id(model, cls), description=f"One {model.__name__} by global ID."
        )
        namespace[many] = strawberry.field(
            resolver=_list(model, cls), description=f"{plural(model.__name__)}, paged."
        )
    query = type("Query", (), namespace)
    return strawberry.type(query, description="Read access to one organization's clinical data.")


__all__ = ["Patient", "build_query"]
