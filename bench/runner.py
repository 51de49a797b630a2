"""One benchmark run on one dataset: the servers side by side, a census of every operation on
every server (statements, rows fetched, returned objects and fields, and whether the data is
the API's), then the load: at each concurrency, short slices of requests round-robin over the
operations and the servers (the servers' order rotating each round), until every (server,
operation) cell has run for `duration` seconds (or `requests` requests)."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from bench import processes
from bench.client import encode_request
from bench.config import token
from bench.datasets import Dataset
from bench.operations import Operation, count_fields, count_objects, normalize, operations
from bench.processes import Server

SLICE_SECONDS = 0.5
MIN_REQUESTS = 5


@dataclass
class Census:
    statements: int
    rows: int
    objects: int
    fields: int
    length: int
    same_as_api: bool | None = None
    detail: str = ""


@dataclass
class Cell:
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    peak_rss: int = 0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return math.nan
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return ordered[rank - 1]

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else math.nan


@dataclass
class Result:
    dataset: Dataset
    servers: list[str]
    operations: list[Operation]
    concurrency: list[int]
    duration: float | None
    requests: int | None
    census: dict[tuple[str, str], Census] = field(default_factory=dict)
    cells: dict[tuple[int, str, str], Cell] = field(default_factory=dict)
    started_rss: dict[str, int] = field(default_factory=dict)
    wall_seconds: float = 0.0


def run(
    dataset: Dataset,
    servers: list[str],
    concurrency: list[int],
    duration: float | None,
    requests: int | None,
    progress: Callable[[str], None] = print,
    only: list[str] | None = None,
) -> Result:
    chosen = [op for op in operations(dataset) if only is None or op.key in only]
    result = Result(dataset, servers, chosen, concurrency, duration, requests)
    started = time.perf_counter()
    progress(f"{dataset.dialect}: starting {', '.join(servers)}")
    with processes.running(servers, dataset) as running:
        asyncio.run(_measure(result, running, progress))
    result.wall_seconds = time.perf_counter() - started
    return result


def _request(server: Server, operation: Operation, bearer: str) -> bytes:
    body = orjson.dumps(operation.body(mapper=server.name == "mapper"))
    return encode_request(server.port, "/graphql", body, bearer)


async def _measure(
    result: Result, servers: dict[str, Server], progress: Callable[[str], None]
) -> None:
    bearer = token(result.dataset.user_id, result.dataset.organization_id)
    requests = {
        (name, op.key): _request(server, op, bearer)
        for name, server in servers.items()
        for op in result.operations
    }
    try:
        for server in servers.values():
            await server.open(max(result.concurrency))
            result.started_rss[server.name] = processes.peak_rss(server.pid)
        await _census(result, servers, requests)
        progress(f"{result.dataset.dialect}: census done; load at concurrency {result.concurrency}")
        for concurrency in result.concurrency:
            await _load(result, servers, requests, concurrency, progress)
    finally:
        for server in servers.values():
            await server.close()


async def _census(
    result: Result, servers: dict[str, Server], requests: dict[tuple[str, str], bytes]
) -> None:
    answers: dict[tuple[str, str], Any] = {}
    for op in result.operations:
        for name, server in servers.items():
            connection = server.connections[0]
            reply = await connection.send(requests[(name, op.key)])  # warm-up
            reply = await connection.send(requests[(name, op.key)])
            body = orjson.loads(reply.body)
            if reply.status != 200 or body.get("errors") or body.get("data") is None:
                raise RuntimeError(
                    f"{name} {op.key}: HTTP {reply.status} {reply.body[:500]!r} (log: {server.log})"
                )
            data = body["data"]
            answers[(name, op.key)] = normalize(data)
            result.census[(name, op.key)] = Census(
                statements=reply.statements,
                rows=reply.rows,
                objects=count_objects(normalize(data, drop=frozenset())),
                fields=count_fields(normalize(data, drop=frozenset())),
                length=len(reply.body),
            )
    for op in result.operations:
        reference = answers.get(("api", op.key))
        for name in servers:
            census = result.census[(name, op.key)]
            if reference is None or name == "api":
                continue
            census.same_as_api = answers[(name, op.key)] == reference
            if not census.same_as_api:
                census.detail = _first_difference(reference, answers[(name, op.key)])


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{path}.{key}")
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
    return f"{path}: {json.dumps(a)[:120]} vs {json.dumps(b)[:120]}"


def _done(cell: Cell, result: Result, concurrency: int) -> bool:
    if result.requests is not None:
        return len(cell.latencies) >= result.requests
    assert result.duration is not None
    return cell.seconds >= result.duration and len(cell.latencies) >= max(MIN_REQUESTS, concurrency)


async def _load(
    result: Result,
    servers: dict[str, Server],
    requests: dict[tuple[str, str], bytes],
    concurrency: int,
    progress: Callable[[str], None],
) -> None:
    names = list(servers)
    for op in result.operations:
        for name in names:
            result.cells[(concurrency, name, op.key)] = Cell()
    rounds = 0
    started = time.perf_counter()
    while True:
        pending = False
        for op in result.operations:
            shift = rounds % len(names)
            for name in names[shift:] + names[:shift]:
                cell = result.cells[(concurrency, name, op.key)]
                if _done(cell, result, concurrency):
                    continue
                pending = True
                await _slice(result, servers[name], op, requests[(name, op.key)], cell, concurrency)
        rounds += 1
        if not pending:
            break
        if rounds % 5 == 0:
            progress(
                f"{result.dataset.dialect}: concurrency {concurrency}: round {rounds}, "
                f"{time.perf_counter() - started:.0f} s"
            )


async def _slice(
    result: Result, server: Server, op: Operation, request: bytes, cell: Cell, concurrency: int
) -> None:
    """Up to SLICE_SECONDS (or a fifth of the requests) of `op` on one server."""
    expected = result.census[(server.name, op.key)].length
    quota = None
    if result.requests is not None:
        quota = max(concurrency, math.ceil(result.requests / 5))
        quota = min(quota, result.requests - len(cell.latencies))
    sent = 0
    processes.reset_peak(server.pid)  # else the peak since the server started
    started = time.perf_counter()
    deadline = started + SLICE_SECONDS

    async def worker(index: int) -> None:
        nonlocal sent
        connection = server.connections[index]
        while True:
            if quota is not None:
                if sent >= quota:
                    return
            elif time.perf_counter() >= deadline:
                return
            sent += 1
            reply = await connection.send(request)
            cell.latencies.append(reply.seconds)
            if reply.status != 200 or len(reply.body) != expected:
                cell.errors += 1

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    cell.seconds += time.perf_counter() - started
    cell.peak_rss = max(cell.peak_rss, processes.peak_rss(server.pid))
