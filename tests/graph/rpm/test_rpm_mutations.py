"""RPM mutations (issue 12) on SQLite and PostgreSQL, each in a new organization of
`migrated_url` with a programme inserted directly (no mutation creates programmes): devices,
enrolments, alerts with their error codes, and the ingestion of readings: 1,000 readings in at
most 10 statements, a batch sent again stored once, thresholds on their bounds, one alert per
patient and rule, readings refused one by one, the batch's audit event and its rollback."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from api_client import AUDIT_WRITE, Api, Client, statements
from mutation_helpers import ERRORS, colleague, count, new_patient, refusals, run
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine

import graph.rpm.ingest
import graph.rpm.mutations
from graph.ids import decode_as, encode
from models.audit import AuditEvent
from models.database import session_factory
from models.rpm import RpmAlert, RpmDevice, RpmEnrollment, RpmProgram, RpmReading

REGISTER = f"""mutation($input: RpmDeviceRegisterInput!) {{
  rpmDeviceRegister(input: $input) {{ rpmDevice {{ id status }} {ERRORS} }} }}"""
ASSIGN = f"""mutation($input: RpmDeviceAssignInput!) {{
  rpmDeviceAssign(input: $input) {{ rpmDevice {{ id status assignedAt }} {ERRORS} }} }}"""
ENROLL = f"""mutation($input: RpmProgramEnrollInput!) {{
  rpmProgramEnroll(input: $input) {{ rpmEnrollment {{ id status }} {ERRORS} }} }}"""
ACK = f"""mutation($input: RpmAlertAcknowledgeInput!) {{
  rpmAlertAcknowledge(input: $input) {{ rpmAlert {{ id status }} {ERRORS} }} }}"""
RESOLVE = f"""mutation($input: RpmAlertResolveInput!) {{
  rpmAlertResolve(input: $input) {{ rpmAlert {{ id status resolution }} {ERRORS} }} }}"""
INGEST = f"""mutation Ingest($input: RpmReadingsIngestInput!) {{
  rpmReadingsIngest(input: $input) {{ accepted duplicates outOfRange alertsOpened {ERRORS} }} }}"""
THRESHOLDS = {
    "blood_pressure": {"low": 90, "high": 150},
    "oxygen_saturation": {"low": 92, "high": 100},
}
START = dt.datetime(2026, 10, 1, 6, 0, tzinfo=dt.UTC)
README_TEXT = (Path(__file__).resolve().parents[3] / "README.md").read_text()


async def _program(client: Client, status: str = "active") -> str:
    """A programme of the client's organization (inserted directly), as a global ID."""
    row = RpmProgram(
        organization_id=client.organization_id,
        name="Hypertension home monitoring",
        program_code="RPM-HTN",
        program_type="hypertension",
        required_reading_types=["blood_pressure", "oxygen_saturation"],
        alert_thresholds=THRESHOLDS,
        status=status,
        created_by=client.user_id,
    )
    async with session_factory(client.engine)() as session, session.begin():
        session.add(row)
    return encode("RpmProgram", row.id)


def _device(patient: str, serial: str) -> dict[str, Any]:
    return {
        "patientId": patient,
        "deviceType": "BLOOD_PRESSURE_MONITOR",
        "brand": "Omron",
        "model": "M7",
        "serialNumber": serial,
        "deviceNumber": f"D-{serial}",
        "connectivityType": "BLUETOOTH",
    }


async def _registered(client: Client, patient: str, serial: str) -> str:
    payload = await run(client, REGISTER, **_device(patient, serial))
    assert payload["errors"] == [] and payload["rpmDevice"]["status"] == "PENDING_ACTIVATION"
    return payload["rpmDevice"]["id"]  # type: ignore[no-any-return]


async def _monitored(client: Client, serial: str = "SN-1") -> tuple[str, str]:
    """(patient, assigned device) of a patient enrolled with an oxygen override (low 88)."""
    patient = await new_patient(client)
    enrolled = await run(
        client,
        ENROLL,
        patientId=patient,
        programId=await _program(client),
        customAlertThresholds={"oxygen_saturation": {"low": 88}},
        isConsentObtained=True,
    )
    assert enrolled["errors"] == [] and enrolled["rpmEnrollment"]["status"] == "ACTIVE"
    device = await _registered(client, patient, serial)
    assigned = await run(client, ASSIGN, id=device, patientId=patient)
    assert assigned["errors"] == [] and assigned["rpmDevice"]["status"] == "ACTIVE"
    return patient, device


