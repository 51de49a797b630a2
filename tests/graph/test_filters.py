"""`where` filters and aggregates against the same predicate evaluated in Python over the
organization's rows (SQL's three-valued logic: a comparison with a missing value is unknown,
and only rows whose condition is true are returned).

Random where trees come from Hypothesis: the trees are drawn first (a synchronous `@given`
collects them), then each runs against the API of the seeded database.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest
from api_client import Api, Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import URL

from graph.ids import encode
from models.dialyse import DialysisSession

Row = dict[str, Any]
Tree = dict[str, Any]
STATUSES = ["scheduled", "checked_in", "in_progress", "completed", "cancelled", "no_show"]
FIELDS = ("id", "status", "session_date", "ktv", "duration_minutes", "pre_weight", "machine_id")
EXAMPLES = 60


@pytest.fixture(scope="module")
async def world(api: Api, seeded_url: URL) -> tuple[Client, list[Row], list[str]]:
    """A member of the first organization, its visible sessions, and machine ids of both."""
    client = await api(seeded_url, org=0)
    columns = [getattr(DialysisSession, f) for f in FIELDS]
    async with client.engine.connect() as conn:
        found = await conn.execute(
            select(*columns, DialysisSession.organization_id).where(
                DialysisSession.deleted_at.is_(None)
            )
        )
        everything = [dict(row._mapping) for row in found]
    own = [r for r in everything if r["organization_id"] == client.organization_id]
    assert 20 < len(own) < 500, "the test reads one page: the organization must fit"
    machines = sorted({r["machine_id"] for r in everything if r["machine_id"]})
    return client, own, machines


# --- the trees ---------------------------------------------------------------------------------


def _leaf(rows: list[Row], machines: list[str]) -> st.SearchStrategy[tuple[str, Tree]]:
    dates = sorted({r["session_date"] for r in rows})
    ktvs = sorted({r["ktv"] for r in rows if r["ktv"] is not None})
    minutes = sorted({r["duration_minutes"] for r in rows if r["duration_minutes"] is not None})
    ids = [r["id"] for r in rows]
    status = st.sampled_from(STATUSES)
    return st.one_of(
        st.tuples(st.just("status"), st.builds(lambda v: {"eq": v}, status)),
        st.tuples(st.just("status"), st.builds(lambda v: {"ne": v}, status)),
        st.tuples(st.just("status"), st.builds(lambda v: {"in": v}, st.lists(status, max_size=3))),
        st.tuples(st.just("status"),
                  st.builds(lambda v: {"notIn": v}, st.lists(status, max_size=3))),
        st.tuples(st.just("sessionDate"), st.builds(lambda op, v: {op: v},
                  st.sampled_from(["eq", "lt", "lte", "gt", "gte", "ne"]), st.sampled_from(dates))),
        st.tuples(st.just("ktv"), st.builds(lambda op, v: {op: v},
                  st.sampled_from(["lt", "lte", "gt", "gte", "eq"]), st.sampled_from(ktvs))),
        st.tuples(st.just("ktv"), st.builds(lambda v: {"isNull": v}, st.booleans())),
        st.tuples(st.just("durationMinutes"), st.builds(lambda op, v: {op: v},
                  st.sampled_from(["lt", "gte", "ne"]), st.sampled_from(minutes))),
        st.tuples(st.just("machineId"), st.builds(lambda v: {"eq": v}, st.sampled_from(machines))),
        st.tuples(st.just("machineId"), st.builds(lambda v: {"in": v},
                  st.lists(st.sampled_from(machines), max_size=3))),
        st.tuples(st.just("machineId"), st.builds(lambda v: {"isNull": v}, st.booleans())),
        st.tuples(st.just("id"), st.builds(lambda v: {"in": v},
                  st.lists(st.sampled_from(ids), max_size=4))),
    )  # fmt: skip


def trees(rows: list[Row], machines: list[str]) -> st.SearchStrategy[Tree]:
    leaf = _leaf(rows, machines).map(lambda pair: {pair[0]: pair[1]})
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.builds(lambda items: {"AND": items}, st.lists(inner, max_size=3)),
            st.builds(lambda items: {"OR": items}, st.lists(inner, max_size=3)),
            st.builds(lambda item: {"NOT": item}, inner),
            st.builds(lambda a, b: {**a, **b}, inner, leaf),
        ),
        max_leaves=6,
    )


def draw(strategy: st.SearchStrategy[Tree]) -> list[Tree]:
    """EXAMPLES trees from Hypothesis, reproducibly (derandomized)."""
    drawn: list[Tree] = []

    @settings(max_examples=EXAMPLES, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(strategy)
    def collect(tree: Tree) -> None:
        drawn.append(tree)

    collect()
    return drawn


# --- Python's reading of a tree ----------------------------------------------------------------

ATTRIBUTES = {
    "status": "status",
    "sessionDate": "session_date",
    "ktv": "ktv",
    "durationMinutes": "duration_minutes",
    "machineId": "machine_id",
    "id": "id",
}
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "in": lambda a, b: a in b,
    "notIn": lambda a, b: a not in b,
}


def _and(values: list[bool | None]) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _or(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def evaluate(tree: Tree, row: Row) -> bool | None:
    parts: list[bool | None] = []
    for key, value in tree.items():
        if key == "AND":
            parts.append(_and([evaluate(t, row) for t in value]))
        elif key == "OR":
            parts.append(_or([evaluate(t, row) for t in value]))
        elif key == "NOT":
            inner = evaluate(value, row)
            parts.append(None if inner is None else not inner)
        else:
            cell = row[ATTRIBUTES[key]]
            for operator, operand in value.items():
                if operator == "isNull":
                    parts.append((cell is None) == operand)
                else:
                    parts.append(None if cell is None else COMPARE[operator](cell, operand))
    return _and(parts)


def to_graphql(tree: Tree) -> Tree:
    """The tree as GraphQL variables: enum names, global IDs, ISO dates."""
    out: Tree = {}
    for key, value in tree.items():
        if key in ("AND", "OR"):
            out[key] = [to_graphql(t) for t in value]
        elif key == "NOT":
            out[key] = to_graphql(value)
        else:
            out[key] = {op: _gql(key, v) for op, v in value.items()}
    return out


def _gql(field: str, value: Any) -> Any:
    if isinstance(value, list):
        return [_gql(field, v) for v in value]
    if field == "status" and isinstance(value, str):
        return value.upper()
    if field == "machineId" and isinstance(value, str):
        return encode("DialysisMachine", value)
    if field == "id" and isinstance(value, str):
        return encode("DialysisSession", value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --- the properties ----------------------------------------------------------------------------

LIST = """query($where: DialysisSessionWhere) {
  dialysisSessions(first: 500, where: $where) { totalCount nodes { id } }
}"""


async def test_random_where_trees_select_what_python_selects(
    world: tuple[Client, list[Row], list[str]],
) -> None:
    client, rows, machines = world
    matched_some = 0
    for tree in draw(trees(rows, machines)):
        expected = {encode("DialysisSession", r["id"]) for r in rows if evaluate(tree, r) is True}
        data = await client.data(LIST, {"where": to_graphql(tree)})
        got = [node["id"] for node in data["dialysisSessions"]["nodes"]]
        assert set(got) == expected and len(got) == len(expected), tree
        assert data["dialysisSessions"]["totalCount"] == len(expected), tree
        matched_some += 0 < len(expected) < len(rows)
    assert matched_some > EXAMPLES // 6, "the trees must select proper subsets"


AGGREGATE = """query($where: DialysisSessionWhere) {
  byStatus: dialysisSessionsAggregate(where: $where, groupBy: [STATUS]) {
    keys { status } count avg { ktv preWeight } min { ktv } max { ktv } sum { durationMinutes }
  }
  byMonth: dialysisSessionsAggregate(where: $where, bucket: {field: SESSION_DATE, unit: MONTH}) {
    keys { bucket } count
  }
  all: dialysisSessionsAggregate(where: $where) { count avg { ktv } }
}"""


def _figures(rows: list[Row], field: str) -> tuple[float | None, ...]:
    values = [r[field] for r in rows if r[field] is not None]
    if not values:
        return (None, None, None, None)
    return (sum(values) / len(values), min(values), max(values), float(sum(values)))


def _close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (
        a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    )


async def test_aggregates_equal_figures_computed_in_python(
    world: tuple[Client, list[Row], list[str]],
) -> None:
    client, rows, machines = world
    for tree in [{}, *draw(trees(rows, machines))[:25]]:
        chosen = [r for r in rows if evaluate(tree, r) is True]
        data = await client.data(AGGREGATE, {"where": to_graphql(tree) if tree else None})
        by_status: dict[str, list[Row]] = defaultdict(list)
        for row in chosen:
            by_status[row["status"]].append(row)
        got = {g["keys"]["status"].lower(): g for g in data["byStatus"]}
        assert set(got) == set(by_status), tree
        for status, group_rows in by_status.items():
            group = got[status]
            assert group["count"] == len(group_rows)
            avg, low, high, _sum = _figures(group_rows, "ktv")
            assert _close(group["avg"]["ktv"], avg) and _close(group["min"]["ktv"], low)
            assert _close(group["max"]["ktv"], high)
            assert _close(group["avg"]["preWeight"], _figures(group_rows, "pre_weight")[0])
            assert _close(
                group["sum"]["durationMinutes"], _figures(group_rows, "duration_minutes")[3]
            )
        months: dict[str, int] = defaultdict(int)
        for row in chosen:
            months[row["session_date"].replace(day=1).isoformat()] += 1
        assert {g["keys"]["bucket"]: g["count"] for g in data["byMonth"]} == months, tree
        assert [g["count"] for g in data["all"]] == [len(chosen)]


@pytest.mark.parametrize(
    ("where", "why"),
    [
        ({"machineId": {"eq": "not-an-id"}}, "a malformed global ID"),
        ({"machineId": {"eq": encode("Patient", "3f1c0a52-7a0e-4d1e-9b5e-0c8f2a1d9e11")}},
         "an ID of another type"),
        ({"status": {"in": ["COMPLETED"] * 501}}, "a list over 500 values"),
        ({"AND": [{"AND": [{"AND": [{"AND": [{"AND": [{"AND": [{"ktv": {"gt": 1}}]}]}]}]}]}]},
         "nested too deep"),
        ({"OR": [{"ktv": {"gt": i}} for i in range(70)]}, "too many conditions"),
        ({"sessionDate": {"gt": "2026-01-01"}, "actualStartTime": {"gt": "2026-01-01T08:00:00"}},
         "a timestamp without a time zone"),
    ],
)  # fmt: skip
async def test_hostile_or_malformed_filters_are_bad_user_input(
    world: tuple[Client, list[Row], list[str]], where: Tree, why: str
) -> None:
    client, _rows, _machines = world
    body = await client.query(LIST, {"where": where}, status=200)
    assert body["data"] is None, why
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}, (why, body)


async def test_an_unknown_filter_field_is_a_validation_error(
    world: tuple[Client, list[Row], list[str]],
) -> None:
    client, _rows, _machines = world
    body = await client.query(LIST, {"where": {"passwordHash": {"eq": "x"}}})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] in {
        "GRAPHQL_VALIDATION_FAILED",
        "BAD_USER_INPUT",
    }
