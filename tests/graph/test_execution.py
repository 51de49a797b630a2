"""Plain fields executed inline (graph/execution.py) give exactly graphql-core's answers,
errors included, and never take a field that has a resolver, arguments or a permission."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import strawberry
from api_client import Api, Client
from sqlalchemy.engine import URL
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graph.execution import FastFieldsExecutionContext
from graph.schema import schema
from graph.steps import row_reader

QUERIES = Path(__file__).resolve().parents[2] / "queries"
MIXED = """query Mixed {
  me { userId roles }
  patients(first: 20) {
    nodes {
      __typename id firstName last: lastName dateOfBirth gender medicalRecordNumber
      dialysisProfile { __typename dialysisType dryWeight ktvTarget isIsolationRequired }
      dialysisSessions(first: 3) {
        totalCount
        edges { cursor node { id sessionDate status ktv actualStartTime machineId } }
      }
      ...Labs
    }
  }
}
fragment Labs on Patient { dialysisLabs(first: 2) { nodes { labDate hemoglobin allResults } } }
"""


async def _both(client: Client, document: str, variables: dict[str, Any]) -> tuple[Any, Any]:
    assert schema.execution_context_class is FastFieldsExecutionContext
    fast = await client.query(document, variables)
    schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
    try:
        reference = await client.query(document, variables)
    finally:
        schema.execution_context_class = FastFieldsExecutionContext
    return fast, reference


async def test_answers_equal_graphql_cores_for_the_ready_operations(
    api: Api, seeded_url: URL
) -> None:
    client = await api(seeded_url, org=0, roles=["admin"])
    first = await client.data("{ patients(first: 1) { nodes { id } } }")
    patient = first["patients"]["nodes"][0]["id"]
    variables = {
        "roster.graphql": {"first": 50},
        "patient_chart.graphql": {"id": patient},
        "rpm_alerts.graphql": {"since": "2026-01-01T00:00:00Z"},
        "quality_dashboard.graphql": {"since": "2025-01-01T00:00:00Z", "sinceDay": "2025-01-01"},
        "patient_search.graphql": {"text": "m"},
    }
    for name, values in variables.items():
        fast, reference = await _both(client, (QUERIES / name).read_text(), values)
        assert "errors" not in fast, (name, fast)
        assert fast == reference, name
    fast, reference = await _both(client, MIXED, {})
    assert "errors" not in fast and fast == reference
    assert list(fast["data"]["patients"]["nodes"][0])[:3] == ["__typename", "id", "firstName"]


def _details(selection: str) -> Any:
    from types import SimpleNamespace

    from graphql import parse

    operation = parse(f"{{ {selection} }}").definitions[0]
    return [SimpleNamespace(node=operation.selection_set.selections[0])]  # type: ignore[attr-defined]


def test_what_cannot_be_served_inline_goes_back_to_graphql_core() -> None:
    """A null in a non-null field, or a value that does not serialize, is graphql-core's to
    report; arguments always go to graphql-core."""
    from types import SimpleNamespace

    from graph.auth import Principal
    from graph.steps import leaf_step

    physician = Principal("u", "o", ("physician",), "member")
    patient = schema._schema.type_map["Patient"]
    first_name = leaf_step(patient, _details("firstName"), physician)
    assert first_name is not None
    assert first_name(SimpleNamespace(first_name="Ada")) == (True, "Ada")
    assert first_name(SimpleNamespace(first_name=None)) == (False, None)  # non-null: error
    # A column the analyst may not read is inline for a physician, graphql-core's (and so
    # the permission check's) for an analyst.
    analyst = Principal("u", "o", ("analyst",), "member")
    assert leaf_step(patient, _details("firstName"), analyst) is None
    assert leaf_step(patient, _details("firstName")) is None  # no principal: never inline
    assert leaf_step(patient, _details("gender"), analyst) is not None
    phone = leaf_step(patient, _details("phone"), physician)
    assert phone is not None and phone(SimpleNamespace(phone=None)) == (True, None)
    birth = leaf_step(patient, _details("dateOfBirth"), physician)
    assert birth is not None and birth(SimpleNamespace(date_of_birth="not a date"))[0] is False
    assert leaf_step(patient, _details("dialysisSessions(first: 2) { nodes { id } }")) is None
    typename = leaf_step(patient, _details("__typename"))
    assert typename is not None and typename(object()) == (True, "Patient")


def test_fields_with_a_resolver_or_a_permission_are_not_taken() -> None:
    patient = schema._schema.type_map["Patient"]
    assert row_reader(patient.fields["gender"]) is not None  # a column
    assert row_reader(patient.fields["id"]) is not None  # a global ID of the row
    assert row_reader(patient.fields["dialysisSessions"]) is None  # a relation, with arguments
    query = schema._schema.query_type
    assert query is not None and row_reader(query.fields["auditEvents"]) is None  # guarded

    from graph.permissions import ADMIN, Roles

    guarded = strawberry.field(name="secret", extensions=[Roles(ADMIN).extension()])
    namespace = {"__annotations__": {"secret": str}, "secret": guarded}
    holder = strawberry.type(type("Holder", (), namespace))

    def resolve() -> Any:
        return holder(secret="x")

    resolve.__annotations__["return"] = holder
    root = strawberry.type(type("Q", (), {"h": strawberry.field(resolver=resolve)}))
    probe = strawberry.Schema(query=root)
    assert row_reader(probe._schema.type_map["Holder"].fields["secret"]) is None


async def test_arguments_are_coerced_once_per_field_node(
    api: Api, seeded_url: URL, monkeypatch: Any
) -> None:
    """8 patients ask for their sessions with the same arguments: graphql-core's coercion runs
    once for that field, not once per patient; two aliases with different arguments keep
    their own values (and answers)."""
    import graph.execution

    calls: list[str] = []
    real = graph.execution.get_argument_values

    def counting(field_def: Any, node: Any, *args: Any) -> Any:
        calls.append(node.name.value)
        return real(field_def, node, *args)

    monkeypatch.setattr(graph.execution, "get_argument_values", counting)
    import graph.relations

    compiled: list[Any] = []
    real_compile = graph.relations.compile_where

    def compiling(model: Any, where: Any) -> Any:
        compiled.append(where)
        return real_compile(model, where)

    monkeypatch.setattr(graph.relations, "compile_where", compiling)
    client = await api(seeded_url, org=0, roles=["physician"])
    data = await client.data(
        """query($n: Int!) { patients(first: 8) { nodes {
             recent: dialysisSessions(first: $n, where: {status: {eq: COMPLETED}}) { nodes { id } }
             older: dialysisSessions(first: 1, orderBy: [{field: SESSION_DATE}]) { nodes { id } }
           } } }""",
        {"n": 2},
    )
    patients = data["patients"]["nodes"]
    assert len(patients) == 8
    assert sorted(calls) == ["dialysisSessions", "dialysisSessions", "patients"]
    assert len(compiled) == 2  # the nested page of each alias is prepared once, not per row
    assert any(len(p["recent"]["nodes"]) == 2 for p in patients)
    assert all(len(p["older"]["nodes"]) <= 1 for p in patients)
    with_both = [p for p in patients if len(p["recent"]["nodes"]) == 2]
    assert any(p["older"]["nodes"][0] not in p["recent"]["nodes"] for p in with_both)
