"""Computed fields of cardiology profiles on generated data: CHA2DS2-VASc from the profile's
flags and the registry's age today and sex equals the calculator; HAS-BLED says which inputs
the profile lacks; the patients of a page cost one statement."""

from __future__ import annotations

import datetime as dt
import random
from typing import NamedTuple

import pytest
from api_client import Api, Client, statements
from calculation_checks import RESULT, as_calculation
from sqlalchemy.engine import URL

from graph.calculation import age_on, sex_of
from graph.cardiology import equations
from graph.healthcare.demographics import today
from graph.ids import decode
from models.cardiology import CardiologyProfile
from models.database import session_factory
from models.healthcare import Patient

PROFILES = "query($first: Int!) { cardiologyProfiles(first: $first) { nodes { id %s } } }"
FIELDS = f"cha2ds2VascComputed {RESULT} hasBled {RESULT}"
FLAGS = (
    "has_congestive_heart_failure",
    "has_hypertension",
    "has_diabetes",
    "has_stroke_or_tia",
    "has_vascular_disease",
)


class Clinic(NamedTuple):
    client: Client
    profiles: dict[str, CardiologyProfile]
    patients: dict[str, Patient]


def _birthday(now: dt.date, years: int) -> dt.date:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


@pytest.fixture(scope="module")
async def clinic(api: Api, migrated_url: URL) -> Clinic:
    """40 patients aged about 40 to 79 with a cardiology profile each: birthdays the day
    before, of and after today (around the 65 and 75 thresholds too), some flags not
    assessed, some patients of neither sex."""
    client = await api(migrated_url)
    rng = random.Random(5)
    org = client.organization_id
    now = today()
    patients = []
    for i in range(40):
        born = _birthday(now, 40 + i) + dt.timedelta(days=(-1, 0, 1)[i % 3])
        patients.append(
            Patient(
                organization_id=org,
                first_name=f"C{i}",
                last_name="Risk",
                date_of_birth=born,
                gender="other" if i % 13 == 7 else ("female" if i % 2 else "male"),
            )
        )
    async with session_factory(client.engine)() as db, db.begin():
        db.add_all(patients)
    profiles = []
    for i, patient in enumerate(patients):
        flags: dict[str, bool | None] = {name: rng.random() < 0.4 for name in FLAGS}
        if i % 9 == 4:
            flags[rng.choice(FLAGS)] = None
        profiles.append(CardiologyProfile(organization_id=org, patient_id=patient.id, **flags))
    async with session_factory(client.engine)() as db, db.begin():
        db.add_all(profiles)
    return Clinic(client, {p.id: p for p in profiles}, {p.id: p for p in patients})


async def test_cha2ds2_vasc_computed_equals_the_calculator(clinic: Clinic) -> None:
    client, profiles, patients = clinic
    data = await client.data(PROFILES % FIELDS, {"first": 100})
    nodes = data["cardiologyProfiles"]["nodes"]
    assert len(nodes) == 40
    scored = 0
    for node in nodes:
        profile = profiles[decode(node["id"])[1]]
        patient = patients[profile.patient_id]
        got = as_calculation(node["cha2ds2VascComputed"])
        sex = sex_of(patient.gender)
        if sex is None:
            assert got.value is None and "female nor male" in (got.reason or "")
            continue
        flags = [getattr(profile, name) for name in FLAGS]
        expected = equations.cha2ds2_vasc(age_on(patient.date_of_birth, today()), sex, *flags)
        assert got == expected
        if None in flags:
            assert got.value is None and "not recorded" in (got.reason or "")
        else:
            scored += 1
            call = (
                f"cha2ds2Vasc(ageYears: {age_on(patient.date_of_birth, today())}, "
                f"sex: {sex.name}, congestiveHeartFailure: {str(flags[0]).lower()}, "
                f"hypertension: {str(flags[1]).lower()}, diabetes: {str(flags[2]).lower()}, "
                f"strokeOrTia: {str(flags[3]).lower()}, vascularDisease: {str(flags[4]).lower()})"
            )
            if scored <= 3:
                calculated = await client.data("{ calculate { " + call + " " + RESULT + " } }")
                assert calculated["calculate"]["cha2ds2Vasc"] == node["cha2ds2VascComputed"]
        has_bled = as_calculation(node["hasBled"])
        assert has_bled.value is None and "bleeding history" in (has_bled.reason or "")
    assert scored >= 25


async def test_the_patients_of_a_page_cost_one_statement(clinic: Clinic) -> None:
    client = clinic[0]
    counts = {}
    for fields in ("id", FIELDS):
        for size in (5, 40):
            with statements(client) as seen:
                await client.data(PROFILES % fields, {"first": size})
            counts[(fields, size)] = len(seen)
    assert counts[(FIELDS, 5)] == counts[(FIELDS, 40)] == counts[("id", 40)] + 1, counts
