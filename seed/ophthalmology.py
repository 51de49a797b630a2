"""Ophthalmology: biometry of both eyes before cataract surgery, surgeries, OCT and fundus
examinations, and each patient's profile.

Fellow eyes are alike (axial lengths within a few tenths of a millimetre); the recommended IOL
power is computed from the measured axial length and keratometry with the SRK II formula and
the lens's A-constant, and the implanted lens is the one recommended for that eye.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from seed.context import Item, OrgContext, PatientInfo, Tick, clamp, local, new_id, stamps, table
from seed.exams import exam_row
from seed.eye_surgery import surgery

T_PROFILE, T_BIOMETRY = table("ophthalmology_patients"), table("ophthalmology_biometry")
IOLS = (("Alcon AcrySof IQ SN60WF", 119.0), ("Johnson & Johnson Tecnis ZCB00", 119.3),
        ("Zeiss CT LUCIA 611P", 118.7))  # fmt: skip
DEVICES = {"swept_source": ("Carl Zeiss Meditec", "IOLMaster 700"),
           "optical": ("Haag-Streit", "Lenstar LS 900"),
           "ultrasound": ("Quantel", "Axis Nano")}  # fmt: skip
DIAGNOSES = (
    ("amd", "Neovascular age-related macular degeneration"),
    ("glaucoma", "Primary open-angle glaucoma"),
    ("diabetic_retinopathy", "Diabetic retinopathy"),
    ("cataract", "Age-related cataract"),
)
SNELLEN = (20, 25, 30, 40, 50, 63, 80, 100, 200)


def generate(ctx: OrgContext) -> Iterator[Item]:
    rng = ctx.rng("ophthalmology")
    for p in ctx.patients:
        if "ophthalmology" not in p.programs:
            continue
        consults = p.consults.get("ophthalmology", [])
        eyes = _eyes(rng, p)
        implanted = False
        for consult, day, doctor in consults:
            when = local(day, 10) + dt.timedelta(minutes=rng.randint(0, 360))
            if p.conditions & {"amd", "diabetic_retinopathy", "glaucoma"}:
                yield from _oct(ctx, rng, p, consult, doctor, when)
        if "cataract" in p.conditions and consults:
            consult, day, doctor = consults[-1]
            when = local(day, 10, 30)
            for eye in ("right", "left"):
                yield T_BIOMETRY, _biometry(ctx, rng, p, eyes[eye], eye, consult, doctor, when)
            operated = max(eyes, key=lambda e: eyes[e]["va"])
            if rng.random() < 0.75 or ctx.once("eye_surgery"):
                date = day + dt.timedelta(days=rng.randint(14, 42))
                row = surgery(ctx, rng, p, eyes[operated], operated, "phaco", doctor, date)
                implanted = row[1]["status"] == "completed"
                yield row
        elif "glaucoma" in p.conditions and consults and rng.random() < 0.08:
            consult, day, doctor = consults[-1]
            date = day + dt.timedelta(days=rng.randint(10, 40))
            kind = rng.choice(("glaucoma_trab", "migs"))
            yield surgery(ctx, rng, p, eyes["right"], "right", kind, doctor, date)
        yield T_PROFILE, _profile(ctx, rng, p, eyes, implanted)
        yield Tick()


def _eyes(rng: random.Random, p: PatientInfo) -> dict[str, dict[str, Any]]:
    """Per-eye anatomy: fellow eyes differ by little."""
    length = clamp(rng.gauss(23.5, 0.9), 22.0, 26.0)
    k1 = clamp(rng.gauss(43.4, 1.0), 41.0, 46.0)
    chamber, lens = rng.gauss(0, 0.2), clamp(rng.gauss(4.6, 0.3), 3.8, 5.4)
    wtw, cct = clamp(rng.gauss(11.9, 0.35), 11.0, 12.8), clamp(rng.gauss(545, 30), 470, 620)
    glaucoma = "glaucoma" in p.conditions
    eyes = {}
    for eye in ("right", "left"):
        flat = clamp(k1 + rng.gauss(0, 0.2), 41.0, 46.0)
        cataract = "cataract" in p.conditions
        va = rng.choice(SNELLEN[3:8]) if cataract else rng.choice(SNELLEN[:3])
        eyes[eye] = {
            "al": round(clamp(length + rng.gauss(0, 0.12), 22.0, 26.0), 2),
            "chamber": chamber + rng.gauss(0, 0.05),
            "lens": round(lens + rng.gauss(0, 0.04), 2),
            "wtw": round(wtw + rng.gauss(0, 0.1), 1),
            "cct": round(cct + rng.gauss(0, 6)),
            "k1": round(flat, 2),
            "k2": round(clamp(flat + abs(rng.gauss(0.8, 0.5)), flat + 0.1, 46.5), 2),
            "axis": rng.randint(0, 179),
            "va": va,
            "iop": round(clamp(rng.gauss(18 if glaucoma else 15, 2.5), 9, 28)),
        }
    return eyes


def srk2(length: float, mean_k: float, a_constant: float, target: float) -> tuple[float, float]:
    """SRK II: the IOL power (rounded to 0.5 D) for `target` refraction, and the refraction
    predicted with that lens."""
    a = a_constant + (3 if length < 20 else 2 if length < 21 else 1 if length < 22 else 0)
    a -= 0.5 if length > 24.5 else 0
    emmetropic = a - 2.5 * length - 0.9 * mean_k
    ratio = 1.25 if emmetropic > 14 else 1.0
    power = round((emmetropic - ratio * target) * 2) / 2
    return power, round((emmetropic - power) / ratio, 2)


def _biometry(
    ctx: OrgContext,
    rng: random.Random,
    p: PatientInfo,
    eye: dict[str, Any],
    side: str,
    consult: str,
    doctor: str,
    when: dt.datetime,
) -> dict[str, Any]:
    device = "ultrasound" if eye["va"] >= 100 and rng.random() < 0.5 else rng.choice(
        ("swept_source", "optical"))  # fmt: skip
    maker, model = DEVICES[device]
    k1, k2 = eye["k1"], eye["k2"]
    mean_k = round((k1 + k2) / 2, 2)
    iol, a_constant = rng.choice(IOLS)
    target = rng.choice((0.0, -0.25, -0.5, -0.5))
    power, predicted = srk2(eye["al"], mean_k, a_constant, target)
    eye.update(iol=iol, power=power)
    acd = round(clamp(3.1 + 0.25 * (eye["al"] - 23.5) + eye["chamber"], 2.3, 4.0), 2)
    return {
        "id": new_id(rng), "organization_id": ctx.id, "patient_id": p.id,
        "consultation_id": consult, "biometry_number": ctx.next_number("BIO"),
        "measurement_date": when, "eye": side, "device_type": device,
        "device_manufacturer": maker, "device_model": model, "axial_length": eye["al"],
        "axial_length_sd": round(rng.uniform(0.005, 0.03), 3),
        "axial_length_snr": None if device == "ultrasound" else round(rng.uniform(8, 200), 1),
        "k1": k1, "k1_axis": eye["axis"], "k2": k2, "k2_axis": (eye["axis"] + 90) % 180,
        "avg_k": mean_k, "delta_k": round(k2 - k1, 2), "keratometry_type": "automated",
        "acd": acd, "acd_external": round(acd + 0.55, 2),
        "lens_thickness": eye["lens"],
        "wtw": eye["wtw"],
        "pupil_diameter": round(rng.uniform(3.0, 5.5), 1),
        "cct": eye["cct"],
        "iol_calculations": [{"formula": "SRK II", "iol_model": iol, "a_constant": a_constant,
                              "target_refraction": target, "iol_power": power,
                              "predicted_refraction": predicted}],
        "target_refraction": target, "recommended_iol_power": power,
        "recommended_iol_model": iol, "formula_used": "SRK II", "a_constant": a_constant,
        "measurement_quality": "good" if device == "ultrasound"
        else rng.choice(("excellent", "good")),
        "quality_issues": ["Dense cataract: ultrasound biometry"] if device == "ultrasound"
        else [],
        "performed_by": ctx.pick_staff(rng, "technician"), "reviewed_by": doctor,
        "report_url": ctx.url("biometry", f"{p.id}-{side}.pdf"), "created_by": doctor,
        **stamps(when, when + dt.timedelta(hours=2)),
    }  # fmt: skip


def _oct(
    ctx: OrgContext,
    rng: random.Random,
    p: PatientInfo,
    consult: str,
    doctor: str,
    when: dt.datetime,
) -> Iterator[Item]:
    """A macular or optic-nerve OCT as a generic examination, for the AI to analyse."""
    glaucoma = "glaucoma" in p.conditions and not p.conditions & {"amd", "diabetic_retinopathy"}
    if glaucoma:
        rnfl = round(clamp(rng.gauss(78, 10), 50, 105))
        abnormal = ["Thinning of the retinal nerve fibre layer"] if rnfl < 80 else []
        measurements: dict[str, Any] = {"average_rnfl_um": rnfl}
        findings, subtype = f"Average RNFL thickness {rnfl} µm.", "Optic nerve head / RNFL"
    else:
        thickness = round(clamp(rng.gauss(310, 45), 240, 480))
        fluid = thickness > 320
        kind = "Subretinal fluid" if "amd" in p.conditions else "Diabetic macular oedema"
        abnormal = [kind] if fluid else []
        measurements = {"central_subfield_thickness_um": thickness}
        findings, subtype = f"Central subfield thickness {thickness} µm.", "Macular cube"
    ident = new_id(rng)
    yield exam_row(ctx, rng, p, "ophthalmology", "OCT", when, doctor, consult, measurements,
                   findings, abnormal, ident=ident, subtype=subtype)  # fmt: skip
    p.imaging.append({"kind": "oct", "table": "healthcare_examinations", "id": ident,
                      "reader": doctor, "when": when, "abnormal": abnormal,
                      "summary": findings})  # fmt: skip


def _profile(
    ctx: OrgContext, rng: random.Random, p: PatientInfo, eyes: dict[str, Any], implanted: bool
) -> dict[str, Any]:
    c = p.conditions
    seen = [day for _, day, _ in p.consults.get("ophthalmology", ())]
    upcoming = sorted(a[1] for a in p.appointments if a[2] == "ophthalmology" and a[1] > ctx.now)
    diagnosis = next((label for key, label in DIAGNOSES if key in c), "Presbyopia")
    p.facts["iop"] = max(eyes["right"]["iop"], eyes["left"]["iop"])
    return {
        "id": new_id(rng), "organization_id": ctx.id, "patient_id": p.id,
        "primary_diagnosis": diagnosis, "has_glaucoma": "glaucoma" in c, "has_amd": "amd" in c,
        "has_diabetic_retinopathy": "diabetic_retinopathy" in c, "has_cataract": "cataract" in c,
        "has_iol_implant": implanted,
        "last_acuity_od": f"20/{eyes['right'].get('final_va', eyes['right']['va'])}",
        "last_acuity_os": f"20/{eyes['left'].get('final_va', eyes['left']['va'])}",
        "last_iop_od": float(eyes["right"]["iop"]), "last_iop_os": float(eyes["left"]["iop"]),
        "last_consultation": max(seen, default=None),
        "next_appointment": upcoming[0] if upcoming else None,
        "is_wearing_glasses": rng.random() < 0.7, "is_wearing_contacts": rng.random() < 0.05,
        "ophthalmic_history": diagnosis,
        **stamps(max(p.registered, local(p.first_day, 9)), ctx.now - dt.timedelta(days=1)),
    }  # fmt: skip
