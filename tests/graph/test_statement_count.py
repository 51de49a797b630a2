"""Dataloaders keep the number of SQL statements independent of the number of rows: one per
list relation per request (a per-parent page for every parent at once; to-one relations
selected on its rows are joined into it), plus the root field and the principal check. And
many root fields resolving at once never use the request's session from two tasks at the same
time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from api_client import Api, Client, statements
from sqlalchemy import func, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from graph.ids import encode
from models.database import create_engine
from models.dialyse import DialysisSession
from models.healthcare import Patient
from seed.options import SeedOptions
from seed.runner import seed_database

PATIENTS = 210
SIZES = (10, 50, 200)

# Six patient-centric lists, two of them with a to-one relation below (joined into the list's
# own statement, so they cost none).
PATIENT_QUERY = """query($n: Int!) {
  patients(first: $n) { nodes {
    id lastName
    dialysisSessions(first: 5) { nodes { id sessionDate machineId machine { id serialNumber } } }
    dialysisLabs(first: 5) { nodes { id } }
    ecgs(first: 5) { nodes { id } }
    consultations(first: 5) { nodes { id } }
    rpmReadings(first: 5) { nodes { id deviceId device { id deviceType } } }
    portalAccounts(first: 5) { nodes { id } }
  } }
}"""
PATIENT_LISTS = (
    "dialysisSessions",
    "dialysisLabs",
    "ecgs",
    "consultations",
    "rpmReadings",
    "portalAccounts",
)
RELATIONS = len(PATIENT_LISTS)


@pytest.fixture(scope="module")
async def engine(
    dialect: str, make_migrated_database: Callable[[str], URL]
) -> AsyncIterator[AsyncEngine]:
    """A private database with more than 200 patients in one organization; a plain engine of
    it, for the expected data."""
    engine = create_engine(make_migrated_database(dialect))
    options = SeedOptions(
        organizations=1, patients_per_org=PATIENTS, months=1, seed=5, rpm_readings_per_day=0.5
    )
    try:
        await seed_database(engine, options)
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
async def client(api: Api, engine: AsyncEngine) -> Client:
    """A member of that organization; the statements of its app are the ones counted."""
    client = await api(engine.url, org=0, roles=["admin"])  # portal accounts: admin only
    await client.data("{ me { userId } }")  # warm up: connect, dialect initialization
    return client


def _reached(patients: list[dict[str, Any]]) -> int:
    """How many relations had parents to load for: every list (there are patients); the
    to-one relations below them come with their list's rows."""
    return len(PATIENT_LISTS) if patients else 0


async def test_statements_do_not_grow_with_the_number_of_patients(client: Client) -> None:
    counts: dict[int, int] = {}
    for size in SIZES:
        with statements(client) as seen:
            data = await client.data(PATIENT_QUERY, {"n": size})
        patients = data["patients"]["nodes"]
        assert len(patients) == size, "the database must hold enough patients for this size"
        expected = 2 + _reached(patients)  # principal check + root + one per relation reached
        assert len(seen) == expected, (
            f"patients(first: {size}) ran {len(seen)} statements, expected {expected}:\n"
            + "\n".join(statement.sql[:160] for statement in seen)
        )
        counts[size] = len(seen)
    assert len(set(counts.values())) == 1, f"statements per size: {counts}"
    assert max(counts.values()) <= RELATIONS + 2


async def test_the_statement_count_test_loads_real_rows(client: Client) -> None:
    """Guards the test above: the relations it counts return rows (not only empty lists)."""
    data = await client.data(PATIENT_QUERY, {"n": 200})
    patients = data["patients"]["nodes"]
    sessions = [s for p in patients for s in p["dialysisSessions"]["nodes"]]
    assert sessions and any(s["machine"] for s in sessions)
    assert any(p["dialysisLabs"]["nodes"] for p in patients)
    assert any(p["ecgs"]["nodes"] for p in patients)
    assert any(p["consultations"]["nodes"] for p in patients)
    # Objects below lists resolve to the row their foreign key names.
    for session in sessions:
        if session["machineId"]:
            assert session["machine"]["id"] == session["machineId"]


