"""The PHI access audit (graph/audit/trail.py): every request that reads patient data, or is
refused, writes one batch of `audit_events` naming who, which patients and what, never the
data itself; a failed audit write fails the read closed."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from api_client import Api, Client, statements
from sqlalchemy import event, select
from sqlalchemy.engine import URL

from graph.audit.batch import Who, audit_batch, write_audit
from graph.audit.trail import Trail
from graph.ids import decode_as
from graph.session import RequestDatabase
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


async def test_the_batch_is_written_on_the_connection_that_read(api: Api, portal_url: URL) -> None:
    """No second session and connection per request for the audit: one checkout in all."""
    client = await api(portal_url, org=0, roles=["physician"])
    checkouts: list[object] = []

    def checkout(dbapi_connection: object, *_args: Any) -> None:
        checkouts.append(dbapi_connection)

    event.listen(client.engine.sync_engine, "checkout", checkout)
    try:
        response = await client.post(THREE_PATIENTS)
    finally:
        event.remove(client.engine.sync_engine, "checkout", checkout)
    assert response.status_code == 200 and "errors" not in response.json()
    assert len(checkouts) == 1
    assert len(await _events(client, response.headers["x-request-id"])) == 3


async def test_a_patient_the_database_refuses_to_reference_is_named_in_metadata(
    api: Api, portal_url: URL
) -> None:
    """A trail naming another organization's patient (data older than the reference checks):
    the request's session refuses the batch, a session of its own records it anyway, the id
    in `metadata.patient` instead of the `patient_id` reference."""
    ours = await api(portal_url, org=0, roles=["physician"])
    theirs = await api(portal_url, org=1, roles=["physician"])
    foreign = decode_as(
        (await theirs.data("{ patients(first: 1) { nodes { id } } }"))["patients"]["nodes"][0][
            "id"
        ],
        "Patient",
    )
    trail = Trail(phi=True, types={"Patient"}, rows={("Patient", foreign): foreign})
    request_id = f"unreferenced-{uuid.uuid4().hex}"
    who = Who(ours.organization_id or "", ours.user_id, ["physician"], request_id, None, None, None)
    batch = audit_batch(trail, who, "success")
    assert batch is not None
    sessions = ours.app.state.tenant_sessions  # type: ignore[attr-defined]
    db = RequestDatabase(sessions, ours.organization_id or "")
    try:
        await write_audit(sessions, ours.organization_id or "", batch, db)
    finally:
        await db.close()
    events = await _events(ours, request_id)
    assert [(e.patient_id, e.metadata_["patient"]) for e in events] == [(None, foreign)]
    assert events[0].organization_id == ours.organization_id
