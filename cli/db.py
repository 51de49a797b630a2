"""`perfex-graph db ...`: database administration as the owner of the tables.

`db create-api-role` makes the PostgreSQL role the API connects as (README, "PostgreSQL: two
roles"): not a superuser, no BYPASSRLS, not the owner, so row-level security holds for it.
"""

from __future__ import annotations

import sys

import typer
from sqlalchemy.engine import URL

from cli.database import KNOWN_ERRORS, describe_error, open_database, run
from cli.help import Command, Group
from cli.output import console, fail
from models.database import create_engine
from models.roles import RoleReport, UnsafeRole, ensure_api_role
from settings import ConfigError, describe
from settings.database import api_db_role, migration_database_url, parse_role_name

# Failures a person can fix: one line and exit status 1, never a traceback.
ROLE_ERRORS: tuple[type[Exception], ...] = (*KNOWN_ERRORS, UnsafeRole)

db_app = typer.Typer(
    name="db",
    help="Database administration, as the owner of the tables (MIGRATION_DATABASE_URL).",
    cls=Group,
    no_args_is_help=True,
)


async def _ensure(url: URL, role: str, password: str | None, login: bool) -> RoleReport:
    engine = create_engine(url, system=True)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(
                lambda sync: ensure_api_role(sync, role, password=password, login=login)
            )
    finally:
        await engine.dispose()


@db_app.command("create-api-role", cls=Command)
def create_api_role(
    role: str | None = typer.Option(
        None, "--role", metavar="NAME", help="Role name (default: PERFEX_API_DB_ROLE)."
    ),
    password: str | None = typer.Option(
        None,
        "--password",
        metavar="TEXT",
        help="Set this password (visible to other local users: prefer --password-stdin).",
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
    login: bool = typer.Option(
        True, "--login/--no-login", help="Whether the role may log in (NOLOGIN: a group role)."
    ),
) -> None:
    """Create (or update) the API's PostgreSQL role and grant it the tables.

    Runs as the owner of the tables (MIGRATION_DATABASE_URL) on a migrated database; creating
    a role needs CREATEROLE. The role is NOSUPERUSER NOBYPASSRLS, so row-level security holds
    for it. An existing role keeps its password unless one is given."""
    try:
        url = migration_database_url()
        if url.get_backend_name() != "postgresql":
            raise ConfigError(
                "db create-api-role is for PostgreSQL: SQLite has no roles (and no row-level "
                "security)"
            )
        if password is not None and password_stdin:
            raise ConfigError("give --password or --password-stdin, not both")
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise ConfigError("--password-stdin read an empty password")
        name = parse_role_name(role, "--role") if role is not None else api_db_role()
        open_database(url, migrated=True)
        report = run(_ensure(url, name, password, login))
    except ROLE_ERRORS as exc:
        raise fail(describe_error(exc)) from None
    done = "created" if report.created else "updated"
    console.print(
        f"role {report.role} {done} and granted the tables of {describe(url)}; point "
        "DATABASE_URL at it (MIGRATION_DATABASE_URL stays the owner)",
        highlight=False,
    )


__all__ = ["db_app"]
