"""No request can hold the server: past its time limit, or when its client hangs up, a request
is cancelled together with the SQL it runs; a database that fails mid-request is a clean JSON
503 (or 504) for the requests in flight, and the next requests succeed.

A statement that runs "forever" is made by rewriting, below SQLAlchemy, the one statement that
reads `dialyse_machines` into a sleep: `pg_sleep` on PostgreSQL, an endless recursive count on
SQLite (which only `interrupt()` stops). So the time limit, the disconnect and the killed
backend all hit a statement that is really running on the server, and the checks afterwards
(pg_stat_activity, the pool's checked-out connections, the next request) show it was stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from api_client import Api, Client, post_scope
from sqlalchemy import event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.types import ASGIApp, Message

from graph.app import create_app
from graph.errors import ErrorCode
from graph.http import GRAPHQL_RESPONSE_JSON
from graph.ids import encode
from graph.session import failure_of
from models.database import create_engine
from settings import LimitSettings

T = TypeVar("T")

SLOW_QUERY = "{ dialysisMachines(first: 5) { nodes { id } } }"
# The same statement from a dataloader batch, which runs in a task of its own.
MACHINE_ID = encode("DialysisMachine", str(uuid.uuid4()))
SLOW_LOADER_QUERY = f'{{ node(id: "{MACHINE_ID}") {{ id }} }}'
SLOW_QUERIES = {"root list": SLOW_QUERY, "loader batch": SLOW_LOADER_QUERY}
QUICK_QUERY = "{ me { roles } }"
MARKER = "dialyse_machines"  # only SLOW_QUERY's statement reads this table
FOREVER = {
    "postgresql": "SELECT pg_sleep(3600)",
    # Counts for hours: only an interrupt() ends it.
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
    "WHERE x < 1000000000000) SELECT count(*) FROM c",
}
# How long the app gets to stop a statement itself before the test stops it from outside and
# fails: a ceiling that only a broken cancellation reaches (it takes well under a second).
CEILING_SECONDS = 60
POLLS = 200  # pg_stat_activity is read at most this many times, 25 ms apart


@dataclass
class Forever:
    """The statements that never end, as the app sent them."""

    engine: AsyncEngine
    sent: asyncio.Event = field(default_factory=asyncio.Event)
    drivers: list[Any] = field(default_factory=list)  # SQLite: their aiosqlite connections

    async def rescue(self) -> None:
        """Stop them from outside the app (the app failed to)."""
        for driver in self.drivers:
            with contextlib.suppress(Exception):
                await driver.interrupt()
        if self.engine.dialect.name == "postgresql":
            async with admin(self.engine) as connection:
                for pid in await running(connection, FOREVER["postgresql"]):
                    await connection.fetchval("SELECT pg_cancel_backend($1)", pid)

    async def outcome(self, work: Awaitable[T]) -> T:
        """The result of `work`, which must end without the rescue (see CEILING_SECONDS)."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=CEILING_SECONDS)
        if not done:
            while not task.done():
                await self.rescue()
                await asyncio.wait({task}, timeout=1)
            raise AssertionError("the app did not stop its statement: the test had to")
        return task.result()


@contextlib.contextmanager
def statements_that_never_end(engine: AsyncEngine) -> Iterator[Forever]:
    """While active, the statement of SLOW_QUERY is replaced by one that runs until stopped."""
    forever = Forever(engine)
    replacement = FOREVER[engine.dialect.name]

    def rewrite(
        conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> tuple[str, Any]:
        if MARKER not in statement:
            return statement, parameters
        forever.sent.set()
        if engine.dialect.name == "sqlite":
            forever.drivers.append(conn.connection.driver_connection)
        return replacement, ()

    event.listen(engine.sync_engine, "before_cursor_execute", rewrite, retval=True)
    try:
        yield forever
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", rewrite)


@contextlib.asynccontextmanager
async def admin(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    """A superuser connection to the app's PostgreSQL database, outside the app's pool."""
    url = engine.url
    connection = await asyncpg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        database=url.database,
    )
    try:
        yield connection
    finally:
        await connection.close()


async def running(connection: asyncpg.Connection, query: str) -> list[int]:
    """Backends of this database running `query` now (not this connection)."""
    rows = await connection.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND state = 'active' AND query = $1 AND pid <> pg_backend_pid()",
        query,
    )
    return [row["pid"] for row in rows]


