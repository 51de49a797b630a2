"""The API's PostgreSQL role: created and granted by the owner, checked before serving.

Row-level security (migration row_level_security) holds only for a role that is not a
superuser, has no BYPASSRLS and does not own the tables (an owner is held by FORCE ROW LEVEL
SECURITY, but could switch it off); the API connects as such a role, system work as the owner
(README, "PostgreSQL: two roles").

The API role gets: USAGE on the schema; SELECT, INSERT, UPDATE, DELETE on the tables, except
SELECT only on `organizations`, `users`, `organization_members` (system-managed: tenant
sessions never write them) and `alembic_version` (the readiness check reads it); USAGE and
SELECT on sequences (none today). Default privileges give the same on tables the owner
creates later, so a later migration needs no new grant unless a table is system-managed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from models.core import Organization, OrganizationMember, User

SCHEMA = "public"
# Tables the API reads but never writes.
READ_ONLY_TABLES = (
    *sorted(str(m.__tablename__) for m in (Organization, OrganizationMember, User)),
    "alembic_version",
)
_WRITE = "INSERT, UPDATE, DELETE"


class UnsafeRole(Exception):
    """The role exists but row-level security would not hold for it."""


@dataclass(frozen=True)
class RoleReport:
    """What `ensure_api_role` did."""

    role: str
    created: bool


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


def ensure_api_role(
    connection: Connection, role: str, *, password: str | None, login: bool = True
) -> RoleReport:
    """Create `role` if missing (NOSUPERUSER NOBYPASSRLS; needs CREATEROLE), set its password
    when given, and grant it what the API needs on the tables of this database. Runs as the
    owner of the tables. An existing role keeps its attributes (a DBA may have made it), but
    one that is a superuser or has BYPASSRLS is refused."""
    quoted = _quote(connection, role)
    found = connection.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"), {"r": role}
    ).first()
    if found is None:
        attributes = "LOGIN" if login else "NOLOGIN"
        connection.execute(
            text(
                f"CREATE ROLE {quoted} WITH {attributes} NOSUPERUSER NOBYPASSRLS NOCREATEDB"
                " NOCREATEROLE NOREPLICATION"
            )
        )
    elif found.rolsuper or found.rolbypassrls:
        raise UnsafeRole(
            f"the role {role} is a superuser or has BYPASSRLS: row-level security would not "
            "hold for it; choose another role (--role, PERFEX_API_DB_ROLE)"
        )
    if password is not None:
        # CREATE/ALTER ROLE take no parameters: the password is an SQL string literal, with
        # its quotes doubled so no character can end it (standard_conforming_strings).
        literal = password.replace("'", "''")
        connection.exec_driver_sql(f"ALTER ROLE {quoted} WITH PASSWORD '{literal}'")
    grant_api_role(connection, role)
    return RoleReport(role, created=found is None)


def grant_api_role(connection: Connection, role: str) -> None:
    """The API's privileges on every current table and sequence, and on later ones."""
    quoted = _quote(connection, role)
    existing = set(
        connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": SCHEMA}
        ).scalars()
    )
    read_only = ", ".join(_quote(connection, t) for t in READ_ONLY_TABLES if t in existing)
    statements = [
        f"GRANT USAGE ON SCHEMA {SCHEMA} TO {quoted}",
        f"GRANT SELECT, {_WRITE} ON ALL TABLES IN SCHEMA {SCHEMA} TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {SCHEMA} GRANT SELECT, {_WRITE} ON TABLES TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {SCHEMA} GRANT USAGE, SELECT ON SEQUENCES TO {quoted}",
    ]
    if read_only:
        statements.append(f"REVOKE {_WRITE} ON {read_only} FROM {quoted}")
    for statement in statements:
        connection.execute(text(statement))


async def api_role_problems(engine: AsyncEngine) -> list[str]:
    """Why row-level security would not hold for the role `engine` connects as (PostgreSQL;
    empty on SQLite, and when nothing is wrong)."""
    if engine.dialect.name != "postgresql":
        return []
    async with engine.connect() as conn:
        role, superuser, bypass = (
            await conn.execute(
                text(
                    "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles"
                    " WHERE rolname = current_user"
                )
            )
        ).one()
        owned = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM pg_class c"
                    " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = :s AND c.relkind IN ('r', 'p')"
                    " AND pg_has_role(current_user, c.relowner, 'MEMBER')"
                ),
                {"s": SCHEMA},
            )
        ).scalar_one()
        unprotected = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM pg_class c"
                    " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " JOIN pg_attribute a ON a.attrelid = c.oid"
                    " AND a.attname = 'organization_id' AND NOT a.attisdropped"
                    " WHERE n.nspname = :s AND c.relkind IN ('r', 'p')"
                    " AND NOT (c.relrowsecurity AND c.relforcerowsecurity)"
                ),
                {"s": SCHEMA},
            )
        ).scalar_one()
    problems = []
    if superuser:
        problems.append(f"the API's database role {role} is a superuser")
    if bypass:
        problems.append(f"the API's database role {role} has BYPASSRLS")
    if owned:
        problems.append(
            f"the API's database role {role} owns (or is a member of the owner of) {owned} tables"
        )
    if unprotected:
        problems.append(
            f"{unprotected} tables with organization_id have no forced row-level security "
            "(run `perfex-graph migrate`)"
        )
    return problems


__all__ = [
    "READ_ONLY_TABLES",
    "RoleReport",
    "UnsafeRole",
    "api_role_problems",
    "ensure_api_role",
    "grant_api_role",
]