async def test_nested_lists_match_the_database(client: Client, engine: AsyncEngine) -> None:
    """Per-parent windows give each patient its own newest sessions, at most `first`."""
    data = await client.data(PATIENT_QUERY, {"n": 200})
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(DialysisSession.id, DialysisSession.patient_id)
            .where(DialysisSession.deleted_at.is_(None))
            .order_by(
                DialysisSession.patient_id,
                DialysisSession.session_date.desc(),
                DialysisSession.id,
            )
        )
        newest: dict[str, list[str]] = {}
        for row in rows:
            newest.setdefault(encode("Patient", row.patient_id), []).append(
                encode("DialysisSession", row.id)
            )
    for patient in data["patients"]["nodes"]:
        got = [s["id"] for s in patient["dialysisSessions"]["nodes"]]
        assert got == newest.get(patient["id"], [])[:5]


# --- many root fields at once -----------------------------------------------------------------


def _aliased_query(patient_ids: list[str]) -> str:
    """20 aliased root fields, each hitting the database, most with nested relations."""
    parts = []
    for i in range(8):
        parts.append(
            f"p{i}: patients(first: {10 + i}) {{ nodes {{ id lastName"
            " dialysisSessions(first: 3) { nodes { id machine { id serialNumber } } }"
            " ecgs(first: 2) { nodes { id } } consultations(first: 2) { nodes { id } } } }"
        )
    for i in range(4):
        parts.append(
            f"s{i}: dialysisSessions(first: {20 + i}) {{ nodes {{ id patient {{ id lastName }}"
            " machine { id dialysisSessions(first: 2) { nodes { id } } } } }"
        )
    parts.append(
        "m0: dialysisMachines(first: 50) { nodes { id"
        " dialysisSessions(first: 3) { nodes { id } } } }"
    )
    parts.append("l0: dialysisLabs(first: 50) { nodes { id patient { id firstName } } }")
    parts.append("c0: consultations(first: 50) { nodes { id patient { id } } }")
    parts.append("u0: users(first: 50) { nodes { id email } }")
    for i, patient_id in enumerate(patient_ids[:3]):
        parts.append(
            f'one{i}: patient(id: "{patient_id}") {{ id'
            " dialysisSessions(first: 4) { nodes { id } } }"
        )
    parts.append(
        f"n0: nodes(ids: {patient_ids[3:6]!r}) {{ id ... on Patient {{ lastName }} }}".replace(
            "'", '"'
        )
    )
    assert len(parts) == 20
    return "{ " + " ".join(parts) + " }"


