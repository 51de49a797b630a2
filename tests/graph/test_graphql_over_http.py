"""GraphQL over HTTP: the server audit of `graphql-http` as Python tests, and the request errors
it does not cover.

`AUDITS` are the 61 audits of `graphql-http` 1.23 (`serverAudits` in lib/audits/server.mjs, the
GraphQL-over-HTTP specification's compliance suite), one test per audit id, each sending the
audit's request and asserting what the audit asserts; the audit itself runs against a server
with `scripts/graphql_http_audit.mjs` (README, "Using the API"). Every answer is also checked to
be JSON with a stable `extensions.code` on each error, and, in application/graphql-response+json,
without `data` when the status is 4xx/5xx.
"""

from __future__ import annotations

import json
from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from api_client import Api, Client
from graphql import GraphQLError
from sqlalchemy.engine import URL
from strawberry.types import ExecutionResult

from graph.errors import ErrorCode
from graph.http import GRAPHQL_RESPONSE_JSON, JSON, negotiate, result_response

GR = GRAPHQL_RESPONSE_JSON
NO_BODY = object()
ANY_STATUS_BUT_3XX = (*range(200, 300), *range(400, 600))
CODES = {code.value for code in ErrorCode}

TYPENAME = {"query": "{ __typename }"}
TYPE_QUERY = "query Type($name: String!) { __type(name: $name) { name } }"
NOT_A_DOCUMENT = "{"
NO_SUCH_FIELD = "{ 8f31403dfe404bccbb0e835f2629c6a7 }"  # the audit's "validation failure"
COERCE_FAILURE = {"query": "query CoerceFailure($id: ID!){ __typename }", "variables": {"id": None}}
# The audits' invalid parameter values, named as the audits name them.
INVALID = [("object", {"obj": "ect"}), ("number", 0), ("boolean", False), ("array", ["array"])]
INVALID_STRING_FIRST = [("string", "string"), *INVALID[1:]]


@dataclass(frozen=True)
class Audit:
    id: str
    name: str
    body: Any = NO_BODY  # JSON-encoded unless bytes
    accept: str | None = None  # None: no Accept header at all
    content_type: str | None = JSON
    method: str = "POST"
    params: dict[str, str] = field(default_factory=dict)
    status: int | Container[int] = 200
    response_type: str | None = None  # the Content-Type must contain this
    no_errors: bool = False
    no_data: bool = False


def _get(id: str, name: str, params: dict[str, str], **expected: Any) -> Audit:
    return Audit(id, name, method="GET", content_type=None, params=params, **expected)


