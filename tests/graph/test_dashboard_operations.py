"""The five dashboard operations of queries/*.graphql (Q1 Roster, Q2 PatientChart, Q3 RpmAlerts,
Q4 QualityDashboard, Q5 PatientSearch) on one organization of 520 patients: the number of SQL
statements per request (principal check and root included) does not depend on the page size and
stays within each operation's budget, and every statement they run reads `dialyse_sessions`,
`dialyse_labs` and `rpm_readings` through an index, never by a full scan (nor, on SQLite, by
the organization alone: see `full_scans`).

Sizes per operation (documented here because the data decides what is meaningful):

- Q1 `first` 10, 100, 500 (the organization has 520 patients).
- Q2 has no size: the same document for the three patients with data in the most modules.
- Q3 `first` 10, 100, 500 and `since` = the data's instant minus 24 h, moved back a day at a
  time until at least 500 out-of-range readings follow it (24 h hold a few dozen).
- Q4 has no size: `since`/`sinceDay` 12 months back, run three times.
- Q5 `text: "m"` at `first` 10, 100, 500: a one-letter prefix that matches every patient,
  through the medical record numbers (`MRN-…`) as well as names starting with M (a prefix of
  names alone matches fewer than 100 patients here).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from api_client import Api, Client, Statement, statements
from graphql import (
    GraphQLObjectType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    visit,
)
from sqlalchemy import func, select, true, union_all
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from graph.ids import encode
from graph.schema import schema
from models.base import Base
from models.database import create_engine
from models.rpm import RpmReading
from seed.options import SeedOptions
from seed.runner import seed_database

QUERIES = Path(__file__).resolve().parents[2] / "queries"
OPTIONS = SeedOptions(
    organizations=1,
    patients_per_org=520,
    months=2,
    seed=11,
    # 3 a day (not 2): two months of 2 a day hold fewer than 500 out-of-range readings.
    rpm_readings_per_day=3,
    as_of=dt.date(2026, 10, 31),
)
INSTANT = OPTIONS.clock  # the instant the data describes: 2026-10-31 17:00 UTC
SIZES = (10, 100, 500)
SEARCH_TEXT = "m"
# Tables whose full scan would grow with the organization (and with every organization).
GUARDED = ("dialyse_sessions", "dialyse_labs", "rpm_readings")
TENANT_ONLY = re.compile(r"SEARCH \w+ USING (COVERING )?INDEX \w+ \(organization_id=\?\)$")
# The patient-centric tables Q2 reads, to choose patients with data in many modules.
CHART_TABLES = (
    "dialyse_patients",
    "dialyse_sessions",
    "dialyse_labs",
    "cardiology_patients",
    "cardiology_ecgs",
    "cardiology_echos",
    "ophthalmology_patients",
    "ophthalmology_biometry",
    "ophthalmology_surgeries",
    "healthcare_consultations",
    "healthcare_appointments",
    "rpm_readings",
    "rpm_alerts",
    "cdss_recommendations",
    "imaging_analyses",
)


def operation(name: str) -> str:
    return (QUERIES / f"{name}.graphql").read_text(encoding="utf-8")


ROSTER = operation("roster")
CHART = operation("patient_chart")
ALERTS = operation("rpm_alerts")
QUALITY = operation("quality_dashboard")
SEARCH = operation("patient_search")


def patient_relations(document: str) -> list[str]:
    """The fields selected on `Patient` whose type is an object type or a connection (each a
    relation with its own load), walking the document against the schema."""
    graphql_schema = schema._schema
    type_info = TypeInfo(graphql_schema)
    found: list[str] = []

    class Relations(Visitor):
        def enter_field(self, node: Any, *_args: Any) -> None:
            parent = type_info.get_parent_type()
            field = type_info.get_field_def()
            if parent is None or field is None or parent.name != "Patient":
                return
            if isinstance(get_named_type(field.type), GraphQLObjectType):
                found.append(node.name.value)

    visit(parse(document), TypeInfoVisitor(type_info, Relations()))
    return found


def test_patient_relations_walks_the_document() -> None:
    document = """query($id: ID!) { patient(id: $id) { id firstName
      dialysisProfile { dialysisType }
      ... on Patient { ecgs(first: 1) { nodes { id } } }
      appointments(first: 2) { totalCount nodes { status patient { id } } } } }"""
    assert patient_relations(document) == ["dialysisProfile", "ecgs", "appointments"]


# --- the dataset --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    url: URL
    seed_seconds: float
    alerts_since: dt.datetime  # Q3 `since`
    chart_patients: tuple[str, ...]  # Q2: global ids of the three patients with most modules
    chart_modules: int  # how many of CHART_TABLES the least of them has rows in


@pytest.fixture(scope="module")
async def dataset(dialect: str, make_migrated_database: Callable[[str], URL]) -> Dataset:
    url = make_migrated_database(dialect)
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        await seed_database(engine, OPTIONS)
        seconds = time.perf_counter() - started
        if dialect == "postgresql":
            # Plans from statistics of this data, not from whenever autovacuum gets to it.
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.exec_driver_sql("ANALYZE")
        async with engine.connect() as conn:
            since = await _alerts_since(conn)
            chart = await _chart_patients(conn)
    finally:
        await engine.dispose()
    print(f"\n{dialect}: seeded in {seconds:.1f} s; Q3 since {since.isoformat()}")
    return Dataset(
        url, seconds, since, tuple(encode("Patient", p) for p, _ in chart), min(n for _, n in chart)
    )


async def _alerts_since(conn: Any) -> dt.datetime:
    """INSTANT - 24 h, or whole days earlier until 500 out-of-range readings follow it."""
    since = INSTANT - dt.timedelta(hours=24)
    while since > INSTANT - dt.timedelta(days=31 * OPTIONS.months):
        matching = await conn.scalar(
            select(func.count())
            .select_from(RpmReading)
            .where(
                RpmReading.is_out_of_range.is_(true()),
                RpmReading.timestamp >= since,
                RpmReading.deleted_at.is_(None),
            )
        )
        if matching >= max(SIZES):
            return since
        since -= dt.timedelta(days=1)
    raise AssertionError("the dataset holds fewer than 500 out-of-range readings")


async def _chart_patients(conn: Any) -> list[tuple[str, int]]:
    """The three patients with rows in the most of CHART_TABLES (ties by id)."""
    parts = []
    for name in CHART_TABLES:
        table = Base.metadata.tables[name]
        parts.append(select(table.c.patient_id.label("patient_id")).distinct())
    modules = union_all(*parts).subquery()
    rows = await conn.execute(
        select(modules.c.patient_id, func.count().label("n"))
        .group_by(modules.c.patient_id)
        .order_by(func.count().desc(), modules.c.patient_id)
        .limit(3)
    )
    return [(str(row.patient_id), int(row.n)) for row in rows]


@pytest.fixture(scope="module")
async def client(api: Api, dataset: Dataset) -> Client:
    """A member of the organization; the statements of its app are the ones counted."""
    client = await api(dataset.url, org=0)
    await client.data("{ me { userId } }")  # warm up: connect, dialect initialization
    return client


# --- statements ---------------------------------------------------------------------------------


def listing(seen: list[Statement]) -> str:
    return "\n".join(f"  {i}. {' '.join(s.sql.split())[:400]}" for i, s in enumerate(seen, 1))


async def run(client: Client, document: str, variables: dict[str, Any]) -> tuple[Any, list[Any]]:
    """The data of one request and the statements it ran; the principal check must be one."""
    with statements(client) as seen:
        data = await client.data(document, variables)
    assert data and all(value is not None for value in data.values()), data
    principal = [s for s in seen if "organization_members" in s.sql]
    assert len(principal) == 1, f"principal check not seen once:\n{listing(seen)}"
    return data, seen


def check_counts(name: str, counts: dict[Any, list[Statement]], budget: int) -> None:
    sizes = {size: len(seen) for size, seen in counts.items()}
    detail = "\n".join(f"{size}:\n{listing(seen)}" for size, seen in counts.items())
    print(f"{name}: statements {sizes} (budget {budget})")
    assert len(set(sizes.values())) == 1, f"{name}: statements differ {sizes}\n{detail}"
    assert max(sizes.values()) <= budget, f"{name}: {sizes} over {budget}\n{detail}"


# --- Q1 to Q5: statements per request -----------------------------------------------------------


async def test_roster_statements(client: Client) -> None:
    counts: dict[Any, list[Statement]] = {}
    for size in SIZES:
        data, counts[size] = await run(client, ROSTER, {"first": size})
        patients = data["patients"]["nodes"]
        assert len(patients) == size
        if size == 100:
            sessions = [s for p in patients for s in p["dialysisSessions"]["nodes"]]
            assert sessions and any(s["machine"] for s in sessions)
            assert any(p["dialysisProfile"] for p in patients)
            assert any(p["dialysisLabs"]["nodes"] for p in patients)
    check_counts("Q1 Roster", counts, 6)


async def test_patient_chart_statements(client: Client, dataset: Dataset) -> None:
    relations = patient_relations(CHART)
    assert len(relations) >= 10, relations
    assert dataset.chart_modules >= 10, "the chosen patients have data in few modules"
    counts: dict[Any, list[Statement]] = {}
    for patient in dataset.chart_patients:
        data, counts[patient] = await run(client, CHART, {"id": patient})
        chart = data["patient"]
        filled = [r for r in relations if chart[r] and chart[r].get("nodes", True)]
        assert len(filled) >= 10, f"{patient}: data in {filled} only"
    check_counts("Q2 PatientChart", counts, 2 + len(relations))


async def test_rpm_alerts_statements(client: Client, dataset: Dataset) -> None:
    counts: dict[Any, list[Statement]] = {}
    for size in SIZES:
        variables = {"since": dataset.alerts_since.isoformat(), "first": size}
        data, counts[size] = await run(client, ALERTS, variables)
        readings = data["rpmReadings"]
        assert len(readings["nodes"]) == size
        if "totalCount" in readings:
            assert readings["totalCount"] >= max(SIZES)
        assert all(r["patient"] for r in readings["nodes"])
        # Readings entered by hand have no device.
        assert any(r["device"] for r in readings["nodes"])
        assert any(r["program"] for r in readings["nodes"])
    check_counts("Q3 RpmAlerts", counts, 4)


async def test_quality_dashboard_statements(client: Client) -> None:
    since = INSTANT - dt.timedelta(days=365)
    variables = {"since": since.isoformat(), "sinceDay": since.date().isoformat()}
    counts: dict[Any, list[Statement]] = {}
    for run_number in (1, 2, 3):
        data, counts[run_number] = await run(client, QUALITY, variables)
        measurements = data["qualityMeasurements"]["nodes"]
        assert measurements and all(m["indicator"] for m in measurements)
        groups = data["dialysisSessionsAggregate"]
        assert groups and all(g["count"] and g["keys"]["bucket"] for g in groups)
    check_counts("Q4 QualityDashboard", counts, 3)


async def test_patient_search_statements(client: Client) -> None:
    counts: dict[Any, list[Statement]] = {}
    for size in SIZES:
        data, counts[size] = await run(client, SEARCH, {"text": SEARCH_TEXT, "first": size})
        found = data["patients"]
        assert len(found["nodes"]) == size  # every patient matches: sizes are full pages
        if "pageInfo" in found:
            assert found["pageInfo"]["hasNextPage"]
        if "totalCount" in found:
            assert found["totalCount"] >= max(SIZES)
    check_counts("Q5 PatientSearch", counts, 2)


# --- EXPLAIN: an index for every filter and order -----------------------------------------------


def operations(dataset: Dataset) -> dict[str, tuple[str, dict[str, Any]]]:
    since = INSTANT - dt.timedelta(days=365)
    return {
        "Q1 Roster": (ROSTER, {"first": 100}),
        "Q2 PatientChart": (CHART, {"id": dataset.chart_patients[0]}),
        "Q3 RpmAlerts": (ALERTS, {"since": dataset.alerts_since.isoformat(), "first": 100}),
        "Q4 QualityDashboard": (
            QUALITY,
            {"since": since.isoformat(), "sinceDay": since.date().isoformat()},
        ),
        "Q5 PatientSearch": (SEARCH, {"text": SEARCH_TEXT, "first": 100}),
    }


def _names(sql: str) -> set[str]:
    """The guarded tables of a statement and the aliases it gives them."""
    names = set()
    for table in GUARDED:
        if re.search(rf"\b{table}\b", sql):
            names.add(table)
            names.update(re.findall(rf"\b{table}\s+AS\s+(\w+)", sql, flags=re.IGNORECASE))
    return names


async def full_scans(engine: AsyncEngine, statement: Statement) -> tuple[list[str], list[str]]:
    """The plan lines that read a guarded table in full, and the plan's lines about guarded
    tables."""
    names = _names(statement.sql)
    parameters = tuple(statement.parameters or ())
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            result = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement.sql, parameters)
            lines = [str(row.detail) for row in result]
            read = [line for line in lines if set(re.findall(r"\w+", line)) & names]
            # `SCAN t` reads all of t, `SCAN t USING [COVERING] INDEX i` all of index i, and a
            # search on the organization alone all of the organization's rows: each grows with
            # the table. SQLite plans without statistics (the app never runs ANALYZE), so such
            # a choice means no index serves the statement's other conditions.
            bad = [line for line in read if line.startswith("SCAN ") or TENANT_ONLY.match(line)]
            return bad, read
        # Small tables may legitimately be read in full; without sequential scans the planner
        # still chooses one when no index can serve the statement.
        await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        result = await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement.sql, parameters)
        plan = result.scalar_one()
        plan = json.loads(plan) if isinstance(plan, str) else plan
        bad, read = [], []
        for node in _plan_nodes(plan[0]["Plan"]):
            index = node.get("Index Name") or ""  # bitmap index scans name no relation
            if node.get("Relation Name") not in GUARDED and not any(t in index for t in GUARDED):
                continue
            kind = node["Node Type"]
            line = " ".join(
                str(part)
                for part in (
                    kind,
                    node.get("Relation Name", ""),
                    node.get("Index Name", ""),
                    node.get("Index Cond", ""),
                    node.get("Filter", ""),
                )
                if part
            )
            read.append(line)
            # A sequential scan, or an index walked from end to end (no condition on it).
            if kind == "Seq Scan" or (
                kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node
            ):
                bad.append(line)
        return bad, read


def _plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from _plan_nodes(child)


async def test_dashboard_plans_use_indexes(client: Client, dataset: Dataset) -> None:
    problems, summary = [], []
    for name, (document, variables) in operations(dataset).items():
        _data, seen = await run(client, document, variables)
        examined = 0
        for statement in seen:
            if not statement.sql.lstrip().upper().startswith("SELECT"):
                continue
            if not _names(statement.sql):
                continue
            examined += 1
            bad, read = await full_scans(client.engine, statement)
            summary += [f"{name}: {line[:200]}" for line in read]
            if bad:
                problems.append(
                    f"{name}: {bad}\n  statement: {' '.join(statement.sql.split())}\n"
                    f"  parameters: {statement.parameters}\n  plan: {read}"
                )
        if name != "Q5 PatientSearch":
            assert examined, f"{name} read none of {GUARDED}: the check would be vacuous"
    print("\n".join(summary))
    assert not problems, "full scans of guarded tables:\n\n" + "\n\n".join(problems)


def _inside(nodes: dict[int, tuple[int, str]], node: int, ancestor: int) -> bool:
    """Whether plan node `node` lies under `ancestor` (EXPLAIN QUERY PLAN's id/parent)."""
    while node in nodes:
        node = nodes[node][0]
        if node == ancestor:
            return True
    return False


async def test_the_rosters_nested_pages_are_read_from_the_index_without_a_sort(
    client: Client, dataset: Dataset
) -> None:
    """SQLite: each patient's page of sessions and of labs is a correlated `LIMIT` walking the
    `(organization_id, patient_id, <date> DESC, id)` serving index in the page's whole order,
    so no page reads or sorts more than its own rows; the rows picked are then looked up by
    rowid, and the only sort left numbers those picked rows (at most first + 1 per parent)."""
    if client.engine.dialect.name != "sqlite":
        pytest.skip("`USE TEMP B-TREE` is SQLite's plan wording; PostgreSQL pages by LATERAL")
    document, variables = operations(dataset)["Q1 Roster"]
    _data, seen = await run(client, document, variables)
    pages = [s for s in seen if "json_each" in s.sql]
    assert len(pages) == 2, listing(seen)  # sessions (with their machine) and labs
    async with client.engine.connect() as conn:
        for page in pages:
            plan = await conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + page.sql, tuple(page.parameters or ())
            )
            nodes = {row.id: (row.parent, str(row.detail)) for row in plan}
            subquery = [i for i, (_, detail) in nodes.items() if "CORRELATED" in detail]
            assert len(subquery) == 1, nodes

            picks = [detail for i, (_, detail) in nodes.items() if _inside(nodes, i, subquery[0])]
            assert len(picks) == 1, picks  # one index search, nothing sorted
            assert re.search(r"USING INDEX \w+ \(organization_id=\? AND patient_id=\?\)", picks[0])
            assert "rowid=?" in " ".join(detail for _, detail in nodes.values()), nodes


