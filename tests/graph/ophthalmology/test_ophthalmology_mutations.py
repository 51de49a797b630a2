"""Ophthalmology mutations (issue 12) on SQLite and PostgreSQL, each in a new organization of
`migrated_url`: `biometryRecord` (axial length 15 to 40 mm, K1 not above K2, mean K computed),
a surgery's life (`surgerySchedule` in the future, `surgeryComplete`: CONFLICT when completed,
INVALID_STATE when cancelled, the end after the start), another organization's ids NOT_FOUND,
an analyst FORBIDDEN, and a failing audit write that rolls the completion back."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from api_client import Api, Client
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
from sqlalchemy import update
from sqlalchemy.engine import URL

import graph.ophthalmology.mutations
from graph.ids import decode_as
from models.database import session_factory
from models.ophthalmology import EyeSurgery, OcularBiometry

BIOMETRY = f"""mutation($input: BiometryRecordInput!) {{ biometryRecord(input: $input) {{
  ocularBiometry {{ id biometryNumber axialLength avgK deltaK eye }} {ERRORS} }} }}"""
SURGERY = "eyeSurgery { id status surgeryNumber surgeryDate durationMinutes surgeryOutcome }"
SCHEDULE = f"""mutation($input: SurgeryScheduleInput!) {{ surgerySchedule(input: $input) {{
  {SURGERY} {ERRORS} }} }}"""
COMPLETE = f"""mutation($input: SurgeryCompleteInput!) {{ surgeryComplete(input: $input) {{
  {SURGERY} {ERRORS} }} }}"""
MEASURED = {"eye": "RIGHT", "deviceType": "OPTICAL", "k1": 43.25, "k2": 44.75}
NEXT_WEEK = (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).replace(microsecond=0)


async def _scheduled(client: Client) -> str:
    planned = await run(
        client,
        SCHEDULE,
        patientId=await new_patient(client),
        surgeryDate=NEXT_WEEK.isoformat(),
        eye="LEFT",
        surgeryType="PHACO",
        iolPower=21.5,
    )
    assert planned["errors"] == [] and planned["eyeSurgery"]["status"] == "SCHEDULED"
    return planned["eyeSurgery"]["id"]  # type: ignore[no-any-return]


async def test_a_biometry_is_recorded(api: Api, migrated_url: URL) -> None:
    client = await api(migrated_url, roles=["nurse"])
    patient = await new_patient(client)
    done = await run(
        client, BIOMETRY, patientId=patient, measurementDate=PAST, axialLength=23.6, **MEASURED
    )
    assert done["errors"] == []
    row = done["ocularBiometry"]
    assert (row["axialLength"], row["avgK"], row["deltaK"]) == (23.6, 44.0, 1.5)
    assert row["biometryNumber"].startswith("BIO-20261001-")
    [event] = await audit_actions(client, row["id"], "OcularBiometry")
    assert event.action == "create" and event.changes["after"]["axialLength"] == 23.6


async def test_biometry_errors(api: Api, migrated_url: URL) -> None:
    client, other = await api(migrated_url), await api(migrated_url)
    patient = await new_patient(client)
    base = {"patientId": patient, "measurementDate": PAST, **MEASURED}
    for length in (14.9, 40.1):
        assert refusals(await run(client, BIOMETRY, **base, axialLength=length)) == [
            ("axialLength", "OUT_OF_RANGE")
        ]
    for length in (15.0, 40.0):  # the boundaries are accepted
        assert (await run(client, BIOMETRY, **base, axialLength=length))["errors"] == []
    flat = await run(client, BIOMETRY, **{**base, "k1": 45.0, "k2": 44.0}, axialLength=23.0)
    assert refusals(flat) == [("k1", "OUT_OF_RANGE")]
    foreign = await run(
        client, BIOMETRY, **{**base, "patientId": await new_patient(other)}, axialLength=23.0
    )
    assert refusals(foreign) == [("patientId", "NOT_FOUND")] and foreign["ocularBiometry"] is None
    assert await count(client, OcularBiometry) == 2


async def test_a_surgery_is_scheduled_and_completed(api: Api, migrated_url: URL) -> None:
    client = await api(migrated_url)
    surgery = await _scheduled(client)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=50)
    done = await run(
        client,
        COMPLETE,
        id=surgery,
        actualStartTime=start.isoformat(),
        actualEndTime=(start + dt.timedelta(minutes=35)).isoformat(),
        surgeryOutcome="SUCCESSFUL",
        immediateIop=14.0,
    )
    assert done["errors"] == []
    row = done["eyeSurgery"]
    assert (row["status"], row["durationMinutes"], row["surgeryOutcome"]) == (
        "COMPLETED",
        35,
        "SUCCESSFUL",
    )
    events = await audit_actions(client, surgery, "EyeSurgery")
    assert [event.action for event in events] == ["create", "update"]
    assert events[-1].changes["before"]["status"] == "scheduled"
    assert events[-1].changes["after"]["status"] == "completed"
    again = await run(client, COMPLETE, id=surgery, surgeryOutcome="SUCCESSFUL")
    assert refusals(again) == [("id", "CONFLICT")]


async def test_surgery_errors(api: Api, migrated_url: URL) -> None:
    client, other = await api(migrated_url), await api(migrated_url)
    surgery = await _scheduled(client)
    naive = await run(
        client,
        SCHEDULE,
        patientId=await new_patient(client),
        surgeryDate="2026-12-01T08:00:00",
        eye="BOTH",
        surgeryType="LASIK",
        iolPower=60.0,
    )
    assert refusals(naive) == [("surgeryDate", "OUT_OF_RANGE"), ("iolPower", "OUT_OF_RANGE")]
    foreign_patient = await run(
        client,
        SCHEDULE,
        patientId=await new_patient(other),
        surgeryDate=NEXT_WEEK.isoformat(),
        eye="LEFT",
        surgeryType="PHACO",
    )
    assert refusals(foreign_patient) == [("patientId", "NOT_FOUND")]
    no_outcome = await run(client, COMPLETE, id=surgery)
    assert refusals(no_outcome) == [("surgeryOutcome", "REQUIRED")]
    backwards = await run(
        client,
        COMPLETE,
        id=surgery,
        surgeryOutcome="SUCCESSFUL",
        actualStartTime="2026-10-01T10:00:00Z",
        actualEndTime="2026-10-01T09:00:00Z",
    )
    assert refusals(backwards) == [("actualEndTime", "OUT_OF_RANGE")]
    stolen = await run(other, COMPLETE, id=surgery, surgeryOutcome="SUCCESSFUL")
    assert refusals(stolen) == [("id", "NOT_FOUND")]
    async with session_factory(client.engine)() as db, db.begin():
        await db.execute(
            update(EyeSurgery)
            .where(EyeSurgery.id == decode_as(surgery, "EyeSurgery"))
            .values(status="cancelled")
        )
    cancelled = await run(client, COMPLETE, id=surgery, surgeryOutcome="SUCCESSFUL")
    assert refusals(cancelled) == [("id", "INVALID_STATE")]
    assert await count(client, EyeSurgery, status="completed") == 0


async def test_an_analyst_writes_nothing(api: Api, migrated_url: URL) -> None:
    physician = await api(migrated_url)
    analyst = await colleague(api, migrated_url, physician, "analyst")
    surgery = await _scheduled(physician)
    refused = await run(analyst, COMPLETE, id=surgery, surgeryOutcome="SUCCESSFUL")
    assert refusals(refused) == [(None, "FORBIDDEN")] and refused["eyeSurgery"] is None
    patient = await new_patient(physician)
    biometry = await run(
        analyst, BIOMETRY, patientId=patient, measurementDate=PAST, axialLength=23.0, **MEASURED
    )
    assert refusals(biometry) == [(None, "FORBIDDEN")]
    assert await count(physician, OcularBiometry) == 0
    assert await count(physician, EyeSurgery, status="scheduled") == 1


async def test_a_failing_audit_write_rolls_the_completion_back(
    api: Api, migrated_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await api(migrated_url)
    surgery = await _scheduled(client)
    break_audit(monkeypatch)
    body = await client.query(
        COMPLETE, {"input": {"id": surgery, "surgeryOutcome": "SUCCESSFUL"}}, status=200
    )
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    monkeypatch.undo()
    async with session_factory(client.engine)() as db:
        row = await db.get(EyeSurgery, decode_as(surgery, "EyeSurgery"))
    assert row is not None and (row.status, row.surgery_outcome) == ("scheduled", None)
    assert (await run(client, COMPLETE, id=surgery, surgeryOutcome="SUCCESSFUL"))["errors"] == []


async def test_the_readme_example_runs(api: Api, migrated_url: URL) -> None:
    client = await api(migrated_url, roles=["nurse"])
    document = readme_mutation("RecordBiometry")
    data = await client.data(document, {"patient": await new_patient(client)})
    done = data["biometryRecord"]
    assert done["errors"] == [] and done["ocularBiometry"]["avgK"] == 44.0


async def test_two_concurrent_completions_one_wins(
    api: Api, migrated_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both requests have checked their input before either takes the surgery (a barrier of
    two, no timing): the row lock lets exactly one complete it, the other gets CONFLICT."""
    first = await api(migrated_url)
    second = await colleague(api, migrated_url, first, "physician")
    surgery = await _scheduled(first)
    barrier = asyncio.Barrier(2)
    original = graph.ophthalmology.mutations._transition

    async def together(*args: Any) -> Any:
        await barrier.wait()
        return await original(*args)

    monkeypatch.setattr(graph.ophthalmology.mutations, "_transition", together)
    results = await asyncio.gather(
        run(first, COMPLETE, id=surgery, surgeryOutcome="SUCCESSFUL"),
        run(second, COMPLETE, id=surgery, surgeryOutcome="COMPLICATED"),
    )
    assert sorted(tuple(refusals(result)) for result in results) == [(), (("id", "CONFLICT"),)]
    events = await audit_actions(first, surgery, "EyeSurgery")
    assert [event.action for event in events] == ["create", "update"]
