"""The real API, `graph.app:create_app`, unchanged, inside the bench's counters."""

from __future__ import annotations

from sqlalchemy.engine import URL

from bench.config import auth_settings
from bench.instrument import Instrumented
from bench.servers.base import database_url
from graph.app import create_app


def create(url: URL | None = None) -> Instrumented:
    """The API's ASGI app (for `uvicorn --factory bench.servers.api:create`)."""
    return Instrumented(
        create_app(database_url=url or database_url(), auth=auth_settings(), cors_origins=())
    )