def _reading(at: dt.datetime, value: float, kind: str = "BLOOD_PRESSURE") -> dict[str, Any]:
    unit = "mmHg" if kind == "BLOOD_PRESSURE" else "%"
    return {"readingType": kind, "timestamp": at.isoformat(), "primaryValue": value,
            "primaryUnit": unit}  # fmt: skip


def _batch(size: int, value: float = 120.0) -> list[dict[str, Any]]:
    return [_reading(START + dt.timedelta(minutes=i), value) for i in range(size)]


async def _ingest(client: Client, device: str, readings: list[dict[str, Any]]) -> dict[str, Any]:
    return await run(client, INGEST, deviceId=device, readings=readings)


async def _set(client: Client, model: Any, global_id: str, **values: Any) -> None:
    """Change a row directly (a state no mutation of this domain reaches)."""
    row_id = decode_as(global_id, model.__name__)
    async with session_factory(client.engine)() as session, session.begin():
        await session.execute(update(model).where(model.id == row_id).values(**values))


async def test_device_register_and_assign(api: Api, migrated_url: URL) -> None:
    client, other = await api(migrated_url, roles=["nurse"]), await api(migrated_url)
    patient = await new_patient(client)
    device = await _registered(client, patient, "SN-A")
    twice = await run(client, REGISTER, **_device(patient, "SN-A"))
    assert refusals(twice) == [("serialNumber", "DUPLICATE")] and twice["rpmDevice"] is None
    foreign = await run(client, REGISTER, **_device(await new_patient(other), "SN-B"))
    assert refusals(foreign) == [("patientId", "NOT_FOUND")]
    bad = await run(client, REGISTER, **_device(patient, "SN-C"), readingIntervalMinutes=0)
    assert refusals(bad) == [("readingIntervalMinutes", "OUT_OF_RANGE")]
    blank = await run(client, REGISTER, **{**_device(patient, "SN-D"), "brand": " "})
    assert refusals(blank) == [("brand", "REQUIRED")]
    assert await count(client, RpmDevice) == 1

    assigned = await run(client, ASSIGN, id=device, patientId=patient)
    assert assigned["errors"] == [] and assigned["rpmDevice"]["assignedAt"] is not None
    again = await run(client, ASSIGN, id=device, patientId=patient)
    assert refusals(again) == [("id", "CONFLICT")]
    await _set(client, RpmDevice, device, status="retired")
    retired = await run(client, ASSIGN, id=device, patientId=patient)
    assert refusals(retired) == [("id", "INVALID_STATE")]
    theirs = await _registered(other, await new_patient(other), "SN-E")
    stolen = await run(client, ASSIGN, id=theirs, patientId=patient)
    assert refusals(stolen) == [("id", "NOT_FOUND")]


async def test_program_enroll(api: Api, migrated_url: URL) -> None:
    client, other = await api(migrated_url, roles=["physician"]), await api(migrated_url)
    patient, program = await new_patient(client), await _program(client)
    first = await run(client, ENROLL, patientId=patient, programId=program)
    assert first["errors"] == []
    twice = await run(client, ENROLL, patientId=patient, programId=program)
    assert refusals(twice) == [("programId", "DUPLICATE")]
    inverted = {"blood_pressure": {"low": 160, "high": 150}}
    bad = await run(
        client, ENROLL, patientId=patient, programId=program, customAlertThresholds=inverted
    )
    assert refusals(bad) == [("customAlertThresholds", "OUT_OF_RANGE")]
    unknown = {"mood": {"low": 1}}
    odd = await run(
        client, ENROLL, patientId=patient, programId=program, customAlertThresholds=unknown
    )
    assert refusals(odd) == [("customAlertThresholds", "OUT_OF_RANGE")]
    closed = await run(
        client, ENROLL, patientId=patient, programId=await _program(client, "inactive")
    )
    assert refusals(closed) == [("programId", "INVALID_STATE")]
    foreign = await run(client, ENROLL, patientId=patient, programId=await _program(other))
    assert refusals(foreign) == [("programId", "NOT_FOUND")]
    assert await count(client, RpmEnrollment) == 1


