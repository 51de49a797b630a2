"""The tenant filter on real databases: reads see one organization, raw SQL and foreign or
system-managed writes are refused, and a session without an organization fails closed.

Every expectation is checked against what a plain (unscoped) session sees, so a filter that
lets another organization's rows through, or lets a refused write reach the database, fails.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, event, insert, select, text, union_all, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session, aliased

from models.core import Organization, OrganizationMember, User
from models.database import session_factory
from models.healthcare import Patient
from models.tenancy import (
    TENANT_KEY,
    TenantScopeError,
    TenantSession,
    append_rows,
    tenant_session_factory,
)

BIRTH = dt.date(1970, 1, 2)
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Tenant:
    """Ids of one organization's rows: a member user, a patient, a soft-deleted patient."""

    organization_id: str
    user_id: str
    patient_id: str
    deleted_patient_id: str


@dataclass(frozen=True)
class World:
    a: Tenant
    b: Tenant
    outsider_id: str  # a user who belongs to no organization


@pytest.fixture(scope="module")
def engine(private_engine: AsyncEngine) -> AsyncEngine:
    """The model tests' own database (tests/models/conftest.py): these tests write rows."""
    return private_engine


def _tag() -> str:
    return uuid.uuid4().hex[:12]


def _patient(organization_id: str | None = None, first_name: str = "Ada") -> Patient:
    return Patient(
        organization_id=organization_id, first_name=first_name, last_name="X", date_of_birth=BIRTH
    )


async def _tenant(session: AsyncSession) -> Tenant:
    tag = _tag()
    organization = Organization(name=f"Clinic {tag}", slug=f"clinic-{tag}")
    user = User(email=f"{tag}@example.org", password_hash="x")
    session.add_all([organization, user])
    await session.flush()
    live, gone = _patient(organization.id), _patient(organization.id)
    gone.deleted_at = NOW
    member = OrganizationMember(organization_id=organization.id, user_id=user.id, joined_at=NOW)
    session.add_all([live, gone, member])
    await session.flush()
    return Tenant(organization.id, user.id, live.id, gone.id)


@pytest.fixture(scope="module")
async def world(engine: AsyncEngine) -> World:
    async with session_factory(engine)() as session, session.begin():
        a, b = await _tenant(session), await _tenant(session)
        outsider = User(email=f"{_tag()}@example.org", password_hash="x")
        session.add(outsider)
        await session.flush()
        return World(a, b, outsider.id)


def _tenant_session(engine: AsyncEngine, organization_id: Any) -> AsyncSession:
    return tenant_session_factory(engine)(info={TENANT_KEY: organization_id})


async def _plain_patient(engine: AsyncEngine, organization_id: str) -> Patient:
    """A fresh patient written by system work, detached when returned."""
    async with session_factory(engine)() as session, session.begin():
        patient = _patient(organization_id, first_name=_tag())
        session.add(patient)
    return patient


async def _truth(engine: AsyncEngine, patient_id: str) -> Patient | None:
    async with session_factory(engine)() as session:
        return await session.get(Patient, patient_id)


async def _patients_named(engine: AsyncEngine, first_name: str) -> list[tuple[str, str]]:
    async with session_factory(engine)() as session:
        rows = await session.execute(
            select(Patient.id, Patient.organization_id).where(Patient.first_name == first_name)
        )
        return [tuple(row) for row in rows]


# --- reads ---------------------------------------------------------------------------------


async def test_patients_of_the_own_organization_only(engine: AsyncEngine, world: World) -> None:
    async with session_factory(engine)() as plain:
        everyone = (await plain.execute(select(Patient.id, Patient.organization_id))).all()
        alive = set(await plain.scalars(select(Patient.id).where(Patient.deleted_at.is_(None))))
    assert {world.a.patient_id, world.b.patient_id, world.a.deleted_patient_id} <= {
        row.id for row in everyone
    }
    # Both sessions open at once: closing one forgets only its own connection.
    async with _tenant_session(engine, world.a.organization_id) as sa:
        async with _tenant_session(engine, world.b.organization_id) as sb:
            for session, tenant in ((sa, world.a), (sb, world.b)):
                expected = {
                    i for i, org in everyone if org == tenant.organization_id and i in alive
                }
                assert tenant.patient_id in expected
                assert set(await session.scalars(select(Patient.id))) == expected
                assert {p.id for p in await session.scalars(select(Patient))} == expected
                alias = aliased(Patient)
                assert set(await session.scalars(select(alias.id))) == expected
                both = union_all(select(Patient.id), select(Patient.id))
                rows = sorted((await session.execute(both)).scalars())
                assert rows == sorted([*expected, *expected])
        with pytest.raises(TenantScopeError, match="connection must be an ORM SELECT"):
            await (await sa.connection()).execute(text("SELECT 1"))


