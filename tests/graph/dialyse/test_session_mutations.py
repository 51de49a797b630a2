"""Dialysis session and lab mutations (issue 12) on SQLite and PostgreSQL, each in a new
organization of `migrated_url`: the session's life (schedule, start, complete, cancel) with
every error code, labs, another organization's ids, two concurrent completions (exactly one
wins, the other CONFLICT), an injected audit failure that rolls back, and the audit rows."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from api_client import Api, Client
from sqlalchemy import func, select
from sqlalchemy.engine import URL

import graph.dialyse.mutations
import graph.mutations
from graph.ids import decode_as
from models.audit import AuditEvent
from models.database import session_factory
from models.dialyse import DialysisLab, DialysisSession

ERRORS = "errors { field code message }"
SESSION = "dialysisSession { id status preWeight postWeight durationMinutes updatedAt }"
PATIENT = """mutation($input: PatientCreateInput!) {
  patientCreate(input: $input) { patient { id } errors { code } } }"""
SCHEDULE = f"""mutation Schedule($input: DialysisSessionScheduleInput!) {{
  dialysisSessionSchedule(input: $input) {{ {SESSION} {ERRORS} }} }}"""
START = f"""mutation Start($input: DialysisSessionStartInput!) {{
  dialysisSessionStart(input: $input) {{ {SESSION} {ERRORS} }} }}"""
COMPLETE = f"""mutation Complete($input: DialysisSessionCompleteInput!) {{
  dialysisSessionComplete(input: $input) {{ {SESSION} {ERRORS} }} }}"""
CANCEL = f"""mutation Cancel($input: DialysisSessionCancelInput!) {{
  dialysisSessionCancel(input: $input) {{ {SESSION} {ERRORS} }} }}"""
LAB = f"""mutation Lab($input: DialysisLabResultsRecordInput!) {{
  dialysisLabResultsRecord(input: $input) {{
    dialysisLab {{ id hemoglobin importMethod }} {ERRORS} }} }}"""
MEASURED = {"preWeight": 72.4, "postWeight": 70.1, "preBun": 60.0, "postBun": 20.0}
START_AT = "2026-10-01T07:30:00+00:00"
END_AT = "2026-10-01T11:30:00+00:00"


async def _run(client: Client, document: str, **fields: Any) -> dict[str, Any]:
    data = await client.data(document, {"input": fields})
    return next(iter(data.values()))  # type: ignore[no-any-return]


def _mutation_errors(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(error["field"], error["code"]) for error in payload["errors"]]


async def _patient(client: Client) -> str:
    created = await client.data(
        PATIENT, {"input": {"firstName": "Ida", "lastName": "Renal", "dateOfBirth": "1950-02-03"}}
    )
    return created["patientCreate"]["patient"]["id"]  # type: ignore[no-any-return]


async def _scheduled(client: Client, day: str = "2026-10-01") -> str:
    payload = await _run(client, SCHEDULE, patientId=await _patient(client), sessionDate=day)
    assert payload["errors"] == []
    return payload["dialysisSession"]["id"]  # type: ignore[no-any-return]


async def _started(client: Client) -> str:
    session = await _scheduled(client)
    started = await _run(client, START, id=session, actualStartTime=START_AT, preWeight=72.4)
    assert started["errors"] == [] and started["dialysisSession"]["status"] == "IN_PROGRESS"
    return session


async def _count(client: Client, model: Any) -> int:
    async with session_factory(client.engine)() as session:
        query = select(func.count()).select_from(model)
        query = query.where(model.organization_id == client.organization_id)
        return int(await session.scalar(query) or 0)


async def test_a_session_is_scheduled_started_and_completed(api: Api, migrated_url: URL) -> None:
    client = await api(migrated_url, roles=["nurse"])
    session = await _started(client)
    done = await _run(client, COMPLETE, id=session, actualEndTime=END_AT, **MEASURED)
    assert done["errors"] == []
    row = done["dialysisSession"]
    assert (row["status"], row["postWeight"], row["durationMinutes"]) == ("COMPLETED", 70.1, 240)
    async with session_factory(client.engine)() as db:
        events = list(
            await db.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity_id == decode_as(session, "DialysisSession"))
                .where(AuditEvent.action != "read")
                .order_by(AuditEvent.occurred_at)
            )
        )
    assert [event.action for event in events] == ["create", "update", "update"]
    changes: Any = events[-1].changes
    assert changes["before"]["status"] == "in_progress"
    assert changes["after"]["status"] == "completed" and changes["after"]["postBun"] == 20.0


async def test_schedule_errors(api: Api, migrated_url: URL) -> None:
    client, other = await api(migrated_url), await api(migrated_url)
    patient = await _patient(client)
    first = await _run(client, SCHEDULE, patientId=patient, sessionDate="2026-10-02")
    assert first["errors"] == []
    twice = await _run(client, SCHEDULE, patientId=patient, sessionDate="2026-10-02")
    assert _mutation_errors(twice) == [("sessionDate", "DUPLICATE")]
    too_much = await _run(
        client, SCHEDULE, patientId=patient, sessionDate="2026-10-03", ufGoal=9000.0
    )
    assert _mutation_errors(too_much) == [("ufGoal", "OUT_OF_RANGE")]
    foreign = await _run(
        client, SCHEDULE, patientId=await _patient(other), sessionDate="2026-10-03"
    )
    assert (
        _mutation_errors(foreign) == [("patientId", "NOT_FOUND")]
        and foreign["dialysisSession"] is None
    )
    assert await _count(client, DialysisSession) == 1


async def test_transition_errors(api: Api, migrated_url: URL) -> None:
    client = await api(migrated_url)
    session = await _started(client)
    again = await _run(client, START, id=session)
    assert _mutation_errors(again) == [("id", "CONFLICT")]
    light = await _run(client, START, id=session, preWeight=10.0, bloodFlow=50)
    assert _mutation_errors(light) == [("preWeight", "OUT_OF_RANGE"), ("bloodFlow", "OUT_OF_RANGE")]
    no_weight = await _run(client, COMPLETE, id=session, actualEndTime=END_AT)
    assert _mutation_errors(no_weight) == [("postWeight", "REQUIRED")]
    bun = await _run(client, COMPLETE, id=session, postWeight=70.0, preBun=30.0, postBun=40.0)
    assert _mutation_errors(bun) == [("postBun", "OUT_OF_RANGE")]
    early = await _run(
        client, COMPLETE, id=session, postWeight=70.0, actualEndTime="2026-10-01T06:00:00Z"
    )
    assert _mutation_errors(early) == [("actualEndTime", "OUT_OF_RANGE")]
    done = await _run(client, COMPLETE, id=session, actualEndTime=END_AT, **MEASURED)
    assert done["errors"] == []
    assert _mutation_errors(await _run(client, START, id=session)) == [("id", "INVALID_STATE")]
    assert _mutation_errors(await _run(client, COMPLETE, id=session, postWeight=70.0)) == [
        ("id", "CONFLICT")
    ]
    unknown = await _run(client, COMPLETE, id=await _patient(client), postWeight=70.0)
    assert _mutation_errors(unknown) == [("id", "NOT_FOUND")]  # a Patient's id is no session's


async def test_cancel(api: Api, migrated_url: URL) -> None:
    client, other = await api(migrated_url), await api(migrated_url)
    session = await _scheduled(client)
    blank = await _run(client, CANCEL, id=session, cancellationReason="  ")
    assert _mutation_errors(blank) == [("cancellationReason", "REQUIRED")]
    foreign = await _run(other, CANCEL, id=session, cancellationReason="no transport")
    assert _mutation_errors(foreign) == [("id", "NOT_FOUND")]
    done = await _run(client, CANCEL, id=session, cancellationReason="no transport")
    assert done["errors"] == [] and done["dialysisSession"]["status"] == "CANCELLED"
    again = await _run(client, CANCEL, id=session, cancellationReason="no transport")
    assert _mutation_errors(again) == [("id", "CONFLICT")]
    assert _mutation_errors(await _run(client, START, id=session)) == [("id", "INVALID_STATE")]
    late = await _run(client, COMPLETE, id=session, postWeight=70.0)
    assert _mutation_errors(late) == [("id", "INVALID_STATE")]


async def test_two_concurrent_completions_one_wins(
    api: Api, migrated_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both requests have read and checked their input before either takes the session (a
    barrier of two, no timing): without the row lock both would complete it."""
    first = await api(migrated_url, roles=["nurse"])
    assert first.organization_id is not None and first.user_id is not None
    second = await api(migrated_url, org=first.organization_id, user=first.user_id, roles=["nurse"])
    session = await _started(first)
    barrier = asyncio.Barrier(2)
    original = graph.dialyse.mutations._transition

    async def together(*args: Any) -> Any:
        await barrier.wait()
        return await original(*args)

    monkeypatch.setattr(graph.dialyse.mutations, "_transition", together)
    results = await asyncio.gather(
        _run(first, COMPLETE, id=session, actualEndTime=END_AT, **MEASURED),
        _run(second, COMPLETE, id=session, actualEndTime=END_AT, **MEASURED),
    )
    outcomes = sorted(tuple(_mutation_errors(result)) for result in results)
    assert outcomes == [(), (("id", "CONFLICT"),)]
    async with session_factory(first.engine)() as db:
        completions = await db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.entity_id == decode_as(session, "DialysisSession"),
                AuditEvent.action == "update",
            )
        )
    assert completions == 2  # the start and one completion


