"""Root fields of the core domain."""

from __future__ import annotations

import strawberry

from graph.core.calculate import calculate as calculate_field
from graph.core.types import Organization, OrganizationMember, Role, User, UserRole
from graph.roots import aggregate, by_id, listing


@strawberry.type
class CoreQuery:
    organization = by_id(Organization)
    organizations = listing(Organization)
    organizations_aggregate = aggregate(Organization)
    user = by_id(User)
    users = listing(User)
    users_aggregate = aggregate(User)
    organization_member = by_id(OrganizationMember)
    organization_members = listing(OrganizationMember)
    organization_members_aggregate = aggregate(OrganizationMember)
    role = by_id(Role)
    roles = listing(Role)
    roles_aggregate = aggregate(Role)
    user_role = by_id(UserRole)
    user_roles = listing(UserRole)
    user_roles_aggregate = aggregate(UserRole)
    calculate = calculate_field