async def test_rows_of_another_organization_are_not_found(
    engine: AsyncEngine, world: World
) -> None:
    assert await _truth(engine, world.b.patient_id) is not None
    async with _tenant_session(engine, world.a.organization_id) as session:
        assert await session.get(Patient, world.b.patient_id) is None
        found = await session.scalars(select(Patient).where(Patient.id == world.b.patient_id))
        assert found.all() == []


async def test_soft_deleted_rows_are_hidden(engine: AsyncEngine, world: World) -> None:
    deleted = await _truth(engine, world.a.deleted_patient_id)
    assert deleted is not None and deleted.deleted_at is not None
    async with _tenant_session(engine, world.a.organization_id) as session:
        assert await session.get(Patient, world.a.deleted_patient_id) is None
        assert world.a.deleted_patient_id not in set(await session.scalars(select(Patient.id)))


async def test_users_through_membership_and_the_own_organization(
    engine: AsyncEngine, world: World
) -> None:
    async with session_factory(engine)() as plain:
        users = set(await plain.scalars(select(User.id)))
        organizations = set(await plain.scalars(select(Organization.id)))
    assert {world.a.user_id, world.b.user_id, world.outsider_id} <= users
    assert {world.a.organization_id, world.b.organization_id} <= organizations
    for tenant in (world.a, world.b):
        async with _tenant_session(engine, tenant.organization_id) as session:
            assert set(await session.scalars(select(User.id))) == {tenant.user_id}
            assert set(await session.scalars(select(Organization.id))) == {tenant.organization_id}
            members = await session.scalars(select(OrganizationMember.user_id))
            assert members.all() == [tenant.user_id]


# --- fail closed ---------------------------------------------------------------------------

MISSING = [pytest.param(None, id="missing"), "", 42, ["org"]]


@pytest.mark.parametrize("organization_id", MISSING)
async def test_without_an_organization_reads_fail(
    engine: AsyncEngine, world: World, organization_id: Any
) -> None:
    factory = tenant_session_factory(engine)
    info = {} if organization_id is None else {TENANT_KEY: organization_id}
    async with factory(info=info) as session:
        with pytest.raises(TenantScopeError, match="without an organization"):
            await session.execute(select(Patient))
        with pytest.raises(TenantScopeError, match="without an organization"):
            await session.get(Organization, world.a.organization_id)


@pytest.mark.parametrize("organization_id", MISSING)
async def test_without_an_organization_writes_fail(
    engine: AsyncEngine, world: World, organization_id: Any
) -> None:
    tag = _tag()
    factory = tenant_session_factory(engine)
    info = {} if organization_id is None else {TENANT_KEY: organization_id}
    async with factory(info=info) as session:
        session.add(_patient(world.a.organization_id, first_name=tag))
        with pytest.raises(TenantScopeError, match="without an organization"):
            await session.flush()
    assert await _patients_named(engine, tag) == []


# --- statements that cannot be scoped --------------------------------------------------------

UNSCOPABLE: dict[str, Callable[[World], Any]] = {
    "text": lambda w: text("SELECT id FROM healthcare_patients"),
    "text_columns": lambda w: text("SELECT id FROM healthcare_patients").columns(Patient.id),
    "core_table": lambda w: select(Patient.__table__),
    "core_column": lambda w: select(Patient.__table__.c.id),
    "from_statement": lambda w: select(Patient).from_statement(
        text("SELECT * FROM healthcare_patients")
    ),
    "orm_insert": lambda w: insert(Patient).values(
        organization_id=w.a.organization_id, first_name="Bulk", last_name="X", date_of_birth=BIRTH
    ),
    "core_insert": lambda w: Patient.__table__.insert().values(
        id=str(uuid.uuid4()),
        organization_id=w.b.organization_id,
        first_name="Bulk",
        last_name="X",
        date_of_birth=BIRTH,
        created_at=NOW,
        updated_at=NOW,
    ),
    "core_update": lambda w: Patient.__table__.update().values(first_name="Changed"),
    "text_update": lambda w: text("UPDATE healthcare_patients SET first_name = 'Changed'"),
}


