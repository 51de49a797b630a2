"""Portal mutations (issue 12) on SQLite and PostgreSQL, in the SECOND organization of
`portal_url` (the role-matrix tests read the first one's portal rows against `seeded_url`):
`portalMessageSend`, `appointmentRequest`, `appointmentConfirm`. A portal patient writes only
for itself (another patient's thread or id is NOT_FOUND), staff confirm (a patient gets
FORBIDDEN), an analyst writes nothing, another organization's thread is NOT_FOUND, the state
rules (a closed thread, a booked or denied request), and a failing audit write rolls back."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from api_client import Api, Client
from mutation_helpers import (
    ERRORS,
    audit_actions,
    break_audit,
    count,
    readme_mutation,
    refusals,
    run,
)
from sqlalchemy import select, update
from sqlalchemy.engine import URL

from graph.ids import decode_as, encode
from models.database import session_factory
from models.healthcare import Patient
from models.patient_portal import (
    PortalAccount,
    PortalAppointmentRequest,
    PortalMessage,
    PortalMessageThread,
)

SEND = f"""mutation($input: PortalMessageSendInput!) {{ portalMessageSend(input: $input) {{
  portalMessage {{ id body senderId sentAt isReadByPatient }} {ERRORS} }} }}"""
REQUEST = f"""mutation($input: AppointmentRequestInput!) {{ appointmentRequest(input: $input) {{
  portalAppointmentRequest {{ id status patientId requestType }} {ERRORS} }} }}"""
CONFIRM = f"""mutation($input: AppointmentConfirmInput!) {{ appointmentConfirm(input: $input) {{
  portalAppointmentRequest {{ id status scheduledAt processedAt }} {ERRORS} }} }}"""
ORG = 1
NEXT_WEEK = (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).replace(microsecond=0).isoformat()


async def _thread(client: Client, patient_id: str, status: str = "open") -> str:
    """A new thread of `patient_id` (its portal account, or any of the organization's)."""
    async with session_factory(client.engine)() as db, db.begin():
        accounts = select(PortalAccount.id).where(
            PortalAccount.organization_id == client.organization_id
        )
        own = await db.scalar(accounts.where(PortalAccount.patient_id == patient_id).limit(1))
        account = own or await db.scalar(accounts.order_by(PortalAccount.id).limit(1))
        thread = PortalMessageThread(
            id=str(uuid.uuid4()),
            organization_id=client.organization_id,
            portal_account_id=account,
            patient_id=patient_id,
            subject="Test thread",
            status=status,
            unread_by_patient=0,
            unread_by_provider=0,
        )
        db.add(thread)
    return encode("PortalMessageThread", thread.id)


async def _other_patient(client: Client) -> str:
    async with session_factory(client.engine)() as db:
        other = await db.scalar(
            select(Patient.id)
            .where(Patient.organization_id == client.organization_id)
            .where(Patient.id != client.patient_id, Patient.deleted_at.is_(None))
            .order_by(Patient.id)
            .limit(1)
        )
    assert other is not None
    return str(other)


async def _clients(api: Api, url: URL) -> tuple[Client, Client]:
    """(the portal patient, a physician) of the second organization."""
    patient = await api.patient(url, ORG)
    first = await api.patient(url)
    assert patient.organization_id != first.organization_id  # the module docstring's premise
    return patient, await api(url, org=ORG, roles=["physician"])


async def _request(patient: Client, staff: Client, **extra: Any) -> dict[str, Any]:
    fields = {
        "patientId": encode("Patient", patient.patient_id or ""),
        "practitionerId": encode("User", staff.user_id or ""),
        "requestType": "NEW",
        "reason": "Follow-up of my blood pressure",
        **extra,
    }
    return await run(patient, REQUEST, **fields)


async def test_a_patient_and_staff_exchange_messages(api: Api, portal_url: URL) -> None:
    patient, staff = await _clients(api, portal_url)
    assert patient.patient_id is not None
    thread = await _thread(patient, patient.patient_id)
    sent = await run(patient, SEND, threadId=thread, body="My fistula is sore.")
    assert sent["errors"] == [] and sent["portalMessage"]["isReadByPatient"] is True
    reply = await run(staff, SEND, threadId=thread, body="Please come in today.")
    assert reply["errors"] == [] and reply["portalMessage"]["senderId"] == staff.user_id
    async with session_factory(patient.engine)() as db:
        row = await db.get(PortalMessageThread, decode_as(thread, "PortalMessageThread"))
    assert row is not None
    assert (row.status, row.unread_by_provider, row.unread_by_patient) == (
        "awaiting_patient",
        1,
        1,
    )
    [event] = await audit_actions(patient, sent["portalMessage"]["id"], "PortalMessage")
    assert event.action == "create" and "body" in event.changes["fields"]
    assert "body" not in event.changes["after"]  # the message's text is never copied


async def test_message_errors_and_other_patients(api: Api, portal_url: URL) -> None:
    patient, staff = await _clients(api, portal_url)
    assert patient.patient_id is not None
    own = await _thread(patient, patient.patient_id)
    assert refusals(await run(patient, SEND, threadId=own, body="  ")) == [("body", "REQUIRED")]
    assert refusals(await run(patient, SEND, threadId=own, body="x" * 10_001)) == [
        ("body", "OUT_OF_RANGE")
    ]
    others = await _thread(patient, await _other_patient(patient))
    foreign = await run(patient, SEND, threadId=others, body="Hello")
    assert refusals(foreign) == [("threadId", "NOT_FOUND")] and foreign["portalMessage"] is None
    assert (await run(staff, SEND, threadId=others, body="Hello"))["errors"] == []  # staff may
    closed = await _thread(patient, patient.patient_id, status="closed")
    assert refusals(await run(patient, SEND, threadId=closed, body="Hi")) == [
        ("threadId", "INVALID_STATE")
    ]
    elsewhere = await api(portal_url, org=0, roles=["nurse"])
    assert refusals(await run(elsewhere, SEND, threadId=own, body="Hi")) == [
        ("threadId", "NOT_FOUND")
    ]
    analyst = await api(portal_url, org=ORG, roles=["analyst"])
    assert refusals(await run(analyst, SEND, threadId=own, body="Hi")) == [(None, "FORBIDDEN")]
    assert await count(patient, PortalMessage, thread_id=decode_as(own, "PortalMessageThread")) == 0


async def test_a_patient_requests_and_staff_confirm(api: Api, portal_url: URL) -> None:
    patient, staff = await _clients(api, portal_url)
    asked = await _request(patient, staff, urgency="SOON", estimatedDuration=30)
    assert asked["errors"] == [] and asked["portalAppointmentRequest"]["status"] == "PENDING"
    request = asked["portalAppointmentRequest"]["id"]
    refused = await run(patient, CONFIRM, id=request, scheduledAt=NEXT_WEEK)
    assert refusals(refused) == [(None, "FORBIDDEN")]  # staff confirm
    naive = await run(staff, CONFIRM, id=request, scheduledAt="2026-12-01T09:00:00")
    assert refusals(naive) == [("scheduledAt", "OUT_OF_RANGE")]
    booked = await run(staff, CONFIRM, id=request, scheduledAt=NEXT_WEEK)
    assert booked["errors"] == []
    assert booked["portalAppointmentRequest"]["status"] == "APPROVED"
    assert booked["portalAppointmentRequest"]["processedAt"] is not None
    again = await run(staff, CONFIRM, id=request, scheduledAt=NEXT_WEEK)
    assert refusals(again) == [("id", "CONFLICT")]
    events = await audit_actions(staff, request, "PortalAppointmentRequest")
    assert [e.action for e in events] == ["create", "update"]
    assert events[-1].changes["after"]["status"] == "approved"


async def test_request_errors(api: Api, portal_url: URL) -> None:
    patient, staff = await _clients(api, portal_url)
    other = encode("Patient", await _other_patient(patient))
    foreign = await _request(patient, staff, patientId=other)
    assert refusals(foreign) == [("patientId", "NOT_FOUND")]
    wrong = await _request(patient, staff, reason=" ", estimatedDuration=1000)
    assert refusals(wrong) == [("reason", "REQUIRED"), ("estimatedDuration", "OUT_OF_RANGE")]
    outsider = await api(portal_url, org=0, roles=["physician"])
    assert outsider.user_id is not None
    not_member = await _request(patient, staff, practitionerId=encode("User", outsider.user_id))
    assert refusals(not_member) == [("practitionerId", "NOT_FOUND")]
    analyst = await api(portal_url, org=ORG, roles=["analyst"])
    assert refusals(await _request(analyst, staff)) == [(None, "FORBIDDEN")]
    denied = (await _request(patient, staff))["portalAppointmentRequest"]["id"]
    async with session_factory(staff.engine)() as db, db.begin():
        await db.execute(
            update(PortalAppointmentRequest)
            .where(PortalAppointmentRequest.id == decode_as(denied, "PortalAppointmentRequest"))
            .values(status="denied")
        )
    late = await run(staff, CONFIRM, id=denied, scheduledAt=NEXT_WEEK)
    assert refusals(late) == [("id", "INVALID_STATE")]
    stolen = await run(outsider, CONFIRM, id=denied, scheduledAt=NEXT_WEEK)
    assert refusals(stolen) == [("id", "NOT_FOUND")]


async def test_a_failing_audit_write_rolls_the_message_back(
    api: Api, portal_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    patient, _ = await _clients(api, portal_url)
    assert patient.patient_id is not None
    thread = await _thread(patient, patient.patient_id)
    break_audit(monkeypatch)
    body = await patient.query(SEND, {"input": {"threadId": thread, "body": "Hi"}}, status=200)
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    monkeypatch.undo()
    raw = decode_as(thread, "PortalMessageThread")
    assert await count(patient, PortalMessage, thread_id=raw) == 0
    async with session_factory(patient.engine)() as db:
        row = await db.get(PortalMessageThread, raw)
    assert row is not None and (row.status, row.unread_by_provider) == ("open", 0)


async def test_the_readme_example_runs(api: Api, portal_url: URL) -> None:
    patient, _ = await _clients(api, portal_url)
    assert patient.patient_id is not None
    thread = await _thread(patient, patient.patient_id)
    data = await patient.data(readme_mutation("SendPortalMessage"), {"thread": thread})
    done = data["portalMessageSend"]
    assert done["errors"] == [] and done["portalMessage"]["sentAt"] is not None
