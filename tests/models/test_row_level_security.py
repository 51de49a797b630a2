"""PostgreSQL row-level security: the database's wall under the tenant filter.

Run as a non-owner, non-superuser API role (made here by `ensure_api_role`, what
`perfex-graph db create-api-role` runs), with the application's tenant filter out of the way
(plain sessions, or the filter switched off), the database alone must show one organization:
the one the transaction names in `app.organization_id`, none without it, never a previous
request's on a pooled connection; and refuse writes into another organization. Each check has
a control that sees what the wall hides (a superuser, or the owner), so the checks can fail.

PostgreSQL only: SQLite has no row-level security (the migration is a no-op there).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib.util
import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLObjectType, get_named_type
from sqlalchemy import event, func, inspect, select, text, true, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import ORMExecuteState, selectinload
from sqlalchemy.pool import QueuePool

import models.tenancy as tenancy
from graph.app import create_app
from graph.auth import mint_token
from graph.ids import encode
from graph.permissions import KNOWN_ROLES
from graph.schema import schema
from models.base import Base
from models.core import Organization, OrganizationMember, User
from models.database import create_engine
from models.dialyse import DialysisLab
from models.healthcare import Patient
from models.migrate import upgrade
from models.roles import api_role_problems, ensure_api_role
from models.tenancy import TENANT_KEY, TenantSession, tenant_session_factory
from models.types import Identifier
from seed.options import SeedOptions
from seed.runner import seed_database
from settings import ENV_PREFIX, AuthSettings, limit_settings

MIGRATION = (
    Path(__file__).resolve().parents[2]
    / "migrations/versions/2026-11-28-0910_row_level_security.py"
)
MODELS: list[type[Any]] = sorted(
    (m.class_ for m in Base.registry.mappers), key=lambda c: c.__tablename__
)
INSUFFICIENT_PRIVILEGE = "42501"  # what a row-level security refusal raises
QUERY_CANCELED = "57014"  # statement_timeout
BIRTH = dt.date(1970, 1, 2)


def _migration() -> Any:
    spec = importlib.util.spec_from_file_location("row_level_security", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_covers_every_table_of_the_models() -> None:
    """The literal list of the migration is every table with organization_id; with
    organizations and users, every table. The policies compare organization_id with a text
    setting without a cast: that holds while ids are TEXT (Identifier)."""
    migration = _migration()
    tables = Base.metadata.tables
    scoped = sorted(name for name, table in tables.items() if "organization_id" in table.c)
    assert scoped == migration.TENANT_TABLES
    assert migration.protected_tables() == sorted(tables)
    for name in [*scoped, "organizations"]:
        column = tables[name].c["id" if name == "organizations" else "organization_id"]
        assert isinstance(column.type, Identifier), name


# --- the databases and roles -------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(dialect: str, seeded_url: URL) -> URL:
    """The shared seeded database (as the superuser that migrated it); PostgreSQL only."""
    if dialect != "postgresql":
        pytest.skip("row-level security is PostgreSQL's: SQLite has none")
    return seeded_url


@dataclass(frozen=True)
class Org:
    id: str
    member: str  # an active user who belongs to this organization only


@dataclass(frozen=True)
class World:
    superuser: AsyncEngine  # the owner of the seeded database: sees everything
    api_url: URL  # the seeded database as the API role
    api: AsyncEngine  # a pool of ONE connection as the API role
    a: Org
    b: Org


async def _members(conn: AsyncConnection, organization_id: str) -> set[str]:
    rows = await conn.scalars(
        select(OrganizationMember.user_id).where(
            OrganizationMember.organization_id == organization_id
        )
    )
    return set(rows)


async def _orgs(engine: AsyncEngine) -> tuple[Org, Org]:
    async with engine.connect() as conn:
        ids = list(await conn.scalars(select(Organization.id).order_by(Organization.id)))
        orgs = []
        for own, other in ((ids[0], ids[1]), (ids[1], ids[0])):
            only_here = await _members(conn, own) - await _members(conn, other)
            active = await conn.scalar(
                select(User.id)
                .where(User.id.in_(only_here), User.is_active.is_(true()))
                .order_by(User.id)
                .limit(1)
            )
            assert active is not None
            orgs.append(Org(own, str(active)))
    return orgs[0], orgs[1]


@pytest.fixture(scope="module")
async def world(seeded: URL, make_postgres_role: Callable[..., str]) -> AsyncIterator[World]:
    role = make_postgres_role("api")
    superuser = create_engine(seeded)
    async with superuser.begin() as conn:
        report = await conn.run_sync(lambda sync: ensure_api_role(sync, role, password=None))
    assert not report.created  # made by the fixture; ensure_api_role only granted
    api_url = seeded.set(username=role, password=None)
    api = create_engine(api_url, pool_size=1, max_overflow=0)
    try:
        yield World(superuser, api_url, api, *await _orgs(superuser))
    finally:
        await api.dispose()
        await superuser.dispose()


@contextlib.asynccontextmanager
async def as_organization(
    engine: AsyncEngine, organization_id: str | None
) -> AsyncIterator[AsyncSession]:
    """A plain session (no tenant filter) in a transaction that names `organization_id` the
    way tenant sessions do (`set_config(..., true)`), or names none; rolled back at the end."""
    async with engine.connect() as conn, conn.begin():
        if organization_id is not None:
            await conn.execute(
                text("SELECT set_config('app.organization_id', :org, true)"),
                {"org": organization_id},
            )
        async with AsyncSession(bind=conn, expire_on_commit=False) as session:
            yield session
        await conn.rollback()


def owner_of(row: Any) -> str:
    return str(row.id if isinstance(row, Organization) else row.organization_id)


# --- (a) the setting alone shows one organization ---------------------------------------------


async def _truth(world: World, model: type[Any], organization_id: str) -> set[str]:
    """Ids of `model` that belong to the organization, as the superuser sees them."""
    async with world.superuser.connect() as conn:
        if model is Organization:
            return {organization_id}
        if model is User:
            return await _members(conn, organization_id)
        where = model.organization_id == organization_id
        return set(await conn.scalars(select(model.id).where(where)))


async def test_every_table_shows_the_organization_of_the_setting_only(world: World) -> None:
    empty = []
    async with as_organization(world.api, world.a.id) as session:
        for model in MODELS:
            ids = set(await session.scalars(select(model.id)))
            assert ids == await _truth(world, model, world.a.id), model.__tablename__
            if not ids:
                empty.append(model.__tablename__)
    assert empty == [], f"organization A has no rows in {empty}: the check proves little there"


async def test_relationships_load_the_organization_of_the_setting_only(world: World) -> None:
    """Every relationship of every model, loaded by the ORM (selectinload), as the API role."""
    members = await _truth(world, User, world.a.id)
    loaded = 0
    async with as_organization(world.api, world.a.id) as session:
        for model in MODELS:
            for relationship in inspect(model).relationships:
                attribute = getattr(model, relationship.key)
                parents = (
                    await session.scalars(select(model).options(selectinload(attribute)))
                ).all()
                for parent in parents:
                    value = getattr(parent, relationship.key)
                    for row in value if relationship.uselist else [value]:
                        if row is None:
                            continue
                        loaded += 1
                        if isinstance(row, User):
                            assert row.id in members
                        else:
                            assert owner_of(row) == world.a.id, relationship
                session.expunge_all()
    assert loaded > 1000


async def test_a_superuser_sees_both_organizations(world: World) -> None:
    """The control: the same plain query, where policies do not apply, sees A and B."""
    async with as_organization(world.superuser, world.a.id) as session:
        owners = set(await session.scalars(select(Patient.organization_id)))
    assert owners == {world.a.id, world.b.id}


# --- (b) no setting, no rows ------------------------------------------------------------------


async def test_without_the_setting_nothing_is_visible(world: World) -> None:
    async with world.api.connect() as conn:
        for model in MODELS:
            async with conn.begin():
                assert await conn.scalar(select(func.count()).select_from(model)) == 0
        # An earlier transaction's local setting leaves '' behind, not NULL: still nothing.
        async with conn.begin():
            await conn.execute(
                text("SELECT set_config('app.organization_id', :o, true)"), {"o": world.a.id}
            )
            assert (await conn.scalar(select(func.count()).select_from(Patient)) or 0) > 0
        async with conn.begin():
            assert (
                await conn.scalar(text("SELECT current_setting('app.organization_id', true)")) == ""
            )
            for model in MODELS:
                assert await conn.scalar(select(func.count()).select_from(model)) == 0


async def test_system_access_is_the_owners_only(world: World) -> None:
    """The API role setting `app.system_access` gains nothing: that policy is the owner's."""
    async with world.api.connect() as conn, conn.begin():
        await conn.execute(text("SELECT set_config('app.system_access', 'on', true)"))
        assert await conn.scalar(select(func.count()).select_from(Patient)) == 0