async def test_the_rosters_page_of_patients_is_read_in_index_order(
    client: Client, dataset: Dataset
) -> None:
    """The roster's order (last name, first name, id) is the serving index
    `(organization_id, last_name, first_name, id)`: a page reads its rows in order instead
    of sorting every patient of the organization (SQLite's `USE TEMP B-TREE FOR ORDER BY`;
    PostgreSQL's `Sort` over the organization's rows)."""
    document, variables = operations(dataset)["Q1 Roster"]
    _data, seen = await run(client, document, variables)
    (page,) = [
        s for s in seen if re.match(r"\s*SELECT .*?\sFROM healthcare_patients\b", s.sql, re.S)
    ]
    async with client.engine.connect() as conn:
        if client.engine.dialect.name == "sqlite":
            rows = await conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + page.sql, tuple(page.parameters or ())
            )
            plan = [str(row.detail) for row in rows]
            assert not [d for d in plan if "TEMP B-TREE" in d], plan
            assert any("api_healthcare_patients_org_name_order" in d for d in plan), plan
        else:
            explained = await conn.exec_driver_sql(
                "EXPLAIN (FORMAT JSON) " + page.sql, tuple(page.parameters or ())
            )
            nodes = list(_plan_nodes(explained.scalar()[0]["Plan"]))
            assert not [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort")], nodes


async def test_the_plan_check_sees_a_full_scan(client: Client) -> None:
    """Guards the test above: a filter no index serves is reported."""
    sql = "SELECT id FROM dialyse_labs AS labs WHERE hemoglobin > 11 ORDER BY potassium"
    bad, _read = await full_scans(client.engine, Statement(sql, ()))
    assert bad
