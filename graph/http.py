"""GraphQL over HTTP: reading a request, running it, and choosing the response's type and status.

Follows the GraphQL-over-HTTP specification (https://graphql.github.io/graphql-over-http/):

- The response is `application/graphql-response+json` when the client's `Accept` header
  prefers it (a higher `q`, or listed before `application/json` and the wildcards), otherwise
  `application/json` (also without `Accept`, or when it names nothing we produce).
- A request that is not a GraphQL request we can run (body not a JSON object, a parameter of
  the wrong type, no query, an unknown or missing operation name, a batch) is HTTP 400 (415
  for another content type, 405 for a mutation over GET) with a `BAD_REQUEST` error; a body
  larger than `PERFEX_MAX_BODY_BYTES` is HTTP 413 `BAD_USER_INPUT`, counted while it arrives
  (whatever Content-Length says, and for chunked bodies that have none).
- A request error found by GraphQL itself (the document does not parse or validate, the
  variables do not coerce) is HTTP 400 with no `data` entry in `application/graphql-response+
  json`; in `application/json` it stays HTTP 200 with `"data": null`, as legacy clients expect.
- Field errors (execution started) are HTTP 200 in both: the response has `data`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.requests import Request
from starlette.responses import Response
from strawberry.exceptions import MissingQueryError
from strawberry.http import process_result
from strawberry.schema import Schema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from graph.errors import ErrorCode
from graph.prechecks import introspection_errors, number_errors

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
_JSON_RANGES = (JSON, "application/*", "*/*")  # ranges answered with the default, JSON

# A document needs two of these words to hold two operations; only then is it parsed here.
_OPERATION_KEYWORD = re.compile(r"\b(?:query|mutation|subscription)\b", re.ASCII)


class RequestError(Exception):
    """The request is not a GraphQL request this server runs; nothing was executed."""

    def __init__(
        self,
        message: str,
        status: int = 400,
        headers: Mapping[str, str] | None = None,
        code: ErrorCode = ErrorCode.BAD_REQUEST,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.headers = dict(headers or {})
        self.code = code


def body_too_large() -> RequestError:
    return RequestError("Request body too large.", 413, code=ErrorCode.BAD_USER_INPUT)


@dataclass(frozen=True)
class GraphQLRequest:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


def _media_type(value: str) -> tuple[str, dict[str, str]]:
    """`type/subtype` (lower case) and the parameters of a Content-Type or Accept item."""
    kind, *parameters = value.split(";")
    params = {}
    for parameter in parameters:
        name, _, raw = parameter.partition("=")
        params[name.strip().lower()] = raw.strip().strip('"')
    return kind.strip().lower(), params


def negotiate(accept: str | None) -> str:
    """The media type of the response for this `Accept` header (see the module docstring)."""
    ranges: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept or "").split(",")):
        kind, params = _media_type(item)
        try:
            quality = float(params.get("q", "1"))
        except ValueError:
            quality = 0.0
        if kind:
            ranges.append((-quality, position, kind))
    refused = {kind for quality, _, kind in ranges if quality == 0}
    for quality, _, kind in sorted(ranges):
        if quality == 0:
            break
        if kind == GRAPHQL_RESPONSE_JSON:
            return GRAPHQL_RESPONSE_JSON
        if kind in _JSON_RANGES:
            if kind == JSON or JSON not in refused:
                return JSON
            if GRAPHQL_RESPONSE_JSON not in refused:
                return GRAPHQL_RESPONSE_JSON
    return JSON


def error_body(
    message: str, code: ErrorCode, request_id: str, media_type: str = JSON
) -> dict[str, Any]:
    """A response of one error raised before execution: no `data` entry in
    application/graphql-response+json, `"data": null` in application/json (as always)."""
    error = {"message": message, "extensions": {"code": code, "requestId": request_id}}
    if media_type == GRAPHQL_RESPONSE_JSON:
        return {"errors": [error]}
    return {"data": None, "errors": [error]}


def _decode_json(text: str | bytes, what: str) -> Any:
    """Strict JSON (orjson): no NaN or Infinity, no lone surrogates (they could not be sent
    back), at most 1024 levels deep, numbers that fit a double; each is a RequestError."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return orjson.loads(text)
    except UnicodeDecodeError as exc:
        raise RequestError(f"The {what} is not valid UTF-8.") from exc
    except orjson.JSONDecodeError as exc:
        reason = "nested too deeply" if "depth" in str(exc) else "not valid JSON"
        raise RequestError(f"The {what} is {reason}.") from exc


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The request body, read as it arrives: 413 as soon as it grows past `max_bytes`, without
    reading the rest (a chunked body has no Content-Length; a declared one may lie).
    Starlette's ClientDisconnect when the client goes away first."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise body_too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def read_request(request: Request, body: bytes) -> GraphQLRequest:
    """The GraphQL request of a GET (query string) or POST (JSON object `body`), checked."""
    if request.method == "GET":
        params: dict[str, Any] = dict(request.query_params)
        for name in ("variables", "extensions"):
            raw = params.pop(name, None)  # absent or empty: none
            params[name] = _decode_json(raw, f"`{name}` parameter") if raw else None
        return _checked(params)
    kind, content_params = _media_type(request.headers.get("content-type", ""))
    charset = content_params.get("charset", "utf-8").lower()
    if kind != JSON or charset not in ("utf-8", "utf8"):
        raise RequestError(
            "Send the request as `Content-Type: application/json` (UTF-8).", status=415
        )
    if not body.strip():
        raise RequestError("The request body is empty; send a JSON object with a `query`.")
    data = _decode_json(body, "request body")
    if isinstance(data, list):
        raise RequestError("Batched requests are not supported; send one operation per request.")
    if not isinstance(data, dict):
        raise RequestError("The request body must be a JSON object with a `query`.")
    return _checked(data)