async def test_raw_sql_reads_every_organization_in_a_plain_session(
    engine: AsyncEngine, world: World
) -> None:
    """What the refusals below prevent: raw SQL has no tenant criteria."""
    async with session_factory(engine)() as plain:
        ids = set((await plain.execute(text("SELECT id FROM healthcare_patients"))).scalars())
    assert {world.a.patient_id, world.b.patient_id} <= ids


@pytest.mark.parametrize("make", UNSCOPABLE.values(), ids=UNSCOPABLE.keys())
async def test_unscopable_statements_are_refused(
    engine: AsyncEngine, world: World, make: Callable[[World], Any]
) -> None:
    async with _tenant_session(engine, world.a.organization_id) as session:
        with pytest.raises(TenantScopeError, match=r"ORM SELECTs only|bulk UPDATE/DELETE"):
            await session.execute(make(world))
    assert await _patients_named(engine, "Bulk") == []
    assert await _patients_named(engine, "Changed") == []


@pytest.mark.parametrize(
    "statement",
    [
        update(Patient).values(first_name="Changed"),
        update(Patient).where(Patient.id == "x").values(first_name="Changed"),
        delete(Patient),
    ],
    ids=["update", "update_where", "delete"],
)
async def test_bulk_update_and_delete_are_refused(
    engine: AsyncEngine, world: World, statement: Any
) -> None:
    async with _tenant_session(engine, world.a.organization_id) as session:
        with pytest.raises(TenantScopeError, match="bulk UPDATE/DELETE"):
            await session.execute(statement)
    patient = await _truth(engine, world.a.patient_id)
    assert patient is not None and patient.first_name == "Ada"


CONNECTION_SQL: dict[str, Callable[[Any], Awaitable[Any]]] = {
    "text": lambda conn: conn.execute(text("SELECT id FROM healthcare_patients")),
    "driver_sql": lambda conn: conn.exec_driver_sql("SELECT id FROM healthcare_patients"),
    "orm_select": lambda conn: conn.execute(select(Patient)),
    "core_select": lambda conn: conn.execute(select(Patient.__table__)),
}


@pytest.mark.parametrize("run", CONNECTION_SQL.values(), ids=CONNECTION_SQL.keys())
async def test_sql_on_the_sessions_connection_is_refused(
    engine: AsyncEngine, world: World, run: Callable[[Any], Awaitable[Any]]
) -> None:
    async with _tenant_session(engine, world.a.organization_id) as session:
        await session.scalars(select(Patient.id))
        with pytest.raises(TenantScopeError, match="connection must be an ORM SELECT"):
            await run(await session.connection())


LEGACY_BULK: dict[str, Callable[[Session, list[Patient]], Any]] = {
    "save_objects": lambda sync, rows: sync.bulk_save_objects(rows),
    "insert_mappings": lambda sync, rows: sync.bulk_insert_mappings(
        Patient, [{c: getattr(r, c) for c in ("organization_id", "first_name")} for r in rows]
    ),
    "update_mappings": lambda sync, rows: sync.bulk_update_mappings(
        Patient, [{"id": r.id, "first_name": r.first_name} for r in rows]
    ),
}


@pytest.mark.parametrize("write", LEGACY_BULK.values(), ids=LEGACY_BULK.keys())
async def test_legacy_bulk_writes_are_refused(
    engine: AsyncEngine, world: World, write: Callable[[Session, list[Patient]], Any]
) -> None:
    tag = _tag()
    rows = [_patient(world.b.organization_id, tag)]
    rows[0].id = world.b.patient_id
    async with _tenant_session(engine, world.a.organization_id) as session:
        with pytest.raises(TenantScopeError, match="legacy bulk writes"):
            await session.run_sync(lambda sync: write(sync, rows))
    assert await _patients_named(engine, tag) == []


async def test_savepoints_work(engine: AsyncEngine, world: World) -> None:
    tag = _tag()
    async with _tenant_session(engine, world.a.organization_id) as session:
        async with session.begin_nested():
            assert world.a.patient_id in set(await session.scalars(select(Patient.id)))
        async with session.begin_nested() as nested:
            session.add(_patient(first_name=tag))
            await session.flush()
            await nested.rollback()
        session.add(_patient(first_name=f"{tag}-kept"))
        await session.commit()
    assert await _patients_named(engine, tag) == []
    assert len(await _patients_named(engine, f"{tag}-kept")) == 1


