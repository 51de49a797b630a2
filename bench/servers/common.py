"""What the bench-made servers share: the database from the environment, sign-in, and a small
GraphQL-over-HTTP endpoint (POST JSON, orjson answer) around a Strawberry schema."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
import strawberry
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.config import auth_settings
from bench.instrument import Instrumented
from bench.servers.base import database_url, error, json_response, raw_id
from graph.auth import AuthError, Principal, authenticate
from models.database import create_engine, session_factory
from models.tenancy import TENANT_KEY, tenant_session_factory
from settings import AuthSettings

__all__ = ["Database", "raw_id", "strawberry_app"]


class Database:
    """The engine of a bench server and its session factories (created at startup)."""

    engine: AsyncEngine
    auth_sessions: async_sessionmaker[AsyncSession]
    tenant_sessions: async_sessionmaker[AsyncSession]

    def __init__(self, url: URL) -> None:
        self.url = url

    def start(self) -> None:
        self.engine = create_engine(self.url)
        self.auth_sessions = session_factory(self.engine)
        self.tenant_sessions = tenant_session_factory(self.engine)

    def tenant_session(self, organization_id: str) -> AsyncSession:
        return self.tenant_sessions(info={TENANT_KEY: organization_id})


MakeContext = Callable[[Database, Principal], Awaitable[tuple[Any, Callable[[], Awaitable[None]]]]]


def strawberry_app(
    schema: strawberry.Schema, make_context: MakeContext, url: URL | None = None
) -> Instrumented:
    """POST /graphql: the API's sign-in (`graph.auth.authenticate`: token, then one statement
    checking membership), then `schema.execute` with the context `make_context` builds."""
    database = Database(url or database_url())
    settings: AuthSettings = auth_settings()

    async def endpoint(request: Request) -> Response:
        try:
            principal = await authenticate(
                request.headers.get("authorization"), database.auth_sessions, settings
            )
        except AuthError as exc:
            return error(exc.message, exc.status)
        body = orjson.loads(await request.body())
        context, close = await make_context(database, principal)
        try:
            result = await schema.execute(
                body["query"],
                variable_values=body.get("variables"),
                context_value=context,
                operation_name=body.get("operationName"),
            )
        finally:
            await close()
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [e.formatted for e in result.errors]
        return json_response(answer)

    return Instrumented(
        Starlette(
            routes=[Route("/graphql", endpoint, methods=["POST"])],
            lifespan=_lifespan(database),
        )
    )


def _lifespan(
    database: Database,
) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        database.start()
        try:
            yield
        finally:
            await database.engine.dispose()

    return lifespan
