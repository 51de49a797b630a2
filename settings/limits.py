"""How much one request may ask for: `PERFEX_PAGE_MAX` (rows of a root list page, 500 by
default) and `PERFEX_NESTED_PAGE_MAX` (rows per parent of a nested list, 100 by default)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from settings.env import ENV_FILE
from settings.errors import ConfigError


class LimitSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PERFEX_",
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    page_max: int = Field(default=500, ge=1, le=10_000)
    nested_page_max: int = Field(default=100, ge=1, le=1_000)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            error = exc.errors(include_url=False, include_input=False)[0]
            name = f"PERFEX_{str(error['loc'][0]).upper()}"
            raise ConfigError(f"{name}: {error['msg']}") from None


@lru_cache(maxsize=1)
def limit_settings() -> LimitSettings:
    """The configured limits (environment, then `.env`), read once."""
    return LimitSettings()


__all__ = ["LimitSettings", "limit_settings"]
