"""GraphiQL in a real browser, against the real app, with every non-local request blocked.

Why a browser: only a browser shows that the page works offline under its own CSP (no script
from a CDN, no inline script, no blocked style), that a token typed into the headers editor
reaches the API, and that it survives a reload. Debian's Chromium is driven by Python
Playwright (never `playwright install`: it downloads a browser, which these networks cannot).

The network barrier has two layers. Every request the page makes goes through a Playwright
route that lets only the test server's origin through and aborts and records anything else; the
test fails if that list is not empty. Chromium also runs with a host resolver that fails every
name but 127.0.0.1, so even traffic Playwright does not see cannot leave the machine.

Without /usr/bin/chromium the test skips, unless PERFEX_REQUIRE_BROWSER=1 (set by .ci/run).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from api_client import Api, Client
from sqlalchemy.engine import URL

from graph.app import create_app
from graph.graphiql import ASSETS_PATH
from models.database import session_factory
from models.dialyse import DialysisProfile
from models.healthcare import Patient

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("PERFEX_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-domain-reliability",
    # Second barrier: no name resolves except the test server's address.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
TIMEOUT_MS = 20_000

pytestmark = [
    pytest.mark.browser,
    # models/types.py kind types do not all set cache_ok (see tests/graph/test_auth.py); the app
    # runs in this process, so the warning would otherwise turn into a server error.
    pytest.mark.filterwarnings(
        "ignore:TypeDecorator .* will not produce a cache key:sqlalchemy.exc.SAWarning"
    ),
]


@dataclass(frozen=True)
class Clinic:
    """A migrated SQLite database with a member of one organization, and a patient in it and in
    another organization."""

    url: URL
    member: Client
    own_patient: str
    other_patient: str


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium and Python Playwright, or a skip (a failure when CI requires them)."""
    reasons = []
    if not CHROMIUM.exists():
        reasons.append(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reasons.append("Python Playwright is not installed")
    if reasons:
        message = "; ".join(reasons)
        if REQUIRE_BROWSER:
            pytest.fail(f"{message}, and PERFEX_REQUIRE_BROWSER=1 requires it", pytrace=False)
        pytest.skip(f"{message}: skipping the GraphiQL browser test")
    return CHROMIUM


@pytest.fixture(scope="module")
async def clinic(api: Api, make_migrated_database: Callable[[str], URL]) -> Clinic:
    """Built here (SQLite only): the page is what is tested, not the dialects."""
    url = make_migrated_database("sqlite")
    member, other = await api(url), await api(url)
    ada = Patient(
        organization_id=member.organization_id,
        first_name="Ada",
        last_name="Lovelace",
        date_of_birth=dt.date(1985, 12, 10),
    )
    async with session_factory(member.engine)() as session, session.begin():
        session.add_all(
            [
                ada,
                Patient(
                    organization_id=other.organization_id,
                    first_name="Grace",
                    last_name="Hopperfield",
                    date_of_birth=dt.date(1979, 12, 9),
                ),
            ]
        )
        await session.flush()
        session.add(
            DialysisProfile(
                organization_id=member.organization_id,
                patient_id=ada.id,
                dialysis_type="hd",
                dry_weight=61.5,
                created_by=member.user_id,
            )
        )
    return Clinic(url, member, own_patient="Lovelace", other_patient="Hopperfield")


@pytest.fixture
def server(clinic: Clinic, api: Api) -> Iterator[str]:
    """The real app under uvicorn on a free 127.0.0.1 port, in a thread; yields its origin.
    (A browser needs a real server: this is the one app the `api` fixture does not drive.)"""
    app = create_app(database_url=clinic.url, auth=api.auth)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound before uvicorn starts: no race for the port
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(
        target=uvicorn_server.run, kwargs={"sockets": [sock]}, name="graphiql-test-server"
    )
    thread.start()
    try:
        deadline = dt.datetime.now() + dt.timedelta(seconds=15)
        while not uvicorn_server.started:
            if not thread.is_alive() or dt.datetime.now() > deadline:
                pytest.fail("the test server did not start", pytrace=False)
            threading.Event().wait(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        uvicorn_server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@dataclass
class Watch:
    """What the page did that it must not: external requests, CSP violations, script errors."""

    origin: str
    blocked: list[str] = field(default_factory=list)
    local: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def route(self, route: Any) -> None:
        url = route.request.url
        if url == self.origin or url.startswith(self.origin + "/"):
            self.local.append(url)
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def console(self, message: Any) -> None:
        if message.text.startswith("CSP-VIOLATION"):
            self.csp_violations.append(message.text)


# Reports every CSP violation to the console, where Watch.console collects it.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP-VIOLATION " + event.violatedDirective + " " + event.blockedURI);
});
"""

# CodeMirror 5 editors expose their API on the wrapper element.
EDITOR_VALUE = "(selector) => document.querySelector(selector).CodeMirror.getValue()"
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
HEADERS_EDITOR = "section.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
RESULT = ".result-window .CodeMirror"
STATUS = "#perfex-hint-status"
DOCS_BUTTON = "Show Documentation Explorer"
DOCS = ".graphiql-doc-explorer"
# GraphiQL keeps the headers twice (its tabs, and the last headers); a reload restores them only
# once both are written, each after a 500 ms debounce.
STORED = """(text) => ["graphiql:tabState", "graphiql:headers"].every(
  (key) => (localStorage.getItem(key) || "").includes(text))"""


def type_headers(page: Any, headers: dict[str, str]) -> None:
    """Replace the Headers tab's text, typed as a user would."""
    page.locator(HEADERS_EDITOR).click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(json.dumps(headers))
    assert json.loads(page.evaluate(EDITOR_VALUE, HEADERS_EDITOR)) == headers


