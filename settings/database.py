"""Where the database is, and as whom: `DATABASE_URL`, `MIGRATION_DATABASE_URL`,
`PERFEX_API_DB_ROLE`.

On PostgreSQL the API and the system work connect as two roles (README, "PostgreSQL: two
roles"): `DATABASE_URL` is the API's role, which row-level security applies to;
`MIGRATION_DATABASE_URL` (default: `DATABASE_URL`) is the owner of the tables, used by
`migrate`, `seed`, `token`'s look-ups and `db create-api-role`. `PERFEX_API_DB_ROLE` names the
role `db create-api-role` creates and grants to.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from settings.env import ENV_FILE
from settings.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./perfex_graph.db"

# Plain URLs people paste are accepted and given the async driver this project uses.
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


DEFAULT_API_DB_ROLE = "perfex_api"
# A role name used unquoted in GRANT and CREATE ROLE: lower-case letters, digits, underscores.
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    migration_database_url: str | None = None
    api_db_role: str = Field(default=DEFAULT_API_DB_ROLE, validation_alias="PERFEX_API_DB_ROLE")


def parse_database_url(raw: str, variable: str = "DATABASE_URL") -> URL:
    """Validate a database URL and switch it to its async driver, or raise ConfigError
    naming `variable`."""
    try:
        url = make_url(raw.strip())
    except ArgumentError:
        raise ConfigError(
            f"{variable} {raw!r} is not a database URL: use e.g. "
            "sqlite:///./perfex_graph.db or postgresql://user@host:5432/dbname"
        ) from None
    driver = _ASYNC_DRIVERS.get(url.drivername)
    if driver is None:
        raise ConfigError(
            f"{variable} uses {url.drivername!r}: only SQLite (sqlite://) and PostgreSQL "
            "(postgresql://) are supported"
        )
    if driver.startswith("sqlite") and url.database in (None, ""):
        raise ConfigError(
            f"{variable} for SQLite needs a file path, e.g. sqlite:///./perfex_graph.db"
        )
    if driver.startswith("postgresql") and not url.database:
        raise ConfigError(f"{variable} for PostgreSQL needs a database name after the host")
    return url.set(drivername=driver)


@lru_cache(maxsize=1)
def database_url() -> URL:
    """The configured database URL (environment variable or `.env` file `DATABASE_URL`)."""
    return parse_database_url(DatabaseSettings().database_url)


def migration_database_url(api_url: URL | None = None) -> URL:
    """The owner's URL, for system work: `MIGRATION_DATABASE_URL`, else the API's (`api_url`,
    by default `DATABASE_URL`). Read at each call (only commands call it)."""
    raw = DatabaseSettings().migration_database_url
    if raw is None or not raw.strip():
        return api_url if api_url is not None else database_url()
    return parse_database_url(raw, "MIGRATION_DATABASE_URL")


def parse_role_name(raw: str, variable: str = "PERFEX_API_DB_ROLE") -> str:
    """A PostgreSQL role name that needs no quoting, or ConfigError naming `variable`."""
    role = raw.strip()
    if not _ROLE_NAME.fullmatch(role):
        raise ConfigError(
            f"{variable} {role!r} is not a plain role name: use lower-case letters, "
            "digits and underscores (at most 63), e.g. perfex_api"
        )
    return role


def api_db_role() -> str:
    """The API's PostgreSQL role (`PERFEX_API_DB_ROLE`)."""
    return parse_role_name(DatabaseSettings().api_db_role)


def describe(url: URL) -> str:
    """The URL without its password, for messages and logs."""
    return url.render_as_string(hide_password=True)


__all__ = [
    "DEFAULT_API_DB_ROLE",
    "DEFAULT_DATABASE_URL",
    "DatabaseSettings",
    "api_db_role",
    "database_url",
    "describe",
    "migration_database_url",
    "parse_database_url",
    "parse_role_name",
]
