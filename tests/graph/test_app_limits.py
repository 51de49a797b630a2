"""HTTP-level guards in front of GraphQL: body size and database outages during sign-in."""

from __future__ import annotations

import uuid

from api_client import Api
from sqlalchemy.engine import URL

from settings import limit_settings, parse_database_url

MAX_BODY_BYTES = limit_settings().max_body_bytes


async def test_oversized_body_is_refused_before_parsing(api: Api, migrated_url: URL) -> None:
    client = await api(migrated_url, token=None)
    body = '{"query": "{ me { roles } }", "padding": "' + "x" * MAX_BODY_BYTES + '"}'
    response = await client.http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_database_outage_during_sign_in_is_a_503_without_details(api: Api) -> None:
    unreachable = parse_database_url("postgresql://postgres@127.0.0.1:1/nowhere")
    client = await api(unreachable, org=str(uuid.uuid4()), user=str(uuid.uuid4()))
    response = await client.post("{ me { roles } }")
    assert response.status_code == 503
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "127.0.0.1" not in response.text
