"""Cost before execution (issue 10): one linear pass over the document computes depth, aliases,
directives and cost as expanded through fragments, refuses what exceeds the limits before any
SQL runs, and reports the cost of every accepted operation in `extensions.cost`.

Deterministic gates only: the walker's visit counter (linearity), statement counts, error codes
and the figures themselves.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from api_client import Api, Client, statements
from graphql import OperationDefinitionNode, get_introspection_query, parse
from sqlalchemy.engine import URL

from graph.cost import CAP, Budget, CostWalker, Figures
from graph.cost_limits import limit_errors
from graph.schema import BUDGET, MAX_ALIASES, MAX_COST, MAX_DEPTH, schema

GRAPHQL = schema._schema
QUERIES = Path(__file__).resolve().parents[2] / "queries"
GR = "application/graphql-response+json"
# The depth-7 probe, in connection form.
DEPTH_7 = (
    "{ patients(first: 500) { nodes { dialysisSessions(first: 100) { nodes { patient {"
    " dialysisSessions(first: 100) { nodes { patient { dialysisSessions(first: 3) {"
    " nodes { id } } } } } } } } } } }"
)


def doubling(n: int, leaf: str = "id", head: str = "query") -> str:
    """`fragment F<i> { ...F<i-1> ...F<i-1> }` n times: 2**n leaves as expanded."""
    fragments = " ".join(
        f"fragment F{i} on Patient {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, n + 1)
    )
    operation = f"{head} {{ patients {{ nodes {{ ...F{n} }} }} }}"
    return f"{operation} fragment F0 on Patient {{ {leaf} }} {fragments}"


def figures(
    document: str, variables: dict[str, Any] | None = None, budget: Budget = BUDGET
) -> tuple[Figures, CostWalker]:
    """The figures of the document's first operation; `variables=None`: as validation sees it."""
    parsed = parse(document, no_location=True)
    walker = CostWalker(GRAPHQL, parsed, budget, variables)
    operation = next(d for d in parsed.definitions if isinstance(d, OperationDefinitionNode))
    return walker.operation(operation), walker


def limits(body: dict[str, Any]) -> set[str]:
    """The limits the body's errors name; every error must be a validation failure."""
    errors = body.get("errors") or []
    assert errors and body.get("data") is None, body
    assert {e["extensions"]["code"] for e in errors} == {"GRAPHQL_VALIDATION_FAILED"}, body
    return {e["extensions"].get("limit") for e in errors}


