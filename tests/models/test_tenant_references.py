"""Tenant-consistent references, enforced by the database on both dialects (migration
tenant_references): every foreign key between organization-scoped rows is tried across
organizations, on the seeded database, in transactions that are always rolled back."""

from __future__ import annotations

import datetime as dt
import importlib.util
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Executable, Table, insert, or_, select, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from tenant_reference_triggers import (
    drop_reference_triggers,
    installed_functions,
    installed_triggers,
)

import models
from models.core import Organization
from models.database import create_engine, session_factory
from models.dialyse import DialysisSession
from models.migrate import downgrade, upgrade
from models.references import (
    TRIGGER_PREFIX,
    TenantReference,
    is_tenant_reference_violation,
    tenant_references,
)

MIGRATION = (
    Path(__file__).resolve().parents[2] / "migrations/versions/2026-11-28-0900_tenant_references.py"
)
TABLES = models.Base.metadata.tables
REFERENCES = tenant_references()


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tenant_references_migration", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Rollback(Exception):
    pass


@pytest.fixture(scope="module")
async def engine(seeded_url: URL) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(seeded_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
async def orgs(engine: AsyncEngine) -> tuple[str, str]:
    async with engine.connect() as conn:
        first, second = await conn.scalars(select(Organization.id).order_by(Organization.id))
    return first, second


async def attempt(engine: AsyncEngine, *statements: Executable) -> DBAPIError | None:
    """Run the statements in a system session whose transaction is always rolled back; the
    database error they raised, if any."""
    async with session_factory(engine)() as session:
        try:
            async with session.begin():
                for statement in statements:
                    await session.execute(statement)
                raise _Rollback
        except DBAPIError as exc:
            return exc
        except _Rollback:
            return None


async def some_id(engine: AsyncEngine, table: Table, org: str, *where: Any) -> str | None:
    async with engine.connect() as conn:
        return await conn.scalar(
            select(table.c.id)
            .where(table.c.organization_id == org, *where)
            .order_by(table.c.id)
            .limit(1)
        )


async def copy_of(engine: AsyncEngine, table: Table, org: str) -> dict[str, Any]:
    """The values of one of the organization's rows, as a new row (new id; unique text columns
    other than references get fresh values)."""
    row_id = await some_id(engine, table, org)
    async with engine.connect() as conn:
        values = dict(
            (await conn.execute(select(table).where(table.c.id == row_id))).one()._mapping
        )
    values["id"] = str(uuid.uuid4())
    unique = [i.columns for i in table.indexes if i.unique]
    for column in (c for columns in unique for c in columns):
        if column.name != "organization_id" and not column.foreign_keys:
            values[column.name] = f"{uuid.uuid4().hex}@example.org"
    return values


def refusal_problem(error: DBAPIError | None, reference: TenantReference, *secrets: str) -> str:
    """Why `error` is not the refusal expected for `reference` ('' when it is)."""
    name = f"{reference.table}.{reference.column}"
    if error is None:
        return f"{name}: accepted"
    if not is_tenant_reference_violation(error) or not isinstance(error, IntegrityError):
        return f"{name}: {type(error).__name__} {error.orig}"
    message = str(error.orig)
    if any(secret in message for secret in secrets):
        return f"{name}: the refusal shows row values: {message}"
    return ""


# --- the list ------------------------------------------------------------------------------


def test_the_migration_lists_every_reference_the_models_have() -> None:
    migration = _migration()
    assert [TenantReference(*r) for r in migration.REFERENCES] == REFERENCES
    assert len(REFERENCES) == 53
    module_of = {m.class_.__tablename__: m.class_.__module__ for m in models.Base.registry.mappers}
    every_module = {domain.__name__ for domain in models.DOMAINS}
    assert {module_of[r.table] for r in REFERENCES} == every_module
    for reference in REFERENCES:
        (foreign_key,) = TABLES[reference.table].c[reference.column].foreign_keys
        assert foreign_key.column.name == "id"
    names = migration.trigger_names("postgresql")
    assert all(len(name) <= 63 for name in names), "PostgreSQL truncates longer names"
    assert all(name.startswith(TRIGGER_PREFIX) for name in migration.trigger_names("sqlite"))


async def test_the_database_holds_exactly_the_triggers_of_the_models(migrated_url: URL) -> None:
    migration = _migration()
    engine = create_engine(migrated_url)
    try:
        async with engine.connect() as conn:
            triggers = await installed_triggers(conn)
            functions = await installed_functions(conn)
            dialect = conn.dialect.name
    finally:
        await engine.dispose()
    assert triggers == migration.trigger_names(dialect)
    expected = {migration.reference_name(r.table, r.column) for r in REFERENCES}
    expected.add(migration.FIXED_ORG_FUNCTION)
    assert functions == (set() if dialect == "sqlite" else expected)


async def test_downgrade_removes_the_triggers(
    dialect: str, make_database: Callable[[str], URL]
) -> None:
    url = make_database(dialect)
    upgrade(url)
    downgrade(url, _migration().down_revision)
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            assert await installed_triggers(conn) == {}
            assert await installed_functions(conn) == set()
        upgrade(url)
        async with engine.connect() as conn:
            assert len(await installed_triggers(conn)) > len(REFERENCES)
    finally:
        await engine.dispose()


# --- every reference, across organizations -------------------------------------------------


async def test_a_cross_organization_insert_is_refused(
    engine: AsyncEngine, orgs: tuple[str, str]
) -> None:
    a, b = orgs
    problems = []
    for reference in REFERENCES:
        table, target = TABLES[reference.table], TABLES[reference.target]
        foreign = await some_id(engine, target, b)
        assert foreign is not None, f"the seed has no {target.name} in the second organization"
        values = {**await copy_of(engine, table, a), reference.column: foreign}
        error = await attempt(engine, insert(table).values(values))
        problems.append(refusal_problem(error, reference, foreign, values["id"]))
    assert [p for p in problems if p] == []


async def test_a_cross_organization_update_is_refused(
    engine: AsyncEngine, orgs: tuple[str, str]
) -> None:
    a, b = orgs
    problems = []
    for reference in REFERENCES:
        table, target = TABLES[reference.table], TABLES[reference.target]
        row, foreign = await some_id(engine, table, a), await some_id(engine, target, b)
        assert row is not None and foreign is not None
        change = update(table).where(table.c.id == row).values({reference.column: foreign})
        problems.append(refusal_problem(await attempt(engine, change), reference, foreign, row))
    assert [p for p in problems if p] == []


async def test_same_organization_and_null_references_are_accepted(
    engine: AsyncEngine, orgs: tuple[str, str]
) -> None:
    """The control of the two tests above: the same rows, pointing inside the organization (to
    a row the table does not point to yet, for one-per-patient tables), or to nothing."""
    a, _b = orgs
    problems = []
    for reference in REFERENCES:
        table, target = TABLES[reference.table], TABLES[reference.target]
        used = select(table.c[reference.column]).where(table.c[reference.column].is_not(None))
        own = await some_id(engine, target, a, target.c.id.not_in(used))
        own = own or await some_id(engine, target, a)
        choices = [own, None] if table.c[reference.column].nullable else [own]
        for value in choices:
            values = {**await copy_of(engine, table, a), reference.column: value}
            error = await attempt(engine, insert(table).values(values))
            if error is not None:
                problems.append(f"{reference.table}.{reference.column}={value}: {error.orig}")
    assert problems == []


async def test_a_referenced_row_keeps_its_organization(
    engine: AsyncEngine, orgs: tuple[str, str]
) -> None:
    a, b = orgs
    problems = []
    for name in sorted({r.target for r in REFERENCES}):
        table = TABLES[name]
        row = await some_id(engine, table, a)
        move = update(table).where(table.c.id == row).values(organization_id=b)
        error = await attempt(engine, move)
        if error is None or not is_tenant_reference_violation(error):
            problems.append(f"{name}: {error and error.orig}")
    assert problems == []


async def test_a_row_with_references_cannot_move_to_another_organization(
    engine: AsyncEngine, orgs: tuple[str, str]
) -> None:
    """Changing the child's organization fires its reference checks (UPDATE OF
    organization_id); tables that are also referenced refuse it on their own as well."""
    a, b = orgs
    problems = []
    for name in sorted({r.table for r in REFERENCES}):
        table = TABLES[name]
        columns = [table.c[r.column] for r in REFERENCES if r.table == name]
        row = await some_id(engine, table, a, or_(*(c.is_not(None) for c in columns)))
        assert row is not None, f"the seed has no {name} row with a reference"
        move = update(table).where(table.c.id == row).values(organization_id=b)
        error = await attempt(engine, move)
        if error is None or not is_tenant_reference_violation(error):
            problems.append(f"{name}: {error and error.orig}")
    assert problems == []


# --- through the ORM, and what the error looks like ----------------------------------------


async def test_an_orm_flush_is_refused_with_a_recognizable_error(
    engine: AsyncEngine, orgs: tuple[str, str]
) -> None:
    a, b = orgs
    foreign_patient = await some_id(engine, TABLES["healthcare_patients"], b)
    async with session_factory(engine)() as session, session.begin():
        row = await session.scalar(
            select(DialysisSession).where(DialysisSession.organization_id == a).limit(1)
        )
        assert row is not None and foreign_patient is not None
        row.patient_id = foreign_patient
        with pytest.raises(IntegrityError) as caught:
            await session.flush()
        await session.rollback()
    assert is_tenant_reference_violation(caught.value)
    assert str(caught.value.orig).startswith(
        "tenant_reference: dialyse_sessions.patient_id must point to a row of the same"
    )


async def test_other_integrity_errors_are_not_tenant_reference_violations(
    engine: AsyncEngine, orgs: tuple[str, str]
) -> None:
    a, _b = orgs
    organizations = TABLES["organizations"]
    async with engine.connect() as conn:
        slug = await conn.scalar(select(organizations.c.slug).where(organizations.c.id == a))
    duplicate = insert(organizations).values(id=str(uuid.uuid4()), name="Twin", slug=slug)
    missing = update(TABLES["dialyse_sessions"]).values(patient_id=None)  # NOT NULL
    for statement in (duplicate, missing):
        error = await attempt(engine, statement)
        assert isinstance(error, IntegrityError)
        assert not is_tenant_reference_violation(error)


async def test_a_soft_deleted_parent_of_the_same_organization_can_be_referenced(
    engine: AsyncEngine, orgs: tuple[str, str]
) -> None:
    a, _b = orgs
    patients, labs = TABLES["healthcare_patients"], TABLES["dialyse_labs"]
    patient = await some_id(engine, patients, a)
    gone = (
        update(patients).where(patients.c.id == patient).values(deleted_at=dt.datetime.now(dt.UTC))
    )
    lab = {**await copy_of(engine, labs, a), "patient_id": patient}
    assert await attempt(engine, gone, insert(labs).values(lab)) is None


async def test_dropping_triggers_in_a_transaction_is_undone_by_its_rollback(
    engine: AsyncEngine,
) -> None:
    """Guards the helper that tests use on the shared seeded database (pysqlite commits DDL
    sent outside a transaction, rollback or not)."""
    async with engine.connect() as conn:
        before = await installed_triggers(conn)
        await drop_reference_triggers(conn, "dialyse_sessions", "patient_id")
        assert len(await installed_triggers(conn)) < len(before)
        await conn.rollback()
    async with engine.connect() as conn:
        assert await installed_triggers(conn) == before