async def test_a_thousand_readings_in_ten_statements_and_a_retry_stores_nothing(
    api: Api, migrated_url: URL
) -> None:
    client = await api(migrated_url, roles=["nurse"])
    _, device = await _monitored(client)
    readings = _batch(1000)
    readings[10]["primaryValue"], readings[20]["primaryValue"] = 151.0, 89.0  # two alerts
    for reading in readings[::3]:  # rows that differ in their nulls still make ONE insert
        reading |= {"secondaryValue": 80.0, "secondaryUnit": "mmHg"}
    with statements(client, audit=True) as seen:
        first = await _ingest(client, device, readings)
    assert (first["accepted"], first["duplicates"], first["errors"]) == (1000, 0, [])
    assert (first["outOfRange"], first["alertsOpened"]) == (2, 2)
    audit = [s for s in seen if s.sql.lstrip().startswith(AUDIT_WRITE)]
    assert len(audit) == 2  # the request's read trail (not counted) and the batch's event
    assert len(seen) - 1 <= 10, [s.sql[:60] for s in seen]
    assert sum(s.sql.startswith("INSERT INTO rpm_readings") for s in seen) == 1
    again = await _ingest(client, device, readings)
    assert (again["accepted"], again["duplicates"], again["alertsOpened"]) == (0, 1000, 0)
    assert await count(client, RpmReading) == 1000
    repeated = await _ingest(client, device, [readings[0], _reading(START, 121.0), readings[0]])
    assert (repeated["accepted"], repeated["duplicates"]) == (0, 3)
    too_many = await _ingest(client, device, _batch(1001))
    assert refusals(too_many) == [("readings", "OUT_OF_RANGE")] and too_many["accepted"] == 0
    assert await count(client, RpmReading) == 1000


async def test_thresholds_on_their_bounds_and_one_alert_per_patient_and_rule(
    api: Api, migrated_url: URL
) -> None:
    client = await api(migrated_url, roles=["nurse"])
    patient, device = await _monitored(client)
    at = [START + dt.timedelta(minutes=i) for i in range(10)]
    readings = [
        _reading(at[0], 150.0),  # on the high bound: in range
        _reading(at[1], 150.1),  # above
        _reading(at[2], 90.0),  # on the low bound: in range
        _reading(at[3], 89.9),  # below
        _reading(at[4], 170.0),  # above again: the same rule, no second alert
        _reading(at[5], 88.0, "OXYGEN_SATURATION"),  # the enrolment's own low bound
        _reading(at[6], 87.9, "OXYGEN_SATURATION"),  # below it
        _reading(at[7], 100.0, "OXYGEN_SATURATION"),  # the programme's high bound, kept
    ]
    payload = await _ingest(client, device, readings)
    assert payload["errors"] == []
    assert (payload["accepted"], payload["outOfRange"], payload["alertsOpened"]) == (8, 4, 3)
    async with session_factory(client.engine)() as session:
        stored = (await session.execute(select(RpmReading.primary_value, RpmReading.is_out_of_range,
                  RpmReading.has_triggered_alert).order_by(RpmReading.timestamp).where(
                  RpmReading.organization_id == client.organization_id))).all()  # fmt: skip
        alerts = list(await session.scalars(select(RpmAlert).where(
            RpmAlert.organization_id == client.organization_id)))  # fmt: skip
    assert [(value, out) for value, out, _ in stored] == [
        (150.0, False), (150.1, True), (90.0, False), (89.9, True), (170.0, True),
        (88.0, False), (87.9, True), (100.0, False),
    ]  # fmt: skip
    assert [alerted for *_, alerted in stored].count(True) == 3
    rules = sorted((a.reading_type, a.threshold_direction, a.threshold_value) for a in alerts)
    assert rules == [
        ("blood_pressure", "above", "150 mmHg"),
        ("blood_pressure", "below", "90 mmHg"),
        ("oxygen_saturation", "below", "88 %"),
    ]
    assert {a.patient_id for a in alerts} == {decode_as(patient, "Patient")}
    later = [_reading(START + dt.timedelta(hours=2), 180.0)]
    assert (await _ingest(client, device, later))["alertsOpened"] == 0  # still open
    above = next(a for a in alerts if a.threshold_direction == "above")
    await _set(client, RpmAlert, encode("RpmAlert", above.id), status="resolved")
    latest = [_reading(START + dt.timedelta(hours=3), 180.0)]
    assert (await _ingest(client, device, latest))["alertsOpened"] == 1  # a new episode


