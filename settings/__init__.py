"""All configuration of the application, read here and nowhere else.

- `settings.database`: where the database is (`DATABASE_URL`).
- `settings.auth`: how access tokens are checked (`PERFEX_JWT_*`) and the demo secret file.

Every mistake is a `ConfigError` with one line that names the variable. This package imports
neither `models` nor `graph`, so both (and `cli`, `seed`, `migrations`) can import it.
"""

from __future__ import annotations

from settings.auth import (
    ALLOWED_ALGORITHMS,
    DEMO_MAX_TTL_SECONDS,
    DEMO_SECRET_FILE,
    ENV_PREFIX,
    AuthSettings,
    auth_settings,
    demo_auth_settings,
)
from settings.database import (
    DEFAULT_DATABASE_URL,
    DatabaseSettings,
    database_url,
    describe,
    parse_database_url,
)
from settings.errors import ConfigError

__all__ = [
    "ALLOWED_ALGORITHMS",
    "DEFAULT_DATABASE_URL",
    "DEMO_MAX_TTL_SECONDS",
    "DEMO_SECRET_FILE",
    "ENV_PREFIX",
    "AuthSettings",
    "ConfigError",
    "DatabaseSettings",
    "auth_settings",
    "database_url",
    "demo_auth_settings",
    "describe",
    "parse_database_url",
]
