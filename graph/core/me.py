"""`me`: the signed-in principal as the API sees it (from the verified token and membership)."""

from __future__ import annotations

import strawberry

from graph.auth import Principal
from graph.core.types import Organization, User
from graph.ids import encode
from models import core


@strawberry.type(description="The signed-in user, their organization and roles.")
class Me:
    principal: strawberry.Private[Principal]

    @strawberry.field(description="Global ID of the user.")
    def user_id(self) -> strawberry.ID:
        return strawberry.ID(encode("User", self.principal.user_id))

    @strawberry.field(description="Global ID of the request's organization.")
    def organization_id(self) -> strawberry.ID:
        return strawberry.ID(encode("Organization", self.principal.organization_id))

    @strawberry.field(description="Roles granted by the token.")
    def roles(self) -> list[str]:
        return list(self.principal.roles)

    @strawberry.field(description="Role in the organization (owner/admin/member).")
    def membership_role(self) -> str:
        return str(self.principal.membership_role)

    @strawberry.field(description="The signed-in user.")
    async def user(self, info: strawberry.Info) -> User | None:
        return await info.context.loaders.by_id(core.User).load(self.principal.user_id)  # type: ignore[no-any-return]

    @strawberry.field(description="The organization of the request.")
    async def organization(self, info: strawberry.Info) -> Organization | None:
        loader = info.context.loaders.by_id(core.Organization)
        return await loader.load(self.principal.organization_id)  # type: ignore[no-any-return]


@strawberry.type
class MeQuery:
    @strawberry.field(description="The signed-in principal.")
    def me(self, info: strawberry.Info) -> Me:
        return Me(principal=info.context.principal)
