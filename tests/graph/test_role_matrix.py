"""The role matrix (graph/permissions.py) as a client meets it: each role against a
representative list of every module, the analyst's de-identification, and the portal patient
who sees one patient's rows only. Unknown roles and an empty role list read nothing."""

from __future__ import annotations

from typing import Any

import pytest
from api_client import Api, Client
from sqlalchemy import func, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from graph.ids import encode
from models.dialyse import DialysisSession
from models.healthcare import Patient
from models.patient_portal import PortalMessage, PortalMessageThread

A, F = "allowed", "FORBIDDEN"
# module's representative list -> expected for admin, physician, nurse, analyst, patient
MATRIX: dict[str, tuple[str, str, str, str, str]] = {
    "patients": (A, A, A, A, A),  # healthcare
    "dialysisSessions": (A, A, A, A, A),  # dialyse
    "dialysisMachines": (A, A, A, A, F),  # dialyse, not a patient's row
    "ecgs": (A, A, A, A, A),  # cardiology
    "ocularBiometries": (A, A, A, A, A),  # ophthalmology
    "rpmReadings": (A, A, A, A, A),  # rpm
    "rpmPrograms": (A, A, A, A, F),  # rpm catalogue
    "imagingAnalyses": (A, A, A, A, A),  # imaging_ai
    "cdssRecommendations": (A, A, A, A, F),  # clinical_ai: for clinicians
    "portalMessages": (A, A, A, A, A),  # patient_portal
    "portalAccounts": (A, F, F, F, F),  # login e-mail, IP, user agent
    "qualityMeasurements": (A, A, A, A, F),  # population_health
    "users": (A, A, F, F, F),  # core: no user list for nurses
    "auditEvents": (A, F, F, F, F),  # audit
}
ROLES = ("admin", "physician", "nurse", "analyst", "patient")


async def _client(api: Api, url: URL, role: str) -> Client:
    return await (api.patient(url) if role == "patient" else api(url, org=0, roles=[role]))


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", ())]


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_against_each_module(api: Api, portal_url: URL, role: str) -> None:
    client = await _client(api, portal_url, role)
    column = ROLES.index(role)
    for field, expected in MATRIX.items():
        body = await client.query(f"{{ {field}(first: 2) {{ nodes {{ id }} }} }}", status=200)
        if expected[column] == A:
            assert "errors" not in body, (role, field, body)
            assert isinstance(body["data"][field]["nodes"], list)
        else:
            assert _codes(body) == ["FORBIDDEN"], (role, field, body)
            assert body["data"] is None, (role, field, body)


@pytest.mark.parametrize("roles", [[], ["superadmin"], ["nurse-ish"]], ids=str)
async def test_no_known_role_reads_nothing(api: Api, portal_url: URL, roles: list[str]) -> None:
    client = await api(portal_url, org=0, roles=roles)
    for field in MATRIX:
        body = await client.query(f"{{ {field}(first: 2) {{ nodes {{ id }} }} }}", status=200)
        assert _codes(body) == ["FORBIDDEN"] and body["data"] is None, (roles, field, body)
    assert (await client.data("{ me { roles } }"))["me"]["roles"] == roles


async def test_the_rule_of_a_relation_is_the_rule_of_its_target(api: Api, portal_url: URL) -> None:
    """A nurse reaches no user through a record; a patient no machine through its sessions."""
    nurse = await api(portal_url, org=0, roles=["nurse"])
    body = await nurse.query(
        "{ appointments(first: 20) { nodes { id provider { email } } } }", status=200
    )
    assert "FORBIDDEN" in _codes(body) and "@" not in str(body.get("data"))
    await nurse.data("{ appointments(first: 20) { nodes { id providerId } } }")  # control
    patient = await api.patient(portal_url)
    body = await patient.query(
        "{ dialysisSessions(first: 50) { nodes { id machine { serialNumber } } } }", status=200
    )
    assert "serialNumber" not in str(body.get("data"))
    assert set(_codes(body)) <= {"FORBIDDEN"}


# --- the analyst: de-identified ----------------------------------------------------------------


async def test_the_analyst_reads_numbers_and_codes_but_no_identifying_column(
    api: Api, portal_url: URL
) -> None:
    analyst = await api(portal_url, org=0, roles=["analyst"])
    data = await analyst.data(
        "{ patients(first: 20) { nodes { id gender bloodType createdAt"
        " dialysisSessions(first: 2) { nodes { sessionDate preWeight ktv status } } } } }"
    )
    physician = await api(portal_url, org=0, roles=["physician"])
    names = await physician.data("{ patients(first: 20) { nodes { lastName } } }")
    assert len(data["patients"]["nodes"]) == len(names["patients"]["nodes"]) > 0
    for document in (
        "{ patients(first: 20) { nodes { id lastName } } }",
        "{ patients(first: 20) { nodes { id dateOfBirth } } }",
        "{ patients(first: 20) { nodes { id medicalRecordNumber } } }",
        "{ patients(first: 20) { nodes { id phone email } } }",
        "{ dialysisSessions(first: 20) { nodes { id notes } } }",
        "{ patients(first: 5) { nodes { id dialysisLabs(first: 2) { nodes { allResults } } } } }",
        "{ dialysisLabs(first: 5) { nodes { id egfrCkdEpi2021 { value } } } }",  # the age
        "{ cardiologyProfiles(first: 5) { nodes { id cha2ds2VascComputed { value } } } }",
    ):
        body = await analyst.query(document, status=200)
        assert body["errors"] and set(_codes(body)) == {"FORBIDDEN"}, (document, body)
        text = str(body)
        assert not any(p["lastName"] in text for p in names["patients"]["nodes"]), document