async def test_readings_refused_one_by_one(api: Api, migrated_url: URL) -> None:
    client = await api(migrated_url, roles=["nurse"])
    patient, device = await _monitored(client)
    future = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)  # within the clock skew
    readings = [_reading(START, 120.0), _reading(future, 120.0), _reading(soon, 120.0)]
    readings.append({**_reading(START, 120.0, "WEIGHT"), "qualityScore": 101})
    payload = await _ingest(client, device, readings)
    assert payload["accepted"] == 2
    assert refusals(payload) == [
        ("readings[1].timestamp", "OUT_OF_RANGE"),
        ("readings[3].qualityScore", "OUT_OF_RANGE"),
    ]
    idle = await _registered(client, patient, "SN-IDLE")  # registered, never assigned
    refused = await _ingest(client, idle, _batch(3))
    assert refused["accepted"] == 0
    assert refusals(refused) == [(f"readings[{i}]", "INVALID_STATE") for i in range(3)]
    assert await count(client, RpmReading) == 2


async def test_ingest_roles_other_organizations_audit_and_rollback(
    api: Api, migrated_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, other = await api(migrated_url, roles=["nurse"]), await api(migrated_url)
    _, device = await _monitored(client)
    analyst = await colleague(api, migrated_url, client, "analyst")
    denied = await _ingest(analyst, device, _batch(2))
    assert refusals(denied) == [(None, "FORBIDDEN")]
    _, theirs = await _monitored(other, "SN-OTHER")
    foreign = await _ingest(client, theirs, _batch(2))
    assert refusals(foreign) == [("deviceId", "NOT_FOUND")]
    assert refusals(await _ingest(client, "not-an-id", _batch(2))) == [("deviceId", "NOT_FOUND")]
    assert await count(client, RpmReading) == 0 and await count(other, RpmReading) == 0

    stored = await _ingest(client, device, _batch(5, 200.0))
    assert (stored["accepted"], stored["alertsOpened"]) == (5, 1)
    async with session_factory(client.engine)() as session:
        events = list(await session.scalars(select(AuditEvent).where(
            AuditEvent.organization_id == client.organization_id,
            AuditEvent.entity_type == "RpmReading").order_by(AuditEvent.outcome)))  # fmt: skip
    assert [e.outcome for e in events] == ["denied", "success"]  # the analyst's, the batch's
    event = events[1]
    metadata: Any = event.metadata_
    assert (event.action, metadata["accepted"], metadata["alertsOpened"]) == ("create", 5, 1)
    assert event.entity_id == decode_as(device, "RpmDevice")
    # The readings' values (200.0) are PHI: not in the event (ids may contain "200", no ".").
    assert "200.0" not in str(event.changes) and "200.0" not in str(metadata)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the audit write failed")

    monkeypatch.setattr(graph.rpm.ingest, "_audit", broken)
    later = [_reading(START + dt.timedelta(days=1, minutes=i), 200.0) for i in range(5)]
    body = await client.query(INGEST, {"input": {"deviceId": device, "readings": later}})
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert await count(client, RpmReading) == 5 and await count(client, RpmAlert) == 1


async def test_alert_acknowledge_and_resolve(api: Api, migrated_url: URL) -> None:
    client, other = await api(migrated_url, roles=["nurse"]), await api(migrated_url)
    _, device = await _monitored(client)
    await _ingest(client, device, [_reading(START, 200.0), _reading(START, 50.0, "WEIGHT")])
    async with session_factory(client.engine)() as session:
        row = (await session.scalars(select(RpmAlert).where(
            RpmAlert.organization_id == client.organization_id))).one()  # fmt: skip
    alert = encode("RpmAlert", row.id)
    seen = await run(client, ACK, id=alert)
    assert seen["errors"] == [] and seen["rpmAlert"]["status"] == "ACKNOWLEDGED"
    assert refusals(await run(client, ACK, id=alert)) == [("id", "CONFLICT")]
    blank = await run(client, RESOLVE, id=alert, resolution="  ")
    assert refusals(blank) == [("resolution", "REQUIRED")]
    done = await run(
        client,
        RESOLVE,
        id=alert,
        resolution="Called the patient",
        resolutionAction="PATIENT_CONTACTED",
    )
    assert done["errors"] == [] and done["rpmAlert"]["status"] == "RESOLVED"
    assert refusals(await run(client, RESOLVE, id=alert, resolution="x")) == [("id", "CONFLICT")]
    assert refusals(await run(client, ACK, id=alert)) == [("id", "INVALID_STATE")]
    await _set(client, RpmAlert, alert, status="dismissed")
    assert refusals(await run(client, RESOLVE, id=alert, resolution="x")) == [
        ("id", "INVALID_STATE")
    ]
    assert refusals(await run(other, ACK, id=alert)) == [("id", "NOT_FOUND")]
    analyst = await colleague(api, migrated_url, client, "analyst")
    assert refusals(await run(analyst, ACK, id=alert)) == [(None, "FORBIDDEN")]


async def test_the_readme_example_ingests(api: Api, migrated_url: URL) -> None:
    found = re.search(r"```graphql\n(mutation Ingest.*?)```", README_TEXT, re.DOTALL)
    assert found, "the README has no `mutation Ingest` example"
    client = await api(migrated_url, roles=["nurse"])
    _, device = await _monitored(client)
    data = await client.data(found.group(1), {"device": device})
    payload = data["rpmReadingsIngest"]
    assert (payload["accepted"], payload["outOfRange"], payload["alertsOpened"]) == (2, 1, 1)
    assert payload["errors"] == []


async def test_a_batch_sent_twice_at_once_is_stored_once(
    api: Api, migrated_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both requests are in their transaction before either takes the device (a barrier of
    two, no timing); the device lock makes the second one see the first one's readings."""
    first = await api(migrated_url, roles=["nurse"])
    second = await colleague(api, migrated_url, first, "nurse")
    _, device = await _monitored(first)
    barrier = asyncio.Barrier(2)
    original = graph.rpm.mutations.ingest

    async def together(*args: Any) -> Any:
        await barrier.wait()
        return await original(*args)

    monkeypatch.setattr(graph.rpm.mutations, "ingest", together)
    readings = _batch(200)
    results = await asyncio.gather(
        _ingest(first, device, readings), _ingest(second, device, readings)
    )
    assert sorted((r["accepted"], r["duplicates"]) for r in results) == [(0, 200), (200, 0)]
    assert await count(first, RpmReading) == 200


async def test_two_devices_of_one_patient_open_one_alert_per_rule(
    api: Api, migrated_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both devices' batches breach the same rule at once (a barrier of two): the patient's
    lock lets only the first open the alert; the second finds it open."""
    first = await api(migrated_url, roles=["nurse"])
    second = await colleague(api, migrated_url, first, "nurse")
    patient, device = await _monitored(first, serial="SN-A")
    other = await _registered(first, patient, "SN-B")
    assigned = await run(first, ASSIGN, id=other, patientId=patient)
    assert assigned["errors"] == []
    barrier = asyncio.Barrier(2)
    original = graph.rpm.mutations.ingest

    async def together(*args: Any) -> Any:
        await barrier.wait()
        return await original(*args)

    monkeypatch.setattr(graph.rpm.mutations, "ingest", together)
    results = await asyncio.gather(
        _ingest(first, device, _batch(3, value=160.0)),
        _ingest(second, other, _batch(3, value=170.0)),
    )
    assert [r["errors"] for r in results] == [[], []]
    assert sorted(r["alertsOpened"] for r in results) == [0, 1]
    assert await count(first, RpmAlert, patient_id=decode_as(patient, "Patient")) == 1


# --- faults: connections killed while devices ingest ---------------------------------------------

CLIENTS, BATCHES, BATCH = 8, 4, 100
OBSERVER = "perfex-fault-observer"
KILL_ROUNDS = 20  # every 0.1 s: about 2 s of killing while the batches run


async def _stored(engine: Any, device: str) -> int:
    device_id = decode_as(device, "RpmDevice")
    async with engine.connect() as conn:
        query = select(func.count()).select_from(RpmReading)
        return int(await conn.scalar(query.where(RpmReading.device_id == device_id)) or 0)


async def test_ingestion_survives_killed_connections(
    api: Api, dialect: str, make_migrated_database: Any
) -> None:
    """8 devices ingest 4 batches each while a killer terminates the server's PostgreSQL
    backends every 0.1 s for about 2 s; each client retries what failed. Afterwards every reading is
    stored exactly once, no failed attempt left part of its batch, and the server answers
    new requests without a restart."""
    if dialect != "postgresql":
        pytest.skip("terminating the server's connections is PostgreSQL's (pg_terminate_backend)")
    url = make_migrated_database(dialect)  # a database of its own: its backends get killed
    client = await api(url, roles=["nurse"])
    devices = [(await _monitored(client, serial=f"SN-F{i}"))[1] for i in range(CLIENTS)]
    # The test's own connections, named so that the killer spares them.
    observer = create_async_engine(
        url, connect_args={"server_settings": {"application_name": OBSERVER}}
    )
    stop = asyncio.Event()
    kills = 0

    async def killer() -> None:
        nonlocal kills
        terminate = text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            f" AND backend_type = 'client backend' AND application_name <> '{OBSERVER}'"
        )
        for _round in range(KILL_ROUNDS):  # then the clients' retries get through
            if stop.is_set():
                return
            async with observer.connect() as conn:
                kills += int(await conn.scalar(terminate) or 0)
            await asyncio.sleep(0.1)

    async def device_client(device: str) -> list[int]:
        statuses = []
        for number in range(BATCHES):
            first = START + dt.timedelta(minutes=number * BATCH)
            readings = [_reading(first + dt.timedelta(minutes=i), 120.0) for i in range(BATCH)]
            for _attempt in range(100):
                before = await _stored(observer, device)
                response = await client.post(
                    INGEST, {"input": {"deviceId": device, "readings": readings}}
                )
                statuses.append(response.status_code)
                body = response.json()
                payload = (body.get("data") or {}).get("rpmReadingsIngest")
                if response.status_code == 200 and payload and not payload["errors"]:
                    assert payload["accepted"] + payload["duplicates"] == BATCH
                    break
                after = await _stored(observer, device)
                assert after in (before, before + BATCH), "a batch was half written"
                await asyncio.sleep(0.05)
            else:
                raise AssertionError(f"{device}: batch {number} never got through")
        return statuses

    killing = asyncio.create_task(killer())
    try:
        results = await asyncio.gather(*(device_client(d) for d in devices))
    finally:
        stop.set()
        await killing
    try:
        for device in devices:
            assert await _stored(observer, device) == BATCHES * BATCH
        async with observer.connect() as conn:
            distinct = select(RpmReading.device_id, RpmReading.timestamp, RpmReading.reading_type)
            unique = await conn.scalar(
                select(func.count()).select_from(distinct.distinct().subquery())
            )
            total = await conn.scalar(select(func.count()).select_from(RpmReading))
        assert unique == total == CLIENTS * BATCHES * BATCH
    finally:
        await observer.dispose()
    assert kills > 0, "the killer never found a backend to terminate"
    failures = [s for statuses in results for s in statuses if s != 200]
    print(f"{kills} backends terminated, {len(failures)} requests answered 503 and retried")
    assert set(failures) <= {503}, failures  # a killed connection is a clean 503, nothing else
    assert (await client.http.get("/healthz")).status_code == 200
    assert (await client.data("{ me { userId } }"))["me"]["userId"]
