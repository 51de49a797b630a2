"""Three probes of the real API's server beside the side-by-side run (docs/performance.md):

- `typename`: `{ __typename }` with a token, one request at a time: what every request costs
  before any data (HTTP, token, principal check, parse, validation, cost, response).
- `scale`: Q1 at concurrency 16 with 1 and then 2 uvicorn workers: req/s, and the ratio.
- `soak`: Q1 at concurrency 1 for some minutes: the server's RSS at start, each minute and
  at the end, and its growth.

Each starts the API server as the benchmark does (uvicorn, the dataset's database) and prints
a few markdown lines.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable

import orjson

from bench import processes
from bench.client import Connection, encode_request
from bench.config import token
from bench.datasets import Dataset
from bench.operations import operations
from bench.processes import Server

Log = Callable[[str], None]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


async def _sequential(server: Server, request: bytes, count: int) -> list[float]:
    connection = Connection(server.port)
    try:
        for _ in range(max(5, count // 10)):  # warm-up
            await connection.send(request)
        seconds = []
        for _ in range(count):
            reply = await connection.send(request)
            assert reply.status == 200, reply.body[:300]
            seconds.append(reply.seconds)
        return seconds
    finally:
        await connection.close()


def typename(dataset: Dataset, requests: int = 500) -> str:
    """p50/p95/p99 of an authenticated `{ __typename }` on the real API."""
    bearer = token(dataset.user_id, dataset.organization_id)
    with processes.running(["api"], dataset) as servers:
        server = servers["api"]
        body = orjson.dumps({"query": "query Typename { __typename }"})
        request = encode_request(server.port, "/graphql", body, bearer)
        seconds = asyncio.run(_sequential(server, request, requests))
    return (
        f"`{{ __typename }}` with a token, {dataset.dialect}, {requests} requests one at a "
        f"time: p50 {_ms(statistics.median(seconds))}, p95 {_ms(_percentile(seconds, 0.95))}, "
        f"p99 {_ms(_percentile(seconds, 0.99))}."
    )


async def _throughput(server: Server, request: bytes, clients: int, duration: float) -> float:
    connections = [Connection(server.port) for _ in range(clients)]
    done = 0
    try:
        for connection in connections:
            await connection.open()
            await connection.send(request)  # warm every worker a connection reaches
        deadline = time.perf_counter() + duration
        started = time.perf_counter()

        async def client(connection: Connection) -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                reply = await connection.send(request)
                assert reply.status == 200, reply.body[:300]
                done += 1

        await asyncio.gather(*(client(c) for c in connections))
        return done / (time.perf_counter() - started)
    finally:
        for connection in connections:
            await connection.close()


def scale(dataset: Dataset, key: str = "Q1@100", clients: int = 16, duration: float = 15.0) -> str:
    """Q1 req/s at `clients` concurrent clients with 1 and 2 workers."""
    operation = next(op for op in operations(dataset) if op.key == key)
    bearer = token(dataset.user_id, dataset.organization_id)
    rates = {}
    for workers in (1, 2):
        with processes.running(["api"], dataset, workers=workers) as servers:
            server = servers["api"]
            request = encode_request(
                server.port, "/graphql", orjson.dumps(operation.body()), bearer
            )
            asyncio.run(_throughput(server, request, clients, 3.0))  # every worker warm
            rates[workers] = asyncio.run(_throughput(server, request, clients, duration))
    return (
        f"{key} at {clients} clients, {dataset.dialect}, {duration:.0f} s each: 1 worker "
        f"{rates[1]:.1f} req/s, 2 workers {rates[2]:.1f} req/s (ratio {rates[2] / rates[1]:.2f})."
    )


def soak(dataset: Dataset, key: str = "Q1@500", minutes: float = 5.0, log: Log = print) -> str:
    """The server's RSS while it answers `key` one request at a time for `minutes`."""
    operation = next(op for op in operations(dataset) if op.key == key)
    bearer = token(dataset.user_id, dataset.organization_id)
    with processes.running(["api"], dataset) as servers:
        server = servers["api"]
        request = encode_request(server.port, "/graphql", orjson.dumps(operation.body()), bearer)

        async def run() -> tuple[list[tuple[float, int]], int]:
            connection = Connection(server.port)
            samples, count = [], 0
            try:
                for _ in range(10):  # warm-up: caches, pools, the first collections
                    await connection.send(request)
                started = time.perf_counter()
                samples.append((0.0, _rss(server)))
                next_sample = 60.0
                while (elapsed := time.perf_counter() - started) < minutes * 60:
                    reply = await connection.send(request)
                    assert reply.status == 200, reply.body[:300]
                    count += 1
                    if elapsed >= next_sample:
                        samples.append((elapsed, _rss(server)))
                        log(f"soak: {elapsed:.0f} s, RSS {samples[-1][1] / 2**20:.0f} MiB")
                        next_sample += 60.0
                samples.append((time.perf_counter() - started, _rss(server)))
                return samples, count
            finally:
                await connection.close()

        samples, count = asyncio.run(run())
    first, last = samples[0][1], samples[-1][1]
    trace = ", ".join(f"{t / 60:.0f} min {rss / 2**20:.0f} MiB" for t, rss in samples)
    return (
        f"Soak of {key}, {dataset.dialect}, one request at a time for {minutes:g} min "
        f"({count} requests after 10 of warm-up): RSS {trace}; growth "
        f"{100 * (last - first) / first:+.1f}%."
    )


def _rss(server: Server) -> int:
    """The server's current RSS (not its peak), in bytes."""
    with open(f"/proc/{server.pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0
