"""Tenant isolation: a token of organization A never yields a row of organization B, nor a
soft-deleted row, through any root field, `node`/`nodes`, or any nested relation, even under
concurrent requests of both organizations.

Root fields and relations are enumerated from the schema itself, so a type added later is
covered without touching this file. Expected rows come from the database through a plain
(unscoped) session, so the API is compared with the truth, not with itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from api_client import Api, Client
from graphql import (
    GraphQLField,
    GraphQLObjectType,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from sqlalchemy import select, update
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine
from tenant_reference_triggers import drop_reference_triggers

from graph.ids import encode
from graph.permissions import KNOWN_ROLES
from graph.schema import schema
from models.base import Base
from models.core import Organization, OrganizationMember, User
from models.database import create_engine
from models.dialyse import DialysisLab, DialysisMachine, DialysisSession
from models.healthcare import Patient
from seed.options import SeedOptions
from seed.runner import seed_database

ROOT_LIMIT = 500
GQL = schema._schema
QUERY_FIELDS: dict[str, GraphQLField] = GQL.query_type.fields  # type: ignore[union-attr]
MODELS: dict[str, type[Base]] = {m.class_.__name__: m.class_ for m in Base.registry.mappers}


# --- the schema, enumerated ---------------------------------------------------------------------


def _is_node(type_: Any) -> bool:
    return isinstance(type_, GraphQLObjectType) and any(i.name == "Node" for i in type_.interfaces)


def _target(field: GraphQLField) -> tuple[Any, bool]:
    """(the object type a field leads to, whether it is a list: a connection of them)."""
    named = get_named_type(field.type)
    if isinstance(named, GraphQLObjectType) and named.name.endswith("Connection"):
        return get_named_type(named.fields["nodes"].type), True
    return named, is_list_type(get_nullable_type(field.type))


def _root_fields() -> tuple[dict[str, str], dict[str, str]]:
    """(list field -> type name, by-id field -> type name) of the root Query."""
    lists: dict[str, str] = {}
    singles: dict[str, str] = {}
    for name, field in QUERY_FIELDS.items():
        target, many = _target(field)
        if name in ("node", "nodes") or not _is_node(target):
            continue
        if many:
            lists[name] = target.name
        elif set(field.args) == {"id"}:
            singles[name] = target.name
    return lists, singles


LIST_FIELDS, BY_ID_FIELDS = _root_fields()
BY_ID_OF_TYPE = {type_name: field for field, type_name in BY_ID_FIELDS.items()}


def relations(type_name: str) -> list[tuple[str, str, bool]]:
    """(field, target type, is a list) for every relation field of a type."""
    found = []
    object_type = GQL.get_type(type_name)
    assert isinstance(object_type, GraphQLObjectType)
    for name, field in object_type.fields.items():
        target, many = _target(field)
        if _is_node(target):
            found.append((name, target.name, many))
    return found


def wrap(name: str, many: bool, body: str) -> str:
    """A selection of a relation: lists are connections, whose rows are under `nodes`."""
    return f"{name} {{ nodes {{ {body} }} }}" if many else f"{name} {{ {body} }}"


def leaf(type_name: str) -> str:
    """What every object in a response carries so the checker can tell whose it is."""
    object_type = GQL.get_type(type_name)
    assert isinstance(object_type, GraphQLObjectType)
    tenant = " organizationId" if "organizationId" in object_type.fields else ""
    return f"__typename id{tenant}"


def test_the_schema_has_a_list_and_a_by_id_root_for_every_model() -> None:
    """Guards the generic tests below: they enumerate exactly the mirrored models."""
    assert sorted(LIST_FIELDS.values()) == sorted(MODELS)
    assert sorted(BY_ID_FIELDS.values()) == sorted(MODELS)


# --- the world: two organizations, a client of each ---------------------------------------------


@dataclass(frozen=True)
class Tenant:
    client: Client  # signed in as a user who is a member of this organization only
    members: frozenset[str]  # global ids of the users the organization may see

    @property
    def organization_id(self) -> str:
        return str(self.client.organization_id)

    @property
    def user_id(self) -> str:
        return str(self.client.user_id)

    @property
    def gid(self) -> str:
        return encode("Organization", self.organization_id)


@dataclass
class World:
    engine: AsyncEngine  # plain, unscoped: the truth
    a: Tenant
    b: Tenant


async def _members(engine: AsyncEngine, organization_id: str) -> set[str]:
    async with engine.connect() as conn:
        rows = await conn.scalars(
            select(OrganizationMember.user_id).where(
                OrganizationMember.organization_id == organization_id
            )
        )
        return set(rows)


async def _world(api: Api, url: URL, engine: AsyncEngine) -> World:
    """Organizations A and B (the first two by id), each with a client of one of its users,
    holding every role (so that every type is readable)."""
    tenants = []
    for index in (0, 1):
        client = await api(url, org=index, roles=sorted(KNOWN_ROLES))
        own = await _members(engine, str(client.organization_id))
        tenants.append(Tenant(client, frozenset(encode("User", u) for u in own)))
    return World(engine, *tenants)


@pytest.fixture(scope="module", autouse=True)
def unbounded_cost() -> Iterator[None]:
    """The probes read every row of every relation in one request (cost in the millions), so
    this module's apps run with a budget that only the probes could reach; the cost limit
    itself is tested in test_query_cost.py."""
    import graph.schema
    from graph.cost_limits import cost_rule

    budget = dataclasses.replace(graph.schema.BUDGET, max_cost=10**9)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(graph.schema, "BUDGET", budget)
        patch.setattr(graph.schema, "COST_RULE", cost_rule(budget))
        yield


@pytest.fixture(scope="module")
async def world(api: Api, seeded_url: URL) -> AsyncIterator[World]:
    engine = create_engine(seeded_url)
    try:
        yield await _world(api, seeded_url, engine)
    finally:
        await engine.dispose()


async def visible_ids(engine: AsyncEngine, model: type[Base], organization_id: str) -> set[str]:
    """Raw ids of the rows of `model` that organization `organization_id` may see."""
    if model is Organization:
        return {organization_id}
    if model is User:
        return await _members(engine, organization_id)
    table = model.__table__  # type: ignore[attr-defined]
    statement = select(table.c.id).where(table.c.organization_id == organization_id)
    if "deleted_at" in table.c:
        statement = statement.where(table.c.deleted_at.is_(None))
    async with engine.connect() as conn:
        return set(await conn.scalars(statement))


async def foreign_ids(world: World, model: type[Base], limit: int = 3) -> list[str]:
    """Raw ids of rows of `model` that B has and A must not see (deleted ones included)."""
    if model is Organization:
        return [world.b.organization_id]
    if model is User:
        only_b = await _members(world.engine, world.b.organization_id) - await _members(
            world.engine, world.a.organization_id
        )
        return sorted(only_b)[:limit]
    table = model.__table__  # type: ignore[attr-defined]
    statement = (
        select(table.c.id)
        .where(table.c.organization_id == world.b.organization_id)
        .order_by(table.c.id)
        .limit(limit)
    )
    async with world.engine.connect() as conn:
        return list(await conn.scalars(statement))


def check_tree(node: Any, tenant: Tenant) -> int:
    """Assert every object of a response belongs to `tenant`; return how many were checked."""
    checked = 0
    if isinstance(node, list):
        return sum(check_tree(item, tenant) for item in node)
    if not isinstance(node, dict):
        return 0
    type_name = node.get("__typename")
    if type_name == "Organization":
        assert node["id"] == tenant.gid, f"another organization: {node}"
    elif type_name == "User":
        assert node["id"] in tenant.members, f"a user who is not a member: {node}"
    elif type_name is not None:
        assert node["organizationId"] == tenant.gid, f"a row of another organization: {node}"
    if type_name is not None:
        checked = 1
    return checked + sum(check_tree(value, tenant) for value in node.values())


# --- root lists ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field", sorted(LIST_FIELDS))
async def test_every_root_list_returns_exactly_the_rows_of_the_callers_organization(
    world: World, field: str
) -> None:
    type_name = LIST_FIELDS[field]
    model = MODELS[type_name]
    for tenant in (world.a, world.b):
        data = await tenant.client.data(
            f"{{ rows: {field}(first: {ROOT_LIMIT}) {{ nodes {{ {leaf(type_name)} }} }} }}"
        )
        rows = data["rows"]["nodes"]
        check_tree(rows, tenant)
        got = [row["id"] for row in rows]
        expected = {
            encode(type_name, i)
            for i in await visible_ids(world.engine, model, tenant.organization_id)
        }
        assert len(got) == len(set(got)), f"{field}: duplicate rows"
        if len(expected) <= ROOT_LIMIT:
            assert set(got) == expected, f"{field}: rows differ from the organization's rows"
        else:
            assert len(got) == ROOT_LIMIT
            assert set(got) <= expected


async def test_the_seeded_data_makes_the_list_checks_meaningful(world: World) -> None:
    """Both organizations have rows in most tables, so the checks above compare real rows."""
    populated = 0
    for model in MODELS.values():
        a = await visible_ids(world.engine, model, world.a.organization_id)
        b = await visible_ids(world.engine, model, world.b.organization_id)
        populated += bool(a and b)
    assert populated >= 15


# --- by id, node, nodes -------------------------------------------------------------------------


@pytest.mark.parametrize("type_name", sorted(MODELS))
async def test_ids_of_another_organization_are_like_unknown_ids(
    world: World, type_name: str
) -> None:
    model = MODELS[type_name]
    foreign = await foreign_ids(world, model)
    if not foreign:
        pytest.skip(f"organization B has no {type_name} rows in the seeded data")
    own = sorted(await visible_ids(world.engine, model, world.a.organization_id))
    by_id = BY_ID_OF_TYPE[type_name]
    query = (
        "query($id: ID!, $ids: [ID!]!) {"
        f" one: {by_id}(id: $id) {{ id }} node(id: $id) {{ id }} nodes(ids: $ids) {{ id }} }}"
    )
    unknown = await world.a.client.query(
        query,
        {"id": encode(type_name, str(uuid.uuid4())), "ids": [encode(type_name, str(uuid.uuid4()))]},
        status=200,
    )
    unknown.pop("extensions", None)  # the operation's cost
    assert unknown == {"data": {"one": None, "node": None, "nodes": [None]}}
    for raw_id in foreign:
        global_id = encode(type_name, raw_id)
        answer = await world.a.client.query(
            query, {"id": global_id, "ids": [global_id]}, status=200
        )
        answer.pop("extensions", None)
        assert answer == unknown, f"{type_name} {raw_id} of organization B is visible to A"
    many = await world.a.client.query(
        query,
        {"id": encode(type_name, foreign[0]), "ids": [encode(type_name, i) for i in foreign]},
        status=200,
    )
    assert many["data"]["nodes"] == [None] * len(foreign)
    if own:  # control: the same query finds A's own row
        global_id = encode(type_name, own[0])
        found = await world.a.client.data(query, {"id": global_id, "ids": [global_id]})
        assert found == {
            "one": {"id": global_id},
            "node": {"id": global_id},
            "nodes": [{"id": global_id}],
        }


# --- nested relations ---------------------------------------------------------------------------


def _selection(type_name: str, depth: int, *, lists_below: bool = True) -> str:
    """The relation fields of `type_name`, `depth` levels deep, each with its leaf fields:
    every relation on the first level, and below it lists too unless `lists_below` is False."""
    parts = [leaf(type_name)]
    if depth > 0:
        for name, target, _many in relations(type_name):
            below = _selection(target, depth - 1, lists_below=lists_below)
            if lists_below or not _many:
                parts.append(wrap(name, _many, below))
    return " ".join(parts)


@pytest.mark.parametrize("relation", [name for name, _t, _m in relations("Patient")])
async def test_no_nested_relation_of_a_patient_yields_another_organizations_row(
    world: World, relation: str
) -> None:
    """patients -> relation -> every relation of that (to-one and lists), for both tokens."""
    target, many = {name: (t, m) for name, t, m in relations("Patient")}[relation]
    query = (
        f"{{ patients(first: {ROOT_LIMIT}) {{ nodes {{ {leaf('Patient')}"
        f" {wrap(relation, many, _selection(target, 1))} }} }} }}"
    )
    for tenant in (world.a, world.b):
        data = await tenant.client.data(query)
        assert check_tree(data, tenant) >= len(data["patients"]["nodes"]) > 0


async def test_nested_relations_from_other_roots_stay_in_the_organization(world: World) -> None:
    """Below every root list (first rows only), for both tokens: every relation, and the
    objects those point to."""
    for tenant in (world.a, world.b):
        checked = 0
        for field, type_name in sorted(LIST_FIELDS.items()):
            selection = " ".join(
                wrap(name, many, _selection(target, 1, lists_below=False))
                for name, target, many in relations(type_name)
            )
            data = await tenant.client.data(
                f"{{ rows: {field}(first: 5) {{ nodes {{ {leaf(type_name)} {selection} }} }} }}"
            )
            checked += check_tree(data, tenant)
        assert checked > 100


async def test_me_is_the_callers_user_and_organization(world: World) -> None:
    query = "{ me { userId organizationId user { __typename id } organization { __typename id } } }"
    for tenant in (world.a, world.b):
        me = (await tenant.client.data(query))["me"]
        assert me["organizationId"] == tenant.gid
        assert me["userId"] == encode("User", tenant.user_id)
        assert me["user"]["id"] == encode("User", tenant.user_id)
        assert check_tree(me, tenant) == 2


async def test_soft_deleted_seed_rows_are_never_served(world: World) -> None:
    """The seed soft-deletes a duplicate patient per organization: it is in no answer."""
    async with world.engine.connect() as conn:
        deleted = list(
            await conn.scalars(
                select(Patient.id).where(
                    Patient.organization_id == world.a.organization_id,
                    Patient.deleted_at.is_not(None),
                )
            )
        )
    if not deleted:
        pytest.skip("the seeded data has no soft-deleted patient")
    listed = await world.a.client.data(f"{{ patients(first: {ROOT_LIMIT}) {{ nodes {{ id }} }} }}")
    listed_ids = {p["id"] for p in listed["patients"]["nodes"]}
    for raw_id in deleted:
        global_id = encode("Patient", raw_id)
        assert global_id not in listed_ids
        found = await world.a.client.data(
            "query($id: ID!) { patient(id: $id) { id }"
            " node(id: $id) { id } nodes(ids: [$id]) { id } }",
            {"id": global_id},
        )
        assert found == {"patient": None, "node": None, "nodes": [None]}


# --- concurrency --------------------------------------------------------------------------------


CONCURRENT_QUERY = f"""{{
  me {{ organizationId }}
  patients(first: {ROOT_LIMIT}) {{ nodes {{
    {leaf("Patient")} lastName
    dialysisSessions(first: 5) {{ nodes {{
      {leaf("DialysisSession")} machine {{ {leaf("DialysisMachine")} }}
    }} }}
    consultations(first: 5) {{ nodes {{ {leaf("Consultation")} }} }}
    ecgs(first: 5) {{ nodes {{ {leaf("Ecg")} }} }}
    organization {{ __typename id }}
  }} }}
  users(first: {ROOT_LIMIT}) {{ nodes {{ __typename id }} }}
  dialysisMachines(first: {ROOT_LIMIT}) {{ nodes {{ {leaf("DialysisMachine")} }} }}
}}"""


async def test_concurrent_requests_of_two_organizations_never_mix(world: World) -> None:
    baseline = {
        tenant.organization_id: await tenant.client.data(CONCURRENT_QUERY)
        for tenant in (world.a, world.b)
    }
    assert baseline[world.a.organization_id] != baseline[world.b.organization_id]
    tenants = [world.a if i % 3 else world.b for i in range(24)]
    answers = await asyncio.gather(*(t.client.data(CONCURRENT_QUERY) for t in tenants))
    for tenant, data in zip(tenants, answers, strict=True):
        assert data["me"]["organizationId"] == tenant.gid
        assert check_tree(data, tenant) > 0
        assert data == baseline[tenant.organization_id]


# --- a private database: soft-deleted rows and references across organizations -----------------


@dataclass(frozen=True)
class Changes:
    deleted_patient: str  # soft-deleted, with dialysis sessions of its own
    deleted_session: str  # the newest session of `patient`, soft-deleted
    patient: str  # a visible patient with at least two visible sessions
    machine: str  # the machine of `deleted_session`
    cross_session: str  # a session of A whose machine_id points to a machine of B
    foreign_machine: str  # that machine of B
    foreign_lab: str  # a lab of B whose patient_id points to `patient` (of A)


@pytest.fixture(scope="module")
async def private_world(
    api: Api, dialect: str, make_migrated_database: Callable[[str], URL]
) -> AsyncIterator[tuple[World, Changes]]:
    url = make_migrated_database(dialect)
    engine = create_engine(url)
    try:
        await seed_database(
            engine, SeedOptions(organizations=2, patients_per_org=8, months=2, seed=3)
        )
        world = await _world(api, url, engine)
        yield world, await _change(engine, world.a.organization_id, world.b.organization_id)
    finally:
        await engine.dispose()


async def _sessions_by_patient(engine: AsyncEngine, organization_id: str) -> dict[str, list[Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(DialysisSession.id, DialysisSession.patient_id, DialysisSession.machine_id)
            .where(
                DialysisSession.organization_id == organization_id,
                DialysisSession.deleted_at.is_(None),
            )
            .order_by(DialysisSession.session_date.desc(), DialysisSession.id)
        )
        grouped: dict[str, list[Any]] = {}
        for row in rows:
            grouped.setdefault(row.patient_id, []).append(row)
        return grouped


async def _change(engine: AsyncEngine, org_a: str, org_b: str) -> Changes:
    """Soft-delete a patient and a session of A, and point rows across organizations (the
    database refuses that since migration tenant_references: the two references' triggers are
    dropped in this private database, as if the rows predated them)."""
    sessions = await _sessions_by_patient(engine, org_a)
    candidates = sorted(
        (p for p, rows in sessions.items() if len(rows) >= 3 and rows[0].machine_id),
        key=lambda p: len(sessions[p]),
    )
    assert len(candidates) >= 2, "the seed gave too few dialysis patients"
    deleted_patient, patient = candidates[0], candidates[-1]
    deleted_session = sessions[patient][0]
    cross_session = sessions[patient][1].id
    now = dt.datetime.now(dt.UTC)
    async with engine.begin() as conn:
        foreign_machine = (
            await conn.scalars(
                select(DialysisMachine.id).where(DialysisMachine.organization_id == org_b).limit(1)
            )
        ).one()
        foreign_lab = (
            await conn.scalars(
                select(DialysisLab.id).where(DialysisLab.organization_id == org_b).limit(1)
            )
        ).one()
        await conn.execute(
            update(Patient).where(Patient.id == deleted_patient).values(deleted_at=now)
        )
        await drop_reference_triggers(conn, "dialyse_sessions", "machine_id")
        await drop_reference_triggers(conn, "dialyse_labs", "patient_id")
        await conn.execute(
            update(DialysisSession)
            .where(DialysisSession.id == deleted_session.id)
            .values(deleted_at=now)
        )
        await conn.execute(
            update(DialysisSession)
            .where(DialysisSession.id == cross_session)
            .values(machine_id=foreign_machine)
        )
        await conn.execute(
            update(DialysisLab).where(DialysisLab.id == foreign_lab).values(patient_id=patient)
        )
    return Changes(
        deleted_patient=deleted_patient,
        deleted_session=deleted_session.id,
        patient=patient,
        machine=deleted_session.machine_id,
        cross_session=cross_session,
        foreign_machine=foreign_machine,
        foreign_lab=foreign_lab,
    )


async def test_a_soft_deleted_patient_vanishes_from_lists_ids_and_relations(
    private_world: tuple[World, Changes],
) -> None:
    world, changes = private_world
    gid = encode("Patient", changes.deleted_patient)
    data = await world.a.client.data(
        "query($id: ID!) { patients(first: 500) { nodes { id } } patient(id: $id) { id }"
        " node(id: $id) { id } nodes(ids: [$id]) { id }"
        " dialysisSessions(first: 500) { nodes { patientId patient { id } } } }",
        {"id": gid},
    )
    assert gid not in {p["id"] for p in data["patients"]["nodes"]}
    assert (data["patient"], data["node"], data["nodes"]) == (None, None, [None])
    orphans = [s for s in data["dialysisSessions"]["nodes"] if s["patientId"] == gid]
    assert orphans, "the deleted patient's sessions should still be listed (they are not deleted)"
    assert all(s["patient"] is None for s in orphans), "a nested relation served a deleted patient"


async def test_a_soft_deleted_session_vanishes_from_lists_ids_and_relations(
    private_world: tuple[World, Changes],
) -> None:
    world, changes = private_world
    gid = encode("DialysisSession", changes.deleted_session)
    data = await world.a.client.data(
        "query($id: ID!, $patient: ID!, $machine: ID!) {"
        " dialysisSessions(first: 500) { nodes { id } } dialysisSession(id: $id) { id }"
        " node(id: $id) { id } nodes(ids: [$id]) { id }"
        " patient(id: $patient) { dialysisSessions(first: 100) { nodes { id } } }"
        " dialysisMachine(id: $machine) { dialysisSessions(first: 100) { nodes { id } } } }",
        {
            "id": gid,
            "patient": encode("Patient", changes.patient),
            "machine": encode("DialysisMachine", changes.machine),
        },
    )
    assert gid not in {s["id"] for s in data["dialysisSessions"]["nodes"]}
    assert (data["dialysisSession"], data["node"], data["nodes"]) == (None, None, [None])
    nested = {s["id"] for s in data["patient"]["dialysisSessions"]["nodes"]}
    assert gid not in nested
    assert gid not in {s["id"] for s in data["dialysisMachine"]["dialysisSessions"]["nodes"]}
    expected = await _sessions_by_patient(world.engine, world.a.organization_id)
    assert nested == {encode("DialysisSession", r.id) for r in expected[changes.patient]}


async def test_hidden_rows_do_not_take_places_in_a_per_parent_page(
    private_world: tuple[World, Changes],
) -> None:
    """The deleted session was the patient's newest: `first: 1` must give the next one (and the
    page after it the one after), and the foreign lab must not use up a place of the patient's
    labs."""
    world, changes = private_world
    async with world.engine.connect() as conn:
        labs = set(
            await conn.scalars(
                select(DialysisLab.id).where(
                    DialysisLab.organization_id == world.a.organization_id,
                    DialysisLab.patient_id == changes.patient,
                    DialysisLab.deleted_at.is_(None),
                )
            )
        )
    query = (
        "query($id: ID!, $labs: Int!, $after: String) { patient(id: $id) {"
        " dialysisSessions(first: 1, after: $after) { nodes { id } pageInfo { endCursor } }"
        " dialysisLabs(first: $labs) { nodes { id } } } }"
    )
    variables = {"id": encode("Patient", changes.patient), "labs": max(1, len(labs))}
    data = await world.a.client.data(query, variables)
    visible = (await _sessions_by_patient(world.engine, world.a.organization_id))[changes.patient]
    patient = data["patient"]
    first = patient["dialysisSessions"]
    assert first["nodes"] == [{"id": encode("DialysisSession", visible[0].id)}], (
        "a soft-deleted row used up the first place of the per-parent window"
    )
    after = {**variables, "after": first["pageInfo"]["endCursor"]}
    second = (await world.a.client.data(query, after))["patient"]["dialysisSessions"]
    assert second["nodes"] == [{"id": encode("DialysisSession", visible[1].id)}]
    assert {lab["id"] for lab in patient["dialysisLabs"]["nodes"]} == {
        encode("DialysisLab", i) for i in labs
    }, "B's lab pointing to A's patient is served, or took one of the patient's places"


async def test_references_across_organizations_resolve_to_nothing(
    private_world: tuple[World, Changes],
) -> None:
    world, changes = private_world
    session = await world.a.client.data(
        "query($id: ID!) { dialysisSession(id: $id) { machine { id serialNumber } } }",
        {"id": encode("DialysisSession", changes.cross_session)},
    )
    assert session["dialysisSession"] == {"machine": None}, "A's session served B's machine"
    from_b = await world.b.client.data(
        "query($m: ID!, $lab: ID!) {"
        " dialysisMachine(id: $m) { dialysisSessions(first: 100) { nodes { id } } }"
        " dialysisLab(id: $lab) { patient { id lastName } } }",
        {
            "m": encode("DialysisMachine", changes.foreign_machine),
            "lab": encode("DialysisLab", changes.foreign_lab),
        },
    )
    assert encode("DialysisSession", changes.cross_session) not in {
        s["id"] for s in from_b["dialysisMachine"]["dialysisSessions"]["nodes"]
    }, "B's machine listed A's session"
    assert from_b["dialysisLab"] == {"patient": None}, "B's lab served A's patient"
    nested = await world.a.client.data(
        f"{{ patients(first: {ROOT_LIMIT}) {{ nodes {{ {leaf('Patient')}"
        f" dialysisLabs(first: 100) {{ nodes {{ {leaf('DialysisLab')} }} }}"
        f" dialysisSessions(first: 100) {{ nodes {{ {leaf('DialysisSession')}"
        f" machine {{ {leaf('DialysisMachine')} }} }} }} }} }} }}",
    )
    assert check_tree(nested, world.a) > 0


# --- filters, aggregates and joined relations ---------------------------------------------------


AGGREGATE_FIELDS = {
    name: name.removesuffix("Aggregate") for name in QUERY_FIELDS if name.endswith("Aggregate")
}


@pytest.mark.parametrize("field", sorted(AGGREGATE_FIELDS))
async def test_every_root_aggregate_counts_exactly_the_callers_rows(
    world: World, field: str
) -> None:
    type_name = LIST_FIELDS[AGGREGATE_FIELDS[field]]
    model = MODELS[type_name]
    for tenant in (world.a, world.b):
        data = await tenant.client.data(f"{{ groups: {field} {{ count }} }}")
        visible = await visible_ids(world.engine, model, tenant.organization_id)
        assert [g["count"] for g in data["groups"]] == [len(visible)], field


async def test_a_filter_on_another_organizations_id_matches_nothing(world: World) -> None:
    """B's patient's global ID in A's filter: no row, no count, no aggregate group."""
    query = """query($id: ID!) {
      dialysisSessions(first: 500, where: {patientId: {eq: $id}}) { totalCount nodes { id } }
      dialysisSessionsAggregate(where: {patientId: {in: [$id]}}) { count }
      patients(first: 5, where: {id: {eq: $id}}) { nodes { id } }
    }"""
    async with world.engine.connect() as conn:
        b_patient = await conn.scalar(
            select(DialysisSession.patient_id)
            .where(
                DialysisSession.organization_id == world.b.organization_id,
                DialysisSession.deleted_at.is_(None),
            )
            .limit(1)
        )
    assert b_patient is not None
    gid = encode("Patient", b_patient)
    from_a = await world.a.client.data(query, {"id": gid})
    assert from_a["dialysisSessions"] == {"totalCount": 0, "nodes": []}
    assert from_a["dialysisSessionsAggregate"] == [{"count": 0}]
    assert from_a["patients"]["nodes"] == []
    from_b = await world.b.client.data(query, {"id": gid})  # control: B sees its own
    assert from_b["dialysisSessions"]["totalCount"] > 0
    assert from_b["patients"]["nodes"] == [{"id": gid}]


