"""Population-health mutations (issue 12) on SQLite and PostgreSQL, each in a new organization
of `migrated_url` with a cohort and an indicator written here: `cohortMemberAdd` (DUPLICATE for
an active member), `cohortMemberRemove` (REQUIRED reason, CONFLICT when already out), the
cohort's patient count, `qualityMeasurementRecord` (value and target computed; OUT_OF_RANGE,
DUPLICATE per period), another organization's ids NOT_FOUND, an analyst FORBIDDEN, and a
failing audit write that rolls everything back."""

from __future__ import annotations

import pytest
from api_client import Api, Client
from mutation_helpers import (
    ERRORS,
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

from graph.ids import decode_as, encode
from models.database import session_factory
from models.population_health import Cohort, CohortMember, QualityIndicator, QualityMeasurement

ADD = f"""mutation($input: CohortMemberAddInput!) {{ cohortMemberAdd(input: $input) {{
  cohortMember {{ id isActive addedBy removedAt }} {ERRORS} }} }}"""
REMOVE = f"""mutation($input: CohortMemberRemoveInput!) {{ cohortMemberRemove(input: $input) {{
  cohortMember {{ id isActive removedAt removalReason }} {ERRORS} }} }}"""
MEASURE = f"""mutation($input: QualityMeasurementRecordInput!) {{
  qualityMeasurementRecord(input: $input) {{ qualityMeasurement {{
    id value isTargetMet gapToTarget targetValue rate {{ value }} }} {ERRORS} }} }}"""
PERIOD = {
    "measurementPeriod": "2026-Q3",
    "periodStart": "2026-07-01T00:00:00Z",
    "periodEnd": "2026-09-30T23:59:59Z",
}


async def _cohort(client: Client) -> str:
    assert client.user_id is not None
    row = Cohort(
        organization_id=client.organization_id,
        name="Hypertensive dialysis patients",
        cohort_code="HTN-DIA",
        cohort_type="disease_based",
        criteria={"all": []},
        patient_count=0,
        created_by=client.user_id,
    )
    async with session_factory(client.engine)() as db, db.begin():
        db.add(row)
    return encode("Cohort", row.id)


async def _indicator(client: Client) -> str:
    row = QualityIndicator(
        organization_id=client.organization_id,
        code="IQSS-DIA-01",
        name="Kt/V at target",
        indicator_type="outcome",
        source="iqss",
        measure_type="proportion",
        target=0.8,
        target_operator="gte",
    )
    async with session_factory(client.engine)() as db, db.begin():
        db.add(row)
    return encode("QualityIndicator", row.id)


async def _patient_count(client: Client, cohort: str) -> int | None:
    async with session_factory(client.engine)() as db:
        row = await db.get(Cohort, decode_as(cohort, "Cohort"))
    assert row is not None
    return row.patient_count


async def test_a_patient_joins_and_leaves_a_cohort(api: Api, migrated_url: URL) -> None:
    client = await api(migrated_url, roles=["nurse"])
    cohort, patient = await _cohort(client), await new_patient(client)
    added = await run(client, ADD, cohortId=cohort, patientId=patient)
    assert added["errors"] == []
    assert (added["cohortMember"]["isActive"], added["cohortMember"]["addedBy"]) == (
        True,
        "MANUAL",
    )
    assert await _patient_count(client, cohort) == 1
    twice = await run(client, ADD, cohortId=cohort, patientId=patient)
    assert refusals(twice) == [("patientId", "DUPLICATE")]
    member = added["cohortMember"]["id"]
    blank = await run(client, REMOVE, id=member, removalReason=" ")
    assert refusals(blank) == [("removalReason", "REQUIRED")]
    removed = await run(client, REMOVE, id=member, removalReason="Transplanted")
    assert removed["errors"] == [] and removed["cohortMember"]["isActive"] is False
    assert removed["cohortMember"]["removedAt"] is not None
    assert await _patient_count(client, cohort) == 0
    again = await run(client, REMOVE, id=member, removalReason="Transplanted")
    assert refusals(again) == [("id", "CONFLICT")]
    events = await audit_actions(client, member, "CohortMember")
    assert [e.action for e in events] == ["create", "update"]
    assert events[-1].changes["after"]["isActive"] is False
    rejoined = await run(client, ADD, cohortId=cohort, patientId=patient)
    assert rejoined["errors"] == [] and await _patient_count(client, cohort) == 1


async def test_cohort_references_of_another_organization(api: Api, migrated_url: URL) -> None:
    client, other = await api(migrated_url), await api(migrated_url)
    cohort, patient = await _cohort(client), await new_patient(client)
    foreign_patient = await run(client, ADD, cohortId=cohort, patientId=await new_patient(other))
    assert refusals(foreign_patient) == [("patientId", "NOT_FOUND")]
    foreign_cohort = await run(client, ADD, cohortId=await _cohort(other), patientId=patient)
    assert refusals(foreign_cohort) == [("cohortId", "NOT_FOUND")]
    member = (await run(client, ADD, cohortId=cohort, patientId=patient))["cohortMember"]["id"]
    stolen = await run(other, REMOVE, id=member, removalReason="x")
    assert refusals(stolen) == [("id", "NOT_FOUND")]
    assert await count(client, CohortMember, is_active=True) == 1


async def test_a_quality_measurement_is_recorded(api: Api, migrated_url: URL) -> None:
    client, other = await api(migrated_url), await api(migrated_url)
    indicator = await _indicator(client)
    done = await run(client, MEASURE, indicatorId=indicator, numerator=17, denominator=20, **PERIOD)
    assert done["errors"] == []
    row = done["qualityMeasurement"]
    assert (row["value"], row["isTargetMet"], row["targetValue"]) == (0.85, True, 0.8)
    assert row["rate"]["value"] == pytest.approx(0.85)
    assert row["gapToTarget"] == pytest.approx(0.05)
    twice = await run(client, MEASURE, indicatorId=indicator, numerator=1, denominator=2, **PERIOD)
    assert refusals(twice) == [("measurementPeriod", "DUPLICATE")]
    wrong = await run(
        client,
        MEASURE,
        indicatorId=indicator,
        numerator=21,
        denominator=20,
        **{**PERIOD, "periodEnd": "2026-06-30T00:00:00Z", "measurementPeriod": "2026-Q2"},
    )
    assert refusals(wrong) == [("numerator", "OUT_OF_RANGE"), ("periodEnd", "OUT_OF_RANGE")]
    empty = await run(client, MEASURE, indicatorId=indicator, numerator=0, denominator=0, **PERIOD)
    assert refusals(empty) == [("denominator", "OUT_OF_RANGE")]
    foreign = await run(
        client, MEASURE, indicatorId=await _indicator(other), numerator=1, denominator=2, **PERIOD
    )
    assert refusals(foreign) == [("indicatorId", "NOT_FOUND")]
    assert await count(client, QualityMeasurement) == 1


async def test_an_analyst_writes_nothing(api: Api, migrated_url: URL) -> None:
    physician = await api(migrated_url)
    analyst = await colleague(api, migrated_url, physician, "analyst")
    cohort, patient = await _cohort(physician), await new_patient(physician)
    added = await run(analyst, ADD, cohortId=cohort, patientId=patient)
    assert refusals(added) == [(None, "FORBIDDEN")]
    measured = await run(
        analyst,
        MEASURE,
        indicatorId=await _indicator(physician),
        numerator=1,
        denominator=2,
        **PERIOD,
    )
    assert refusals(measured) == [(None, "FORBIDDEN")]
    assert await count(physician, CohortMember) == await count(physician, QualityMeasurement) == 0


async def test_a_failing_audit_write_rolls_everything_back(
    api: Api, migrated_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await api(migrated_url)
    cohort, patient = await _cohort(client), await new_patient(client)
    break_audit(monkeypatch)
    body = await client.query(
        ADD, {"input": {"cohortId": cohort, "patientId": patient}}, status=200
    )
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    monkeypatch.undo()
    assert await count(client, CohortMember) == 0
    assert await _patient_count(client, cohort) == 0


async def test_the_readme_example_runs(api: Api, migrated_url: URL) -> None:
    client = await api(migrated_url)
    document = readme_mutation("RecordQualityMeasurement")
    data = await client.data(document, {"indicator": await _indicator(client)})
    done = data["qualityMeasurementRecord"]
    assert done["errors"] == [] and done["qualityMeasurement"]["isTargetMet"] is True