# --- (c) a pool of one connection, through the app, filter off ---------------------------------


@contextlib.contextmanager
def tenant_filter_disabled() -> Iterator[None]:
    """The application's criteria switched off (statements are still marked as vetted, so the
    raw-SQL refusal lets them through): only row-level security is left."""

    def vetted_only(state: ORMExecuteState) -> None:
        state.update_execution_options(**{tenancy._VETTED_OPTION: tenancy._VETTED})

    event.remove(TenantSession, "do_orm_execute", tenancy._scope_to_organization)
    event.listen(TenantSession, "do_orm_execute", vetted_only)
    try:
        yield
    finally:
        event.remove(TenantSession, "do_orm_execute", vetted_only)
        event.listen(TenantSession, "do_orm_execute", tenancy._scope_to_organization)


GQL = schema._schema


def _leaf(type_name: str) -> str:
    object_type = GQL.get_type(type_name)
    assert isinstance(object_type, GraphQLObjectType)
    tenant = " organizationId" if "organizationId" in object_type.fields else ""
    return f"__typename id{tenant}"


def _node_type(field: Any) -> tuple[str, bool] | None:
    named = get_named_type(field.type)
    if not isinstance(named, GraphQLObjectType):
        return None
    if named.name.endswith("Connection"):
        return get_named_type(named.fields["nodes"].type).name, True
    if any(i.name == "Node" for i in named.interfaces):
        return named.name, False
    return None


