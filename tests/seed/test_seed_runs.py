"""Seeding runs: reproducible byte for byte, and refused where it would do harm."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

import pytest
from sqlalchemy.engine import URL

import models
from models.database import create_engine
from models.migrate import upgrade_async
from seed.options import SeedOptions
from seed.runner import SeedError, seed_database

# The options of the `seeded_url` fixture (tests/conftest.py).
FIXTURE = SeedOptions(
    organizations=2,
    patients_per_org=8,
    months=2,
    seed=7,
    rpm_readings_per_day=3,
    as_of=dt.date(2026, 10, 31),
)


async def digests(url: URL) -> dict[str, str]:
    """A hash of every table's rows, in primary-key order; of the audit log, the seeded events
    only (the API records the reads of other tests in the shared database as they happen,
    after the seed's `as_of`)."""
    engine = create_engine(url)
    found = {}
    seeded_until = dt.datetime.combine(FIXTURE.as_of, dt.time.max, tzinfo=dt.UTC)
    try:
        async with engine.connect() as conn:
            for table in models.Base.metadata.sorted_tables:
                statement = table.select().order_by(table.c.id)
                if table.name == "audit_events":
                    statement = statement.where(table.c.occurred_at <= seeded_until)
                result = await conn.execute(statement)
                found[table.name] = hashlib.sha256(repr(result.all()).encode()).hexdigest()
    finally:
        await engine.dispose()
    return found


async def seeded(make_database: Callable[[str], URL], dialect: str, options: SeedOptions) -> URL:
    url = make_database(dialect)
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        report = await seed_database(engine, options)
    finally:
        await engine.dispose()
    assert report.total_rows == sum(report.rows.values()) > 0
    assert len(report.rows) == 39 and report.elapsed_seconds > 0
    return url


async def test_same_options_give_identical_data(
    seeded_url: URL, dialect: str, make_database: Callable[[str], URL]
) -> None:
    again = await seeded(make_database, dialect, FIXTURE)
    assert await digests(again) == await digests(seeded_url)


async def test_another_seed_gives_other_data(
    seeded_url: URL, dialect: str, make_database: Callable[[str], URL]
) -> None:
    other = await digests(await seeded(make_database, dialect, replace(FIXTURE, seed=8)))
    reference = await digests(seeded_url)
    assert other["healthcare_patients"] != reference["healthcare_patients"]
    assert other["rpm_readings"] != reference["rpm_readings"]


async def test_a_database_with_organizations_is_refused(seeded_url: URL) -> None:
    before = await digests(seeded_url)
    engine = create_engine(seeded_url)
    try:
        with pytest.raises(SeedError, match=r"already holds 2 organization\(s\)"):
            await seed_database(engine, FIXTURE)
    finally:
        await engine.dispose()
    assert await digests(seeded_url) == before


async def test_an_unmigrated_database_is_refused(
    dialect: str, make_database: Callable[[str], URL]
) -> None:
    engine = create_engine(make_database(dialect))
    try:
        with pytest.raises(SeedError, match="not migrated: run `perfex-graph migrate`"):
            await seed_database(engine, FIXTURE)
    finally:
        await engine.dispose()


async def test_invalid_options_are_refused_before_connecting() -> None:
    engine = create_engine(URL.create("postgresql+asyncpg", host="127.0.0.1", port=1, database="x"))
    with pytest.raises(ValueError, match="--months must be between 1 and 120"):
        await seed_database(engine, replace(FIXTURE, months=0))
    await engine.dispose()


def replace(options: SeedOptions, **changes: object) -> SeedOptions:
    import dataclasses

    return dataclasses.replace(options, **changes)  # type: ignore[arg-type]
