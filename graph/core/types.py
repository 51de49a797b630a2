"""GraphQL types of the core domain, mirrored from `models/core.py`."""

from __future__ import annotations

from graph.mirror import mirrored
from graph.ordering import desc
from models import core


@mirrored(core.Organization, order=[desc("created_at")])
class Organization:
    """A row of `organizations`."""


@mirrored(core.User, order=[desc("created_at")])
class User:
    """A row of `users`."""


@mirrored(core.OrganizationMember, order=[desc("created_at")])
class OrganizationMember:
    """A row of `organization_members`."""


@mirrored(core.Role, order=[desc("created_at")])
class Role:
    """A row of `roles`."""


@mirrored(core.UserRole, order=[desc("created_at")])
class UserRole:
    """A row of `user_roles`."""
