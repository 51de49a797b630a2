"""CORS: browser pages on allowed origins may call /graphql; no other origin, and none by default.

Preflights (OPTIONS with Origin and Access-Control-Request-Method) are answered before
authentication: a browser sends them without the Authorization header.
"""

from __future__ import annotations

import httpx
import pytest
from api_client import Api
from sqlalchemy.engine import URL

from graph.app import create_app
from settings import DEMO_CORS_ORIGINS, ConfigError, cors_rules, parse_cors_origins

DASHBOARD = "https://dashboard.example.org"
ELSEWHERE = "https://evil.example.net"
QUERY = {"query": "{ me { roles } }"}


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }


def header_list(response: httpx.Response, name: str) -> set[str]:
    return {item.strip().lower() for item in response.headers.get(name, "").split(",")}


async def cors_client(
    api: Api, url: URL, origins: list[str] | tuple[str, ...] | None, token: str | None = None
) -> httpx.AsyncClient:
    """A client of an app on `url` with these CORS origins, sending `token` (or none)."""
    app = create_app(database_url=url, auth=api.auth, cors_origins=origins)
    return (await api(app=app, token=token)).http


@pytest.fixture(autouse=True)
def _no_configured_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    """No PERFEX_CORS_ORIGINS from the developer's shell."""
    monkeypatch.delenv("PERFEX_CORS_ORIGINS", raising=False)


async def test_preflight_from_an_allowed_origin_needs_no_token(api: Api, migrated_url: URL) -> None:
    http = await cors_client(api, migrated_url, [DASHBOARD])
    response = await http.options("/graphql", headers=preflight(DASHBOARD))
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == DASHBOARD
    assert {"get", "post", "options"} <= header_list(response, "access-control-allow-methods")
    allowed = header_list(response, "access-control-allow-headers")
    assert {"authorization", "content-type", "x-request-id"} <= allowed
    assert "access-control-allow-credentials" not in response.headers
    assert "origin" in header_list(response, "vary")


async def test_preflight_from_another_origin_is_not_allowed(api: Api, migrated_url: URL) -> None:
    http = await cors_client(api, migrated_url, [DASHBOARD])
    response = await http.options("/graphql", headers=preflight(ELSEWHERE))
    assert "access-control-allow-origin" not in response.headers
    assert response.status_code != 200


async def test_no_origin_is_allowed_by_default(api: Api, migrated_url: URL) -> None:
    unset_or_empty: tuple[list[str] | None, ...] = (None, [])
    for origins in unset_or_empty:
        http = await cors_client(api, migrated_url, origins)
        response = await http.options("/graphql", headers=preflight(DASHBOARD))
        assert "access-control-allow-origin" not in response.headers
        posted = await http.post("/graphql", json=QUERY, headers={"Origin": DASHBOARD})
        assert "access-control-allow-origin" not in posted.headers


async def test_setting_is_read_from_the_environment(
    api: Api, migrated_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PERFEX_CORS_ORIGINS", f'["{DASHBOARD}/", "http://localhost:*"]')
    http = await cors_client(api, migrated_url, None)
    for origin in (DASHBOARD, "http://localhost:5173"):
        response = await http.options("/graphql", headers=preflight(origin))
        assert response.headers.get("access-control-allow-origin") == origin
    response = await http.options("/graphql", headers=preflight(ELSEWHERE))
    assert "access-control-allow-origin" not in response.headers


async def test_the_request_from_an_allowed_origin_carries_the_headers(
    api: Api, migrated_url: URL
) -> None:
    member = await api(migrated_url)
    http = await cors_client(api, migrated_url, [DASHBOARD], token=member.token)
    response = await http.post("/graphql", json=QUERY, headers={"Origin": DASHBOARD})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["me"]["roles"] == ["physician"]
    assert response.headers["access-control-allow-origin"] == DASHBOARD
    assert "x-request-id" in header_list(response, "access-control-expose-headers")
    assert "x-request-id" in response.headers
    other = await http.post("/graphql", json=QUERY, headers={"Origin": ELSEWHERE})
    assert other.status_code == 200
    assert "access-control-allow-origin" not in other.headers
    # CORS changes nothing about authentication: without a token the answer is still 401.
    anonymous = await cors_client(api, migrated_url, [DASHBOARD])
    refused = await anonymous.post("/graphql", json=QUERY, headers={"Origin": DASHBOARD})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == DASHBOARD  # so the page can read it


async def test_demo_origins_are_any_port_on_this_machine(api: Api, migrated_url: URL) -> None:
    http = await cors_client(api, migrated_url, DEMO_CORS_ORIGINS)
    allowed = ("http://localhost:5173", "http://127.0.0.1:8080", "http://localhost")
    refused = ("http://localhost.evil.net:5173", "https://localhost:5173", "http://10.0.0.1:80")
    for origin in allowed:
        response = await http.options("/graphql", headers=preflight(origin))
        assert response.headers.get("access-control-allow-origin") == origin, origin
    for origin in refused:
        response = await http.options("/graphql", headers=preflight(origin))
        assert "access-control-allow-origin" not in response.headers, origin


def test_origins_are_validated_and_normalized() -> None:
    assert parse_cors_origins(" https://A.example.org/ , http://localhost:* ,,") == (
        "https://a.example.org",
        "http://localhost:*",
    )
    assert parse_cors_origins('["*"]') == ("*",)
    assert parse_cors_origins("") == ()
    for bad in ("dashboard.example.org", "https://a.example.org/app", "ftp://a.example", "[1,"):
        with pytest.raises(ConfigError, match="PERFEX_CORS_ORIGINS"):
            parse_cors_origins(bad)
    rules = cors_rules(("https://a.example.org", "http://localhost:*"))
    assert rules.allow_origins == ("https://a.example.org",)
    assert rules.allow_origin_regex is not None and rules.enabled
    assert not cors_rules(()).enabled
