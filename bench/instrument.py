"""Counting inside each server: SQL statements and rows fetched, per request and in total.

`install()` listens to every SQLAlchemy engine of the process (`before_cursor_execute`,
`after_cursor_execute`); `Instrumented(app)` wraps an ASGI app so that each HTTP request gets
its own counter (a context variable, which asyncio tasks and SQLAlchemy's greenlets inherit),
its response carries `x-bench-statements` and `x-bench-rows`, and `GET /_bench/stats` answers
the process totals and its peak RSS (`POST /_bench/reset` zeroes the totals).

Rows fetched are the rows the driver returned: SQLAlchemy's asyncio adapters (aiosqlite,
asyncpg) buffer a statement's whole result when it runs, so the buffer's length right after
execution is the number of rows the statement fetched.
"""

from __future__ import annotations

import contextvars
import os
import resource
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATS_PATH = "/_bench/stats"
RESET_PATH = "/_bench/reset"
STATEMENTS_HEADER = b"x-bench-statements"
ROWS_HEADER = b"x-bench-rows"


@dataclass
class Counter:
    statements: int = 0
    rows: int = 0
    requests: int = 0


TOTAL = Counter()
_request: contextvars.ContextVar[Counter | None] = contextvars.ContextVar(
    "bench_request_counter", default=None
)
_installed = False


def _before(*_args: Any) -> None:
    TOTAL.statements += 1
    counter = _request.get()
    if counter is not None:
        counter.statements += 1


def _after(_conn: Any, cursor: Any, *_args: Any) -> None:
    rows = fetched_rows(cursor)
    TOTAL.rows += rows
    counter = _request.get()
    if counter is not None:
        counter.rows += rows


def fetched_rows(cursor: Any) -> int:
    buffered = getattr(cursor, "_rows", None)
    if buffered is not None:
        return len(buffered)
    rowcount = getattr(cursor, "rowcount", -1)
    return rowcount if isinstance(rowcount, int) and rowcount > 0 else 0


def install() -> None:
    """Count the statements of every engine of this process (once)."""
    global _installed
    if not _installed:
        event.listen(Engine, "before_cursor_execute", _before)
        event.listen(Engine, "after_cursor_execute", _after)
        _installed = True


def current() -> Counter | None:
    return _request.get()


def peak_rss_bytes() -> int:
    """This process's peak resident set size (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Instrumented:
    """An ASGI app with per-request counters and the private `/_bench/*` endpoints."""

    def __init__(self, app: ASGIApp) -> None:
        install()
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path in (STATS_PATH, RESET_PATH):
            await self._stats(path, send)
            return
        counter = Counter(requests=1)
        token = _request.set(counter)

        async def send_with_counts(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((STATEMENTS_HEADER, str(counter.statements).encode()))
                headers.append((ROWS_HEADER, str(counter.rows).encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_counts)
        finally:
            _request.reset(token)
            TOTAL.requests += 1

    async def _stats(self, path: str, send: Send) -> None:
        if path == RESET_PATH:
            TOTAL.statements = TOTAL.rows = TOTAL.requests = 0
        body = orjson.dumps(
            {
                "pid": os.getpid(),
                "statements": TOTAL.statements,
                "rows": TOTAL.rows,
                "requests": TOTAL.requests,
                "peak_rss_bytes": peak_rss_bytes(),
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
