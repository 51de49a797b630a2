"""What browsers may do: `PERFEX_CORS_ORIGINS`, the web origins allowed to call the API.

Off by default: no origin may call the API from a browser page (server-to-server clients and
GraphiQL, served by the API itself, need no CORS). A comma-separated list or a JSON list of
origins (`https://dashboard.example.org`); `:*` as the port allows any port of that host
(`http://localhost:*`), `*` allows every origin. Tokens travel in the Authorization header,
never in cookies, so credentials are never allowed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from settings.env import ENV_FILE
from settings.errors import ConfigError

CORS_VARIABLE = "PERFEX_CORS_ORIGINS"
# `serve --demo` allows pages served from this machine, on any port, unless the variable is set.
DEMO_CORS_ORIGINS = ("http://localhost:*", "http://127.0.0.1:*")

_ORIGIN = re.compile(
    r"(?P<scheme>https?)://(?P<host>[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])"
    r"(?::(?P<port>\*|[0-9]{1,5}))?"
)


class CorsSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PERFEX_CORS_",
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    origins: Annotated[tuple[str, ...], NoDecode] = ()

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            error = exc.errors(include_url=False, include_input=False)[0]
            raise ConfigError(f"{CORS_VARIABLE}: {error['msg']}") from None

    @field_validator("origins", mode="before")
    @classmethod
    def _parse(cls, raw: Any) -> tuple[str, ...]:
        return parse_cors_origins(raw)


def parse_cors_origins(raw: str | Sequence[str]) -> tuple[str, ...]:
    """Validated, normalized origins from `a,b`, a JSON list or a sequence; ConfigError else."""
    if isinstance(raw, str):
        text = raw.strip()
        try:
            raw = json.loads(text) if text.startswith("[") else text.split(",")
        except ValueError:
            raise ConfigError(
                f"{CORS_VARIABLE} is neither a comma-separated list nor a JSON list of origins"
            ) from None
    if not isinstance(raw, list | tuple):
        raise ConfigError(f"{CORS_VARIABLE} must be a list of origins")
    origins: list[str] = []
    for item in raw:
        origin = _normalize(str(item))
        if origin and origin not in origins:
            origins.append(origin)
    return tuple(origins)


def _normalize(item: str) -> str:
    text = item.strip()
    if text in ("", "*"):
        return text
    candidate = text.lower().removesuffix("/")
    match = _ORIGIN.fullmatch(candidate)
    port = match and match["port"]
    if not match or (port and port != "*" and not 0 < int(port) < 65536):
        raise ConfigError(
            f"{CORS_VARIABLE}: {text!r} is not an origin: use scheme://host[:port] without a "
            "path, e.g. https://dashboard.example.org or http://localhost:*"
        )
    return candidate


@dataclass(frozen=True)
class CorsRules:
    """The origins as CORSMiddleware takes them: exact origins and one regular expression."""

    allow_origins: tuple[str, ...]
    allow_origin_regex: str | None

    @property
    def enabled(self) -> bool:
        return bool(self.allow_origins or self.allow_origin_regex)


def cors_rules(origins: Sequence[str]) -> CorsRules:
    """Split validated origins into exact ones and a regex for the `:*` (any port) ones."""
    exact = tuple(origin for origin in origins if not origin.endswith(":*"))
    any_port = [re.escape(origin.removesuffix(":*")) for origin in origins if origin not in exact]
    regex = f"(?:{'|'.join(any_port)})(?::[0-9]{{1,5}})?" if any_port else None
    return CorsRules(exact, regex)


def configured_cors_origins() -> tuple[str, ...] | None:
    """The origins of PERFEX_CORS_ORIGINS (environment or `.env`), None when it is not set.

    Not cached: `serve --demo` sets the variable for the app it starts."""
    settings = CorsSettings()
    return settings.origins if "origins" in settings.model_fields_set else None


__all__ = [
    "CORS_VARIABLE",
    "DEMO_CORS_ORIGINS",
    "CorsRules",
    "CorsSettings",
    "configured_cors_origins",
    "cors_rules",
    "parse_cors_origins",
]


# `serve --demo` hands its demo token to the app (and its workers) through this variable, so
# GraphiQL opens with it in the Headers tab. Only the demo sets it: never in a deployment.
DEMO_TOKEN_VARIABLE = "PERFEX_DEMO_GRAPHIQL_TOKEN"  # noqa: S105 (a variable name)


def demo_graphiql_token() -> str | None:
    """The demo token GraphiQL pre-fills, when `serve --demo` runs the app."""
    return os.environ.get(DEMO_TOKEN_VARIABLE) or None