async def wait_for_backends(connection: asyncpg.Connection, count: int) -> list[int]:
    for _ in range(POLLS):
        pids = await running(connection, FOREVER["postgresql"])
        if len(pids) >= count:
            return pids
        await asyncio.sleep(0.025)
    raise AssertionError(f"expected {count} running statements")


async def assert_no_statement_left(engine: AsyncEngine) -> None:
    """Nothing of the request runs any more, and its connection is back in the pool."""
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    if engine.dialect.name == "postgresql":
        async with admin(engine) as connection:
            for _ in range(POLLS):  # a cancel request reaches the server asynchronously
                if not await running(connection, FOREVER["postgresql"]):
                    return
                await asyncio.sleep(0.025)
            raise AssertionError("the cancelled statement still runs on the server")


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


@pytest.fixture(scope="module")
async def member(api: Api, migrated_url: URL) -> Client:
    return await api(migrated_url)


async def app_with(api: Api, url: URL, token: str | None, **limits: Any) -> Client:
    """A client of a new app on `url` (its own engine and pool) with these limits."""
    app = create_app(database_url=url, auth=api.auth, limits=LimitSettings(**limits))
    return await api(app=app, token=token)


@pytest.mark.parametrize("query", list(SLOW_QUERIES.values()), ids=list(SLOW_QUERIES))
async def test_the_time_limit_cancels_the_request_and_its_sql(
    api: Api, migrated_url: URL, member: Client, query: str
) -> None:
    client = await app_with(api, migrated_url, member.token, request_timeout_seconds=0.5)
    with statements_that_never_end(client.engine) as forever:
        response = await forever.outcome(
            client.http.post(
                "/graphql",
                json={"query": query},
                headers={"accept": GRAPHQL_RESPONSE_JSON},
            )
        )
    assert forever.sent.is_set()  # the statement did run
    assert response.status_code == 504, response.text
    body = response.json()
    assert codes(body) == [ErrorCode.TIMEOUT] and "data" not in body
    await assert_no_statement_left(client.engine)
    again = await client.http.post("/graphql", json={"query": QUICK_QUERY})
    assert again.status_code == 200
    assert again.json()["data"] == {"me": {"roles": ["physician"]}}


