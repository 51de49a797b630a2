"""Which kind of deployment this is: `PERFEX_ENV` (`development` or `production`).

`development` (the default) is what a developer's machine and the demo need: GraphiQL at
/graphql, introspection for everyone, queries over GET. `production` turns off what only helps
an attacker there: the GraphiQL page and its assets (404), introspection (allowed to tokens
with the `admin` role when `PERFEX_INTROSPECTION_ADMIN=true`, so an administrator can still
generate a client), and queries over GET (405: a GET request's URL lands in proxy and server
logs, and GraphQL answers here carry patient data). `serve` refuses to start in production with
a demo key, a short HMAC secret, a wildcard CORS origin or `--demo` (see `production_problems`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL

from settings.auth import auth_settings, demo_secret_path
from settings.env import ENV_FILE
from settings.errors import ConfigError
from settings.http import configured_cors_origins

ENV_VARIABLE = "PERFEX_ENV"
INTROSPECTION_ADMIN_VARIABLE = "PERFEX_INTROSPECTION_ADMIN"


class ModeSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PERFEX_",
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    env: Literal["development", "production"] = "development"
    introspection_admin: bool = False

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            error = exc.errors(include_url=False, include_input=False)[0]
            name = f"PERFEX_{str(error['loc'][0]).upper()}"
            raise ConfigError(f"{name}: {error['msg']}") from None

    @property
    def production(self) -> bool:
        return self.env == "production"

    def introspection_allowed(self, roles: tuple[str, ...]) -> bool:
        """Everyone in development; in production only `admin`, and only when configured."""
        return not self.production or (self.introspection_admin and "admin" in roles)


def mode_settings() -> ModeSettings:
    """The configured mode (environment, then `.env`). Not cached: tests and `serve` read it
    after changing the environment."""
    return ModeSettings()


def serving_problems(database: URL, *, demo: bool) -> list[str]:
    """`production_problems` of the configured settings, for `serve` on `database`; empty
    outside production. ConfigError when the token or CORS settings are wrong themselves."""
    if not mode_settings().production:
        return []
    origins = configured_cors_origins() or ()
    if demo:  # the demo brings its own secret: that is the problem
        return production_problems(
            demo=True, hmac_secret=None, demo_secret=None, cors_origins=origins
        )
    auth = auth_settings()
    hmac_secret = auth.secret.get_secret_value().encode() if auth.is_hmac and auth.secret else None
    demo_file = demo_secret_path(database)
    try:
        demo_secret = demo_file.read_text(encoding="ascii").strip().encode()
    except (OSError, UnicodeDecodeError):
        demo_secret = None  # no demo ever ran on this database (as this user)
    return production_problems(
        demo=demo,
        hmac_secret=hmac_secret,
        demo_secret=demo_secret,
        cors_origins=origins,
    )


def production_problems(
    *,
    demo: bool,
    hmac_secret: bytes | None,
    demo_secret: bytes | None,
    cors_origins: tuple[str, ...],
) -> list[str]:
    """Why this configuration must not serve production traffic (empty: it may).

    `hmac_secret` is the configured HS* secret (None with RS*/ES* keys); `demo_secret` the one
    `serve --demo` keeps for this database, when it exists: tokens anyone with access to that
    demo can mint must not open a production API."""
    problems = []
    if demo:
        problems.append(f"--demo cannot run with {ENV_VARIABLE}=production")
    if hmac_secret is not None and len(hmac_secret) < 32:
        problems.append("PERFEX_JWT_SECRET is shorter than 32 bytes")
    if hmac_secret is not None and demo_secret is not None and hmac_secret == demo_secret:
        problems.append("PERFEX_JWT_SECRET is the demo's secret: generate a new one for production")
    if "*" in cors_origins:
        problems.append("PERFEX_CORS_ORIGINS allows every origin (*): list the origins")
    return problems


__all__ = [
    "ENV_VARIABLE",
    "INTROSPECTION_ADMIN_VARIABLE",
    "ModeSettings",
    "mode_settings",
    "production_problems",
    "serving_problems",
]
