"""HTTP-level guards in front of GraphQL: body size and database outages during sign-in."""

from __future__ import annotations

import uuid

from sqlalchemy.engine import URL
from starlette.testclient import TestClient

from graph.app import MAX_BODY_BYTES, create_app
from graph.auth import mint_token
from graph.config import AuthSettings
from models.config import parse_database_url

SETTINGS = AuthSettings(algorithms=("HS256",), secret="s" * 48)


def test_oversized_body_is_refused_before_parsing(migrated_url: URL) -> None:
    with TestClient(create_app(database_url=migrated_url, auth=SETTINGS)) as client:
        body = '{"query": "{ me { roles } }", "padding": "' + "x" * MAX_BODY_BYTES + '"}'
        response = client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_database_outage_during_sign_in_is_a_503_without_details() -> None:
    unreachable = parse_database_url("postgresql://postgres@127.0.0.1:1/nowhere")
    token = mint_token(
        SETTINGS,
        user_id=str(uuid.uuid4()),
        organization_id=str(uuid.uuid4()),
        roles=["clinician"],
        ttl_seconds=300,
    )
    with TestClient(create_app(database_url=unreachable, auth=SETTINGS)) as client:
        response = client.post(
            "/graphql",
            json={"query": "{ me { roles } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 503
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "127.0.0.1" not in response.text
