"""Computed fields of dialysis sessions and labs on generated data: each equals its equation
(and the `calculate` calculator) on the row's stored values, converted from the stored units;
the rows they need besides (the patient's profile, the previous completed session, the
patient's age and sex) cost a constant number of statements, the same for 10 sessions as for
100."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import pytest
from api_client import Api, Client, statements
from calculation_checks import RESULT, as_calculation
from sqlalchemy.engine import URL

from graph.calculation import Calculation, age_on, sex_of
from graph.dialyse import equations
from graph.healthcare import equations as general
from graph.ids import decode
from models.database import session_factory
from models.dialyse import DialysisLab, DialysisProfile, DialysisSession
from models.healthcare import Patient

START = dt.date(2026, 9, 1)
ACCESS = ["avf", "avg", "cvc", None]
ROUTES = {"avf": "ARTERIAL", "avg": "ARTERIAL", "cvc": "VENOUS"}
SESSION_FIELDS = (
    f"id urr {RESULT} ktvDaugirdas {RESULT} ektv {RESULT} "
    f"ektvTattersall: ektv(method: TATTERSALL) {RESULT} ultrafiltrationRate {RESULT} "
    f"interdialyticWeightGain {RESULT} preMap {RESULT} postMap {RESULT} adequacy {RESULT}"
)
SESSIONS = "query($first: Int!) { dialysisSessions(first: $first) { nodes { %s } } }"


@dataclass
class Clinic:
    client: Client
    patients: dict[str, Patient]
    profiles: dict[str, DialysisProfile]
    sessions: dict[str, DialysisSession]  # visible ones
    deleted: set[str]
    labs: dict[str, DialysisLab]


def _session(
    rng: random.Random, patient: str, day: dt.date, n: int, user: str, kind: str | None = None
) -> DialysisSession:
    """A session as a run sheet has it, with the irregularities real data has: not yet run,
    cancelled, a missing post-dialysis BUN, a post-dialysis BUN above the pre-dialysis one, no
    ultrafiltration."""
    kind = (
        kind
        or rng.choices(
            [
                "completed",
                "scheduled",
                "cancelled",
                "no_post_bun",
                "bad_bun",
                "no_uf",
                "in_progress",
            ],
            weights=[12, 1, 1, 1, 1, 1, 1],
        )[0]
    )
    row = DialysisSession(
        patient_id=patient,
        session_number=f"DS-{n:04d}",
        session_date=day,
        status={"no_post_bun": "completed", "bad_bun": "completed", "no_uf": "completed"}.get(
            kind, kind
        ),
        created_by=user,
    )
    if kind in ("scheduled", "cancelled"):
        return row
    pre = round(rng.uniform(40, 110), 1)
    row.pre_weight = round(rng.uniform(50, 110), 1)
    row.pre_bun = pre
    row.pre_systolic_bp = rng.randint(100, 180)
    row.pre_diastolic_bp = rng.randint(50, 95)
    if kind == "in_progress":
        return row
    row.duration_minutes = rng.choice([180, 210, 225, 240, 240, 270])
    row.uf_volume = 0.0 if kind == "no_uf" else round(rng.uniform(500, 4000), -1)
    row.post_weight = round(row.pre_weight - row.uf_volume / 1000 + rng.gauss(0, 0.2), 1)
    row.post_bun = None if kind == "no_post_bun" else round(pre * rng.uniform(0.22, 0.45), 1)
    if kind == "bad_bun":
        row.post_bun = pre + 5
    row.post_systolic_bp = rng.randint(90, 170)
    row.post_diastolic_bp = rng.randint(45, 90)
    started = dt.datetime.combine(day, dt.time(7, 30), dt.UTC)
    row.actual_end_time = started + dt.timedelta(minutes=row.duration_minutes)
    return row


@pytest.fixture(scope="module")
async def clinic(api: Api, migrated_url: URL) -> Clinic:
    """14 patients (one of unknown sex, two without a dialysis profile), 9 sessions each
    every other day (one patient dialysed twice on one day, one completed session deleted),
    and two labs each: 126 sessions in a new organization."""
    client = await api(migrated_url)
    rng = random.Random(11)
    user, org = client.user_id, client.organization_id
    assert user and org
    patients = [
        Patient(
            organization_id=org,
            first_name=f"P{i}",
            last_name="Calc",
            date_of_birth=dt.date(1940 + 3 * i, 1 + i % 12, 1 + (7 * i) % 28),
            gender="unknown" if i == 5 else ("female" if i % 2 else "male"),
        )
        for i in range(14)
    ]
    async with session_factory(client.engine)() as db, db.begin():
        db.add_all(patients)
    profiles = [
        DialysisProfile(
            organization_id=org,
            patient_id=patient.id,
            created_by=user,
            vascular_access=ACCESS[i % 4],
            ktv_target=[1.4, 1.2, None, 1.5][i % 4],
            dry_weight=70.0,
        )
        for i, patient in enumerate(patients[:12])
    ]
    sessions, labs, n = [], [], 0
    for i, patient in enumerate(patients):
        for k in range(9):
            n += 1
            day = START + dt.timedelta(days=2 * k + (1 if i == 3 and k == 4 else 0))
            kind = "completed" if (i, k) in ((3, 5), (0, 8)) else None
            sessions.append(_session(rng, patient.id, day, n, user, kind))
        labs += [
            DialysisLab(
                organization_id=org,
                patient_id=patient.id,
                created_by=user,
                lab_date=dt.datetime(2026, 9, 10 + 10 * j, 8, tzinfo=dt.UTC),
                creatinine=None if (i, j) == (2, 0) else round(rng.uniform(60, 1100)),
            )
            for j in range(2)
        ]
    # Patient 3 is dialysed twice on its 5th day: the later end time is "previous" for day 6.
    twin = _session(rng, patients[3].id, sessions[3 * 9 + 4].session_date, 999, user)
    twin.status, twin.post_weight = "completed", 61.5
    twin.actual_end_time = dt.datetime.combine(twin.session_date, dt.time(23, 0), dt.UTC)
    sessions.append(twin)
    # A deleted completed session is never anyone's previous one.
    gone = _session(rng, patients[0].id, START + dt.timedelta(days=15), 1000, user)
    gone.status, gone.post_weight = "completed", 500.0
    gone.deleted_at = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    sessions.append(gone)
    for row in [*profiles, *sessions, *labs]:
        row.organization_id = org
    async with session_factory(client.engine)() as db, db.begin():
        db.add_all([*profiles, *sessions, *labs])
    return Clinic(
        client,
        {p.id: p for p in patients},
        {p.patient_id: p for p in profiles},
        {s.id: s for s in sessions if s.deleted_at is None},
        {gone.id},
        {lab.id: lab for lab in labs},
    )


def _previous(clinic: Clinic, row: DialysisSession) -> DialysisSession | None:
    """The patient's latest completed session on an earlier day (later end time first)."""
    earlier = [
        s
        for s in clinic.sessions.values()
        if s.patient_id == row.patient_id
        and s.status == "completed"
        and s.session_date < row.session_date
    ]
    if not earlier:
        return None
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    return max(
        earlier,
        key=lambda s: (s.session_date, s.actual_end_time or never, s.id),
    )