async def test_per_patient_aggregates_stay_in_the_organization(world: World) -> None:
    query = f"""{{ patients(first: {ROOT_LIMIT}) {{ nodes {{ id
      dialysisSessionsAggregate {{ count }} rpmReadingsAggregate {{ count }} }} }} }}"""
    for tenant in (world.a, world.b):
        data = await tenant.client.data(query)
        total = sum(
            group["count"]
            for patient in data["patients"]["nodes"]
            for group in patient["dialysisSessionsAggregate"]
        )
        sessions = await visible_ids(world.engine, DialysisSession, tenant.organization_id)
        assert total == len(sessions)


async def test_a_joined_relation_of_a_root_list_never_serves_another_organizations_row(
    private_world: tuple[World, Changes],
) -> None:
    """Root lists load selected to-one relations in their own statement (a join): the join
    carries the tenant filter too, so A's session pointing at B's machine shows no machine."""
    world, changes = private_world
    data = await world.a.client.data(
        f"{{ dialysisSessions(first: {ROOT_LIMIT}) {{ nodes {{ id machineId"
        f" machine {{ {leaf('DialysisMachine')} }} patient {{ {leaf('Patient')} }} }} }} }}"
    )
    nodes = {node["id"]: node for node in data["dialysisSessions"]["nodes"]}
    cross = nodes[encode("DialysisSession", changes.cross_session)]
    assert cross["machine"] is None, "the joined machine of another organization was served"
    assert check_tree(data, world.a) > len(nodes)
    assert any(node["machine"] for node in nodes.values()), "control: joins do load machines"
