"""The Starlette application: /graphql, /healthz, /readyz and the self-hosted GraphiQL.

Every GraphQL request is authenticated before Strawberry sees it: a missing or bad token is
answered with HTTP 401 (or 403) and a JSON GraphQL error, and no resolver runs. The GraphiQL
page itself (GET /graphql from a browser) loads without a token.
"""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from graph.auth import AuthError, membership_statement, principal_of, read_bearer, verify_token
from graph.context import Context, build_context, request_id_of
from graph.errors import ErrorCode
from graph.graphiql import (
    DEFAULT_HEADERS,
    graphiql_asset_routes,
    headers_with_token,
    render_graphiql,
)
from graph.http import RequestError, error_body, execute, negotiate, read_request, result_response
from graph.schema import MAX_TOKENS, ClinicalSchema, schema
from graph.session import RequestDatabase
from models.database import (
    DatabaseNotMigrated,
    DatabaseUnavailable,
    check_ready,
    create_engine,
)
from models.tenancy import tenant_session_factory
from settings import (
    AuthSettings,
    auth_settings,
    configured_cors_origins,
    cors_rules,
    demo_graphiql_token,
    parse_cors_origins,
)
from settings import database_url as configured_database_url

logger = logging.getLogger("perfex_graph.app")

MAX_BODY_BYTES = 1_000_000  # a GraphQL document with variables; nothing legitimate is larger


class ClinicalGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with authentication in front and orjson behind; requests and
    responses follow GraphQL over HTTP (`graph.http`: media types, status codes)."""

    def __init__(
        self, graphql_schema: ClinicalSchema, auth: AuthSettings, ide_headers: str = DEFAULT_HEADERS
    ) -> None:
        super().__init__(graphql_schema, graphql_ide="graphiql", allow_queries_via_get=True)
        self.auth = auth
        self.ide_headers = ide_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await Response(status_code=404)(scope, receive, send)
            return
        request = Request(scope, receive)
        request_id = request_id_of(request)
        send = _with_request_id(send, request_id)
        if _wants_ide(request):
            await super().__call__(scope, receive, send)
            return
        response = await self._respond(
            request, request_id, negotiate(request.headers.get("accept"))
        )
        await response(scope, receive, send)

    async def _respond(self, request: Request, request_id: str, media_type: str) -> Response:
        """Authenticate, read the request, run it: every outcome is a GraphQL JSON response."""

        def refuse(
            message: str, code: ErrorCode, status: int, headers: dict[str, str] | None = None
        ) -> Response:
            body = self.encode_json(error_body(message, code, request_id, media_type))
            return Response(body, status, headers, media_type)

        if _declared_length(request) > MAX_BODY_BYTES:
            return refuse("Request body too large.", ErrorCode.BAD_USER_INPUT, 413)
        state = request.app.state
        db: RequestDatabase | None = None
        try:
            claims = verify_token(read_bearer(request.headers.get("authorization")), self.auth)
            # One session for the whole request: the membership check runs in the tenant
            # session of the token's organization, which then serves the query.
            db = RequestDatabase(state.tenant_sessions, claims.organization_id)
            principal = principal_of(claims, await db.scalar(membership_statement(claims)))
        except AuthError as exc:
            if db is not None:
                await db.close()
            logger.info("request %s refused: %s", request_id, exc.reason)
            return refuse(exc.message, exc.code, exc.status)
        except (DatabaseUnavailable, SQLAlchemyError, OSError) as exc:
            if db is not None:
                await db.close()
            logger.error(
                "request %s: database error during sign-in: %s", request_id, type(exc).__name__
            )
            return refuse("Service unavailable.", ErrorCode.SERVICE_UNAVAILABLE, 503)
        if request.method not in ("GET", "POST"):
            await db.close()
            allow = {"Allow": "GET, POST"}
            return refuse("Use GET or POST.", ErrorCode.BAD_REQUEST, 405, allow)
        context = build_context(principal, db, request_id)
        try:
            graphql = await read_request(request)
            result = await execute(self.schema, graphql, request.method, context, MAX_TOKENS)
        except RequestError as exc:
            return refuse(exc.message, ErrorCode.BAD_REQUEST, exc.status, exc.headers)
        finally:
            await context.db.close()
        return result_response(result, media_type, self.encode_json)

    async def get_context(self, request: Any, response: Any) -> Context:
        # Strawberry runs only the GraphiQL page, which executes nothing; `_respond` the rest.
        return None  # type: ignore[return-value]

    async def render_graphql_ide(self, request: Request) -> Response:
        return await render_graphiql(request, self.ide_headers)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def _declared_length(request: Request) -> int:
    try:
        return int(request.headers.get("content-length", "0"))
    except ValueError:
        return MAX_BODY_BYTES + 1


def _wants_ide(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.method == "GET" and "text/html" in accept and not request.query_params


def _with_request_id(send: Send, request_id: str) -> Send:
    async def send_with_id(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers.append((b"x-request-id", request_id.encode()))
            message = {**message, "headers": headers}
        await send(message)

    return send_with_id


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


def freeze_startup_objects() -> None:
    """Move what start-up built (the schema, modules, the engine) out of the garbage
    collector's sight, once per process: a full collection would otherwise walk those ~300,000
    long-lived objects every few requests (pauses of 200 ms were measured)."""
    global _FROZEN
    if not _FROZEN:
        gc.collect()
        gc.freeze()
        _FROZEN = True


def create_app(
    *,
    database_url: URL | None = None,
    auth: AuthSettings | None = None,
    cors_origins: list[str] | tuple[str, ...] | None = None,
    graphiql_token: str | None = None,
) -> Starlette:
    """The ASGI app; the engine is created at startup and disposed at shutdown.

    `cors_origins` (default: PERFEX_CORS_ORIGINS) are the web origins whose pages may call the
    API; none by default. Preflights are answered before authentication (they carry no token).
    `graphiql_token` (default: the one `serve --demo` hands over) pre-fills GraphiQL's Headers.
    """
    url = database_url or configured_database_url()
    settings = auth or auth_settings()
    token = graphiql_token or demo_graphiql_token()
    ide_headers = headers_with_token(token) if token else DEFAULT_HEADERS
    origins = configured_cors_origins() if cors_origins is None else cors_origins
    cors = cors_rules(parse_cors_origins(origins or ()))
    cors_middleware = Middleware(
        CORSMiddleware,
        allow_origins=cors.allow_origins,
        allow_origin_regex=cors.allow_origin_regex,
        allow_methods=("GET", "POST", "OPTIONS"),
        allow_headers=("Authorization", "Content-Type", "X-Request-Id"),
        expose_headers=("X-Request-Id",),
        allow_credentials=False,  # tokens are bearer headers, never cookies
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(url)
        app.state.engine = engine
        app.state.tenant_sessions = tenant_session_factory(engine)
        freeze_startup_objects()
        try:
            yield
        finally:
            await engine.dispose()

    routes = [
        Route("/graphql", ClinicalGraphQL(schema, settings, ide_headers), methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        *graphiql_asset_routes(),
    ]
    middleware = [cors_middleware] if cors.enabled else []
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