AUDITS = [
    # Media types
    Audit(
        "22EB",
        "SHOULD accept application/graphql-response+json and match the content-type",
        TYPENAME,
        accept=GR,
        response_type=GR,
    ),
    Audit(
        "4655",
        "MUST accept application/json and match the content-type",
        TYPENAME,
        accept=JSON,
        response_type=JSON,
    ),
    Audit(
        "47DE",
        "SHOULD accept */* and use application/json for the content-type",
        TYPENAME,
        accept="*/*",
        response_type=JSON,
    ),
    Audit(
        "80D8",
        "SHOULD assume application/json content-type when accept is missing",
        TYPENAME,
        response_type=JSON,
    ),
    Audit("82A3", "MUST use utf-8 encoding when responding", TYPENAME),
    Audit(
        "BF61",
        "MUST accept utf-8 encoded request",
        {"query": '{ __type(name: "Run🏃Swim🏊") { name } }'},
        content_type="application/json; charset=utf-8",
    ),
    Audit("78D5", "MUST assume utf-8 in request if encoding is unspecified", TYPENAME),
    # Request
    Audit("2C94", "MUST accept POST requests", TYPENAME),
    _get(
        "5A70",
        "MAY accept application/x-www-form-urlencoded formatted GET requests",
        {"query": "{ __typename }"},
    ),
    # Request GET
    _get(
        "9C48",
        "MAY NOT allow executing mutations on GET requests",
        {"query": "mutation { __typename }"},
        accept=GR,
        status=range(400, 500),
    ),
    # Request POST
    Audit(
        "9ABE",
        "SHOULD respond with 4xx status code if content-type is not supplied on POST requests",
        TYPENAME,
        content_type=None,
        status=range(400, 500),
    ),
    Audit("03D4", "MUST accept application/json POST requests", TYPENAME),
    Audit("A5BF", "MAY use 400 status code when request body is missing on POST", status=400),
    # Request parameters
    Audit(
        "423L",
        "MAY use 400 status code on missing {query} parameter",
        {"notquery": "{ __typename }"},
        accept=GR,
        status=400,
    ),
    *(
        Audit(
            f"LKJ{index}",
            f"MAY use 400 status code on {kind} {{query}} parameter",
            {"query": invalid},
            status=400,
        )
        for index, (kind, invalid) in enumerate(INVALID)
    ),
    Audit(
        "34A2",
        "SHOULD allow string {query} parameter when accepting application/graphql-response+json",
        TYPENAME,
        accept=GR,
    ),
    Audit(
        "13EE",
        "MUST allow string {query} parameter when accepting application/json",
        TYPENAME,
        accept=JSON,
        no_errors=True,
    ),
    *(
        Audit(
            f"6C0{index}",
            f"MAY use 400 status code on {kind} {{operationName}} parameter",
            {"operationName": invalid, "query": "{ __typename }"},
            status=400,
        )
        for index, (kind, invalid) in enumerate(INVALID)
    ),
    Audit(
        "8161",
        "SHOULD allow string {operationName} parameter when accepting "
        "application/graphql-response+json",
        {"operationName": "Query", "query": "query Query { __typename }"},
        accept=GR,
    ),
    Audit(
        "B8B3",
        "MUST allow string {operationName} parameter when accepting application/json",
        {"operationName": "Query", "query": "query Query { __typename }"},
        accept=JSON,
        no_errors=True,
    ),
    *(
        audit
        for index, parameter in enumerate(["variables", "operationName", "extensions"])
        for audit in (
            Audit(
                f"94B{index}",
                f"SHOULD allow null {{{parameter}}} parameter when accepting "
                "application/graphql-response+json",
                {"query": "{ __typename }", parameter: None},
                accept=GR,
                no_errors=True,
            ),
            Audit(
                f"022{index}",
                f"MUST allow null {{{parameter}}} parameter when accepting application/json",
                {"query": "{ __typename }", parameter: None},
                accept=JSON,
                no_errors=True,
            ),
        )
    ),
    *(
        Audit(
            f"476{index}",
            f"MAY use 400 status code on {kind} {{variables}} parameter",
            {"query": "{ __typename }", "variables": invalid},
            status=400,
        )
        for index, (kind, invalid) in enumerate(INVALID_STRING_FIRST)
    ),
    Audit(
        "2EA1",
        "SHOULD allow map {variables} parameter when accepting application/graphql-response+json",
        {"query": TYPE_QUERY, "variables": {"name": "sometype"}},
        accept=GR,
    ),
    Audit(
        "28B9",
        "MUST allow map {variables} parameter when accepting application/json",
        {"query": TYPE_QUERY, "variables": {"name": "sometype"}},
        accept=JSON,
        no_errors=True,
    ),
    _get(
        "D6D5",
        "MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting "
        "application/graphql-response+json",
        {"query": TYPE_QUERY, "variables": json.dumps({"name": "sometype"})},
        accept=GR,
        no_errors=True,
    ),
    _get(
        "6A70",
        "MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting "
        "application/json",
        {"query": TYPE_QUERY, "variables": json.dumps({"name": "sometype"})},
        accept=JSON,
        no_errors=True,
    ),
    *(
        Audit(
            f"58B{index}",
            f"MAY use 400 status code on {kind} {{extensions}} parameter",
            {"query": "{ __typename }", "extensions": invalid},
            status=400,
        )
        for index, (kind, invalid) in enumerate(INVALID_STRING_FIRST)
    ),
    Audit(
        "428F",
        "SHOULD allow map {extensions} parameter when accepting application/graphql-response+json",
        {"query": "{ __typename }", "extensions": {"some": "value"}},
        accept=GR,
    ),
    Audit(
        "1B7A",
        "MUST allow map {extensions} parameter when accepting application/json",
        {"query": "{ __typename }", "extensions": {"some": "value"}},
        accept=JSON,
        no_errors=True,
    ),
    Audit(
        "B6DC",
        "MAY use 2xx, 4xx, or 5xx status codes on JSON parsing failure when accepting "
        "application/json",
        b'{ "not a JSON',
        accept=JSON,
        status=ANY_STATUS_BUT_3XX,
    ),
    Audit(
        "BCF8",
        "SHOULD use 400 status code on JSON parsing failure when accepting application/json",
        b'{ "not a JSON',
        accept=JSON,
        status=400,
    ),
    Audit(
        "B7N8",
        "SHOULD use 400 status code on JSON parsing failure when accepting "
        "application/graphql-response+json",
        b'{ "not a JSON',
        accept=GR,
        status=400,
    ),
    Audit(
        "8764",
        "MAY use 4xx or 5xx status codes if parameters are invalid",
        {"qeury": "{ __typename }"},
        status=range(400, 600),
    ),
    Audit(
        "3E3A",
        "MAY use 400 status code if parameters are invalid",
        {"qeury": "{ __typename }"},
        status=400,
    ),
    # Response application/json
    Audit(
        "572B",
        "SHOULD use 200 status code on document parsing failure when accepting application/json",
        {"query": NOT_A_DOCUMENT},
        accept=JSON,
    ),
    Audit(
        "FDE2",
        "SHOULD use 200 status code on document validation failure when accepting application/json",
        {"query": NO_SUCH_FIELD},
        accept=JSON,
    ),
    Audit(
        "7B9B",
        "SHOULD use a status code of 200 on variable coercion failure when accepting "
        "application/json",
        COERCE_FAILURE,
        accept=JSON,
    ),
    # Response application/graphql-response+json
    Audit(
        "865D",
        "SHOULD use 4xx or 5xx status codes on document parsing failure when accepting "
        "application/graphql-response+json",
        {"query": NOT_A_DOCUMENT},
        accept=GR,
        status=range(400, 600),
    ),
    Audit(
        "556A",
        "SHOULD use 400 status code on document parsing failure when accepting "
        "application/graphql-response+json",
        {"query": NOT_A_DOCUMENT},
        accept=GR,
        status=400,
    ),
    Audit(
        "D586",
        "SHOULD not contain the data entry on document parsing failure when accepting "
        "application/graphql-response+json",
        {"query": NOT_A_DOCUMENT},
        accept=GR,
        status=ANY_STATUS_BUT_3XX,
        no_data=True,
    ),
    Audit(
        "51FE",
        "SHOULD use 4xx or 5xx status codes on document validation failure when accepting "
        "application/graphql-response+json",
        {"query": NO_SUCH_FIELD},
        accept=GR,
        status=range(400, 600),
    ),
    Audit(
        "74FF",
        "SHOULD use 400 status code on document validation failure when accepting "
        "application/graphql-response+json",
        {"query": NO_SUCH_FIELD},
        accept=GR,
        status=400,
    ),
    Audit(
        "5E5B",
        "SHOULD not contain the data entry on document validation failure when accepting "
        "application/graphql-response+json",
        {"query": NO_SUCH_FIELD},
        accept=GR,
        status=ANY_STATUS_BUT_3XX,
        no_data=True,
    ),
    Audit(
        "86EE",
        "SHOULD use a status code of 400 on variable coercion failure when accepting "
        "application/graphql-response+json",
        COERCE_FAILURE,
        accept=GR,
        status=400,
    ),
]