def test_graphiql_runs_a_query_offline(chromium: Path, server: str, clinic: Clinic) -> None:
    from playwright.sync_api import expect, sync_playwright

    token = clinic.member.token
    assert token is not None
    watch = Watch(server)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(service_workers="block")
            context.route("**/*", watch.route)
            context.add_init_script(CSP_LISTENER)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.on("console", watch.console)
            page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
            page.on("websocket", lambda ws: watch.blocked.append(f"websocket {ws.url}"))

            # The page loads, from this server only, with the editor and the hint: no token yet,
            # so no schema, and the page says what to do instead of showing an error.
            response = page.goto(f"{server}/graphql", wait_until="networkidle")
            assert response is not None and response.ok
            assert "script-src 'self'" in response.headers["content-security-policy"]
            expect(page.locator(QUERY_EDITOR)).to_be_visible()
            expect(page.locator("#perfex-hint")).to_contain_text("Authorization")
            expect(page.locator(STATUS)).to_contain_text("Paste a token")
            # The ready dashboard operations are the tabs, the roster first.
            assert "query Roster" in page.evaluate(EDITOR_VALUE, QUERY_EDITOR)
            for name in ("Roster", "PatientChart", "RpmAlerts", "QualityDashboard"):
                expect(page.locator(".graphiql-tab")).to_contain_text([name], timeout=TIMEOUT_MS)
            expect(page.locator(HEADERS_EDITOR)).to_be_visible()
            assert "Bearer <paste" in page.evaluate(EDITOR_VALUE, HEADERS_EDITOR)

            # A token the API refuses is reported as such, with the API's code.
            type_headers(page, {"Authorization": "Bearer not.a-valid.token"})
            expect(page.locator(STATUS)).to_contain_text("UNAUTHENTICATED")

            # The user pastes a real token: the schema loads by itself and Docs shows the types.
            headers = {"Authorization": f"Bearer {token}"}
            type_headers(page, headers)
            expect(page.locator(STATUS)).to_contain_text("schema is loaded")
            page.get_by_role("button", name=DOCS_BUTTON).click()
            docs = page.locator(DOCS)
            expect(docs).to_contain_text("Query")
            docs.get_by_text("Query", exact=True).first.click()
            expect(docs).to_contain_text("patients")
            expect(docs).to_contain_text("Patient")

            # Run the example query; the result pane shows this organization's data only.
            page.get_by_role("button", name="Execute query").click()
            result = page.locator(".result-window")
            expect(result).to_contain_text(clinic.own_patient)
            data = json.loads(page.evaluate(EDITOR_VALUE, RESULT))
            assert "errors" not in data, data
            patients = data["data"]["patients"]["nodes"]
            assert [patient["lastName"] for patient in patients] == [clinic.own_patient]
            assert patients[0]["dialysisProfile"]["dryWeight"] == 61.5
            assert clinic.other_patient not in page.evaluate(EDITOR_VALUE, RESULT)

            # The header was persisted: after a reload it is still there, not retyped.
            page.wait_for_function(STORED, arg=token)
            page.reload(wait_until="networkidle")
            expect(page.locator(HEADERS_EDITOR)).to_be_visible()
            assert token in page.evaluate(EDITOR_VALUE, HEADERS_EDITOR)
            expect(page.locator(STATUS)).to_contain_text("schema is loaded")
        finally:
            browser.close()

    assert watch.blocked == [], f"the page tried to reach other hosts: {watch.blocked}"
    assert watch.csp_violations == []
    assert watch.page_errors == []
    assets_loaded = {url.split("?")[0] for url in watch.local if ASSETS_PATH in url}
    assert len(assets_loaded) == 6, assets_loaded
