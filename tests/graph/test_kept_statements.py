"""Statements built once and kept (graph/pages.py `kept`: root and nested pages; the
membership check) and their scoped forms kept per organization (models/tenancy.py `_scoped`): kept
under what they are made of, they must serve each organization its own rows and each
argument its own page, and be built once for the same page."""

from __future__ import annotations

from typing import Any

import pytest
from api_client import Api, Client
from sqlalchemy import select
from sqlalchemy.engine import URL

import graph.dataloaders.base
import graph.pages
import models.tenancy
from graph.ids import decode_as
from models.audit import AuditEvent
from models.database import session_factory
from models.dialyse import DialysisSession
from models.healthcare import Patient
from models.memo import IdentityMemo

NESTED = """query Nested($status: DialysisSessionStatus!, $n: Int!) {
  patients(first: 8) { nodes { id dialysisSessions(first: $n, where: {status: {eq: $status}}) {
    nodes { id status } } } }
}"""


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Empties both caches for the test and records each per-parent statement built."""
    monkeypatch.setattr(graph.pages, "_KEPT", {})
    monkeypatch.setattr(models.tenancy, "_SCOPED", IdentityMemo(512))
    made: list[tuple[Any, ...]] = []
    build = graph.dataloaders.base.per_parent_statement

    def counted(*args: Any, **kwargs: Any) -> Any:
        made.append(args)
        return build(*args, **kwargs)

    monkeypatch.setattr(graph.dataloaders.base, "per_parent_statement", counted)
    return made


async def _sessions(client: Client, status: str, n: int) -> dict[str, list[dict[str, str]]]:
    data = await client.data(NESTED, {"status": status, "n": n})
    return {
        decode_as(p["id"], "Patient"): p["dialysisSessions"]["nodes"]
        for p in data["patients"]["nodes"]
    }


async def _truth(client: Client, ids: list[str]) -> dict[str, tuple[str, str]]:
    """(organization, patient) of each session id, as the database has them."""
    async with session_factory(client.engine)() as session:
        rows = await session.execute(
            select(
                DialysisSession.id, DialysisSession.organization_id, DialysisSession.patient_id
            ).where(DialysisSession.id.in_(ids))
        )
        return {row[0]: (row[1], row[2]) for row in rows}


async def _organizations_of(client: Client, patients: list[str]) -> set[str]:
    async with session_factory(client.engine)() as session:
        found = await session.scalars(
            select(Patient.organization_id).where(Patient.id.in_(patients))
        )
        return set(found.all())


async def test_one_kept_statement_serves_each_organization_its_own_rows(
    api: Api, seeded_url: URL, builds: list[tuple[Any, ...]]
) -> None:
    first = await api(seeded_url, org=0, roles=["physician"])
    second = await api(seeded_url, org=1, roles=["physician"])
    assert first.organization_id != second.organization_id
    for client in (first, second, first, second):
        pages = await _sessions(client, "COMPLETED", 3)
        ids = [decode_as(s["id"], "DialysisSession") for nodes in pages.values() for s in nodes]
        assert ids, "the seeded patients have completed sessions"
        truth = await _truth(client, ids)
        assert await _organizations_of(client, list(pages)) == {client.organization_id}
        for patient, nodes in pages.items():
            for node in nodes:
                assert truth[decode_as(node["id"], "DialysisSession")] == (
                    client.organization_id,
                    patient,
                )
    assert len(builds) == 1  # one nested statement for four requests of two organizations
    organizations = models.tenancy._SCOPED.extras()
    assert {first.organization_id, second.organization_id} <= organizations


async def test_kept_statements_are_told_apart_by_their_arguments(
    api: Api, seeded_url: URL, builds: list[tuple[Any, ...]]
) -> None:
    client = await api(seeded_url, org=0, roles=["physician"])
    asked = [("COMPLETED", 1), ("CANCELLED", 2), ("COMPLETED", 2), ("COMPLETED", 1)]
    seen: dict[tuple[str, int], dict[str, list[dict[str, str]]]] = {}
    for status, n in asked:
        pages = await _sessions(client, status, n)
        for nodes in pages.values():
            assert len(nodes) <= n and all(node["status"] == status for node in nodes)
        assert seen.setdefault((status, n), pages) == pages  # the same again
    assert any(len(nodes) == 2 for nodes in seen[("COMPLETED", 2)].values())
    assert len(builds) == 3  # one per distinct page and condition


async def test_the_audit_names_the_types_a_kept_statement_reads_every_time(
    api: Api, seeded_url: URL, builds: list[tuple[Any, ...]]
) -> None:
    """The models a kept statement reads are found once (graph/audit/trail.py): each request's
    audit batch must still name them."""
    client = await api(seeded_url, org=0, roles=["physician"])
    for _ in range(3):
        response = await client.post(NESTED, {"status": "COMPLETED", "n": 2})
        assert response.status_code == 200 and "errors" not in response.json()
        async with session_factory(client.engine)() as session:
            types = await session.scalars(
                select(AuditEvent.entity_type).where(
                    AuditEvent.request_id == response.headers["x-request-id"]
                )
            )
            named = {name for text in types.all() for name in text.split(",")}
        assert {"Patient", "DialysisSession"} <= named
    assert len(builds) == 1


async def test_endlessly_different_filters_keep_a_bounded_number_of_statements(
    api: Api, seeded_url: URL, builds: list[tuple[Any, ...]]
) -> None:
    """A client that sends a new filter value with every request (each its own kept page)
    must not grow the process: the oldest kept statements go."""
    client = await api(seeded_url, org=0, roles=["physician"])
    document = (
        "query($name: String!) {"
        " patients(first: 2, where: {lastName: {eq: $name}}) { nodes { id } } }"
    )
    kept = graph.pages._KEPT_STATEMENTS
    for i in range(kept + 20):
        data = await client.data(document, {"name": f"nobody-{i}"})
        assert data["patients"]["nodes"] == []
    assert len(graph.pages._KEPT) == kept
    assert len(models.tenancy._SCOPED) <= 512
