"""Error mapping: the one place that decides what a client sees when something fails.

Expected failures are `ApiError`s with a stable `extensions.code`. GraphQL syntax and
validation errors get `GRAPHQL_PARSE_FAILED` / `GRAPHQL_VALIDATION_FAILED`. Anything else is
masked as `INTERNAL_SERVER_ERROR` with the request id, and logged with the exception type and
code locations only: messages of database errors can carry parameter values (patient data),
so they are never logged or returned.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

logger = logging.getLogger("perfex_graph.errors")


class ApiError(Exception):
    """An expected failure the client can act on."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadUserInput(ApiError):
    code = "BAD_USER_INPUT"


class Forbidden(ApiError):
    code = "FORBIDDEN"


def _code_locations(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in reversed(frames))


def _classify(error: GraphQLError, request_id: str | None) -> GraphQLError:
    original = error.original_error
    extensions = dict(error.extensions or {})
    if original is None:
        phase = "GRAPHQL_PARSE_FAILED" if error.message.startswith("Syntax Error") else None
        extensions.setdefault("code", phase or "GRAPHQL_VALIDATION_FAILED")
        error.extensions = extensions
        return error
    if isinstance(original, ApiError):
        extensions["code"] = original.code
        error.extensions = extensions
        error.message = original.message
        return error
    if isinstance(original, GraphQLError):  # e.g. a limiter's error: keep its message
        extensions.setdefault("code", "GRAPHQL_VALIDATION_FAILED")
        error.extensions = extensions
        return error
    logger.error(
        "unexpected %s in %s (request %s) at %s",
        type(original).__name__,
        ".".join(map(str, error.path or [])) or "operation",
        request_id,
        _code_locations(original),
    )
    return GraphQLError(
        "Unexpected error.",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
    )


class ErrorMapping(SchemaExtension):
    """Rewrites the result's errors after execution (runs before Strawberry's own logging)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        result.errors = [_classify(error, request_id) for error in result.errors]
