"""GraphiQL served by the app itself, from files vendored in graph/static/graphiql/.

Hospital networks running this API have no internet access, and a CDN-hosted IDE would also leak
which API is in use; so the page loads only local files, under a strict Content-Security-Policy
that forbids any other origin. The vendored files are checked against manifest.json (written by
scripts/refresh_graphiql.py) when this module is imported: the app refuses to start with a
modified or missing file instead of serving it.

Wiring (Strawberry's ASGI view calls render_graphql_ide for GET requests accepting text/html, as
long as its graphql_ide argument is not None):

    class GraphQLView(strawberry.asgi.GraphQL):
        async def render_graphql_ide(self, request: Request) -> Response:
            return await render_graphiql(request)

    Starlette(routes=[*graphiql_asset_routes(), Route("/graphql", GraphQLView(schema))])
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from graphql import get_introspection_query
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

ASSETS_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
ASSETS_PATH = "/graphiql-assets"
MANIFEST_NAME = "manifest.json"

# Opened in the query editor on a first visit (GraphiQL then remembers the user's own query).
EXAMPLE_QUERY = """\
# Paste a token in the Headers tab below; Ctrl+Enter runs the query.
query Chart {
  me { userId organizationId roles }
  dialysisProfiles(first: 10) {
    nodes {
      dialysisType
      dryWeight
      patient {
        firstName
        lastName
        dateOfBirth
        dialysisSessions(first: 4) {
          nodes { sessionDate status preWeight postWeight ktv }
        }
      }
    }
  }
}
"""
# The ready dashboard operations (queries/*.graphql in the repository), opened as tabs.
OPERATIONS_DIR = Path(__file__).resolve().parent.parent / "queries"
OPERATION_ORDER = (
    "roster",
    "patient_chart",
    "rpm_alerts",
    "quality_dashboard",
    "patient_search",
)


def operation_tabs(now: dt.datetime | None = None) -> list[dict[str, str]]:
    """One GraphiQL tab per ready operation, with variables that work on the day it opens;
    the example query alone when the operations are not installed with the package."""
    now = now or dt.datetime.now(dt.UTC)
    since = (now - dt.timedelta(hours=24)).replace(microsecond=0)
    year_ago = (now - dt.timedelta(days=365)).replace(microsecond=0)
    variables: dict[str, dict[str, Any]] = {
        "roster": {"first": 100},
        "patient_chart": {"id": "<a patient id, e.g. from Roster>"},
        "rpm_alerts": {"since": since.isoformat()},
        "quality_dashboard": {
            "since": year_ago.isoformat(),
            "sinceDay": year_ago.date().isoformat(),
        },
        "patient_search": {"text": "ma"},
    }
    tabs = []
    for name in OPERATION_ORDER:
        path = OPERATIONS_DIR / f"{name}.graphql"
        if path.is_file():
            tabs.append(
                {"query": path.read_text(), "variables": json.dumps(variables[name], indent=2)}
            )
    return tabs or [{"query": EXAMPLE_QUERY}]


# The standard introspection query: bootstrap.js loads the schema with the user's token.
INTROSPECTION_QUERY = get_introspection_query(descriptions=True)

# Opened in the headers editor on a first visit; persisted in the browser afterwards.
DEFAULT_HEADERS = (
    "{\n"
    '  "Authorization": "Bearer <paste a token from `perfex-graph token` '
    'or the serve --demo output>"\n'
    "}\n"
)


def headers_with_token(token: str) -> str:
    """The Headers tab pre-filled with a token (the demo's, never a real deployment's)."""
    return json.dumps({"Authorization": f"Bearer {token}"}, indent=2) + "\n"


_CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
# Scripts and styles the page loads, in order (React before ReactDOM before GraphiQL).
_PAGE_STYLES = ("graphiql.min.css", "page.css")
_PAGE_SCRIPTS = (
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "bootstrap.js",
)
_IMMUTABLE = "public, max-age=31536000, immutable"


class GraphiQLAssetError(RuntimeError):
    """The vendored GraphiQL files do not match their manifest (tampered, truncated, missing)."""


@dataclass(frozen=True)
class Asset:
    """One verified file, held in memory (about 1.5 MB in all) and served from there."""

    name: str
    content: bytes
    media_type: str
    sha256: str

    @property
    def etag(self) -> str:
        return f'"{self.sha256}"'

    @property
    def sri(self) -> str:
        """Subresource Integrity value: the browser re-checks what it received."""
        return "sha256-" + base64.b64encode(bytes.fromhex(self.sha256)).decode()

    @property
    def url(self) -> str:
        """The URL of this version: the hash makes a year of immutable caching safe on upgrade."""
        return f"{ASSETS_PATH}/{self.name}?v={self.sha256[:16]}"


def load_assets(assets_dir: Path = ASSETS_DIR) -> Mapping[str, Asset]:
    """Read and verify every file of the manifest; raise GraphiQLAssetError on any mismatch."""
    manifest_path = assets_dir / MANIFEST_NAME
    fix = "restore the directory from git or run `python scripts/refresh_graphiql.py`"
    try:
        manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        entries: list[dict[str, Any]] = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GraphiQLAssetError(
            f"GraphiQL manifest {manifest_path} is unreadable ({exc}); {fix}"
        ) from exc

    assets: dict[str, Asset] = {}
    problems: list[str] = []
    for entry in entries:
        name, expected = str(entry.get("file", "")), entry.get("sha256")
        suffix = Path(name).suffix
        if not name or not expected:
            problems.append(f"an entry has no file name or no sha256: {entry!r}")
            continue
        if "/" in name or "\\" in name or name.startswith(".") or suffix not in _CONTENT_TYPES:
            problems.append(f"{name}: not a plain .js/.css/.txt file name")
            continue
        try:
            content = (assets_dir / name).read_bytes()
        except OSError as exc:
            problems.append(f"{name}: cannot be read ({exc.strerror or exc})")
            continue
        digest = hashlib.sha256(content).hexdigest()
        if digest != expected:
            problems.append(f"{name}: sha256 {digest} but the manifest says {expected}")
            continue
        assets[name] = Asset(name, content, _CONTENT_TYPES[suffix], digest)
    missing = [name for name in (*_PAGE_STYLES, *_PAGE_SCRIPTS) if name not in assets]
    if missing and not problems:
        problems.append(f"the manifest does not list {', '.join(missing)}")
    if problems:
        details = "\n  ".join(problems)
        raise GraphiQLAssetError(
            f"GraphiQL files in {assets_dir} do not match {MANIFEST_NAME}:\n  {details}\n{fix}"
        )
    return MappingProxyType(assets)


# Verified once, at import: a tampered or incomplete install fails at startup, not in a browser.
ASSETS: Mapping[str, Asset] = load_assets()


def graphiql_asset_routes(assets: Mapping[str, Asset] | None = None) -> list[BaseRoute]:
    """Routes serving exactly the manifest's files under ASSETS_PATH, and a 404 for anything else.

    Names are looked up in the manifest, never joined to a filesystem path, so `..` or encoded
    slashes cannot reach another file.
    """
    served = ASSETS if assets is None else assets

    async def asset(request: Request) -> Response:
        found = served.get(request.path_params["name"])
        if found is None:
            return PlainTextResponse("Not Found", status_code=404)
        headers = {
            "Cache-Control": _IMMUTABLE,
            "ETag": found.etag,
            "X-Content-Type-Options": "nosniff",
            "Cross-Origin-Resource-Policy": "same-origin",
        }
        etags = _etags(request.headers.get("if-none-match", ""))
        if found.etag in etags or "*" in etags:
            return Response(status_code=304, headers=headers)
        return Response(found.content, media_type=found.media_type, headers=headers)

    return [Route(ASSETS_PATH + "/{name:path}", asset, methods=["GET", "HEAD"])]


def _etags(if_none_match: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in if_none_match.split(",") if tag.strip()}


def graphiql_csp(style_nonce: str | None = None) -> str:
    """The page's Content-Security-Policy: own origin only, no inline script, no inline style.

    data: is allowed for fonts and images because GraphiQL's stylesheet embeds its fonts and
    icons as data: URLs; connect-src 'self' lets the page reach the API on its own origin only.
    GraphiQL's dialogs (Radix scroll lock) insert one <style> element: it carries style_nonce
    (bootstrap.js hands the nonce to the bundle), so the policy still needs no 'unsafe-inline'.
    The nonce must be the one given to graphiql_page for the same response.
    """
    style_src = "style-src 'self'" + (f" 'nonce-{style_nonce}'" if style_nonce else "")
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            style_src,
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


def graphiql_page(
    graphql_path: str = "/graphql",
    *,
    style_nonce: str | None = None,
    assets: Mapping[str, Asset] | None = None,
    default_headers: str = DEFAULT_HEADERS,
) -> str:
    """The GraphiQL HTML page for the API at graphql_path, loading only local assets.

    graphql_path must be a path on this origin: an absolute URL would break the page's promise
    (and its CSP) of never talking to another host. style_nonce: see graphiql_csp.
    default_headers: the Headers tab on a first visit (`serve --demo` puts its token there).
    """
    if not graphql_path.startswith("/") or graphql_path.startswith("//"):
        raise ValueError(f"graphql_path must be a path on this origin, got {graphql_path!r}")
    served = ASSETS if assets is None else assets
    config = {
        "graphqlPath": graphql_path,
        "assetsPath": ASSETS_PATH,
        "exampleQuery": EXAMPLE_QUERY,
        "tabs": operation_tabs(),
        "defaultHeaders": default_headers,
        "introspectionQuery": INTROSPECTION_QUERY,
        "styleNonce": style_nonce,
    }
    # A JSON data block is parsed, never executed, so it needs no CSP exception; escaping "<"
    # keeps "</script>" in a value from ending the block.
    config_json = json.dumps(config, indent=2).replace("<", "\\u003c")
    styles = "\n".join(
        f'    <link rel="stylesheet" href="{html.escape(served[name].url)}"'
        f' integrity="{served[name].sri}">'
        for name in _PAGE_STYLES
    )
    scripts = "\n".join(
        f'    <script src="{html.escape(served[name].url)}"'
        f' integrity="{served[name].sri}"></script>'
        for name in _PAGE_SCRIPTS
    )
    return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="referrer" content="no-referrer">
    <title>Perfex Clinical Graph · GraphiQL</title>
    <link rel="icon" href="data:,">
{styles}
  </head>
  <body>
    <header class="perfex-hint" id="perfex-hint">
      <strong>Authorization:</strong> open the <em>Headers</em> tab under the query editor and set
      <code>{{"Authorization": "Bearer &lt;token&gt;"}}</code>, with a token from
      <code>perfex-graph token</code> or the <code>perfex-graph serve --demo</code> output.
      Headers are kept in this browser: on a shared workstation, clear them when you leave
      (settings &#9881; &rarr; <em>Clear data</em>).
      <span id="perfex-hint-status" data-state="waiting"></span>
    </header>
    <div id="graphiql">Loading GraphiQL…</div>
    <noscript>GraphiQL needs JavaScript.</noscript>
    <script type="application/json" id="graphiql-config">
{config_json}
    </script>
{scripts}
  </body>
</html>
"""


async def render_graphiql(request: Request, default_headers: str = DEFAULT_HEADERS) -> HTMLResponse:
    """The page for a browser asking for the API's own URL, with its CSP and hardening headers.

    The API path is the request's own path, so the page works wherever the view is mounted; the
    style nonce is fresh for every response, as a nonce must be.
    """
    nonce = secrets.token_urlsafe(18)
    return HTMLResponse(
        graphiql_page(request.url.path, style_nonce=nonce, default_headers=default_headers),
        headers={
            "Content-Security-Policy": graphiql_csp(style_nonce=nonce),
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
