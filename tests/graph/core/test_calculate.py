"""`calculate`: every calculator through the API gives what its equation gives, for any
signed-in role, reading and writing nothing; hostile numbers give a null value with a reason,
never an error; the README's example runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from api_client import Api, Client, statements
from calculation_checks import RESULT, as_calculation
from graphql import parse, validate
from sqlalchemy.engine import URL

from graph.calculation import Calculation, Sex
from graph.cardiology import equations as cardiology
from graph.dialyse import equations as dialyse
from graph.healthcare import equations as healthcare
from graph.ophthalmology import equations as ophthalmology
from graph.schema import schema

README = Path(__file__).resolve().parents[3] / "README.md"
F, M = Sex.FEMALE, Sex.MALE

# (GraphQL call, the equation's result for the same inputs)
CASES: list[tuple[str, Calculation]] = [
    (
        "ktvDaugirdas(preBun: 68, postBun: 21.5, durationMinutes: 235, ultrafiltrationMl: 2650, "
        "postWeightKg: 71.4)",
        dialyse.ktv_daugirdas(68, 21.5, 235, 2650, 71.4),
    ),
    ("urr(preBun: 68, postBun: 21.5)", dialyse.urr(68, 21.5)),
    (
        "ektv(spKtv: 1.38, durationMinutes: 235, access: VENOUS)",
        dialyse.ektv(1.38, 235, dialyse.VascularAccessRoute.VENOUS),
    ),
    (
        "ektv(spKtv: 1.38, durationMinutes: 235, access: ARTERIAL, method: TATTERSALL)",
        dialyse.ektv(
            1.38, 235, dialyse.VascularAccessRoute.ARTERIAL, dialyse.EktvMethod.TATTERSALL
        ),
    ),
    (
        "interdialyticWeightGain(previousPostWeightKg: 70.2, preWeightKg: 72.9)",
        dialyse.interdialytic_weight_gain(70.2, 72.9),
    ),
    (
        "interdialyticWeightGainPercent(previousPostWeightKg: 70.2, preWeightKg: 72.9, "
        "dryWeightKg: 69.5)",
        dialyse.interdialytic_weight_gain_percent(70.2, 72.9, 69.5),
    ),
    (
        "cha2ds2Vasc(ageYears: 72, sex: FEMALE, congestiveHeartFailure: false, "
        "hypertension: true, diabetes: true, strokeOrTia: false, vascularDisease: true)",
        cardiology.cha2ds2_vasc(72, F, False, True, True, False, True),
    ),
    (
        "hasBled(ageYears: 68, uncontrolledHypertension: true, abnormalRenalFunction: true, "
        "abnormalLiverFunction: false, priorStroke: false, bleedingHistory: false, "
        "labileInr: true, antiplateletOrNsaid: false, alcoholUse: false)",
        cardiology.has_bled(68, True, True, False, False, False, True, False, False),
    ),
    (
        "framinghamCvdRisk(sex: MALE, ageYears: 55, totalCholesterolMgDl: 213, hdlMgDl: 50, "
        "systolicBp: 140, bpTreated: false, smoker: false, diabetes: false)",
        cardiology.framingham_cvd_risk(M, 55, 213, 50, 140, False, False, False),
    ),
    (
        "score2Risk(sex: FEMALE, riskRegion: VERY_HIGH, ageYears: 50, smoker: true, "
        "systolicBp: 140, totalCholesterolMmolL: 6.3, hdlMmolL: 1.4)",
        cardiology.score2_risk(F, cardiology.Score2Region.VERY_HIGH, 50, True, 140, 6.3, 1.4),
    ),
    (
        "egfrCkdEpi2021(creatinine: 1.2, ageYears: 55, sex: MALE)",
        healthcare.egfr_ckd_epi_2021(1.2, healthcare.CreatinineUnit.MG_DL, 55, M),
    ),
    (
        "egfrCkdEpi2021(creatinine: 650, creatinineUnit: UMOL_L, ageYears: 61, sex: FEMALE)",
        healthcare.egfr_ckd_epi_2021(650, healthcare.CreatinineUnit.UMOL_L, 61, F),
    ),
    (
        "meanArterialPressure(systolic: 142, diastolic: 77)",
        healthcare.mean_arterial_pressure(142, 77),
    ),
    (
        "iolPowerSrkT(axialLengthMm: 23.4, k1: 43.1, k2: 44.0, aConstant: 118.7)",
        ophthalmology.iol_power_srk_t(23.4, 43.1, 44.0, 118.7),
    ),
    (
        "iolPowerSrkT(axialLengthMm: 26.1, k1: 42.0, k2: 42.5, aConstant: 119, "
        "targetRefraction: -0.5)",
        ophthalmology.iol_power_srk_t(26.1, 42.0, 42.5, 119, -0.5),
    ),
    (
        "predictedRefractionSrkT(axialLengthMm: 23.4, k1: 43.1, k2: 44.0, aConstant: 118.7, "
        "iolPower: 21.5)",
        ophthalmology.predicted_refraction_srk_t(23.4, 43.1, 44.0, 118.7, 21.5),
    ),
    (
        "iolPowerSrkII(axialLengthMm: 21.6, kMean: 44.2, aConstant: 118.4, "
        "targetRefraction: -0.25)",
        ophthalmology.iol_power_srk_ii(21.6, 44.2, 118.4, -0.25),
    ),
]


def document(calls: list[str]) -> str:
    fields = "\n".join(f"  c{i}: {call} {RESULT}" for i, call in enumerate(calls))
    return "{ calculate {\n" + fields + "\n} }"


@pytest.fixture(scope="module")
async def member(api: Api, migrated_url: URL) -> Client:
    return await api(migrated_url)


async def test_every_calculator_gives_what_its_equation_gives(member: Client) -> None:
    data = await member.data(document([call for call, _ in CASES]))
    for i, (call, expected) in enumerate(CASES):
        got = as_calculation(data["calculate"][f"c{i}"])
        assert expected.value is not None, call
        assert got == expected, call


def test_the_calculators_are_the_issues_contract() -> None:
    """Names of the calculators and of their arguments, as issue 11 lists them."""
    calculators = schema._schema.type_map["ClinicalCalculators"]
    arguments = {
        name: list(field.args)
        for name, field in calculators.fields.items()  # type: ignore[attr-defined]
    }
    weights = ["previousPostWeightKg", "preWeightKg", "dryWeightKg"]
    srkt = ["axialLengthMm", "k1", "k2", "aConstant"]
    assert arguments == {
        "egfrCkdEpi2021": ["creatinine", "creatinineUnit", "ageYears", "sex"],
        "meanArterialPressure": ["systolic", "diastolic"],
        "ktvDaugirdas": [
            "preBun",
            "postBun",
            "durationMinutes",
            "ultrafiltrationMl",
            "postWeightKg",
        ],
        "urr": ["preBun", "postBun"],
        "ektv": ["spKtv", "durationMinutes", "access", "method"],
        "interdialyticWeightGain": weights,
        "interdialyticWeightGainPercent": weights,
        "cha2ds2Vasc": [
            "ageYears",
            "sex",
            "congestiveHeartFailure",
            "hypertension",
            "diabetes",
            "strokeOrTia",
            "vascularDisease",
        ],
        "hasBled": [
            "ageYears",
            "uncontrolledHypertension",
            "abnormalRenalFunction",
            "abnormalLiverFunction",
            "priorStroke",
            "bleedingHistory",
            "labileInr",
            "antiplateletOrNsaid",
            "alcoholUse",
        ],
        "framinghamCvdRisk": [
            "sex",
            "ageYears",
            "totalCholesterolMgDl",
            "hdlMgDl",
            "systolicBp",
            "bpTreated",
            "smoker",
            "diabetes",
        ],
        "score2Risk": [
            "sex",
            "riskRegion",
            "ageYears",
            "smoker",
            "systolicBp",
            "totalCholesterolMmolL",
            "hdlMmolL",
        ],
        "iolPowerSrkT": [*srkt, "targetRefraction"],
        "predictedRefractionSrkT": [*srkt, "iolPower"],
        "iolPowerSrkII": ["axialLengthMm", "kMean", "aConstant", "targetRefraction"],
    }
    sdl = schema.as_str()
    for enum, values in {
        "Sex": "FEMALE MALE",
        "VascularAccessRoute": "ARTERIAL VENOUS",
        "EktvMethod": "RATE TATTERSALL",
        "Score2Region": "LOW MODERATE HIGH VERY_HIGH",
        "CreatinineUnit": "MG_DL UMOL_L",
    }.items():
        body = re.search(rf"enum {enum} {{(.*?)}}", sdl, re.DOTALL)
        assert body and body.group(1).split() == values.split(), enum
    assert "calculate: ClinicalCalculators!" in sdl
    assert (
        "  method: EktvMethod! = RATE" in sdl and "creatinineUnit: CreatinineUnit! = MG_DL" in sdl
    )


HOSTILE = [
    ("urr(preBun: 1e400, postBun: 20)", "not a finite number"),  # a literal past float range
    ("urr(preBun: -60, postBun: -20)", "greater than 0"),
    ("urr(preBun: 60, postBun: 0)", "greater than 0"),
    (
        "ktvDaugirdas(preBun: 60, postBun: 20, durationMinutes: 1e300, ultrafiltrationMl: 1e300, "
        "postWeightKg: 1e-300)",
        "session duration",
    ),
    (
        "ktvDaugirdas(preBun: 100, postBun: 3, durationMinutes: 240, ultrafiltrationMl: 2000, "
        "postWeightKg: 70)",
        "R - 0.008*t",
    ),
    ("ektv(spKtv: -1.2, durationMinutes: 240, access: ARTERIAL)", "spKt/V"),
    ("interdialyticWeightGain(previousPostWeightKg: 0, preWeightKg: 72)", "greater than 0"),
    (
        "interdialyticWeightGainPercent(previousPostWeightKg: 70, preWeightKg: 1e308, "
        "dryWeightKg: 1e-308)",
        "at most 700",
    ),
    (
        "cha2ds2Vasc(ageYears: 2147483647, sex: MALE, congestiveHeartFailure: false, "
        "hypertension: false, diabetes: false, strokeOrTia: false, vascularDisease: false)",
        "at most 130",
    ),
    (
        "hasBled(ageYears: -5, uncontrolledHypertension: true, abnormalRenalFunction: true, "
        "abnormalLiverFunction: true, priorStroke: true, bleedingHistory: true, labileInr: true, "
        "antiplateletOrNsaid: true, alcoholUse: true)",
        "at least 0",
    ),
    (
        "framinghamCvdRisk(sex: FEMALE, ageYears: 80, totalCholesterolMgDl: 200, hdlMgDl: 50, "
        "systolicBp: 130, bpTreated: false, smoker: false, diabetes: false)",
        "Framingham 2008 range",
    ),
    (
        "score2Risk(sex: MALE, riskRegion: LOW, ageYears: 75, smoker: false, systolicBp: 130, "
        "totalCholesterolMmolL: 5, hdlMmolL: 1.3)",
        "SCORE2 covers 40-69",
    ),
    ("egfrCkdEpi2021(creatinine: 1.0, ageYears: 12, sex: MALE)", "adult"),
    ("egfrCkdEpi2021(creatinine: -1e308, ageYears: 50, sex: FEMALE)", "greater than 0"),
    ("meanArterialPressure(systolic: 1e400, diastolic: 80)", "not a finite number"),
    ("iolPowerSrkT(axialLengthMm: 36, k1: 45, k2: 45, aConstant: 118)", "corneal height"),
    ("iolPowerSrkII(axialLengthMm: 0, kMean: 43, aConstant: 118)", "axial length"),
    (
        "predictedRefractionSrkT(axialLengthMm: 24, k1: 43, k2: 44, aConstant: 1e400, "
        "iolPower: 20)",
        "A-constant",
    ),
]


async def test_hostile_numbers_give_a_null_value_and_a_reason(member: Client) -> None:
    body = await member.query(document([call for call, _ in HOSTILE]), status=200)
    assert "errors" not in body, body
    for i, (call, words) in enumerate(HOSTILE):
        got = body["data"]["calculate"][f"c{i}"]
        assert got["value"] is None, (call, got)
        assert words in got["reason"], (call, got)
        assert got["unit"] and got["method"] and got["factors"] == [], call
    assert "NaN" not in json.dumps(body) and "Infinity" not in json.dumps(body)


async def test_a_nan_in_variables_is_refused_cleanly(member: Client) -> None:
    """JSON has no NaN; a body that smuggles one in never reaches an equation, and the
    answer is a client error with a stable code, not a server error."""
    content = (
        '{"query": "query($x: Float!) { calculate { urr(preBun: $x, postBun: 20) { value } } }",'
        ' "variables": {"x": NaN}}'
    )
    response = await member.http.post(
        "/graphql", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code in (200, 400), response.text
    errors = response.json()["errors"]
    assert errors and all(
        error["extensions"]["code"] != "INTERNAL_SERVER_ERROR" for error in errors
    )


@pytest.mark.parametrize("role", ["admin", "physician", "nurse", "analyst", "patient"])
async def test_any_signed_in_role_can_calculate(api: Api, portal_url: URL, role: str) -> None:
    """(A patient signs in through its portal account, so a database with portal accounts.)"""
    if role == "patient":
        client = await api.patient(portal_url)
    else:
        client = await api(portal_url, org=0, roles=(role,))
    data = await client.data("{ calculate { urr(preBun: 60, postBun: 20) { value unit } } }")
    assert data["calculate"]["urr"]["value"] == pytest.approx(66.6667, abs=1e-4)


async def test_calculating_reads_nothing(member: Client) -> None:
    """Only the sign-in's membership check touches the database."""
    with statements(member) as seen:
        await member.data(document([call for call, _ in CASES]))
    tables = ("dialyse", "cardiology", "healthcare_patients", "ophthalmology", "quality")
    assert not [sql for sql in seen if any(table in sql for table in tables)], seen


def readme_examples() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Clinical computations", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```graphql\n(.*?)```", section, re.DOTALL)


async def test_the_readme_example_validates_and_runs(api: Api, seeded_url: URL) -> None:
    examples = readme_examples()
    assert examples, "the README's Clinical computations section has no GraphQL example"
    client = await api(seeded_url, org=0)
    for example in examples:
        assert not validate(schema._schema, parse(example))
        data = await client.data(example)
        assert data["calculate"]