async def test_a_bound_connection_is_released_with_the_session(
    engine: AsyncEngine, world: World
) -> None:
    async with engine.connect() as conn:
        info = {TENANT_KEY: world.a.organization_id}
        session = AsyncSession(bind=conn, sync_session_class=TenantSession, info=info)
        async with session:
            assert world.a.patient_id in set(await session.scalars(select(Patient.id)))
            with pytest.raises(TenantScopeError):
                await conn.execute(text("SELECT 1"))
        assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1


# --- writes --------------------------------------------------------------------------------


async def test_a_new_row_gets_the_sessions_organization(engine: AsyncEngine, world: World) -> None:
    tag = _tag()
    async with _tenant_session(engine, world.a.organization_id) as session:
        session.add_all([_patient(first_name=tag), _patient(world.a.organization_id, tag)])
        await session.commit()
    rows = await _patients_named(engine, tag)
    assert [org for _, org in rows] == [world.a.organization_id] * 2


async def test_a_new_row_of_another_organization_is_refused(
    engine: AsyncEngine, world: World
) -> None:
    tag = _tag()
    async with _tenant_session(engine, world.a.organization_id) as session:
        session.add(_patient(world.b.organization_id, tag))
        with pytest.raises(TenantScopeError, match="another organization"):
            await session.commit()
    assert await _patients_named(engine, tag) == []


async def test_assigning_another_organization_by_relationship_is_refused(
    engine: AsyncEngine, world: World
) -> None:
    tag = _tag()
    async with session_factory(engine)() as plain:
        other = await plain.get(Organization, world.b.organization_id)
    assert other is not None
    async with _tenant_session(engine, world.a.organization_id) as session:
        patient = _patient(first_name=tag)
        patient.organization = other
        session.add(patient)
        with pytest.raises(TenantScopeError, match="another organization"):
            await session.commit()
    assert await _patients_named(engine, tag) == []


async def test_own_rows_can_be_changed_and_deleted(engine: AsyncEngine, world: World) -> None:
    changed_id = (await _plain_patient(engine, world.a.organization_id)).id
    deleted_id = (await _plain_patient(engine, world.a.organization_id)).id
    async with _tenant_session(engine, world.a.organization_id) as session:
        loaded = await session.get(Patient, changed_id)
        assert loaded is not None
        loaded.last_name = "Renamed"
        gone = await session.get(Patient, deleted_id)
        await session.delete(gone)
        await session.commit()
    after = await _truth(engine, changed_id)
    assert after is not None and after.last_name == "Renamed"
    assert await _truth(engine, deleted_id) is None


async def test_moving_an_own_row_to_another_organization_is_refused(
    engine: AsyncEngine, world: World
) -> None:
    patient_id = (await _plain_patient(engine, world.a.organization_id)).id
    async with _tenant_session(engine, world.a.organization_id) as session:
        loaded = await session.get(Patient, patient_id)
        assert loaded is not None
        loaded.organization_id = world.b.organization_id
        with pytest.raises(TenantScopeError, match="another organization"):
            await session.commit()
    after = await _truth(engine, patient_id)
    assert after is not None and after.organization_id == world.a.organization_id


async def test_taking_over_a_foreign_row_is_refused(engine: AsyncEngine, world: World) -> None:
    foreign = await _plain_patient(engine, world.b.organization_id)
    foreign_id = foreign.id
    async with _tenant_session(engine, world.a.organization_id) as session:
        session.add(foreign)
        foreign.organization_id = world.a.organization_id
        foreign.last_name = "Taken"
        with pytest.raises(TenantScopeError, match="another organization"):
            await session.commit()
    after = await _truth(engine, foreign_id)
    assert after is not None
    assert (after.organization_id, after.last_name) == (world.b.organization_id, "X")


async def test_deleting_a_foreign_row_is_refused(engine: AsyncEngine, world: World) -> None:
    foreign = await _plain_patient(engine, world.b.organization_id)
    foreign_id = foreign.id
    async with _tenant_session(engine, world.a.organization_id) as session:
        session.add(foreign)
        await session.delete(foreign)
        with pytest.raises(TenantScopeError, match="another organization"):
            await session.commit()
    assert await _truth(engine, foreign_id) is not None


# --- organizations, users and memberships are system work ------------------------------------


async def _create_organization(session: AsyncSession, world: World, tag: str) -> None:
    session.add(Organization(name=tag, slug=tag))


