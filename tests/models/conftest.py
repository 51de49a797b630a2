"""Fixtures of the model tests: the spec, a private migrated database per dialect, base rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from base_rows import BaseRows, insert_base_rows
from spec import SpecError, SpecTable, load_spec
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from models.database import create_engine


@pytest.fixture(scope="session")
def spec_tables() -> dict[str, SpecTable]:
    """The spec's tables of the tiers under test; fails (not errors) when the spec is missing."""
    try:
        return load_spec()
    except SpecError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def private_url(dialect: str, make_migrated_database: Callable[[str], URL]) -> URL:
    """A migrated database of the current dialect that only the model tests write to."""
    return make_migrated_database(dialect)


@pytest.fixture(scope="session")
async def private_engine(private_url: URL) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(private_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def base_rows(private_engine: AsyncEngine) -> BaseRows:
    return await insert_base_rows(private_engine)
