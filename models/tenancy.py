"""The tenant filter: the one place that restricts reads to one organization.

Sessions made by `tenant_session_factory` carry an organization in `session.info`; every ORM
SELECT they run gets, through `with_loader_criteria`, `organization_id = :org` on every
organization-scoped entity, `deleted_at IS NULL` on soft-deletable ones, membership of the
organization on `users`, and `id = :org` on `organizations`. The criteria reach subqueries,
relationship loads and aliased entities alike. A tenant session without an organization
refuses to run (fail closed); system work (migrations, seeding, sign-in) uses plain sessions.
Writes through a tenant session must carry the session's organization (checked on flush).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from models.base import SoftDeleteMixin, TenantMixin
from models.core import Organization, OrganizationMember, User

TENANT_KEY = "organization_id"


class TenantScopeError(Exception):
    """A tenant session was used without an organization, or wrote another tenant's row."""


class TenantSession(Session):
    """The sync session class behind tenant-scoped AsyncSessions."""


def tenant_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions bound to one organization: `factory(info={TENANT_KEY: org_id})`."""
    return async_sessionmaker(
        engine, expire_on_commit=False, autoflush=False, sync_session_class=TenantSession
    )


def organization_of(session: Session) -> str:
    organization_id = session.info.get(TENANT_KEY)
    if not isinstance(organization_id, str) or not organization_id:
        raise TenantScopeError("tenant session used without an organization")
    return organization_id


@event.listens_for(TenantSession, "do_orm_execute")
def _scope_to_organization(state: ORMExecuteState) -> None:
    if not state.is_select:
        if state.is_update or state.is_delete:
            raise TenantScopeError("bulk UPDATE/DELETE is not allowed through a tenant session")
        return
    org = organization_of(state.session)
    members = select(OrganizationMember.user_id).where(OrganizationMember.organization_id == org)
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantMixin, lambda cls: cls.organization_id == org, include_aliases=True
        ),
        with_loader_criteria(
            SoftDeleteMixin, lambda cls: cls.deleted_at.is_(None), include_aliases=True
        ),
        with_loader_criteria(User, User.id.in_(members), include_aliases=True),
        with_loader_criteria(Organization, Organization.id == org, include_aliases=True),
    )


@event.listens_for(TenantSession, "before_flush")
def _refuse_foreign_writes(session: Session, _context: Any, _instances: Any) -> None:
    org = organization_of(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, TenantMixin):
            if obj.organization_id is None and obj in session.new:
                obj.organization_id = org
            if obj.organization_id != org:
                raise TenantScopeError("write to a row of another organization refused")
        elif isinstance(obj, (User, Organization)) and obj not in session.new:
            raise TenantScopeError("users and organizations are not written through a tenant")
