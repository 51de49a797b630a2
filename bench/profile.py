"""A profile of one operation on the real API, in this process: pyinstrument samples the app
while it answers the same request `repeat` times (the ASGI app is called directly, so no HTTP
client is in the profile). Summaries: the 15 functions with the most own time, and the time
by area (the API's code, Strawberry, graphql-core, SQLAlchemy, the driver, waiting)."""

from __future__ import annotations

import asyncio
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from bench.config import token
from bench.datasets import Dataset
from bench.inprocess import running
from bench.operations import operations
from bench.servers import api

ASYNC_MODE: Literal["disabled"] = "disabled"  # sample the running stack: loop, tasks, greenlets
AREAS = (
    ("/work/", "graph/", "the API (graph/)"),
    ("", "/models/tenancy.py", "tenant filter (models/tenancy.py)"),
    ("", "/models/", "column types (models/)"),
    ("", "/strawberry/", "Strawberry"),
    ("", "/graphql/", "graphql-core"),
    ("", "/sqlalchemy/orm/", "SQLAlchemy ORM"),
    ("", "/sqlalchemy/", "SQLAlchemy Core, engine, pool"),
    ("", "/aiosqlite/", "driver (aiosqlite)"),
    ("", "/asyncpg/", "driver (asyncpg)"),
    ("", "/aiodataloader", "aiodataloader"),
    ("", "/starlette/", "Starlette"),
    ("", "/jwt/", "token (PyJWT)"),
    ("", "/asyncio/", "asyncio"),
    ("", "/greenlet/", "greenlet"),
)


@dataclass
class Profile:
    operation: str
    requests: int
    seconds: float
    functions: list[tuple[str, float]]
    areas: list[tuple[str, float]]
    inclusive: list[tuple[str, float]]  # the project's functions, callees included
    text: str  # pyinstrument's own tree, for reading


WAITING = "idle: waiting for the database (epoll)"


def _area(frame: Any) -> str:
    """The area a frame's own time belongs to; built-ins count for their caller."""
    path = (frame.file_path or "").replace("\\", "/")
    if frame.function in ("epoll.poll", "select.select", "kqueue.control"):
        return WAITING
    if path in ("", "<built-in>") or path.startswith("<"):
        return _area(frame.parent) if frame.parent is not None else "other"
    if "/site-packages/" not in path and "/graph/" in path:
        return "the API (graph/)"
    for _, marker, name in AREAS[1:]:
        if marker in path:
            return name
    if "/site-packages/" in path:
        return f"other packages ({path.split('/site-packages/', 1)[1].split('/', 1)[0]})"
    stdlib = re.search(r"/lib/python3\.\d+/([^/]+)", path)
    if stdlib:
        return f"Python stdlib ({stdlib.group(1).removesuffix('.py')})"
    return "other"


def _walk(frame: Any, functions: dict[str, float], areas: dict[str, float]) -> None:
    children = list(frame.children)
    if frame.identifier in ("[self]", "[out-of-context]", "[await]"):
        owner = frame.parent
        if owner is not None and owner.identifier != "[root]":
            functions[_name(owner)] += frame.time
            areas[_area(owner)] += frame.time
        return
    own = frame.time - sum(child.time for child in children)
    if frame.identifier != "[root]" and own > 0:
        functions[_name(frame)] += own
        areas[_area(frame)] += own
    for child in children:
        _walk(child, functions, areas)


# Library functions worth a total too: statement execution (it runs in SQLAlchemy's greenlets,
# apart from the resolver that asked for it) and graphql-core's coercion of field arguments.
INCLUSIVE_EXTRA = (
    ("sqlalchemy/orm/session.py", "_execute_internal"),
    ("sqlalchemy/sql/type_api.py", "process"),
    ("graphql/execution/values.py", "get_argument_values"),
)


def _project(frame: Any) -> bool:
    path = (frame.file_path or "").replace("\\", "/")
    if any(path.endswith(file) and frame.function == name for file, name in INCLUSIVE_EXTRA):
        return True
    return "/site-packages/" not in path and ("/graph/" in path or "/models/" in path)