async def _call(app: ASGIApp, token: str, query: str, gone: asyncio.Event) -> list[Message]:
    """POST `query` through ASGI; the client disconnects when `gone` is set."""
    sent: list[Message] = []
    body = json.dumps({"query": query}).encode()
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = post_scope(
        [
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
    )
    await app(scope, receive, send)
    return sent


@pytest.mark.parametrize("query", list(SLOW_QUERIES.values()), ids=list(SLOW_QUERIES))
async def test_a_client_that_disconnects_cancels_its_request_and_sql(
    api: Api, migrated_url: URL, member: Client, query: str
) -> None:
    client = await app_with(api, migrated_url, member.token, request_timeout_seconds=600)
    assert member.token is not None
    gone = asyncio.Event()
    with statements_that_never_end(client.engine) as forever:
        call = asyncio.ensure_future(_call(client.app, member.token, query, gone))
        await asyncio.wait_for(forever.sent.wait(), CEILING_SECONDS)
        if client.engine.dialect.name == "postgresql":
            async with admin(client.engine) as connection:
                await wait_for_backends(connection, 1)
        gone.set()
        messages = await forever.outcome(call)
    assert messages == []  # nobody to answer
    await assert_no_statement_left(client.engine)
    again = await client.http.post("/graphql", json={"query": QUICK_QUERY})
    assert again.status_code == 200


async def test_a_client_that_stays_gets_its_answer(api: Api, member: Client) -> None:
    """The disconnect watch does not end requests whose client waits (GET and POST)."""
    assert member.token is not None
    never = asyncio.Event()
    messages = await asyncio.wait_for(
        _call(member.app, member.token, QUICK_QUERY, never), CEILING_SECONDS
    )
    assert messages[0]["status"] == 200
    get = await member.http.get("/graphql", params={"query": QUICK_QUERY})
    assert get.status_code == 200 and get.json()["data"] == {"me": {"roles": ["physician"]}}


@pytest.mark.postgres
async def test_killed_connections_are_503s_and_the_next_requests_succeed(
    api: Api, dialect: str, migrated_url: URL, member: Client
) -> None:
    if dialect != "postgresql":
        pytest.skip("backends are killed on PostgreSQL")
    client = await app_with(api, migrated_url, member.token, request_timeout_seconds=600)
    in_flight = 4
    with statements_that_never_end(client.engine) as forever:
        requests = [
            asyncio.ensure_future(client.http.post("/graphql", json={"query": SLOW_QUERY}))
            for _ in range(in_flight)
        ]
        async with admin(client.engine) as connection:
            pids = await wait_for_backends(connection, in_flight)
            for pid in pids:
                assert await connection.fetchval("SELECT pg_terminate_backend($1)", pid)
        responses: list[httpx.Response] = await forever.outcome(asyncio.gather(*requests))
    for response in responses:
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/json"
        assert codes(response.json()) == [ErrorCode.SERVICE_UNAVAILABLE]
        assert "pg_sleep" not in response.text and "Traceback" not in response.text
    await assert_no_statement_left(client.engine)
    for _ in range(in_flight + 1):  # every pooled connection, dead or new, serves again
        again = await client.http.post("/graphql", json={"query": QUICK_QUERY})
        assert again.status_code == 200, again.text


@pytest.mark.postgres
async def test_a_statement_timeout_is_a_504(
    api: Api, dialect: str, migrated_url: URL, member: Client
) -> None:
    if dialect != "postgresql":
        pytest.skip("SQLite has no statement timeout")
    client = await app_with(
        api, migrated_url, member.token, request_timeout_seconds=600, statement_timeout_ms=200
    )
    with statements_that_never_end(client.engine) as forever:
        response = await forever.outcome(client.http.post("/graphql", json={"query": SLOW_QUERY}))
    assert response.status_code == 504, response.text
    assert codes(response.json()) == [ErrorCode.TIMEOUT]
    await assert_no_statement_left(client.engine)


async def test_a_failing_close_is_a_503_and_leaks_no_connection(
    api: Api, migrated_url: URL, member: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await app_with(api, migrated_url, member.token)
    failures = 0

    async def close_that_fails(self: AsyncSession) -> None:
        nonlocal failures
        failures += 1
        raise OperationalError("ROLLBACK", {}, ConnectionResetError("connection lost"))

    with monkeypatch.context() as patch:
        patch.setattr(AsyncSession, "close", close_that_fails)
        response = await client.http.post("/graphql", json={"query": QUICK_QUERY})
    assert failures == 1
    assert response.status_code == 503, response.text
    assert codes(response.json()) == [ErrorCode.SERVICE_UNAVAILABLE]
    assert client.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    again = await client.http.post("/graphql", json={"query": QUICK_QUERY})
    assert again.status_code == 200


@pytest.mark.postgres
async def test_a_statement_timeout_and_a_lost_connection_are_told_apart(
    dialect: str, migrated_url: URL
) -> None:
    """`failure_of` on real driver errors: the server's statement timeout, a killed backend."""
    if dialect != "postgresql":
        pytest.skip("PostgreSQL errors")
    engine = create_engine(migrated_url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SET statement_timeout = 50"))
            with pytest.raises(Exception) as timed_out:
                await conn.execute(text("SELECT pg_sleep(5)"))
        assert failure_of(timed_out.value) == ErrorCode.TIMEOUT
        async with engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            async with admin(engine) as connection:
                await connection.fetchval("SELECT pg_terminate_backend($1)", pid)
            with pytest.raises(Exception) as lost:
                await conn.execute(text("SELECT 1"))
        assert failure_of(lost.value) == ErrorCode.SERVICE_UNAVAILABLE
        assert failure_of(ValueError("a bug")) is None
    finally:
        await engine.dispose()
