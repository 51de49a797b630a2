"""Transthoracic echocardiograms whose chambers, function and valves fit the patient.

Dimensions follow the ASE/EACVI reference ranges; a reduced ejection fraction comes with a
dilated ventricle, reduced strain and a large atrium; atrial fibrillation makes diastolic
function indeterminate, as it is on a real report.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from typing import Any

from seed.context import Item, OrgContext, PatientInfo, clamp, new_id, pick, stamps, table
from seed.exams import exam_row

T_ECHO = table("cardiology_echos")
VALVE = {"none": 50, "trivial": 30, "mild": 17, "moderate": 3}


def echo(
    ctx: OrgContext,
    rng: random.Random,
    p: PatientInfo,
    ph: dict[str, Any],
    consult: str | None,
    doctor: str,
    when: dt.datetime,
) -> Iterator[Item]:
    """One echocardiogram (and its generic examination row)."""
    reduced, afib, female = ph["reduced"], ph["rhythm"] == "afib", p.sex == "female"
    hf = "heart_failure" in p.conditions
    bsa = math.sqrt(p.height * p.weight / 3600)  # Mosteller, m2
    lvef = round(clamp(ph["lvef"] + rng.gauss(0, 2), 25, 70))
    lvedd = clamp(rng.gauss(63, 4) if reduced else rng.gauss(45 if female else 50, 3.5), 36, 75)
    shortening = clamp(lvef / 2 + rng.gauss(0, 2), 10, 42) / 100
    mass = clamp(rng.gauss(125 if female else 160, 25) * (1.25 if ph["lvh"] else 1), 70, 330)
    lavi = clamp(rng.gauss(44, 7) if afib or hf else rng.gauss(28, 4), 16, 70)
    tapse = clamp(rng.gauss(15, 2.5) if reduced else rng.gauss(22, 3), 9, 30)
    rv = "normal" if tapse >= 17 else "mildly_reduced" if tapse >= 14 else "moderately_reduced"
    mitral = "moderate" if reduced and rng.random() < 0.4 else pick(rng, VALVE)
    aortic_stenosis = pick(rng, {"none": 88, "mild": 9, "moderate": 3}) if p.age > 70 else "none"
    effusion = "small" if "esrd" in p.conditions and rng.random() < 0.08 else "none"
    if afib:
        diastolic = "indeterminate"
    elif hf:
        diastolic = rng.choice(("grade_2", "grade_2", "grade_3"))
    else:
        diastolic = "grade_1" if p.age > 60 or "hypertension" in p.conditions else "normal"
    abnormal = []
    if lvef < 50:
        abnormal.append(f"Reduced LV systolic function (LVEF {lvef}%)")
    if mass / bsa > (95 if female else 115):
        abnormal.append("Increased LV mass index")
    if lavi > 34:
        abnormal.append("Dilated left atrium")
    if rv != "normal":
        abnormal.append("Reduced RV systolic function")
    if mitral == "moderate":
        abnormal.append("Moderate mitral regurgitation")
    if aortic_stenosis != "none":
        abnormal.append(f"{aortic_stenosis.capitalize()} aortic stenosis")
    if effusion != "none":
        abnormal.append("Small pericardial effusion")
    conclusion = "; ".join(abnormal) + "." if abnormal else "Normal echocardiogram."
    measurements = {"lvef_percent": lvef, "lvedd_mm": round(lvedd), "tapse_mm": round(tapse, 1)}
    exam, ident = new_id(rng), new_id(rng)
    yield exam_row(
        ctx, rng, p, "cardiology", "Echocardiography", when, doctor, consult, measurements,
        conclusion, abnormal, ident=exam, subtype="Transthoracic",
    )  # fmt: skip
    p.facts["lvef"] = lvef
    p.imaging.append({"kind": "echo", "table": "cardiology_echos", "id": ident, "when": when,
                      "reader": doctor, "abnormal": abnormal, "summary": conclusion,
                      "lvef": lvef})  # fmt: skip
    read = when + dt.timedelta(hours=rng.randint(1, 20))
    final = read <= ctx.now
    yield T_ECHO, {
        "id": ident, "organization_id": ctx.id, "patient_id": p.id, "examination_id": exam,
        "consultation_id": consult, "echo_number": ctx.next_number("ECHO"), "study_date": when,
        "echo_type": "tte", "indication": "Heart failure follow-up" if hf else "Cardiac assessment",
        "lvef": float(lvef), "lvef_method": rng.choice(("biplane", "simpson", "visual")),
        "lvedd": round(lvedd, 1), "lvesd": round(lvedd * (1 - shortening), 1),
        "lv_mass": round(mass), "lv_mass_index": round(mass / bsa, 1),
        "gls": round(rng.gauss(-10, 2) if reduced else rng.gauss(-16 if hf else -20, 1.5), 1),
        "la_volume": round(lavi * bsa), "la_volume_index": round(lavi, 1),
        "la_dimension": round(clamp(rng.gauss(46 if afib else 36, 4), 26, 60)),
        "rv_function": rv, "tapse": round(tapse, 1),
        "rvsp": round(clamp(rng.gauss(42 if hf else 27, 6), 18, 70)),
        "rv_basal_diameter": round(clamp(rng.gauss(36, 4), 25, 50)),
        "ra_area": round(clamp(rng.gauss(20 if afib else 15, 3), 9, 35), 1),
        "ra_pressure": float(rng.choice((8, 15)) if hf else rng.choice((3, 3, 8))),
        "mitral_regurgitation": mitral, "mitral_stenosis": "none",
        "aortic_regurgitation": pick(rng, VALVE), "aortic_stenosis": aortic_stenosis,
        "tricuspid_regurgitation": pick(rng, VALVE), "pulmonic_regurgitation": "none",
        "aortic_root_diameter": round(clamp(rng.gauss(31 if female else 34, 3), 24, 45)),
        "ascending_aorta_diameter": round(clamp(rng.gauss(32 if female else 35, 3), 24, 48)),
        "pericardial_effusion": effusion, "diastolic_function": diastolic,
        "findings": conclusion, "abnormal_findings": abnormal or None,
        "has_abnormal_findings": bool(abnormal), "interpretation": conclusion if final else None,
        "conclusion": conclusion if final else None,
        "recommendations": "Optimise heart-failure therapy; repeat echo in 6 months" if lvef < 50
        else None,
        "image_urls": [ctx.url("echo", f"{ident}-{view}.jpg") for view in ("plax", "a4c", "a2c")],
        "report_url": ctx.url("echo", f"{ident}.pdf") if final else None,
        "sonographer": ctx.pick_staff(rng, "technician"),
        "interpreted_by": doctor if final else None,
        "interpreted_at": read if final else None, "status": "final" if final else "preliminary",
        "urgency": "routine", "created_by": doctor, **stamps(when, read if final else when),
    }  # fmt: skip
