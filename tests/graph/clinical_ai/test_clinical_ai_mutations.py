"""Decision-support mutations (issue 12) on SQLite and PostgreSQL, each in a new organization
of `migrated_url` with recommendations written here: acknowledge, dismiss (with a reason; not
for nurses: FORBIDDEN) and resolve, their state transitions (CONFLICT when already there,
INVALID_STATE when past), REQUIRED and OUT_OF_RANGE, another organization's recommendation
NOT_FOUND, an analyst FORBIDDEN, a failing audit write that rolls the answer back."""

from __future__ import annotations

from typing import Any

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
from models.audit import AuditEvent
from models.clinical_ai import CdssRecommendation
from models.database import session_factory

RECOMMENDATION = """cdssRecommendation { id status dismissedReason providerDecision
  diagnosisMatchScore acknowledgedAt outcomeRecordedAt }"""
ACKNOWLEDGE = f"""mutation($input: CdssRecommendationAcknowledgeInput!) {{
  cdssRecommendationAcknowledge(input: $input) {{ {RECOMMENDATION} {ERRORS} }} }}"""
DISMISS = f"""mutation($input: CdssRecommendationDismissInput!) {{
  cdssRecommendationDismiss(input: $input) {{ {RECOMMENDATION} {ERRORS} }} }}"""
RESOLVE = f"""mutation($input: CdssRecommendationResolveInput!) {{
  cdssRecommendationResolve(input: $input) {{ {RECOMMENDATION} {ERRORS} }} }}"""


async def _recommendation(client: Client, status: str = "active") -> str:
    """A recommendation of a new patient of the client's organization (global id)."""
    patient = decode_as(await new_patient(client), "Patient")
    row = CdssRecommendation(
        organization_id=client.organization_id,
        patient_id=patient,
        module="dialyse",
        type="alert",
        severity="warning",
        message="Potassium trending up.",
        status=status,
    )
    async with session_factory(client.engine)() as db, db.begin():
        db.add(row)
    return encode("CdssRecommendation", row.id)


async def _status(client: Client, global_id: str) -> Any:
    async with session_factory(client.engine)() as db:
        row = await db.get(CdssRecommendation, decode_as(global_id, "CdssRecommendation"))
    assert row is not None
    return row.status


async def test_acknowledge_then_resolve(api: Api, migrated_url: URL) -> None:
    nurse = await api(migrated_url, roles=["nurse"])
    recommendation = await _recommendation(nurse)
    seen = await run(nurse, ACKNOWLEDGE, id=recommendation, providerNotes="Seen at rounds.")
    assert seen["errors"] == [] and seen["cdssRecommendation"]["status"] == "ACKNOWLEDGED"
    assert seen["cdssRecommendation"]["acknowledgedAt"] is not None
    again = await run(nurse, ACKNOWLEDGE, id=recommendation)
    assert refusals(again) == [("id", "CONFLICT")]
    done = await run(
        nurse, RESOLVE, id=recommendation, providerDecision="Diet advice", diagnosisMatchScore=0.8
    )
    assert done["errors"] == []
    row = done["cdssRecommendation"]
    assert (row["status"], row["diagnosisMatchScore"]) == ("RESOLVED", 0.8)
    assert row["outcomeRecordedAt"] is not None
    events = await audit_actions(nurse, recommendation, "CdssRecommendation")
    assert [(e.action, e.changes["after"]["status"]) for e in events] == [
        ("update", "acknowledged"),
        ("update", "resolved"),
    ]
    assert "providerDecision" in events[-1].changes["fields"]
    assert "providerDecision" not in events[-1].changes["after"]  # free text: not copied
    late = await run(nurse, ACKNOWLEDGE, id=recommendation)
    assert refusals(late) == [("id", "INVALID_STATE")]
    assert refusals(await run(nurse, RESOLVE, id=recommendation, providerDecision="x")) == [
        ("id", "CONFLICT")
    ]


async def test_dismiss_needs_a_physician_and_a_reason(api: Api, migrated_url: URL) -> None:
    physician = await api(migrated_url)
    nurse = await colleague(api, migrated_url, physician, "nurse")
    recommendation = await _recommendation(physician)
    refused = await run(nurse, DISMISS, id=recommendation, dismissedReason="Not relevant")
    assert refusals(refused) == [(None, "FORBIDDEN")] and refused["cdssRecommendation"] is None
    assert await _status(physician, recommendation) == "active"
    assert await count(physician, AuditEvent, outcome="denied") == 1
    blank = await run(physician, DISMISS, id=recommendation, dismissedReason="   ")
    assert refusals(blank) == [("dismissedReason", "REQUIRED")]
    done = await run(physician, DISMISS, id=recommendation, dismissedReason="Lab error")
    assert done["errors"] == []
    assert done["cdssRecommendation"]["status"] == "DISMISSED"
    assert done["cdssRecommendation"]["dismissedReason"] == "Lab error"
    again = await run(physician, DISMISS, id=recommendation, dismissedReason="Lab error")
    assert refusals(again) == [("id", "CONFLICT")]
    resolved = await run(physician, RESOLVE, id=recommendation, providerDecision="Treat")
    assert refusals(resolved) == [("id", "INVALID_STATE")]


async def test_resolve_errors_and_other_organizations(api: Api, migrated_url: URL) -> None:
    client, other = await api(migrated_url), await api(migrated_url)
    recommendation = await _recommendation(client)
    wrong = await run(
        client, RESOLVE, id=recommendation, providerDecision=" ", diagnosisMatchScore=1.5
    )
    assert refusals(wrong) == [
        ("providerDecision", "REQUIRED"),
        ("diagnosisMatchScore", "OUT_OF_RANGE"),
    ]
    for document, extra in (
        (ACKNOWLEDGE, {}),
        (DISMISS, {"dismissedReason": "x"}),
        (RESOLVE, {"providerDecision": "x"}),
    ):
        stolen = await run(other, document, id=recommendation, **extra)
        assert refusals(stolen) == [("id", "NOT_FOUND")]
    not_one = await run(client, ACKNOWLEDGE, id=await new_patient(client))
    assert refusals(not_one) == [("id", "NOT_FOUND")]  # a Patient's id is no recommendation's
    assert await _status(client, recommendation) == "active"


async def test_an_analyst_writes_nothing(api: Api, migrated_url: URL) -> None:
    physician = await api(migrated_url)
    analyst = await colleague(api, migrated_url, physician, "analyst")
    recommendation = await _recommendation(physician)
    for document, extra in (
        (ACKNOWLEDGE, {}),
        (DISMISS, {"dismissedReason": "x"}),
        (RESOLVE, {"providerDecision": "x"}),
    ):
        assert refusals(await run(analyst, document, id=recommendation, **extra)) == [
            (None, "FORBIDDEN")
        ]
    assert await _status(physician, recommendation) == "active"


async def test_a_failing_audit_write_rolls_the_answer_back(
    api: Api, migrated_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await api(migrated_url)
    recommendation = await _recommendation(client)
    break_audit(monkeypatch)
    body = await client.query(
        DISMISS, {"input": {"id": recommendation, "dismissedReason": "Lab error"}}, status=200
    )
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    monkeypatch.undo()
    assert await _status(client, recommendation) == "active"


async def test_the_readme_example_runs(api: Api, migrated_url: URL) -> None:
    client = await api(migrated_url)
    recommendation = await _recommendation(client)
    document = readme_mutation("DismissRecommendation")
    done = (await client.data(document, {"recommendation": recommendation}))[
        "cdssRecommendationDismiss"
    ]
    assert done["errors"] == [] and done["cdssRecommendation"]["status"] == "DISMISSED"
