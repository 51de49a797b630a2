"""Cardiology mutations (issue 12) on SQLite and PostgreSQL, each in a new organization of
`migrated_url`: `ecgRecord` and `echocardiogramRecord` succeed and are audited; each error code
they can give (OUT_OF_RANGE, NOT_FOUND, FORBIDDEN; a missing required value fails the
input type); another organization's patient is
NOT_FOUND; an analyst writes nothing; a failing audit write rolls the record back."""

from __future__ import annotations

import datetime as dt

import pytest
from api_client import Api
from mutation_helpers import (
    ERRORS,
    PAST,
    audit_actions,
    break_audit,
    colleague,
    count,
    new_patient,
    readme_mutation,
    refusals,
    run,
)
from sqlalchemy.engine import URL

from models.cardiology import Ecg, Echocardiogram

ECG = f"""mutation($input: EcgRecordInput!) {{ ecgRecord(input: $input) {{
  ecg {{ id ecgNumber status heartRate rhythm patient {{ id }} }} {ERRORS} }} }}"""
ECHO = f"""mutation($input: EchocardiogramRecordInput!) {{ echocardiogramRecord(input: $input) {{
  echocardiogram {{ id echoNumber status lvef lvedd lvesd }} {ERRORS} }} }}"""


async def test_an_ecg_is_recorded_and_audited(api: Api, migrated_url: URL) -> None:
    client = await api(migrated_url, roles=["nurse"])
    patient = await new_patient(client)
    done = await run(
        client,
        ECG,
        patientId=patient,
        recordingDate=PAST,
        ecgType="STANDARD_12_LEAD",
        heartRate=72,
        qrsDuration=96.0,
        qtInterval=380.0,
        rhythm="SINUS",
        interpretation="Normal sinus rhythm.",
    )
    assert done["errors"] == []
    ecg = done["ecg"]
    assert (ecg["status"], ecg["heartRate"], ecg["rhythm"]) == ("PENDING", 72, "SINUS")
    assert ecg["ecgNumber"].startswith("ECG-20261001-") and ecg["patient"]["id"] == patient
    [event] = await audit_actions(client, ecg["id"], "Ecg")
    assert event.action == "create" and event.changes["after"]["heartRate"] == 72
    assert "interpretation" in event.changes["fields"]
    assert "interpretation" not in event.changes["after"]  # free text: named, not copied


async def test_ecg_errors(api: Api, migrated_url: URL) -> None:
    client, other = await api(migrated_url), await api(migrated_url)
    patient = await new_patient(client)
    base = {"patientId": patient, "recordingDate": PAST, "ecgType": "RHYTHM_STRIP"}
    for rate in (19, 301):
        assert refusals(await run(client, ECG, **base, heartRate=rate)) == [
            ("heartRate", "OUT_OF_RANGE")
        ]
    assert (await run(client, ECG, **base, heartRate=20))["errors"] == []  # boundaries included
    assert (await run(client, ECG, **base, heartRate=300))["errors"] == []
    bad = await run(client, ECG, **base, qrsDuration=120.0, qtInterval=110.0, axis=200)
    assert refusals(bad) == [
        ("qtInterval", "OUT_OF_RANGE"),
        ("axis", "OUT_OF_RANGE"),
        ("qrsDuration", "OUT_OF_RANGE"),
    ]
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    assert refusals(await run(client, ECG, **{**base, "recordingDate": future})) == [
        ("recordingDate", "OUT_OF_RANGE")
    ]
    foreign = await run(client, ECG, **{**base, "patientId": await new_patient(other)})
    assert refusals(foreign) == [("patientId", "NOT_FOUND")] and foreign["ecg"] is None
    not_a_patient = await run(client, ECG, **{**base, "patientId": "bm90LWFuLWlk"})
    assert refusals(not_a_patient) == [("patientId", "NOT_FOUND")]
    assert await count(client, Ecg) == 2


async def test_an_echocardiogram_is_recorded_with_its_checks(api: Api, migrated_url: URL) -> None:
    client, other = await api(migrated_url), await api(migrated_url)
    patient = await new_patient(client)
    base = {"patientId": patient, "studyDate": PAST, "echoType": "TTE"}
    done = await run(client, ECHO, **base, lvef=55.0, lvedd=48.0, lvesd=32.0, rvFunction="NORMAL")
    assert done["errors"] == []
    assert done["echocardiogram"]["echoNumber"].startswith("ECHO-20261001-")
    assert (done["echocardiogram"]["lvef"], done["echocardiogram"]["status"]) == (55.0, "PENDING")
    wrong = await run(client, ECHO, **base, lvef=95.0, lvedd=40.0, lvesd=45.0)
    assert refusals(wrong) == [("lvef", "OUT_OF_RANGE"), ("lvesd", "OUT_OF_RANGE")]
    naive = await run(client, ECHO, **{**base, "studyDate": "2026-10-01T09:30:00"})
    assert refusals(naive) == [("studyDate", "OUT_OF_RANGE")]
    foreign = await run(client, ECHO, **{**base, "patientId": await new_patient(other)})
    assert refusals(foreign) == [("patientId", "NOT_FOUND")]
    assert await count(client, Echocardiogram) == 1


async def test_a_missing_required_field_is_refused_by_the_type(api: Api, migrated_url: URL) -> None:
    """The required values are non-null in the input type: the variables do not coerce."""
    client = await api(migrated_url)
    body = await client.query(ECG, {"input": {"recordingDate": PAST, "ecgType": "STRESS_TEST"}})
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert await count(client, Ecg) == 0


async def test_an_analyst_writes_nothing(api: Api, migrated_url: URL) -> None:
    nurse = await api(migrated_url, roles=["nurse"])
    analyst = await colleague(api, migrated_url, nurse, "analyst")
    patient = await new_patient(nurse)
    ecg = await run(analyst, ECG, patientId=patient, recordingDate=PAST, ecgType="STRESS_TEST")
    echo = await run(analyst, ECHO, patientId=patient, studyDate=PAST, echoType="TEE")
    assert refusals(ecg) == refusals(echo) == [(None, "FORBIDDEN")] and ecg["ecg"] is None
    assert await count(nurse, Ecg) == await count(nurse, Echocardiogram) == 0


async def test_a_failing_audit_write_rolls_the_record_back(
    api: Api, migrated_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await api(migrated_url)
    patient = await new_patient(client)
    break_audit(monkeypatch)
    body = await client.query(
        ECG,
        {"input": {"patientId": patient, "recordingDate": PAST, "ecgType": "STRESS_TEST"}},
        status=200,
    )
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    monkeypatch.undo()
    assert await count(client, Ecg) == 0


async def test_the_readme_example_runs(api: Api, migrated_url: URL) -> None:
    client = await api(migrated_url, roles=["nurse"])
    data = await client.data(readme_mutation("RecordEcg"), {"patient": await new_patient(client)})
    done = data["ecgRecord"]
    assert done["errors"] == [] and done["ecg"]["heartRate"] == 72
