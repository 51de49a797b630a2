"""Patient mutations (issue 12): create, update, archive through graph/mutations.py. Each runs
against a new organization of `migrated_url`, on SQLite and PostgreSQL: success, each error
code, another organization's id, analyst refused, audit rows (PHI by name only), and an
injected failure in the audit write that rolls the whole write back."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import pytest
from api_client import Api, Client
from sqlalchemy import func, select, update
from sqlalchemy.engine import URL

import graph.mutations
from graph.ids import decode_as, encode
from models.audit import AuditEvent
from models.database import session_factory
from models.healthcare import Patient

CREATE = """
mutation Create($input: PatientCreateInput!) {
  patientCreate(input: $input) {
    patient { id firstName lastName dateOfBirth gender medicalRecordNumber status }
    errors { field code message }
  }
}"""
UPDATE = """
mutation Update($input: PatientUpdateInput!) {
  patientUpdate(input: $input) {
    patient { id firstName city bloodType updatedAt }
    errors { field code message }
  }
}"""
ARCHIVE = """
mutation Archive($input: PatientArchiveInput!) {
  patientArchive(input: $input) { patient { id status } errors { field code message } }
}"""
NEW = {"firstName": "Ada", "lastName": "Zephyr", "dateOfBirth": "1961-04-12"}


async def _create(client: Client, **fields: Any) -> dict[str, Any]:
    data = await client.data(CREATE, {"input": {**NEW, **fields}})
    return data["patientCreate"]  # type: ignore[no-any-return]


async def _patients(client: Client) -> int:
    async with session_factory(client.engine)() as session:
        count = select(func.count()).where(Patient.organization_id == client.organization_id)
        return int(await session.scalar(count.select_from(Patient)) or 0)


async def _audit(client: Client, row_id: str) -> list[AuditEvent]:
    async with session_factory(client.engine)() as session:
        found = await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_id == row_id, AuditEvent.action != "read")
            .order_by(AuditEvent.occurred_at, AuditEvent.action)
        )
        return list(found)


def _mutation_errors(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(error["field"], error["code"]) for error in payload["errors"]]


async def test_create_writes_the_patient_and_an_audit_event_without_phi_values(
    api: Api, migrated_url: URL
) -> None:
    client = await api(migrated_url, roles=["nurse"])
    payload = await _create(client, medicalRecordNumber="MRN-1", city="Lyon")
    assert payload["errors"] == []
    patient = payload["patient"]
    assert patient["firstName"] == "Ada" and patient["gender"] == "UNKNOWN"
    row_id = decode_as(patient["id"], "Patient")
    (event,) = await _audit(client, row_id)
    assert (event.action, event.outcome, event.entity_type) == ("create", "success", "Patient")
    assert event.patient_id == row_id and event.user_id == client.user_id
    changes: Any = event.changes
    assert {"firstName", "lastName", "dateOfBirth", "city", "gender"} <= set(changes["fields"])
    assert changes["after"] == {"gender": "unknown"}  # text and the birth date: names only
    assert changes["before"] == {}
    stored = json.dumps([changes, event.metadata_])
    assert "Ada" not in stored and "Zephyr" not in stored and "Lyon" not in stored
    assert "MRN-1" not in stored and "1961" not in stored


async def test_each_input_error_has_its_code_and_writes_nothing(
    api: Api, migrated_url: URL
) -> None:
    client = await api(migrated_url)
    await _create(client, medicalRecordNumber="MRN-7")
    before = await _patients(client)
    blank = await _create(client, firstName="  ")
    assert _mutation_errors(blank) == [("firstName", "REQUIRED")] and blank["patient"] is None
    old = await _create(client, dateOfBirth="1850-01-01")
    assert _mutation_errors(old) == [("dateOfBirth", "OUT_OF_RANGE")]
    twice = await _create(client, medicalRecordNumber="MRN-7")
    assert _mutation_errors(twice) == [("medicalRecordNumber", "DUPLICATE")]
    assert await _patients(client) == before


async def test_update_changes_given_fields_keeps_the_others_and_moves_updated_at(
    api: Api, migrated_url: URL
) -> None:
    client = await api(migrated_url, roles=["physician"])
    created = (await _create(client, city="Lyon"))["patient"]
    row_id = decode_as(created["id"], "Patient")
    long_ago = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    async with session_factory(client.engine)() as session, session.begin():
        await session.execute(
            update(Patient).where(Patient.id == row_id).values(updated_at=long_ago)
        )
    data = await client.data(
        UPDATE, {"input": {"id": created["id"], "city": "Nantes", "bloodType": "O_NEGATIVE"}}
    )
    payload = data["patientUpdate"]
    assert payload["errors"] == []
    assert payload["patient"]["city"] == "Nantes" and payload["patient"]["firstName"] == "Ada"
    assert dt.datetime.fromisoformat(payload["patient"]["updatedAt"]) > long_ago
    update_event = (await _audit(client, row_id))[-1]
    changes: Any = update_event.changes
    assert update_event.action == "update"
    assert sorted(changes["fields"]) == ["bloodType", "city"]
    assert changes["before"] == {"bloodType": None} and changes["after"] == {
        "bloodType": "o_negative"
    }
    cleared = await client.data(UPDATE, {"input": {"id": created["id"], "lastName": None}})
    assert _mutation_errors(cleared["patientUpdate"]) == [("lastName", "REQUIRED")]


async def test_another_organizations_patient_is_not_found(api: Api, migrated_url: URL) -> None:
    mine, theirs = await api(migrated_url), await api(migrated_url)
    other = (await _create(theirs))["patient"]["id"]
    changed = await mine.data(UPDATE, {"input": {"id": other, "city": "Paris"}})
    assert _mutation_errors(changed["patientUpdate"]) == [("id", "NOT_FOUND")]
    archived = await mine.data(ARCHIVE, {"input": {"id": other, "reason": "duplicate record"}})
    assert _mutation_errors(archived["patientArchive"]) == [("id", "NOT_FOUND")]
    garbage = await mine.data(UPDATE, {"input": {"id": "not-an-id", "city": "Paris"}})
    assert _mutation_errors(garbage["patientUpdate"]) == [("id", "NOT_FOUND")]
    assert (await theirs.data(f'{{ patient(id: "{other}") {{ city }} }}'))["patient"][
        "city"
    ] is None


async def test_archive_hides_the_patient_and_is_audited_as_a_delete(
    api: Api, migrated_url: URL
) -> None:
    client = await api(migrated_url)
    created = (await _create(client))["patient"]["id"]
    blank = await client.data(ARCHIVE, {"input": {"id": created, "reason": " "}})
    assert _mutation_errors(blank["patientArchive"]) == [("reason", "REQUIRED")]
    done = await client.data(ARCHIVE, {"input": {"id": created, "reason": "merged"}})
    assert done["patientArchive"]["errors"] == []
    assert done["patientArchive"]["patient"]["status"] == "archived"
    assert (await client.data(f'{{ patient(id: "{created}") {{ id }} }}'))["patient"] is None
    again = await client.data(ARCHIVE, {"input": {"id": created, "reason": "merged"}})
    assert _mutation_errors(again["patientArchive"]) == [("id", "NOT_FOUND")]
    event = (await _audit(client, decode_as(created, "Patient")))[-1]
    changes: Any = event.changes
    assert event.action == "delete" and {"deletedAt", "deletedBy", "status"} <= set(
        changes["fields"]
    )
    assert "deletedAt" in changes["after"] and changes["after"]["deletedBy"] == client.user_id
    assert "status" not in changes["after"]  # free text: listed by name only


async def test_analyst_writes_nothing_and_the_refusal_is_audited(
    api: Api, migrated_url: URL
) -> None:
    client = await api(migrated_url, roles=["analyst"])
    payload = await _create(client)
    assert _mutation_errors(payload) == [(None, "FORBIDDEN")] and payload["patient"] is None
    assert await _patients(client) == 0
    async with session_factory(client.engine)() as session:
        denied = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.organization_id == client.organization_id,
                AuditEvent.outcome == "denied",
                AuditEvent.action == "create",
            )
        )
    assert denied == 1


async def test_a_failure_in_the_audit_write_rolls_the_patient_back(
    api: Api, migrated_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await api(migrated_url)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the audit write failed")

    monkeypatch.setattr(graph.mutations, "change_event", broken)
    body = await client.query(CREATE, {"input": NEW}, status=200)
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert body["data"] is None
    assert await _patients(client) == 0  # the INSERT was flushed, then rolled back
    monkeypatch.undo()
    assert (await _create(client))["errors"] == []  # the session is usable again
    assert await _patients(client) == 1


async def test_a_portal_patient_may_not_write_the_registry(api: Api, portal_url: URL) -> None:
    client = await api.patient(portal_url)
    payload = await _create(client)
    assert _mutation_errors(payload) == [(None, "FORBIDDEN")] and payload["patient"] is None
    own = encode("Patient", client.patient_id or "")
    changed = await client.data(UPDATE, {"input": {"id": own, "city": "Paris"}})
    assert _mutation_errors(changed["patientUpdate"]) == [(None, "FORBIDDEN")]


async def test_an_update_from_a_stale_read_is_a_conflict(api: Api, migrated_url: URL) -> None:
    """`expectedUpdatedAt` is the version the client read: the first update with it wins,
    the next one with the same (now stale) version gets CONFLICT and writes nothing; two sent
    at once: exactly one wins."""
    client = await api(migrated_url, roles=["physician"])
    created = (await _create(client, city="Lyon"))["patient"]
    read = await client.data(
        "query($id: ID!) { patient(id: $id) { updatedAt } }", {"id": created["id"]}
    )
    version = read["patient"]["updatedAt"]
    first = await client.data(
        UPDATE, {"input": {"id": created["id"], "city": "Nantes", "expectedUpdatedAt": version}}
    )
    assert first["patientUpdate"]["errors"] == []
    stale = await client.data(
        UPDATE, {"input": {"id": created["id"], "city": "Brest", "expectedUpdatedAt": version}}
    )
    assert _mutation_errors(stale["patientUpdate"]) == [("expectedUpdatedAt", "CONFLICT")]
    assert stale["patientUpdate"]["patient"] is None
    now = first["patientUpdate"]["patient"]["updatedAt"]
    assert now != version
    both = await asyncio.gather(
        *(
            client.data(
                UPDATE, {"input": {"id": created["id"], "city": city, "expectedUpdatedAt": now}}
            )
            for city in ("Rennes", "Vannes")
        )
    )
    outcomes = sorted(len(result["patientUpdate"]["errors"]) for result in both)
    assert outcomes == [0, 1]
    final = await client.data(
        "query($id: ID!) { patient(id: $id) { city } }", {"id": created["id"]}
    )
    winner = next(r for r in both if not r["patientUpdate"]["errors"])
    assert final["patient"]["city"] == winner["patientUpdate"]["patient"]["city"]
