"""The Starlette application: /graphql, /healthz, /readyz and the self-hosted GraphiQL.

Every GraphQL request is authenticated before Strawberry sees it: a missing or bad token is
answered with HTTP 401 (or 403) and a JSON GraphQL error, and no resolver runs. The GraphiQL
page itself (GET /graphql from a browser) loads without a token.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from graph.auth import AuthError, authenticate
from graph.context import Context, build_context, request_id_of
from graph.errors import ErrorCode
from graph.graphiql import graphiql_asset_routes, render_graphiql
from graph.schema import ClinicalSchema, schema
from models.database import (
    DatabaseNotMigrated,
    DatabaseUnavailable,
    check_ready,
    create_engine,
    session_factory,
)
from models.tenancy import tenant_session_factory
from settings import AuthSettings, auth_settings
from settings import database_url as configured_database_url

logger = logging.getLogger("perfex_graph.app")

MAX_BODY_BYTES = 1_000_000  # a GraphQL document with variables; nothing legitimate is larger


def _error_body(message: str, code: ErrorCode, request_id: str) -> dict[str, Any]:
    return {
        "data": None,
        "errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}],
    }


class ClinicalGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with authentication in front and orjson behind."""

    def __init__(self, graphql_schema: ClinicalSchema, auth: AuthSettings) -> None:
        super().__init__(graphql_schema, graphql_ide="graphiql", allow_queries_via_get=True)
        self.auth = auth

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
        if _declared_length(request) > MAX_BODY_BYTES:
            body = _error_body("Request body too large.", ErrorCode.BAD_USER_INPUT, request_id)
            await JSONResponse(body, status_code=413)(scope, receive, send)
            return
        state = request.app.state
        try:
            principal = await authenticate(
                request.headers.get("authorization"), state.auth_sessions, self.auth
            )
        except AuthError as exc:
            logger.info("request %s refused: %s", request_id, exc.reason)
            body = _error_body(exc.message, exc.code, request_id)
            await JSONResponse(body, status_code=exc.status)(scope, receive, send)
            return
        except (DatabaseUnavailable, SQLAlchemyError, OSError) as exc:
            logger.error(
                "request %s: database error during sign-in: %s", request_id, type(exc).__name__
            )
            body = _error_body("Service unavailable.", ErrorCode.SERVICE_UNAVAILABLE, request_id)
            await JSONResponse(body, status_code=503)(scope, receive, send)
            return
        context = build_context(principal, state.tenant_sessions, request_id)
        scope.setdefault("state", {})["graphql_context"] = context
        try:
            await super().__call__(scope, receive, send)
        finally:
            await context.db.close()

    async def get_context(self, request: Any, response: Any) -> Context:
        # None only for the GraphiQL page, which executes nothing.
        return getattr(request.state, "graphql_context", None)  # type: ignore[return-value]

    async def render_graphql_ide(self, request: Request) -> Response:
        return await render_graphiql(request)

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


def create_app(*, database_url: URL | None = None, auth: AuthSettings | None = None) -> Starlette:
    """The ASGI app; the engine is created at startup and disposed at shutdown."""
    url = database_url or configured_database_url()
    settings = auth or auth_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(url)
        app.state.engine = engine
        app.state.auth_sessions = session_factory(engine)
        app.state.tenant_sessions = tenant_session_factory(engine)
        try:
            yield
        finally:
            await engine.dispose()

    routes = [
        Route("/graphql", ClinicalGraphQL(schema, settings), methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        *graphiql_asset_routes(),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