@pytest.fixture(scope="module")
async def client(api: Api, migrated_url: URL) -> Client:
    return await api(migrated_url)


async def send(
    client: Client,
    body: Any = NO_BODY,
    *,
    method: str = "POST",
    accept: str | None = None,
    content_type: str | None = JSON,
    params: dict[str, str] | None = None,
) -> httpx.Response:
    """Exactly these headers (and the client's Authorization): httpx adds no Accept."""
    content = None
    if body is not NO_BODY:
        content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False)
    request = client.http.build_request(method, "/graphql", params=params, content=content)
    del request.headers["accept"]
    if accept is not None:
        request.headers["accept"] = accept
    if content_type is not None:
        request.headers["content-type"] = content_type
    return await client.http.send(request)


def well_formed(response: httpx.Response) -> dict[str, Any]:
    """Every answer of /graphql: JSON of a GraphQL media type, each error with a stable code,
    and no `data` in a 4xx/5xx application/graphql-response+json answer."""
    media_type = response.headers["content-type"].split(";")[0]
    assert media_type in (JSON, GR), response.headers["content-type"]
    assert "Traceback" not in response.text
    body = response.json()
    assert isinstance(body, dict) and set(body) <= {"data", "errors", "extensions"}, body
    for error in body.get("errors", []):
        assert error["extensions"]["code"] in CODES, error
    if response.status_code >= 400:
        assert body.get("errors"), body
        if media_type == GR:
            assert "data" not in body, body
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def test_the_table_has_every_audit_of_graphql_http_once() -> None:
    assert len(AUDITS) == 61
    assert len({audit.id for audit in AUDITS}) == 61
    assert all(audit.name.split()[0] in ("MUST", "SHOULD", "MAY") for audit in AUDITS)