async def test_the_analyst_cannot_filter_order_group_or_search_by_what_it_cannot_read(
    api: Api, portal_url: URL
) -> None:
    analyst = await api(portal_url, org=0, roles=["analyst"])
    for document in (
        '{ patients(first: 5, where: {lastName: {eq: "Smith"}}) { nodes { id } } }',
        '{ patients(first: 5, where: {OR: [{gender: {eq: FEMALE}}, {firstName: {eq: "X"}}]})'
        " { nodes { id } } }",
        "{ patients(first: 5, orderBy: [{field: LAST_NAME}]) { nodes { id } } }",
        '{ patients(first: 5, search: "mar") { nodes { id } } }',
        "{ patientsAggregate(groupBy: [DATE_OF_BIRTH]) { count } }",
        "{ patientsAggregate(bucket: {field: DATE_OF_BIRTH, unit: YEAR}) { count } }",
        '{ patients(first: 5) { nodes { rpmDevices(first: 2, where: {serialNumber: {eq: "x"}})'
        " { nodes { id } } } } }",
    ):
        body = await analyst.query(document, status=200)
        assert "FORBIDDEN" in _codes(body), (document, body)
    # Control: the same shapes on columns it may read work.
    await analyst.data(
        "{ patients(first: 5, where: {gender: {eq: FEMALE}}, orderBy: [{field: CREATED_AT}])"
        " { nodes { id } } patientsAggregate(groupBy: [GENDER]) { count } }"
    )


# --- the portal patient ------------------------------------------------------------------------


async def test_a_portal_patient_sees_its_own_chart_only(
    api: Api, portal_url: URL, seeded_engine: AsyncEngine
) -> None:
    client = await api.patient(portal_url)
    assert client.patient_id is not None
    own = encode("Patient", client.patient_id)
    data = await client.data(
        "{ patients(first: 500) { nodes { id } }"
        " dialysisSessions(first: 500) { nodes { patientId } }"
        " dialysisSessionsAggregate { count } portalMessages(first: 500) { nodes { id } } }"
    )
    assert [p["id"] for p in data["patients"]["nodes"]] == [own]
    async with seeded_engine.connect() as conn:
        sessions = await conn.scalar(
            select(func.count())
            .select_from(DialysisSession)
            .where(
                DialysisSession.patient_id == client.patient_id,
                DialysisSession.deleted_at.is_(None),
            )
        )
        threads = select(PortalMessageThread.id).where(
            PortalMessageThread.patient_id == client.patient_id
        )
        messages = await conn.scalar(
            select(func.count())
            .select_from(PortalMessage)
            .where(PortalMessage.thread_id.in_(threads), PortalMessage.deleted_at.is_(None))
        )
        other = await conn.scalar(
            select(Patient.id)
            .where(Patient.organization_id == client.organization_id)
            .where(Patient.id != client.patient_id)
            .limit(1)
        )
    assert {s["patientId"] for s in data["dialysisSessions"]["nodes"]} <= {own}
    assert len(data["dialysisSessions"]["nodes"]) == sessions
    assert data["dialysisSessionsAggregate"][0]["count"] == sessions
    assert len(data["portalMessages"]["nodes"]) == messages
    other_id = encode("Patient", str(other))
    lookup = await client.data(
        "query($id: ID!) { patient(id: $id) { id } node(id: $id) { id } }", {"id": other_id}
    )
    assert lookup == {"patient": None, "node": None}


async def test_a_patient_token_without_a_portal_account_is_refused(
    api: Api, migrated_url: URL
) -> None:
    client = await api(migrated_url, roles=["patient"])  # a new member: no portal account
    response = await client.post("{ me { roles } }")
    assert response.status_code == 403
    assert _codes(response.json()) == ["FORBIDDEN"]


async def test_staff_roles_beside_patient_are_not_bound_to_one_patient(
    api: Api, portal_url: URL
) -> None:
    client = await api.patient(portal_url, roles=("patient", "physician"))
    data = await client.data("{ patients(first: 5) { nodes { id } } }")
    assert len(data["patients"]["nodes"]) == 5


@pytest.fixture(scope="module")
async def seeded_engine(portal_url: URL) -> Any:
    from models.database import create_engine

    engine = create_engine(portal_url)
    yield engine
    await engine.dispose()
