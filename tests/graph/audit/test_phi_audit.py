"""The PHI access audit (graph/audit/trail.py): every request that reads patient data, or is
refused, writes one batch of `audit_events` naming who, which patients and what, never the
data itself; a failed audit write fails the read closed."""

from __future__ import annotations

from typing import Any

import pytest
from api_client import Api, Client, statements
from sqlalchemy import select
from sqlalchemy.engine import URL

from graph.ids import decode_as
from models.audit import AuditEvent
from models.database import session_factory

THREE_PATIENTS = """query ThreePatients {
  patients(first: 3) { nodes { id lastName dialysisSessions(first: 2) { nodes { ktv } } } }
}"""


async def _events(client: Client, request_id: str) -> list[AuditEvent]:
    async with session_factory(client.engine)() as session:
        rows = await session.scalars(select(AuditEvent).where(AuditEvent.request_id == request_id))
        return list(rows.all())


async def test_a_three_patient_list_writes_one_batch_naming_the_three(
    api: Api, portal_url: URL
) -> None:
    client = await api(portal_url, org=0, roles=["physician"])
    with statements(client, audit=True) as seen:
        response = await client.post(THREE_PATIENTS, headers={"User-Agent": "ward-dashboard/2.1"})
    body = response.json()
    assert response.status_code == 200 and "errors" not in body
    patients = {decode_as(p["id"], "Patient") for p in body["data"]["patients"]["nodes"]}
    assert len(patients) == 3
    writes = [s.sql for s in seen if s.sql.lstrip().upper().startswith("INSERT")]
    assert len(writes) == 1 and "audit_events" in writes[0]  # one batched INSERT
    events = await _events(client, response.headers["x-request-id"])
    assert {e.patient_id for e in events} == patients and len(events) == 3
    for audit in events:
        assert audit.user_id == client.user_id
        assert audit.organization_id == client.organization_id
        assert (audit.action, audit.outcome) == ("read", "success")
        assert audit.operation_name == "ThreePatients"
        assert audit.user_agent == "ward-dashboard/2.1" and audit.ip_address
        assert audit.metadata_["roles"] == ["physician"]
        assert {"Patient", "DialysisSession"} <= set(audit.entity_type.split(","))
        # ids and type names only: no value of the answer is copied into the audit
        stored = repr(audit.__dict__)
        for patient in body["data"]["patients"]["nodes"]:
            assert patient["lastName"] not in stored


async def test_a_denied_request_is_audited(api: Api, portal_url: URL) -> None:
    nurse = await api(portal_url, org=0, roles=["nurse"])
    response = await nurse.post("query Staff { users(first: 5) { nodes { email } } }")
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    events = await _events(nurse, response.headers["x-request-id"])
    assert [(e.action, e.outcome, e.patient_id) for e in events] == [("read", "denied", None)]
    assert events[0].metadata_["roles"] == ["nurse"]


async def test_a_refused_sign_in_is_audited(api: Api, migrated_url: URL) -> None:
    """A valid token of a user without a portal account asks as a patient: 403, recorded."""
    client = await api(migrated_url, roles=["patient"])  # a new member, no portal account
    response = await client.post("{ patients(first: 1) { nodes { id } } }")
    assert response.status_code == 403
    events = await _events(client, response.headers["x-request-id"])
    assert [(e.action, e.outcome) for e in events] == [("access_denied", "denied")]


async def test_requests_without_patient_data_write_nothing(api: Api, portal_url: URL) -> None:
    client = await api(portal_url, org=0, roles=["physician"])
    with statements(client, audit=True) as seen:
        response = await client.post(
            "{ me { userId } calculate { urr(preBun: 60, postBun: 20) { value } } }"
        )
    assert response.status_code == 200
    assert not [s for s in seen if s.sql.lstrip().upper().startswith("INSERT")]
    assert await _events(client, response.headers["x-request-id"]) == []


async def test_a_failed_audit_write_fails_the_read_closed(
    api: Api, portal_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    import graph.endpoint

    async def broken(*_args: Any) -> None:
        raise RuntimeError("the audit table is full")

    monkeypatch.setattr(graph.endpoint, "write_audit", broken)
    client = await api(portal_url, org=0, roles=["physician"])
    response = await client.post(THREE_PATIENTS)
    body = response.json()
    assert response.status_code == 503
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "patients" not in str(body.get("data"))
    # Nothing of a patient: not a PHI read, so it is answered.
    assert (await client.data("{ me { userId } }"))["me"]["userId"]


async def test_a_portal_patient_is_audited_for_its_own_patient(api: Api, portal_url: URL) -> None:
    client = await api.patient(portal_url)
    response = await client.post(
        "{ patients(first: 5) { nodes { id } } dialysisSessions(first: 50) { nodes { ktv } } }"
    )
    assert response.status_code == 200
    events = await _events(client, response.headers["x-request-id"])
    assert {e.patient_id for e in events} == {client.patient_id}
    assert events and events[0].metadata_["roles"] == ["patient"]


async def test_admins_filter_the_audit_log_by_patient_user_and_time(
    api: Api, portal_url: URL
) -> None:
    physician = await api(portal_url, org=0, roles=["physician"])
    response = await physician.post(THREE_PATIENTS)
    patient = response.json()["data"]["patients"]["nodes"][0]["id"]
    admin = await api(portal_url, org=0, roles=["admin"])
    user = (await physician.data("{ me { userId } }"))["me"]["userId"]
    data = await admin.data(
        """query($patient: ID!, $user: ID!) { auditEvents(first: 100, where: {
             patientId: {eq: $patient}, userId: {eq: $user},
             occurredAt: {gte: "2026-01-01T00:00:00Z"}, action: {eq: READ} }) {
             nodes { patientId userId operationName requestId outcome } } }""",
        {"patient": patient, "user": user},
    )
    rows = data["auditEvents"]["nodes"]
    assert rows and all(r["patientId"] == patient and r["userId"] == user for r in rows)
    assert response.headers["x-request-id"] in {r["requestId"] for r in rows}