@pytest.mark.parametrize("audit", AUDITS, ids=[audit.id for audit in AUDITS])
async def test_graphql_http_audit(client: Client, audit: Audit) -> None:
    response = await send(
        client,
        audit.body,
        method=audit.method,
        accept=audit.accept,
        content_type=audit.content_type,
        params=audit.params,
    )
    status = audit.status if isinstance(audit.status, Container) else (audit.status,)
    assert response.status_code in status, (
        f"{audit.id} {audit.name}: {response.status_code} {response.text}"
    )
    if audit.response_type is not None:
        assert audit.response_type in response.headers["content-type"], audit.name
    response.content.decode("utf-8")  # 82A3
    body = well_formed(response)
    if audit.no_errors:
        assert "errors" not in body, (audit.name, body)
    if audit.no_data:
        assert "data" not in body, (audit.name, body)


# --- media type negotiation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        ("application/json", JSON),
        ("text/html", JSON),  # nothing we produce: the default
        (GR, GR),
        (f"{GR}, application/json;q=0.9", GR),  # what the specification recommends
        (f"application/json;q=0.9, {GR}", GR),
        (f"application/json, {GR}", JSON),  # equal q: the first listed
        (f"{GR}, application/json", GR),
        (f"{GR};q=0.5, application/json", JSON),
        (f"{GR};q=0.5, */*", JSON),
        (f"*/*;q=0.1, {GR}", GR),
        (f"Application/GraphQL-Response+JSON; charset=utf-8; q=1, {JSON};q=0.2", GR),
        ("application/json;q=0, */*", GR),  # JSON refused outright
        (f"{GR};q=0, */*", JSON),
        ("application/json;q=bad, text/html", JSON),
    ],
)
def test_negotiate(accept: str | None, expected: str) -> None:
    assert negotiate(accept) == expected


async def test_the_recommended_accept_header_gets_graphql_response_json(client: Client) -> None:
    response = await send(client, TYPENAME, accept=f"{GR}, application/json;q=0.9")
    assert response.status_code == 200
    assert response.headers["content-type"] == GR
    assert well_formed(response) == {"data": {"__typename": "Query"}, "extensions": {"cost": 1}}


async def test_json_answers_are_unchanged(client: Client) -> None:
    """application/json (what httpx and most clients send): parse and validation failures stay
    200 with `"data": null`, as before."""
    for query, code in [
        (NOT_A_DOCUMENT, ErrorCode.GRAPHQL_PARSE_FAILED),
        ("{ noSuchField }", ErrorCode.GRAPHQL_VALIDATION_FAILED),
    ]:
        response = await client.post(query)
        assert response.status_code == 200
        assert response.headers["content-type"] == JSON
        body = well_formed(response)
        assert body["data"] is None and codes(body) == [code]


