"""Driving a bench server's ASGI app in this process (the CI test and the profile): its
lifespan entered, requests sent straight to it (no sockets), its counters read back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.types import ASGIApp, Message

from bench.instrument import ROWS_HEADER, STATEMENTS_HEADER


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    statements: int
    rows: int

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)


Call = Callable[[dict[str, Any]], Awaitable[Reply]]


async def request(app: ASGIApp, body: dict[str, Any], token: str) -> Reply:
    """POST /graphql with `body` as JSON and a bearer token."""
    payload = orjson.dumps(body)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"accept", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
            (b"authorization", f"Bearer {token}".encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    sent = False
    answered = asyncio.Event()

    async def receive() -> Message:
        """The body, then (as a server does) nothing until the response is complete: the
        client stays connected, so the app must not see a disconnect while it works."""
        nonlocal sent
        if sent:
            await answered.wait()
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": payload, "more_body": False}

    status, headers, chunks = 0, {}, []

    async def send(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = dict(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                answered.set()

    await app(scope, receive, send)
    return Reply(
        status,
        b"".join(chunks),
        int(headers.get(STATEMENTS_HEADER, b"-1")),
        int(headers.get(ROWS_HEADER, b"-1")),
    )


@contextlib.asynccontextmanager
async def running(app: ASGIApp, token: str) -> AsyncIterator[Call]:
    """The app with its lifespan entered; yields `call(body) -> Reply`."""
    inner: Any = getattr(app, "app", app)  # the Starlette app inside Instrumented
    router = getattr(inner, "router", None)
    async with contextlib.AsyncExitStack() as stack:
        if router is not None:
            await stack.enter_async_context(router.lifespan_context(inner))

        async def call(body: dict[str, Any]) -> Reply:
            return await request(app, body, token)

        yield call
