"""Tenant-consistent references: which foreign keys must stay inside one organization, and how
to recognize the database refusing one that does not.

Migration `tenant_references` (5a1c0e7f2b10) installs triggers, on SQLite and PostgreSQL, so
that a foreign key from an organization-scoped row to another organization-scoped row can only
point to a row of the same organization, and so that a referenced row never changes its
organization. The migration holds its own literal list of references (migrations must not
depend on models that change later); `tenant_references()` is what the current models imply,
and a test keeps the two equal, so a new foreign key is not forgotten.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError

from models.base import Base, TenantMixin

# Names of the triggers (and PostgreSQL functions) of migration tenant_references.
TRIGGER_PREFIX = "api_tenant_ref_"
# Every refusal's message starts with this, on both dialects.
MESSAGE_PREFIX = "tenant_reference:"
# PostgreSQL raises foreign_key_violation, so generic handlers see an integrity error.
FOREIGN_KEY_VIOLATION = "23503"
# SQLite's extended result code of RAISE(ABORT, ...) in a trigger.
SQLITE_TRIGGER = "SQLITE_CONSTRAINT_TRIGGER"


class TenantReference(NamedTuple):
    """`table.column` points to `target.id`; both tables are organization-scoped."""

    table: str
    column: str
    target: str


def tenant_references() -> list[TenantReference]:
    """Every foreign key of a `TenantMixin` table to another `TenantMixin` table, sorted
    (`organization_id` itself, and references to `users`/`organizations`, are not included)."""
    import models  # noqa: F401  (registers every table)

    scoped: dict[str, Table] = {}
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        if issubclass(mapper.class_, TenantMixin) and isinstance(table, Table):
            scoped[table.name] = table
    found = set()
    for name, table in scoped.items():
        for foreign_key in table.foreign_keys:
            column = foreign_key.parent.name
            target = foreign_key.column.table.name
            if column != "organization_id" and target in scoped:
                found.add(TenantReference(name, column, target))
    return sorted(found)


def is_tenant_reference_violation(exc: DBAPIError) -> bool:
    """Whether the database refused a write because a reference crossed organizations (or a
    referenced row's organization was changed). The refusal is an IntegrityError on both
    dialects; it is told apart from other integrity errors by its message prefix, and by its
    SQLSTATE (PostgreSQL) or extended result code (SQLite)."""
    original = exc.orig
    if original is None:
        return False
    message = getattr(original.__cause__, "message", None) or str(original)
    if not message.startswith(MESSAGE_PREFIX):
        return False
    sqlstate = getattr(original, "sqlstate", None)  # PostgreSQL (asyncpg adapter)
    errorname = getattr(original, "sqlite_errorname", None)  # SQLite
    return sqlstate in (None, FOREIGN_KEY_VIOLATION) and errorname in (None, SQLITE_TRIGGER)
