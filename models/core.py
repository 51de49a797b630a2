"""core: Tenancy and identity: organizations (the tenants), users (global login identities), membership of users in organizations, per-organization roles, in-app notifications and per-organization settings. organizations and users are the only two tables of the whole schema without organization_id; every other table carries it. Login sessions of the source (sessions) and the CRM/HR tables (companies, contacts, employees) are not part of this schema."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, backref, relationship

from models import columns as c
from models.base import GlobalRecord, TenantRecord
from models.types import JsonData


class Organization(GlobalRecord):
    """The tenant. One of the two tables without organization_id (with users); every organization-scoped row points here."""

    __tablename__ = "organizations"
    __table_args__ = (
        Index("idx_organizations_slug", "slug", unique=True),
        {
            "info": {"module": "core", "tier": 1, "patient_centric": False},
        },
    )

    name: Mapped[str] = c.text(
        required=True, description="Display name of the organization (clinic, hospital, group)."
    )
    slug: Mapped[str] = c.text(
        required=True, description="URL-safe identifier, unique across all organizations."
    )
    logo_url: Mapped[str | None] = c.text(description="URL of the organization logo.")
    settings: Mapped[JsonData | None] = c.json(
        description="Organization-wide settings object (free-form)."
    )


class User(GlobalRecord):
    """Global login identity of a staff or admin user. One of the two tables without organization_id (with organizations): a user belongs to organizations through organization_members."""

    __tablename__ = "users"
    __table_args__ = (
        Index("idx_users_email", "email", unique=True),
        {
            "info": {"module": "core", "tier": 1, "patient_centric": False},
        },
    )

    email: Mapped[str] = c.text(
        required=True, description="Login e-mail, unique across the platform."
    )
    password_hash: Mapped[str] = c.text(
        required=True, description="Password hash; never exposed through the API.", sensitive=True
    )
    first_name: Mapped[str | None] = c.text()
    last_name: Mapped[str | None] = c.text()
    avatar_url: Mapped[str | None] = c.text(description="URL of the profile picture.")
    is_email_verified: Mapped[bool] = c.boolean(
        required=True,
        default=False,
        description="Whether the e-mail address was confirmed (email_verified in the source, renamed).",
    )
    is_active: Mapped[bool] = c.boolean(
        required=True,
        default=True,
        description="Whether the account may log in (active in the source, renamed).",
    )
    platform_role: Mapped[str] = c.enum(
        ("super_admin", "admin", "user"),
        required=True,
        default="user",
        description="Platform-wide role, independent of any organization (added by migration 0028).",
    )
    last_login_at: Mapped[dt.datetime | None] = c.timestamp(
        description="Time of the last successful login."
    )


class OrganizationMember(TenantRecord):
    """Membership of a user in an organization, with a coarse organization role."""

    __tablename__ = "organization_members"
    __table_args__ = (
        Index("idx_organization_members_org", "organization_id"),
        Index("idx_organization_members_org_user", "organization_id", "user_id", unique=True),
        Index("idx_organization_members_user", "user_id"),
        {
            "info": {"module": "core", "tier": 1, "patient_centric": False},
        },
    )

    user_id: Mapped[str] = c.ref("users", on_delete="cascade", required=True)
    role: Mapped[str] = c.enum(
        ("owner", "admin", "member"),
        required=True,
        default="member",
        description="Coarse role in the organization; fine-grained permissions come from user_roles.",
    )
    joined_at: Mapped[dt.datetime] = c.timestamp(
        required=True,
        description="When the user joined the organization; set by the application on insert.",
    )

    user: Mapped[User] = relationship("User", foreign_keys=[user_id], lazy="raise")


class Role(TenantRecord):
    """Named permission set of one organization (the source also allowed global system roles with a null organization_id; here every role belongs to an organization)."""

    __tablename__ = "roles"
    __table_args__ = (
        Index("idx_roles_org", "organization_id"),
        {
            "info": {"module": "core", "tier": 1, "patient_centric": False},
        },
    )

    name: Mapped[str] = c.text(
        required=True, description="Role name, e.g. 'nephrologist' or 'front desk'."
    )
    permissions: Mapped[JsonData] = c.json(
        required=True,
        shape="array of permission names",
        description="Permissions granted by the role.",
    )


class UserRole(TenantRecord):
    """Assignment of a role to a user within one organization (organization_id was nullable in the source; here it is required like everywhere)."""

    __tablename__ = "user_roles"
    __table_args__ = (
        Index("idx_user_roles_org", "organization_id"),
        Index("idx_user_roles_user", "user_id"),
        Index("idx_user_roles_role", "role_id"),
        {
            "info": {"module": "core", "tier": 1, "patient_centric": False},
        },
    )

    user_id: Mapped[str] = c.ref("users", on_delete="cascade", required=True)
    role_id: Mapped[str] = c.ref("roles", on_delete="cascade", required=True)

    user: Mapped[User] = relationship("User", foreign_keys=[user_id], lazy="raise")
    role: Mapped[Role] = relationship(
        "Role", foreign_keys=[role_id], lazy="raise", backref=backref("user_roles", lazy="raise")
    )
