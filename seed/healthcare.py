"""The patient registry, then each patient's visits (see `seed.visits`).

Conditions are drawn from age-dependent prevalences (a chronic-care population: end-stage
renal disease, hypertension, diabetes, heart failure, cataract...) and decide which programmes
a patient is in; later domains read `PatientInfo.programs` and `conditions`. Small
organizations still get at least one patient in every programme, so every table gets rows.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from faker import Faker

from seed import visits
from seed.context import (
    Item,
    OrgContext,
    PatientInfo,
    Tick,
    clamp,
    local,
    new_id,
    pick,
    stamps,
    table,
)
from seed.core import ascii_slug

T_PATIENT = table("healthcare_patients")
BLOOD = {
    "o_positive": 36, "a_positive": 37, "b_positive": 9, "ab_positive": 3,
    "o_negative": 6, "a_negative": 7, "b_negative": 1, "ab_negative": 1,
}  # fmt: skip
ALLERGIES = ("Penicillin", "Iodinated contrast media", "Latex", "Sulfonamides", "NSAIDs")
HISTORY = {
    "esrd": "End-stage renal disease on dialysis",
    "hypertension": "Arterial hypertension",
    "diabetes": "Type 2 diabetes mellitus",
    "heart_failure": "Chronic heart failure",
    "afib": "Permanent atrial fibrillation",
    "vascular": "Coronary artery disease",
    "dyslipidemia": "Dyslipidaemia",
    "copd": "COPD",
    "cataract": "Age-related cataract",
    "glaucoma": "Primary open-angle glaucoma",
    "amd": "Age-related macular degeneration",
    "diabetic_retinopathy": "Diabetic retinopathy",
}
INSURERS = ("Harmonie Mutuelle", "MGEN", "AG2R La Mondiale", "Malakoff Humanis", "MAAF Santé")
FAMILY = (
    "Father: myocardial infarction at 62",
    "Mother: type 2 diabetes",
    "No relevant family history",
    "Sibling: chronic kidney disease",
)
RELATIONS = ("spouse", "daughter", "son", "sister", "brother", "friend", "partner")
COVERAGE = (("dialyse", "esrd"), ("cardiology", "hypertension"), ("ophthalmology", "cataract"))


def generate(ctx: OrgContext) -> Iterator[Item]:
    """Every patient of the organization (plus one soft-deleted duplicate), then their visits."""
    rng, fake = ctx.rng("healthcare"), ctx.faker("healthcare")
    ctx.patients = [_patient_info(ctx, rng, i) for i in range(ctx.options.patients_per_org)]
    _ensure_coverage(ctx)
    for p in ctx.patients:
        yield T_PATIENT, _patient_row(ctx, rng, fake, p)
    duplicate = _patient_info(ctx, rng, len(ctx.patients))
    row = _patient_row(ctx, rng, fake, duplicate)
    row.update(
        medical_record_number=None,
        notes="Duplicate registration, merged into the patient's main record.",
        deleted_at=duplicate.registered + dt.timedelta(hours=2),
        deleted_by=ctx.staff["admin"][0],
    )
    yield T_PATIENT, row
    for p in ctx.patients:
        yield from visits.generate(ctx, rng, p)
        yield Tick()


def _patient_info(ctx: OrgContext, rng: random.Random, index: int) -> PatientInfo:
    age = int(clamp(rng.gauss(58, 18), 18, 97))
    sex = "female" if rng.random() < 0.5 else "male"
    if rng.random() < 0.003:
        sex = "unknown"
    birth = ctx.end - dt.timedelta(days=age * 365 + rng.randint(0, 364))
    conditions = _conditions(rng, age)
    height = rng.gauss(175 if sex == "male" else 162, 7)
    weight = round(clamp(rng.gauss(27, 4.5), 18.5, 42) * (height / 100) ** 2, 1)
    span = (ctx.end - ctx.start).days
    if rng.random() < 0.85:
        registered = local(ctx.start, 9) - dt.timedelta(days=rng.randint(30, 3650))
    else:  # a new patient of the period
        registered = local(ctx.start, 9) + dt.timedelta(days=rng.randint(0, max(0, span - 7)))
    registered += dt.timedelta(minutes=rng.randint(0, 480))
    return PatientInfo(
        id=new_id(rng),
        index=index,
        sex=sex,
        birth=birth,
        age=age,
        registered=registered,
        weight=weight,
        height=round(height, 1),
        email=None,
        first_day=max(ctx.start, registered.date() + dt.timedelta(days=1)),
        conditions=conditions,
        programs=_programs(rng, age, conditions),
    )


def _conditions(rng: random.Random, age: int) -> set[str]:
    old = age > 60
    found = {"esrd"} if rng.random() < 0.22 + 0.12 * old and age >= 25 else set()
    esrd = bool(found)
    chances = {
        "hypertension": 0.85 if esrd else clamp(0.1 + 0.6 * (age - 30) / 60, 0.05, 0.7),
        "diabetes": 0.45 if esrd else 0.07 + 0.14 * (age > 50),
        "heart_failure": 0.2 if esrd else 0.02 + 0.08 * (age > 65),
        "afib": 0.02 + 0.12 * (age > 70) + 0.05 * esrd,
        "vascular": 0.04 + 0.14 * old + 0.1 * esrd,
        "dyslipidemia": 0.2 + 0.25 * old,
        "smoker": 0.2,
        "copd": 0.03 + 0.05 * old,
        "cataract": clamp(0.4 * (age - 55) / 30, 0, 0.6),
        "glaucoma": 0.02 + 0.06 * old,
        "amd": 0.08 * (age > 65),
    }
    found |= {name for name, chance in chances.items() if rng.random() < chance}
    if "diabetes" in found and rng.random() < 0.3:
        found.add("diabetic_retinopathy")
    return found


def _programs(rng: random.Random, age: int, conditions: set[str]) -> set[str]:
    programs = {"general"}
    if "esrd" in conditions:
        programs.add("dialyse")
    heart = conditions & {"heart_failure", "afib", "vascular"}
    if heart or rng.random() < 0.35 * ("hypertension" in conditions) + 0.3 * ("esrd" in conditions):
        programs.add("cardiology")
    eyes = conditions & {"cataract", "glaucoma", "amd", "diabetic_retinopathy"}
    if eyes or rng.random() < 0.04:
        programs.add("ophthalmology")
    rpm = (
        0.6 * ("heart_failure" in conditions)
        + 0.45 * ("diabetes" in conditions)
        + 0.5 * ("hypertension" in conditions)
        + 0.3 * ("copd" in conditions)
    )
    if rng.random() < clamp(rpm, 0, 0.85):
        programs.add("rpm")
    if rng.random() < (0.7 if age < 75 else 0.4):
        programs.add("portal")
    return programs


def _ensure_coverage(ctx: OrgContext) -> None:
    """Give each programme at least one patient, so that even a tiny run fills every table."""
    patients = ctx.patients
    for k, (program, condition) in enumerate((*COVERAGE, ("rpm", "hypertension"))):
        if not any(program in p.programs for p in patients):
            p = patients[k % len(patients)]
            p.programs.add(program)
            p.conditions.add(condition)
    if not any("portal" in p.programs for p in patients):
        patients[0].programs.add("portal")


def _patient_row(ctx: OrgContext, rng: random.Random, f: Faker, p: PatientInfo) -> dict[str, Any]:
    female = p.sex == "female"
    first = f.first_name_female() if female else f.first_name_male()
    last = f.last_name()
    domain = rng.choice(("example.com", "example.net", "example.org"))
    p.email = f"{ascii_slug(first)}.{ascii_slug(last)}.{p.index + 1}@{domain}"
    history = [HISTORY[c] for c in sorted(p.conditions) if c in HISTORY]
    return {
        "id": p.id,
        "organization_id": ctx.id,
        "medical_record_number": ctx.next_number("MRN"),
        "first_name": first,
        "last_name": last,
        "date_of_birth": p.birth,
        "gender": p.sex,
        "national_id": _nir(rng, p),
        "photo": ctx.url("patients", f"{p.id}.jpg") if rng.random() < 0.2 else None,
        "phone": _phone(rng, "01 99 00") if rng.random() < 0.6 else None,
        "mobile": _phone(rng, "06 39 98") if rng.random() < 0.85 else None,
        "email": p.email if rng.random() < 0.8 else None,
        "address": f.street_address(),
        "city": f.city(),
        "state": f.region(),
        "postal_code": f.postcode(),
        "country": "France",
        "emergency_contact_name": f.name(),
        "emergency_contact_phone": _phone(rng, "06 39 98"),
        "emergency_contact_relation": rng.choice(RELATIONS),
        "blood_type": pick(rng, BLOOD) if rng.random() < 0.85 else None,
        "allergies": rng.choice(ALLERGIES) if rng.random() < 0.25 else "No known allergies",
        "medical_history": "; ".join(history) or "No significant history",
        "family_history": rng.choice(FAMILY),
        "insurance_provider": rng.choice(INSURERS),
        "insurance_number": f"{rng.randint(10**9, 10**10 - 1)}",
        "notes": None,
        "status": "active",
        **stamps(p.registered, min(ctx.now, p.registered + dt.timedelta(days=rng.randint(0, 400)))),
    }


def _phone(rng: random.Random, prefix: str) -> str:
    """A number from the ranges ARCEP reserves for fiction, so no real line is ever dialled."""
    return f"{prefix} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"


def _nir(rng: random.Random, p: PatientInfo) -> str:
    """A well-formed French social security number (NIR) matching sex and birth, with its key."""
    sex = "2" if p.sex == "female" else "1"
    department = f"{rng.choice([n for n in range(1, 96) if n != 20]):02d}"
    body = f"{sex}{p.birth.year % 100:02d}{p.birth.month:02d}{department}"
    body += f"{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
    key = 97 - int(body) % 97
    return f"{body[0]} {body[1:3]} {body[3:5]} {body[5:7]} {body[7:10]} {body[10:13]} {key:02d}"