def _expected(clinic: Clinic, row: DialysisSession) -> dict[str, Calculation]:
    """What each field must be: the equations on the row's values (documented fallbacks when
    the patient's profile or an earlier session is missing)."""
    sp = equations.ktv_daugirdas(
        row.pre_bun, row.post_bun, row.duration_minutes, row.uf_volume, row.post_weight
    )
    profile = clinic.profiles.get(row.patient_id)
    route = ROUTES.get(profile.vascular_access or "") if profile else None
    ektv: dict[str, Calculation] = {}
    for name, method in (("ektv", "RATE"), ("ektvTattersall", "TATTERSALL")):
        chosen = equations.EktvMethod[method]
        text = equations.TATTERSALL_METHOD if method == "TATTERSALL" else equations.RATE_METHOD
        if sp.value is None:
            ektv[name] = Calculation(None, "dimensionless", text, f"no spKt/V: {sp.reason}")
        elif route is None:
            reason = "the patient's dialysis profile records no vascular access"
            ektv[name] = Calculation(None, "dimensionless", text, reason)
        else:
            access = equations.VascularAccessRoute[route]
            ektv[name] = equations.ektv(sp.value, row.duration_minutes, access, chosen)
    previous = _previous(clinic, row)
    if previous is None:
        reason = "the patient has no completed session on an earlier day"
        gain = Calculation(None, "kg", equations.IDWG_METHOD, reason)
    else:
        gain = equations.interdialytic_weight_gain(previous.post_weight, row.pre_weight)
    if sp.value is None:
        method = equations.ADEQUACY_METHOD
        adequacy = Calculation(None, equations.MET, method, f"no spKt/V: {sp.reason}")
    else:
        target = profile.ktv_target if profile else None
        reduction = equations.urr(row.pre_bun, row.post_bun).value
        adequacy = equations.adequacy(sp.value, reduction, target)
    return {
        "urr": equations.urr(row.pre_bun, row.post_bun),
        "ktvDaugirdas": sp,
        **ektv,
        "ultrafiltrationRate": equations.ultrafiltration_rate(
            row.uf_volume, row.duration_minutes, row.post_weight
        ),
        "interdialyticWeightGain": gain,
        "preMap": general.mean_arterial_pressure(row.pre_systolic_bp, row.pre_diastolic_bp),
        "postMap": general.mean_arterial_pressure(row.post_systolic_bp, row.post_diastolic_bp),
        "adequacy": adequacy,
    }


