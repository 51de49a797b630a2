"""Authorization: the one mechanism that decides which roles may read a field or a type.

Roles come from the verified token only (`Principal.roles`). A rule is a `Roles` value; on a
field it is attached as a Strawberry permission (`Roles.extension()`), on a whole type through
`@mirrored(..., read=Roles(...))`, which gates its by-id, list and `node` lookups alike. Each
restricted field says so in its description (`Roles.describe()`), so the rule is visible in
GraphiQL's Docs and in the reviewed SDL. Denied access is the `FORBIDDEN` error, never a
partial answer. Unknown roles grant nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.permission import BasePermission, PermissionExtension

from graph.auth import Principal
from graph.errors import Forbidden

ADMIN = "admin"
PHYSICIAN = "physician"
NURSE = "nurse"
ANALYST = "analyst"
PATIENT = "patient"
KNOWN_ROLES = frozenset({ADMIN, PHYSICIAN, NURSE, ANALYST, PATIENT})


@dataclass(frozen=True)
class Roles:
    """Any one of these roles grants access."""

    allowed: frozenset[str]

    def __init__(self, *roles: str) -> None:
        unknown = set(roles) - KNOWN_ROLES
        if unknown or not roles:
            raise ValueError(f"unknown or missing roles: {sorted(unknown)}")
        object.__setattr__(self, "allowed", frozenset(roles))

    def allows(self, principal: Principal) -> bool:
        return not self.allowed.isdisjoint(principal.roles)

    def check(self, principal: Principal) -> None:
        """Raise Forbidden unless the principal holds one of the roles."""
        if not self.allows(principal):
            raise Forbidden(DENIED)

    def describe(self) -> str:
        return f"Requires the role {' or '.join(f'`{r}`' for r in sorted(self.allowed))}."

    def extension(self) -> PermissionExtension:
        """The Strawberry field extension that enforces this rule before the resolver runs."""
        return PermissionExtension(permissions=[RolePermission(self)], use_directives=False)


DENIED = "Not allowed for the roles of this token."


class RolePermission(BasePermission):
    """Strawberry's permission hook over a `Roles` rule."""

    message = DENIED

    def __init__(self, rule: Roles) -> None:
        self.rule = rule

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return self.rule.allows(info.context.principal)

    def on_unauthorized(self) -> None:
        raise Forbidden(DENIED)


def with_rule(description: str, rule: Roles | None) -> dict[str, Any]:
    """`strawberry.field` keyword arguments for a field guarded by `rule` (or open)."""
    if rule is None:
        return {"description": description}
    return {"description": f"{description} {rule.describe()}", "extensions": [rule.extension()]}


__all__ = ["ADMIN", "ANALYST", "NURSE", "PATIENT", "PHYSICIAN", "Roles", "with_rule"]
