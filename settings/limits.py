"""How much one request may ask for and how long it may take: every limit is a
`PERFEX_<NAME>` setting with a safe default.

- `PERFEX_PAGE_MAX` (500): rows of a root list page; `PERFEX_NESTED_PAGE_MAX` (100): rows per
  parent of a nested list.
- `PERFEX_MAX_COST`, `PERFEX_MAX_DEPTH`, `PERFEX_MAX_ALIASES`, `PERFEX_MAX_TOKENS`,
  `PERFEX_MAX_DIRECTIVES`: the document limits checked before execution.
- `PERFEX_MAX_BODY_BYTES`: the request body, counted while it streams in.
- `PERFEX_REQUEST_TIMEOUT_SECONDS`: the whole request; `PERFEX_STATEMENT_TIMEOUT_MS`: one SQL
  statement (PostgreSQL `statement_timeout`, per transaction).
"""

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
    # Document limits (graph/cost.py), checked in one pass before anything executes. The
    # dashboard operations cost (default variables): Q1 Roster 5,905 (29,505 at first: 500),
    # Q2 PatientChart 288, Q3 RpmAlerts 3,413, Q4 QualityDashboard 14,013, Q5 PatientSearch
    # 125; the depth-7 probe of issue 10 costs 30,151,002. Depth counts field levels, a root
    # field being 1: Q1 is 6 deep, `edges { node }` adds a level per list.
    max_cost: int = Field(default=50_000, ge=1)
    max_depth: int = Field(default=10, ge=1, le=100)
    max_aliases: int = Field(default=30, ge=0, le=10_000)
    max_tokens: int = Field(default=3_000, ge=10, le=1_000_000)
    max_directives: int = Field(default=50, ge=0, le=10_000)
    # Transport and time.
    max_body_bytes: int = Field(default=1_000_000, ge=1_000, le=100_000_000)
    request_timeout_seconds: float = Field(default=15.0, gt=0, le=600)
    statement_timeout_ms: int = Field(default=10_000, ge=1, le=600_000)

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
