"""The HTTP layer refuses what it cannot serve, early, as JSON: bodies too large however they
arrive, bodies that are not GraphQL requests, and request-level errors; every answer carries the
headers an answer with patient data needs.

Streaming bodies are sent through the ASGI interface directly, so the test counts exactly how
many chunks the app pulled before it answered.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from api_client import Api, Client, post_scope
from sqlalchemy.engine import URL
from starlette.types import ASGIApp, Message

from graph.errors import ErrorCode
from graph.http import GRAPHQL_RESPONSE_JSON, JSON
from settings import limit_settings

GR = GRAPHQL_RESPONSE_JSON
ACCEPTS = [GR, JSON]
MAX_BODY_BYTES = limit_settings().max_body_bytes
CHUNK = 64 * 1024
FIFTY_MB = 50 * 1024 * 1024
CODES = {code.value for code in ErrorCode}


@pytest.fixture(scope="module")
async def client(api: Api, migrated_url: URL) -> Client:
    return await api(migrated_url)


def answer(response: httpx.Response) -> dict[str, Any]:
    """A JSON GraphQL answer with a stable code on each error and the PHI-safe headers."""
    assert response.headers["content-type"].split(";")[0] in (JSON, GR), response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "Traceback" not in response.text
    body = response.json()
    assert isinstance(body, dict), body
    for error in body.get("errors", []):
        assert error["extensions"]["code"] in CODES, error
    return body  # type: ignore[no-any-return]


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def post(
    client: Client, body: bytes, accept: str = JSON, content_type: str = JSON
) -> httpx.Response:
    headers = {"accept": accept, "content-type": content_type}
    return await client.http.post("/graphql", content=body, headers=headers)


# --- body size, counted while the body arrives --------------------------------------------------


async def test_a_chunked_50_mb_body_is_refused_without_reading_it(client: Client) -> None:
    pulled = 0

    async def fifty_megabytes() -> AsyncIterator[bytes]:
        nonlocal pulled
        yield b'{"query": "{ __typename }", "padding": "'
        for _ in range(FIFTY_MB // CHUNK):
            pulled += 1
            yield b"x" * CHUNK

    response = await client.http.post(
        "/graphql", content=fifty_megabytes(), headers={"content-type": JSON}
    )
    assert "content-length" not in response.request.headers  # chunked: nothing declared
    assert response.status_code == 413, response.text
    assert codes(answer(response)) == [ErrorCode.BAD_USER_INPUT]
    assert pulled <= MAX_BODY_BYTES // CHUNK + 1, pulled  # stopped just past the limit


async def test_a_body_is_not_read_before_the_token_is_checked(api: Api, migrated_url: URL) -> None:
    anonymous = await api(migrated_url, token=None)
    pulled = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(100):
            pulled += 1
            yield b"x" * CHUNK

    response = await anonymous.http.post("/graphql", content=body(), headers={"content-type": JSON})
    assert response.status_code == 401
    assert codes(answer(response)) == [ErrorCode.UNAUTHENTICATED]
    assert pulled == 0


@dataclass
class Exchange:
    """What an ASGI app sent back for one request, and how many body chunks it pulled."""

    pulled: int = 0
    messages: list[Message] = field(default_factory=list)

    @property
    def status(self) -> int:
        return int(self.messages[0]["status"])

    @property
    def body(self) -> dict[str, Any]:
        return json.loads(b"".join(m.get("body", b"") for m in self.messages[1:]))  # type: ignore[no-any-return]


async def exchange(app: ASGIApp, headers: dict[str, str], chunks: Iterable[bytes]) -> Exchange:
    """POST /graphql with `chunks` as the body (more_body until they run out)."""
    result = Exchange()
    pending: Iterator[bytes] = iter(chunks)
    done = False

    async def receive() -> Message:
        nonlocal done
        if done:
            return {"type": "http.disconnect"}
        chunk = next(pending, None)
        if chunk is None:
            done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        result.pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: Message) -> None:
        result.messages.append(message)

    scope = post_scope([(k.lower().encode(), v.encode()) for k, v in headers.items()])
    await app(scope, receive, send)
    return result


def _megabytes(count: int) -> Iterator[bytes]:
    yield b'{"query": "{ __typename }", "padding": "'
    for _ in range(count * 1024 * 1024 // CHUNK):
        yield b"x" * CHUNK


async def test_a_content_length_that_lies_does_not_raise_the_limit(client: Client) -> None:
    headers = {
        "authorization": f"Bearer {client.token}",
        "content-type": JSON,
        "content-length": "40",  # says small, sends 50 MB
    }
    result = await exchange(client.app, headers, _megabytes(50))
    assert result.status == 413
    assert codes(result.body) == [ErrorCode.BAD_USER_INPUT]
    assert result.pulled <= MAX_BODY_BYTES // CHUNK + 2


async def test_a_declared_oversized_body_is_refused_before_reading(client: Client) -> None:
    headers = {
        "authorization": f"Bearer {client.token}",
        "content-type": JSON,
        "content-length": str(MAX_BODY_BYTES + 1),
    }
    result = await exchange(client.app, headers, _megabytes(2))
    assert result.status == 413
    assert result.pulled == 0


async def test_a_body_at_the_limit_is_served(client: Client) -> None:
    query = b'{"query": "{ __typename }", "padding": "'
    padding = MAX_BODY_BYTES - len(query) - 2
    body = query + b"x" * padding + b'"}'
    assert len(body) == MAX_BODY_BYTES
    response = await post(client, body)
    assert response.status_code == 200, response.text
    assert answer(response)["data"] == {"__typename": "Query"}


# --- malformed bodies: HTTP 400, a stable code, never a 500 -----------------------------------


def _nested(depth: int, opening: str, closing: str, inner: str = "1") -> bytes:
    return (opening * depth + inner + closing * depth).encode()


QUERY = '"query": "{ __typename }"'
MALFORMED_BODIES: dict[str, bytes] = {
    "a string": b'"x"',
    "a number": b"123",
    "null": b"null",
    "true": b"true",
    "an empty array": b"[]",
    "a batch": b'[{"query": "{ __typename }"}]',
    "invalid UTF-8": b'{"query": "{ __typename } \xff\xfe"}',
    "overlong UTF-8": b'{"query": "\xc0\xaf"}',
    "a lone surrogate escape": b'{"query": "{ __typename } \\ud800"}',
    "100k nested arrays": _nested(100_000, "[", "]"),
    "100k nested arrays, unclosed": b"[" * 100_000,
    "variables nested 50k deep": b"{"
    + QUERY.encode()
    + b', "variables": {"v": '
    + _nested(50_000, '{"a": ', "}")
    + b"}}",
    "a number of 100k digits": b"{"
    + QUERY.encode()
    + b', "variables": {"n": '
    + b"9" * 100_000
    + b"}}",
    "variables a string": b"{" + QUERY.encode() + b', "variables": "{}"}',
    "variables a list": b"{" + QUERY.encode() + b', "variables": [1]}',
    "extensions a number": b"{" + QUERY.encode() + b', "extensions": 1}',
    "query a number": b'{"query": 1}',
    "query a list": b'{"query": ["{ __typename }"]}',
    "operationName an object": b"{" + QUERY.encode() + b', "operationName": {}}',
    "no query": b'{"variables": {}}',
    "a byte order mark": b'\xef\xbb\xbf{"query": "{ __typename }"}',
    "truncated": b'{"query": "{ __typ',
    "a NUL byte": b'{"query": "{ __typename }"}\x00',
    "1e999999": b"{" + QUERY.encode() + b', "variables": {"n": 1e999999}}',
    "NaN": b"{" + QUERY.encode() + b', "variables": {"n": NaN}}',
}


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("body", list(MALFORMED_BODIES.values()), ids=list(MALFORMED_BODIES))
async def test_a_malformed_body_is_a_400_bad_request(
    client: Client, body: bytes, accept: str
) -> None:
    response = await post(client, body, accept)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == accept
    assert codes(answer(response)) == [ErrorCode.BAD_REQUEST]


# Bodies that are GraphQL requests, whose documents or values GraphQL itself refuses: HTTP 400
# without data in application/graphql-response+json, 200 with `"data": null` in JSON.
HOSTILE_DOCUMENTS: dict[str, dict[str, Any]] = {
    "an integer of 5000 digits": {
        "query": "{ patients(first: " + "9" * 5000 + ") { totalCount } }"
    },
    "a float of 5000 digits": {"query": "{ patients(first: 1." + "9" * 5000 + ") { totalCount } }"},
    "an integer of 30 digits as a variable": {
        "query": "query($n: Int) { patients(first: $n) { totalCount } }",
        "variables": {"n": 10**30},
    },
    "a list literal 1400 deep": {
        "query": "{ nodes(ids: " + "[" * 1400 + '"x"' + "]" * 1400 + ") { id } }"
    },
    "an input object 1000 deep": {
        "query": "{ patients(where: " + "{AND: " * 1000 + "{}" + "}" * 1000 + ") { totalCount } }"
    },
    "a variable list 900 deep": {
        "query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        "variables": {"ids": json.loads("[" * 900 + "]" * 900)},
    },
    "a selection 1400 deep": {"query": "{ me " + "{ user " * 1400 + "}" * 1401},
}


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("body", list(HOSTILE_DOCUMENTS.values()), ids=list(HOSTILE_DOCUMENTS))
async def test_a_hostile_document_is_a_graphql_request_error(
    client: Client, body: dict[str, Any], accept: str
) -> None:
    encoded = json.dumps(body).encode()
    response = await post(client, encoded, accept)
    assert response.status_code == (400 if accept == GR else 200), response.text
    result = answer(response)
    assert result.get("data") is None and result["errors"], result
    assert set(codes(result)) <= {
        ErrorCode.GRAPHQL_PARSE_FAILED,
        ErrorCode.GRAPHQL_VALIDATION_FAILED,
        ErrorCode.BAD_USER_INPUT,
    }, result


# --- request-level errors are JSON with a code ---------------------------------------------------


REQUEST_ERRORS: dict[str, tuple[dict[str, Any], int, str | None]] = {
    # name: (request as httpx keyword arguments, status, Allow header)
    "bad JSON": ({"method": "POST", "content": b"{not json"}, 400, None),
    "a batch": ({"method": "POST", "content": b'[{"query": "{ __typename }"}]'}, 400, None),
    "unknown operationName": (
        {"method": "POST", "content": b'{"query": "query A { __typename }", "operationName": "B"}'},
        400,
        None,
    ),
    "two operations, no operationName": (
        {
            "method": "POST",
            "content": b'{"query": "query A { __typename } query B { me { roles } }"}',
        },
        400,
        None,
    ),
    "a mutation over GET": (
        {"method": "GET", "params": {"query": "mutation { __typename }"}},
        405,
        "POST",
    ),
    "another content type": (
        {
            "method": "POST",
            "content": b'{"query": "{ __typename }"}',
            "headers": {"content-type": "text/plain"},
        },
        415,
        None,
    ),
    "PUT": ({"method": "PUT", "content": b'{"query": "{ __typename }"}'}, 405, "GET, POST"),
    "DELETE": ({"method": "DELETE"}, 405, "GET, POST"),
}


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize(
    ("request_args", "status", "allow"), list(REQUEST_ERRORS.values()), ids=list(REQUEST_ERRORS)
)
async def test_a_request_level_error_is_json_with_a_code(
    client: Client, request_args: dict[str, Any], status: int, allow: str | None, accept: str
) -> None:
    arguments = dict(request_args)
    headers = {"content-type": JSON, "accept": accept, **arguments.pop("headers", {})}
    response = await client.http.request(url="/graphql", headers=headers, **arguments)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == accept
    assert response.headers.get("allow") == allow
    result = answer(response)
    assert codes(result) == [ErrorCode.BAD_REQUEST]
    assert ("data" in result) is (accept == JSON)


# --- headers on every answer ---------------------------------------------------------------


async def test_every_answer_carries_no_store_and_nosniff(
    api: Api, migrated_url: URL, client: Client
) -> None:
    anonymous = await api(migrated_url, token=None)
    responses = [
        await client.http.post("/graphql", json={"query": "{ me { roles } }"}),
        await client.http.post("/graphql", json={"query": "{ nope }"}),
        await anonymous.http.post("/graphql", json={"query": "{ me { roles } }"}),
        await client.http.get("/healthz"),
        await client.http.get("/readyz"),
        await client.http.get("/no-such-page"),
    ]
    for response in responses:
        assert response.headers["cache-control"] == "no-store", response.url
        assert response.headers["x-content-type-options"] == "nosniff", response.url


async def test_a_401_names_the_bearer_scheme(api: Api, migrated_url: URL) -> None:
    missing = await api(migrated_url, token=None)
    response = await missing.http.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="perfex-graph"'
    invalid = await api(migrated_url, token="not.a.token")
    response = await invalid.http.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer ")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert codes(answer(response)) == [ErrorCode.UNAUTHENTICATED]


async def test_long_digit_strings_that_are_not_numbers_are_served(client: Client) -> None:
    digits = "1" * 150
    query = f'# {digits}\n{{ __type(name: "{digits}") {{ name }} }}'
    response = await post(client, json.dumps({"query": query}).encode())
    assert response.status_code == 200, response.text
    body = answer(response)
    assert body["data"] == {"__type": None}, body
