"""Error mapping: the one place that decides what a client sees when something fails.

Expected failures are `ApiError`s with a stable `extensions.code`. GraphQL syntax and
validation errors get `GRAPHQL_PARSE_FAILED` / `GRAPHQL_VALIDATION_FAILED`. Anything else is
masked as `INTERNAL_SERVER_ERROR` with the request id, and logged with the exception type and
code locations only: messages of database errors can carry parameter values (patient data),
so they are never logged or returned.
"""

from __future__ import annotations

import logging
import re
import traceback

from graphql import GraphQLError

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
            "code", "GRAPHQL_PARSE_FAILED" if parse else "GRAPHQL_VALIDATION_FAILED"
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
            _code_locations(original),
        )
        error.message = "Unexpected error."
        extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    error.extensions = extensions