@pytest.fixture
def session_overlap(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The most statements one AsyncSession ever had in flight at the same time."""
    in_flight: dict[int, int] = {}
    worst = {"max": 0, "calls": 0}
    original = AsyncSession.execute

    async def execute(self: AsyncSession, *args: Any, **kwargs: Any) -> Any:
        key = id(self)
        in_flight[key] = in_flight.get(key, 0) + 1
        worst["max"] = max(worst["max"], in_flight[key])
        worst["calls"] += 1
        try:
            await asyncio.sleep(0)  # give any other task the chance to enter too
            return await original(self, *args, **kwargs)
        finally:
            in_flight[key] -= 1

    monkeypatch.setattr(AsyncSession, "execute", execute)
    return worst


async def test_twenty_root_fields_at_once_share_the_session_safely(
    client: Client, engine: AsyncEngine, session_overlap: dict[str, int]
) -> None:
    async with engine.connect() as conn:
        raw_ids = list(
            await conn.scalars(
                select(Patient.id).where(Patient.deleted_at.is_(None)).order_by(Patient.id).limit(6)
            )
        )
    query = _aliased_query([encode("Patient", i) for i in raw_ids])
    answers = [await client.data(query) for _ in range(3)]
    answers += await asyncio.gather(*(client.data(query) for _ in range(3)))
    assert session_overlap["calls"] > 20
    assert session_overlap["max"] == 1, "the request's session ran two statements at once"
    first = answers[0]
    assert all(answer == first for answer in answers[1:])
    # Each aliased field gives what it gives alone, in a request of its own.
    for alias, value in first.items():
        alone = await client.data(_single(query, alias))
        assert alone[alias] == value, f"{alias} differs when resolved alongside 19 others"
    # And the data is right, not merely consistent.
    async with engine.connect() as conn:
        visible = await conn.scalar(
            select(func.count()).select_from(Patient).where(Patient.deleted_at.is_(None))
        )
    # Pages of one order are prefixes of each other, and hold distinct, visible patients.
    longest = [p["id"] for p in first["p7"]["nodes"]]
    assert len(longest) == len(set(longest)) == min(17, visible or 0)
    for i in range(7):
        assert [p["id"] for p in first[f"p{i}"]["nodes"]] == longest[: 10 + i]
    assert [p["id"] for p in first["n0"]] == [encode("Patient", i) for i in raw_ids[3:6]]
    assert [p["id"] for p in (first["one0"], first["one1"], first["one2"])] == [
        encode("Patient", i) for i in raw_ids[:3]
    ]


def _single(query: str, alias: str) -> str:
    """The part of `_aliased_query` for one alias, as a query of its own."""
    body = query[2:-2]
    start = body.index(f"{alias}: ")
    depth, end = 0, start
    for end in range(start, len(body)):
        if body[end] == "{":
            depth += 1
        elif body[end] == "}":
            depth -= 1
            if depth == 0:
                break
    return "{ " + body[start : end + 1] + " }"


async def test_nested_pages_load_only_the_columns_they_serve(client: Client) -> None:
    """A page of labs that serves two fields does not load (nor decode) `all_results`; a
    computed field, which may read any column, loads the whole row. Both answer alike."""

    def lab_statement(seen: list[Any]) -> str:
        """The columns the statement of the labs returns (its outer SELECT list)."""
        (sql,) = [s.sql for s in seen if "dialyse_labs" in s.sql]
        return sql.split("FROM", 1)[0]

    narrow = "{ patients(first: 20) { nodes { dialysisLabs(first: 3) { nodes { id labDate } } } } }"
    with statements(client) as seen:
        few = await client.data(narrow)
    sql = lab_statement(seen)
    assert "lab_date" in sql and "all_results" not in sql and "hemoglobin" not in sql
    wide = (
        "{ patients(first: 20) { nodes { dialysisLabs(first: 3) {"
        " nodes { id labDate egfrCkdEpi2021 { value } } } } } }"
    )
    with statements(client) as seen:
        every = await client.data(wide)
    assert "all_results" in lab_statement(seen)
    for patient_few, patient_every in zip(
        few["patients"]["nodes"], every["patients"]["nodes"], strict=True
    ):
        labs = patient_every["dialysisLabs"]["nodes"]
        assert patient_few["dialysisLabs"]["nodes"] == [
            {"id": lab["id"], "labDate": lab["labDate"]} for lab in labs
        ]
    assert any(p["dialysisLabs"]["nodes"] for p in few["patients"]["nodes"])


async def test_a_row_loaded_narrow_then_whole_serves_every_field(client: Client) -> None:
    """The same session, first in a nested page that loads two columns, then in a root list
    that reads more: the session's identity is shared, and the second read fills it in."""
    data = await client.data(
        "{ patients(first: 30) { nodes { dialysisSessions(first: 2) { nodes { id ktv } } } }"
        " dialysisSessions(first: 200) { nodes { id ktv preWeight notes status } } }"
    )
    whole = {s["id"]: s for s in data["dialysisSessions"]["nodes"]}
    nested = [s for p in data["patients"]["nodes"] for s in p["dialysisSessions"]["nodes"]]
    shared = [s for s in nested if s["id"] in whole]
    assert shared, "the test needs sessions in both lists"
    for session in shared:
        assert session["ktv"] == whole[session["id"]]["ktv"]
