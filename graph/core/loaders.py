"""Dataloaders of the core domain: rows by id, and rows per parent of each
relationship that a parent type lists (created per request by `graph.dataloaders`)."""

from __future__ import annotations

from graph.dataloaders import ByIdLoader, ByRelationLoader
from models import core


class OrganizationByIdLoader(ByIdLoader):
    model = core.Organization


class UserByIdLoader(ByIdLoader):
    model = core.User


class OrganizationMemberByIdLoader(ByIdLoader):
    model = core.OrganizationMember


class RoleByIdLoader(ByIdLoader):
    model = core.Role


class UserRoleByIdLoader(ByIdLoader):
    model = core.UserRole


class UserRolesByRoleLoader(ByRelationLoader):
    relation = core.UserRole.role
