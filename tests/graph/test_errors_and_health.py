"""What a client sees when something is wrong, and the health endpoints.

Expected failures carry a stable `extensions.code` (BAD_USER_INPUT, GRAPHQL_PARSE_FAILED,
GRAPHQL_VALIDATION_FAILED) and never data; anything unexpected is masked as
INTERNAL_SERVER_ERROR with the request id, and neither the response nor the log carries patient
data or SQL parameters.
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import logging
import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from api_client import Api, Client
from sqlalchemy import literal_column, select
from sqlalchemy.engine import URL

import graph.dataloaders.base as loaders
from graph.ids import encode
from graph.schema import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from models.database import session_factory
from models.healthcare import Patient
from settings import parse_database_url

# Names no generator produces, so finding them anywhere means they leaked from this test's rows.
FIRST_NAME = "Quorvalinde"
LAST_NAME = "Zephyrakowski"
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


# Every client here sees what a real server would send, a 500 included.
AS_SERVED = {"raise_app_exceptions": False}


@pytest.fixture(scope="module")
async def member(api: Api, migrated_url: URL) -> Client:
    """The member of a new organization with one patient (and nothing else)."""
    client = await api(migrated_url, **AS_SERVED)
    async with session_factory(client.engine)() as session, session.begin():
        session.add(
            Patient(
                organization_id=client.organization_id,
                first_name=FIRST_NAME,
                last_name=LAST_NAME,
                date_of_birth=dt.date(1961, 3, 4),
            )
        )
    return client


@pytest.fixture(scope="module")
async def patient_id(member: Client) -> str:
    """The global id of the member's patient."""
    async with member.engine.connect() as conn:
        raw = await conn.scalar(
            select(Patient.id).where(Patient.organization_id == member.organization_id)
        )
    return encode("Patient", str(raw))


@pytest.fixture(scope="module")
async def anonymous(api: Api, migrated_url: URL) -> Client:
    """A client of the member's app that sends no token."""
    return await api(migrated_url, token=None, **AS_SERVED)


def _codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


def _without_cost(body: dict[str, Any]) -> dict[str, Any]:
    """The body without its `extensions` (the operation's cost: tests/graph/test_query_cost.py)."""
    return {key: value for key, value in body.items() if key != "extensions"}


def _no_patient_data(text: str) -> None:
    assert FIRST_NAME not in text and LAST_NAME not in text, "patient data leaked"


async def test_the_fixture_patient_is_readable(member: Client) -> None:
    """Control: the patient whose name the tests below look for is really served."""
    body = await member.query("{ patients { nodes { firstName lastName } } }")
    expected = [{"firstName": FIRST_NAME, "lastName": LAST_NAME}]
    assert _without_cost(body) == {"data": {"patients": {"nodes": expected}}}


# --- health -------------------------------------------------------------------------------------


async def test_healthz_answers_without_a_database(api: Api) -> None:
    url = parse_database_url("postgresql://postgres@127.0.0.1:1/x")
    client = await api(url, token=None, **AS_SERVED)
    response = await client.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_on_a_migrated_database(member: Client) -> None:
    response = await member.http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_readyz_says_not_migrated_on_an_empty_database(
    api: Api, dialect: str, make_database: Callable[[str], URL]
) -> None:
    client = await api(make_database(dialect), token=None, **AS_SERVED)
    response = await client.http.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "database not migrated"}


UNREACHABLE = {
    "postgresql": "postgresql://postgres@127.0.0.1:1/perfex",
    "sqlite": "sqlite:////nonexistent-perfex-dir/sub/perfex.db",
}


@pytest.mark.parametrize("url", sorted(UNREACHABLE.values()), ids=sorted(UNREACHABLE))
async def test_readyz_says_unreachable_when_the_database_is_down(api: Api, url: str) -> None:
    client = await api(parse_database_url(url), token=None, **AS_SERVED)
    response = await client.http.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "database unreachable"}
    assert "127.0.0.1" not in response.text and "nonexistent" not in response.text


