"""The Starlette application: /graphql, /healthz, /readyz and, in development, GraphiQL.

/graphql is `graph.endpoint.ClinicalGraphQL` (authentication, limits, GraphQL over HTTP).
Every response carries `Cache-Control: no-store` and `X-Content-Type-Options: nosniff`
(`graph.headers`). `PERFEX_ENV=production` (settings/mode.py) turns off GraphiQL and its
assets, introspection (but for `admin` when `PERFEX_INTROSPECTION_ADMIN=true`) and GET queries.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator

from sqlalchemy.engine import URL
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from graph.endpoint import ClinicalGraphQL
from graph.graphiql import DEFAULT_HEADERS, graphiql_asset_routes, headers_with_token
from graph.headers import SecurityHeaders
from graph.schema import schema
from models.database import (
    DatabaseNotMigrated,
    DatabaseUnavailable,
    check_ready,
    create_engine,
)
from models.tenancy import tenant_session_factory
from models.wal import background_checkpoints
from settings import (
    AuthSettings,
    ConfigError,
    LimitSettings,
    ModeSettings,
    auth_settings,
    configured_cors_origins,
    cors_rules,
    demo_graphiql_token,
    limit_settings,
    mode_settings,
    parse_cors_origins,
)
from settings import database_url as configured_database_url


async def healthz(_request: Request) -> Response:
    """The process is up (says nothing about the database)."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """The database is reachable and migrated; 503 with the reason otherwise."""
    try:
        await check_ready(request.app.state.engine)
    except (DatabaseUnavailable, DatabaseNotMigrated) as exc:
        reason = (
            "database not migrated"
            if isinstance(exc, DatabaseNotMigrated)
            else ("database unreachable")
        )
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
    return JSONResponse({"status": "ready"})


_FROZEN = False


# Collect the young generation every 50,000 net allocations instead of 700: a roster of 500
# patients allocates about a million objects, nearly all freed by reference counting, and at
# 700 the collector ran ~30 times per request (a tenth of its time, up to 40 ms at once).
GC_THRESHOLDS = (50_000, 20, 10)


def freeze_startup_objects() -> None:
    """Move what start-up built (the schema, modules, the engine) out of the garbage
    collector's sight, once per process: a full collection would otherwise walk those ~300,000
    long-lived objects every few requests (pauses of 200 ms were measured); and collect less
    often (GC_THRESHOLDS)."""
    global _FROZEN
    if not _FROZEN:
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        _FROZEN = True


def create_app(
    *,
    database_url: URL | None = None,
    auth: AuthSettings | None = None,
    cors_origins: list[str] | tuple[str, ...] | None = None,
    graphiql_token: str | None = None,
    limits: LimitSettings | None = None,
    mode: ModeSettings | None = None,
) -> Starlette:
    """The ASGI app; the engine is created at startup and disposed at shutdown.

    `cors_origins` (default: PERFEX_CORS_ORIGINS) are the web origins whose pages may call the
    API; none by default (in production an explicit list: `*` is refused). Preflights are
    answered before authentication (they carry no token). `graphiql_token` (default: the one
    `serve --demo` hands over) pre-fills GraphiQL's Headers. `limits` (default: PERFEX_* limits)
    and `mode` (default: PERFEX_ENV) are for tests that need other values.
    """
    url = database_url or configured_database_url()
    settings = auth or auth_settings()
    limits = limits or limit_settings()
    mode = mode or mode_settings()
    token = graphiql_token or demo_graphiql_token()
    ide_headers = headers_with_token(token) if token else DEFAULT_HEADERS
    origins = parse_cors_origins(
        (configured_cors_origins() if cors_origins is None else cors_origins) or ()
    )
    if mode.production and "*" in origins:
        raise ConfigError("PERFEX_CORS_ORIGINS: * (every origin) is refused in production")
    cors = cors_rules(origins)
    endpoint = ClinicalGraphQL(schema, settings, ide_headers, limits=limits, mode=mode)
    cors_middleware = Middleware(
        CORSMiddleware,
        allow_origins=cors.allow_origins,
        allow_origin_regex=cors.allow_origin_regex,
        allow_methods=(*endpoint.methods, "OPTIONS"),
        allow_headers=("Authorization", "Content-Type", "X-Request-Id"),
        expose_headers=("X-Request-Id",),
        allow_credentials=False,  # tokens are bearer headers, never cookies
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(url)
        app.state.engine = engine
        app.state.tenant_sessions = tenant_session_factory(
            engine, statement_timeout_ms=limits.statement_timeout_ms
        )
        freeze_startup_objects()
        try:
            async with background_checkpoints(engine):  # SQLite: not in requests' commits
                yield
        finally:
            await engine.dispose()

    # /graphql takes every method: the endpoint answers the ones it does not serve with a JSON
    # 405 and an Allow header, where a Route's own check would answer in plain text.
    routes: list[BaseRoute] = [
        Route("/graphql", endpoint),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    if not mode.production:
        routes += graphiql_asset_routes()
    middleware = [Middleware(SecurityHeaders)]
    if cors.enabled:
        middleware.append(cors_middleware)
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