async def test_session_fields_equal_their_equations(clinic: Clinic) -> None:
    data = await clinic.client.data(SESSIONS % SESSION_FIELDS, {"first": 500})
    nodes = data["dialysisSessions"]["nodes"]
    assert len(nodes) == len(clinic.sessions) == 127
    computed = refused = 0
    for node in nodes:
        row = clinic.sessions[decode(node["id"])[1]]
        for field, expected in _expected(clinic, row).items():
            got = as_calculation(node[field])
            assert got == expected, (field, row.session_number, got, expected)
            computed += got.value is not None
            refused += got.value is None
    assert computed > 600 and refused > 100  # both paths are exercised


async def test_the_previous_session_skips_deleted_and_same_day_sessions(clinic: Clinic) -> None:
    """Two sessions on one day: the later-ending one is the next day's previous session. A
    deleted session (500 kg after it) is nobody's previous session."""
    query = SESSIONS % f"id sessionNumber interdialyticWeightGain {RESULT}"
    nodes = (await clinic.client.data(query, {"first": 500}))["dialysisSessions"]["nodes"]
    gains = {node["sessionNumber"]: node["interdialyticWeightGain"]["value"] for node in nodes}
    by_number = {s.session_number: s for s in clinic.sessions.values()}
    after_twin = by_number["DS-0033"]  # patient 3, the day after its two sessions
    assert after_twin.pre_weight is not None
    assert gains["DS-0033"] == pytest.approx(after_twin.pre_weight - 61.5)
    after_deleted = by_number["DS-0009"]  # patient 0, the day after the deleted session
    previous = _previous(clinic, after_deleted)
    assert previous is not None and previous.post_weight is not None
    assert after_deleted.pre_weight is not None
    assert gains["DS-0009"] == pytest.approx(after_deleted.pre_weight - previous.post_weight)
    assert "DS-1000" not in gains


