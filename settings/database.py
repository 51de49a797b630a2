"""Where the database is: `DATABASE_URL`."""

from __future__ import annotations

from functools import lru_cache

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


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL


def parse_database_url(raw: str) -> URL:
    """Validate a database URL and switch it to its async driver, or raise ConfigError."""
    try:
        url = make_url(raw.strip())
    except ArgumentError:
        raise ConfigError(
            f"DATABASE_URL {raw!r} is not a database URL: use e.g. "
            "sqlite:///./perfex_graph.db or postgresql://user@host:5432/dbname"
        ) from None
    driver = _ASYNC_DRIVERS.get(url.drivername)
    if driver is None:
        raise ConfigError(
            f"DATABASE_URL uses {url.drivername!r}: only SQLite (sqlite://) and PostgreSQL "
            "(postgresql://) are supported"
        )
    if driver.startswith("sqlite") and url.database in (None, ""):
        raise ConfigError(
            "DATABASE_URL for SQLite needs a file path, e.g. sqlite:///./perfex_graph.db"
        )
    if driver.startswith("postgresql") and not url.database:
        raise ConfigError("DATABASE_URL for PostgreSQL needs a database name after the host")
    return url.set(drivername=driver)


@lru_cache(maxsize=1)
def database_url() -> URL:
    """The configured database URL (environment variable or `.env` file `DATABASE_URL`)."""
    return parse_database_url(DatabaseSettings().database_url)


def describe(url: URL) -> str:
    """The URL without its password, for messages and logs."""
    return url.render_as_string(hide_password=True)


__all__ = [
    "DEFAULT_DATABASE_URL",
    "DatabaseSettings",
    "database_url",
    "describe",
    "parse_database_url",
]
