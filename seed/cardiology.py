"""Cardiology: ECGs and echocardiograms at cardiology visits, then each patient's profile.

Each patient has a stable cardiac phenotype (rhythm, intervals, ejection fraction) from which
every recording varies a little, so a patient's ECGs look alike and agree with the profile.
QT and QTc satisfy Bazett (QTc = QT / sqrt(RR)); risk scores are computed from the recorded
risk factors (CHA2DS2-VASc exactly, Framingham 2008 general CVD from its published model).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from typing import Any

from seed.cardiology_echo import echo
from seed.context import Item, OrgContext, PatientInfo, Tick, clamp, local, new_id, stamps, table
from seed.exams import exam_row

T_PROFILE, T_ECG = table("cardiology_patients"), table("cardiology_ecgs")
# Framingham general CVD (D'Agostino 2008): ln(age), ln(TC), ln(HDL), ln(SBP) untreated/treated,
# smoker, diabetes; baseline survival and mean of the linear predictor.
FRAMINGHAM = {
    "male": (3.06117, 1.12370, -0.93263, 1.93303, 1.99881, 0.65451, 0.57367, 0.88936, 23.9802),
    "female": (2.32888, 1.20904, -0.70833, 2.76157, 2.82263, 0.52873, 0.69154, 0.95012, 26.1931),
}
MG_PER_MMOL = 38.67  # cholesterol


def generate(ctx: OrgContext) -> Iterator[Item]:
    rng = ctx.rng("cardiology")
    for p in ctx.patients:
        if "cardiology" not in p.programs:
            continue
        phenotype = _phenotype(rng, p)
        ecg_dates, echo_dates = [], []
        visits = p.consults.get("cardiology", ())
        if "heart_failure" in p.conditions and p.first_day == ctx.start and rng.random() < 0.7:
            # the yearly echo of a known heart-failure patient, done before the history
            day = ctx.start - dt.timedelta(days=rng.randint(30, 330))
            doctor = visits[0][2] if visits else ctx.pick_staff(rng, "cardiologist")
            yield from echo(ctx, rng, p, phenotype, None, doctor, local(day, 11))
            echo_dates.append(day)
        for n, (consult, day, doctor) in enumerate(visits):
            when = local(day, 9) + dt.timedelta(minutes=rng.randint(0, 480))
            if n == 0 or rng.random() < 0.8:
                yield from _ecg(ctx, rng, p, phenotype, consult, doctor, when)
                ecg_dates.append(day)
            heart_failure = "heart_failure" in p.conditions
            if (n == 0 and (heart_failure or rng.random() < 0.3)) or rng.random() < 0.1:
                yield from echo(ctx, rng, p, phenotype, consult, doctor, when)
                echo_dates.append(day)
        yield T_PROFILE, _profile(ctx, rng, p, phenotype, ecg_dates, echo_dates)
        if "heart_failure" in p.conditions:
            for month in _month_ends(ctx):
                recent = [d for d in echo_dates if month - dt.timedelta(days=365) < d <= month]
                if p.first_day <= month:
                    ctx.count("CAR-ECHO-01", month, bool(recent))
        yield Tick()


def _month_ends(ctx: OrgContext) -> Iterator[dt.date]:
    day = ctx.start
    while day <= ctx.end:
        following = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        yield min(following - dt.timedelta(days=1), ctx.end)
        day = following


def _phenotype(rng: random.Random, p: PatientInfo) -> dict[str, Any]:
    afib = "afib" in p.conditions
    paced = rng.random() < (0.12 if afib or "heart_failure" in p.conditions else 0.02)
    if "heart_failure" in p.conditions:
        reduced = rng.random() < 0.6
        lvef = clamp(rng.gauss(33, 5), 25, 40) if reduced else clamp(rng.gauss(56, 4), 50, 65)
    else:
        reduced, lvef = False, clamp(rng.gauss(61, 4), 52, 70)
    return {
        "rhythm": "paced" if paced else "afib" if afib else "sinus",
        "hr": rng.gauss(86, 12) if afib and not paced else rng.gauss(70, 9),
        "pr": clamp(rng.gauss(158, 16), 124, 196),
        "qrs": clamp(rng.gauss(150, 8), 130, 170) if paced else clamp(rng.gauss(94, 8), 80, 116),
        "qtc": clamp(rng.gauss(432 if p.sex == "female" else 422, 15), 385, 475),
        "axis": clamp(rng.gauss(35, 30), -60, 100),
        "lvh": "hypertension" in p.conditions and rng.random() < 0.15,
        "old_mi": "vascular" in p.conditions and rng.random() < 0.2,
        "lvef": lvef,
        "reduced": reduced,
    }


def _ecg(
    ctx: OrgContext,
    rng: random.Random,
    p: PatientInfo,
    ph: dict[str, Any],
    consult: str,
    doctor: str,
    when: dt.datetime,
) -> Iterator[Item]:
    rhythm = ph["rhythm"]
    hr = round(clamp(ph["hr"] + rng.gauss(0, 5), 48, 125))
    rr = 60 / hr
    qt = round(clamp(ph["qtc"] + rng.gauss(0, 6), 380, 480) * math.sqrt(rr))
    qtc = round(qt / math.sqrt(rr))
    pr = None if rhythm == "afib" else round(clamp(ph["pr"] + rng.gauss(0, 5), 120, 200))
    qrs = round(ph["qrs"] + rng.gauss(0, 3))
    axis = round(ph["axis"] + rng.gauss(0, 5))
    findings = _ecg_findings(p, ph, rhythm, hr, qtc, axis)
    text = {
        "sinus": "Sinus rhythm",
        "afib": "Atrial fibrillation",
        "paced": "Ventricular paced rhythm",
    }
    pr_text = f"PR {pr} ms, " if pr else ""
    interpretation = (
        f"{text[rhythm]} at {hr} bpm. {pr_text}QRS {qrs} ms, QT/QTc {qt}/{qtc} ms, "
        f"axis {axis}°. " + ("; ".join(findings) + "." if findings else "Normal ECG.")
    )
    age = ctx.now - when
    status = "verified" if age.days > 7 else "reviewed" if age.days > 2 else "interpreted"
    interpreted = status != "interpreted" or rng.random() < 0.7
    exam = new_id(rng)
    yield exam_row(
        ctx, rng, p, "cardiology", "ECG", when, doctor, consult,
        {"heart_rate_bpm": hr, "pr_ms": pr, "qrs_ms": qrs, "qt_ms": qt, "qtc_ms": qtc},
        interpretation, findings, ident=exam, subtype="12-lead",
    )  # fmt: skip
    ecg = new_id(rng)
    p.imaging.append({"kind": "ecg", "table": "cardiology_ecgs", "id": ecg, "when": when,
                      "reader": doctor, "abnormal": findings,
                      "summary": interpretation})  # fmt: skip
    read = when + dt.timedelta(hours=rng.randint(1, 30))
    yield T_ECG, {
        "id": ecg, "organization_id": ctx.id, "patient_id": p.id, "examination_id": exam,
        "consultation_id": consult, "ecg_number": ctx.next_number("ECG"), "recording_date": when,
        "ecg_type": "standard_12_lead" if rng.random() < 0.92 else "rhythm_strip",
        "paper_speed": 25, "gain": 10.0, "filter_settings": "0.05-150 Hz, 50 Hz notch",
        "heart_rate": hr, "pr_interval": pr, "qrs_duration": qrs, "qt_interval": qt,
        "qtc_interval": qtc, "axis": axis, "rhythm": rhythm,
        "rhythm_regularity": "irregularly_irregular" if rhythm == "afib" else "regular",
        "p_wave_findings": "Absent P waves, fibrillatory baseline" if rhythm == "afib"
        else "Normal P waves",
        "qrs_findings": "Pathological Q waves in II, III, aVF" if ph["old_mi"]
        else "Normal QRS morphology",
        "st_segment_findings": "No acute ST changes",
        "t_wave_findings": "Secondary T-wave changes" if rhythm == "paced" else "Normal T waves",
        "findings": interpretation, "has_abnormalities": bool(findings), "abnormalities": findings,
        "interpretation": interpretation if interpreted else None,
        "ai_analysis": {"model": "ecg-rhythm-v2", "rhythm": rhythm, "heart_rate": hr,
                        "findings": findings} if rng.random() < 0.6 else None,
        "ai_confidence": round(rng.uniform(0.82, 0.99), 2),
        "ecg_image_url": ctx.url("ecg", f"{ecg}.png"), "ecg_pdf_url": ctx.url("ecg", f"{ecg}.pdf"),
        "performed_by": ctx.pick_staff(rng, "technician", "nurse"),
        "interpreted_by": doctor if interpreted else None,
        "interpreted_at": read if interpreted else None,
        "status": status if interpreted else "pending",
        "urgency": "urgent" if hr > 110 else "routine", "created_by": doctor,
        **stamps(when, read if interpreted else when),
    }  # fmt: skip


def _ecg_findings(
    p: PatientInfo, ph: dict[str, Any], rhythm: str, hr: int, qtc: int, axis: int
) -> list[str]:
    found = []
    if rhythm == "afib":
        found.append("Atrial fibrillation with " + ("rapid" if hr > 110 else "controlled")
                     + " ventricular response")  # fmt: skip
    elif rhythm == "paced":
        found.append("Ventricular pacing")
    elif hr < 60:
        found.append("Sinus bradycardia")
    elif hr > 100:
        found.append("Sinus tachycardia")
    if qtc > (470 if p.sex == "female" else 460):
        found.append("Prolonged QTc")
    if axis < -30:
        found.append("Left axis deviation")
    elif axis > 90:
        found.append("Right axis deviation")
    if ph["lvh"]:
        found.append("Left ventricular hypertrophy (Sokolow-Lyon)")
    if ph["old_mi"]:
        found.append("Old inferior myocardial infarction")
    return found


def framingham(sex: str, age: int, tc: float, hdl: float, sbp: float, treated: bool,
               smoker: bool, diabetic: bool) -> float:  # fmt: skip
    """10-year general cardiovascular risk in %, Framingham 2008 (valid 30-74 years)."""
    a, c, h, su, st, s, d, s0, mean = FRAMINGHAM["female" if sex == "female" else "male"]
    x = (a * math.log(clamp(age, 30, 74)) + c * math.log(tc * MG_PER_MMOL)
         + h * math.log(hdl * MG_PER_MMOL) + (st if treated else su) * math.log(sbp)
         + s * smoker + d * diabetic)  # fmt: skip
    return round(100 * (1 - s0 ** math.exp(x - mean)), 1)


def cha2ds2_vasc(p: PatientInfo, hf: bool, htn: bool, dm: bool, stroke: bool, vasc: bool) -> int:
    age = 2 if p.age >= 75 else 1 if p.age >= 65 else 0
    return hf + htn + age + dm + 2 * stroke + vasc + (p.sex == "female")


def _profile(
    ctx: OrgContext,
    rng: random.Random,
    p: PatientInfo,
    ph: dict[str, Any],
    ecgs: list[dt.date],
    echos: list[dt.date],
) -> dict[str, Any]:
    c = p.conditions
    hf, htn, dm, vasc = ("heart_failure" in c, "hypertension" in c, "diabetes" in c,
                         "vascular" in c)  # fmt: skip
    stroke = rng.random() < 0.05 + 0.08 * ("afib" in c)
    treated = htn and rng.random() < 0.9
    tc = round(clamp(rng.gauss(4.6 if vasc else 5.3, 0.9), 2.8, 8.5), 1)
    hdl = round(clamp(rng.gauss(1.55 if p.sex == "female" else 1.25, 0.3), 0.7, 2.6), 2)
    sbp = round(clamp(rng.gauss(142 if htn else 126, 14), 100, 190))
    risk = framingham(p.sex, p.age, tc, hdl, sbp, treated, "smoker" in c, dm)
    level = "low" if risk < 5 else "moderate" if risk < 10 else "high" if risk < 20 else "very_high"
    if vasc or hf:
        level = "very_high"
    score = cha2ds2_vasc(p, hf, htn, dm, stroke, vasc)
    echoed = [d for d in echos if d <= ctx.end]
    p.facts.update(cha2ds2=score, framingham=risk, afib="afib" in c)
    lvef = p.facts.get("lvef") if echoed else None
    history = ", ".join(sorted(c & {"heart_failure", "afib", "vascular", "hypertension"}))
    return {
        "id": new_id(rng), "organization_id": ctx.id, "patient_id": p.id,
        "framingham_score": risk, "score2_risk": None, "cha2ds2_vasc_score": score,
        "has_congestive_heart_failure": hf, "has_hypertension": htn,
        "is_on_antihypertensive_treatment": treated, "has_diabetes": dm,
        "has_stroke_or_tia": stroke, "has_vascular_disease": vasc,
        "has_dyslipidemia": "dyslipidemia" in c, "is_smoker": "smoker" in c,
        "total_cholesterol": tc, "hdl_cholesterol": hdl, "systolic_bp": float(sbp),
        "cardiac_risk_level": level,
        "nyha_class": rng.choice(("i", "ii", "ii", "iii", "iii", "iv")) if hf else None,
        "ejection_fraction": lvef, "has_pacemaker": ph["rhythm"] == "paced",
        "has_stent": vasc and rng.random() < 0.5, "has_bypass": vasc and rng.random() < 0.15,
        "last_ecg_date": max(ecgs, default=None), "last_echo_date": max(echoed, default=None),
        "cardiac_history": history.replace("_", " ").capitalize() or None,
        **stamps(max(p.registered, local(p.first_day, 9)), ctx.now - dt.timedelta(days=1)),
    }  # fmt: skip