# --- request errors in application/graphql-response+json ----------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"query": NOT_A_DOCUMENT}, ErrorCode.GRAPHQL_PARSE_FAILED),
        ({"query": "{ noSuchField }"}, ErrorCode.GRAPHQL_VALIDATION_FAILED),
        ({"query": "mutation { x }"}, ErrorCode.GRAPHQL_VALIDATION_FAILED),
        (
            {"query": "query($n: String!) { __type(name: $n) { name } }", "variables": {}},
            ErrorCode.GRAPHQL_VALIDATION_FAILED,
        ),
        (
            {"query": "query($n: String!) { __type(name: $n) { name } }", "variables": {"n": 5}},
            ErrorCode.GRAPHQL_VALIDATION_FAILED,
        ),
    ],
    ids=["parse", "validation", "no mutations", "missing variable", "variable coercion"],
)
async def test_a_graphql_request_error_is_400_without_data(
    client: Client, body: dict[str, Any], code: ErrorCode
) -> None:
    response = await send(client, body, accept=GR)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == GR
    answer = well_formed(response)
    assert "data" not in answer and codes(answer) == [code]


@pytest.mark.parametrize(
    ("query", "data"),
    [
        ('{ node(id: "!!!") { id } }', {"node": None}),
        ('{ nodes(ids: ["!!!"]) { id } }', None),  # a non-null root field: `data` is null
    ],
    ids=["data", "null data"],
)
async def test_a_field_error_is_200_with_data(
    client: Client, query: str, data: dict[str, Any] | None
) -> None:
    """Execution started: the answer has `data` (GraphQL over HTTP: 2xx), in both types."""
    for accept in (GR, JSON):
        response = await send(client, {"query": query}, accept=accept)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == accept
        body = well_formed(response)
        assert "data" in body and body["data"] == data
        assert codes(body) == [ErrorCode.BAD_USER_INPUT]
        assert body["errors"][0]["path"][0] in ("node", "nodes")


@pytest.mark.parametrize("accept", [GR, JSON])
async def test_sign_in_errors_come_before_anything_else_in_the_negotiated_type(
    api: Api, migrated_url: URL, accept: str
) -> None:
    anonymous = await api(migrated_url, token=None)
    response = await send(anonymous, b"not even JSON", accept=accept)
    assert response.status_code == 401
    assert response.headers["content-type"] == accept
    body = well_formed(response)
    assert codes(body) == [ErrorCode.UNAUTHENTICATED]
    assert ("data" in body) is (accept == JSON)  # application/json keeps `"data": null`


def test_an_unexpected_failure_before_execution_is_500_in_graphql_response_json() -> None:
    error = GraphQLError("Unexpected error.", extensions={"code": ErrorCode.INTERNAL_SERVER_ERROR})
    result = ExecutionResult(data=None, errors=[error])
    graphql_response = result_response(result, GR, lambda body: json.dumps(body).encode())
    legacy = result_response(result, JSON, lambda body: json.dumps(body).encode())
    assert graphql_response.status_code == 500
    assert b'"data"' not in graphql_response.body
    assert legacy.status_code == 200 and b'"data": null' in legacy.body


# --- requests that are not GraphQL requests we run ----------------------------------------------


DEEP = b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * 100_000
MALFORMED = {
    "string": (b'"x"', JSON, 400),
    "number": (b"123", JSON, 400),
    "null": (b"null", JSON, 400),
    "boolean": (b"true", JSON, 400),
    "batch": (b'[{"query": "{ __typename }"}]', JSON, 400),
    "empty batch": (b"[]", JSON, 400),
    "not UTF-8": (b'{"query": "{ __typename }\xff"}', JSON, 400),
    "not UTF-8 as declared": (b'{"query": "\xc3\x28"}', "application/json; charset=utf-8", 400),
    "not JSON": (b'{ "not a JSON', JSON, 400),
    "too deep, unclosed": (DEEP, JSON, 400),
    "too deep": (DEEP + b"]" * 100_000 + b"}}", JSON, 400),
    "empty body": (b"", JSON, 400),
    "blank body": (b"   ", JSON, 400),
    "empty query": (b'{"query": ""}', JSON, 400),
    "null query": (b'{"query": null}', JSON, 400),
    "number operationName": (b'{"query": "{ __typename }", "operationName": 1}', JSON, 400),
    "text/plain": (b'{"query": "{ __typename }"}', "text/plain", 415),
    "form": (b'{"query": "{ __typename }"}', "application/x-www-form-urlencoded", 415),
    "latin-1": (b'{"query": "{ __typename }"}', "application/json; charset=latin-1", 415),
    "no content type": (b'{"query": "{ __typename }"}', None, 415),
}