def _everything_query() -> str:
    """Every root list (first: 50), and every relation of the patients on the first page."""
    parts = []
    for name, field in GQL.query_type.fields.items():  # type: ignore[union-attr]
        target = _node_type(field)
        if target is None or not target[1] or name == "nodes":
            continue
        parts.append(f"{name}(first: 50) {{ nodes {{ {_leaf(target[0])} }} }}")
    patient = GQL.get_type("Patient")
    assert isinstance(patient, GraphQLObjectType)
    relations = []
    for name, field in patient.fields.items():
        target = _node_type(field)
        if target is None:
            continue
        body = _leaf(target[0])
        relations.append(
            f"{name} {{ nodes {{ {body} }} }}" if target[1] else f"{name} {{ {body} }}"
        )
    parts.append(f"chart: patients(first: 5) {{ nodes {{ id {' '.join(relations)} }} }}")
    return "{ " + " ".join(parts) + " }"


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if "__typename" in value:
            yield value
        for inner in value.values():
            yield from _objects(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _objects(inner)


def _auth() -> AuthSettings:
    with pytest.MonkeyPatch.context() as env:
        for name in list(os.environ):
            if name.startswith(ENV_PREFIX):
                env.delenv(name)
        return AuthSettings(
            algorithms=("HS256",),
            secret=secrets.token_urlsafe(48),
            public_key=None,
            private_key=None,
        )


@contextlib.asynccontextmanager
async def app_client(url: URL, engine: AsyncEngine) -> AsyncIterator[Callable[[Org], Any]]:
    """The real app on `url`, its requests served by `engine`; `ask(org)` runs the query as a
    member of `org` with every role."""
    auth = _auth()
    app = create_app(database_url=url, auth=auth)
    async with app.router.lifespan_context(app):
        await app.state.engine.dispose()
        app.state.engine = engine
        app.state.tenant_sessions = tenant_session_factory(engine)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:

            async def ask(org: Org) -> dict[str, Any]:
                token = mint_token(
                    auth,
                    user_id=org.member,
                    organization_id=org.id,
                    roles=sorted(KNOWN_ROLES),
                    ttl_seconds=600,
                )
                response = await http.post(
                    "/graphql",
                    json={"query": _everything_query()},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert response.status_code == 200, response.text
                body = response.json()
                assert "errors" not in body, body["errors"][:3]
                return body["data"]  # type: ignore[no-any-return]

            yield ask


def _foreign(data: dict[str, Any], org: Org, members: set[str]) -> list[dict[str, Any]]:
    """The objects of a response that are not organization `org`'s."""
    mine = encode("Organization", org.id)
    foreign = []
    for obj in _objects(data):
        if obj["__typename"] == "Organization":
            ok = obj["id"] == mine
        elif obj["__typename"] == "User":
            ok = obj["id"] in {encode("User", u) for u in members}
        else:
            ok = obj.get("organizationId") == mine
        if not ok:
            foreign.append(obj)
    return foreign


async def test_one_pooled_connection_never_carries_an_organization_over(world: World) -> None:
    connects: list[object] = []

    def connected(*_: Any) -> None:
        connects.append(1)

    event.listen(world.api.sync_engine, "connect", connected)
    members = {o.id: await _truth(world, User, o.id) for o in (world.a, world.b)}
    try:
        with tenant_filter_disabled():
            async with app_client(world.api_url, world.api) as ask:
                for org in (world.a, world.b, world.a, world.b):
                    data = await ask(org)
                    assert _foreign(data, org, members[org.id]) == []
                    seen = {o["id"] for o in _objects(data["patients"])}
                    expected = await _truth(world, Patient, org.id)
                    assert seen == {encode("Patient", p) for p in expected}
                    assert [f for f, v in data.items() if not v["nodes"]] == []
    finally:
        event.remove(world.api.sync_engine, "connect", connected)
    pool = world.api.pool
    assert isinstance(pool, QueuePool) and pool.size() == 1 and pool.overflow() <= 0
    assert len(connects) <= 1  # one connection served every request


async def test_without_row_level_security_the_disabled_filter_leaks(world: World) -> None:
    """The control for the test above: as the superuser, with the filter off, B's rows show."""
    engine = create_engine(world.superuser.url, pool_size=1, max_overflow=0)
    try:
        with tenant_filter_disabled():
            async with app_client(world.superuser.url, engine) as ask:
                data = await ask(world.a)
    finally:
        await engine.dispose()
    assert _foreign(data, world.a, await _truth(world, User, world.a.id))


# --- (d) writes into another organization ------------------------------------------------------


def _refused_by_policy(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE and (
        "row-level security" in str(exc.orig)
    )


async def test_a_row_of_another_organization_cannot_be_inserted(world: World) -> None:
    async with as_organization(world.api, world.a.id) as session:
        own = Patient(
            organization_id=world.a.id, first_name="R", last_name="Own", date_of_birth=BIRTH
        )
        session.add(own)
        await session.flush()  # the control: the role may insert into its organization
        foreign = Patient(
            organization_id=world.b.id, first_name="R", last_name="Foreign", date_of_birth=BIRTH
        )
        session.add(foreign)
        with pytest.raises(DBAPIError) as refused:
            await session.flush()
    assert _refused_by_policy(refused.value), refused.value


async def test_a_row_cannot_be_moved_to_another_organization(world: World) -> None:
    async with as_organization(world.api, world.a.id) as session:
        lab = await session.scalar(select(DialysisLab.id).limit(1))
        assert lab is not None
        move = update(DialysisLab).where(DialysisLab.id == lab).values(organization_id=world.b.id)
        with pytest.raises(DBAPIError) as refused:
            await session.execute(move, execution_options={"synchronize_session": False})
    assert _refused_by_policy(refused.value), refused.value


async def test_rows_of_another_organization_cannot_be_changed(world: World) -> None:
    """UPDATE and DELETE of B's rows by A's transaction touch nothing (USING hides them)."""
    async with as_organization(world.api, world.a.id) as session:
        touched = await session.execute(
            update(Patient).where(Patient.organization_id == world.b.id).values(first_name="X"),
            execution_options={"synchronize_session": False},
        )
        assert touched.rowcount == 0  # type: ignore[attr-defined]


# --- (e) the statement timeout and organization of a tenant transaction ------------------------


def _ms(shown: str) -> int:
    """PostgreSQL's display of a duration (`1234ms`, `10s`, `1min`) in milliseconds."""
    for unit, factor in (("ms", 1), ("min", 60_000), ("s", 1_000), ("h", 3_600_000)):
        if shown.endswith(unit):
            return int(shown[: -len(unit)]) * factor
    return int(shown)


SETTINGS_OF_TRANSACTION = select(
    Patient.id,
    func.current_setting("statement_timeout"),
    func.current_setting("app.organization_id", True),
).limit(1)


async def test_a_tenant_transaction_sets_its_timeout_and_organization_locally(
    world: World,
) -> None:
    counted: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        counted.append(statement)

    sessions = tenant_session_factory(world.api, statement_timeout_ms=1234)
    event.listen(world.api.sync_engine, "before_cursor_execute", count)
    try:
        async with sessions(info={TENANT_KEY: world.a.id}) as session:
            _, timeout, organization = (await session.execute(SETTINGS_OF_TRANSACTION)).one()
            await session.commit()
    finally:
        event.remove(world.api.sync_engine, "before_cursor_execute", count)
    assert (_ms(timeout), organization) == (1234, world.a.id)
    assert len(counted) == 1  # the set-up is not a statement of the request
    async with world.api.connect() as conn:  # the same (only) connection, after the commit
        assert await conn.scalar(text("SHOW statement_timeout")) == "30s"  # the engine's
        assert await conn.scalar(text("SELECT current_setting('app.organization_id', true)")) == ""


async def test_the_default_timeout_is_the_setting(world: World) -> None:
    async with tenant_session_factory(world.api)(info={TENANT_KEY: world.b.id}) as session:
        _, timeout, organization = (await session.execute(SETTINGS_OF_TRANSACTION)).one()
    assert (_ms(timeout), organization) == (limit_settings().statement_timeout_ms, world.b.id)


async def test_a_statement_over_the_timeout_is_cancelled(world: World) -> None:
    sessions = tenant_session_factory(world.api, statement_timeout_ms=50)
    async with sessions(info={TENANT_KEY: world.a.id}) as session:
        with pytest.raises(DBAPIError) as cancelled:
            await session.execute(select(Patient.id, func.pg_sleep(5)).limit(1))
    assert getattr(cancelled.value.orig, "sqlstate", None) == QUERY_CANCELED


# --- the owner: held by FORCE, opts in to system access ------------------------------------------


async def test_the_owner_is_held_by_the_policies_unless_it_opts_in(
    dialect: str,
    make_database: Callable[[str], URL],
    make_postgres_role: Callable[..., str],
) -> None:
    """A non-superuser owner migrates and seeds (system access); without opting in it sees no
    row (FORCE ROW LEVEL SECURITY), with an organization only that one's."""
    if dialect != "postgresql":
        pytest.skip("row-level security is PostgreSQL's: SQLite has none")

    url = make_database("postgresql")
    owner = make_postgres_role("owner")
    admin = create_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'GRANT CREATE ON SCHEMA public TO "{owner}"'))
    owner_url = url.set(username=owner, password=None)
    await asyncio.to_thread(upgrade, owner_url)
    system = create_engine(owner_url, system=True)
    plain = create_engine(owner_url)
    options = SeedOptions(
        organizations=2,
        patients_per_org=2,
        months=1,
        seed=3,
        rpm_readings_per_day=1,
        as_of=dt.date(2026, 10, 31),
    )
    try:
        await seed_database(system, options)
        async with system.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(Organization)) == 2
            owners = set(await conn.scalars(select(Patient.organization_id)))
            org = await conn.scalar(select(Organization.id).order_by(Organization.id).limit(1))
        assert len(owners) == 2
        async with plain.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(Patient)) == 0
        async with as_organization(plain, str(org)) as session:
            assert set(await session.scalars(select(Patient.organization_id))) == {org}
        assert any("owns" in p for p in await api_role_problems(plain))
        assert any("superuser" in p for p in await api_role_problems(admin))
    finally:
        for engine in (system, plain, admin):
            await engine.dispose()
