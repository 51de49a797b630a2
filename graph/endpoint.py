"""/graphql: every request is authenticated, bounded and answered as JSON.

A missing or bad token is HTTP 401 (with `WWW-Authenticate: Bearer`) or 403 and a JSON GraphQL
error, before anything else is read or run. Then, within the request's time limit
(`PERFEX_REQUEST_TIMEOUT_SECONDS`, HTTP 504 `TIMEOUT` past it): the body is read as it arrives
(413 past `PERFEX_MAX_BODY_BYTES`), the membership is checked, and the operation runs, cancelled
when the client disconnects. A database that fails the request (connection lost, pool
exhausted, statement timeout) is HTTP 503 `SERVICE_UNAVAILABLE` or 504 `TIMEOUT`, never partial
data; anything unforeseen is a masked 500 `INTERNAL_SERVER_ERROR`, never a traceback or a
dropped connection. In development a browser asking for /graphql gets GraphiQL (no token).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from graph.audit.batch import Who, audit_batch, write_audit
from graph.audit.trail import TRAIL_KEY, Trail, operation_name_of, outcome_of
from graph.auth import (
    AuthError,
    Claims,
    bound_to_patient,
    is_patient_only,
    membership_statement,
    portal_patient_statement,
    principal_of,
    read_bearer,
    verify_token,
)
from graph.context import Context, build_context, request_id_of
from graph.errors import ErrorCode, code_locations
from graph.graphiql import DEFAULT_HEADERS, render_graphiql
from graph.guard import ClientGone, unless_disconnected
from graph.http import (
    RequestError,
    body_too_large,
    error_body,
    execute,
    negotiate,
    read_body,
    read_request,
    result_response,
)
from graph.schema import ClinicalSchema
from graph.session import DatabaseFailure, RequestDatabase
from models.database import DatabaseUnavailable
from settings import AuthSettings, LimitSettings, ModeSettings

logger = logging.getLogger("perfex_graph.app")

# What a client reads when the database fails its request (DatabaseFailure's codes).
_FAILURES = {
    ErrorCode.SERVICE_UNAVAILABLE: ("Service unavailable.", 503),
    ErrorCode.TIMEOUT: ("The request took too long.", 504),
}

Refuse = Callable[..., Response]


class ClinicalGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with authentication and limits in front and orjson behind;
    requests and responses follow GraphQL over HTTP (`graph.http`: media types, statuses)."""

    def __init__(
        self,
        graphql_schema: ClinicalSchema,
        auth: AuthSettings,
        ide_headers: str = DEFAULT_HEADERS,
        *,
        limits: LimitSettings,
        mode: ModeSettings,
    ) -> None:
        production = mode.production
        super().__init__(
            graphql_schema,
            graphql_ide=None if production else "graphiql",
            allow_queries_via_get=not production,
        )
        self.clinical_schema = graphql_schema  # typed as what it is (Strawberry's: BaseSchema)
        self.auth = auth
        self.ide_headers = ide_headers
        self.limits = limits
        self.mode = mode
        self.methods = ("POST",) if production else ("GET", "POST")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await Response(status_code=404)(scope, receive, send)
            return
        request = Request(scope, receive)
        request_id = request_id_of(request)
        send = _with_request_id(send, request_id)
        if _wants_ide(request):
            if self.mode.production:  # no GraphiQL in production: as if it did not exist
                await PlainTextResponse("Not Found", 404)(scope, receive, send)
            else:
                await super().__call__(scope, receive, send)
            return
        media_type = negotiate(request.headers.get("accept"))
        refuse = self._refusal(request_id, media_type)
        try:
            response = await self._respond(request, receive, request_id, refuse, media_type)
        except Exception as exc:  # the last resort: a JSON 500, never a traceback
            logger.error(
                "request %s: unexpected %s at %s",
                request_id,
                type(exc).__name__,
                code_locations(exc),
            )
            response = refuse("Unexpected error.", ErrorCode.INTERNAL_SERVER_ERROR, 500)
        if response is not None:  # None: the client is gone, nobody to answer
            await response(scope, receive, send)

    def _refusal(self, request_id: str, media_type: str) -> Refuse:
        def refuse(
            message: str, code: ErrorCode, status: int, headers: dict[str, str] | None = None
        ) -> Response:
            body = self.encode_json(error_body(message, code, request_id, media_type))
            return Response(body, status, headers, media_type)

        return refuse

    async def _respond(
        self, request: Request, receive: Receive, request_id: str, refuse: Refuse, media: str
    ) -> Response | None:
        """Check the method, the declared size and the token, then run the request within its
        time limit; the database session is closed whatever happens."""
        if request.method not in self.methods:
            allow = {"Allow": ", ".join(self.methods)}
            return refuse(f"Use {' or '.join(self.methods)}.", ErrorCode.BAD_REQUEST, 405, allow)
        if _declared_length(request) > self.limits.max_body_bytes:
            error = body_too_large()
            return refuse(error.message, error.code, error.status)
        try:
            claims = verify_token(read_bearer(request.headers.get("authorization")), self.auth)
        except AuthError as exc:
            logger.info("request %s refused: %s", request_id, exc.reason)
            return refuse(exc.message, exc.code, exc.status, _challenge(exc))
        db = RequestDatabase(request.app.state.tenant_sessions, claims.organization_id)
        trail = Trail()
        try:
            response, in_time = await self._answer(
                request, receive, request_id, refuse, media, db, claims, trail
            )
            if db.failure is not None:
                trail.outcome = "error"
            # The request's own session writes the audit batch while it is usable (it
            # answered, in time, without a database failure); else a session of its own does.
            usable = response is not None and in_time and db.failure is None
            audited = await self._audited(
                request, request_id, claims, trail, db if usable else None
            )
        finally:
            await db.close()  # never raises; a failed close sets db.failure
        if db.failure is not None and response is not None:
            logger.error("request %s: the database failed it: %s", request_id, db.failure)
            message, status = _FAILURES[db.failure]
            response = refuse(message, db.failure, status)
        if not audited and trail.phi:
            message, status = _FAILURES[ErrorCode.SERVICE_UNAVAILABLE]  # fail closed
            return refuse(message, ErrorCode.SERVICE_UNAVAILABLE, status)
        return response

    async def _answer(
        self,
        request: Request,
        receive: Receive,
        request_id: str,
        refuse: Refuse,
        media: str,
        db: RequestDatabase,
        claims: Claims,
        trail: Trail,
    ) -> tuple[Response | None, bool]:
        """The response within the request's time limit, and whether it was in time."""
        deadline = asyncio.timeout(self.limits.request_timeout_seconds)
        try:
            async with deadline:
                return await self._run(
                    request, receive, request_id, refuse, media, db, claims, trail
                ), True
        except TimeoutError:
            if not deadline.expired():
                raise
        logger.warning(
            "request %s: cancelled after %s s", request_id, self.limits.request_timeout_seconds
        )
        message, status = _FAILURES[ErrorCode.TIMEOUT]
        trail.outcome = "error"
        return refuse(message, ErrorCode.TIMEOUT, status), False

    async def _audited(
        self,
        request: Request,
        request_id: str,
        claims: Claims,
        trail: Trail,
        request_db: RequestDatabase | None,
    ) -> bool:
        """Write the request's audit batch (graph/audit/batch.py); False if that failed."""
        client = request.client
        who = Who(
            organization_id=claims.organization_id,
            user_id=claims.user_id,
            roles=claims.roles,
            request_id=request_id,
            operation_name=trail.operation_name,
            ip_address=client.host if client else None,
            user_agent=request.headers.get("user-agent"),
        )
        try:
            batch = audit_batch(trail, who, trail.outcome, trail.action)
            if batch is not None:
                sessions = request.app.state.tenant_sessions
                await write_audit(sessions, claims.organization_id, batch, request_db)
        except Exception as exc:
            logger.error(
                "request %s: the audit write failed (%s at %s)",
                request_id,
                type(exc).__name__,
                code_locations(exc),
            )
            return False
        return True

    async def _run(
        self,
        request: Request,
        receive: Receive,
        request_id: str,
        refuse: Refuse,
        media_type: str,
        db: RequestDatabase,
        claims: Claims,
        trail: Trail,
    ) -> Response | None:
        """Read the body, check the membership, run the operation: one response, or None when
        the client went away. `trail` collects what it read, for the audit."""
        try:
            body = b""
            if request.method == "POST":
                body = await read_body(request, self.limits.max_body_bytes)
            # One session for the whole request: the membership check runs in the tenant
            # session of the token's organization, which then serves the query.
            principal = principal_of(claims, await db.scalar(*membership_statement(claims)))
            if is_patient_only(principal.roles):  # a portal patient: its own chart only
                patients = await db.rows(portal_patient_statement(principal))
                principal = bound_to_patient(principal, [row[0] for row in patients])
                db.restrict_to_patient(str(principal.patient_id))
        except ClientDisconnect:
            return None
        except RequestError as exc:
            return refuse(exc.message, exc.code, exc.status, exc.headers)
        except AuthError as exc:
            logger.info("request %s refused: %s", request_id, exc.reason)
            trail.action, trail.outcome = "access_denied", "denied"  # not a member, no account
            return refuse(exc.message, exc.code, exc.status, _challenge(exc))
        except (DatabaseFailure, DatabaseUnavailable, SQLAlchemyError, OSError) as exc:
            logger.error(
                "request %s: database error during sign-in: %s", request_id, type(exc).__name__
            )
            code = exc.code if isinstance(exc, DatabaseFailure) else ErrorCode.SERVICE_UNAVAILABLE
            message, status = _FAILURES[code]
            return refuse(message, code, status)
        context = build_context(principal, db, request_id)
        context.trail = trail
        introspection = self.mode.introspection_allowed(principal.roles)
        db.tag(TRAIL_KEY, trail)  # from here on, what the request reads is recorded
        try:
            graphql = read_request(request, body)
            trail.operation_name = graphql.operation_name or operation_name_of(graphql.query)
            operation = execute(
                self.clinical_schema,
                graphql,
                request.method,
                context,
                self.limits.max_tokens,
                introspection=introspection,
            )
            result = await unless_disconnected(operation, receive)
        except RequestError as exc:
            return refuse(exc.message, exc.code, exc.status, exc.headers)
        except ClientGone:
            logger.info("request %s: the client disconnected; its work was cancelled", request_id)
            trail.outcome = "error"
            return None
        trail.outcome = outcome_of(result)
        return result_response(result, media_type, self.encode_json)

    async def get_context(self, request: Any, response: Any) -> Context:
        # Strawberry runs only the GraphiQL page, which executes nothing; `_respond` the rest.
        return None  # type: ignore[return-value]

    async def render_graphql_ide(self, request: Request) -> Response:
        return await render_graphiql(request, self.ide_headers)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def _challenge(exc: AuthError) -> dict[str, str] | None:
    """RFC 6750 §3: a 401 names the scheme; `invalid_token` when a token was sent."""
    if exc.status != 401:
        return None
    if exc.reason == "missing":
        return {"WWW-Authenticate": 'Bearer realm="perfex-graph"'}
    return {"WWW-Authenticate": 'Bearer realm="perfex-graph", error="invalid_token"'}


def _declared_length(request: Request) -> int:
    """Content-Length as declared (0 when absent): only an early refusal; the body is counted
    as it arrives anyway."""
    try:
        return int(request.headers.get("content-length", "0"))
    except ValueError:
        return 0


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