@pytest.mark.parametrize("url", sorted(UNREACHABLE.values()), ids=sorted(UNREACHABLE))
async def test_graphql_answers_503_json_when_the_database_is_down(api: Api, url: str) -> None:
    """A valid token while the database is down: a JSON 503 (not a 401, not a bare 500)."""
    database = parse_database_url(url)
    client = await api(database, org=str(uuid.uuid4()), user=str(uuid.uuid4()), **AS_SERVED)
    response = await client.post("{ me { userId } }")
    assert response.status_code == 503, f"{response.status_code} {response.text!r}"
    assert response.headers.get("x-request-id")
    assert _codes(response.json()) == ["SERVICE_UNAVAILABLE"]
    assert "127.0.0.1" not in response.text and "nonexistent" not in response.text


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "{ patients(first: 501) { nodes { id firstName lastName } } }",
        "{ patients(first: 0) { nodes { id firstName } } }",
        "{ patients(first: -1) { nodes { id firstName } } }",
        "{ patients(last: 501) { nodes { id firstName } } }",
        "{ patients(first: 1, last: 1) { nodes { id firstName } } }",
        '{ patients(first: 1, before: "x") { nodes { id firstName } } }',
        '{ patients(after: "not-a-cursor") { nodes { id firstName } } }',
        "{ patients(first: 1) { nodes { dialysisSessions(first: 101) { nodes { id } } } } }",
        "{ patients(first: 1) { nodes { firstName consultations(last: 0) { nodes { id } } } } }",
        "{ users(first: 100000) { nodes { id } } patients { nodes { firstName } } }",
    ],
)
async def test_a_page_out_of_bounds_is_bad_user_input_without_data(
    member: Client, query: str
) -> None:
    response = await member.post(query)
    body = response.json()
    assert _codes(body) and set(_codes(body)) == {"BAD_USER_INPUT"}, body
    assert body["data"] is None, body
    _no_patient_data(response.text)


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


MALFORMED_IDS = [
    "!!!",
    "",
    "not base64 at all",
    _b64("Patient:not-a-uuid"),
    _b64("Patient"),
    _b64(f"Pat ient:{uuid.uuid4()}"),
    _b64(f"Patient:{uuid.uuid4()}:extra"),
    "x" * 300,
]


@pytest.mark.parametrize("bad_id", MALFORMED_IDS, ids=range(len(MALFORMED_IDS)))
async def test_a_malformed_global_id_is_bad_user_input(member: Client, bad_id: str) -> None:
    for query in (
        "query($id: ID!) { patient(id: $id) { id firstName } }",
        "query($id: ID!) { node(id: $id) { id ... on Patient { firstName } } }",
        "query($id: ID!) { nodes(ids: [$id]) { id } }",
    ):
        response = await member.post(query, {"id": bad_id})
        body = response.json()
        assert _codes(body) == ["BAD_USER_INPUT"], body
        assert body["errors"][0]["message"] == "not a valid ID"
        if bad_id:
            assert bad_id not in response.text, "the client's input is echoed back"


async def test_an_id_of_another_type_is_bad_user_input(member: Client, patient_id: str) -> None:
    session_id = encode("DialysisSession", str(uuid.uuid4()))
    response = await member.post("query($id: ID!) { patient(id: $id) { id } }", {"id": session_id})
    body = response.json()
    assert _codes(body) == ["BAD_USER_INPUT"], body
    assert body["data"] == {"patient": None}
    # The patient's own id of the right type is found, and a Patient id is refused elsewhere.
    found = await member.post("query($id: ID!) { patient(id: $id) { id } }", {"id": patient_id})
    assert _without_cost(found.json()) == {"data": {"patient": {"id": patient_id}}}
    other = await member.post(
        "query($id: ID!) { dialysisSession(id: $id) { id } }", {"id": patient_id}
    )
    assert _codes(other.json()) == ["BAD_USER_INPUT"]
    _no_patient_data(other.text)


