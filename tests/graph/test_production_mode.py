"""`PERFEX_ENV=production`: no GraphiQL, no introspection (but for `admin` when configured), no
GET queries, CORS from the allow-list only; and `serve` refuses to start with a demo's key, a
short secret, a wildcard origin or `--demo`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_client import Api, Client
from sqlalchemy.engine import URL
from typer.testing import CliRunner, Result

import cli.serve
from cli.main import app as cli_app
from graph.app import create_app
from graph.errors import ErrorCode
from graph.graphiql import ASSETS_PATH
from graph.http import GRAPHQL_RESPONSE_JSON, JSON
from models.migrate import upgrade
from settings import (
    ConfigError,
    ModeSettings,
    auth_settings,
    database_url,
    demo_auth_settings,
    demo_secret_path,
    mode_settings,
    parse_database_url,
    production_problems,
)

PRODUCTION = ModeSettings(env="production")
PRODUCTION_WITH_ADMIN_INTROSPECTION = ModeSettings(env="production", introspection_admin=True)
DEVELOPMENT = ModeSettings(env="development")
DASHBOARD = "https://dashboard.example.org"
SCHEMA_QUERY = "{ __schema { queryType { name } } }"
INTROSPECTIONS = {
    "__schema": SCHEMA_QUERY,
    "__type": '{ __type(name: "Patient") { name } }',
    "an alias": "{ s: __schema { types { name } } }",
    "a fragment": "query { ...F } fragment F on Query { __schema { types { name } } }",
    "an inline fragment": '{ ... on Query { __type(name: "Query") { name } } }',
    "a named operation": "query IntrospectionQuery { __schema { directives { name } } }",
}


async def client_of(
    api: Api,
    url: URL,
    member: Client,
    mode: ModeSettings,
    roles: tuple[str, ...] = ("physician",),
    **options: Any,
) -> Client:
    """A client of a new app in `mode`, signed in as `member`'s user with `roles`."""
    app = create_app(database_url=url, auth=api.auth, mode=mode, **options)
    token = (await api(url, org=member.organization_id, user=member.user_id, roles=roles)).token
    return await api(app=app, token=token)


@pytest.fixture(scope="module")
async def member(api: Api, migrated_url: URL) -> Client:
    return await api(migrated_url)


@pytest.fixture(scope="module")
async def production(api: Api, migrated_url: URL, member: Client) -> Client:
    return await client_of(api, migrated_url, member, PRODUCTION)


def codes(response: httpx.Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json().get("errors", [])]


async def graphql(client: Client, query: str, accept: str = JSON) -> httpx.Response:
    return await client.http.post("/graphql", json={"query": query}, headers={"accept": accept})


# --- GraphiQL, GET ----------------------------------------------------------------------------


async def test_graphiql_and_its_assets_are_not_found(
    api: Api, migrated_url: URL, member: Client, production: Client
) -> None:
    development = await client_of(api, migrated_url, member, DEVELOPMENT)
    asset = f"{ASSETS_PATH}/graphiql.min.js"
    for client, page_status, asset_status in ((development, 200, 200), (production, 404, 404)):
        page = await client.http.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == page_status
        assert (await client.http.get(asset)).status_code == asset_status
    assert "graphiql" not in page.text.lower()


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE_JSON, JSON])
async def test_get_queries_are_405_with_allow_post(production: Client, accept: str) -> None:
    response = await production.http.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"accept": accept}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.headers["content-type"] == accept
    assert codes(response) == [ErrorCode.BAD_REQUEST]
    posted = await graphql(production, "{ __typename }")
    assert posted.status_code == 200 and posted.json()["data"] == {"__typename": "Query"}


# --- introspection ------------------------------------------------------------------------------


@pytest.mark.parametrize("query", list(INTROSPECTIONS.values()), ids=list(INTROSPECTIONS))
async def test_introspection_is_refused(production: Client, query: str) -> None:
    refused = await graphql(production, query, GRAPHQL_RESPONSE_JSON)
    assert refused.status_code == 400, refused.text
    assert "data" not in refused.json()
    assert codes(refused) == [ErrorCode.GRAPHQL_VALIDATION_FAILED]
    legacy = await graphql(production, query, JSON)
    assert legacy.status_code == 200 and legacy.json()["data"] is None
    assert codes(legacy) == [ErrorCode.GRAPHQL_VALIDATION_FAILED]


@pytest.mark.parametrize(
    "query",
    [
        "{ __typename me { __typename } }",
        '{ patients(first: 1, search: "__schema") { totalCount } }',  # a value, not a field
        "# __schema in a comment\n{ __typename }",
        "{ __typename_like: __typename }",
    ],
)
async def test_what_only_looks_like_introspection_runs(production: Client, query: str) -> None:
    response = await graphql(production, query)
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.text


async def test_introspection_stays_open_in_development(
    api: Api, migrated_url: URL, member: Client
) -> None:
    development = await client_of(api, migrated_url, member, DEVELOPMENT)
    response = await graphql(development, SCHEMA_QUERY)
    assert response.json()["data"] == {"__schema": {"queryType": {"name": "Query"}}}


