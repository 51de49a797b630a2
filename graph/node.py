"""`node(id)` / `nodes(ids)`: refetch any object by its global ID (Relay's Node interface).

A lookup goes through the type's by-id loader, so tenant criteria apply; an id of another
organization is indistinguishable from an unknown one. Types restricted to some roles are
refused to others here too, as on their own root fields.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import strawberry

from graph.errors import BadUserInput
from graph.ids import InvalidId, decode
from graph.mirror import Declared, Node, declaration_named
from graph.roots import GlobalId

MAX_NODES = 100


def _target(info: strawberry.Info, global_id: str) -> tuple[Declared, str] | None:
    """The declared type and row id of a global ID; raises before anything is loaded."""
    try:
        type_name, row_id = decode(global_id)
    except InvalidId as exc:
        raise BadUserInput(str(exc)) from None
    declared = declaration_named(type_name)
    if declared is None:
        return None
    declared.read.check(info.context.principal)
    return declared, row_id


async def _load(info: strawberry.Info, target: tuple[Declared, str] | None) -> Any:
    if target is None:
        return None
    declared, row_id = target
    return await info.context.loaders.by_id(declared.model).load(row_id)


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by global ID.")
    async def node(self, info: strawberry.Info, id: GlobalId) -> Node | None:
        return await _load(info, _target(info, id))  # type: ignore[no-any-return]

    @strawberry.field(description="Objects by global IDs.")
    async def nodes(
        self,
        info: strawberry.Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="At most 100 IDs.")],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise BadUserInput(f"at most {MAX_NODES} ids per request, got {len(ids)}")
        targets = [_target(info, i) for i in ids]  # every id checked before any SQL runs
        return list(await asyncio.gather(*(_load(info, target) for target in targets)))