async def test_too_many_ids_for_nodes_is_bad_user_input(member: Client) -> None:
    ids = [encode("Patient", str(uuid.uuid4())) for _ in range(101)]
    body = await member.query("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    assert _codes(body) == ["BAD_USER_INPUT"], body


# --- documents that are not valid ---------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "{ patients { firstName } ",
        "query { patients(limit: ) { id } }",
        "{ me { " + " ".join(["userId"] * (MAX_TOKENS + 10)) + " } }",
    ],
    ids=["unclosed", "missing value", "too many tokens"],
)
async def test_a_syntax_error_is_parse_failed(member: Client, query: str) -> None:
    response = await member.post(query)
    body = response.json()
    assert body.get("data") is None
    assert len(body["errors"]) == 1
    assert body["errors"][0]["message"].startswith("Syntax Error")
    assert _codes(body) == ["GRAPHQL_PARSE_FAILED"], (
        f"BUG: a syntax error has extensions {body['errors'][0].get('extensions')!r}, not "
        "code GRAPHQL_PARSE_FAILED. ParserCache parses in its on_parse hook, so the GraphQLError "
        "escapes Strawberry's operation hook and ErrorMapping.on_operation never classifies it"
    )


@pytest.mark.parametrize(
    "query",
    [
        "{ patients { nodes { firstNme } } }",
        "{ patients { nodes { firstname } } }",
        "{ patient { id } }",
        "{ patientz { id } }",
        "{ patients { nodes { dialysisSession { id } } } }",
        "{ me { user { passwordHash } } }",
        '{ node(id: "x") { ... on Patient { lastNam } } }',
    ],
)
async def test_an_unknown_field_is_validation_failed_without_suggestions(
    member: Client, query: str
) -> None:
    response = await member.post(query)
    body = response.json()
    assert body.get("data") is None
    assert body["errors"] and set(_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}, body
    for error in body["errors"]:
        assert "Did you mean" not in error["message"], error["message"]


async def test_a_too_deep_query_is_refused_before_any_resolver(member: Client) -> None:
    nesting = MAX_DEPTH  # patients(1) + 2 per level: well beyond the limit
    query = (
        "{ patients { nodes { "
        + "dialysisSessions { nodes { patient { " * nesting
        + "firstName"
        + " } } }" * nesting
        + " } } }"
    )
    response = await member.post(query)
    body = response.json()
    assert body.get("data") is None
    # One error per limit exceeded: the depth, and the cost of 20-row pages nested 8 times.
    assert set(_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}, body
    (depth,) = [e for e in body["errors"] if e["extensions"].get("limit") == "depth"]
    assert "depth" in depth["message"]
    _no_patient_data(response.text)


async def test_the_deepest_allowed_query_runs(member: Client) -> None:
    """Control for the test above: depth MAX_DEPTH itself is fine."""
    levels = (MAX_DEPTH - 3) // 3  # patients nodes + levels * (sessions, nodes, patient) + name
    query = (
        "{ patients { nodes { "
        + "dialysisSessions { nodes { patient { " * levels
        + "firstName"
        + " } } }" * levels
        + " firstName } } }"
    )
    body = await member.query(query)
    assert "errors" not in body, body


async def test_too_many_aliases_are_refused(member: Client) -> None:
    query = (
        "{ "
        + " ".join(f"a{i}: patients {{ nodes {{ firstName }} }}" for i in range(MAX_ALIASES + 1))
        + " }"
    )
    response = await member.post(query)
    body = response.json()
    assert body.get("data") is None
    assert _codes(body) == ["GRAPHQL_VALIDATION_FAILED"], body
    _no_patient_data(response.text)


# --- unexpected exceptions ----------------------------------------------------------------------


async def _raise_with_patient_name(self: Any, keys: Sequence[str]) -> list[Any]:
    raise RuntimeError(f"cannot load {FIRST_NAME} {LAST_NAME} ({len(keys)} keys)")


async def _fail_in_sql_with_patient_name(self: Any, keys: Sequence[str]) -> list[Any]:
    """A real database error whose statement carries the patient's name as a parameter."""
    statement = select(Patient).where(
        Patient.first_name == FIRST_NAME,
        Patient.last_name == LAST_NAME,
        literal_column("no_such_column") == LAST_NAME,
    )
    await self.db.all(statement)
    return [[] for _ in keys]


