"""The audit log is for administrators only: its root fields, `node` and `nodes` refuse every
other role with FORBIDDEN and no partial data (graph/permissions.py, graph/audit/types.py)."""

from __future__ import annotations

import pytest
from api_client import Api, Client
from sqlalchemy import select
from sqlalchemy.engine import URL

from graph.ids import encode
from graph.schema import schema
from models.audit import AuditEvent
from models.healthcare import Patient

NOT_ADMIN = [["physician"], ["nurse"], ["analyst"], ["patient"], [], ["superadmin"]]


async def _ids(api: Api, url: URL) -> tuple[str, str, str]:
    """(organization id, global id of one of its audit events, global id of one patient)."""
    client = await api(url, org=0, roles=["admin"])
    assert client.organization_id is not None
    event, patient = await _ids_in(client, client.organization_id)
    return client.organization_id, event, patient


async def _ids_in(client: Client, organization_id: str) -> tuple[str, str]:
    """(global id of an audit event, global id of a patient) of that organization."""
    async with client.engine.connect() as conn:
        event = await conn.scalar(
            select(AuditEvent.id).where(AuditEvent.organization_id == organization_id).limit(1)
        )
        patient = await conn.scalar(
            select(Patient.id)
            .where(Patient.organization_id == organization_id, Patient.deleted_at.is_(None))
            .limit(1)
        )
    assert event is not None and patient is not None
    return encode("AuditEvent", event), encode("Patient", patient)


async def test_an_admin_reads_the_audit_log(api: Api, seeded_url: URL) -> None:
    org, event, _patient = await _ids(api, seeded_url)
    admin = await api(seeded_url, org=org, roles=["admin"])
    data = await admin.data(
        "query($id: ID!) { auditEvents(first: 500) { nodes { id } } auditEvent(id: $id) { id }"
        " node(id: $id) { id } }",
        {"id": event},
    )
    assert event in {row["id"] for row in data["auditEvents"]["nodes"]}
    assert data["auditEvent"] == {"id": event}
    assert data["node"] == {"id": event}


@pytest.mark.parametrize("roles", NOT_ADMIN, ids=lambda r: ",".join(r) or "none")
async def test_every_other_role_is_forbidden_without_partial_data(
    api: Api, portal_url: URL, roles: list[str]
) -> None:
    if roles == ["patient"]:  # a portal patient, and the ids of its organization
        client = await api.patient(portal_url)
        assert client.organization_id is not None
        event, patient = await _ids_in(client, client.organization_id)
    else:
        org, event, patient = await _ids(api, portal_url)
        client = await api(portal_url, org=org, roles=roles)
    for document, variables in [
        ("{ auditEvents { nodes { id action } } }", None),
        ("{ auditEventsAggregate { count } }", None),
        ("query($id: ID!) { auditEvent(id: $id) { id action } }", {"id": event}),
        ("query($id: ID!) { node(id: $id) { id } }", {"id": event}),
        ("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [patient, event]}),
    ]:
        body = await client.query(document, variables, status=200)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], body
        assert not body["data"] or all(value is None for value in body["data"].values()), body


async def test_other_fields_stay_open_to_members_without_the_role(
    api: Api, seeded_url: URL
) -> None:
    _org, _event, patient = await _ids(api, seeded_url)
    client = await api(seeded_url, org=0, roles=["physician"])
    data = await client.data("query($id: ID!) { node(id: $id) { id } }", {"id": patient})
    assert data["node"] == {"id": patient}


def test_the_rule_is_visible_in_the_schema() -> None:
    query = schema.get_type_by_name("Query")
    assert query is not None
    fields = {field.python_name: field for field in query.fields}  # type: ignore[attr-defined]
    for name in ("audit_event", "audit_events"):
        assert fields[name].description.endswith("Requires the role `admin`.")
    assert fields["patients"].description.endswith(
        "Requires the role `admin` or `analyst` or `nurse` or `patient` or `physician`."
    )
