"""All configuration of the application, read here and nowhere else.

- `settings.database`: where the database is (`DATABASE_URL`).
- `settings.auth`: how access tokens are checked (`PERFEX_JWT_*`) and the demo secret.
- `settings.http`: which web origins browsers may call the API from (`PERFEX_CORS_ORIGINS`).
- `settings.mode`: development or production (`PERFEX_ENV`, `PERFEX_INTROSPECTION_ADMIN`).
- `settings.env`: where settings come from (the environment, then `.env`) and the per-user
  state directory (`XDG_STATE_HOME`).

Every mistake is a `ConfigError` with one line that names the variable. This package imports
neither `models` nor `graph`, so both (and `cli`, `seed`, `migrations`) can import it.
"""

from __future__ import annotations

from settings.auth import (
    ALLOWED_ALGORITHMS,
    DEMO_MAX_TTL_SECONDS,
    ENV_PREFIX,
    AuthSettings,
    auth_settings,
    demo_auth_settings,
    demo_secret_path,
    signing_keys_configured,
    signing_settings,
)
from settings.database import (
    DEFAULT_DATABASE_URL,
    DatabaseSettings,
    database_url,
    describe,
    parse_database_url,
)
from settings.env import ENV_FILE, state_directory
from settings.errors import ConfigError
from settings.http import (
    CORS_VARIABLE,
    DEMO_CORS_ORIGINS,
    DEMO_TOKEN_VARIABLE,
    CorsRules,
    CorsSettings,
    configured_cors_origins,
    cors_rules,
    demo_graphiql_token,
    parse_cors_origins,
)
from settings.limits import LimitSettings, limit_settings
from settings.mode import ModeSettings, mode_settings, production_problems, serving_problems

__all__ = [
    "ALLOWED_ALGORITHMS",
    "CORS_VARIABLE",
    "DEFAULT_DATABASE_URL",
    "DEMO_CORS_ORIGINS",
    "DEMO_MAX_TTL_SECONDS",
    "DEMO_TOKEN_VARIABLE",
    "ENV_FILE",
    "ENV_PREFIX",
    "AuthSettings",
    "ConfigError",
    "CorsRules",
    "CorsSettings",
    "DatabaseSettings",
    "LimitSettings",
    "ModeSettings",
    "auth_settings",
    "configured_cors_origins",
    "cors_rules",
    "database_url",
    "demo_auth_settings",
    "demo_graphiql_token",
    "demo_secret_path",
    "describe",
    "limit_settings",
    "mode_settings",
    "parse_cors_origins",
    "parse_database_url",
    "production_problems",
    "serving_problems",
    "signing_keys_configured",
    "signing_settings",
    "state_directory",
]