def _inclusive(frame: Any, totals: dict[str, float], path: frozenset[str] = frozenset()) -> None:
    """Time under each of the project's functions, callees included (recursion counted once)."""
    name = _name(frame) if frame.identifier not in ("[root]", "[self]", "[await]") else ""
    if name and _project(frame) and name not in path:
        totals[name] += frame.time
        path = path | {name}
    for child in frame.children:
        _inclusive(child, totals, path)


def _name(frame: Any) -> str:
    path = frame.file_path or ""
    for marker in ("/site-packages/", "/work/main/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    function = f"{frame.class_name}.{frame.function}" if frame.class_name else frame.function
    return f"{function} ({path}:{frame.line_no})"


def profile(dataset: Dataset, key: str = "Q1@100", repeat: int = 30, top: int = 15) -> Profile:
    from pyinstrument import Profiler

    operation = next(op for op in operations(dataset) if op.key == key)
    app = api.create(dataset.sqlalchemy_url)
    bearer = token(dataset.user_id, dataset.organization_id)
    profiler = Profiler(interval=0.001, async_mode=ASYNC_MODE)

    async def go() -> float:
        async with running(app, bearer) as call:
            for _ in range(5):
                reply = await call(operation.body())
                assert reply.status == 200, reply.body[:300]
            started = time.perf_counter()
            profiler.start()
            for _ in range(repeat):
                await call(operation.body())
            profiler.stop()
            return time.perf_counter() - started

    seconds = asyncio.run(go())
    session = profiler.last_session
    assert session is not None
    functions: dict[str, float] = defaultdict(float)
    areas: dict[str, float] = defaultdict(float)
    root = session.root_frame()
    _walk(root, functions, areas)
    inclusive: dict[str, float] = defaultdict(float)
    _inclusive(root, inclusive)
    return Profile(
        operation=operation.title,
        requests=repeat,
        seconds=seconds,
        functions=sorted(functions.items(), key=lambda item: -item[1])[:top],
        areas=sorted(areas.items(), key=lambda item: -item[1]),
        inclusive=sorted(inclusive.items(), key=lambda item: -item[1])[:top],
        text=profiler.output_text(unicode=True, color=False, show_all=False),
    )


def markdown(result: Profile, dataset: Dataset) -> str:
    per_request = result.seconds / result.requests * 1000
    sampled = sum(t for _, t in result.areas) or 1.0
    lines = [
        f"Profile of {result.operation} on the real API, {dataset.dialect}, {dataset.size} "
        f"dataset: {result.requests} requests in-process, {per_request:.1f} ms per request "
        "(under the profiler).",
        "",
        "| area | ms/request | share |",
        "|---|---|---|",
    ]
    rest = 0.0
    for name, seconds in result.areas:
        if seconds / sampled < 0.005:
            rest += seconds
            continue
        lines.append(
            f"| {name} | {seconds / result.requests * 1000:.2f} | {100 * seconds / sampled:.1f}% |"
        )
    if rest:
        lines.append(
            f"| the rest (each < 0.5%) | {rest / result.requests * 1000:.2f} | "
            f"{100 * rest / sampled:.1f}% |"
        )
    lines += ["", f"Top {len(result.functions)} functions by own time:", ""]
    lines += ["| function (file:line) | ms/request | share |", "|---|---|---|"]
    for name, seconds in result.functions:
        per_request = seconds / result.requests * 1000
        lines.append(f"| `{name}` | {per_request:.2f} | {100 * seconds / sampled:.1f}% |")
    lines += [
        "",
        "The project's functions (graph/, models/), statement execution and argument coercion, "
        "by time including callees:",
        "",
    ]
    lines += ["| function (file:line) | ms/request | share |", "|---|---|---|"]
    for name, seconds in result.inclusive:
        per_request = seconds / result.requests * 1000
        lines.append(f"| `{name}` | {per_request:.2f} | {100 * seconds / sampled:.1f}% |")
    return "\n".join(lines)