async def test_lab_results(api: Api, migrated_url: URL) -> None:
    client, other = await api(migrated_url), await api(migrated_url)
    patient = await _patient(client)
    recorded = await _run(
        client, LAB, patientId=patient, labDate=START_AT, hemoglobin=11.2, ureaPre=25.0
    )
    assert recorded["errors"] == [] and recorded["dialysisLab"]["importMethod"] == "MANUAL"
    wrong = await _run(
        client,
        LAB,
        patientId=patient,
        labDate=START_AT,
        hemoglobin=40.0,
        ureaPre=9.0,
        ureaPost=12.0,
    )
    assert _mutation_errors(wrong) == [("hemoglobin", "OUT_OF_RANGE"), ("ureaPost", "OUT_OF_RANGE")]
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()
    assert _mutation_errors(await _run(client, LAB, patientId=patient, labDate=future)) == [
        ("labDate", "OUT_OF_RANGE")
    ]
    foreign = await _run(client, LAB, patientId=await _patient(other), labDate=START_AT)
    assert _mutation_errors(foreign) == [("patientId", "NOT_FOUND")]
    assert await _count(client, DialysisLab) == 1


async def test_analyst_is_forbidden(api: Api, migrated_url: URL) -> None:
    nurse = await api(migrated_url, roles=["nurse"])
    assert nurse.organization_id is not None and nurse.user_id is not None
    analyst = await api(
        migrated_url, org=nurse.organization_id, user=nurse.user_id, roles=["analyst"]
    )
    session = await _started(nurse)
    refused = await _run(analyst, COMPLETE, id=session, postWeight=70.0)
    assert _mutation_errors(refused) == [(None, "FORBIDDEN")] and refused["dialysisSession"] is None
    lab = await _run(analyst, LAB, patientId=await _patient(nurse), labDate=START_AT)
    assert _mutation_errors(lab) == [(None, "FORBIDDEN")]
    assert await _count(nurse, DialysisLab) == 0