@pytest.mark.parametrize(
    ("mode", "roles", "allowed"),
    [
        (PRODUCTION_WITH_ADMIN_INTROSPECTION, ("admin",), True),
        (PRODUCTION_WITH_ADMIN_INTROSPECTION, ("physician", "admin"), True),
        (PRODUCTION_WITH_ADMIN_INTROSPECTION, ("physician",), False),
        (PRODUCTION_WITH_ADMIN_INTROSPECTION, ("superadmin",), False),
        (PRODUCTION, ("admin",), False),
    ],
    ids=["admin", "physician and admin", "physician", "superadmin", "admin, not configured"],
)
async def test_introspection_for_admin_only_when_configured(
    api: Api,
    migrated_url: URL,
    member: Client,
    mode: ModeSettings,
    roles: tuple[str, ...],
    allowed: bool,
) -> None:
    client = await client_of(api, migrated_url, member, mode, roles)
    response = await graphql(client, SCHEMA_QUERY)
    assert response.status_code == 200
    if allowed:
        assert response.json()["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    else:
        assert codes(response) == [ErrorCode.GRAPHQL_VALIDATION_FAILED]


# --- CORS, headers --------------------------------------------------------------------------------


async def test_cors_comes_from_the_allow_list_only(
    api: Api, migrated_url: URL, member: Client
) -> None:
    client = await client_of(api, migrated_url, member, PRODUCTION, cors_origins=[DASHBOARD])
    preflight = {
        "Origin": DASHBOARD,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    allowed = await client.http.options("/graphql", headers=preflight)
    assert allowed.headers["access-control-allow-origin"] == DASHBOARD
    methods = {m.strip() for m in allowed.headers["access-control-allow-methods"].split(",")}
    assert "POST" in methods and "GET" not in methods
    elsewhere = await client.http.options(
        "/graphql", headers={**preflight, "Origin": "https://evil.example.net"}
    )
    assert "access-control-allow-origin" not in elsewhere.headers
    with pytest.raises(ConfigError, match=r"PERFEX_CORS_ORIGINS"):
        create_app(database_url=migrated_url, auth=api.auth, mode=PRODUCTION, cors_origins=["*"])


async def test_answers_carry_no_store_nosniff_and_the_bearer_challenge(
    api: Api, migrated_url: URL, production: Client
) -> None:
    anonymous = await api(app=production.app, token=None)
    refused = await anonymous.http.post("/graphql", json={"query": "{ __typename }"})
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    for response in (refused, await graphql(production, "{ me { roles } }")):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"


# --- settings and `serve` -----------------------------------------------------------------------


def test_mode_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PERFEX_ENV", raising=False)
    monkeypatch.delenv("PERFEX_INTROSPECTION_ADMIN", raising=False)
    assert not mode_settings().production  # development by default
    monkeypatch.setenv("PERFEX_ENV", "production")
    monkeypatch.setenv("PERFEX_INTROSPECTION_ADMIN", "true")
    mode = mode_settings()
    assert mode.production and mode.introspection_admin
    monkeypatch.setenv("PERFEX_ENV", "prod")
    with pytest.raises(ConfigError, match=r"^PERFEX_ENV: "):
        mode_settings()


def test_production_problems() -> None:
    good = secrets.token_bytes(32)
    ok: dict[str, Any] = {
        "demo": False,
        "hmac_secret": good,
        "demo_secret": None,
        "cors_origins": (DASHBOARD,),
    }
    assert production_problems(**ok) == []
    assert production_problems(**{**ok, "hmac_secret": None}) == []  # RS*/ES* keys
    for change, word in [
        ({"demo": True}, "--demo"),
        ({"hmac_secret": b"x" * 31}, "shorter than 32 bytes"),
        ({"demo_secret": good}, "the demo's secret"),
        ({"cors_origins": ("*",)}, "every origin"),
    ]:
        (problem,) = production_problems(**{**ok, **change})
        assert word in problem


@pytest.fixture
def serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """`serve(args, **env)`: `perfex-graph serve` in-process with only `env` of this project's
    settings, on an SQLite file in an empty directory; uvicorn is never started."""
    for name in list(os.environ):
        if name.startswith(("PERFEX_", "DATABASE_URL")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    started: list[object] = []
    monkeypatch.setattr(cli.serve.uvicorn, "run", lambda *a, **k: started.append(a))

    def run(args: list[str], **env: str) -> Result:
        database_url.cache_clear()
        auth_settings.cache_clear()
        started.clear()
        result = CliRunner().invoke(cli_app, ["serve", *args], env=env)
        result.started = bool(started)  # type: ignore[attr-defined]
        return result

    yield run
    database_url.cache_clear()
    auth_settings.cache_clear()


def _refusal(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert not result.started  # type: ignore[attr-defined]
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


def test_serve_refuses_the_demo_secret_and_demo_mode_in_production(
    serve: Any, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    demo_secret = demo_auth_settings(demo_secret_path(parse_database_url(url))).secret
    assert demo_secret is not None
    line = _refusal(
        serve(
            [],
            DATABASE_URL=url,
            PERFEX_ENV="production",
            PERFEX_JWT_SECRET=demo_secret.get_secret_value(),
        )
    )
    assert "production" in line and "demo's secret" in line
    assert demo_secret.get_secret_value() not in line
    line = _refusal(serve(["--demo"], DATABASE_URL=url, PERFEX_ENV="production"))
    assert "--demo" in line
    line = _refusal(
        serve(
            [],
            DATABASE_URL=url,
            PERFEX_ENV="production",
            PERFEX_JWT_SECRET=secrets.token_urlsafe(48),
            PERFEX_CORS_ORIGINS="*",
        )
    )
    assert "every origin" in line


def test_serve_refuses_a_short_secret(serve: Any, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    line = _refusal(
        serve([], DATABASE_URL=url, PERFEX_ENV="production", PERFEX_JWT_SECRET="x" * 31)
    )
    assert "PERFEX_JWT_SECRET" in line and "short" in line


def test_serve_starts_in_production_with_a_proper_secret(serve: Any, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    upgrade(parse_database_url(url))
    result = serve(
        [], DATABASE_URL=url, PERFEX_ENV="production", PERFEX_JWT_SECRET=secrets.token_urlsafe(48)
    )
    assert result.exit_code == 0, result.output
    assert result.started  # type: ignore[attr-defined]