@pytest.mark.parametrize(
    "batch", [_raise_with_patient_name, _fail_in_sql_with_patient_name], ids=["raise", "sql"]
)
async def test_an_unexpected_exception_is_masked_and_logged_without_patient_data(
    member: Client,
    batch: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(loaders.ByRelationLoader, "batch_load_fn", batch)
    caplog.set_level(logging.DEBUG, logger="perfex_graph")
    caplog.set_level(logging.DEBUG, logger="strawberry")
    caplog.set_level(logging.DEBUG, logger="graphql")
    request_id = f"test-{uuid.uuid4().hex}"
    response = await member.post(
        "{ patients { nodes { id dialysisSessions { nodes { id } } } } }",
        headers={"X-Request-Id": request_id},
    )
    gc.collect()  # so an exception nobody retrieved is reported (and captured) now
    body = response.json()
    assert response.status_code == 200
    assert response.headers["x-request-id"] == request_id
    assert body["data"] is None
    assert body["errors"] == [
        {
            "message": "Unexpected error.",
            "locations": [{"line": 1, "column": 25}],
            "path": ["patients", "nodes", 0, "dialysisSessions"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        }
    ]
    _no_patient_data(response.text)
    assert "no_such_column" not in response.text and "SELECT" not in response.text.upper()
    logged = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''} {record.exc_info or ''}"
        for record in caplog.records
    )
    assert request_id in logged, "the masked error is not logged with its request id"
    _no_patient_data(logged)
    assert "no_such_column" not in logged, "SQL text was logged"
    assert "[parameters:" not in logged, "SQL parameters were logged"
    # The next request on the same app is unaffected.
    monkeypatch.undo()
    healthy = await member.query("{ patients { nodes { lastName } } }")
    assert _without_cost(healthy) == {"data": {"patients": {"nodes": [{"lastName": LAST_NAME}]}}}


# --- GET ----------------------------------------------------------------------------------------


async def test_a_query_over_get_works(member: Client) -> None:
    response = await member.http.get(
        "/graphql",
        params={"query": "{ patients { nodes { lastName } } }"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert _without_cost(response.json()) == {
        "data": {"patients": {"nodes": [{"lastName": LAST_NAME}]}}
    }


@pytest.mark.parametrize(
    "query",
    [
        "mutation { patients { id } }",
        "mutation M { x }",
        "subscription { patients { id } }",
    ],
)
async def test_get_refuses_anything_but_a_query(member: Client, query: str) -> None:
    response = await member.http.get(
        "/graphql", params={"query": query}, headers={"Accept": "application/json"}
    )
    if response.status_code == 200:
        body = response.json()
        assert body.get("data") is None
        assert set(_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}, body
    else:
        assert response.status_code in (400, 405), response.text
    _no_patient_data(response.text)


async def test_get_without_a_token_is_refused(anonymous: Client) -> None:
    response = await anonymous.http.get(
        "/graphql",
        params={"query": "{ patients { nodes { lastName } } }"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 401
    assert _codes(response.json()) == ["UNAUTHENTICATED"]
    _no_patient_data(response.text)


# --- request ids --------------------------------------------------------------------------------


async def test_every_graphql_response_has_a_request_id(member: Client, anonymous: Client) -> None:
    responses = [
        await member.post("{ patients { nodes { id } } }"),
        await member.post("{ patients { nodes { nope } } }"),
        await member.post("{ patients(first: 9999) { nodes { id } } }"),
        await anonymous.post("{ me { userId } }"),
        await member.http.get("/graphql", params={"query": "mutation { x }"}),
    ]
    ids = [r.headers.get("x-request-id") for r in responses]
    assert all(i and REQUEST_ID.match(i) for i in ids), ids
    assert len(set(ids)) == len(ids), "request ids repeat"


async def test_a_well_formed_request_id_is_kept_and_junk_is_replaced(member: Client) -> None:
    given = "client-trace.0001"
    kept = await member.post("{ patients { nodes { id } } }", headers={"X-Request-Id": given})
    assert kept.headers["x-request-id"] == given
    for junk in ("short", "has spaces in it", "x" * 65, "<script>alert(1)</script>"):
        response = await member.post(
            "{ patients(first: 0) { nodes { id } } }", headers={"X-Request-Id": junk}
        )
        assert response.headers["x-request-id"] != junk
        assert REQUEST_ID.match(response.headers["x-request-id"])
        assert junk not in response.text