async def test_a_failing_audit_write_rolls_the_completion_back(
    api: Api, migrated_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await api(migrated_url)
    session = await _started(client)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the audit write failed")

    monkeypatch.setattr(graph.mutations, "change_event", broken)
    body = await client.query(COMPLETE, {"input": {"id": session, **MEASURED}}, status=200)
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    monkeypatch.undo()
    async with session_factory(client.engine)() as db:
        row = await db.get(DialysisSession, decode_as(session, "DialysisSession"))
    assert row is not None and (row.status, row.post_weight) == ("in_progress", None)
    done = await _run(client, COMPLETE, id=session, actualEndTime=END_AT, **MEASURED)
    assert done["errors"] == []


def _readme_mutation(name: str) -> str:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"```graphql\n(mutation {name}\b.*?)```", readme, re.DOTALL)
    assert found, f"the README has no `mutation {name}` example"
    return found.group(1)


async def test_the_readme_mutation_examples_run(api: Api, migrated_url: URL) -> None:
    client = await api(migrated_url, roles=["nurse"])
    intake = (await client.data(_readme_mutation("PatientIntake")))["patientCreate"]
    assert intake["errors"] == [] and intake["patient"]["lastName"] == "Martin"
    scheduled = await _run(
        client, SCHEDULE, patientId=intake["patient"]["id"], sessionDate="2026-10-01"
    )
    session = scheduled["dialysisSession"]["id"]
    assert (await _run(client, START, id=session, actualStartTime=START_AT))["errors"] == []
    data = await client.data(_readme_mutation("CompleteSession"), {"session": session})
    done = data["dialysisSessionComplete"]
    assert done["errors"] == []
    assert done["dialysisSession"]["status"] == "COMPLETED"
    assert done["dialysisSession"]["durationMinutes"] == 240
    assert done["dialysisSession"]["urr"]["value"] is not None
