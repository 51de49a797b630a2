"""The run's markdown: the machine, then per dialect a table per operation (each figure also as
a ratio to the floor), and a summary."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import math
import os
import platform
import sqlite3
import subprocess
from importlib import metadata
from pathlib import Path

from bench.config import ROOT
from bench.runner import Cell, Census, Result

TIMES = "\u00d7"  # multiplication sign
DASH = "\u2013"  # en dash: no figure

PACKAGES = (
    "strawberry-graphql",
    "graphql-core",
    "sqlalchemy",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "aiosqlite",
    "asyncpg",
    "strawberry-sqlalchemy-mapper",
)
SERVER_NOTES = {
    "floor": "one hand-written SQL statement per operation, JSON built by the database",
    "api": "the real API, `graph.app:create_app`",
    "naive": "Strawberry, per-object resolvers, one query per parent relation, no dataloaders",
    "mapper": (
        "strawberry-sqlalchemy-mapper types and loader; lists paged per patient in Python, "
        "documents sent with `edges { node }` and without `totalCount` (docs/performance.md)"
    ),
}


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def postgres_version(url: str) -> str:
    async def ask() -> str:
        from models.database import create_engine
        from settings import parse_database_url

        engine = create_engine(parse_database_url(url))
        try:
            async with engine.connect() as conn:
                result = await conn.exec_driver_sql("SHOW server_version")
                return str(result.scalar_one())
        finally:
            await engine.dispose()

    try:
        return asyncio.run(ask())
    except Exception as exc:
        return f"unknown ({type(exc).__name__})"


def revision() -> str:
    try:
        found = subprocess.run(
            ["git", "describe", "--always", "--dirty"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except OSError:
        return "unknown"
    return found.stdout.strip() or "unknown"


def machine(postgres_url: str | None) -> str:
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    try:
        import psutil

        physical = psutil.cpu_count(logical=False)
    except ImportError:
        physical = None
    lines = [
        f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores"
        + (f" ({physical} physical)" if physical else ""),
        f"- memory: {memory()}; OS: {platform.platform()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- SQLite {sqlite3.sqlite_version}",
    ]
    if postgres_url is not None:
        lines.append(f"- PostgreSQL {postgres_version(postgres_url)}")
    lines.append(f"- {', '.join(versions)}")
    lines.append(f"- code: {revision()}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    return "\n".join(lines)


# --- tables ---------------------------------------------------------------------------------


def _number(value: float) -> str:
    if math.isnan(value):
        return DASH
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _with_ratio(value: float, floor: float | None, show: bool) -> str:
    text = _number(value)
    if not show or floor is None or math.isnan(value) or not floor or math.isnan(floor):
        return text
    return f"{text} ({ratio(value / floor)})"


def ratio(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}{TIMES}"
    if value >= 10:
        return f"{value:.0f}{TIMES}"
    if value >= 1:
        return f"{value:.1f}{TIMES}"
    return f"{value:.2f}{TIMES}"


def _figures(census: Census, cell: Cell) -> dict[str, float]:
    p50 = cell.percentile(50) * 1000
    return {
        "statements": census.statements,
        "rows": census.rows / census.objects if census.objects else math.nan,
        "p50": p50,
        "p95": cell.percentile(95) * 1000,
        "p99": cell.percentile(99) * 1000,
        "rps": cell.throughput,
        "rss": cell.peak_rss / 2**20,
        "us_field": p50 * 1000 / census.fields if census.fields else math.nan,
    }


COLUMNS = (
    ("statements", "stmts/req"),
    ("rows", "rows fetched/object"),
    ("p50", "p50 ms"),
    ("p95", "p95 ms"),
    ("p99", "p99 ms"),
    ("rps", "req/s"),
    ("rss", "peak RSS MiB"),
    ("us_field", "µs/field (p50)"),
)


def operation_table(result: Result, key: str) -> str:
    header = ["server", "c", *(title for _, title in COLUMNS), "n", "data"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for concurrency in result.concurrency:
        floor = None
        if "floor" in result.servers:
            floor = _figures(
                result.census[("floor", key)], result.cells[(concurrency, "floor", key)]
            )
        for name in result.servers:
            census = result.census[(name, key)]
            cell = result.cells[(concurrency, name, key)]
            figures = _figures(census, cell)
            cells = [
                _with_ratio(figures[k], floor[k] if floor else None, name != "floor")
                for k, _ in COLUMNS
            ]
            n = f"{len(cell.latencies)}" + (f" ({cell.errors} bad)" if cell.errors else "")
            if name == "api":
                data = "reference"
            elif census.same_as_api:
                data = "= API"
            elif census.same_as_api is None:
                data = DASH
            else:
                data = f"differs: {census.detail}"
            lines.append("| " + " | ".join([name, str(concurrency), *cells, n, data]) + " |")
    return "\n".join(lines)


def summary_table(result: Result, concurrency: int) -> str:
    header = ["operation", *result.servers]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for op in result.operations:
        row = [op.key]
        floor = None
        if "floor" in result.servers:
            floor = result.cells[(concurrency, "floor", op.key)].percentile(50)
        for name in result.servers:
            p50 = result.cells[(concurrency, name, op.key)].percentile(50)
            statements = result.census[(name, op.key)].statements
            text = f"{_number(p50 * 1000)} ms, {statements} st"
            if floor and name != "floor":
                text += f" ({ratio(p50 / floor)})"
            row.append(text)
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def markdown(result: Result) -> str:
    dataset = result.dataset
    load = (
        f"{result.requests} requests"
        if result.requests is not None
        else f"at least {result.duration:g} s"
    )
    parts = [
        f"## {dataset.dialect}: {dataset.describe()}",
        "",
        f"Load: {load} per server, operation and concurrency, in slices of "
        f"{'requests' if result.requests else '0.5 s'} round-robin over operations and servers; "
        f"run took {result.wall_seconds / 60:.1f} min. Servers: "
        + "; ".join(f"**{n}**: {SERVER_NOTES.get(n, n)}" for n in result.servers)
        + ".",
        "",
    ]
    parts += [
        f"In brackets: the figure {TIMES} the floor's. n: requests measured (bad: another status "
        "or length than the census answer). rows fetched/object: rows the driver returned per "
        "object in the response. µs/field: p50 ÷ scalar values in the response. Peak RSS: the "
        "server process during that operation's slices.",
        "",
    ]
    for concurrency in result.concurrency:
        parts += [
            f"Summary, concurrency {concurrency}: p50 latency, statements per request "
            f"({TIMES} floor)",
            "",
            summary_table(result, concurrency),
            "",
        ]
    for op in result.operations:
        census = result.census.get(("api", op.key)) or result.census[(result.servers[0], op.key)]
        parts += [
            f"### {op.title} — {dataset.dialect}",
            "",
            f"{census.objects} objects, {census.fields} fields per response.",
            "",
            operation_table(result, op.key),
            "",
        ]
    return "\n".join(parts)


def figures(result: Result) -> dict[str, object]:
    """The run's figures as plain data (the JSON next to the markdown)."""
    cells = []
    for (concurrency, name, key), cell in result.cells.items():
        census = result.census[(name, key)]
        cells.append(
            {
                "server": name,
                "operation": key,
                "concurrency": concurrency,
                **_figures(census, cell),
                "requests": len(cell.latencies),
                "errors": cell.errors,
                "objects": census.objects,
                "fields": census.fields,
                "rows_fetched": census.rows,
                "same_as_api": census.same_as_api,
            }
        )
    return {
        "dialect": result.dataset.dialect,
        "dataset": result.dataset.describe(),
        "wall_seconds": result.wall_seconds,
        "cells": cells,
    }
