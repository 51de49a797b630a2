"""Error mapping: the one place that decides what a client sees when something fails.

Expected failures are `ApiError`s with a stable `extensions.code`. GraphQL syntax and
validation errors get `GRAPHQL_PARSE_FAILED` / `GRAPHQL_VALIDATION_FAILED`. Anything else is
masked as `INTERNAL_SERVER_ERROR` with the request id, and logged with the exception type and
code locations only: messages of database errors can carry parameter values (patient data),
so they are never logged or returned.
"""

from __future__ import annotations

import enum
import logging
import re
import traceback

from graphql import GraphQLError

logger = logging.getLogger("perfex_graph.errors")


class ErrorCode(enum.StrEnum):
    """Every `extensions.code` the API returns, in GraphQL errors and in HTTP error bodies.

    The values are the stable contract listed in the README; members are `str`s, so they
    serialize (json, orjson) and compare as the plain code.
    """

    UNAUTHENTICATED = "UNAUTHENTICATED"  # HTTP 401: missing or invalid token
    FORBIDDEN = "FORBIDDEN"  # HTTP 403, or an action the caller may not take
    BAD_USER_INPUT = "BAD_USER_INPUT"  # invalid arguments or an oversized request
    BAD_REQUEST = "BAD_REQUEST"  # HTTP 400/405/415: not a GraphQL request we can run
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"  # includes the query limits
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"  # masked, with the request id
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"  # HTTP 503: the database is unreachable
    TIMEOUT = "TIMEOUT"  # HTTP 504: the request (or one of its statements) took too long


class ApiError(Exception):
    """An expected failure the client can act on."""

    code: ErrorCode = ErrorCode.BAD_USER_INPUT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadUserInput(ApiError):
    code = ErrorCode.BAD_USER_INPUT


class Forbidden(ApiError):
    code = ErrorCode.FORBIDDEN


def code_locations(exc: BaseException) -> str:
    """Where `exc` was raised, as file:line frames (innermost first): no message, no values."""
    frames = traceback.extract_tb(exc.__traceback__)
    return " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in reversed(frames))


_SUGGESTION = re.compile(r"\s*Did you mean .*\?\s*$", re.DOTALL)


def classify(error: GraphQLError, request_id: str | None) -> None:
    """Give `error` its stable code and a safe message, in place (Strawberry serializes the
    same objects afterwards). Every error of every phase passes through here."""
    original = error.original_error
    extensions = dict(error.extensions or {})
    if original is None or isinstance(original, GraphQLError):
        # Syntax, validation and limiter errors: safe to show, minus name suggestions.
        parse = error.message.startswith("Syntax Error")
        extensions.setdefault(
            "code",
            ErrorCode.GRAPHQL_PARSE_FAILED if parse else ErrorCode.GRAPHQL_VALIDATION_FAILED,
        )
        error.message = _SUGGESTION.sub("", error.message)
    elif isinstance(original, ApiError):
        extensions["code"] = original.code
        error.message = original.message
    else:
        logger.error(
            "unexpected %s in %s (request %s) at %s",
            type(original).__name__,
            ".".join(map(str, error.path or [])) or "operation",
            request_id,
            code_locations(original),
        )
        error.message = "Unexpected error."
        extensions = {"code": ErrorCode.INTERNAL_SERVER_ERROR, "requestId": request_id}
    error.extensions = extensions
