"""Test databases: every database test runs against SQLite and against PostgreSQL.

PostgreSQL comes from TEST_DATABASE_URL (default: the local server, database `test`, used only
to create and drop a fresh database per run). When it cannot be reached those tests skip with
the reason, unless PERFEX_REQUIRE_POSTGRES=1 (set by .ci/run), which makes that a failure.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from models.database import create_engine
from models.migrate import upgrade
from settings import parse_database_url

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("PERFEX_REQUIRE_POSTGRES") == "1"
DIALECTS = ("sqlite", "postgresql")


def _postgres_admin(statement: str) -> None:
    """Run one statement on the maintenance database (on a thread: callers may be async)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _postgres_admin_async(statement)).result()


async def _postgres_admin_async(statement: str) -> None:
    import asyncpg

    url = parse_database_url(POSTGRES_URL)
    conn = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database=url.database,
        timeout=5,
    )
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    """Whether the PostgreSQL server answers; fails the run if it must and does not."""
    try:
        _postgres_admin("SELECT 1")
    except Exception as exc:
        reason = f"PostgreSQL at {POSTGRES_URL} is not reachable ({type(exc).__name__}: {exc})"
        if REQUIRE_POSTGRES:
            pytest.fail(f"{reason}; PERFEX_REQUIRE_POSTGRES=1 requires it", pytrace=False)
        return False
    return True


@pytest.fixture(scope="session")
def make_database(
    tmp_path_factory: pytest.TempPathFactory, postgres_available: bool
) -> Iterator[Callable[[str], URL]]:
    """A factory of fresh, empty databases of a dialect, all dropped at the end of the run."""
    created: list[str] = []

    def make(dialect: str) -> URL:
        if dialect == "sqlite":
            path: Path = tmp_path_factory.mktemp("db") / "test.db"
            return parse_database_url(f"sqlite:///{path}")
        if not postgres_available:
            pytest.skip(f"PostgreSQL at {POSTGRES_URL} is not reachable: skipping PostgreSQL tests")
        name = f"perfex_test_{uuid.uuid4().hex[:12]}"
        _postgres_admin(f'CREATE DATABASE "{name}"')
        created.append(name)
        return parse_database_url(POSTGRES_URL).set(database=name)

    yield make
    for name in created:
        _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def make_postgres_role(postgres_available: bool) -> Iterator[Callable[..., str]]:
    """A factory of PostgreSQL roles unique to this run: `make("api")` creates a LOGIN role
    (NOSUPERUSER, NOBYPASSRLS) and returns its name; `attributes=` adds to those; `create=False`
    only reserves a name (for a role the code under test creates). Roles are cluster-wide: at
    the end, whatever they hold in any database is dropped (DROP OWNED), then the roles."""
    if not postgres_available:
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} is not reachable: skipping PostgreSQL tests")
    names: list[str] = []
    run_tag = uuid.uuid4().hex[:8]

    def make(purpose: str, *, attributes: str = "", create: bool = True) -> str:
        name = f"perfex_test_{run_tag}_{purpose}"
        if create:
            _postgres_admin(f'CREATE ROLE "{name}" LOGIN NOSUPERUSER NOBYPASSRLS {attributes}')
        names.append(name)
        return name

    yield make
    for name in reversed(names):
        release = f'REASSIGN OWNED BY "{name}" TO CURRENT_USER; DROP OWNED BY "{name}"'
        _postgres_admin_on_each_database(name, release)
        _postgres_admin(f'DROP ROLE IF EXISTS "{name}"')


def _postgres_admin_on_each_database(role: str, statement: str) -> None:
    """Run `statement` in every database where `role` holds objects or privileges (none when
    the role does not exist)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _on_each_database(role, statement)).result()


async def _on_each_database(role: str, statement: str) -> None:
    import asyncpg

    url = parse_database_url(POSTGRES_URL)
    connect = {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "password": url.password,
        "timeout": 5,
    }
    conn = await asyncpg.connect(database=url.database, **connect)
    try:
        databases = await conn.fetch(
            "SELECT DISTINCT d.datname FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid"
            " WHERE s.refobjid = (SELECT oid FROM pg_roles WHERE rolname = $1)",
            role,
        )
    finally:
        await conn.close()
    for (database,) in databases:
        other = await asyncpg.connect(database=database, **connect)
        try:
            await other.execute(statement)
        finally:
            await other.close()


@pytest.fixture(scope="session", params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def make_migrated_database(make_database: Callable[[str], URL]) -> Callable[[str], URL]:
    """A factory of fresh databases of a dialect, migrated to head."""

    def make(dialect: str) -> URL:
        url = make_database(dialect)
        upgrade(url)
        return url

    return make


@pytest.fixture(scope="session")
def migrated_url(dialect: str, make_migrated_database: Callable[[str], URL]) -> URL:
    """A database of the current dialect, migrated to head, shared by the run (read-mostly)."""
    return make_migrated_database(dialect)


@pytest.fixture(scope="session")
async def migrated_engine(migrated_url: URL) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(migrated_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def seeded_url(dialect: str, make_migrated_database: Callable[[str], URL]) -> URL:
    """A migrated database of the current dialect holding two organizations of generated data
    (SeedOptions(organizations=2, patients_per_org=8, months=2, seed=7, rpm_readings_per_day=3,
    as_of=2026-10-31)), shared by the run: tests must not change it (the API adds its audit
    events of their reads, dated after `as_of`)."""
    url = make_migrated_database(dialect)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _seed(url)).result()
    return url


@pytest.fixture(scope="session")
def portal_url(dialect: str, make_migrated_database: Callable[[str], URL]) -> URL:
    """The same generated data as `seeded_url` in a database of its own, where tests may sign
    in portal patients (`api.patient(portal_url)` gives a portal account's e-mail a user and a
    membership): the only change tests make to it, besides the audit events of their reads.
    (No new organizations: tests find the seeded ones by their order.)"""
    url = make_migrated_database(dialect)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _seed(url)).result()
    return url


async def _seed(url: URL) -> None:
    import datetime as dt

    from seed.options import SeedOptions
    from seed.runner import seed_database

    options = SeedOptions(
        organizations=2,
        patients_per_org=8,
        months=2,
        seed=7,
        rpm_readings_per_day=3,
        as_of=dt.date(2026, 10, 31),
    )
    engine = create_engine(url)
    try:
        await seed_database(engine, options)
    finally:
        await engine.dispose()
