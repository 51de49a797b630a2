"""The benchmark's machinery (`python -m bench`), in CI: the four servers (the API, the floor,
the naive Strawberry schema and strawberry-sqlalchemy-mapper) answer Q1-Q5 in-process on both
dialects, and only deterministic figures are checked: statements per request at Q1's sizes 10,
100 and 500, rows fetched per returned object, and that all four return the same data. Never a
time.

The dataset is the `ci` size of bench/config.py (1 organization of 520 patients, 2 months)
rather than `small` (1,000 patients, 6 months, half a minute to seed per dialect): the same
generator, sizes and operations, seeded in seconds. 520 patients keep Q1 at 500 a full page.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.engine import URL

from bench import datasets
from bench.config import token
from bench.inprocess import running
from bench.operations import (
    MAPPER_MISSING,
    Q1_SIZES,
    count_objects,
    document,
    for_mapper,
    normalize,
    operations,
)
from bench.servers import SERVERS

Q1 = [f"Q1@{n}" for n in Q1_SIZES]
# The mapper: one statement per relation, whatever the page size (the principal check, the root
# list, then one per relation the document selects).
MAPPER_STATEMENTS = {
    **dict.fromkeys(Q1, 2 + 4),  # dialysisProfile, dialysisSessions, machine, dialysisLabs
    "Q2": 2 + 15,
    "Q3": 2 + 3,  # device, program, patient (no totalCount: the mapper has none)
    "Q4": 1 + 1 + 1 + 1,  # measurements, indicator, the aggregate
    "Q5": 2,
}


@dataclass(frozen=True)
class Answer:
    statements: int
    rows: int
    objects: int
    data: Any  # normalized


@pytest.fixture(scope="module")
async def dataset(dialect: str, make_migrated_database: Callable[[str], URL]) -> datasets.Dataset:
    url = make_migrated_database(dialect)
    return await datasets.seed_into("ci", 7, dialect, url, progress=lambda _message: None)


@pytest.fixture(scope="module")
async def answers(dataset: datasets.Dataset) -> dict[tuple[str, str], Answer]:
    """Every operation on every server, asked twice (the naive schema once: its counts are
    checked against the data below, and it is slow): both answers agree in every figure."""
    bearer = token(dataset.user_id, dataset.organization_id)
    found: dict[tuple[str, str], Answer] = {}
    ops = operations(dataset)
    for name in SERVERS:
        module = importlib.import_module(f"bench.servers.{name}")
        async with running(module.create(dataset.sqlalchemy_url), bearer) as call:
            await call(ops[-1].body(mapper=name == "mapper"))  # connect, dialect set-up
            for op in ops:
                repeats = 1 if name == "naive" else 2
                replies = [await call(op.body(mapper=name == "mapper")) for _ in range(repeats)]
                answers_ = []
                for reply in replies:
                    body = reply.json
                    assert reply.status == 200 and not body.get("errors"), (name, op.key, body)
                    data = body["data"]
                    answers_.append(
                        Answer(
                            reply.statements,
                            reply.rows,
                            count_objects(normalize(data, drop=frozenset())),
                            normalize(data),
                        )
                    )
                assert answers_[0] == answers_[-1], f"{name} {op.key}: not deterministic"
                found[(name, op.key)] = answers_[0]
    _report(dataset.dialect, found, [op.key for op in ops])
    return found


def _report(dialect: str, found: dict[tuple[str, str], Answer], keys: list[str]) -> None:
    print(f"\n{dialect}: statements / rows fetched / returned objects per request")
    print(f"{'':8}" + "".join(f"{name:>20}" for name in SERVERS))
    for key in keys:
        cells = []
        for name in SERVERS:
            answer = found[(name, key)]
            cells.append(f"{answer.statements}/{answer.rows}/{answer.objects}".rjust(20))
        print(f"{key:8}" + "".join(cells))


def test_every_server_returns_the_apis_data(
    answers: dict[tuple[str, str], Answer], dataset: datasets.Dataset
) -> None:
    for op in operations(dataset):
        reference = answers[("api", op.key)]
        assert reference.objects > 0, op.key
        for name in SERVERS:
            assert answers[(name, op.key)].data == reference.data, f"{name} {op.key}"


def test_q1_pages_are_full(answers: dict[tuple[str, str], Answer]) -> None:
    for size, key in zip(Q1_SIZES, Q1, strict=True):
        page = answers[("api", key)].data["patients"]
        assert len(page["nodes"]) == size
        assert page["pageInfo"]["hasNextPage"]
    sessions = [
        s
        for p in answers[("api", "Q1@100")].data["patients"]["nodes"]
        for s in p["dialysisSessions"]["nodes"]
    ]
    assert sessions and any(s["machine"] for s in sessions)


def test_api_statements_do_not_grow_with_the_page(answers: dict[tuple[str, str], Answer]) -> None:
    counts = {key: answers[("api", key)].statements for key in Q1}
    assert len(set(counts.values())) == 1, counts


def test_floor_is_one_statement_and_one_row(
    answers: dict[tuple[str, str], Answer], dataset: datasets.Dataset
) -> None:
    for op in operations(dataset):
        answer = answers[("floor", op.key)]
        assert (answer.statements, answer.rows) == (1, 1), op.key


def test_mapper_statements_are_one_per_relation(answers: dict[tuple[str, str], Answer]) -> None:
    found = {key: answers[("mapper", key)].statements for key in MAPPER_STATEMENTS}
    assert found == MAPPER_STATEMENTS


def test_naive_statements_are_one_per_parent_relation(
    answers: dict[tuple[str, str], Answer],
) -> None:
    for size, key in zip(Q1_SIZES, Q1, strict=True):
        patients = answers[("naive", key)].data["patients"]["nodes"]
        machines = sum(1 for p in patients for s in p["dialysisSessions"]["nodes"] if s["machine"])
        # sign-in, the page, then per patient its profile, sessions and labs, per session its
        # machine
        assert answers[("naive", key)].statements == 2 + 3 * size + machines, key


def test_rows_fetched_per_returned_object(
    answers: dict[tuple[str, str], Answer], dataset: datasets.Dataset
) -> None:
    for op in operations(dataset):
        api = answers[("api", op.key)]
        naive = answers[("naive", op.key)]
        # The API reads at most one row more than it returns per statement (the look-ahead row
        # of a page), and rows joined into one (to-one relations) count once.
        assert api.rows <= api.objects + api.statements, (op.key, api)
        # The naive schema reads exactly what it returns, plus the sign-in row and the
        # look-ahead or count row of a root connection.
        assert naive.rows - naive.objects in (1, 2), (op.key, naive)
    # The mapper cannot page a relation per parent: it reads every session and lab of the page.
    for key in Q1:
        assert answers[("mapper", key)].rows > 2 * answers[("api", key)].rows, key


def test_the_mapper_gets_the_documents_in_its_shapes() -> None:
    """Its connections have `edges { node }`, no `nodes` and no `totalCount`."""
    rewritten = for_mapper(document("rpm_alerts"))
    assert "nodes" not in rewritten and "totalCount" not in rewritten
    assert "edges {" in rewritten and "node {" in rewritten
    assert set(MAPPER_MISSING) == {"totalCount"}