def accepted(body: dict[str, Any]) -> int:
    """The cost of an accepted operation (no validation error), from `extensions.cost`."""
    codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or []}
    assert "GRAPHQL_VALIDATION_FAILED" not in codes, body
    return body["extensions"]["cost"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
async def member(api: Api, migrated_url: URL) -> Client:
    """A member of a new, empty organization: accepted operations read nothing."""
    client = await api(migrated_url)
    await client.data("{ me { userId } }")  # warm up: connect, dialect initialization
    return client


async def sign_in_statements(client: Client) -> int:
    """Statements of a request refused at validation for an unknown field: sign-in only."""
    with statements(client) as seen:
        body = await client.query("{ noSuchField }")
    assert limits(body) == {None}
    return len(seen)


# --- the pure figures ---------------------------------------------------------------------------


def test_fragment_doubling_is_walked_in_linear_time() -> None:
    """Each fragment is scanned and summarized once: the visits grow by 4 per level, not 2**n;
    the figures are those of the expanded document."""
    visits = {}
    for n in (10, 20, 30):
        found, walker = figures(doubling(n))
        assert found == Figures(cost=2 + 50 * 2**n, depth=3, aliases=0, directives=0)
        visits[n] = walker.visits
    assert visits == {10: 45, 20: 85, 30: 125}  # 4n + 5
    aliased, _ = figures(doubling(30, leaf="a: id"))
    assert aliased.aliases == 2**30
    huge, walker = figures(doubling(1000, leaf="a: id @include(if: true)"))
    assert (huge.cost, huge.aliases, huge.directives) == (CAP, CAP, CAP)  # saturated
    assert walker.visits == 4005


def test_fragment_cycles_end() -> None:
    document = (
        "{ patients { nodes { ...A } } }"
        " fragment A on Patient { id ...B } fragment B on Patient { firstName ...A }"
    )
    found, _ = figures(document)
    assert found.depth == 3 and found.cost == 2 + 50 * 2


def test_dashboard_operations_cost_what_the_docstring_says() -> None:
    documented = {
        "roster": 5_905,
        "patient_chart": 288,
        "rpm_alerts": 3_413,
        "quality_dashboard": 14_013,
        "patient_search": 125,
    }
    for name, cost in documented.items():
        found, _ = figures((QUERIES / f"{name}.graphql").read_text(encoding="utf-8"), {})
        assert found.cost == cost, name
        assert found.cost * 3 <= MAX_COST and found.depth <= MAX_DEPTH - 2, name  # headroom
        assert found.aliases == found.directives == 0
    roster = (QUERIES / "roster.graphql").read_text(encoding="utf-8")
    assert figures(roster, {"first": 500})[0].cost == 29_505 <= MAX_COST
    assert figures(DEPTH_7)[0] == Figures(cost=30_151_002, depth=11, aliases=0, directives=0)
    assert figures(DEPTH_7)[0].cost > MAX_COST


def test_page_sizes_from_literals_variables_and_defaults() -> None:
    by_variable = "query($n: Int) { patients(first: $n) { nodes { id } } }"
    assert figures("{ patients(first: 300) { nodes { id } } }")[0].cost == 302
    assert figures(by_variable, {"n": 300})[0].cost == 302
    assert figures(by_variable, {})[0].cost == 52  # absent: the default page of 50
    assert figures(by_variable, {"n": None})[0].cost == 52
    assert figures(by_variable, {"n": 10_000})[0].cost == 502  # refused at execution anyway
    with_default = "query($n: Int = 70) { patients(last: $n) { nodes { id } } }"
    assert figures(with_default, {})[0].cost == 72
    assert figures(with_default, {"n": 7})[0].cost == 9
    # Validation sees no values: a variable page counts as 1 row (a lower bound).
    lower, walker = figures(by_variable)
    assert lower.cost == 3 and walker.lower_bound
    nested = "{ patients(first: 2) { nodes { dialysisSessions { nodes { id } } } } }"
    assert figures(nested)[0].cost == 2 + 2 * (2 + 20)  # nested default page: 20
    edges = "{ patients(first: 2) { edges { cursor node { id } } pageInfo { hasNextPage } } }"
    assert figures(edges)[0].cost == 1 + 1 + 2 * (1 + 1 + 1) + 2


def test_counts_statements_groups_and_ids() -> None:
    assert figures("{ patients(first: 5) { totalCount } }")[0].cost == 1 + 11
    ungrouped = "{ dialysisSessionsAggregate { count avg { ktv } } }"
    assert figures(ungrouped)[0].cost == 1 + 10 + 1 * (1 + 2)
    bucketed = "{ dialysisSessionsAggregate(bucket: {field: SESSION_DATE, unit: MONTH}) { count } }"
    assert figures(bucketed)[0].cost == 1 + 10 + 1000
    by_ids = "query($ids: [ID!]!) { nodes(ids: $ids) { id } } "
    assert figures(by_ids, {"ids": ["a", "b", "c"]})[0].cost == 1 + 3 * 1
    assert figures('{ nodes(ids: ["a", "b"]) { id } }')[0].cost == 1 + 2


def test_introspection_is_cheap_and_not_deep() -> None:
    """GraphiQL's introspection query nests `ofType` many levels; it stays within every limit."""
    found, _ = figures(get_introspection_query())
    assert found.depth == 1 and found.cost < 1_000
    assert not limit_errors(found, BUDGET)


@pytest.mark.parametrize(
    ("field", "limit", "key"),
    [
        ("depth", "depth", "maxDepth"),
        ("aliases", "aliases", "maxAliases"),
        ("directives", "directives", "maxDirectives"),
        ("cost", "cost", "maxCost"),
    ],
)
def test_each_limit_is_inclusive(field: str, limit: str, key: str) -> None:
    budget = Budget(
        max_cost=100, max_depth=4, max_aliases=3, max_directives=2, page_max=500,
        nested_page_max=100,
    )  # fmt: skip
    maximum = getattr(budget, f"max_{field}")
    base = {"cost": 1, "depth": 1, "aliases": 0, "directives": 0}
    assert not limit_errors(Figures(**{**base, field: maximum}), budget)
    (error,) = limit_errors(Figures(**{**base, field: maximum + 1}), budget)
    assert error.extensions == {
        "code": "GRAPHQL_VALIDATION_FAILED",
        "limit": limit,
        field: maximum + 1,
        key: maximum,
    }
    assert str(maximum + 1) in error.message and str(maximum) in error.message


# --- through the API ----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [10, 20, 30])
async def test_fragment_doubling_is_refused_before_execution(member: Client, n: int) -> None:
    baseline = await sign_in_statements(member)
    with statements(member) as seen:
        body = await member.query(doubling(n))
        aliased = await member.query(doubling(n, leaf="a: id"))
    assert limits(body) == {"cost"}
    assert body["errors"][0]["extensions"]["cost"] == 2 + 50 * 2**n
    assert limits(aliased) == {"aliases", "cost"}
    assert len(seen) == 2 * baseline  # sign-in only: nothing executed


async def test_a_variable_page_does_not_hide_fragment_doubling(member: Client) -> None:
    body = await member.query(doubling(20, head="query($n: Int)").replace(
        "patients {", "patients(first: $n) {"
    ), {"n": 1})  # fmt: skip
    assert limits(body) == {"cost"}
    assert "at least" in body["errors"][0]["message"]  # from validation: values unknown


async def test_the_depth_7_probe_is_refused_before_any_sql(member: Client) -> None:
    baseline = await sign_in_statements(member)
    with statements(member) as seen:
        response = await member.post(DEPTH_7)
    body = response.json()
    assert limits(body) == {"cost", "depth"}
    cost = next(e for e in body["errors"] if e["extensions"]["limit"] == "cost")
    assert cost["extensions"] == {
        "code": "GRAPHQL_VALIDATION_FAILED",
        "limit": "cost",
        "cost": 30_151_002,
        "maxCost": MAX_COST,
    }
    assert "30151002" in cost["message"] and str(MAX_COST) in cost["message"]
    assert len(seen) == baseline
    assert not any("dialyse_sessions" in s for s in seen)
    strict = await member.post(DEPTH_7, headers={"Accept": GR})
    assert strict.status_code == 400 and "data" not in strict.json()


async def test_dashboard_operations_report_their_cost(api: Api, seeded_url: URL) -> None:
    client = await api(seeded_url, org=0)
    patient = (await client.data("{ patients(first: 1) { nodes { id } } }"))["patients"]
    instant = dt.datetime(2026, 10, 31, 17, tzinfo=dt.UTC)
    runs = {
        "roster": {},
        "patient_chart": {"id": patient["nodes"][0]["id"]},
        "rpm_alerts": {"since": (instant - dt.timedelta(days=1)).isoformat()},
        "quality_dashboard": {
            "since": (instant - dt.timedelta(days=365)).isoformat(),
            "sinceDay": (instant.date() - dt.timedelta(days=365)).isoformat(),
        },
        "patient_search": {"text": "m"},
    }
    for name, variables in runs.items():
        document = (QUERIES / f"{name}.graphql").read_text(encoding="utf-8")
        body = await client.query(document, variables, status=200)
        assert "errors" not in body, (name, body["errors"])
        assert body["extensions"] == {"cost": figures(document, variables)[0].cost}, name


async def test_literal_and_variable_pages_cost_the_same(member: Client) -> None:
    literal = await member.query("{ patients(first: 300) { nodes { id } } }")
    variable = "query($n: Int) { patients(first: $n) { nodes { id } } }"
    assert accepted(literal) == accepted(await member.query(variable, {"n": 300})) == 302
    assert accepted(await member.query(variable)) == 52


async def test_the_same_document_is_priced_by_each_requests_variables(member: Client) -> None:
    """Figures are kept per document and variables (graph/cost_limits.py): alternating pages
    of one document must each get their own cost, and the one over the budget its refusal."""
    n, m, _ = costing(MAX_COST)
    document, _ = priced(n, m, 0, variables=True)
    small, large = {"n": 2, "m": 3}, {"n": n, "m": m * 2}
    for _ in range(2):
        assert accepted(await member.query(document, small)) == figures(document, small)[0].cost
        refused = await member.query(document, large)
        assert limits(refused) == {"cost"}
        assert refused["errors"][0]["extensions"]["cost"] == figures(document, large)[0].cost


def deep(levels: int) -> str:
    """A cheap operation `levels` deep: to-one relations alternate under one patient."""
    chain = ["dialysisProfile", "patient"] * levels
    fields = chain[: levels - 3]
    inner = "id"
    for field in reversed(fields):
        inner = f"{field} {{ {inner} }}"
    return f"{{ patients(first: 1) {{ nodes {{ {inner} }} }} }}"


async def test_depth_just_under_and_just_over(member: Client) -> None:
    assert figures(deep(MAX_DEPTH))[0].depth == MAX_DEPTH
    assert accepted(await member.query(deep(MAX_DEPTH))) == figures(deep(MAX_DEPTH))[0].cost
    over = await member.query(deep(MAX_DEPTH + 1))
    assert limits(over) == {"depth"}
    assert over["errors"][0]["extensions"]["depth"] == MAX_DEPTH + 1
    assert over["errors"][0]["extensions"]["maxDepth"] == MAX_DEPTH


async def test_aliases_just_under_and_just_over(member: Client) -> None:
    def aliased(count: int) -> str:
        return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"

    assert accepted(await member.query(aliased(MAX_ALIASES))) == MAX_ALIASES
    over = await member.query(aliased(MAX_ALIASES + 1))
    assert limits(over) == {"aliases"}
    assert over["errors"][0]["extensions"]["aliases"] == MAX_ALIASES + 1


async def test_directives_just_under_and_just_over(member: Client) -> None:
    def directed(count: int) -> str:
        return "{ " + " ".join(["__typename @include(if: true)"] * count) + " }"

    maximum = BUDGET.max_directives
    assert accepted(await member.query(directed(maximum))) == maximum
    over = await member.query(directed(maximum + 1))
    assert limits(over) == {"directives"}
    assert over["errors"][0]["extensions"]["directives"] == maximum + 1


def costing(target: int) -> tuple[int, int, int]:
    """(n, m, r): `patients(first: n)` times `dialysisSessions(first: m)` plus r `__typename`
    fields cost exactly `target` (2 + n * (m + 2) + r), with r as small as can be."""
    return min(
        ((n, m, target - 2 - n * (m + 2))
         for n in range(1, BUDGET.page_max + 1)
         for m in range(1, BUDGET.nested_page_max + 1)
         if n * (m + 2) <= target - 2),
        key=lambda found: found[2],
    )  # fmt: skip


def priced(n: int, m: int, rest: int, *, variables: bool) -> tuple[str, dict[str, int]]:
    """That document, with n and m as literals or as variables."""
    first, nested = ("$n", "$m") if variables else (n, m)
    head = "query($n: Int!, $m: Int!)" if variables else "query"
    document = (
        f"{head} {{ patients(first: {first}) {{ nodes {{ dialysisSessions(first: {nested})"
        f" {{ nodes {{ id }} }} }} }} {' '.join(['__typename'] * rest)} }}"
    )
    return document, ({"n": n, "m": m} if variables else {})


@pytest.mark.parametrize("variables", [False, True], ids=["literals", "variables"])
async def test_cost_just_under_and_just_over(member: Client, variables: bool) -> None:
    """With variables, validation's lower bound passes both and the request's variables decide."""
    n, m, rest = costing(MAX_COST)
    under, values = priced(n, m, rest, variables=variables)
    over, _ = priced(n, m, rest + 1, variables=variables)
    assert figures(under, values)[0].cost == MAX_COST
    assert figures(over, values)[0].cost == MAX_COST + 1
    assert accepted(await member.query(under, values)) == MAX_COST
    refused = await member.query(over, values)
    assert limits(refused) == {"cost"}
    assert refused["errors"][0]["extensions"]["cost"] == MAX_COST + 1
    if variables:
        assert figures(over)[0].cost < MAX_COST  # the validation rule alone would let it by


async def test_a_fragment_cycle_is_a_validation_error(member: Client) -> None:
    body = await member.query(
        "{ patients { nodes { ...A } } }"
        " fragment A on Patient { id ...B } fragment B on Patient { firstName ...A }"
    )
    assert limits(body) == {None}  # graphql's NoFragmentCyclesRule, not a limit