async def _create_user(session: AsyncSession, world: World, tag: str) -> None:
    session.add(User(email=f"{tag}@example.org", password_hash="x"))


async def _create_member(session: AsyncSession, world: World, tag: str) -> None:
    session.add(OrganizationMember(user_id=world.outsider_id, joined_at=NOW))


async def _own(session: AsyncSession, world: World, model: type[Any]) -> Any:
    statement = select(model)
    if model is OrganizationMember:
        statement = statement.where(OrganizationMember.user_id == world.a.user_id)
    found = (await session.scalars(statement)).one()
    assert found is not None
    return found


async def _change_organization(session: AsyncSession, world: World, tag: str) -> None:
    (await _own(session, world, Organization)).name = tag


async def _change_user(session: AsyncSession, world: World, tag: str) -> None:
    (await _own(session, world, User)).first_name = tag


async def _change_member(session: AsyncSession, world: World, tag: str) -> None:
    (await _own(session, world, OrganizationMember)).role = "owner"


def _deleting(model: type[Any]) -> Callable[[AsyncSession, World, str], Awaitable[None]]:
    async def delete_own(session: AsyncSession, world: World, tag: str) -> None:
        await session.delete(await _own(session, world, model))

    return delete_own


SYSTEM_WRITES = {
    "create_organization": _create_organization,
    "create_user": _create_user,
    "create_member": _create_member,
    "change_organization": _change_organization,
    "change_user": _change_user,
    "change_member": _change_member,
    "delete_organization": _deleting(Organization),
    "delete_user": _deleting(User),
    "delete_member": _deleting(OrganizationMember),
}


async def _system_rows(engine: AsyncEngine) -> list[Any]:
    async with session_factory(engine)() as plain:
        return [
            sorted((await plain.execute(select(*columns))).all())
            for columns in (
                (Organization.id, Organization.name, Organization.slug),
                (User.id, User.email, User.first_name),
                (OrganizationMember.id, OrganizationMember.user_id, OrganizationMember.role),
            )
        ]


@pytest.mark.parametrize("write", SYSTEM_WRITES.values(), ids=SYSTEM_WRITES.keys())
async def test_system_managed_rows_are_not_written(
    engine: AsyncEngine,
    world: World,
    write: Callable[[AsyncSession, World, str], Awaitable[None]],
) -> None:
    before = await _system_rows(engine)
    async with _tenant_session(engine, world.a.organization_id) as session:
        await write(session, world, _tag())
        with pytest.raises(TenantScopeError, match="not written by a tenant"):
            await session.commit()
    assert await _system_rows(engine) == before


# --- append_rows: one INSERT for append-only rows ----------------------------------------------


def _new_patient_rows(tag: str, organization_id: str | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"first_name": tag, "last_name": "X", "date_of_birth": BIRTH} for _ in range(3)
    ]
    if organization_id is not None:
        rows[1]["organization_id"] = organization_id
    return rows


async def test_appended_rows_get_the_sessions_organization_in_one_insert(
    engine: AsyncEngine, world: World
) -> None:
    tag = _tag()
    inserts: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if sql.lstrip().upper().startswith("INSERT"):
            inserts.append(sql)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with _tenant_session(engine, world.a.organization_id) as session:
            await append_rows(session, Patient, _new_patient_rows(tag, world.a.organization_id))
            await session.commit()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert len(inserts) == 1
    assert [org for _, org in await _patients_named(engine, tag)] == [world.a.organization_id] * 3


async def test_appending_a_row_of_another_organization_is_refused(
    engine: AsyncEngine, world: World
) -> None:
    tag = _tag()
    async with _tenant_session(engine, world.a.organization_id) as session:
        with pytest.raises(TenantScopeError, match="another organization"):
            await append_rows(session, Patient, _new_patient_rows(tag, world.b.organization_id))
        await session.commit()
    assert await _patients_named(engine, tag) == []


async def test_system_managed_rows_cannot_be_appended_nor_inserts_sent_otherwise(
    engine: AsyncEngine, world: World
) -> None:
    async with _tenant_session(engine, world.a.organization_id) as session:
        member = {"user_id": world.outsider_id, "joined_at": NOW, "role": "member"}
        with pytest.raises(TenantScopeError, match="cannot be appended"):
            await append_rows(session, OrganizationMember, [member])
        with pytest.raises(TenantScopeError):  # the same INSERT without append_rows
            await session.execute(insert(Patient), _new_patient_rows(_tag()))
