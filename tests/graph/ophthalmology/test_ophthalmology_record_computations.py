"""Computed fields of ocular biometry on generated data: mean K and SRK/T power with the
row's A-constant and target by default, or the caller's; they equal the calculators."""

from __future__ import annotations

import datetime as dt
import random
from typing import NamedTuple

import pytest
from api_client import Api, Client, statements
from calculation_checks import RESULT, as_calculation
from sqlalchemy.engine import URL

from graph.ids import decode
from graph.ophthalmology import equations
from models.database import session_factory
from models.healthcare import Patient
from models.ophthalmology import OcularBiometry

BIOMETRY = "query($first: Int!) { ocularBiometries(first: $first) { nodes { id %s } } }"
FIELDS = (
    f"meanK {RESULT} iolPowerSrkT {RESULT} "
    f"whatIf: iolPowerSrkT(aConstant: 119.1, target: -0.75) {RESULT}"
)


class Clinic(NamedTuple):
    client: Client
    rows: dict[str, OcularBiometry]


@pytest.fixture(scope="module")
async def clinic(api: Api, migrated_url: URL) -> Clinic:
    """30 biometries, axial lengths 21 to 29 mm; some without an A-constant or a target."""
    client = await api(migrated_url)
    rng = random.Random(3)
    org, user = client.organization_id, client.user_id
    patient = Patient(organization_id=org, first_name="E", last_name="Eye",
                      date_of_birth=dt.date(1950, 5, 5), gender="female")  # fmt: skip
    async with session_factory(client.engine)() as db, db.begin():
        db.add(patient)
    rows = []
    for i in range(30):
        k1 = round(rng.uniform(40.5, 45.0), 2)
        rows.append(
            OcularBiometry(
                organization_id=org,
                patient_id=patient.id,
                biometry_number=f"BIO-{i}",
                measurement_date=dt.datetime(2026, 9, 1, tzinfo=dt.UTC) + dt.timedelta(days=i),
                eye="left" if i % 2 else "right",
                device_type="optical",
                axial_length=round(rng.uniform(21.0, 29.0), 2),
                k1=k1,
                k2=round(k1 + rng.uniform(0, 1.5), 2),
                a_constant=None if i % 7 == 3 else rng.choice([118.0, 118.7, 119.0]),
                target_refraction=None if i % 5 == 2 else rng.choice([0.0, -0.25, -0.5]),
                created_by=user,
            )
        )
    async with session_factory(client.engine)() as db, db.begin():
        db.add_all(rows)
    return Clinic(client, {row.id: row for row in rows})


async def test_biometry_fields_equal_the_equations(clinic: Clinic) -> None:
    client, rows = clinic
    with statements(client) as seen:
        data = await client.data(BIOMETRY % FIELDS, {"first": 100})
    assert len(seen) == 2, seen  # membership and the page: nothing else is read
    nodes = data["ocularBiometries"]["nodes"]
    assert len(nodes) == 30
    for node in nodes:
        row = rows[decode(node["id"])[1]]
        assert as_calculation(node["meanK"]) == equations.mean_k(row.k1, row.k2)
        what_if = equations.iol_power_srk_t(row.axial_length, row.k1, row.k2, 119.1, -0.75)
        assert as_calculation(node["whatIf"]) == what_if
        got = as_calculation(node["iolPowerSrkT"])
        if row.a_constant is None:
            assert got.value is None and "no A-constant" in (got.reason or "")
            continue
        target = row.target_refraction if row.target_refraction is not None else 0.0
        expected = equations.iol_power_srk_t(
            row.axial_length, row.k1, row.k2, row.a_constant, target
        )
        assert got == expected and got.value is not None


async def test_biometry_power_equals_the_calculator(clinic: Clinic) -> None:
    client, rows = clinic
    row = next(r for r in rows.values() if r.a_constant and r.target_refraction is not None)
    call = (
        f"iolPowerSrkT(axialLengthMm: {row.axial_length}, k1: {row.k1}, k2: {row.k2}, "
        f"aConstant: {row.a_constant}, targetRefraction: {row.target_refraction})"
    )
    calculated = await client.data("{ calculate { " + call + " " + RESULT + " } }")
    data = await client.data(BIOMETRY % f"iolPowerSrkT {RESULT}", {"first": 100})
    node = next(n for n in data["ocularBiometries"]["nodes"] if decode(n["id"])[1] == row.id)
    assert calculated["calculate"]["iolPowerSrkT"] == node["iolPowerSrkT"]