@pytest.mark.parametrize("accept", [GR, JSON])
@pytest.mark.parametrize(
    ("body", "content_type", "status"), list(MALFORMED.values()), ids=list(MALFORMED)
)
async def test_a_malformed_request_is_a_bad_request_error(
    client: Client, body: bytes, content_type: str | None, status: int, accept: str
) -> None:
    response = await send(client, body, accept=accept, content_type=content_type)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == accept
    assert response.headers.get("x-request-id")
    assert codes(well_formed(response)) == [ErrorCode.BAD_REQUEST]


@pytest.mark.parametrize(
    "params",
    [
        {"query": "{ __typename }", "variables": "{not json"},
        {"query": "{ __typename }", "variables": "[1]"},
        {"query": "{ __typename }", "extensions": "1"},
        {"variables": "{}"},
    ],
    ids=["variables not JSON", "variables a list", "extensions a number", "no query"],
)
async def test_a_malformed_get_is_a_bad_request_error(
    client: Client, params: dict[str, str]
) -> None:
    response = await send(client, method="GET", accept=GR, content_type=None, params=params)
    assert response.status_code == 400, response.text
    assert codes(well_formed(response)) == [ErrorCode.BAD_REQUEST]


@pytest.mark.parametrize("accept", [GR, JSON])
async def test_several_operations_need_an_operation_name(client: Client, accept: str) -> None:
    """Strawberry alone would run the first one; the specification makes this a request error."""
    document = "query A { __typename } query B { me { roles } }"
    response = await send(client, {"query": document}, accept=accept)
    assert response.status_code == 400, response.text
    body = well_formed(response)
    assert codes(body) == [ErrorCode.BAD_REQUEST] and body.get("data") is None
    chosen = await send(client, {"query": document, "operationName": "B"}, accept=accept)
    assert chosen.status_code == 200
    roles = {"data": {"me": {"roles": list(client.roles)}}, "extensions": {"cost": 2}}
    assert well_formed(chosen) == roles


@pytest.mark.parametrize(
    "body",
    [
        {"query": "query A { __typename }", "operationName": "B"},
        {"query": "query A { __typename }", "operationName": ""},
        {"query": "fragment F on Query { __typename }"},
    ],
    ids=["unknown name", "empty name", "no operation"],
)
async def test_an_operation_that_cannot_be_chosen_is_a_bad_request(
    client: Client, body: dict[str, Any]
) -> None:
    response = await send(client, body, accept=GR)
    assert response.status_code == 400, response.text
    assert codes(well_formed(response)) == [ErrorCode.BAD_REQUEST]


@pytest.mark.parametrize("accept", [GR, JSON])
async def test_a_mutation_over_get_is_405(client: Client, accept: str) -> None:
    params = {"query": "mutation { __typename }"}
    response = await send(client, method="GET", accept=accept, content_type=None, params=params)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert codes(well_formed(response)) == [ErrorCode.BAD_REQUEST]
    named = {"query": "query Q { __typename } mutation M { __typename }", "operationName": "M"}
    response = await send(client, method="GET", accept=accept, content_type=None, params=named)
    assert response.status_code == 405


async def test_a_query_over_get_still_runs(client: Client) -> None:
    params = {"query": "query Q { __typename } query R { me { roles } }", "operationName": "R"}
    response = await send(client, method="GET", accept=GR, content_type=None, params=params)
    assert response.status_code == 200
    assert response.headers["content-type"] == GR
    roles = {"data": {"me": {"roles": list(client.roles)}}, "extensions": {"cost": 2}}
    assert well_formed(response) == roles


async def test_other_methods_are_405(client: Client) -> None:
    response = await client.http.head("/graphql", params={"query": "{ __typename }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"] == JSON