async def test_record_fields_equal_the_calculators(clinic: Clinic) -> None:
    """The `calculate` calculators on a session's stored values (converted by the caller
    exactly as the field description says) answer what the session's fields answer."""
    rows = [
        s
        for s in clinic.sessions.values()
        if s.post_bun and s.uf_volume and s.post_bun < s.pre_bun and _previous(clinic, s)
        and clinic.profiles.get(s.patient_id) and clinic.profiles[s.patient_id].vascular_access
    ][:3]  # fmt: skip
    assert len(rows) == 3
    calls, fields = [], []
    for i, row in enumerate(rows):
        previous = _previous(clinic, row)
        assert previous is not None
        profile = clinic.profiles[row.patient_id]
        sp = _expected(clinic, row)["ktvDaugirdas"].value
        calls += [
            f"k{i}: ktvDaugirdas(preBun: {row.pre_bun}, postBun: {row.post_bun}, "
            f"durationMinutes: {row.duration_minutes}, ultrafiltrationMl: {row.uf_volume}, "
            f"postWeightKg: {row.post_weight}) {RESULT}",
            f"u{i}: urr(preBun: {row.pre_bun}, postBun: {row.post_bun}) {RESULT}",
            f"e{i}: ektv(spKtv: {sp!r}, durationMinutes: {row.duration_minutes}, "
            f"access: {ROUTES[profile.vascular_access]}) {RESULT}",
            f"g{i}: interdialyticWeightGain(previousPostWeightKg: {previous.post_weight}, "
            f"preWeightKg: {row.pre_weight}) {RESULT}",
            f"m{i}: meanArterialPressure(systolic: {row.pre_systolic_bp}, "
            f"diastolic: {row.pre_diastolic_bp}) {RESULT}",
        ]
        fields.append(row.id)
    calculated = (await clinic.client.data("{ calculate { " + " ".join(calls) + " } }"))[
        "calculate"
    ]
    data = await clinic.client.data(SESSIONS % SESSION_FIELDS, {"first": 500})
    by_id = {decode(n["id"])[1]: n for n in data["dialysisSessions"]["nodes"]}
    for i, session_id in enumerate(fields):
        node = by_id[session_id]
        assert calculated[f"k{i}"] == node["ktvDaugirdas"]
        assert calculated[f"u{i}"] == node["urr"]
        assert calculated[f"e{i}"] == node["ektv"]
        assert calculated[f"g{i}"] == node["interdialyticWeightGain"]
        assert calculated[f"m{i}"] == node["preMap"]


async def test_computed_session_fields_cost_the_same_for_10_and_100_sessions(
    clinic: Clinic,
) -> None:
    """Profile and previous-session lookups are one statement each for the page."""
    counts: dict[tuple[str, int], int] = {}
    for name, fields in (("plain", "id"), ("computed", SESSION_FIELDS)):
        for size in (10, 100):
            with statements(clinic.client) as seen:
                data = await clinic.client.data(SESSIONS % fields, {"first": size})
            assert len(data["dialysisSessions"]["nodes"]) == size
            counts[(name, size)] = len(seen)
    assert counts[("computed", 10)] == counts[("computed", 100)], counts
    assert counts[("computed", 100)] - counts[("plain", 100)] == 2, counts


async def test_lab_egfr_uses_the_age_on_the_lab_date(clinic: Clinic) -> None:
    query = "{ dialysisLabs(first: 100) { nodes { id egfrCkdEpi2021 " + RESULT + " } } }"
    with statements(clinic.client) as seen:
        data = await clinic.client.data(query)
    assert len(seen) <= 3, seen  # membership, labs, patients of the page
    nodes = data["dialysisLabs"]["nodes"]
    assert len(nodes) == len(clinic.labs) == 28
    values = 0
    for node in nodes:
        lab = clinic.labs[decode(node["id"])[1]]
        patient = clinic.patients[lab.patient_id]
        got = as_calculation(node["egfrCkdEpi2021"])
        sex = sex_of(patient.gender)
        if sex is None:
            assert got.value is None and "female nor male" in (got.reason or "")
            continue
        age = age_on(patient.date_of_birth, lab.lab_date.date())
        unit = general.CreatinineUnit.UMOL_L
        assert got == general.egfr_ckd_epi_2021(lab.creatinine, unit, age, sex)
        values += got.value is not None
    assert values >= 20