def _checked(data: Mapping[str, Any]) -> GraphQLRequest:
    query = data.get("query")
    if query is None or query == "":
        raise RequestError("No GraphQL query found in the request.")
    if not isinstance(query, str):
        raise RequestError("The `query` parameter must be a string.")
    operation_name = data.get("operationName")
    if not isinstance(operation_name, str | None):
        raise RequestError("The `operationName` parameter must be a string or null.")
    for name in ("variables", "extensions"):
        if not isinstance(data.get(name), dict | None):
            raise RequestError(f"The `{name}` parameter must be an object or null.")
    return GraphQLRequest(query, data.get("variables"), operation_name, data.get("extensions"))


def _operation_count(query: str, max_tokens: int) -> int:
    """How many operations the document defines (2 means 2 or more); 0 if it does not parse
    (GraphQL reports that itself)."""
    if len(_OPERATION_KEYWORD.findall(query)) < 2:
        return 1
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return 0
    return sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)


async def execute(
    schema: Schema,
    graphql: GraphQLRequest,
    method: str,
    context: Any,
    max_tokens: int,
    *,
    introspection: bool = True,
) -> ExecutionResult:
    """Run the request; RequestError when no operation can be chosen or the method forbids it.

    Strawberry would run the first of several operations when no `operationName` is given;
    the specification makes that a request error. A document with a number literal too long
    to be a value is refused as a validation error, and so, without `introspection`, is one
    that asks for `__schema` or `__type` (graph.prechecks)."""
    if graphql.operation_name is None and _operation_count(graphql.query, max_tokens) > 1:
        raise RequestError(
            "The document has several operations: say which one to run in `operationName`."
        )
    errors = number_errors(graphql.query, max_tokens)
    if errors is None and not introspection:
        errors = introspection_errors(schema._schema, graphql.query, max_tokens)
    if errors:  # refused as GraphQL refuses a document: a validation error
        schema.process_errors(errors)
        return ExecutionResult(data=None, errors=errors)
    try:
        return await schema.execute(
            graphql.query,
            variable_values=graphql.variables,
            context_value=context,
            operation_name=graphql.operation_name,
            allowed_operation_types=OperationType.from_http(method),  # type: ignore[arg-type]
            operation_extensions=graphql.extensions,
        )
    except MissingQueryError as exc:
        raise RequestError("No GraphQL query found in the request.") from exc
    except CannotGetOperationTypeError as exc:
        raise RequestError(
            "The document has no operation to run."
            if exc.operation_name is None
            else "The document has no operation of that `operationName`."
        ) from exc
    except InvalidOperationTypeError as exc:
        raise RequestError(
            "Only queries can be sent with GET; send mutations with POST.",
            status=405,
            headers={"Allow": "POST"},
        ) from exc


def is_request_error(result: ExecutionResult) -> bool:
    """Execution never started: the document did not parse or validate, or the variables did
    not coerce (errors without a path, and no data). A field error always has a path."""
    return (
        result.data is None
        and bool(result.errors)
        and all(e.path is None for e in result.errors or ())
    )


def result_response(
    result: ExecutionResult, media_type: str, encode: Callable[[object], bytes | str]
) -> Response:
    """The HTTP response of an executed (or refused by GraphQL) request."""
    body: dict[str, Any] = dict(process_result(result))
    status = 200
    if media_type == GRAPHQL_RESPONSE_JSON and is_request_error(result):
        body.pop("data", None)
        codes = {(e.extensions or {}).get("code") for e in result.errors or ()}
        status = 500 if ErrorCode.INTERNAL_SERVER_ERROR in codes else 400
    return Response(encode(body), status_code=status, media_type=media_type)
